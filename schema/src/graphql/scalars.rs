//! Scalars with names front ends expect.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

/// A calendar date in ISO 8601 (`2025-03-01`), in Norwegian local time where it matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

#[Scalar(
    name = "Date",
    specified_by_url = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6"
)]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| {
                    InputValueError::custom(format!("{s:?} is not a date; write it as YYYY-MM-DD"))
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    /// Checked while the request is validated, so a malformed date is reported with the
    /// field it was given for.
    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(s) if NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok())
    }

    fn to_value(&self) -> Value {
        // NaiveDate's Display is YYYY-MM-DD, without parsing a format string for each date.
        Value::String(self.0.to_string())
    }
}

impl From<NaiveDate> for Date {
    fn from(date: NaiveDate) -> Self {
        Date(date)
    }
}
