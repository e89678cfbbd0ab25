//! Random but plausible records, drawn from a seeded generator so the same seed always gives
//! the same rows. Every record is marked synthetic.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use motgift_schema::domain::*;
use motgift_schema::store::{NewIncident, NewNaloxoneDistribution, NewSite, RecordMeta};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

use crate::reference::reference_id;

/// One generator per municipality, so adding a municipality never changes another's rows.
pub fn rng_for(seed: u64, kommunenummer: &Kommunenummer) -> ChaCha8Rng {
    let k: u64 = kommunenummer.as_str().parse().unwrap_or(0);
    ChaCha8Rng::seed_from_u64(seed ^ (k.wrapping_mul(0x9E37_79B9_7F4A_7C15)))
}

pub fn random_id(rng: &mut impl Rng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}

/// Picks from weighted choices.
pub fn pick<T: Copy>(rng: &mut impl Rng, choices: &[(T, u32)]) -> T {
    let total: u32 = choices.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random_range(0..total);
    for (value, weight) in choices {
        if roll < *weight {
            return *value;
        }
        roll -= weight;
    }
    choices[choices.len() - 1].0
}

/// Monthly weights: overdoses and outreach peak in July and August.
const MONTH_WEIGHTS: [u32; 12] = [8, 7, 8, 8, 9, 10, 13, 13, 9, 8, 8, 9];

/// A date in the year, no later than `until`, following the seasonal pattern.
pub fn seasonal_date(rng: &mut impl Rng, year: i32, until: NaiveDate) -> NaiveDate {
    loop {
        let month = pick(
            rng,
            &MONTH_WEIGHTS
                .iter()
                .enumerate()
                .map(|(i, w)| (i as u32 + 1, *w))
                .collect::<Vec<_>>(),
        );
        let first = NaiveDate::from_ymd_opt(year, month, 1).expect("valid month");
        let days = first
            .checked_add_months(chrono::Months::new(1))
            .expect("valid month")
            .signed_duration_since(first)
            .num_days();
        let date = first + Duration::days(rng.random_range(0..days));
        if date <= until {
            return date;
        }
    }
}

/// When a synthetic record was "entered": a few hours after the event, deterministic.
pub fn entered_at(rng: &mut impl Rng, on: NaiveDate) -> DateTime<Utc> {
    let time = NaiveTime::from_hms_opt(rng.random_range(7..20), rng.random_range(0..60), 0)
        .expect("valid time");
    (on + Duration::days(rng.random_range(0..3)))
        .and_time(time)
        .and_utc()
}

fn meta(rng: &mut impl Rng, kommunenummer: &Kommunenummer, on: NaiveDate) -> RecordMeta {
    RecordMeta {
        id: random_id(rng),
        kommunenummer: kommunenummer.clone(),
        created_at: entered_at(rng, on),
        synthetic: true,
        idempotency_key: None,
    }
}

pub fn site(kommunenummer: &Kommunenummer, name: &str, kind: SiteKind) -> NewSite {
    NewSite {
        kommunenummer: kommunenummer.clone(),
        id: reference_id(&format!("site:{kommunenummer}:{name}")),
        name: name.to_owned(),
        kind,
    }
}

