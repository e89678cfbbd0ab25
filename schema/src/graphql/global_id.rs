//! Opaque global ids (Relay): base64url of `Type:uuid`. Clients must not parse them.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::error::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GlobalId {
    pub type_name: &'static str,
    pub id: Uuid,
}

/// Every type that has a global id, so decoding can hand back a `'static` name.
const TYPE_NAMES: &[&str] = &[
    "Plan",
    "FocusArea",
    "Measure",
    "Indicator",
    "Action",
    "OverdoseIncident",
    "NaloxoneDistribution",
    "DistributionSite",
    "AuditEvent",
    "AccessLogEntry",
];

impl GlobalId {
    pub fn new(type_name: &'static str, id: Uuid) -> Self {
        Self { type_name, id }
    }

    pub fn encode(type_name: &'static str, id: Uuid) -> async_graphql::ID {
        async_graphql::ID(URL_SAFE_NO_PAD.encode(format!("{type_name}:{id}")))
    }

    /// The `'static` name of a type that has global ids.
    pub fn type_name(name: &str) -> Option<&'static str> {
        TYPE_NAMES.iter().find(|t| **t == name).copied()
    }

    /// Decodes an id; `field` names the input for the error message.
    pub fn decode(raw: &str, field: &str) -> Result<Self, Error> {
        let invalid = || Error::validation(field, "this is not a valid id");
        let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let (type_name, id) = text.split_once(':').ok_or_else(invalid)?;
        let type_name = TYPE_NAMES
            .iter()
            .find(|t| **t == type_name)
            .ok_or_else(invalid)?;
        let id = Uuid::parse_str(id).map_err(|_| invalid())?;
        Ok(Self { type_name, id })
    }

    /// Decodes an id that must be of the given type.
    pub fn decode_as(raw: &str, type_name: &str, field: &str) -> Result<Uuid, Error> {
        let id = Self::decode(raw, field)?;
        if id.type_name == type_name {
            Ok(id.id)
        } else {
            Err(Error::validation(
                field,
                format!("expected the id of a {type_name}"),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let id = Uuid::now_v7();
        let encoded = GlobalId::encode("Measure", id);
        assert_eq!(
            GlobalId::decode(&encoded, "id").unwrap(),
            GlobalId::new("Measure", id)
        );
    }

    #[test]
    fn rejects_garbage_and_unknown_types() {
        assert!(GlobalId::decode("not base64!", "id").is_err());
        let unknown = URL_SAFE_NO_PAD.encode(format!("Secret:{}", Uuid::nil()));
        assert!(GlobalId::decode(&unknown, "id").is_err());
    }

    #[test]
    fn decode_as_checks_the_type() {
        let encoded = GlobalId::encode("Plan", Uuid::nil());
        assert!(GlobalId::decode_as(&encoded, "Measure", "measureId").is_err());
    }
}
