//! The mutation root.

mod account;
mod credits;
mod send;
mod users;

use async_graphql::MergedObject;

/// Every mutation.
#[derive(MergedObject, Default)]
pub struct Mutation(send::SendMutation, account::AccountMutation, credits::CreditsMutation, users::UsersMutation);
