//! The vocabulary of messages: direction and the status ladder.

/// Which way a message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From a contact to the business.
    Inbound,
    /// From the business to a contact.
    Outbound,
}

impl Direction {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inbound => "inbound",
            Self::Outbound => "outbound",
        }
    }

    /// Reads the stored word (case-insensitive).
    pub fn parse(word: &str) -> Option<Self> {
        match word.to_ascii_lowercase().as_str() {
            "inbound" => Some(Self::Inbound),
            "outbound" => Some(Self::Outbound),
            _ => None,
        }
    }
}

/// Where a message stands. Statuses only move up the ladder; `Failed` is terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// An inbound message, stored.
    Received,
    /// Taken by Meta's API (the send response).
    Accepted,
    /// Sent by WhatsApp.
    Sent,
    /// On the contact's device.
    Delivered,
    /// Displayed to the contact.
    Read,
    /// A voice note the contact played.
    Played,
    /// Not delivered; keeps Meta's error.
    Failed,
}

impl Status {
    /// Every status, lowest first.
    pub const ALL: [Status; 7] =
        [Self::Received, Self::Accepted, Self::Sent, Self::Delivered, Self::Read, Self::Played, Self::Failed];

    /// The stored word (Meta's word where Meta has one).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Accepted => "accepted",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Read => "read",
            Self::Played => "played",
            Self::Failed => "failed",
        }
    }

    /// Reads a stored or Meta word (case-insensitive).
    pub fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str().eq_ignore_ascii_case(word))
    }

    /// The statuses a message may move up from to reach `self`.
    pub fn predecessors(self) -> impl Iterator<Item = Status> {
        Self::ALL.into_iter().filter(move |s| *s < self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_only_move_up_and_failed_is_terminal() {
        let below_read: Vec<_> = Status::Read.predecessors().collect();
        assert_eq!(below_read, vec![Status::Received, Status::Accepted, Status::Sent, Status::Delivered]);
        assert!(Status::Failed.predecessors().all(|s| s != Status::Failed));
        assert_eq!(Status::Failed.predecessors().count(), 6);
    }

    #[test]
    fn words_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("READ"), Some(Status::Read));
        assert_eq!(Status::parse("deleted"), None);
        assert_eq!(Direction::parse("Inbound"), Some(Direction::Inbound));
    }
}

/// Meta's explanation of a failure, as stored on a message or a status event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ErrorInfo {
    /// Meta's numeric code.
    pub code: Option<i64>,
    /// Meta's title.
    pub title: Option<String>,
    /// Meta's details.
    pub details: Option<String>,
}

impl From<&crate::whatsapp::payload::MetaError> for ErrorInfo {
    fn from(err: &crate::whatsapp::payload::MetaError) -> Self {
        Self {
            code: err.code,
            title: err.title.clone().or_else(|| err.message.clone()),
            details: err.details().map(str::to_owned),
        }
    }
}
