//! Validation of user input before anything is stored. Every problem is collected, each naming
//! its input field, so a form can show them all at once.
//!
//! Dates: events (incidents, distributions, actual dates, notes) may not be in the future
//! (Norwegian time) and must fall in the plan's period widened by a margin: from
//! [`BASELINE_YEARS`] before the plan starts (baseline figures to compare the plan against) to
//! [`LATE_REGISTRATION_DAYS`] after it ends (registrations that arrive late). Planned dates of
//! actions may lie in the future but must fall in the same window.

mod personal_data;

use chrono::{Months, NaiveDate, Utc};

pub use personal_data::PersonalData;

use crate::domain::*;
use crate::error::{Error, FieldError, Result};
use crate::store::{NewAction, NewIncident, NewNaloxoneDistribution, Plan};

/// How many years before the plan's start records are accepted (baseline years).
pub const BASELINE_YEARS: u32 = 3;
/// How many days after the plan's end records are still accepted.
pub const LATE_REGISTRATION_DAYS: u64 = 92;

/// Longest texts accepted, in characters.
pub const MAX_TITLE: usize = 200;
pub const MAX_NOTE: usize = 2_000;
pub const MAX_DESCRIPTION: usize = 4_000;
pub const MAX_REASON: usize = 500;
pub const MAX_IDEMPOTENCY_KEY: usize = 100;

/// The date window and today's date the checks use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub today: NaiveDate,
    pub earliest: NaiveDate,
    pub latest: NaiveDate,
}

impl Rules {
    /// The window of the given plans with the margins above; today in Norwegian time.
    pub fn for_plans(plans: &[Plan]) -> Result<Self> {
        let start = plans.iter().map(|p| p.period_start).min();
        let end = plans.iter().map(|p| p.period_end).max();
        let (Some(start), Some(end)) = (start, end) else {
            return Err(Error::Internal("no plan is loaded".to_owned()));
        };
        Ok(Self {
            today: Utc::now()
                .with_timezone(&chrono_tz::Europe::Oslo)
                .date_naive(),
            earliest: start
                .checked_sub_months(Months::new(12 * BASELINE_YEARS))
                .unwrap_or(start),
            latest: end + chrono::Days::new(LATE_REGISTRATION_DAYS),
        })
    }
}

/// Collects field errors; [`Validator::finish`] turns them into one `VALIDATION` error.
#[derive(Debug, Default)]
pub struct Validator {
    prefix: String,
    errors: Vec<FieldError>,
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks the fields of one element of a list input, such as `distributions[2]`.
    pub fn at(&mut self, prefix: String, check: impl FnOnce(&mut Validator)) {
        let mut inner = Validator {
            prefix,
            errors: Vec::new(),
        };
        check(&mut inner);
        self.errors.extend(inner.errors);
    }

    pub fn fail(&mut self, field: &str, message: impl Into<String>) {
        let field = if self.prefix.is_empty() {
            field.to_owned()
        } else {
            format!("{}.{field}", self.prefix)
        };
        self.errors.push(FieldError {
            field,
            message: message.into(),
        });
    }

    pub fn finish(self) -> Result<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(self.errors))
        }
    }

    /// Free text: not blank when required, not longer than `max` characters, and no personal
    /// data.
    pub fn text(&mut self, field: &str, label: &str, value: &str, max: usize) {
        let length = value.chars().count();
        if value.trim().is_empty() {
            self.fail(field, format!("{label} cannot be empty"));
        } else if length > max {
            self.fail(
                field,
                format!("{label} is {length} characters long; at most {max} are allowed"),
            );
        } else {
            self.personal_data(field, value);
        }
    }

    pub fn optional_text(&mut self, field: &str, label: &str, value: Option<&str>, max: usize) {
        if let Some(value) = value {
            self.text(field, label, value, max);
        }
    }

    fn personal_data(&mut self, field: &str, value: &str) {
        let what = match personal_data::find(value) {
            Some(PersonalData::IdentityNumber) => "a national identity number (fødselsnummer)",
            Some(PersonalData::PhoneNumber) => "a phone number",
            None => return,
        };
        self.fail(
            field,
            format!(
                "this text seems to contain {what}. Do not enter personal data: describe what \
                 happened without names, identity numbers, phone numbers or addresses"
            ),
        );
    }

    /// A date something happened: not in the future, and within the accepted window.
    pub fn event_date(&mut self, field: &str, label: &str, date: NaiveDate, rules: &Rules) {
        if date > rules.today {
            self.fail(
                field,
                format!("{label} {date} is in the future; today is {}", rules.today),
            );
        } else {
            self.window(field, label, date, rules);
        }
    }

    /// A date that may lie ahead (planned dates), within the accepted window.
    pub fn plan_date(&mut self, field: &str, label: &str, date: NaiveDate, rules: &Rules) {
        self.window(field, label, date, rules);
    }

    fn window(&mut self, field: &str, label: &str, date: NaiveDate, rules: &Rules) {
        if date < rules.earliest || date > rules.latest {
            self.fail(
                field,
                format!(
                    "{label} {date} is outside the period this plan accepts records for ({} to {})",
                    rules.earliest, rules.latest
                ),
            );
        }
    }

    /// A whole number within bounds.
    pub fn range(&mut self, field: &str, label: &str, value: i64, min: i64, max: i64) {
        if value < min || value > max {
            self.fail(
                field,
                format!("{label} must be between {min} and {max}; got {value}"),
            );
        }
    }

    pub fn optional_range(
        &mut self,
        field: &str,
        label: &str,
        value: Option<i64>,
        min: i64,
        max: i64,
    ) {
        if let Some(value) = value {
            self.range(field, label, value, min, max);
        }
    }

    pub fn idempotency_key(&mut self, key: Option<&str>) {
        let Some(key) = key else { return };
        if key.is_empty()
            || key.len() > MAX_IDEMPOTENCY_KEY
            || !key.chars().all(|c| c.is_ascii_graphic())
        {
            self.fail(
                "idempotencyKey",
                format!(
                    "the idempotency key must be 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII \
                     characters (a UUID is a good choice)"
                ),
            );
        }
    }
}

