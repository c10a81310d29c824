//! Keyset pagination: opaque cursors that name the last row seen, never an offset.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::error::AppError;

/// The largest page a caller may ask for.
pub const MAX_PAGE_SIZE: u64 = 100;
/// The page size when none is asked for.
pub const DEFAULT_PAGE_SIZE: u64 = 50;

/// Position in a list ordered by (timestamp, id), newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeCursor {
    /// Meta's timestamp of the last row seen.
    pub timestamp: i64,
    /// Its id, which breaks ties.
    pub id: i64,
}

/// Position in a list ordered by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdCursor(pub i64);

impl TimeCursor {
    /// The opaque text handed to clients.
    pub fn encode(self) -> String {
        URL_SAFE_NO_PAD.encode(format!("t:{}:{}", self.timestamp, self.id))
    }

    /// Reads a cursor this server handed out.
    pub fn decode(text: &str) -> Result<Self, AppError> {
        let raw = decode_raw(text)?;
        let mut parts = raw.strip_prefix("t:").unwrap_or_default().splitn(2, ':');
        match (parts.next().and_then(|t| t.parse().ok()), parts.next().and_then(|i| i.parse().ok())) {
            (Some(timestamp), Some(id)) => Ok(Self { timestamp, id }),
            _ => Err(bad_cursor()),
        }
    }
}

impl IdCursor {
    /// The opaque text handed to clients.
    pub fn encode(self) -> String {
        URL_SAFE_NO_PAD.encode(format!("i:{}", self.0))
    }

    /// Reads a cursor this server handed out.
    pub fn decode(text: &str) -> Result<Self, AppError> {
        decode_raw(text)?.strip_prefix("i:").and_then(|id| id.parse().ok()).map(Self).ok_or_else(bad_cursor)
    }
}

fn decode_raw(text: &str) -> Result<String, AppError> {
    URL_SAFE_NO_PAD.decode(text.trim()).ok().and_then(|bytes| String::from_utf8(bytes).ok()).ok_or_else(bad_cursor)
}

fn bad_cursor() -> AppError {
    AppError::BadInput("`after` is not a cursor from this list; pass an `endCursor` you were given".into())
}

/// Checks a requested page size against the limits.
pub fn page_size(first: Option<i64>) -> Result<u64, AppError> {
    match first {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(n) if (1..=MAX_PAGE_SIZE as i64).contains(&n) => Ok(n as u64),
        Some(n) => Err(AppError::BadInput(format!("`first` must be between 1 and {MAX_PAGE_SIZE}, got {n}"))),
    }
}

/// One page of rows and whether more follow.
#[derive(Debug)]
pub struct Page<T> {
    /// The rows, in list order.
    pub rows: Vec<T>,
    /// Whether another page follows the last row.
    pub has_next_page: bool,
}

impl<T> Page<T> {
    /// Builds a page from up to `size + 1` fetched rows (the extra one only proves there is more).
    pub fn from_overfetch(mut rows: Vec<T>, size: u64) -> Self {
        let has_next_page = rows.len() as u64 > size;
        rows.truncate(size as usize);
        Self { rows, has_next_page }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_do_not_mix() {
        let t = TimeCursor { timestamp: 1_700_000_000, id: 42 };
        assert_eq!(TimeCursor::decode(&t.encode()).unwrap(), t);
        assert_eq!(IdCursor::decode(&IdCursor(9).encode()).unwrap(), IdCursor(9));
        assert!(TimeCursor::decode(&IdCursor(9).encode()).is_err());
        assert!(IdCursor::decode("not-a-cursor!").is_err());
    }

    #[test]
    fn page_size_is_bounded() {
        assert_eq!(page_size(None).unwrap(), DEFAULT_PAGE_SIZE);
        assert_eq!(page_size(Some(100)).unwrap(), 100);
        assert_eq!(page_size(Some(0)).unwrap_err().code(), "BAD_USER_INPUT");
        assert_eq!(page_size(Some(101)).unwrap_err().code(), "BAD_USER_INPUT");
    }

    #[test]
    fn overfetch_tells_whether_more_follow() {
        let page = Page::from_overfetch(vec![1, 2, 3], 2);
        assert_eq!(page.rows, vec![1, 2]);
        assert!(page.has_next_page);
        assert!(!Page::from_overfetch(vec![1, 2], 2).has_next_page);
    }
}
