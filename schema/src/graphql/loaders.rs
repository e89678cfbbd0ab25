//! Per-request loading of nested fields, so a list never costs one query per item: reference
//! data through [`ReferenceCache`], a municipality's child rows through DataLoaders that the
//! list resolvers prime with the whole page's keys.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::ErrorExtensions;
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use uuid::Uuid;

use crate::ctx::{Access, RequestContext};
use crate::domain::Substance;
use crate::entity::{action, action_note, distribution_site};
use crate::error::Error;
use crate::graphql::reference_cache::ReferenceCache;
use crate::store::{Store, TenantDb};

/// An error shared between the fields that waited on one batch.
#[derive(Debug, Clone)]
pub struct SharedError(pub Arc<Error>);

impl ErrorExtensions for SharedError {
    fn extend(&self) -> async_graphql::Error {
        self.0.extend()
    }
}

impl std::fmt::Display for SharedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl From<Error> for SharedError {
    fn from(err: Error) -> Self {
        SharedError(Arc::new(err))
    }
}

type Cached<L> = DataLoader<L, HashMapCache>;

/// All loaders of one request. The tenant loaders carry the request's context, so a batch
/// only ever holds one caller's keys and is filtered by that caller's scope; their cache
/// lives as long as the request.
pub struct Loaders {
    pub reference: ReferenceCache,
    pub action_notes: Cached<NotesByAction>,
    pub actions_by_measure: Cached<ActionsByMeasure>,
    pub substances: Cached<SubstancesByIncident>,
    pub sites: Cached<SiteById>,
}

impl Loaders {
    /// `reference_version` is the version of reference data the request has read, if any.
    pub fn new(store: Store, ctx: RequestContext, reference_version: Option<i64>) -> Self {
        let keys = |access| TenantKeys {
            store: store.clone(),
            ctx: ctx.clone(),
            access,
        };
        fn cached<L: Loader<Uuid>>(loader: L) -> Cached<L> {
            DataLoader::with_cache(loader, tokio::spawn, HashMapCache::default())
        }
        Self {
            reference: ReferenceCache::new(store.clone(), reference_version),
            action_notes: cached(NotesByAction(keys(Access::ReadActions))),
            actions_by_measure: cached(ActionsByMeasure(keys(Access::ReadActions))),
            substances: cached(SubstancesByIncident(keys(Access::ReadCases))),
            sites: cached(SiteById(keys(Access::ReadCases))),
        }
    }
}

/// What a tenant loader needs to open the caller's scoped handle.
pub struct TenantKeys {
    store: Store,
    ctx: RequestContext,
    access: Access,
}

impl TenantKeys {
    fn tenant(&self) -> Result<TenantDb<'_>, Error> {
        self.store.tenant(&self.ctx, self.access)
    }
}

/// Groups rows by a key into the map a loader returns; every requested key gets an entry, so
/// an empty list is cached too.
pub fn group<V>(
    keys: &[Uuid],
    rows: impl IntoIterator<Item = V>,
    key: impl Fn(&V) -> Uuid,
) -> HashMap<Uuid, Vec<V>> {
    let mut map: HashMap<Uuid, Vec<V>> = keys.iter().map(|k| (*k, Vec::new())).collect();
    for row in rows {
        map.entry(key(&row)).or_default().push(row);
    }
    map
}

pub struct NotesByAction(TenantKeys);

impl Loader<Uuid> for NotesByAction {
    type Value = Vec<action_note::Model>;
    type Error = SharedError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, SharedError> {
        let rows = self.0.tenant()?.notes_of_actions(keys).await?;
        Ok(group(keys, rows, |n| n.action_id))
    }
}

pub struct ActionsByMeasure(TenantKeys);

impl Loader<Uuid> for ActionsByMeasure {
    type Value = Vec<action::Model>;
    type Error = SharedError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, SharedError> {
        let rows = self.0.tenant()?.actions_of_measures(keys, None).await?;
        Ok(group(keys, rows, |a| a.measure_id))
    }
}

pub struct SubstancesByIncident(TenantKeys);

impl Loader<Uuid> for SubstancesByIncident {
    type Value = Vec<Substance>;
    type Error = SharedError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, SharedError> {
        let rows = self.0.tenant()?.substances_of_incidents(keys).await?;
        Ok(substances_by_incident(keys, rows))
    }
}

/// Each incident's substances in the code list's order (not the codes' alphabetical one).
pub fn substances_by_incident(
    keys: &[Uuid],
    rows: Vec<(Uuid, Substance)>,
) -> HashMap<Uuid, Vec<Substance>> {
    group(keys, rows, |(id, _)| *id)
        .into_iter()
        .map(|(id, pairs)| {
            let mut substances: Vec<Substance> = pairs.into_iter().map(|(_, s)| s).collect();
            substances.sort();
            (id, substances)
        })
        .collect()
}

pub struct SiteById(TenantKeys);

impl Loader<Uuid> for SiteById {
    type Value = distribution_site::Model;
    type Error = SharedError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, SharedError> {
        let rows = self.0.tenant()?.sites_by_id(keys).await?;
        Ok(rows.into_iter().map(|s| (s.id, s)).collect())
    }
}
