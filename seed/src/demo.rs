//! Demo data for the three municipalities: actions on the plan's measures, overdose incidents
//! and naloxone distribution from 2021 to October 2026, all marked synthetic.

use chrono::{Datelike, Duration, NaiveDate};
use motgift_schema::domain::{ActionStatus, Kommunenummer, SiteKind};
use motgift_schema::store::{NewAction, NewSite, RecordMeta, Store, TenantScope};
use rand::Rng;

use crate::reference::{MUNICIPALITIES, date, kommunenummer, measure_ids};
use crate::synthetic::{
    entered_at, incident, naloxone, pick, random_id, rng_for, seasonal_date, site, years,
};
use crate::{SeedError, SeedReport};

/// A fixed end, so the demo set does not depend on the day it is loaded.
pub const DEMO_UNTIL: (i32, u32, u32) = (2026, 10, 31);
pub const DEMO_FIRST_YEAR: i32 = 2021;

/// Yearly incidents and naloxone distributions per 10,000 inhabitants in the demo set.
const INCIDENTS_PER_10K: f64 = 12.0;
const DISTRIBUTIONS_PER_10K: f64 = 60.0;

fn sites(k: &Kommunenummer) -> Vec<NewSite> {
    let names: &[(&str, SiteKind)] = match k.as_str() {
        "1505" => &[
            ("Forebyggende team", SiteKind::SubstanceUseService),
            ("Kristiansund legevakt", SiteKind::OutOfHoursClinic),
            ("Rus og psykisk helse", SiteKind::SubstanceUseService),
        ],
        "1506" => &[
            ("Lavterskeltilbudet", SiteKind::LowThresholdService),
            ("Oppsøkende bil", SiteKind::OutreachVan),
            ("Molde legevakt", SiteKind::OutOfHoursClinic),
        ],
        _ => &[
            ("Ambulant rusteam", SiteKind::SubstanceUseService),
            ("Ålesund legevakt", SiteKind::OutOfHoursClinic),
            ("Lavterskeltilbudet", SiteKind::LowThresholdService),
        ],
    };
    names
        .iter()
        .map(|(name, kind)| site(k, name, *kind))
        .collect()
}

const UNITS: [&str; 4] = [
    "Psykisk helse og rus",
    "Oppsøkende team",
    "Lavterskeltilbudet",
    "Helse og omsorg",
];

fn actions(rng: &mut impl Rng, k: &Kommunenummer, until: NaiveDate) -> Vec<NewAction> {
    let mut out = Vec::new();
    for (index, measure_id) in measure_ids().into_iter().enumerate() {
        // About one measure in seven has no action yet: the dashboards show such gaps.
        if rng.random_bool(0.15) {
            continue;
        }
        let status = pick(
            rng,
            &[
                (ActionStatus::NotStarted, 10),
                (ActionStatus::InProgress, 35),
                (ActionStatus::Completed, 25),
                (ActionStatus::Delayed, 10),
                (ActionStatus::Cancelled, 3),
                (ActionStatus::Continuous, 17),
            ],
        );
        let planned_start = date(2024, 1, 1) + Duration::days(rng.random_range(0..540));
        let planned_end = planned_start + Duration::days(rng.random_range(90..540));
        let started = !matches!(status, ActionStatus::NotStarted);
        let actual_start = started.then(|| planned_start + Duration::days(rng.random_range(0..60)));
        let actual_end = match (status, actual_start) {
            (ActionStatus::Completed, Some(start)) => {
                Some((start + Duration::days(rng.random_range(30..300))).min(until))
            }
            _ => None,
        };
        let progress_percent = match status {
            ActionStatus::NotStarted => 0,
            ActionStatus::Completed => 100,
            _ => rng.random_range(5..95),
        };
        let notes = actual_start
            .map(|start| {
                (0..rng.random_range(1..=3))
                    .map(|n| {
                        let on = (start + Duration::days(30 * (n + 1))).min(until);
                        (on, format!("Statusmøte {n}: arbeidet går etter planen."))
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.push(NewAction {
            meta: RecordMeta {
                id: random_id(rng),
                kommunenummer: k.clone(),
                created_at: entered_at(rng, planned_start.min(until)),
                synthetic: true,
                idempotency_key: None,
            },
            measure_id,
            title: format!("Tiltak {} i {}", index + 1, k),
            description: Some("Syntetisk demodata.".to_owned()),
            responsible_unit: Some(UNITS[rng.random_range(0..UNITS.len())].to_owned()),
            status,
            planned_start: Some(planned_start),
            planned_end: Some(planned_end),
            actual_start: actual_start.filter(|d| *d <= until),
            actual_end,
            progress_percent,
            output_label: (status == ActionStatus::Completed)
                .then(|| "Ansatte som har fått opplæring".to_owned()),
            output_value: (status == ActionStatus::Completed).then(|| rng.random_range(3..40)),
            notes,
        });
    }
    out
}

/// Loads the demo set; a second load with the same seed changes nothing.
pub async fn load(store: &Store, seed: u64) -> Result<SeedReport, SeedError> {
    let (y, m, d) = DEMO_UNTIL;
    let until = date(y, m, d);
    let mut report = SeedReport::default();
    for municipality in &MUNICIPALITIES {
        let k = kommunenummer(municipality.kommunenummer);
        let tenant = store.system_tenant(TenantScope::new([k.clone()]));
        let mut rng = rng_for(seed, &k);
        let sites = sites(&k);
        tenant.insert_sites(&sites).await?;

        let actions = actions(&mut rng, &k, until);
        tenant.insert_actions(&actions).await?;

        let mut incidents = Vec::new();
        let mut distributions = Vec::new();
        for year in years(DEMO_FIRST_YEAR, until) {
            let share_of_year = if year == until.year() {
                f64::from(until.ordinal()) / 365.0
            } else {
                1.0
            };
            let per_year = |per_10k: f64| {
                (f64::from(municipality.population_2024) / 10_000.0 * per_10k * share_of_year)
                    .round() as usize
            };
            for _ in 0..per_year(INCIDENTS_PER_10K) {
                let on = seasonal_date(&mut rng, year, until);
                incidents.push(incident(&mut rng, &k, on));
            }
            for _ in 0..per_year(DISTRIBUTIONS_PER_10K) {
                let on = seasonal_date(&mut rng, year, until);
                distributions.push(naloxone(&mut rng, &k, on, &sites));
            }
        }
        tenant.insert_incidents(&incidents).await?;
        tenant.insert_naloxone_distributions(&distributions).await?;
        // Bulk loads skip rows that exist, so the counts are recounted, not added to.
        tenant.rebuild_aggregates(k.as_str()).await?;
        report.actions += actions.len();
        report.incidents += incidents.len();
        report.naloxone_distributions += distributions.len();
    }
    Ok(report)
}