/// An action's content.
pub fn action(v: &mut Validator, a: &NewAction, rules: &Rules) {
    v.text("title", "The title", &a.title, MAX_TITLE);
    v.optional_text(
        "description",
        "The description",
        a.description.as_deref(),
        MAX_DESCRIPTION,
    );
    v.optional_text(
        "responsibleUnit",
        "The responsible unit",
        a.responsible_unit.as_deref(),
        MAX_TITLE,
    );
    v.optional_text(
        "outputLabel",
        "The output label",
        a.output_label.as_deref(),
        MAX_TITLE,
    );
    v.range("progressPercent", "Progress", a.progress_percent, 0, 100);
    v.optional_range(
        "outputValue",
        "The output figure",
        a.output_value,
        0,
        1_000_000,
    );
    if a.output_value.is_some() && a.output_label.is_none() {
        v.fail(
            "outputLabel",
            "say what the output figure counts (for example «ansatte kurset»)",
        );
    }
    for (field, label, date) in [
        ("plannedStart", "The planned start", a.planned_start),
        ("plannedEnd", "The planned end", a.planned_end),
    ] {
        if let Some(date) = date {
            v.plan_date(field, label, date, rules);
        }
    }
    for (field, label, date) in [
        ("actualStart", "The actual start", a.actual_start),
        ("actualEnd", "The actual end", a.actual_end),
    ] {
        if let Some(date) = date {
            v.event_date(field, label, date, rules);
        }
    }
    for (field, start, end) in [
        ("plannedEnd", a.planned_start, a.planned_end),
        ("actualEnd", a.actual_start, a.actual_end),
    ] {
        if let (Some(start), Some(end)) = (start, end)
            && end < start
        {
            v.fail(field, format!("the end {end} is before the start {start}"));
        }
    }
    if a.status == ActionStatus::Completed && a.actual_end.is_none() {
        v.fail("actualEnd", "a completed action needs its actual end date");
    }
}

/// A progress note on an action.
pub fn action_note(v: &mut Validator, noted_on: NaiveDate, text: &str, rules: &Rules) {
    v.event_date("notedOn", "The note's date", noted_on, rules);
    v.text("text", "The note", text, MAX_NOTE);
}

/// An overdose incident's content.
pub fn incident(v: &mut Validator, i: &NewIncident, rules: &Rules) {
    v.event_date("occurredOn", "The date", i.occurred_on, rules);
    v.optional_range("occurredHour", "The hour", i.occurred_hour, 0, 23);
    if i.substances.is_empty() {
        v.fail(
            "suspectedSubstances",
            "name at least one suspected substance (UNKNOWN if none is known)",
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    if let Some(twice) = i.substances.iter().find(|s| !seen.insert(**s)) {
        v.fail(
            "suspectedSubstances",
            format!("{} is listed more than once", twice.code()),
        );
    }
    if i.substances.len() > 1 && i.substances.contains(&Substance::Unknown) {
        v.fail(
            "suspectedSubstances",
            "UNKNOWN cannot be combined with named substances",
        );
    }
    let naloxone = i.naloxone_given == YesNoUnknown::Yes;
    v.optional_range("naloxoneDoses", "Naloxone doses", i.naloxone_doses, 1, 20);
    if !naloxone && (i.naloxone_doses.is_some() || i.naloxone_given_by.is_some()) {
        v.fail(
            "naloxoneGiven",
            "doses and who gave naloxone can only be given when naloxoneGiven is YES",
        );
    }
    let followed_up = i.follow_up_offered == YesNoUnknown::Yes;
    v.optional_range(
        "followUpWithinHours",
        "Hours until follow-up",
        i.follow_up_within_hours,
        0,
        24 * 30,
    );
    if !followed_up
        && (i.follow_up_within_hours.is_some()
            || i.follow_up_accepted.is_some()
            || i.follow_up_kind.is_some())
    {
        v.fail(
            "followUpOffered",
            "follow-up details can only be given when followUpOffered is YES",
        );
    }
    if i.outcome == Outcome::Fatal && followed_up {
        v.fail(
            "followUpOffered",
            "a fatal overdose cannot have follow-up offered to the person",
        );
    }
    v.optional_text("notes", "The notes", i.notes.as_deref(), MAX_NOTE);
}

/// A naloxone distribution's content.
pub fn naloxone(v: &mut Validator, d: &NewNaloxoneDistribution, rules: &Rules) {
    v.event_date("distributedOn", "The date", d.distributed_on, rules);
    v.range("kits", "Kits", d.kits, 1, 50);
    match (d.first_time, d.refill_reason) {
        (true, Some(_)) => v.fail(
            "refillReason",
            "a first-time distribution has no refill reason",
        ),
        (false, None) => v.fail(
            "refillReason",
            "say why the kit is refilled (UNKNOWN if nobody knows)",
        ),
        _ => {}
    }
    match (d.training_given, d.training_minutes) {
        (false, Some(_)) => v.fail(
            "trainingMinutes",
            "training minutes can only be given when trainingGiven is true",
        ),
        (_, minutes) => v.optional_range("trainingMinutes", "Training minutes", minutes, 1, 240),
    }
    v.optional_text("notes", "The notes", d.notes.as_deref(), MAX_NOTE);
}
