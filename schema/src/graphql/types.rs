//! GraphQL object types, one file per area.

mod municipality;
mod plan;

pub use municipality::MunicipalityNode;
pub use plan::PlanNode;
