//! From a verified token's claims to a [`Caller`].

use std::collections::BTreeSet;

use motgift_schema::domain::Kommunenummer;
use motgift_schema::{Caller, MAX_SUBJECT, Role};
use serde_json::Value;

use super::settings::ClaimMapping;

/// The value at a dotted claim path. A claim whose own name contains dots (rare) is found too.
fn claim<'v>(claims: &'v Value, path: &str) -> Option<&'v Value> {
    if let Some(direct) = claims.get(path) {
        return Some(direct);
    }
    path.split('.')
        .try_fold(claims, |value, part| value.get(part))
}

/// Strings of a claim: a list of strings, or one string with space- or comma-separated values.
fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => s
            .split([' ', ','])
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        Some(Value::Number(n)) => vec![n.to_string()],
        _ => Vec::new(),
    }
}

impl ClaimMapping {
    /// The caller a token describes. `issuer_name` qualifies the subject, so two issuers'
    /// subjects never collide.
    pub fn caller(&self, issuer_name: &str, claims: &Value) -> Result<Caller, String> {
        let subject = claim(claims, &self.subject)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("the token has no {} claim", self.subject))?;

        if let (Some(path), Some(minimum)) = (&self.security_level, self.min_security_level) {
            let level = strings(claim(claims, path))
                .iter()
                .filter_map(|s| s.parse::<u32>().ok())
                .max()
                .unwrap_or(0);
            if level < minimum {
                return Err(format!(
                    "the sign-in's security level is {level}; at least {minimum} is required"
                ));
            }
        }

        let mut municipalities: BTreeSet<Kommunenummer> = BTreeSet::new();
        if let Some(path) = &self.municipalities {
            municipalities.extend(
                strings(claim(claims, path))
                    .iter()
                    .filter_map(|k| k.parse().ok()),
            );
        }
        if let Some(path) = &self.organisation {
            municipalities.extend(
                strings(claim(claims, path))
                    .iter()
                    .filter_map(|org| self.organisation_map.get(org))
                    .filter_map(|k| k.parse().ok()),
            );
        }

        let roles: BTreeSet<Role> = strings(claim(claims, &self.roles))
            .iter()
            .filter_map(|r| {
                let code = self.role_map.get(r).map_or(r.as_str(), String::as_str);
                Role::from_code(code)
            })
            .collect();

        // Checked here, so every log of what the caller did can record it as it is.
        let subject = format!("{issuer_name}|{subject}");
        if subject.chars().count() > MAX_SUBJECT {
            return Err(format!(
                "the token's subject is too long: with the issuer's name it has {} characters, \
                 at most {MAX_SUBJECT} are accepted",
                subject.chars().count()
            ));
        }
        Ok(Caller {
            subject,
            roles,
            municipalities,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn keycloak_nested_roles_and_a_municipality_list() {
        let mapping = ClaimMapping {
            roles: "realm_access.roles".to_owned(),
            role_map: [("motgift-koordinator".to_owned(), "coordinator".to_owned())].into(),
            ..ClaimMapping::default()
        };
        let caller = mapping
            .caller(
                "keycloak",
                &json!({ "sub": "u1", "kommunenummer": ["1506", "1505"],
                         "realm_access": { "roles": ["motgift-koordinator", "offline_access"] } }),
            )
            .unwrap();
        assert_eq!(caller.subject, "keycloak|u1");
        assert_eq!(caller.municipalities.len(), 2);
        assert_eq!(caller.roles, [Role::Coordinator].into());
    }

    #[test]
    fn a_subject_the_logs_cannot_keep_whole_is_refused() {
        let mapping = ClaimMapping::default();
        let claims = |sub: String| json!({ "sub": sub, "kommunenummer": ["1506"] });
        let fits = "s".repeat(MAX_SUBJECT - "idp|".len());
        assert!(mapping.caller("idp", &claims(fits.clone())).is_ok());
        let err = mapping
            .caller("idp", &claims(format!("{fits}s")))
            .unwrap_err();
        assert!(err.contains("too long"), "{err}");
    }

    #[test]
    fn helseid_organisation_numbers_and_security_level() {
        let mapping = ClaimMapping {
            municipalities: None,
            organisation: Some("helseid://claims/client/claims/orgnr_parent".to_owned()),
            organisation_map: [("964338531".to_owned(), "1506".to_owned())].into(),
            roles: "scope".to_owned(),
            role_map: [("motgift:registrar".to_owned(), "registrar".to_owned())].into(),
            security_level: Some("helseid://claims/identity/security_level".to_owned()),
            min_security_level: Some(4),
            ..ClaimMapping::default()
        };
        let claims = |level: &str| {
            json!({ "sub": "abc", "scope": "openid motgift:registrar",
                    "helseid://claims/client/claims/orgnr_parent": "964338531",
                    "helseid://claims/identity/security_level": level })
        };
        let caller = mapping.caller("helseid", &claims("4")).unwrap();
        assert_eq!(
            caller
                .municipalities
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>(),
            ["1506"]
        );
        assert!(caller.has_role(Role::Registrar));
        assert!(mapping.caller("helseid", &claims("3")).is_err());
    }

    #[test]
    fn a_token_without_a_subject_is_refused() {
        assert!(
            ClaimMapping::default()
                .caller("x", &json!({ "roles": ["analyst"] }))
                .is_err()
        );
    }
}
