//! The national benchmark set: 357 synthetic municipalities over ten years with at least
//! 500,000 incidents and 2,000,000 naloxone distributions.

use chrono::NaiveDate;
use futures::{StreamExt, TryStreamExt};
use motgift_schema::domain::{Kommunenummer, SiteKind};
use motgift_schema::store::{NewMunicipality, Population, Store, TenantScope};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::reference::{date, estimate_population};
use crate::synthetic::{incident, naloxone, rng_for, seasonal_date, site};
use crate::{SeedError, SeedReport};

pub const MUNICIPALITY_COUNT: u32 = 357;
pub const FIRST_YEAR: i32 = 2016;
pub const LAST_YEAR: i32 = 2025;
pub const INCIDENTS: u64 = 520_000;
pub const DISTRIBUTIONS: u64 = 2_080_000;

/// Synthetic municipalities use the unused 9xxx range, so they never collide with real ones.
fn synthetic_number(index: u32) -> Kommunenummer {
    format!("{:04}", 9001 + index)
        .parse()
        .expect("9001..=9357 are valid kommunenummer")
}

struct Synthetic {
    kommunenummer: Kommunenummer,
    population: i32,
    incidents_per_year: u64,
    distributions_per_year: u64,
}

/// Draws population sizes shaped like Norway's (many small, a few large municipalities) and
/// shares the yearly totals out in proportion, rounding up so the totals are at least met.
fn plan_municipalities(seed: u64) -> Vec<Synthetic> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x4E41_5449_4F4E);
    let populations: Vec<i32> = (0..MUNICIPALITY_COUNT)
        .map(|_| {
            let normal: f64 = (0..12).map(|_| rng.random::<f64>()).sum::<f64>() - 6.0;
            (8.9 + 1.1 * normal).exp().clamp(300.0, 700_000.0) as i32
        })
        .collect();
    let total: f64 = populations.iter().map(|p| f64::from(*p)).sum();
    let years = (LAST_YEAR - FIRST_YEAR + 1) as f64;
    let share = |target: u64, p: i32| (target as f64 / years * f64::from(p) / total).ceil() as u64;
    populations
        .into_iter()
        .enumerate()
        .map(|(i, population)| Synthetic {
            kommunenummer: synthetic_number(i as u32),
            population,
            incidents_per_year: share(INCIDENTS, population),
            distributions_per_year: share(DISTRIBUTIONS, population),
        })
        .collect()
}

async fn load_one(store: &Store, seed: u64, m: &Synthetic) -> Result<SeedReport, SeedError> {
    let reference = store.reference();
    reference
        .add_municipality(&NewMunicipality {
            kommunenummer: m.kommunenummer.clone(),
            name: format!("Syntetisk kommune {}", m.kommunenummer),
            valid_from: date(2000, 1, 1),
            valid_to: None,
            synthetic: true,
        })
        .await?;
    let populations: Vec<Population> = (FIRST_YEAR..=LAST_YEAR + 1)
        .map(|year| Population {
            kommunenummer: m.kommunenummer.to_string(),
            year,
            population: estimate_population(m.population, LAST_YEAR, 0.002, year),
            estimated: true,
        })
        .collect();
    reference.add_populations(&populations).await?;

    let k = &m.kommunenummer;
    let tenant = store.system_tenant(TenantScope::new([k.clone()]));
    let sites = vec![
        site(k, "Lavterskeltilbud", SiteKind::LowThresholdService),
        site(k, "Legevakt", SiteKind::OutOfHoursClinic),
        site(k, "Oppsøkende team", SiteKind::OutreachVan),
    ];
    tenant.insert_sites(&sites).await?;

    let mut rng = rng_for(seed, k);
    let mut report = SeedReport::default();
    for year in FIRST_YEAR..=LAST_YEAR {
        let until = NaiveDate::from_ymd_opt(year, 12, 31).expect("valid date");
        let incidents: Vec<_> = (0..m.incidents_per_year)
            .map(|_| {
                let on = seasonal_date(&mut rng, year, until);
                incident(&mut rng, k, on)
            })
            .collect();
        let distributions: Vec<_> = (0..m.distributions_per_year)
            .map(|_| {
                let on = seasonal_date(&mut rng, year, until);
                naloxone(&mut rng, k, on, &sites)
            })
            .collect();
        tenant.insert_incidents(&incidents).await?;
        tenant.insert_naloxone_distributions(&distributions).await?;
        report.incidents += incidents.len();
        report.naloxone_distributions += distributions.len();
    }
    // Bulk loads skip rows that exist, so the counts are recounted, not added to.
    tenant.rebuild_aggregates(k.as_str()).await?;
    Ok(report)
}

/// Loads the national set, two municipalities at a time (one per core).
pub async fn load(store: &Store, seed: u64) -> Result<SeedReport, SeedError> {
    let municipalities = plan_municipalities(seed);
    let started = std::time::Instant::now();
    let reports: Vec<SeedReport> = futures::stream::iter(municipalities.iter().enumerate())
        .map(|(i, m)| async move {
            let report = load_one(store, seed, m).await?;
            if (i + 1) % 25 == 0 {
                tracing::info!(
                    municipalities = i + 1,
                    elapsed_s = started.elapsed().as_secs(),
                    "national seed progress"
                );
            }
            Ok::<_, SeedError>(report)
        })
        .buffer_unordered(2)
        .try_collect()
        .await?;
    Ok(reports
        .into_iter()
        .fold(SeedReport::default(), |a, b| a + b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_meets_the_benchmark_volumes() {
        let planned = plan_municipalities(1);
        let years = (LAST_YEAR - FIRST_YEAR + 1) as u64;
        assert_eq!(planned.len(), 357);
        assert!(planned.iter().map(|m| m.incidents_per_year).sum::<u64>() * years >= INCIDENTS);
        assert!(
            planned
                .iter()
                .map(|m| m.distributions_per_year)
                .sum::<u64>()
                * years
                >= DISTRIBUTIONS
        );
    }

    #[test]
    fn the_same_seed_plans_the_same_set() {
        let a: Vec<_> = plan_municipalities(7)
            .iter()
            .map(|m| m.population)
            .collect();
        let b: Vec<_> = plan_municipalities(7)
            .iter()
            .map(|m| m.population)
            .collect();
        assert_eq!(a, b);
    }
}