pub fn incident(rng: &mut impl Rng, kommunenummer: &Kommunenummer, on: NaiveDate) -> NewIncident {
    use Substance as S;
    let outcome = pick(
        rng,
        &[
            (Outcome::NonFatal, 92),
            (Outcome::Fatal, 5),
            (Outcome::Unknown, 3),
        ],
    );
    let mut substances = vec![pick(
        rng,
        &[
            (S::Heroin, 30),
            (S::OtherOpioidMedicine, 12),
            (S::Methadone, 8),
            (S::Buprenorphine, 4),
            (S::FentanylOrAnalogue, 3),
            (S::Nitazene, 3),
            (S::GhbGbl, 8),
            (S::Benzodiazepine, 10),
            (S::Amphetamine, 8),
            (S::Alcohol, 6),
            (S::Unknown, 8),
        ],
    )];
    if rng.random_bool(0.45) {
        let second = pick(
            rng,
            &[
                (S::Benzodiazepine, 40),
                (S::Alcohol, 30),
                (S::Amphetamine, 15),
                (S::Cannabis, 15),
            ],
        );
        // `UNKNOWN` stands alone, as the service requires (the draws are made all the same,
        // so the rest of the set is unchanged).
        if !substances.contains(&second) && substances != [S::Unknown] {
            substances.push(second);
        }
    }
    let naloxone_given = pick(
        rng,
        &[
            (YesNoUnknown::Yes, 55),
            (YesNoUnknown::No, 35),
            (YesNoUnknown::Unknown, 10),
        ],
    );
    let given = naloxone_given == YesNoUnknown::Yes;
    let fatal = outcome == Outcome::Fatal;
    let follow_up_offered = if fatal {
        YesNoUnknown::No
    } else {
        pick(
            rng,
            &[
                (YesNoUnknown::Yes, 60),
                (YesNoUnknown::No, 30),
                (YesNoUnknown::Unknown, 10),
            ],
        )
    };
    let offered = follow_up_offered == YesNoUnknown::Yes;
    NewIncident {
        meta: meta(rng, kommunenummer, on),
        occurred_on: on,
        occurred_hour: rng.random_bool(0.8).then(|| rng.random_range(0..24)),
        place_type: pick(
            rng,
            &[
                (PlaceType::PrivateHome, 40),
                (PlaceType::SupportedHousing, 12),
                (PlaceType::PublicOutdoor, 15),
                (PlaceType::PublicIndoor, 8),
                (PlaceType::LowThresholdService, 6),
                (PlaceType::Shelter, 4),
                (PlaceType::TreatmentInstitution, 2),
                (PlaceType::PrisonOrCustody, 2),
                (PlaceType::Vehicle, 3),
                (PlaceType::Other, 3),
                (PlaceType::Unknown, 5),
            ],
        ),
        outcome,
        substances,
        substance_certainty: pick(
            rng,
            &[
                (SubstanceCertainty::Suspected, 70),
                (SubstanceCertainty::SelfReported, 25),
                (SubstanceCertainty::AnalyticallyConfirmed, 5),
            ],
        ),
        naloxone_given,
        naloxone_doses: given.then(|| rng.random_range(1..=3)),
        naloxone_given_by: given.then(|| {
            pick(
                rng,
                &[
                    (NaloxoneGivenBy::Ambulance, 45),
                    (NaloxoneGivenBy::PeerOrBystander, 20),
                    (NaloxoneGivenBy::MunicipalStaff, 15),
                    (NaloxoneGivenBy::NextOfKin, 5),
                    (NaloxoneGivenBy::OutOfHoursClinicOrHospital, 8),
                    (NaloxoneGivenBy::Police, 5),
                    (NaloxoneGivenBy::Unknown, 2),
                ],
            )
        }),
        disposition: if fatal {
            Disposition::Died
        } else {
            pick(
                rng,
                &[
                    (Disposition::TreatedOnScene, 25),
                    (Disposition::Observed2hPlus, 20),
                    (Disposition::TransportedToClinic, 20),
                    (Disposition::TransportedToHospital, 20),
                    (Disposition::RefusedHelp, 10),
                    (Disposition::Unknown, 5),
                ],
            )
        },
        age_band: pick(
            rng,
            &[
                (AgeBand::Under18, 3),
                (AgeBand::Age18To24, 12),
                (AgeBand::Age25To34, 28),
                (AgeBand::Age35To44, 27),
                (AgeBand::Age45To54, 17),
                (AgeBand::Age55Plus, 9),
                (AgeBand::Unknown, 4),
            ],
        ),
        sex: pick(
            rng,
            &[(Sex::Male, 70), (Sex::Female, 27), (Sex::Unknown, 3)],
        ),
        intent: pick(
            rng,
            &[
                (Intent::Unintentional, 80),
                (Intent::SelfHarm, 8),
                (Intent::Undetermined, 12),
            ],
        ),
        follow_up_offered,
        follow_up_within_hours: offered.then(|| rng.random_range(1..=72)),
        follow_up_accepted: offered.then(|| {
            pick(
                rng,
                &[
                    (FollowUpAccepted::Yes, 55),
                    (FollowUpAccepted::No, 25),
                    (FollowUpAccepted::NotReached, 20),
                ],
            )
        }),
        follow_up_kind: offered.then(|| {
            pick(
                rng,
                &[
                    (FollowUpKind::Conversation, 40),
                    (FollowUpKind::ReferralSpecialistTreatment, 15),
                    (FollowUpKind::OpioidSubstitution, 10),
                    (FollowUpKind::Housing, 10),
                    (FollowUpKind::WelfareOffice, 10),
                    (FollowUpKind::Gp, 10),
                    (FollowUpKind::Other, 5),
                ],
            )
        }),
        source: pick(
            rng,
            &[
                (IncidentSource::AmbulanceDispatch, 45),
                (IncidentSource::OutOfHoursClinic, 20),
                (IncidentSource::MunicipalService, 25),
                (IncidentSource::Police, 5),
                (IncidentSource::SelfReport, 3),
                (IncidentSource::Other, 2),
            ],
        ),
        notes: None,
    }
}

