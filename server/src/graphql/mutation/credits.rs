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
    /// reason kept in the ledger as an `adjustment` (admins only). Errors: UNAUTHENTICATED,
    /// FORBIDDEN (a user token), BAD_USER_INPUT (`userId` not numeric, `delta` zero or taking the
    /// balance below zero, `reason` blank or too long), NOT_FOUND (no such user), UNAVAILABLE.
    async fn adjust_credits(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Whose balance: the user's id (`User.id`), a number such as \"42\".")] user_id: ID,
        #[graphql(desc = "The credits to add (positive) or remove (negative); not zero. A removal may take \
                          the balance down to zero, not below.")]
        delta: i32,
        #[graphql(desc = "Why, kept as the ledger entry's `note`: 1 to 500 characters once trimmed.")] reason: String,
    ) -> Result<Credits> {
        let viewer = viewer(ctx)?;
        let scope = viewer.scope_for(numeric_id(&user_id, "userId")?)?;
        let user = ctx.data::<Domain>()?.adjust_credits(&viewer, scope.user_id(), delta.into(), &reason).await?;
        Ok(Credits::of(user, scope))
    }
}
