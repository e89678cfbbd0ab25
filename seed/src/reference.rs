//! Reference data: the three municipalities with their SSB population figures, and the draft
//! structure of the joint plan (focus areas and measures following the national advice for
//! municipal overdose prevention, 2025, and indicators with draft targets). The plan's own text
//! is not public; this is a draft.

use chrono::NaiveDate;
use motgift_schema::domain::{IndicatorKind, Kommunenummer, TargetDirection};
use motgift_schema::store::{
    NewFocusArea, NewIndicator, NewMeasure, NewMunicipality, Plan, Population, Store,
};
use uuid::Uuid;

use crate::SeedError;

/// Namespace for the reference data's ids: the same name always gives the same id.
const NAMESPACE: Uuid = Uuid::from_u128(0x6d6f_7467_6966_7400_8000_0000_0000_0001);

pub fn reference_id(name: &str) -> Uuid {
    Uuid::new_v5(&NAMESPACE, name.as_bytes())
}

/// The id of the measure with the given plan code, such as `3.1`.
fn measure_id(code: &str) -> Uuid {
    reference_id(&format!("measure:{code}"))
}

pub struct RealMunicipality {
    pub kommunenummer: &'static str,
    pub name: &'static str,
    pub valid_from: (i32, u32, u32),
    /// SSB, population on 1 January 2024.
    pub population_2024: i32,
    /// Yearly growth used for the estimated figures of other years.
    pub growth: f64,
}

pub const MUNICIPALITIES: [RealMunicipality; 3] = [
    RealMunicipality {
        kommunenummer: "1505",
        name: "Kristiansund",
        valid_from: (2020, 1, 1),
        population_2024: 24_400,
        growth: -0.001,
    },
    RealMunicipality {
        kommunenummer: "1506",
        name: "Molde",
        valid_from: (2020, 1, 1),
        population_2024: 32_800,
        growth: 0.003,
    },
    // Ålesund got 1508 when Haram left it on 1 January 2024; figures for earlier years are
    // estimates for today's geography, marked as such.
    RealMunicipality {
        kommunenummer: "1508",
        name: "Ålesund",
        valid_from: (2024, 1, 1),
        population_2024: 58_500,
        growth: 0.004,
    },
];

/// Years with a population figure: 2024 is SSB's, the others are estimates.
pub const POPULATION_YEARS: std::ops::RangeInclusive<i32> = 2015..=2027;

pub const PLAN_CODE: &str = "overdoser-mr-2024";

pub fn plan() -> Plan {
    Plan {
        id: reference_id("plan"),
        code: PLAN_CODE.to_owned(),
        name: "Handlingsplan mot overdoser – Kristiansund, Molde og Ålesund (utkast)".to_owned(),
        name_en: "Action plan against overdoses – Kristiansund, Molde and Ålesund (draft)"
            .to_owned(),
        period_start: date(2024, 1, 1),
        period_end: date(2027, 12, 31),
        draft: true,
    }
}

/// (bokmål, English, measures as (bokmål, English))
type FocusAreaText = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

