use async_graphql::{Context, Object, Result, SimpleObject};

use crate::{
    domain::send::Sender,
    graphql::{
        auth::viewer,
        types::{conversation::ConversationNode, send_input::SendMessageInput},
    },
};

/// What a send returns.
#[derive(SimpleObject, Debug, Clone)]
pub struct SendMessagePayload {
    /// The stored outbound message (status ACCEPTED, then moving with Meta's statuses).
    pub conversation: ConversationNode,
    /// The recipient's balance after paying for it.
    pub credits_remaining: i64,
}

/// Mutations that send.
#[derive(Default)]
pub struct SendMutation;

#[Object]
impl SendMutation {
    /// Sends a message through Meta (admins only). Errors: BAD_USER_INPUT, INSUFFICIENT_CREDITS,
    /// OUTSIDE_SERVICE_WINDOW, UPSTREAM_ERROR (with Meta's code in `extensions.metaCode`).
    async fn send_message(&self, ctx: &Context<'_>, input: SendMessageInput) -> Result<SendMessagePayload> {
        let viewer = viewer(ctx)?;
        let message = input.into_meta_message()?;
        let sent = ctx.data::<Sender>()?.send(&viewer, message).await?;
        Ok(SendMessagePayload { conversation: sent.conversation.into(), credits_remaining: sent.credits_remaining })
    }

    /// Marks an inbound message (and the ones before it) as read: the contact sees blue ticks
    /// (admins only).
    async fn mark_as_read(&self, ctx: &Context<'_>, message_id: String) -> Result<bool> {
        ctx.data::<Sender>()?.mark_read(&viewer(ctx)?, &message_id).await?;
        Ok(true)
    }
}
