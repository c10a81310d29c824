use async_graphql::{Context, ID, Object, Result};

use crate::{
    domain::Domain,
    graphql::{
        auth::viewer,
        types::{credits::Credits, numeric_id},
    },
};

/// Admin changes to balances.
#[derive(Default)]
pub struct CreditsMutation;

#[Object]
impl CreditsMutation {
    /// Adds (positive `delta`) or removes (negative) credits from a user's balance, with a
    /// reason kept in the ledger as an `adjustment` (admins only). The balance cannot go below
    /// zero: such a change is refused with BAD_USER_INPUT.
    async fn adjust_credits(&self, ctx: &Context<'_>, user_id: ID, delta: i32, reason: String) -> Result<Credits> {
        let viewer = viewer(ctx)?;
        let scope = viewer.scope_for(numeric_id(&user_id, "userId")?)?;
        let user = ctx.data::<Domain>()?.adjust_credits(&viewer, scope.user_id(), delta.into(), &reason).await?;
        Ok(Credits::of(user, scope))
    }
}
