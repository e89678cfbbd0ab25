//! Submitted annual reports, kept as they were submitted.

use chrono::{SubsecRound, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

use super::audit::{AuditOperation, Change};
use super::tenant::{TenantDb, kommune_eq};
use crate::entity::report_submission;
use crate::error::{Error, Result};

/// A municipality's report for a year as it was submitted.
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    pub kommunenummer: String,
    pub year: i32,
    /// 1 for the first submission of the year, then 2, …
    pub version: i32,
    pub submitted_at: chrono::DateTime<Utc>,
    /// The submitter's subject, never a name.
    pub submitted_by: String,
    pub role: String,
    pub figures: Value,
}

impl From<report_submission::Model> for Submission {
    fn from(row: report_submission::Model) -> Self {
        Self {
            figures: serde_json::from_str(&row.figures).unwrap_or(Value::Null),
            kommunenummer: row.kommunenummer,
            year: row.year,
            version: row.version,
            submitted_at: row.submitted_at,
            submitted_by: row.submitted_by,
            role: row.role,
        }
    }
}

impl TenantDb<'_> {
    /// Stores the figures of a municipality's report for a year as submitted now, as its next
    /// version, audited in the municipality's chain.
    pub async fn submit_report(
        &self,
        kommunenummer: &str,
        year: i32,
        figures: Value,
    ) -> Result<Submission> {
        let kommunenummer = self.target_municipality(Some(kommunenummer), "municipality")?;
        let mut w = self.write(&kommunenummer).await?;
        let previous = report_submission::Entity::find()
            .filter(kommune_eq(
                report_submission::Column::Kommunenummer,
                &kommunenummer,
            ))
            .filter(report_submission::Column::Year.eq(year))
            .order_by_desc(report_submission::Column::Version)
            .one(&w.txn)
            .await?;
        let row = report_submission::Model {
            kommunenummer: kommunenummer.clone(),
            year,
            version: previous.map_or(1, |p| p.version + 1),
            id: Uuid::now_v7(),
            submitted_at: Utc::now().trunc_subsecs(6),
            submitted_by: self.actor().subject.clone(),
            role: self.actor().role.clone(),
            figures: figures.to_string(),
        };
        report_submission::Entity::insert(report_submission::ActiveModel {
            kommunenummer: Set(row.kommunenummer.clone()),
            year: Set(row.year),
            version: Set(row.version),
            id: Set(row.id),
            submitted_at: Set(row.submitted_at),
            submitted_by: Set(row.submitted_by.clone()),
            role: Set(row.role.clone()),
            figures: Set(row.figures.clone()),
        })
        .exec_without_returning(&w.txn)
        .await?;
        w.audit(Change {
            record_type: "AnnualReportSubmission",
            record_id: row.id,
            operation: AuditOperation::Create,
            before: None,
            after: Some(json!({ "year": row.year, "version": row.version })),
        });
        w.commit().await?;
        Ok(row.into())
    }

    /// The latest submission of a municipality's report for a year, if any.
    pub async fn latest_submission(
        &self,
        kommunenummer: &str,
        year: i32,
    ) -> Result<Option<Submission>> {
        if !self.scope().contains(kommunenummer) {
            return Err(Error::Forbidden(format!(
                "the submission of municipality {kommunenummer}'s report is its own"
            )));
        }
        let select = self
            .select::<report_submission::Entity>()
            .filter(report_submission::Column::Year.eq(year))
            .filter(kommune_eq(
                report_submission::Column::Kommunenummer,
                kommunenummer,
            ))
            .order_by_desc(report_submission::Column::Version);
        let found = self.read(async |txn| Ok(select.one(txn).await?)).await?;
        Ok(found.map(Submission::from))
    }
}
