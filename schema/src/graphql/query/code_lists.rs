//! The code lists with their bokmål labels, so front ends need not hard-code labels.

use async_graphql::{Object, SimpleObject};

use crate::domain::*;

/// One value of a code list.
#[derive(SimpleObject)]
pub struct CodeValue {
    /// The stable code, as used in enums and stored records.
    code: &'static str,
    /// The label users see (bokmål).
    label: &'static str,
}

/// A named list of codes.
#[derive(SimpleObject)]
pub struct CodeList {
    /// The GraphQL enum the codes belong to, such as `Outcome`.
    name: &'static str,
    values: Vec<CodeValue>,
}

fn list<T: Coded>() -> CodeList {
    CodeList {
        name: T::LIST,
        values: T::ALL
            .iter()
            .map(|v| CodeValue {
                code: v.code(),
                label: v.label_nb(),
            })
            .collect(),
    }
}

#[derive(Default)]
pub struct CodeListQuery;

#[Object]
impl CodeListQuery {
    /// Every code list with bokmål labels.
    async fn code_lists(&self) -> Vec<CodeList> {
        vec![
            list::<ActionStatus>(),
            list::<PlaceType>(),
            list::<Outcome>(),
            list::<Substance>(),
            list::<SubstanceCertainty>(),
            list::<YesNoUnknown>(),
            list::<NaloxoneGivenBy>(),
            list::<Disposition>(),
            list::<AgeBand>(),
            list::<Sex>(),
            list::<Intent>(),
            list::<FollowUpAccepted>(),
            list::<FollowUpKind>(),
            list::<IncidentSource>(),
            list::<NaloxoneProduct>(),
            list::<RecipientCategory>(),
            list::<RefillReason>(),
            list::<SiteKind>(),
            list::<IndicatorKind>(),
            list::<TargetDirection>(),
        ]
    }
}
