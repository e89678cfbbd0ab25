//! sea-orm entities, one per table. Private to the crate: everything outside goes through
//! `store`, which adds the tenant condition.

pub mod access_log;
pub mod action;
pub mod action_note;
pub mod audit_event;
pub mod audit_head;
pub mod count_version;
pub mod count_year_version;
pub mod distribution_site;
pub mod focus_area;
pub mod incident;
pub mod incident_substance;
pub mod indicator;
pub mod measure;
pub mod measure_responsibility;
pub mod monthly_count;
pub mod municipality;
pub mod naloxone_distribution;
pub mod plan;
pub mod population;
pub mod report_submission;
