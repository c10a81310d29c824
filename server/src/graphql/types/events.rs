//! What live subscribers receive.

use async_graphql::{Enum, ID, SimpleObject};

use crate::{
    events::MessageEventKind,
    graphql::types::{conversation::ConversationNode, credits::LedgerEntry},
    store::entity::{conversation, credit_ledger},
};

/// Why a message event was sent.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "MessageEventKind")]
pub enum MessageEventKindGql {
    /// A message was stored: inbound from a contact, or outbound from a send.
    NewMessage,
    /// A stored message's status moved forward (sent, delivered, read, played or failed).
    StatusChanged,
}

impl From<MessageEventKind> for MessageEventKindGql {
    fn from(kind: MessageEventKind) -> Self {
        match kind {
            MessageEventKind::NewMessage => Self::NewMessage,
            MessageEventKind::StatusChanged => Self::StatusChanged,
        }
    }
}

/// A message stored or moved, with the message as it is now.
#[derive(SimpleObject, Debug, Clone)]
pub struct MessageEvent {
    /// What happened.
    pub kind: MessageEventKindGql,
    /// The message, as committed.
    pub conversation: ConversationNode,
}

impl MessageEvent {
    /// The event for a committed row.
    pub fn new(kind: MessageEventKind, row: &conversation::Model) -> Self {
        Self { kind: kind.into(), conversation: row.clone().into() }
    }
}

/// A user's balance changed.
#[derive(SimpleObject, Debug, Clone)]
pub struct CreditsEvent {
    /// Whose balance changed.
    pub user_id: ID,
    /// The balance after the change.
    pub balance: i64,
    /// The ledger row recording the change.
    pub entry: LedgerEntry,
}

impl From<&credit_ledger::Model> for CreditsEvent {
    fn from(entry: &credit_ledger::Model) -> Self {
        Self { user_id: ID(entry.user_id.to_string()), balance: entry.balance_after, entry: entry.clone().into() }
    }
}
