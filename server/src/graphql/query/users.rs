use async_graphql::{Context, ID, Object, Result};

use crate::{
    domain::Domain,
    graphql::{
        auth::viewer,
        types::{numeric_id, page::Page, user::UserNode},
    },
    store::pagination::{IdCursor, page_size},
};

/// Queries about users.
#[derive(Default)]
pub struct UsersQuery;

#[Object]
impl UsersQuery {
    /// The signed-in user, or null for an operator token not tied to a user.
    async fn me(&self, ctx: &Context<'_>) -> Result<Option<UserNode>> {
        let viewer = viewer(ctx)?;
        let Some(id) = viewer.user_id else {
            return Ok(None);
        };
        Ok(Some(ctx.data::<Domain>()?.user(viewer.scope_for(id)?).await?.into()))
    }

    /// One user (admins: anyone; users: themselves).
    async fn user(&self, ctx: &Context<'_>, id: ID) -> Result<UserNode> {
        let scope = viewer(ctx)?.scope_for(numeric_id(&id, "id")?)?;
        Ok(ctx.data::<Domain>()?.user(scope).await?.into())
    }

    /// Users whose name, phone or business-scoped id contains `search`, ignoring case (and a leading `+` before a number), by id (admins only).
    async fn users(
        &self,
        ctx: &Context<'_>,
        search: Option<String>,
        first: Option<i64>,
        after: Option<String>,
    ) -> Result<Page<UserNode>> {
        let viewer = viewer(ctx)?;
        let size = page_size(first)?;
        let after = after.as_deref().map(IdCursor::decode).transpose()?;
        let page = ctx.data::<Domain>()?.users(&viewer, search.as_deref(), size, after).await?;
        let items = page.rows.into_iter().map(|u| (IdCursor(u.id).encode(), u.into()));
        Ok(Page::new(items, after.is_some(), page.has_next_page))
    }
}
