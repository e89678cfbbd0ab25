//! The date range of a dashboard and its periods. Counts are kept per month, so a range covers
//! whole months and a period never spans two calendar years (rates use one year's population).
//!
//! A range covers whole periods of its bucket: whole quarters by quarter, whole years by
//! year. So every period published is a calendar month, quarter or year, the same in every
//! answer whatever range it came with. Were periods cut to the range, two answers over ranges
//! a month apart (January to March, and January to February, by year) would publish two sums
//! whose difference is one municipality's March, which disclosure control hides.

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

impl Bucket {
    /// How the bucket is named in messages: `quarter`.
    fn name(self) -> &'static str {
        match self {
            Bucket::Month => "month",
            Bucket::Quarter => "quarter",
            Bucket::Year => "year",
        }
    }

    fn months(self) -> u32 {
        match self {
            Bucket::Month => 1,
            Bucket::Quarter => 3,
            Bucket::Year => 12,
        }
    }

    /// The first day of the period `date` falls in.
    fn start_of(self, date: NaiveDate) -> NaiveDate {
        let month0 = date.month0() - date.month0() % self.months();
        NaiveDate::from_ymd_opt(date.year(), month0 + 1, 1).unwrap_or(date)
    }

    /// The last day of the period `date` falls in.
    fn end_of(self, date: NaiveDate) -> NaiveDate {
        let start = self.start_of(date);
        start
            .checked_add_months(Months::new(self.months() - 1))
            .map_or(date, last_day_of_month)
    }
}

/// A checked range of whole periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Range {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub bucket: Bucket,
}

/// One period of a range: a calendar month, quarter or year.
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
    /// at or after it, covers whole periods of its bucket, and spans at most [`MAX_YEARS`].
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
        // Periods are checked once the months are whole and the years in range.
        let months_checked = from.day() == 1
            && to == last_day_of_month(to)
            && YEARS.contains(&from.year())
            && YEARS.contains(&to.year());
        if months_checked {
            for (field, date, whole) in [
                ("from", from, bucket.start_of(from)),
                ("to", to, bucket.end_of(to)),
            ] {
                if date != whole {
                    let edge = if field == "from" { "start" } else { "end" };
                    problem(
                        field,
                        format!(
                            "by {}, a range covers whole {}s: {edge} on {whole}, not {date}",
                            bucket.name(),
                            bucket.name()
                        ),
                    );
                }
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

    /// The calendar years the range falls in, whole, by year (indicators are yearly).
    pub fn whole_years(&self) -> Self {
        Self {
            from: Bucket::Year.start_of(self.from),
            to: Bucket::Year.end_of(self.to),
            bucket: Bucket::Year,
        }
    }

    /// Each calendar year of a range by year, as a range of its own.
    pub fn calendar_years(&self) -> Vec<Self> {
        self.periods()
            .into_iter()
            .map(|year| Self {
                from: year.from.0,
                to: year.to.0,
                bucket: self.bucket,
            })
            .collect()
    }

    /// The periods in order. A checked range covers whole periods; an unchecked one's first
    /// and last are cut to it.
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
    fn quarters_and_years_are_whole() {
        assert_eq!(
            labels("2024-10-01", "2025-06-30", Bucket::Quarter),
            [
                "2024-Q4 2024-10-01..2024-12-31",
                "2025-Q1 2025-01-01..2025-03-31",
                "2025-Q2 2025-04-01..2025-06-30",
            ]
        );
        assert_eq!(
            labels("2024-01-01", "2025-12-31", Bucket::Year),
            ["2024 2024-01-01..2024-12-31", "2025 2025-01-01..2025-12-31"]
        );
    }

    /// The messages of a range refused, by field.
    fn refused(from: &str, to: &str, bucket: Bucket) -> Vec<(String, String)> {
        let Err(Error::Validation(errors)) = Range::new(date(from), date(to), bucket) else {
            panic!("{from}..{to} by {bucket:?} should be refused");
        };
        errors.into_iter().map(|e| (e.field, e.message)).collect()
    }

    #[test]
    fn ranges_of_part_periods_are_refused_naming_the_whole_period() {
        assert_eq!(
            refused("2024-11-01", "2025-04-30", Bucket::Quarter),
            [
                (
                    "from".to_owned(),
                    "by quarter, a range covers whole quarters: start on 2024-10-01, not 2024-11-01"
                        .to_owned()
                ),
                (
                    "to".to_owned(),
                    "by quarter, a range covers whole quarters: end on 2025-06-30, not 2025-04-30"
                        .to_owned()
                ),
            ]
        );
        assert_eq!(
            refused("2025-01-01", "2025-02-28", Bucket::Year),
            [(
                "to".to_owned(),
                "by year, a range covers whole years: end on 2025-12-31, not 2025-02-28".to_owned()
            )]
        );
        // Months are whole by the first rule; its message comes alone.
        assert_eq!(
            refused("2025-01-15", "2025-12-31", Bucket::Year)
                .into_iter()
                .map(|(field, _)| field)
                .collect::<Vec<_>>(),
            ["from"]
        );
    }

    #[test]
    fn indicators_take_the_whole_years_of_a_range() {
        let range = Range::new(date("2024-11-01"), date("2025-02-28"), Bucket::Month).unwrap();
        let years = range.whole_years();
        assert_eq!(
            (years.from, years.to, years.bucket),
            (date("2024-01-01"), date("2025-12-31"), Bucket::Year)
        );
    }

    #[test]
    fn months() {
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
            labels("9999-10-01", "9999-12-31", Bucket::Quarter),
            ["9999-Q4 9999-10-01..9999-12-31"]
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