pub fn naloxone(
    rng: &mut impl Rng,
    kommunenummer: &Kommunenummer,
    on: NaiveDate,
    sites: &[NewSite],
) -> NewNaloxoneDistribution {
    let first_time = rng.random_bool(0.45);
    let training_given = first_time || rng.random_bool(0.3);
    NewNaloxoneDistribution {
        meta: meta(rng, kommunenummer, on),
        distributed_on: on,
        site_id: sites[rng.random_range(0..sites.len())].id,
        kits: pick(rng, &[(1, 80), (2, 15), (3, 4), (5, 1)]),
        product: pick(
            rng,
            &[
                (NaloxoneProduct::Nyxoid, 85),
                (NaloxoneProduct::Ventizolve, 13),
                (NaloxoneProduct::Other, 2),
            ],
        ),
        recipient_category: pick(
            rng,
            &[
                (RecipientCategory::PersonWhoUsesDrugs, 65),
                (RecipientCategory::NextOfKin, 12),
                (RecipientCategory::Staff, 15),
                (RecipientCategory::Police, 3),
                (RecipientCategory::Other, 3),
                (RecipientCategory::Unknown, 2),
            ],
        ),
        first_time,
        refill_reason: (!first_time).then(|| {
            pick(
                rng,
                &[
                    (RefillReason::UsedOnOverdose, 35),
                    (RefillReason::Lost, 20),
                    (RefillReason::Stolen, 5),
                    (RefillReason::Confiscated, 5),
                    (RefillReason::Expired, 15),
                    (RefillReason::Damaged, 5),
                    (RefillReason::GivenAway, 8),
                    (RefillReason::Other, 4),
                    (RefillReason::Unknown, 3),
                ],
            )
        }),
        training_given,
        training_minutes: training_given.then(|| rng.random_range(3..=10)),
        sex: pick(
            rng,
            &[(Sex::Male, 62), (Sex::Female, 35), (Sex::Unknown, 3)],
        ),
        age_band: pick(
            rng,
            &[
                (AgeBand::Age18To24, 10),
                (AgeBand::Age25To34, 28),
                (AgeBand::Age35To44, 28),
                (AgeBand::Age45To54, 18),
                (AgeBand::Age55Plus, 10),
                (AgeBand::Unknown, 6),
            ],
        ),
        notes: None,
    }
}

/// The years from `first` to the year of `until`.
pub fn years(first: i32, until: NaiveDate) -> std::ops::RangeInclusive<i32> {
    first..=until.year()
}
