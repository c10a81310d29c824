//! Sending: one service behind every door (REST and GraphQL).
//!
//! Order of work: check the message → in one transaction, check the 24-hour window and the
//! balance and reserve the price (a ledger row) → wait for the number's slot → call Meta →
//! store the accepted message, or refund the reservation when Meta did not take it. Nothing is
//! sent or charged for a message that fails a check, and concurrent sends can never overdraw a
//! balance (the reservation is taken under the user's row lock). The reservation, the stored
//! message and the refund are each group-committed with those of concurrent sends (see
//! `write_batcher`).
//!
//! A send whose request reached Meta without a usable answer (a timeout, an unreadable
//! success) may have gone out: it keeps its charge, and its error says so (`maybe_sent`), since
//! a caller told "not sent" would send it again.
//!
//! A send runs to its end in a task of its own, even when its caller hangs up, so a charge is
//! never left without its stored message or its refund. A refund the store cannot write at once
//! is retried in the background until it is written.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::Value;

use crate::{
    auth::Viewer,
    config::WhatsAppConfig,
    error::{AppError, UpstreamError},
    store::entity::conversation,
    whatsapp::{
        client::{Accepted, GraphApi, GraphError},
        outbound::{self, OutboundRequest},
        pacing::Pacer,
    },
};

use super::{
    Domain,
    message::Direction,
    outbound::OutboundMessage,
    reservations::{Reservation, Reserve},
};

/// The first wait before a refund the store refused is tried again.
const REFUND_RETRY_FIRST_WAIT: Duration = Duration::from_secs(1);
/// The longest wait between two tries of a refund.
const REFUND_RETRY_MAX_WAIT: Duration = Duration::from_secs(60);
/// How long a refund is tried before it is given up (and logged as an error).
const REFUND_RETRY_FOR: Duration = Duration::from_secs(24 * 3600);

/// Sends messages through Meta's Graph API with the rules applied.
#[derive(Clone, Debug)]
pub struct Sender {
    domain: Domain,
    graph: Arc<dyn GraphApi>,
    pacer: Arc<Pacer>,
    phone_number_id: String,
    business_number: Arc<Mutex<BusinessNumber>>,
    enforce_window: bool,
    deadline: Duration,
}

/// What is known of the business number as contacts see it (the display number of an inbound
/// message to this phone number id). It never changes, so it is learnt once; until then, each
/// look-up reads only the rows stored since the last one.
#[derive(Debug, Default)]
struct BusinessNumber {
    learnt: Option<String>,
    checked_up_to: i64,
}

/// A message Meta accepted and wagate stored.
#[derive(Debug, Clone)]
pub struct Sent {
    /// The stored outbound message.
    pub conversation: conversation::Model,
    /// Meta's response, as legacy clients expect it.
    pub response: Value,
    /// The recipient's balance after paying.
    pub credits_remaining: i64,
}

impl Sender {
    /// A sender through `graph`, with the configured number, window rule and pacing.
    pub fn new(domain: Domain, graph: Arc<dyn GraphApi>, config: &WhatsAppConfig) -> Self {
        Self {
            domain,
            graph,
            pacer: Arc::new(Pacer::new(config.pacing)),
            phone_number_id: config.phone_number_id.clone().unwrap_or_default(),
            business_number: Arc::default(),
            enforce_window: config.enforce_service_window,
            deadline: config.send_timeout,
        }
    }

    /// Counts the messages the business number has just received against its throughput,
    /// which Meta's limit includes; `received` is by business number id, as ingest reports it.
    pub fn count_received(&self, received: &BTreeMap<String, usize>) {
        if let Some(&messages) = received.get(&self.phone_number_id) {
            self.pacer.count_received(messages);
        }
    }

