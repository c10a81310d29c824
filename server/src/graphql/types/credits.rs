use async_graphql::{ComplexObject, Context, ID, Result, SimpleObject, dataloader::DataLoader};

use crate::{
    auth::UserScope,
    domain::{Domain, SEND_REFERENCE_PREFIX},
    graphql::loaders::SentMessageLoader,
    graphql::types::{datetime::DateTimeGql, page::Page},
    store::{
        entity::{credit_ledger, user},
        pagination::{IdCursor, page_size},
    },
};

/// One change of a balance; the ledger is append-only.
#[derive(SimpleObject, Debug, Clone)]
#[graphql(complex)]
pub struct LedgerEntry {
    /// The entry's id; the ledger's order.
    pub id: ID,
    /// The change (negative for a charge).
    pub delta: i64,
    /// inbound, outbound, refund, monthly_reset or adjustment.
    pub reason: String,
    /// What pairs a charge with its refund: for an `inbound` charge, the message's wamid; for an
    /// `outbound` charge and its `refund`, the send's reference (`send:` and a UUID), which the
    /// message stored for that send carries too; null for `monthly_reset` and `adjustment`.
    pub reference: Option<String>,
    /// The balance right after this change.
    pub balance_after: i64,
    /// The period (`YYYY-MM`) it belongs to.
    pub period: String,
    /// Free text (a reason, a merge).
    pub note: Option<String>,
    /// When it happened.
    pub created_at: DateTimeGql,
}

impl From<credit_ledger::Model> for LedgerEntry {
    fn from(e: credit_ledger::Model) -> Self {
        Self {
            id: ID(e.id.to_string()),
            delta: e.delta,
            reason: e.reason,
            reference: e.message_id,
            balance_after: e.balance_after,
            period: e.period,
            note: e.note,
            created_at: e.created_at.into(),
        }
    }
}

#[ComplexObject]
impl LedgerEntry {
    /// The wamid of the message that caused it: the inbound message charged, or the message a
    /// send paid for once Meta accepted it (null while the send is on its way, and for a send
    /// Meta never took); null for `monthly_reset` and `adjustment`.
    async fn message_id(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        match &self.reference {
            Some(send) if send.starts_with(SEND_REFERENCE_PREFIX) => {
                Ok(ctx.data::<DataLoader<SentMessageLoader>>()?.load_one(send.clone()).await?)
            }
            other => Ok(other.clone()),
        }
    }
}

/// A user's credits: the balance of the current period and the ledger behind it.
#[derive(SimpleObject, Debug, Clone)]
#[graphql(complex)]
pub struct Credits {
    /// Whose credits these are.
    pub user_id: ID,
    /// The balance; never negative.
    pub balance: i64,
    /// What each new period resets the balance to.
    pub monthly_allowance: i64,
    /// The period (`YYYY-MM`, UTC) the balance belongs to.
    pub period: String,
    #[graphql(skip)]
    pub scope: UserScope,
}

impl Credits {
    /// The credits of `user`, whose ledger `scope` lets the viewer read.
    pub fn of(user: user::Model, scope: UserScope) -> Self {
        Self {
            user_id: ID(user.id.to_string()),
            balance: user.current_month_credits,
            monthly_allowance: user.monthly_allowance,
            period: user.credits_period,
            scope,
        }
    }
}

#[ComplexObject]
impl Credits {
    /// The ledger, newest first, paginated by cursor. Errors: BAD_USER_INPUT (`first` out of
    /// range, `after` not a cursor of this list), UNAVAILABLE. The field is non-null, so its error
    /// nulls the `Credits` that holds it too: under the `credits` query, `data` itself.
    async fn ledger(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many entries the page holds: 1 to 100, 50 when left out.")] first: Option<i64>,
        #[graphql(desc = "An `endCursor` (or an edge's `cursor`) from this same list: the page starts after that \
                          item. Left out, the list starts at its beginning.")]
        after: Option<String>,
    ) -> Result<Page<LedgerEntry>> {
        let size = page_size(first)?;
        let after = after.as_deref().map(IdCursor::decode).transpose()?;
        let page = ctx.data::<Domain>()?.ledger(self.scope, size, after).await?;
        let items = page.rows.into_iter().map(|e| (IdCursor(e.id).encode(), e.into()));
        Ok(Page::new(items, after.is_some(), page.has_next_page))
    }
}
