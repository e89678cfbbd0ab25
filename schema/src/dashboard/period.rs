//! The date range of a dashboard and its periods. Counts are kept per month, so a range covers
//! whole months and a period never spans two calendar years (rates use one year's population).

use chrono::{Datelike, Months, NaiveDate};

use crate::error::{Error, FieldError, Result};

/// The longest range a dashboard covers.
pub const MAX_YEARS: i32 = 25;

/// How a range is split into periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, async_graphql::Enum)]
pub enum Bucket {
    Month,
    Quarter,
    Year,
}

/// A checked range of whole months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Range {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub bucket: Bucket,
}

/// One period of a range: a month, a quarter or a year, cut to the range.
#[derive(Debug, Clone, PartialEq, Eq, async_graphql::SimpleObject)]
pub struct Period {
    /// `2025-03`, `2025-Q1` or `2025`.
    pub label: String,
    pub from: crate::graphql::Date,
    pub to: crate::graphql::Date,
}

fn last_day_of_month(date: NaiveDate) -> NaiveDate {
    let first = date.with_day(1).unwrap_or(date);
    first
        .checked_add_months(Months::new(1))
        .and_then(|next| next.pred_opt())
        .unwrap_or(date)
}

impl Range {
    /// Checks that the range starts on the first of a month, ends on the last of a month
    /// at or after it, and spans at most [`MAX_YEARS`].
    pub fn new(from: NaiveDate, to: NaiveDate, bucket: Bucket) -> Result<Self> {
        let mut errors = Vec::new();
        let mut problem = |field: &str, message: String| {
            errors.push(FieldError {
                field: field.to_owned(),
                message,
            })
        };
        if from.day() != 1 {
            problem(
                "from",
                format!("dashboards count whole months: start on the first of a month, not {from}"),
            );
        }
        if to != last_day_of_month(to) {
            problem(
                "to",
                format!(
                    "dashboards count whole months: end on the last day of a month ({}), not {to}",
                    last_day_of_month(to)
                ),
            );
        }
        if to < from {
            problem(
                "to",
                format!("the range ends ({to}) before it starts ({from})"),
            );
        } else if to.year() - from.year() >= MAX_YEARS {
            problem(
                "to",
                format!("a dashboard covers at most {MAX_YEARS} years"),
            );
        }
        if errors.is_empty() {
            Ok(Self { from, to, bucket })
        } else {
            Err(Error::Validation(errors))
        }
    }

    /// The same months a year earlier.
    pub fn year_earlier(&self) -> Self {
        let back = |d: NaiveDate| {
            d.with_day(1)
                .and_then(|d| d.checked_sub_months(Months::new(12)))
        };
        Self {
            from: back(self.from).unwrap_or(self.from),
            to: back(self.to).map_or(self.to, last_day_of_month),
            bucket: self.bucket,
        }
    }

    /// The periods in order, each cut to the range.
    pub fn periods(&self) -> Vec<Period> {
        let mut periods = Vec::new();
        let mut start = self.from;
        while start <= self.to {
            let (label, months) = match self.bucket {
                Bucket::Month => (format!("{}-{:02}", start.year(), start.month()), 1),
                Bucket::Quarter => {
                    let quarter = start.month0() / 3;
                    (
                        format!("{}-Q{}", start.year(), quarter + 1),
                        3 - start.month0() % 3,
                    )
                }
                Bucket::Year => (start.year().to_string(), 12 - start.month0()),
            };
            let next = start
                .checked_add_months(Months::new(months))
                .unwrap_or(NaiveDate::MAX);
            let end = next.pred_opt().unwrap_or(next).min(self.to);
            periods.push(Period {
                label,
                from: start.into(),
                to: end.into(),
            });
            start = next;
        }
        periods
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn labels(from: &str, to: &str, bucket: Bucket) -> Vec<String> {
        Range::new(date(from), date(to), bucket)
            .unwrap()
            .periods()
            .into_iter()
            .map(|p| format!("{} {}..{}", p.label, p.from.0, p.to.0))
            .collect()
    }

    #[test]
    fn quarters_are_cut_to_the_range() {
        assert_eq!(
            labels("2024-11-01", "2025-04-30", Bucket::Quarter),
            [
                "2024-Q4 2024-11-01..2024-12-31",
                "2025-Q1 2025-01-01..2025-03-31",
                "2025-Q2 2025-04-01..2025-04-30",
            ]
        );
    }

    #[test]
    fn years_and_months() {
        assert_eq!(
            labels("2024-03-01", "2025-12-31", Bucket::Year),
            ["2024 2024-03-01..2024-12-31", "2025 2025-01-01..2025-12-31"]
        );
        assert_eq!(
            labels("2024-02-01", "2024-03-31", Bucket::Month),
            [
                "2024-02 2024-02-01..2024-02-29",
                "2024-03 2024-03-01..2024-03-31"
            ]
        );
    }

    #[test]
    fn a_year_earlier_ends_on_the_last_of_the_month() {
        let range = Range::new(date("2025-01-01"), date("2025-02-28"), Bucket::Month).unwrap();
        let earlier = range.year_earlier();
        assert_eq!(
            (earlier.from, earlier.to),
            (date("2024-01-01"), date("2024-02-29"))
        );
    }

    #[test]
    fn ranges_of_part_months_are_refused_with_their_field() {
        let Err(Error::Validation(errors)) =
            Range::new(date("2025-01-02"), date("2025-01-30"), Bucket::Month)
        else {
            panic!("expected a validation error");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["from", "to"]);
        assert!(Range::new(date("2025-02-01"), date("2025-01-31"), Bucket::Month).is_err());
    }
}
