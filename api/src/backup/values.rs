//! One value between the database and the archive. Values are read and written as the types
//! the service's own entities use (a `Uuid`, a UTC `DateTime`, a `NaiveDate`, …), so an
//! imported row is stored exactly as the service would have stored it, on either database: a
//! SQLite timestamp is the same text, a uuid the same bytes, and an archive from one database
//! imports into the other.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use sea_orm::{QueryResult, TryGetable, Value};
use serde_json::Value as Json;
use uuid::Uuid;

use super::catalog::{Column, Kind, Width};

/// The value of column `index` of `row` as the archive writes it.
pub fn read(row: &QueryResult, index: usize, column: &Column) -> anyhow::Result<Json> {
    fn get<T: TryGetable>(row: &QueryResult, index: usize) -> anyhow::Result<Option<T>> {
        Ok(row.try_get_by_index::<Option<T>>(index)?)
    }
    let value = match (column.kind, column.width) {
        (Kind::Text, _) => get::<String>(row, index)?.map(Json::from),
        (Kind::Uuid, _) => get::<Uuid>(row, index)?.map(|u| Json::from(u.to_string())),
        (Kind::Boolean, _) => get::<bool>(row, index)?.map(Json::from),
        (Kind::Integer, Width::Small) => get::<i16>(row, index)?.map(Json::from),
        (Kind::Integer, Width::Normal) => get::<i32>(row, index)?.map(Json::from),
        (Kind::Integer, Width::Big) => get::<i64>(row, index)?.map(Json::from),
        (Kind::Real, _) => match get::<f64>(row, index)? {
            Some(f) => Some(
                serde_json::Number::from_f64(f)
                    .map(Json::Number)
                    .ok_or_else(|| {
                        anyhow::anyhow!("{} holds {f}, which JSON cannot", column.name)
                    })?,
            ),
            None => None,
        },
        (Kind::Date, _) => get::<NaiveDate>(row, index)?.map(|d| Json::from(d.to_string())),
        (Kind::Timestamp, _) => get::<DateTime<Utc>>(row, index)?
            .map(|t| Json::from(t.to_rfc3339_opts(SecondsFormat::AutoSi, true))),
        (Kind::Json, _) => get::<Json>(row, index)?,
        (Kind::Bytes, _) => get::<Vec<u8>>(row, index)?.map(|b| Json::from(hex::encode(b))),
    };
    Ok(value.unwrap_or(Json::Null))
}

/// The database value for an archive's value; an error says what was expected.
pub fn bind(value: &Json, column: &Column) -> Result<Value, String> {
    let null = value.is_null();
    let expected = |what: &str| format!("{}: expected {what}, got {value}", column.name);
    Ok(match column.kind {
        Kind::Text => Value::from(
            (!null)
                .then(|| text(value))
                .transpose()
                .map_err(|_| expected("a string"))?,
        ),
        Kind::Uuid => {
            let parsed = (!null)
                .then(|| text(value).and_then(|s| Uuid::parse_str(&s).map_err(|_| ())))
                .transpose()
                .map_err(|_| expected("a uuid"))?;
            Value::from(parsed)
        }
        Kind::Boolean => Value::from(
            (!null)
                .then(|| value.as_bool().ok_or(()))
                .transpose()
                .map_err(|_| expected("true or false"))?,
        ),
        Kind::Integer => {
            let n = (!null)
                .then(|| value.as_i64().ok_or(()))
                .transpose()
                .map_err(|_| expected("an integer"))?;
            let out_of_range = || expected("a smaller integer");
            match column.width {
                Width::Small => Value::from(
                    n.map(i16::try_from)
                        .transpose()
                        .map_err(|_| out_of_range())?,
                ),
                Width::Normal => Value::from(
                    n.map(i32::try_from)
                        .transpose()
                        .map_err(|_| out_of_range())?,
                ),
                Width::Big => Value::from(n),
            }
        }
        Kind::Real => Value::from(
            (!null)
                .then(|| value.as_f64().ok_or(()))
                .transpose()
                .map_err(|_| expected("a number"))?,
        ),
        Kind::Date => Value::from(
            (!null)
                .then(|| text(value).and_then(|s| s.parse::<NaiveDate>().map_err(|_| ())))
                .transpose()
                .map_err(|_| expected("a date (YYYY-MM-DD)"))?,
        ),
        Kind::Timestamp => Value::from(
            (!null)
                .then(|| {
                    text(value).and_then(|s| {
                        DateTime::parse_from_rfc3339(&s)
                            .map(|t| t.with_timezone(&Utc))
                            .map_err(|_| ())
                    })
                })
                .transpose()
                .map_err(|_| expected("an RFC 3339 timestamp"))?,
        ),
        Kind::Json => Value::from((!null).then(|| value.clone())),
        Kind::Bytes => Value::from(
            (!null)
                .then(|| text(value).and_then(|s| hex::decode(s).map_err(|_| ())))
                .transpose()
                .map_err(|_| expected("hex"))?,
        ),
    })
}

fn text(value: &Json) -> Result<String, ()> {
    value.as_str().map(str::to_owned).ok_or(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn column(kind: Kind, width: Width) -> Column {
        Column {
            name: "c".to_owned(),
            kind,
            width,
        }
    }

    #[test]
    fn timestamps_keep_every_fractional_digit() {
        let c = column(Kind::Timestamp, Width::Big);
        for text in [
            "2025-07-14T21:03:04Z",
            "2025-07-14T21:03:04.120000Z",
            "2025-07-14T21:03:04.123456789Z",
        ] {
            let Value::ChronoDateTimeUtc(Some(t)) = bind(&json!(text), &c).unwrap() else {
                panic!("a UTC timestamp");
            };
            let parsed = DateTime::parse_from_rfc3339(text).unwrap();
            assert_eq!(t, parsed);
            assert_eq!(
                DateTime::parse_from_rfc3339(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
                    .unwrap(),
                parsed
            );
        }
    }

    #[test]
    fn nulls_stay_typed_and_bad_values_name_their_column() {
        assert_eq!(
            bind(&Json::Null, &column(Kind::Uuid, Width::Big)).unwrap(),
            Value::Uuid(None)
        );
        assert_eq!(
            bind(&json!(70000), &column(Kind::Integer, Width::Small)).unwrap_err(),
            "c: expected a smaller integer, got 70000"
        );
        assert!(bind(&json!("2025-13-01"), &column(Kind::Date, Width::Big)).is_err());
    }
}
