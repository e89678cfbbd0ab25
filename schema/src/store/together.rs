//! Writes whose results a transaction never reads (monthly counts, the count version, audit
//! events, the chain's head), sent together just before the commit.
//!
//! On PostgreSQL they go as one statement, all but the last as data-modifying `WITH` clauses:
//! a write holds its municipality's audit chain until it commits, so every round trip saved
//! there is throughput for that municipality. SQLite runs in the process; there they run one
//! after the other. The statements of one group must not touch the same row (PostgreSQL leaves
//! it undefined which change wins), so callers sum their changes per row first.

use sea_orm::sea_query::{
    CommonTableExpression, PostgresQueryBuilder, SubQueryStatement, WithClause,
};
use sea_orm::{ConnectionTrait, DbBackend};

use crate::error::Result;

/// SQLite accepts at most 32,766 bound values in one statement, PostgreSQL 65,535.
pub(crate) const MAX_BOUND_VALUES: usize = 30_000;

/// How many rows of `columns` columns one statement may insert.
pub(crate) fn rows_per_statement(columns: usize) -> usize {
    MAX_BOUND_VALUES / columns
}

/// Runs `statements` in order in the caller's transaction, as few statements as the bound
/// value limit allows on PostgreSQL.
pub(crate) async fn send_together<C: ConnectionTrait>(
    conn: &C,
    statements: Vec<SubQueryStatement>,
) -> Result<()> {
    if conn.get_database_backend() != DbBackend::Postgres {
        for statement in statements {
            execute(conn, statement).await?;
        }
        return Ok(());
    }
    for group in groups(statements) {
        if let Some(statement) = joined(group) {
            execute(conn, statement).await?;
        }
    }
    Ok(())
}

/// Consecutive statements, each group within the bound value limit.
fn groups(statements: Vec<SubQueryStatement>) -> Vec<Vec<SubQueryStatement>> {
    let mut groups: Vec<Vec<SubQueryStatement>> = Vec::new();
    let mut values_in_last = 0;
    for statement in statements {
        let values = bound_values(&statement);
        match groups.last_mut() {
            Some(last) if values_in_last + values <= MAX_BOUND_VALUES => {
                last.push(statement);
                values_in_last += values;
            }
            _ => {
                groups.push(vec![statement]);
                values_in_last = values;
            }
        }
    }
    groups
}

/// One statement doing what `group` does: the last statement with the others before it as
/// `WITH` clauses (PostgreSQL runs each of them exactly once, whether or not it is read).
fn joined(mut group: Vec<SubQueryStatement>) -> Option<SubQueryStatement> {
    let last = group.pop()?;
    if group.is_empty() {
        return Some(last);
    }
    let mut clause = WithClause::new();
    for (i, statement) in group.into_iter().enumerate() {
        // Built in place: the builder's `to_owned()` would copy every statement once more.
        let mut cte = CommonTableExpression::new();
        cte.query(statement).table_name(format!("write_{i}"));
        clause.cte(cte);
    }
    Some(clause.query(last).into())
}

fn bound_values(statement: &SubQueryStatement) -> usize {
    let (_, values) = match statement {
        SubQueryStatement::SelectStatement(s) => s.build(PostgresQueryBuilder),
        SubQueryStatement::InsertStatement(s) => s.build(PostgresQueryBuilder),
        SubQueryStatement::UpdateStatement(s) => s.build(PostgresQueryBuilder),
        SubQueryStatement::DeleteStatement(s) => s.build(PostgresQueryBuilder),
        SubQueryStatement::WithStatement(s) => s.build(PostgresQueryBuilder),
    };
    values.0.len()
}

async fn execute<C: ConnectionTrait>(conn: &C, statement: SubQueryStatement) -> Result<()> {
    match statement {
        SubQueryStatement::SelectStatement(s) => conn.execute(&s).await?,
        SubQueryStatement::InsertStatement(s) => conn.execute(&s).await?,
        SubQueryStatement::UpdateStatement(s) => conn.execute(&s).await?,
        SubQueryStatement::DeleteStatement(s) => conn.execute(&s).await?,
        SubQueryStatement::WithStatement(s) => conn.execute(&s).await?,
    };
    Ok(())
}
