//! The mutation root.

mod send;

use async_graphql::MergedObject;

/// Every mutation.
#[derive(MergedObject, Default)]
pub struct Mutation(send::SendMutation);
