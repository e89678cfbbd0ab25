//! Which identity providers the service trusts and how their claims map to a caller. Read from
//! a TOML file (`--auth-config`); `deploy/auth/` has worked examples for Keycloak, Microsoft
//! Entra ID and HelseID.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    #[serde(default, rename = "issuer")]
    pub issuers: Vec<IssuerSettings>,
    /// Browser sign-in (authorization code with PKCE), if offered.
    pub browser: Option<BrowserSettings>,
}

/// The client the service is for browsers: `/auth/login` sends people to the issuer's sign-in
/// page, `/auth/callback` takes them back.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrowserSettings {
    /// One of the trusted issuers' `issuer`.
    pub issuer: String,
    pub client_id: String,
    /// For a confidential client; a public client relies on PKCE alone.
    pub client_secret: Option<String>,
    /// This service's `/auth/callback`, as registered with the issuer.
    pub redirect_url: String,
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// RFC 8707 resource indicator, for issuers that need one to put the API in `aud`.
    pub resource: Option<String>,
}

fn default_scopes() -> Vec<String> {
    vec!["openid".to_owned()]
}

impl AuthSettings {
    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }
}

/// One trusted OpenID Connect issuer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerSettings {
    /// The exact `iss` of its tokens.
    pub issuer: String,
    /// A short name used in callers' subjects and logs (default: the issuer URL).
    pub name: Option<String>,
    /// Accepted `aud` values: at least one must be in the token.
    pub audiences: Vec<String>,
    /// Where discovery is (default: `{issuer}/.well-known/openid-configuration`).
    pub discovery_url: Option<String>,
    /// Seconds of clock difference accepted on `exp` and `nbf`.
    #[serde(default = "default_leeway")]
    pub leeway_seconds: u64,
    /// An unknown key id makes the service fetch the issuer's keys again, at most this often.
    #[serde(default = "default_refetch")]
    pub jwks_min_refetch_seconds: u64,
    #[serde(default)]
    pub claims: ClaimMapping,
    /// For opaque (non-JWT) access tokens: RFC 7662 introspection with these credentials.
    pub introspection: Option<IntrospectionSettings>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntrospectionSettings {
    /// The introspection endpoint (for example `{issuer}/token/introspection`).
    pub endpoint: String,
    pub client_id: String,
    pub client_secret: String,
    /// How long an answer is reused, at most; never past the token's expiry.
    #[serde(default = "default_introspection_cache")]
    pub cache_seconds: u64,
}

fn default_introspection_cache() -> u64 {
    30
}

fn default_leeway() -> u64 {
    30
}

fn default_refetch() -> u64 {
    10
}

/// Where in a token the caller's subject, municipalities and roles are. Paths are claim names,
/// with dots for nesting (`realm_access.roles`); a claim may hold a string or a list.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClaimMapping {
    pub subject: String,
    /// Claim holding kommunenummer values.
    pub municipalities: Option<String>,
    /// Claim holding organisation numbers, mapped to kommunenummer by `organisation_map`
    /// (HelseID names organisations, not municipalities).
    pub organisation: Option<String>,
    pub organisation_map: BTreeMap<String, String>,
    pub roles: String,
    /// The identity provider's role names mapped to Motgift's (`coordinator`, `registrar`,
    /// `analyst`, `plan_admin`); names not listed are taken as they are.
    pub role_map: BTreeMap<String, String>,
    /// Claim with the sign-in's security level, and the lowest level accepted.
    pub security_level: Option<String>,
    pub min_security_level: Option<u32>,
}

impl Default for ClaimMapping {
    fn default() -> Self {
        Self {
            subject: "sub".to_owned(),
            municipalities: Some("kommunenummer".to_owned()),
            organisation: None,
            organisation_map: BTreeMap::new(),
            roles: "roles".to_owned(),
            role_map: BTreeMap::new(),
            security_level: None,
            min_security_level: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked examples in `deploy/auth/` stay loadable.
    #[test]
    fn the_deploy_examples_parse() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/auth");
        for name in ["keycloak.toml", "entra-id.toml", "helseid.toml"] {
            let settings = AuthSettings::from_file(&dir.join(name)).unwrap();
            assert_eq!(settings.issuers.len(), 1, "{name}");
            assert!(!settings.issuers[0].claims.role_map.is_empty(), "{name}");
        }
        let helseid = AuthSettings::from_file(&dir.join("helseid.toml")).unwrap();
        assert_eq!(helseid.issuers[0].claims.min_security_level, Some(4));
    }
}