    /// Sends Meta's message object (as legacy clients post it) on behalf of `viewer`, and
    /// counts how the send ended.
    pub async fn send(&self, viewer: &Viewer, message: Value) -> Result<Sent, AppError> {
        let (sender, viewer) = (self.clone(), *viewer);
        let sending = tokio::spawn(async move {
            let result = sender.send_checked(&viewer, message).await;
            let (outcome, meta_code) = outcome_of(&result);
            sender.domain.metrics.send_finished(&outcome, meta_code);
            result
        });
        match sending.await {
            Ok(result) => result,
            Err(stopped) => match stopped.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                // Only a runtime shutting down cancels the task, and no one waits for this answer then.
                Err(cancelled) => Err(AppError::Unavailable(sea_orm::DbErr::Custom(cancelled.to_string()))),
            },
        }
    }

    async fn send_checked(&self, viewer: &Viewer, message: Value) -> Result<Sent, AppError> {
        viewer.require_admin()?;
        let request = outbound::validate(message)?;
        self.graph.check_configured().map_err(|e| upstream(e, "nothing was sent or charged"))?;
        self.pacer.take_pair_token(&request.to).map_err(|wait| {
            AppError::RateLimited(format!(
                "too many messages to {} in a short time (Meta's pair rate limit); retry in {} s",
                request.to,
                wait.as_secs().max(1)
            ))
        })?;
        let reservation = match self.reserve(&request).await {
            Ok(reservation) => reservation,
            Err(refusal) => {
                self.pacer.give_back_pair_token(&request.to);
                return Err(refusal);
            }
        };
        let asked_for_slot = Instant::now();
        if let Err(wait) = self.pacer.wait_for_slot(self.deadline).await {
            self.pacer.give_back_pair_token(&request.to);
            let refunded = self.refund(reservation).await;
            return Err(AppError::RateLimited(format!(
                "the business number's messages per second (WHATSAPP_MAX_MPS) are taken for the next {} ms, \
                 longer than the send's deadline (WHATSAPP_SEND_TIMEOUT_MS); nothing was sent and {refunded}; \
                 retry in a second",
                wait.as_millis()
            )));
        }
        self.domain.metrics.observe_pacing_wait(asked_for_slot.elapsed());
        match self.graph.send_message(&request.body, &self.pacer).await {
            Ok(accepted) => {
                let message_id = accepted.message_id.clone();
                self.store_sent(request, &reservation, accepted)
                    .await
                    .map_err(|cause| AppError::SentNotStored(message_id, Box::new(cause)))
            }
            Err(error) if error.may_have_been_taken() => Err(upstream(
                error,
                "the message may have been sent, so its credits were kept; check the conversation before sending \
                 it again",
            )),
            Err(error) => {
                self.pacer.give_back_pair_token(&request.to);
                let refunded = self.refund(reservation).await;
                Err(upstream(error, &format!("the message was not sent and {refunded}")))
            }
        }
    }

    /// Stores a message Meta accepted, paid by `reservation`.
    async fn store_sent(
        &self,
        request: OutboundRequest,
        reservation: &Reservation,
        accepted: Accepted,
    ) -> Result<Sent, AppError> {
        let stored = self
            .domain
            .record_outbound(OutboundMessage {
                message_id: accepted.message_id,
                from: self.business_number().await?,
                phone_number_id: self.phone_number_id.clone(),
                to: request.to,
                kind: request.kind,
                raw: request.body,
                credits_charged: reservation.price,
                send_ref: Some(reservation.reference.clone()),
            })
            .await?;
        Ok(Sent { conversation: stored, response: accepted.response, credits_remaining: reservation.balance_after })
    }

    /// Marks a stored inbound message as read at Meta (admins only).
    pub async fn mark_read(&self, viewer: &Viewer, message_id: &str) -> Result<(), AppError> {
        viewer.require_admin()?;
        let stored = conversation::Entity::find()
            .filter(conversation::Column::MessageId.eq(message_id))
            .one(self.domain.db())
            .await?
            .ok_or_else(|| AppError::NotFound(format!("no stored message has id {message_id}")))?;
        if stored.direction != Direction::Inbound.as_str() {
            return Err(AppError::BadInput(format!(
                "{message_id} is a message the business sent; only inbound messages are marked read"
            )));
        }
        self.graph.mark_read(message_id).await.map_err(|e| match e.may_have_been_taken() {
            true => upstream(e, "it may have been marked; marking it again is harmless"),
            false => upstream(e, "nothing was marked"),
        })
    }

    async fn reserve(&self, request: &OutboundRequest) -> Result<Reservation, AppError> {
        let price = self.domain.prices.price_of(&request.kind);
        let reserve =
            Reserve { to: request.to.clone(), kind: request.kind.clone(), price, enforce_window: self.enforce_window };
        let reservation = self.domain.reserve(reserve).await?;
        self.domain.metrics.outbound_charged(price);
        Ok(reservation)
    }

    /// Gives a reservation back, and says how: at once, or (when the store fails) by a task
    /// that tries again until it is written.
    async fn refund(&self, reservation: Reservation) -> &'static str {
        match self.try_refund(reservation.clone()).await {
            Ok(()) => "its credits were refunded",
            Err(error) => {
                tracing::warn!(error = %error.message(), reference = %reservation.reference, "a refund could not be written; retrying it");
                let sender = self.clone();
                tokio::spawn(async move { sender.refund_until_written(reservation).await });
                "its credits will be refunded as soon as the database answers again"
            }
        }
    }

    async fn try_refund(&self, reservation: Reservation) -> Result<(), AppError> {
        if reservation.price == 0 {
            return Ok(());
        }
        let price = reservation.price;
        if self.domain.refund(reservation).await? {
            self.domain.metrics.refunded(price);
        }
        Ok(())
    }

    /// Tries a refund again, waiting twice as long each time (1 s, at most a minute between
    /// tries), for a day; the ledger's one refund per reference keeps a retry from paying twice.
    async fn refund_until_written(&self, reservation: Reservation) {
        let mut wait = REFUND_RETRY_FIRST_WAIT;
        let give_up = Instant::now() + REFUND_RETRY_FOR;
        loop {
            tokio::time::sleep(wait).await;
            match self.try_refund(reservation.clone()).await {
                Ok(()) => return tracing::info!(reference = %reservation.reference, "a delayed refund was written"),
                Err(error) if Instant::now() >= give_up => {
                    return tracing::error!(
                        error = %error.message(),
                        reference = %reservation.reference,
                        user_id = reservation.user_id,
                        credits = reservation.price,
                        "a refund could not be written for a day and is given up: give the credits back with \
                         adjustCredits"
                    );
                }
                Err(error) => {
                    tracing::warn!(error = %error.message(), reference = %reservation.reference, "a refund failed again");
                }
            }
            wait = (wait * 2).min(REFUND_RETRY_MAX_WAIT);
        }
    }

    /// The business number as contacts see it: learnt from an inbound message to this number,
    /// else its phone number id. (On PostgreSQL a row committed out of id order can be passed
    /// over; the next inbound message teaches the number then.)
    async fn business_number(&self) -> Result<String, AppError> {
        let checked_up_to = {
            let known = self.business_number.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(number) = &known.learnt {
                return Ok(number.clone());
            }
            known.checked_up_to
        };
        let newest: Option<i64> = conversation::Entity::find()
            .select_only()
            .expr(conversation::Column::Id.max())
            .into_tuple()
            .one(self.domain.db())
            .await?
            .flatten();
        let newest = newest.unwrap_or_default();
        let seen = conversation::Entity::find()
            .filter(conversation::Column::Id.gt(checked_up_to))
            .filter(conversation::Column::Id.lte(newest))
            .filter(conversation::Column::PhoneNumberId.eq(&self.phone_number_id))
            .filter(conversation::Column::Direction.eq(Direction::Inbound.as_str()))
            .order_by_desc(conversation::Column::Id)
            .one(self.domain.db())
            .await?;
        let mut known = self.business_number.lock().unwrap_or_else(PoisonError::into_inner);
        match seen {
            Some(row) => {
                known.learnt = Some(row.to.clone());
                Ok(row.to)
            }
            None => {
                known.checked_up_to = known.checked_up_to.max(newest);
                Ok(self.phone_number_id.clone())
            }
        }
    }
}

