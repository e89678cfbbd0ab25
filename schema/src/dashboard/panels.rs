//! The panels dashboards offer: each a kept metric with its categories, and the figures
//! panels share.

use super::panel::{Category, Naming, PanelSpec, Split};
use crate::domain::{
    Disposition, NaloxoneGivenBy, Outcome, PlaceType, RecipientCategory, RefillReason, Substance,
    YesNoUnknown,
};
use crate::store::{ALL_CATEGORIES, metric};

fn total() -> Vec<Category> {
    vec![Category::new(ALL_CATEGORIES, "I alt")]
}

fn first_time_or_refill() -> Vec<Category> {
    vec![
        Category::new("FIRST_TIME", "Første gang"),
        Category::new("REFILL", "Påfyll"),
    ]
}

const fn panel(metric: &'static str, categories: fn() -> Vec<Category>) -> PanelSpec {
    PanelSpec {
        metric,
        categories,
        withheld: &[],
        totals_of: None,
    }
}

/// A panel whose totals are the incidents of each municipality and of all together.
const fn of_incidents(spec: PanelSpec) -> PanelSpec {
    PanelSpec {
        totals_of: Some(&INCIDENTS),
        ..spec
    }
}

/// A panel whose totals are the kits handed out.
const fn of_kits(spec: PanelSpec) -> PanelSpec {
    PanelSpec {
        totals_of: Some(&NALOXONE_KITS),
        ..spec
    }
}

pub const INCIDENTS: PanelSpec = panel(metric::INCIDENTS, total);
/// Deaths per municipality are shown only as multi-year sums (domain.md §4), so other
/// municipalities' fatal overdoses are never shown per period.
pub const INCIDENTS_BY_OUTCOME: PanelSpec = of_incidents(PanelSpec {
    withheld: &["FATAL"],
    ..panel(metric::INCIDENTS_BY_OUTCOME, Category::all::<Outcome>)
});
pub const INCIDENTS_BY_SUBSTANCE: PanelSpec =
    panel(metric::INCIDENTS_BY_SUBSTANCE, Category::all::<Substance>);
pub const INCIDENTS_BY_PLACE_TYPE: PanelSpec = of_incidents(panel(
    metric::INCIDENTS_BY_PLACE,
    Category::all::<PlaceType>,
));
pub const INCIDENTS_BY_NALOXONE_GIVEN: PanelSpec = of_incidents(panel(
    metric::INCIDENTS_BY_NALOXONE_GIVEN,
    Category::all::<YesNoUnknown>,
));
pub const INCIDENTS_BY_NALOXONE_GIVEN_BY: PanelSpec = panel(
    metric::INCIDENTS_BY_NALOXONE_GIVEN_BY,
    Category::all::<NaloxoneGivenBy>,
);
pub const INCIDENTS_BY_DISPOSITION: PanelSpec = of_incidents(PanelSpec {
    withheld: &["DIED"],
    ..panel(
        metric::INCIDENTS_BY_DISPOSITION,
        Category::all::<Disposition>,
    )
});
pub const NON_FATAL_BY_FOLLOW_UP_OFFERED: PanelSpec = panel(
    metric::NON_FATAL_BY_FOLLOW_UP_OFFERED,
    Category::all::<YesNoUnknown>,
);
pub const NALOXONE_DISTRIBUTIONS: PanelSpec = panel(metric::DISTRIBUTIONS, total);
pub const NALOXONE_KITS: PanelSpec = panel(metric::KITS, total);
pub const NALOXONE_KITS_BY_RECIPIENT: PanelSpec = of_kits(panel(
    metric::KITS_BY_RECIPIENT,
    Category::all::<RecipientCategory>,
));
pub const NALOXONE_KITS_BY_FIRST_TIME: PanelSpec =
    of_kits(panel(metric::KITS_BY_FIRST_TIME, first_time_or_refill));
pub const NALOXONE_REFILLS_BY_REASON: PanelSpec =
    panel(metric::REFILLS_BY_REASON, Category::all::<RefillReason>);
pub const NALOXONE_PEOPLE_TRAINED: PanelSpec = panel(metric::PEOPLE_TRAINED, total);

