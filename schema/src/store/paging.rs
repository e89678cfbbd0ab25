//! Keyset pagination: pages ordered by a sort key and the id, with opaque cursors. Stable under
//! inserts (no offsets) and the same on PostgreSQL and SQLite.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, IntoCondition, SimpleExpr};
use sea_orm::{ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect, Select};
use uuid::Uuid;

use crate::error::{Error, Result};

/// The largest page a client may ask for.
pub const MAX_PAGE_SIZE: u64 = 100;
/// The page size when a client gives neither `first` nor `last`.
pub const DEFAULT_PAGE_SIZE: u64 = 20;

/// The value of a page's sort key for one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortValue {
    Date(NaiveDate),
    Time(DateTime<Utc>),
    Seq(i64),
}

/// The type of a sort key, so a cursor from another ordering is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKind {
    Date,
    Time,
    Seq,
}

impl SortValue {
    pub fn kind(self) -> SortKind {
        match self {
            SortValue::Date(_) => SortKind::Date,
            SortValue::Time(_) => SortKind::Time,
            SortValue::Seq(_) => SortKind::Seq,
        }
    }

    fn tag(self) -> char {
        match self {
            SortValue::Date(_) => 'd',
            SortValue::Time(_) => 't',
            SortValue::Seq(_) => 's',
        }
    }

    fn expr(self) -> SimpleExpr {
        match self {
            SortValue::Date(d) => Expr::value(d),
            SortValue::Time(t) => Expr::value(t),
            SortValue::Seq(s) => Expr::value(s),
        }
    }
}

/// A position in an ordered list: the sort key and id of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub key: SortValue,
    pub id: Uuid,
}

impl Cursor {
    pub fn encode(&self) -> String {
        let key = match self.key {
            SortValue::Date(d) => d.to_string(),
            SortValue::Time(t) => t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            SortValue::Seq(s) => s.to_string(),
        };
        URL_SAFE_NO_PAD.encode(format!("{}|{key}|{}", self.key.tag(), self.id))
    }

    pub fn decode(raw: &str, field: &str) -> Result<Self> {
        let invalid = || {
            Error::validation(
                field,
                "this cursor is not valid; use one from pageInfo or an edge",
            )
        };
        let text = String::from_utf8(URL_SAFE_NO_PAD.decode(raw).map_err(|_| invalid())?)
            .map_err(|_| invalid())?;
        let mut parts = text.splitn(3, '|');
        let (Some(kind), Some(key), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(invalid());
        };
        let key = match kind {
            "d" => SortValue::Date(key.parse().map_err(|_| invalid())?),
            "t" => SortValue::Time(
                DateTime::parse_from_rfc3339(key)
                    .map_err(|_| invalid())?
                    .with_timezone(&Utc),
            ),
            "s" => SortValue::Seq(key.parse().map_err(|_| invalid())?),
            _ => return Err(invalid()),
        };
        Ok(Self {
            key,
            id: Uuid::parse_str(id).map_err(|_| invalid())?,
        })
    }
}

/// Which slice of an ordered list to return (Relay's `first/after/last/before`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u64,
    pub after: Option<Cursor>,
    pub before: Option<Cursor>,
    /// `last` was given: the page ends at `before` (or the end of the list).
    pub from_end: bool,
}

impl PageRequest {
    /// Checks the Relay arguments: `first` or `last`, at most [`MAX_PAGE_SIZE`].
    pub fn new(
        first: Option<i32>,
        after: Option<&str>,
        last: Option<i32>,
        before: Option<&str>,
    ) -> Result<Self> {
        let size = |value: i32, field: &str| -> Result<u64> {
            if value < 0 || value as u64 > MAX_PAGE_SIZE {
                Err(Error::validation(
                    field,
                    format!(
                        "{field} must be between 0 and {MAX_PAGE_SIZE} (the maximum page size)"
                    ),
                ))
            } else {
                Ok(value as u64)
            }
        };
        let (limit, from_end) = match (first, last) {
            (Some(_), Some(_)) => {
                return Err(Error::validation(
                    "last",
                    "give either first or last, not both",
                ));
            }
            (Some(first), None) => (size(first, "first")?, false),
            (None, Some(last)) => (size(last, "last")?, true),
            (None, None) => (DEFAULT_PAGE_SIZE, false),
        };
        Ok(Self {
            limit,
            after: after.map(|c| Cursor::decode(c, "after")).transpose()?,
            before: before.map(|c| Cursor::decode(c, "before")).transpose()?,
            from_end,
        })
    }
}

