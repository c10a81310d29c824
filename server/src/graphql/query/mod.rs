//! The query root, merged from one object per area.

mod conversations;
mod credits;
mod users;

use async_graphql::MergedObject;

/// Every query.
#[derive(MergedObject, Default)]
pub struct Query(users::UsersQuery, conversations::ConversationsQuery, credits::CreditsQuery);
