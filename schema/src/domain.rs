//! Plain domain types: identifiers and the coded values of the records, each with a stable
//! code (stored in the database and used as the GraphQL enum value) and a bokmål label.

mod codes;
mod kommunenummer;

pub use codes::*;
pub use kommunenummer::{Kommunenummer, KommunenummerError};

/// A coded value: its stable code and the bokmål label users see.
pub trait Coded: Sized + Copy + 'static {
    /// The name of the code list, as exposed in `codeLists`.
    const LIST: &'static str;
    /// Every value, in display order.
    const ALL: &'static [Self];
    fn code(self) -> &'static str;
    fn label_nb(self) -> &'static str;
}

/// Declares a code list: an enum whose variants carry a stable code and a bokmål label. The
/// code is what the database stores and what GraphQL shows, so it never changes once released.
macro_rules! code_list {
    (
        $(#[$meta:meta])*
        $list:literal pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal => $label:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            async_graphql::Enum, sea_orm::EnumIter, sea_orm::DeriveActiveEnum,
            serde::Serialize, serde::Deserialize,
        )]
        #[sea_orm(rs_type = "String", db_type = "Text")]
        pub enum $name {
            $(
                $(#[$vmeta])*
                #[doc = concat!("«", $label, "»")]
                #[sea_orm(string_value = $code)]
                #[graphql(name = $code)]
                #[serde(rename = $code)]
                $variant,
            )+
        }

        impl $crate::domain::Coded for $name {
            const LIST: &'static str = $list;
            const ALL: &'static [Self] = &[$(Self::$variant),+];

            fn code(self) -> &'static str {
                match self { $(Self::$variant => $code),+ }
            }

            fn label_nb(self) -> &'static str {
                match self { $(Self::$variant => $label),+ }
            }
        }
    };
}
pub(crate) use code_list;
