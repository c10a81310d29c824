use async_graphql::{Context, ID, Object, Result};

use crate::{
    domain::{Domain, conversations::MAX_THREAD},
    graphql::{
        auth::viewer,
        types::{
            conversation::{ConversationFilterInput, ConversationNode},
            numeric_id,
            page::Page,
        },
    },
    store::pagination::{TimeCursor, page_size},
};

/// Queries about messages.
#[derive(Default)]
pub struct ConversationsQuery;

#[Object]
impl ConversationsQuery {
    /// A user's messages, newest first (by Meta's timestamp), filtered, paginated by cursor.
    /// Errors: UNAUTHENTICATED, BAD_USER_INPUT (`userId` not numeric, `first` out of range,
    /// `after` not a cursor of this list, a malformed `DateTime` or enum in `filter`), FORBIDDEN
    /// (another user's id with a user token), NOT_FOUND (no such user), UNAVAILABLE.
    async fn conversations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Whose messages: the user's id (`User.id`), a number such as \"42\". A user token may \
                          only give its own.")]
        user_id: ID,
        #[graphql(desc = "Narrows the list; every field given must match. Left out, every message of the user.")]
        filter: Option<ConversationFilterInput>,
        #[graphql(desc = "How many messages the page holds: 1 to 100, 50 when left out.")] first: Option<i64>,
        #[graphql(desc = "An `endCursor` (or an edge's `cursor`) from this same list: the page starts after that \
                          item. Left out, the list starts at its beginning.")]
        after: Option<String>,
    ) -> Result<Page<ConversationNode>> {
        let scope = viewer(ctx)?.scope_for(numeric_id(&user_id, "userId")?)?;
        let size = page_size(first)?;
        let after = after.as_deref().map(TimeCursor::decode).transpose()?;
        let filter = filter.unwrap_or_default().into();
        let page = ctx.data::<Domain>()?.conversations(scope, &filter, size, after).await?;
        let items = page.rows.into_iter().map(|c| (TimeCursor { timestamp: c.timestamp, id: c.id }.encode(), c.into()));
        Ok(Page::new(items, after.is_some(), page.has_next_page))
    }

    /// The whole conversation between a user and one number, oldest first (the latest `last`
    /// messages, at most 1000), not paginated. Errors: UNAUTHENTICATED, BAD_USER_INPUT (`userId`
    /// not numeric, `last` out of range), FORBIDDEN (another user's id with a user token),
    /// NOT_FOUND (no such user), UNAVAILABLE.
    async fn thread(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Whose messages: the user's id (`User.id`), a number such as \"42\". A user token may \
                          only give its own.")]
        user_id: ID,
        #[graphql(desc = "A phone number the messages were sent from or to, as digits (a leading `+` and \
                          surrounding spaces are ignored; otherwise it must match exactly): the contact's own \
                          number gives all their messages, a business number only those exchanged with it.")]
        contact: String,
        #[graphql(default = 200, desc = "How many of the latest messages to return: 1 to 1000, 200 when left out.")]
        last: i64,
    ) -> Result<Vec<ConversationNode>> {
        let scope = viewer(ctx)?.scope_for(numeric_id(&user_id, "userId")?)?;
        let last = u64::try_from(last).ok().filter(|n| (1..=MAX_THREAD).contains(n)).ok_or_else(|| {
            crate::error::AppError::BadInput(format!("`last` must be between 1 and {MAX_THREAD}, got {last}"))
        })?;
        let rows = ctx.data::<Domain>()?.thread(scope, &contact, last).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}
