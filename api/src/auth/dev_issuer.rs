//! The development issuer: a signing key kept in a file next to the embedded database, so
//! `motgift dev-token` and the service agree on it, and tokens survive a restart. It is for a
//! laptop: the service refuses to trust it on an address other machines can reach unless told
//! so explicitly.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use motgift_schema::Role;
use motgift_schema::domain::Kommunenummer;
use serde_json::json;

use super::jwks::VerificationKey;

/// The `iss` of development tokens.
pub const ISSUER: &str = "urn:motgift:dev-issuer";
/// The `aud` of development tokens.
pub const AUDIENCE: &str = "motgift";
/// Where the key lives by default, beside the embedded database.
pub const DEFAULT_KEY_FILE: &str = "data/dev-issuer-key.pem";

pub struct DevIssuer {
    signing: EncodingKey,
    verifying: DecodingKey,
    kid: String,
    path: PathBuf,
}

impl DevIssuer {
    /// Loads the key from `path`, creating it (readable by its owner only) if there is none.
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        let key = match std::fs::read_to_string(path) {
            Ok(pem) => SigningKey::from_pkcs8_pem(&pem)
                .map_err(|e| anyhow::anyhow!("{} is not a key: {e}", path.display()))?,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                let key = SigningKey::from_bytes(&rand::random());
                let pem = key
                    .to_pkcs8_pem(Default::default())
                    .map_err(|e| anyhow::anyhow!("encode key: {e}"))?;
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                write_private(path, pem.as_bytes())?;
                key
            }
            Err(err) => return Err(anyhow::anyhow!("cannot read {}: {err}", path.display())),
        };
        let pem = key
            .to_pkcs8_pem(Default::default())
            .map_err(|e| anyhow::anyhow!("encode key: {e}"))?;
        let public = URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes());
        Ok(Self {
            signing: EncodingKey::from_ed_pem(pem.as_bytes())?,
            verifying: DecodingKey::from_ed_components(&public)?,
            kid: format!("dev-{}", &public[..8]),
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(super) fn verification_key(&self) -> VerificationKey {
        VerificationKey {
            key: self.verifying.clone(),
            algorithms: vec![Algorithm::EdDSA],
        }
    }

    /// A token for a caller acting for `municipalities` in `roles`, valid for `hours`.
    pub fn token(&self, municipalities: &[Kommunenummer], roles: &[Role], hours: i64) -> String {
        let now = Utc::now().timestamp();
        let numbers: Vec<&str> = municipalities.iter().map(Kommunenummer::as_str).collect();
        let codes: Vec<&str> = roles.iter().map(|r| r.code()).collect();
        let claims = json!({
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": format!("dev-{}-{}", numbers.join("+"), codes.join("+")),
            "iat": now,
            "nbf": now,
            "exp": now + hours * 3600,
            "kommunenummer": numbers,
            "roles": codes,
        });
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        // Signing with a key loaded a moment ago cannot fail.
        jsonwebtoken::encode(&header, &claims, &self.signing).unwrap_or_default()
    }

    /// The tokens printed at start-up: one per typical caller.
    pub fn ready_made_tokens(&self) -> Vec<(&'static str, String)> {
        let k = |n: &str| {
            n.parse::<Kommunenummer>()
                .ok()
                .into_iter()
                .collect::<Vec<_>>()
        };
        vec![
            (
                "Molde coordinator (1506)",
                self.token(&k("1506"), &[Role::Coordinator], 12),
            ),
            (
                "Kristiansund registrar (1505)",
                self.token(&k("1505"), &[Role::Registrar], 12),
            ),
            (
                "Ålesund coordinator (1508)",
                self.token(&k("1508"), &[Role::Coordinator], 12),
            ),
            (
                "Analyst (all, aggregates)",
                self.token(&[], &[Role::Analyst], 12),
            ),
            (
                "Plan administrator",
                self.token(&[], &[Role::PlanAdmin], 12),
            ),
        ]
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?
        .write_all(bytes)
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Authenticator;
    use crate::auth::settings::AuthSettings;

    /// What `motgift dev-token` prints is accepted by a service started with the same key
    /// file, and by no other.
    #[tokio::test]
    async fn tokens_are_valid_for_services_sharing_the_key_file() {
        let dir = std::env::temp_dir().join(format!("motgift-dev-{}", uuid::Uuid::new_v4()));
        let path = dir.join("key.pem");
        let cli = DevIssuer::load_or_create(&path).unwrap();
        let service = DevIssuer::load_or_create(&path).unwrap();
        let other = DevIssuer::load_or_create(&dir.join("other.pem")).unwrap();
        let molde: Kommunenummer = "1506".parse().unwrap();
        let token = cli.token(&[molde], &[Role::Coordinator], 1);

        let trusting = Authenticator::new(&AuthSettings::default(), Some(&service));
        let caller = trusting.verify(&token).await.unwrap();
        assert_eq!(caller.municipalities.len(), 1);
        assert!(caller.has_role(Role::Coordinator));
        let stranger = Authenticator::new(&AuthSettings::default(), Some(&other));
        assert!(stranger.verify(&token).await.is_err());
        let expired = cli.token(&[], &[Role::Analyst], -1);
        assert!(trusting.verify(&expired).await.is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
