//! GraphQL types, written for the API and converted from the storage rows.

pub mod conversation;
pub mod credits;
pub mod datetime;
pub mod events;
pub mod page;
pub mod send_input;
pub mod user;

use async_graphql::ID;

use crate::error::AppError;

/// Reads an `ID` argument that must be a numeric id.
pub fn numeric_id(id: &ID, argument: &str) -> Result<i64, AppError> {
    id.parse().map_err(|_| AppError::BadInput(format!("`{argument}` must be a numeric id, got `{}`", id.as_str())))
}