/// Panels that split a column of another.
/// - Non-fatal incidents are a column of the outcomes and the total of the follow-up panel:
///   published apart, that total, a municipality's incidents and its unknown outcomes would
///   give its deaths.
/// - Incidents with naloxone given are a column of `incidentsByNaloxoneGiven` and the total of
///   the givers' panel (a giver not named counts as `UNKNOWN`): published apart, the givers'
///   total was a lower bound of the column that could pin a hidden month down.
const SPLITS: [Split; 2] = [
    Split {
        whole: &INCIDENTS_BY_OUTCOME,
        column: "NON_FATAL",
        parts: &NON_FATAL_BY_FOLLOW_UP_OFFERED,
    },
    Split {
        whole: &INCIDENTS_BY_NALOXONE_GIVEN,
        column: "YES",
        parts: &INCIDENTS_BY_NALOXONE_GIVEN_BY,
    },
];

/// The split a panel is part of, if any.
pub fn split_of(spec: &PanelSpec) -> Option<&'static Split> {
    SPLITS
        .iter()
        .find(|s| s.whole.metric == spec.metric || s.parts.metric == spec.metric)
}

/// Panels whose columns the items of another name: each audited beside it, published before.
/// An incident names one or more suspected substances, `UNKNOWN` only alone: published apart,
/// a municipality's month whose incidents each name one substance showed its hidden incidents
/// as its substances' total.
const NAMINGS: [Naming; 1] = [Naming {
    columns_of: &INCIDENTS_BY_SUBSTANCE,
    items: &INCIDENTS,
    alone: "UNKNOWN",
}];

/// What names the columns of a panel, if anything does.
pub fn naming_of(spec: &PanelSpec) -> Option<&'static Naming> {
    NAMINGS.iter().find(|n| n.columns_of.metric == spec.metric)
}

/// Panels that share their totals (the same incidents, or kits, split by another field), in
/// the order they are published by month and quarter: each is audited beside those before it
/// (`disclosure::Beside`), which it may not change, so no two of them give a hidden figure
/// away together and each one's figures depend only on those before it.
const SHARING_TOTALS: [&[&PanelSpec]; 2] = [
    &[
        &INCIDENTS_BY_OUTCOME,
        &INCIDENTS_BY_PLACE_TYPE,
        &INCIDENTS_BY_NALOXONE_GIVEN,
        &INCIDENTS_BY_DISPOSITION,
    ],
    &[&NALOXONE_KITS_BY_RECIPIENT, &NALOXONE_KITS_BY_FIRST_TIME],
];

/// The panels sharing `spec`'s totals that are published before it.
pub fn published_before(spec: &PanelSpec) -> &'static [&'static PanelSpec] {
    SHARING_TOTALS
        .iter()
        .find_map(|order| {
            let at = order.iter().position(|s| s.metric == spec.metric)?;
            Some(&order[..at])
        })
        .unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the audit beside the items takes for granted: the panel's own totals and no split
    /// (its year is published alone), a column named alone among its columns, and items
    /// published a calendar year at a time (one category).
    #[test]
    fn every_naming_panel_is_published_alone_beside_items_of_one_category() {
        for naming in NAMINGS {
            let panel = naming.columns_of;
            assert!(panel.totals_of.is_none(), "{}", panel.metric);
            assert!(split_of(panel).is_none(), "{}", panel.metric);
            assert!(published_before(panel).is_empty(), "{}", panel.metric);
            assert!(naming.alone_column().is_some(), "{}", panel.metric);
            assert!(naming.items.by_calendar_year(), "{}", naming.items.metric);
            assert!(naming_of(naming.items).is_none(), "{}", naming.items.metric);
        }
        assert!(naming_of(&INCIDENTS_BY_SUBSTANCE).is_some());
    }

    #[test]
    fn every_panel_sharing_totals_is_published_after_the_others_before_it() {
        assert!(published_before(&INCIDENTS_BY_OUTCOME).is_empty());
        let before: Vec<&str> = published_before(&INCIDENTS_BY_DISPOSITION)
            .iter()
            .map(|s| s.metric)
            .collect();
        assert_eq!(
            before,
            [
                INCIDENTS_BY_OUTCOME.metric,
                INCIDENTS_BY_PLACE_TYPE.metric,
                INCIDENTS_BY_NALOXONE_GIVEN.metric
            ]
        );
        assert!(published_before(&INCIDENTS_BY_SUBSTANCE).is_empty());
        for order in SHARING_TOTALS {
            let totals = order[0].totals_of.map(|t| t.metric);
            assert!(totals.is_some(), "{} shares totals", order[0].metric);
            for spec in order {
                assert_eq!(spec.totals_of.map(|t| t.metric), totals, "{}", spec.metric);
                assert!(
                    split_of(spec).is_none_or(|split| split.whole.metric == spec.metric),
                    "{} is the whole of its split",
                    spec.metric
                );
            }
        }
    }
}