/// The `outcome` and `meta_code` labels of a finished send: `sent`, `timeout`, `upstream_error`
/// (with Meta's code when Meta answered with one), or the caller's error code in lower case.
fn outcome_of(result: &Result<Sent, AppError>) -> (String, Option<i64>) {
    match result {
        Ok(_) => ("sent".into(), None),
        Err(AppError::Upstream(e)) if e.status == axum::http::StatusCode::GATEWAY_TIMEOUT => ("timeout".into(), None),
        Err(AppError::Upstream(e)) => ("upstream_error".into(), e.meta_code),
        Err(other) => (other.code().to_ascii_lowercase(), None),
    }
}

fn upstream(error: GraphError, outcome: &str) -> AppError {
    use axum::http::StatusCode;
    let (status, meta_code, fbtrace_id) = match &error {
        GraphError::Refused(r) => (StatusCode::BAD_GATEWAY, Some(r.code), r.fbtrace_id.clone()),
        GraphError::NotConfigured(_) => (StatusCode::SERVICE_UNAVAILABLE, None, None),
        GraphError::Timeout(_) => (StatusCode::GATEWAY_TIMEOUT, None, None),
        GraphError::Unreachable(_) | GraphError::BadResponse(_) => (StatusCode::BAD_GATEWAY, None, None),
    };
    let detail = match &error {
        GraphError::Refused(r) => r.details.as_deref().map(|d| format!(" ({d})")).unwrap_or_default(),
        _ => String::new(),
    };
    AppError::Upstream(UpstreamError {
        status,
        message: format!("{error}{detail}; {outcome}"),
        meta_code,
        fbtrace_id,
        maybe_sent: error.may_have_been_taken(),
    })
}
