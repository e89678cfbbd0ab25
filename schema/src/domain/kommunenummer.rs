//! The municipality number (kommunenummer): four digits, kept as text because of leading zeros.

use std::fmt;
use std::str::FromStr;

/// A syntactically valid kommunenummer, such as `1506` (Molde) or `0301` (Oslo).
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Kommunenummer(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a kommunenummer is four digits, such as 1506; got {0:?}")]
pub struct KommunenummerError(pub String);

impl Kommunenummer {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A value read back from the database, where only valid numbers are ever written.
    pub(crate) fn from_trusted(stored: &str) -> Self {
        Self(stored.to_owned())
    }
}

impl FromStr for Kommunenummer {
    type Err = KommunenummerError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(KommunenummerError(s.chars().take(16).collect()))
        }
    }
}

impl TryFrom<String> for Kommunenummer {
    type Error = KommunenummerError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Kommunenummer> for String {
    fn from(k: Kommunenummer) -> Self {
        k.0
    }
}

impl fmt::Display for Kommunenummer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_four_digits_with_leading_zero() {
        assert_eq!("0301".parse::<Kommunenummer>().unwrap().as_str(), "0301");
    }

    #[test]
    fn rejects_other_shapes() {
        for bad in ["150", "15066", "15a6", "", "１５０６"] {
            assert!(
                bad.parse::<Kommunenummer>().is_err(),
                "{bad:?} was accepted"
            );
        }
    }
}