pub const FOCUS_AREAS: [FocusAreaText; 10] = [
    (
        "Kartlegging, planer og rutiner",
        "Mapping, plans and routines",
        &[
            (
                "Årlig kartlegging av overdosesituasjonen i kommunen",
                "Yearly mapping of the overdose situation in the municipality",
            ),
            (
                "Felles rutine for registrering av overdoser",
                "Shared routine for registering overdoses",
            ),
        ],
    ),
    (
        "Brukerutstyr og skadereduksjon",
        "User equipment and harm reduction",
        &[
            (
                "Gratis brukerutstyr ved lavterskeltilbud og oppsøkende bil",
                "Free user equipment at low-threshold services and the outreach van",
            ),
            (
                "Informasjon om tryggere bruk ved utdeling av utstyr",
                "Information on safer use when equipment is handed out",
            ),
        ],
    ),
    (
        "Nalokson",
        "Naloxone",
        &[
            (
                "Nalokson tilbys ved hver løslatelse fra fengsel",
                "Naloxone offered at every release from prison",
            ),
            (
                "Nalokson og opplæring tilbys pårørende",
                "Naloxone and training offered to next of kin",
            ),
            (
                "Ansatte i rustjenesten har naloksonkurs",
                "Substance-use service staff have taken the naloxone course",
            ),
        ],
    ),
    (
        "Oppfølging etter ikke-dødelig overdose",
        "Follow-up after a non-fatal overdose",
        &[
            (
                "Oppfølgingskontakt innen 24 timer etter en ikke-dødelig overdose",
                "Follow-up contact within 24 hours after a non-fatal overdose",
            ),
            (
                "Avtale med legevakt og AMK om varsling til kommunen",
                "Agreement with the out-of-hours clinic and ambulance dispatch on notifying the municipality",
            ),
        ],
    ),
    (
        "Sårbare overganger",
        "Vulnerable transitions",
        &[
            (
                "Samarbeidsavtale med fengsel om løslatelse",
                "Cooperation agreement with the prison on release",
            ),
            (
                "Oppfølging ved utskrivning fra avrusning og behandling",
                "Follow-up at discharge from detox and treatment",
            ),
        ],
    ),
    (
        "Pårørende og etterlatte",
        "Next of kin and the bereaved",
        &[
            (
                "Tilbud til etterlatte etter overdosedødsfall",
                "Support for the bereaved after an overdose death",
            ),
            (
                "Pårørendesamtaler i rustjenesten",
                "Conversations for next of kin in the substance-use service",
            ),
        ],
    ),
    (
        "Rusmiddelinformasjon",
        "Information sharing on drug quality",
        &[
            (
                "Varslingsrutine om farlige stoffer med politi, ambulanse og legevakt",
                "Alert routine on dangerous substances with police, ambulance and out-of-hours clinic",
            ),
            (
                "Varsler om farlige stoffer når brukerne raskt",
                "Alerts on dangerous substances reach users quickly",
            ),
        ],
    ),
    (
        "Kompetanse og opplæring",
        "Competence and training",
        &[
            (
                "Årlig opplæring i overdosehåndtering for ansatte",
                "Yearly overdose-response training for staff",
            ),
            (
                "Felles fagdag for de tre kommunene",
                "Joint training day for the three municipalities",
            ),
        ],
    ),
    (
        "Brukermedvirkning",
        "User involvement",
        &[
            (
                "Brukerrepresentanter i arbeidsgruppen for planen",
                "User representatives in the plan's working group",
            ),
            ("Likepersoner i oppsøkende arbeid", "Peers in outreach work"),
        ],
    ),
    (
        "Læring og forbedring",
        "Learning and improvement",
        &[
            (
                "Gjennomgang av hvert overdosedødsfall",
                "Review of every overdose death",
            ),
            (
                "Årlig rapport og revisjon av planen",
                "Yearly report and revision of the plan",
            ),
        ],
    ),
];

/// A draft indicator: code, kind, the focus area it follows up (by position), bokmål and
/// English name, the draft target and its direction, and a bokmål description.
pub struct DraftIndicator {
    pub code: &'static str,
    pub kind: IndicatorKind,
    pub focus_area: Option<i32>,
    pub name: &'static str,
    pub name_en: &'static str,
    pub target: Option<f64>,
    pub direction: TargetDirection,
    pub description: &'static str,
}

/// One indicator per kind. The targets are proposals for the draft plan, not adopted ones.
pub const INDICATORS: [DraftIndicator; 5] = [
    DraftIndicator {
        code: "I1",
        kind: IndicatorKind::NaloxoneKitsPer10k,
        focus_area: Some(3),
        name: "Utdelte naloksonsett per 10 000 innbyggere",
        name_en: "Naloxone kits handed out per 10,000 inhabitants",
        target: Some(30.0),
        direction: TargetDirection::AtLeast,
        description: "Utkast til mål, ikke vedtatt: minst 30 utdelte naloksonsett per \
                      10 000 innbyggere i løpet av året.",
    },
    DraftIndicator {
        code: "I2",
        kind: IndicatorKind::PeopleTrainedPer10k,
        focus_area: Some(3),
        name: "Personer med naloksonopplæring per 10 000 innbyggere",
        name_en: "People given naloxone training per 10,000 inhabitants",
        target: Some(15.0),
        direction: TargetDirection::AtLeast,
        description: "Utkast til mål, ikke vedtatt: minst 15 personer per 10 000 innbyggere \
                      får opplæring i nalokson i løpet av året.",
    },
    DraftIndicator {
        code: "I3",
        kind: IndicatorKind::FollowUpOfferedPercent,
        focus_area: Some(4),
        name: "Andel ikke-dødelige overdoser der oppfølging ble tilbudt",
        name_en: "Share of non-fatal overdoses where follow-up was offered",
        target: Some(80.0),
        direction: TargetDirection::AtLeast,
        description: "Utkast til mål, ikke vedtatt: oppfølging tilbys etter minst 80 % av \
                      de ikke-dødelige overdosene i året.",
    },
    DraftIndicator {
        code: "I4",
        kind: IndicatorKind::RefillsAfterUse,
        focus_area: Some(3),
        name: "Nye naloksonsett etter bruk ved overdose",
        name_en: "Naloxone refills after use on an overdose",
        target: None,
        direction: TargetDirection::AtLeast,
        description: "Utkast: følges uten mål. Et nytt sett fordi det forrige ble brukt ved en \
                      overdose er programmets mål på reverserte overdoser.",
    },
    DraftIndicator {
        code: "I5",
        kind: IndicatorKind::MeasuresWithActionPercent,
        focus_area: Some(10),
        name: "Andel av kommunens tiltak med minst én aktivitet",
        name_en: "Share of the municipality's measures with at least one action",
        target: Some(90.0),
        direction: TargetDirection::AtLeast,
        description: "Utkast til mål, ikke vedtatt: minst 90 % av tiltakene kommunen er \
                      ansvarlig for har minst én aktivitet.",
    },
];

