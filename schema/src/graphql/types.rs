//! GraphQL object types, one file per area.
//!
//! The types of rows that come in pages (records, sites, notes, audit and access-log entries,
//! municipalities) resolve their fields `serial`ly: each field reads the row already in memory,
//! and a task per field (what concurrent resolution costs) is dearer than the field itself. The
//! rows of a page still resolve concurrently, so DataLoader batches still form across them.

mod access_log;
pub(crate) mod action;
mod audit;
pub(crate) mod dashboard;
mod incident;
mod municipality;
mod naloxone;
mod plan;
mod report;

pub use access_log::AccessLogEntryNode;
pub use action::ActionNode;
pub use audit::AuditEventNode;
pub use dashboard::Dashboard;
pub use incident::IncidentNode;
pub use municipality::MunicipalityNode;
pub use naloxone::{NaloxoneNode, SiteNode};
pub use plan::{FocusAreaNode, IndicatorNode, MeasureNode, PlanNode};
pub use report::{AnnualReport, ReportSubmission, year_range};
