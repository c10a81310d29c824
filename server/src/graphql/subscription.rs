//! The subscription root: live message and credit events over `/graphql/ws`.

use async_graphql::{Context, ID, Result, Subscription, futures_util::Stream};

use crate::{
    domain::Domain,
    error::AppError,
    events::{LiveEvent, Received, Subscriber},
    graphql::{
        auth::viewer,
        shared_subscriptions::{PreparedSubscriber, lagged, missed},
        types::{
            events::{CreditsEvent, MessageEvent},
            numeric_id,
        },
    },
};

/// Every subscription.
#[derive(Default)]
pub struct Subscription;

/// Every subscription, served on `/graphql/ws`.
#[Subscription]
impl Subscription {
    /// New messages and status changes as they are committed: one user's, or, for admins who
    /// leave out `userId`, everyone's. A user may only follow their own. Errors at the start:
    /// UNAUTHENTICATED, BAD_USER_INPUT (`userId` not numeric), FORBIDDEN, NOT_FOUND (no such
    /// user); while it runs: LAGGED
    /// (it fell behind or may have missed events; it keeps receiving and should re-query what it
    /// shows).
    async fn message_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Whose events: the user's id (`User.id`), a number such as \"42\". Left out, everyone's \
                          for an admin token and the token's own user's for a user token; another user's id \
                          with a user token is FORBIDDEN.")]
        user_id: Option<ID>,
    ) -> Result<impl Stream<Item = Result<MessageEvent>> + use<>> {
        let audience = Audience::of(ctx, user_id.as_ref()).await?;
        Ok(live(subscriber(ctx)?, audience, |event| match event {
            LiveEvent::Message { kind, conversation } => Some(MessageEvent::new(*kind, conversation)),
            LiveEvent::Credits(_) => None,
        }))
    }

    /// Balance changes as they are committed, each with its ledger row: one user's, or, for
    /// admins who leave out `userId`, everyone's. Same rules and errors as `messageEvents`.
    async fn credits_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Whose events: the user's id (`User.id`), a number such as \"42\". Left out, everyone's \
                          for an admin token and the token's own user's for a user token; another user's id \
                          with a user token is FORBIDDEN.")]
        user_id: Option<ID>,
    ) -> Result<impl Stream<Item = Result<CreditsEvent>> + use<>> {
        let audience = Audience::of(ctx, user_id.as_ref()).await?;
        Ok(live(subscriber(ctx)?, audience, |event| match event {
            LiveEvent::Credits(entry) => Some(CreditsEvent::from(entry.as_ref())),
            LiveEvent::Message { .. } => None,
        }))
    }
}

/// Whose events a subscription receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Audience {
    Everyone,
    User(i64),
}

impl Audience {
    /// Admins may follow anyone or everyone; a user only themselves (their own id, or none). A
    /// user named who does not exist is `NOT_FOUND`, as over HTTP.
    async fn of(ctx: &Context<'_>, user_id: Option<&ID>) -> Result<Self> {
        let viewer = viewer(ctx)?;
        if let Some(id) = user_id {
            let scope = viewer.scope_for(numeric_id(id, "userId")?)?;
            ctx.data::<Domain>()?.require_user(scope).await?;
            return Ok(Self::User(scope.user_id()));
        }
        match viewer.user_id {
            _ if viewer.require_admin().is_ok() => Ok(Self::Everyone),
            Some(own) => Ok(Self::User(own)),
            None => Err(AppError::Forbidden(
                "this token names no user: pass `userId`, or use an admin token to follow everyone".into(),
            )
            .into()),
        }
    }

    fn includes(self, event: &LiveEvent) -> bool {
        match self {
            Self::Everyone => true,
            Self::User(id) => event.user_id() == id,
        }
    }
}

/// The bus subscriber prepared when the subscription started (see [`PreparedSubscriber`]), or a
/// new one.
fn subscriber(ctx: &Context<'_>) -> Result<Subscriber> {
    match ctx.data_opt::<PreparedSubscriber>().and_then(PreparedSubscriber::take) {
        Some(prepared) => Ok(prepared),
        None => Ok(ctx.data::<Domain>()?.events().subscribe()),
    }
}

/// The stream of `audience`'s events that `pick` turns into items, with a `LAGGED` error
/// whenever the subscriber fell behind.
fn live<T>(
    subscriber: Subscriber,
    audience: Audience,
    pick: fn(&LiveEvent) -> Option<T>,
) -> impl Stream<Item = Result<T>> + use<T> {
    async_graphql::futures_util::stream::unfold(subscriber, move |mut subscriber| async move {
        loop {
            match subscriber.next().await? {
                Received::Event(event) if audience.includes(&event) => {
                    if let Some(item) = pick(&event) {
                        return Some((Ok(item), subscriber));
                    }
                }
                Received::Event(_) => {}
                Received::Lagged(missed) => return Some((Err(lagged(missed).into()), subscriber)),
                Received::Missed => return Some((Err(missed().into()), subscriber)),
            }
        }
    })
}
