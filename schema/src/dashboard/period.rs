//! The date range of a dashboard and its periods. Counts are kept per month, so a range covers
//! whole months and a period never spans two calendar years (rates use one year's population).

use chrono::{Datelike, Months, NaiveDate};

use crate::error::{Error, FieldError, Result};

/// The longest range a dashboard covers.
pub const MAX_YEARS: i32 = 25;

/// The years a range may fall in: four-digit years, far inside what dates can represent, so
/// the month after any of them exists.
pub const YEARS: std::ops::RangeInclusive<i32> = 1000..=9999;

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
        for (field, date) in [("from", from), ("to", to)] {
            if !YEARS.contains(&date.year()) {
                problem(
                    field,
                    format!(
                        "dashboards cover years {} to {}, not {date}",
                        YEARS.start(),
                        YEARS.end()
                    ),
                );
            }
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
            // A range's years are checked (`YEARS`), so the next period's start exists; were
            // it not, the range would end with this period rather than repeat it.
            let next = start.checked_add_months(Months::new(months));
            let end = next
                .and_then(|next| next.pred_opt())
                .map_or(self.to, |end| end.min(self.to));
            periods.push(Period {
                label,
                from: start.into(),
                to: end.into(),
            });
            match next {
                Some(next) => start = next,
                None => break,
            }
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

    #[test]
    fn years_outside_four_digits_are_refused_and_periods_always_end() {
        // The last month chrono can represent: its next month does not exist.
        let last = NaiveDate::MAX.with_day(1).unwrap();
        let Err(Error::Validation(errors)) = Range::new(last, NaiveDate::MAX, Bucket::Month) else {
            panic!("expected a validation error");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["from", "to"]);
        assert!(Range::new(date("0999-12-01"), date("1000-01-31"), Bucket::Month).is_err());
        assert_eq!(
            labels("9999-11-01", "9999-12-31", Bucket::Quarter),
            ["9999-Q4 9999-11-01..9999-12-31"]
        );
        // Even unchecked, a range at the end of the calendar has one period, not endless ones.
        let unchecked = Range {
            from: last,
            to: NaiveDate::MAX,
            bucket: Bucket::Year,
        };
        assert_eq!(unchecked.periods().len(), 1);
    }
}