/// One page of rows, each with its cursor.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub rows: Vec<(Cursor, T)>,
    pub has_previous_page: bool,
    pub has_next_page: bool,
}

/// What a list shows besides its rows. They are read in the page's transaction, so a list
/// costs one transaction (and one commit of its access-log entry) however much of it is asked
/// for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListParts {
    /// The rows' children (an incident's substances, an action's notes, ...).
    pub children: bool,
    /// How many match the filter across all pages.
    pub total: bool,
}

/// A page with the parts of its list that were asked for.
#[derive(Debug, Clone)]
pub struct Listed<T, C> {
    pub page: Page<T>,
    pub children: Option<Vec<C>>,
    pub total: Option<u64>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl Fn(T) -> U) -> Page<U> {
        Page {
            rows: self.rows.into_iter().map(|(c, t)| (c, f(t))).collect(),
            has_previous_page: self.has_previous_page,
            has_next_page: self.has_next_page,
        }
    }
}

/// How a list is ordered: a sort column, the id column that breaks ties, and the direction.
pub(crate) struct Ordering<E: EntityTrait> {
    pub key: E::Column,
    pub kind: SortKind,
    pub id: E::Column,
    pub descending: bool,
    pub cursor_of: fn(&E::Model) -> Cursor,
}

/// Fetches one page of `select` in the given order.
pub(crate) async fn fetch<E, C>(
    conn: &C,
    select: Select<E>,
    ordering: &Ordering<E>,
    request: &PageRequest,
) -> Result<Page<E::Model>>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    for (field, cursor) in [("after", request.after), ("before", request.before)] {
        if cursor.is_some_and(|c| c.key.kind() != ordering.kind) {
            return Err(Error::validation(
                field,
                "this cursor belongs to another ordering",
            ));
        }
    }
    let mut select = select;
    if let Some(after) = request.after {
        select = select.filter(beyond(ordering, after, !ordering.descending));
    }
    if let Some(before) = request.before {
        select = select.filter(beyond(ordering, before, ordering.descending));
    }
    // Reading from the end reverses the order in SQL and the rows afterwards.
    let ascending = ordering.descending == request.from_end;
    let order = if ascending { Order::Asc } else { Order::Desc };
    let mut rows = select
        .order_by(ordering.key, order.clone())
        .order_by(ordering.id, order)
        .limit(request.limit + 1)
        .all(conn)
        .await?;
    let more = rows.len() as u64 > request.limit;
    rows.truncate(request.limit as usize);
    if request.from_end {
        rows.reverse();
    }
    let rows = rows
        .into_iter()
        .map(|row| ((ordering.cursor_of)(&row), row))
        .collect();
    Ok(if request.from_end {
        Page {
            rows,
            has_previous_page: more,
            has_next_page: request.before.is_some(),
        }
    } else {
        Page {
            rows,
            has_previous_page: request.after.is_some(),
            has_next_page: more,
        }
    })
}

/// Rows strictly after (`greater`) or before the cursor in (key, id) order.
fn beyond<E: EntityTrait>(ordering: &Ordering<E>, cursor: Cursor, greater: bool) -> Condition {
    let key = Expr::col(ordering.key);
    let id = Expr::col(ordering.id);
    let (key_cmp, id_cmp) = if greater {
        (
            key.clone().gt(cursor.key.expr()),
            id.gt(Expr::value(cursor.id)),
        )
    } else {
        (
            key.clone().lt(cursor.key.expr()),
            id.lt(Expr::value(cursor.id)),
        )
    };
    Condition::any().add(key_cmp).add(
        Condition::all()
            .add(key.eq(cursor.key.expr()))
            .add(id_cmp)
            .into_condition(),
    )
}
