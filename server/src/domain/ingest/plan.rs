//! A batch laid out in delivery order: every inbound message and status report, tagged with
//! the delivery it came from, and the rows they become.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use serde_json::Value;

use crate::{
    domain::{
        content,
        message::{Direction, ErrorInfo, Status},
        users::ContactIdentity,
    },
    store::entity::{conversation, status_event},
    whatsapp::payload::{InboundMessage, MessagesChange, Notification, StatusUpdate},
};

/// An inbound message and the contact it names.
pub(super) struct Inbound<'a> {
    pub(super) change: &'a MessagesChange,
    pub(super) message: &'a InboundMessage,
    pub(super) who: ContactIdentity<'a>,
}

/// One item of a batch, in the order the old one-statement-per-item path handled them: each
/// delivery in turn, each change's messages, then its statuses.
pub(super) enum Item<'a> {
    Inbound(Inbound<'a>),
    Status(&'a StatusUpdate),
}

/// A batch's items, each with the index of its delivery.
pub(super) struct Plan<'a> {
    pub(super) items: Vec<(usize, Item<'a>)>,
}

impl<'a> Plan<'a> {
    /// Lays out `notifications` (one per delivery, in order).
    pub(super) fn new(notifications: impl IntoIterator<Item = &'a Notification>) -> Self {
        let mut items = Vec::new();
        for (job, notification) in notifications.into_iter().enumerate() {
            for change in &notification.changes {
                for message in &change.messages {
                    items.push((job, Item::Inbound(Inbound { change, message, who: identity(change, message) })));
                }
                items.extend(change.statuses.iter().map(|update| (job, Item::Status(update))));
            }
        }
        Self { items }
    }

    /// The inbound messages, with their positions.
    pub(super) fn inbound(&self) -> impl Iterator<Item = (usize, &Inbound<'a>)> {
        self.items.iter().enumerate().filter_map(|(pos, (_, item))| match item {
            Item::Inbound(inbound) => Some((pos, inbound)),
            Item::Status(_) => None,
        })
    }

    /// The status reports, with their positions.
    pub(super) fn statuses(&self) -> impl Iterator<Item = (usize, &'a StatusUpdate)> {
        self.items.iter().enumerate().filter_map(|(pos, (_, item))| match item {
            Item::Status(update) => Some((pos, *update)),
            Item::Inbound(_) => None,
        })
    }
}

/// Who sent `message`: its own fields, completed from the change's matching contact.
fn identity<'a>(change: &'a MessagesChange, message: &'a InboundMessage) -> ContactIdentity<'a> {
    let contact = change.contacts.iter().find(|c| {
        (message.from.is_some() && c.wa_id == message.from)
            || (message.from_user_id.is_some() && c.user_id == message.from_user_id)
    });
    ContactIdentity {
        phone: message.from.as_deref().or_else(|| contact.and_then(|c| c.wa_id.as_deref())),
        bsuid: message.from_user_id.as_deref().or_else(|| contact.and_then(|c| c.user_id.as_deref())),
        name: contact.and_then(|c| c.name()),
    }
}

/// The stored row of an inbound message.
pub(super) fn inbound_row(
    inbound: &Inbound<'_>,
    user_id: i64,
    credits_charged: i64,
    now: DateTime<Utc>,
) -> conversation::ActiveModel {
    let Inbound { change, message, who } = inbound;
    let raw = &message.raw;
    // A message that lacks its own payload is explained by the change's errors (Meta does this).
    let error = message
        .errors
        .first()
        .or_else(|| raw.get(&message.kind).is_none().then(|| change.errors.first()).flatten())
        .map(ErrorInfo::from)
        .unwrap_or_default();
    let reply_to = raw
        .pointer("/reaction/message_id")
        .or_else(|| raw.pointer("/edit/original_message_id"))
        .or_else(|| raw.pointer("/revoke/original_message_id"))
        .or_else(|| raw.pointer("/context/id"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let business =
        if change.display_phone_number.is_empty() { &change.phone_number_id } else { &change.display_phone_number };
    conversation::ActiveModel {
        user_id: Set(user_id),
        from: Set(who.phone.or(who.bsuid).unwrap_or_default().to_owned()),
        to: Set(business.clone()),
        message_id: Set(message.id.clone()),
        kind: Set(message.kind.clone()),
        content: Set(content::readable(&message.kind, raw)),
        direction: Set(Direction::Inbound.as_str().to_owned()),
        status: Set(Status::Received.as_str().to_owned()),
        phone_number_id: Set(change.phone_number_id.clone()),
        contact_name: Set(who.name.map(str::to_owned)),
        reply_to: Set(reply_to),
        raw: Set(raw.to_string()),
        credits_charged: Set(credits_charged),
        error_code: Set(error.code),
        error_title: Set(error.title),
        error_details: Set(error.details),
        media_id: Set(media_id_of(&message.kind, raw)),
        timestamp: Set(message.timestamp.unwrap_or_else(|| now.timestamp())),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// The stored row of a status report.
pub(super) fn status_row(update: &StatusUpdate, now: DateTime<Utc>) -> status_event::ActiveModel {
    let error = update.errors.first().map(ErrorInfo::from).unwrap_or_default();
    status_event::ActiveModel {
        message_id: Set(update.message_id.clone()),
        status: Set(update.status.to_ascii_lowercase()),
        timestamp: Set(update.timestamp.unwrap_or_else(|| now.timestamp())),
        recipient_id: Set(update.recipient_id.clone()),
        error_code: Set(error.code),
        error_title: Set(error.title),
        error_details: Set(error.details),
        pricing: Set(update.pricing.as_ref().map(ToString::to_string)),
        raw: Set(update.raw.to_string()),
        created_at: Set(now),
        ..Default::default()
    }
}

/// The media id of an image, video, audio, document or sticker message, or of an edit that
/// turns a message into one.
pub(super) fn media_id_of(kind: &str, raw: &Value) -> Option<String> {
    if kind == "edit" {
        return content::edited_message(raw).and_then(|(kind, inner)| media_id_of(kind, inner));
    }
    matches!(kind, "image" | "video" | "audio" | "document" | "sticker")
        .then(|| raw.pointer(&format!("/{kind}/id")).and_then(Value::as_str).map(str::to_owned))
        .flatten()
}
