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
    /// The signed-in user, or null for an operator token not tied to a user. Errors:
    /// UNAUTHENTICATED, NOT_FOUND (the token's user no longer exists), UNAVAILABLE.
    async fn me(&self, ctx: &Context<'_>) -> Result<Option<UserNode>> {
        let viewer = viewer(ctx)?;
        let Some(id) = viewer.user_id else {
            return Ok(None);
        };
        Ok(Some(ctx.data::<Domain>()?.user(viewer.scope_for(id)?).await?.into()))
    }

    /// One user (admins: anyone; users: themselves). Errors: UNAUTHENTICATED, BAD_USER_INPUT (`id`
    /// not numeric), FORBIDDEN (another user's id with a user token), NOT_FOUND, UNAVAILABLE.
    async fn user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user's id (`User.id`), a number such as \"42\"; not a phone number.")] id: ID,
    ) -> Result<UserNode> {
        let scope = viewer(ctx)?.scope_for(numeric_id(&id, "id")?)?;
        Ok(ctx.data::<Domain>()?.user(scope).await?.into())
    }

    /// Users whose name, phone or business-scoped id contains `search`, ignoring case (and a
    /// leading `+` before a number), or every user without it, by id (admins only). Errors:
    /// UNAUTHENTICATED, FORBIDDEN (a user token), BAD_USER_INPUT (`first` out of range, `after`
    /// not a cursor of this list), UNAVAILABLE.
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Text that the name, the phone number or the business-scoped id contains, ignoring \
                          case; a leading `+` before a number is ignored. Left out or blank, every user.")]
        search: Option<String>,
        #[graphql(desc = "How many users the page holds: 1 to 100, 50 when left out.")] first: Option<i64>,
        #[graphql(desc = "An `endCursor` (or an edge's `cursor`) from this same list: the page starts after that \
                       item. Left out, the list starts at its beginning.")]
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
