//! `conversations`: one row per WhatsApp message, inbound or outbound.

use sea_orm::entity::prelude::*;

/// A row of `conversations`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "conversations")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The contact this message belongs to.
    pub user_id: i64,
    /// Sender: the contact's phone (or business-scoped id) inbound, the business number outbound.
    pub from: String,
    /// Recipient: the business number inbound, the contact outbound.
    pub to: String,
    /// Meta's message id (wamid), unique.
    #[sea_orm(unique)]
    pub message_id: String,
    /// Meta's type name (`text`, `image`, … or any future type).
    #[sea_orm(column_name = "type")]
    pub kind: String,
    /// A readable text for every type.
    pub content: String,
    /// `inbound` or `outbound`.
    pub direction: String,
    /// `received`, `accepted`, `sent`, `delivered`, `read`, `played` or `failed`.
    pub status: String,
    /// The business number's id at Meta.
    pub phone_number_id: String,
    /// The contact's profile name when the message arrived.
    pub contact_name: Option<String>,
    /// The wamid this message replies to or reacts to.
    pub reply_to: Option<String>,
    /// Meta's JSON for this message, as received.
    pub raw: String,
    /// Credits really charged for it.
    pub credits_charged: i64,
    /// Meta's error code, for failed or unsupported messages.
    pub error_code: Option<i64>,
    /// Meta's error title.
    pub error_title: Option<String>,
    /// Meta's error details.
    pub error_details: Option<String>,
    /// Meta's timestamp (unix seconds), used for ordering.
    pub timestamp: i64,
    /// When wagate stored it.
    pub created_at: DateTimeUtc,
    /// For an outbound message: the credit reservation its debit and any refund name.
    pub send_ref: Option<String>,
    /// For a media message: Meta's media id.
    pub media_id: Option<String>,
    /// When wagate last changed it.
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
