use async_graphql::{Context, ID, Object, Result};

use crate::{
    domain::Domain,
    graphql::{
        auth::viewer,
        types::{credits::Credits, numeric_id},
    },
};

/// Queries about credits.
#[derive(Default)]
pub struct CreditsQuery;

#[Object]
impl CreditsQuery {
    /// A user's balance, allowance, period and ledger; a new month resets the balance first.
    async fn credits(&self, ctx: &Context<'_>, user_id: ID) -> Result<Credits> {
        let scope = viewer(ctx)?.scope_for(numeric_id(&user_id, "userId")?)?;
        let user = ctx.data::<Domain>()?.credits(scope).await?;
        Ok(Credits::of(user, scope))
    }
}
