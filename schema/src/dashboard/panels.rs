//! The panels dashboards offer: each a kept metric with its categories, and the figures
//! panels share.

use super::panel::{BoundTerm, Bounded, Category, PanelSpec, Split};
use crate::domain::{
    Coded, Disposition, NaloxoneGivenBy, Outcome, PlaceType, RecipientCategory, RefillReason,
    Substance, YesNoUnknown,
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

/// Every panel dashboards offer, in the order a whole dashboard lists them.
pub const ALL: [&PanelSpec; 14] = [
    &INCIDENTS,
    &INCIDENTS_BY_OUTCOME,
    &INCIDENTS_BY_SUBSTANCE,
    &INCIDENTS_BY_PLACE_TYPE,
    &INCIDENTS_BY_NALOXONE_GIVEN,
    &INCIDENTS_BY_NALOXONE_GIVEN_BY,
    &INCIDENTS_BY_DISPOSITION,
    &NON_FATAL_BY_FOLLOW_UP_OFFERED,
    &NALOXONE_DISTRIBUTIONS,
    &NALOXONE_KITS,
    &NALOXONE_KITS_BY_RECIPIENT,
    &NALOXONE_KITS_BY_FIRST_TIME,
    &NALOXONE_REFILLS_BY_REASON,
    &NALOXONE_PEOPLE_TRAINED,
];

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

/// Panels whose counts panels published before them bound, each audited beside them:
/// - An incident names one or more suspected substances, `UNKNOWN` only alone: in a
///   municipality's month, `UNKNOWN` with any one substance is at most its incidents and all
///   its substances at least them. Published apart, a month whose incidents each named one
///   substance showed its hidden incidents as its substances' total.
/// - A refill names its reason and a hand-out gives one kit or more: the refills by reason are
///   at most the refilled kits, and the hand-outs less the refills (those first time) at most
///   the kits first time. Published apart, where each hand-out gave one kit, the refills and
///   the hand-outs showed kits that a complement hid.
/// - A hand-out gives one kit or more: the hand-outs are at most the kits. Published apart,
///   where nearly every hand-out gave one kit, the two panels hide different municipalities'
///   months, and hand-outs shown meet hidden kits from below.
/// - A hand-out trains its recipient or not: the people trained are at most the hand-outs,
///   which the kits, and the refills with the kits first time, bound from above (all beside,
///   as the hand-outs' bounds hold there too). Published apart, where nearly everyone was
///   trained, people trained shown met hidden hand-outs from below; beside the kits and
///   hand-outs only, they met hidden hand-outs that the refills and kits first time shown met
///   from above (everyone trained, each first-time hand-out one kit).
///
/// A panel beside that is bounded itself has the panels bounding it beside too, with its
/// bounds, so each audit holds the chain above it. The audit takes the panels beside in from
/// the last as far as its limit leaves room, and drops a bound with any panel it names; so
/// each panel beside is bounded with the panel, or with panels after it, by a bound naming no
/// panel before it: every panel taken in counts.
const BOUNDED: [Bounded; 4] = [
    Bounded {
        panel: &INCIDENTS_BY_SUBSTANCE,
        beside: &[&INCIDENTS],
        bounds: named_substances,
    },
    Bounded {
        panel: &NALOXONE_REFILLS_BY_REASON,
        beside: &[
            &NALOXONE_KITS,
            &NALOXONE_DISTRIBUTIONS,
            &NALOXONE_KITS_BY_FIRST_TIME,
        ],
        bounds: refills_handed_out,
    },
    Bounded {
        panel: &NALOXONE_DISTRIBUTIONS,
        beside: &[&NALOXONE_KITS],
        bounds: kits_handed_out,
    },
    Bounded {
        panel: &NALOXONE_PEOPLE_TRAINED,
        beside: &[
            &NALOXONE_REFILLS_BY_REASON,
            &NALOXONE_KITS_BY_FIRST_TIME,
            &NALOXONE_KITS,
            &NALOXONE_DISTRIBUTIONS,
        ],
        bounds: trained_when_handed_out,
    },
];

const fn term(panel: usize, category: Option<&'static str>, sign: i64) -> BoundTerm {
    BoundTerm {
        panel,
        category,
        sign,
    }
}

/// The substances (panel 0) beside the incidents (1).
fn named_substances() -> Vec<Vec<BoundTerm>> {
    let alone = Substance::Unknown.code();
    let incidents = |sign| term(1, None, sign);
    let with_alone = Substance::ALL
        .iter()
        .map(|s| s.code())
        .filter(|code| *code != alone)
        .map(|code| {
            vec![
                term(0, Some(alone), 1),
                term(0, Some(code), 1),
                incidents(-1),
            ]
        });
    with_alone
        .chain([vec![incidents(1), term(0, None, -1)]])
        .collect()
}

/// The refills by reason (panel 0) beside the kits (1), the hand-outs (2) and the kits first
/// time or refilled (3).
fn refills_handed_out() -> Vec<Vec<BoundTerm>> {
    of_hand_outs(HandOutPanels {
        refills: 0,
        kits: 1,
        hand_outs: 2,
        by_first_time: 3,
    })
}

/// The hand-outs (panel 0) beside the kits (1).
fn kits_handed_out() -> Vec<Vec<BoundTerm>> {
    vec![hand_outs_at_most_kits(0, 1)]
}

/// The people trained (panel 0) beside the refills by reason (1), the kits first time or
/// refilled (2), the kits (3) and the hand-outs (4): at most the hand-outs, which the kits and
/// the refills with the kits first time bound from above.
fn trained_when_handed_out() -> Vec<Vec<BoundTerm>> {
    let mut bounds = vec![vec![term(0, None, 1), term(4, None, -1)]];
    bounds.extend(of_hand_outs(HandOutPanels {
        refills: 1,
        by_first_time: 2,
        kits: 3,
        hand_outs: 4,
    }));
    bounds
}

/// Where the panels of the hand-outs are among a bounded panel's.
struct HandOutPanels {
    refills: usize,
    by_first_time: usize,
    kits: usize,
    hand_outs: usize,
}

/// What a hand-out's kits and refill set between its panels: the refills are at most the
/// kits refilled, the hand-outs less the refills (those first time) at most the kits first
/// time, the hand-outs at most the kits, and the kits first time or refilled are the kits.
fn of_hand_outs(p: HandOutPanels) -> Vec<Vec<BoundTerm>> {
    vec![
        vec![
            term(p.refills, None, 1),
            term(p.by_first_time, Some("REFILL"), -1),
        ],
        vec![
            term(p.hand_outs, None, 1),
            term(p.refills, None, -1),
            term(p.by_first_time, Some("FIRST_TIME"), -1),
        ],
        hand_outs_at_most_kits(p.hand_outs, p.kits),
        vec![term(p.by_first_time, None, 1), term(p.kits, None, -1)],
        vec![term(p.kits, None, 1), term(p.by_first_time, None, -1)],
    ]
}

/// Hand-outs (panel `hand_outs`) at most the kits (panel `kits`).
fn hand_outs_at_most_kits(hand_outs: usize, kits: usize) -> Vec<BoundTerm> {
    vec![term(hand_outs, None, 1), term(kits, None, -1)]
}

/// What bounds the counts of a panel, if anything does.
pub fn bounded_of(spec: &PanelSpec) -> Option<&'static Bounded> {
    BOUNDED.iter().find(|b| b.panel.metric == spec.metric)
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

    /// What the audit beside the panels bounding a panel takes for granted: the panel's own
    /// totals and no split (its year is published alone), panels beside that nothing splits
    /// and that have what bounds them (panels and bounds) there too, each bounded with the
    /// panel or with panels after it, and bounds whose every panel and category is there.
    #[test]
    fn every_bounded_panel_is_published_alone_beside_panels_it_names() {
        for bounded in BOUNDED {
            let panel = bounded.panel;
            assert!(panel.totals_of.is_none(), "{}", panel.metric);
            assert!(split_of(panel).is_none(), "{}", panel.metric);
            assert!(published_before(panel).is_empty(), "{}", panel.metric);
            let bounds = bounded
                .row_bounds(1)
                .expect("every term is of a panel and category");
            assert!(!bounds.is_empty(), "{}", panel.metric);
            // A term of this panel's bounds, its panel by its place here (0 this one).
            let at = |spec: &PanelSpec| {
                let beside = bounded.beside.iter().position(|b| b.metric == spec.metric);
                beside.map(|k| k + 1)
            };
            let own_bounds = (bounded.bounds)();
            for beside in bounded.beside {
                assert!(split_of(beside).is_none(), "{}", beside.metric);
                let Some(of_beside) = bounded_of(beside) else {
                    continue;
                };
                // Its bounds, with its panels numbered as here: each among this one's.
                let beside_at = |k: usize| match k {
                    0 => at(beside),
                    k => at(of_beside.beside[k - 1]),
                };
                for bound in (of_beside.bounds)() {
                    let here: Option<Vec<BoundTerm>> = bound
                        .iter()
                        .map(|t| {
                            Some(BoundTerm {
                                panel: beside_at(t.panel)?,
                                ..*t
                            })
                        })
                        .collect();
                    let here = here.unwrap_or_else(|| {
                        panic!(
                            "{} is bounded by a panel not beside {}",
                            beside.metric, panel.metric
                        )
                    });
                    assert!(
                        own_bounds.contains(&here),
                        "{}'s bound {bound:?} is not among {}'s",
                        beside.metric,
                        panel.metric
                    );
                }
                for of in of_beside.beside {
                    assert!(at(of).is_some(), "{} beside {}", of.metric, panel.metric);
                }
            }
            // Taken in from the last as far as the limit leaves room, each panel beside is
            // bounded with the panel or with panels taken in before it (so, from the last on,
            // each is tied to the panel through the panels taken in).
            for k in 1..=bounded.beside.len() {
                let with_later = bounds.iter().any(|b| {
                    let named = || b.0.iter().map(|t| t.panel);
                    named().any(|n| n == k)
                        && named().any(|n| n != k)
                        && named().all(|n| n == 0 || n >= k)
                });
                assert!(
                    with_later,
                    "{} beside {} is bounded only with panels before it",
                    bounded.beside[k - 1].metric,
                    panel.metric
                );
            }
            let panels = bounds.iter().flat_map(|b| b.0.iter().map(|t| t.panel));
            let named: std::collections::BTreeSet<usize> = panels.collect();
            assert!(
                named
                    .iter()
                    .eq(&(0..=bounded.beside.len()).collect::<Vec<_>>())
            );
        }
        assert!(bounded_of(&INCIDENTS_BY_SUBSTANCE).is_some());
        assert!(bounded_of(&NALOXONE_REFILLS_BY_REASON).is_some());
        assert!(bounded_of(&NALOXONE_PEOPLE_TRAINED).is_some());
        assert!(bounded_of(&NALOXONE_DISTRIBUTIONS).is_some());
        // Published as the panels of several categories, beside the panels bounding them.
        assert!(!NALOXONE_PEOPLE_TRAINED.by_calendar_year());
        assert!(!NALOXONE_DISTRIBUTIONS.by_calendar_year());
        assert!(NALOXONE_KITS.by_calendar_year());
    }

    /// Counts that keep each bound: one month of a municipality whose 3 incidents name heroin,
    /// heroin and methadone, and nothing known; whose 2 hand-outs are 3 kits first time and a
    /// refill of 1 kit, each with training.
    #[test]
    fn counts_items_could_give_keep_every_bound() {
        let sum = |bounded: &Bounded, counts: &[&[i64]]| -> Vec<i64> {
            let bounds = bounded.row_bounds(1).unwrap();
            bounds
                .iter()
                .map(|b| {
                    b.0.iter()
                        .map(|t| {
                            let of = counts[t.panel];
                            t.sign * t.column.map_or(of.iter().sum(), |c| of[c])
                        })
                        .sum()
                })
                .collect()
        };
        let mut substances = vec![0; Substance::ALL.len()];
        let at = |s: Substance| Substance::ALL.iter().position(|x| *x == s).unwrap();
        substances[at(Substance::Heroin)] = 2;
        substances[at(Substance::Methadone)] = 1;
        substances[at(Substance::Unknown)] = 1;
        let named = sum(
            bounded_of(&INCIDENTS_BY_SUBSTANCE).unwrap(),
            &[&substances, &[3]],
        );
        assert!(named.iter().all(|s| *s <= 0), "{named:?}");
        // One more incident than the substances name at least once is no longer possible.
        let named = sum(
            bounded_of(&INCIDENTS_BY_SUBSTANCE).unwrap(),
            &[&substances, &[5]],
        );
        assert!(named.iter().any(|s| *s > 0), "{named:?}");
        let mut refills = vec![0; RefillReason::ALL.len()];
        refills[0] = 1;
        let handed_out = bounded_of(&NALOXONE_REFILLS_BY_REASON).unwrap();
        let kept = sum(handed_out, &[&refills, &[4], &[2], &[3, 1]]);
        assert!(kept.iter().all(|s| *s <= 0), "{kept:?}");
        // Three hand-outs with one refill, one kit first time: two hand-outs cannot give it.
        let kept = sum(handed_out, &[&refills, &[4], &[3], &[1, 3]]);
        assert!(kept.iter().any(|s| *s > 0), "{kept:?}");
        // Five kits, four of them first time or refilled.
        let kept = sum(handed_out, &[&refills, &[5], &[2], &[3, 1]]);
        assert!(kept.iter().any(|s| *s > 0), "{kept:?}");
        let kits = bounded_of(&NALOXONE_DISTRIBUTIONS).unwrap();
        let kept = sum(kits, &[&[2], &[4]]);
        assert!(kept.iter().all(|s| *s <= 0), "{kept:?}");
        // Five hand-outs of four kits.
        let kept = sum(kits, &[&[5], &[4]]);
        assert!(kept.iter().any(|s| *s > 0), "{kept:?}");
        let trained = bounded_of(&NALOXONE_PEOPLE_TRAINED).unwrap();
        let kept = sum(trained, &[&[2], &refills, &[3, 1], &[4], &[2]]);
        assert!(kept.iter().all(|s| *s <= 0), "{kept:?}");
        // Three people trained at two hand-outs.
        let kept = sum(trained, &[&[3], &refills, &[3, 1], &[4], &[2]]);
        assert!(kept.iter().any(|s| *s > 0), "{kept:?}");
        // Two people trained at five hand-outs of four kits.
        let kept = sum(trained, &[&[2], &refills, &[3, 1], &[4], &[5]]);
        assert!(kept.iter().any(|s| *s > 0), "{kept:?}");
        // Four hand-outs of four kits, one a refill, two kits first time: three first-time
        // hand-outs cannot give two kits.
        let kept = sum(trained, &[&[3], &refills, &[2, 2], &[4], &[4]]);
        assert!(kept.iter().any(|s| *s > 0), "{kept:?}");
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