fn focus_area_id(position: i32) -> Uuid {
    reference_id(&format!("focus-area:{position}"))
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid constant date")
}

pub fn kommunenummer(code: &str) -> Kommunenummer {
    code.parse().expect("a valid constant kommunenummer")
}

/// A population figure grown (or shrunk) from a base year, rounded to tens.
pub fn estimate_population(base: i32, base_year: i32, growth: f64, year: i32) -> i32 {
    let factor = (1.0 + growth).powi(year - base_year);
    ((f64::from(base) * factor / 10.0).round() * 10.0) as i32
}

/// Loads the municipalities, populations and plan. Existing rows are left as they are.
pub async fn load(store: &Store) -> Result<(), SeedError> {
    let reference = store.reference();
    for m in &MUNICIPALITIES {
        let (y, mo, d) = m.valid_from;
        reference
            .add_municipality(&NewMunicipality {
                kommunenummer: kommunenummer(m.kommunenummer),
                name: m.name.to_owned(),
                valid_from: date(y, mo, d),
                valid_to: None,
                synthetic: false,
            })
            .await?;
        let populations: Vec<Population> = POPULATION_YEARS
            .map(|year| Population {
                kommunenummer: m.kommunenummer.to_owned(),
                year,
                population: estimate_population(m.population_2024, 2024, m.growth, year),
                estimated: year != 2024,
            })
            .collect();
        reference.add_populations(&populations).await?;
    }

    let plan = plan();
    reference.add_plan(&plan).await?;
    let everyone: Vec<Kommunenummer> = MUNICIPALITIES
        .iter()
        .map(|m| kommunenummer(m.kommunenummer))
        .collect();
    for (area_index, (name, name_en, measures)) in FOCUS_AREAS.iter().enumerate() {
        let area_position = area_index as i32 + 1;
        let area_id = focus_area_id(area_position);
        reference
            .add_focus_area(&NewFocusArea {
                id: area_id,
                plan_id: plan.id,
                position: area_position,
                name: (*name).to_owned(),
                name_en: (*name_en).to_owned(),
            })
            .await?;
        for (measure_index, (measure_name, measure_name_en)) in measures.iter().enumerate() {
            let position = measure_index as i32 + 1;
            let code = format!("{area_position}.{position}");
            reference
                .add_measure(&NewMeasure {
                    id: measure_id(&code),
                    focus_area_id: area_id,
                    position,
                    code,
                    name: (*measure_name).to_owned(),
                    name_en: (*measure_name_en).to_owned(),
                    description: None,
                    responsible: everyone.clone(),
                })
                .await?;
        }
    }
    for (index, indicator) in INDICATORS.iter().enumerate() {
        reference
            .add_indicator(&NewIndicator {
                id: reference_id(&format!("indicator:{}", indicator.code)),
                plan_id: plan.id,
                focus_area_id: indicator.focus_area.map(focus_area_id),
                position: index as i32 + 1,
                code: indicator.code.to_owned(),
                kind: indicator.kind,
                name: indicator.name.to_owned(),
                name_en: indicator.name_en.to_owned(),
                target: indicator.target,
                direction: indicator.direction,
                description: Some(indicator.description.to_owned()),
            })
            .await?;
    }
    Ok(())
}

/// The ids of every measure in the draft plan, in plan order.
pub fn measure_ids() -> Vec<Uuid> {
    FOCUS_AREAS
        .iter()
        .enumerate()
        .flat_map(|(area_index, (_, _, measures))| {
            (1..=measures.len())
                .map(move |position| measure_id(&format!("{}.{position}", area_index + 1)))
        })
        .collect()
}
