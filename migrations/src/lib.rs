//! Database migrations for Motgift.
//!
//! The same migrations run on PostgreSQL and SQLite: tables are described with sea-query's
//! portable builders. Every table that holds a municipality's data has a non-null
//! `kommunenummer` and its primary key and indexes lead with it, so the schema can be
//! distributed by municipality (Citus) without change.

pub use sea_orm_migration::prelude::*;

mod columns;
mod m20261123_000001_create_municipalities;
mod m20261123_000002_create_plan;
mod m20261123_000003_create_actions;
mod m20261123_000004_create_incidents;
mod m20261123_000005_create_naloxone;
mod m20261123_000006_create_audit_events;
mod m20261124_000007_add_recording_support;
mod m20261124_000008_row_level_security;
mod m20261124_000009_create_access_log;
mod m20261124_000010_plan_admin_grants;
mod m20261124_000011_create_monthly_counts;
mod m20261125_000012_create_count_versions;
mod m20261125_000013_create_indicators;
mod m20261126_000014_indexable_tenant_scope;
mod m20261126_000015_create_report_submissions;
mod m20261127_000016_create_reference_version;
mod m20261202_000017_settle_ledger;
mod m20261205_000018_create_count_year_versions;
mod m20261206_000019_count_every_naloxone_giver;

pub use m20261124_000008_row_level_security::SERVICE_GROUP;

/// All migrations, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_municipalities::Migration),
            Box::new(m20261123_000002_create_plan::Migration),
            Box::new(m20261123_000003_create_actions::Migration),
            Box::new(m20261123_000004_create_incidents::Migration),
            Box::new(m20261123_000005_create_naloxone::Migration),
            Box::new(m20261123_000006_create_audit_events::Migration),
            Box::new(m20261124_000007_add_recording_support::Migration),
            Box::new(m20261124_000008_row_level_security::Migration),
            Box::new(m20261124_000009_create_access_log::Migration),
            Box::new(m20261124_000010_plan_admin_grants::Migration),
            Box::new(m20261124_000011_create_monthly_counts::Migration),
            Box::new(m20261125_000012_create_count_versions::Migration),
            Box::new(m20261125_000013_create_indicators::Migration),
            Box::new(m20261126_000014_indexable_tenant_scope::Migration),
            Box::new(m20261126_000015_create_report_submissions::Migration),
            Box::new(m20261127_000016_create_reference_version::Migration),
            Box::new(m20261202_000017_settle_ledger::Migration),
            Box::new(m20261205_000018_create_count_year_versions::Migration),
            Box::new(m20261206_000019_count_every_naloxone_giver::Migration),
        ]
    }
}
