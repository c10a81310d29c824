use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, Json, SimpleObject, dataloader::DataLoader};
use chrono::{TimeZone, Utc};

use crate::{
    domain::{
        conversations::ConversationFilter,
        message::{Direction, Status},
    },
    error::AppError,
    graphql::{
        loaders::UserLoader,
        types::{datetime::DateTimeGql, numeric_id, user::UserNode},
    },
    store::entity::conversation,
};

/// Which way a message went.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "Direction")]
pub enum DirectionGql {
    /// From the contact to the business.
    Inbound,
    /// From the business to the contact.
    Outbound,
}

/// Where a message stands; statuses only move forward and FAILED is final.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "MessageStatus")]
pub enum StatusGql {
    /// An inbound message, stored.
    Received,
    /// Taken by Meta's API.
    Accepted,
    /// Sent by WhatsApp.
    Sent,
    /// On the contact's device.
    Delivered,
    /// Displayed to the contact.
    Read,
    /// A voice note the contact played.
    Played,
    /// Not delivered; see `error`.
    Failed,
}

impl From<DirectionGql> for Direction {
    fn from(d: DirectionGql) -> Self {
        match d {
            DirectionGql::Inbound => Self::Inbound,
            DirectionGql::Outbound => Self::Outbound,
        }
    }
}

impl From<StatusGql> for Status {
    fn from(s: StatusGql) -> Self {
        match s {
            StatusGql::Received => Self::Received,
            StatusGql::Accepted => Self::Accepted,
            StatusGql::Sent => Self::Sent,
            StatusGql::Delivered => Self::Delivered,
            StatusGql::Read => Self::Read,
            StatusGql::Played => Self::Played,
            StatusGql::Failed => Self::Failed,
        }
    }
}

fn status_of(word: &str) -> StatusGql {
    match Status::parse(word).unwrap_or(Status::Received) {
        Status::Received => StatusGql::Received,
        Status::Accepted => StatusGql::Accepted,
        Status::Sent => StatusGql::Sent,
        Status::Delivered => StatusGql::Delivered,
        Status::Read => StatusGql::Read,
        Status::Played => StatusGql::Played,
        Status::Failed => StatusGql::Failed,
    }
}

/// Meta's explanation of a failed or unsupported message.
#[derive(SimpleObject, Debug, Clone)]
pub struct MessageError {
    /// Meta's numeric error code (e.g. 131047).
    pub code: Option<i64>,
    /// Meta's title.
    pub title: Option<String>,
    /// Meta's details.
    pub details: Option<String>,
}

/// One WhatsApp message, inbound or outbound.
#[derive(SimpleObject, Debug, Clone)]
#[graphql(name = "Conversation", complex)]
pub struct ConversationNode {
    /// wagate's id of the message row.
    pub id: ID,
    /// The user (contact) the message belongs to.
    pub user_id: ID,
    /// Sender: the contact inbound, the business number outbound.
    pub from: String,
    /// Recipient: the business number inbound, the contact outbound.
    pub to: String,
    /// Meta's message id (wamid).
    pub message_id: String,
    /// Meta's type name: text, image, video, audio, document, sticker, location, contacts,
    /// interactive, button, reaction, order, system, unsupported, or any future type.
    #[graphql(name = "type")]
    pub kind: String,
    /// A readable text for every type (body, caption, file name, place, reply title, emoji…).
    pub content: String,
    /// Which way the message went.
    pub direction: DirectionGql,
    /// Where the message stands.
    pub status: StatusGql,
    /// Meta's timestamp of the message.
    pub timestamp: DateTimeGql,
    /// The business number's id at Meta.
    pub phone_number_id: String,
    /// The contact's profile name when the message arrived.
    pub contact_name: Option<String>,
    /// The message this one replies or reacts to.
    pub reply_to: Option<String>,
    /// Credits charged for this message.
    pub credits_charged: i64,
    /// Meta's media id, for image, video, audio, document and sticker messages; the file is
    /// served by `GET /api/media/{mediaId}` (with the same bearer token).
    pub media_id: Option<String>,
    /// Meta's error, for failed or unsupported messages.
    pub error: Option<MessageError>,
    /// Meta's JSON for the message, as received.
    pub raw: Json<serde_json::Value>,
    /// When wagate stored the message.
    pub created_at: DateTimeGql,
    /// When wagate last changed it (a status moved).
    pub updated_at: DateTimeGql,
}

impl From<conversation::Model> for ConversationNode {
    fn from(c: conversation::Model) -> Self {
        let has_error = c.error_code.is_some() || c.error_title.is_some() || c.error_details.is_some();
        Self {
            id: ID(c.id.to_string()),
            user_id: ID(c.user_id.to_string()),
            direction: if c.direction == "outbound" { DirectionGql::Outbound } else { DirectionGql::Inbound },
            status: status_of(&c.status),
            timestamp: Utc.timestamp_opt(c.timestamp, 0).single().unwrap_or_default().into(),
            error: has_error.then_some(MessageError {
                code: c.error_code,
                title: c.error_title,
                details: c.error_details,
            }),
            raw: Json(serde_json::from_str(&c.raw).unwrap_or(serde_json::Value::Null)),
            from: c.from,
            to: c.to,
            message_id: c.message_id,
            kind: c.kind,
            content: c.content,
            phone_number_id: c.phone_number_id,
            contact_name: c.contact_name,
            reply_to: c.reply_to,
            credits_charged: c.credits_charged,
            media_id: c.media_id,
            created_at: c.created_at.into(),
            updated_at: c.updated_at.into(),
        }
    }
}

#[ComplexObject]
impl ConversationNode {
    /// The user (contact) the message belongs to, with their balance; loaded for a whole page
    /// at once.
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<UserNode> {
        let id = numeric_id(&self.user_id, "userId")?;
        let loader = ctx.data::<DataLoader<UserLoader>>()?;
        let user = loader.load_one(id).await?.ok_or_else(|| AppError::NotFound(format!("no user has id {id}")))?;
        Ok(user.into())
    }
}

/// Narrows a user's messages; every field given must match.
#[derive(InputObject, Debug, Clone, Default)]
#[graphql(name = "ConversationFilter")]
pub struct ConversationFilterInput {
    /// Inbound or outbound only.
    pub direction: Option<DirectionGql>,
    /// Meta's type name, e.g. "image"; blank is no filter.
    #[graphql(name = "type")]
    pub kind: Option<String>,
    /// One status.
    pub status: Option<StatusGql>,
    /// A phone number that is the sender or the recipient; blank is no filter.
    pub contact: Option<String>,
    /// Text contained in the readable content, case-insensitive in every alphabet (on
    /// PostgreSQL, as the database's locale folds case: any UTF-8 locale does); blank is no
    /// filter.
    pub search: Option<String>,
    /// Messages at or after this moment (Meta's timestamp).
    pub since: Option<DateTimeGql>,
    /// Messages before this moment (Meta's timestamp).
    pub until: Option<DateTimeGql>,
}

impl From<ConversationFilterInput> for ConversationFilter {
    fn from(f: ConversationFilterInput) -> Self {
        Self {
            direction: f.direction.map(Into::into),
            kind: f.kind,
            status: f.status.map(Into::into),
            contact: f.contact,
            search: f.search,
            since: f.since.map(|moment| moment.0),
            until: f.until.map(|moment| moment.0),
        }
    }
}
