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
    /// Sends a message through Meta (admins only), paid by the recipient's balance before Meta is
    /// called. Errors: UNAUTHENTICATED; FORBIDDEN (a user token); BAD_USER_INPUT (not exactly one
    /// content field, or a value outside Meta's limits: the message names the field);
    /// INSUFFICIENT_CREDITS and OUTSIDE_SERVICE_WINDOW (a free-form message more than 24 hours
    /// after the contact last wrote; templates pass): nothing sent or charged; RATE_LIMITED (too
    /// many messages to this recipient lately, or no slot in the number's messages per second
    /// before the send's deadline): nothing sent, refunded, retry later; UPSTREAM_ERROR (Meta
    /// refused, with its code in `extensions.metaCode`, or was unreachable or timed out):
    /// refunded, unless `extensions.maybeSent` is true: the message may have gone
    /// out and keeps its charge, so look at the conversation before sending it again;
    /// SENT_NOT_STORED (Meta accepted it, wamid in `extensions.messageId`, but storing it failed):
    /// it was sent, do not send it again; UPSTREAM_ERROR before anything is charged when
    /// `WHATSAPP_TOKEN` or `WHATSAPP_PHONE_NUMBER_ID` is not set; UNAVAILABLE (the database failed
    /// before Meta was called).
    async fn send_message(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The recipient and exactly one content field (text, image, template, …).")]
        input: SendMessageInput,
    ) -> Result<SendMessagePayload> {
        let viewer = viewer(ctx)?;
        let message = input.into_meta_message()?;
        let sent = ctx.data::<Sender>()?.send(&viewer, message).await?;
        Ok(SendMessagePayload { conversation: sent.conversation.into(), credits_remaining: sent.credits_remaining })
    }

    /// Marks an inbound message (and, at Meta, the ones before it) as read: the contact sees blue
    /// ticks (admins only); true once Meta took it. Errors: UNAUTHENTICATED, FORBIDDEN (a user
    /// token), NOT_FOUND (no stored message has this id), BAD_USER_INPUT (a message the business
    /// sent), UPSTREAM_ERROR (Meta refused, with `extensions.metaCode`, or could not be reached;
    /// `extensions.maybeSent` when it may have been marked: marking again is harmless),
    /// UNAVAILABLE.
    async fn mark_as_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Meta's id (wamid) of a stored inbound message, as in `Conversation.messageId`.")]
        message_id: String,
    ) -> Result<bool> {
        ctx.data::<Sender>()?.mark_read(&viewer(ctx)?, &message_id).await?;
        Ok(true)
    }
}
