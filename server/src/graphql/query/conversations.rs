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
    /// A user's messages, newest first, filtered, paginated by cursor.
    async fn conversations(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        filter: Option<ConversationFilterInput>,
        first: Option<i64>,
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

    /// The whole conversation between a user and one contact number, oldest first
    /// (the latest `last` messages, at most 1000).
    async fn thread(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        contact: String,
        #[graphql(default = 200)] last: i64,
    ) -> Result<Vec<ConversationNode>> {
        let scope = viewer(ctx)?.scope_for(numeric_id(&user_id, "userId")?)?;
        let last = u64::try_from(last).ok().filter(|n| (1..=MAX_THREAD).contains(n)).ok_or_else(|| {
            crate::error::AppError::BadInput(format!("`last` must be between 1 and {MAX_THREAD}, got {last}"))
        })?;
        let rows = ctx.data::<Domain>()?.thread(scope, &contact, last).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}
