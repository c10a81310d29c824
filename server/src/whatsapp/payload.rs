//! Webhook notifications: the envelope `entry[] × changes[] × messages[]/statuses[]`.
//!
//! Interpretation is lenient item by item: one item Meta shaped unexpectedly becomes a
//! recorded problem, never a reason to drop its siblings. Each item keeps its raw JSON.

use serde::Deserialize;
use serde_json::Value;

/// What a notification body holds, ready to be stored.
#[derive(Debug, Default)]
pub struct Notification {
    /// The `messages` changes, with their items.
    pub changes: Vec<MessagesChange>,
    /// Other subscription fields, acknowledged and not stored as messages.
    pub ignored_fields: Vec<String>,
    /// Items that could not be interpreted, each named by its place in the body.
    pub problems: Vec<String>,
}

impl Notification {
    /// Who sent its messages: each phone number and business-scoped user id, as given.
    pub fn senders(&self) -> impl Iterator<Item = &str> {
        self.changes
            .iter()
            .flat_map(|change| &change.messages)
            .flat_map(|message| [message.from.as_deref(), message.from_user_id.as_deref()])
            .flatten()
    }
}

/// One `changes[]` item of field `messages`.
#[derive(Debug, Default)]
pub struct MessagesChange {
    /// The business number's id (`metadata.phone_number_id`).
    pub phone_number_id: String,
    /// The business number as digits (`metadata.display_phone_number`).
    pub display_phone_number: String,
    /// The contacts Meta named, matched to messages by phone or business-scoped id.
    pub contacts: Vec<Contact>,
    /// Inbound messages.
    pub messages: Vec<InboundMessage>,
    /// Status updates of outbound messages.
    pub statuses: Vec<StatusUpdate>,
    /// Errors reported for the whole change (they explain messages that lack their payload).
    pub errors: Vec<MetaError>,
}

/// A `contacts[]` entry.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct Contact {
    /// The contact's phone as digits.
    #[serde(default)]
    pub wa_id: Option<String>,
    /// The business-scoped user id.
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    profile: Option<Profile>,
}

#[derive(Debug, Default, Clone, Deserialize)]
struct Profile {
    #[serde(default)]
    name: Option<String>,
}

impl Contact {
    /// The WhatsApp profile name.
    pub fn name(&self) -> Option<&str> {
        self.profile.as_ref().and_then(|p| p.name.as_deref())
    }
}

/// Meta's error object (`code`, `title`, `message`, `error_data.details`).
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
pub struct MetaError {
    /// Meta's numeric code.
    #[serde(default)]
    pub code: Option<i64>,
    /// Short title.
    #[serde(default)]
    pub title: Option<String>,
    /// Message text.
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    error_data: Option<ErrorData>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
struct ErrorData {
    #[serde(default)]
    details: Option<String>,
}

impl MetaError {
    /// The most specific explanation Meta gave.
    pub fn details(&self) -> Option<&str> {
        self.error_data.as_ref().and_then(|d| d.details.as_deref()).or(self.message.as_deref())
    }
}

/// One inbound message.
#[derive(Debug, Clone)]
pub struct InboundMessage {
    /// The wamid.
    pub id: String,
    /// The sender's phone, absent for some username users.
    pub from: Option<String>,
    /// The sender's business-scoped user id.
    pub from_user_id: Option<String>,
    /// Meta's timestamp (unix seconds), when given.
    pub timestamp: Option<i64>,
    /// Meta's type name (`unknown` when absent).
    pub kind: String,
    /// Errors attached to this message.
    pub errors: Vec<MetaError>,
    /// The message as Meta sent it.
    pub raw: Value,
}

/// One status update.
#[derive(Debug, Clone)]
pub struct StatusUpdate {
    /// The wamid the status is about.
    pub message_id: String,
    /// Meta's status word.
    pub status: String,
    /// Meta's timestamp (unix seconds), when given.
    pub timestamp: Option<i64>,
    /// The recipient's phone (or group id).
    pub recipient_id: Option<String>,
    /// Errors of a failed status.
    pub errors: Vec<MetaError>,
    /// The pricing object, when given.
    pub pricing: Option<Value>,
    /// The status as Meta sent it.
    pub raw: Value,
}

/// `body` with every NUL character (U+0000) in its strings and keys replaced by U+FFFD.
/// PostgreSQL's text columns cannot hold NUL, and a message that can never be stored would be
/// retried by Meta forever; the delivery's raw bytes keep the original.
pub fn storable(body: Value) -> Value {
    fn clean(text: String) -> String {
        if text.contains('\0') { text.replace('\0', "\u{FFFD}") } else { text }
    }
    match body {
        Value::String(text) => Value::String(clean(text)),
        Value::Array(items) => Value::Array(items.into_iter().map(storable).collect()),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(key, value)| (clean(key), storable(value))).collect())
        }
        other => other,
    }
}

/// Reads a notification body (already parsed as JSON).
pub fn interpret(body: &Value) -> Notification {
    let mut out = Notification::default();
    let Some(entries) = body.get("entry").and_then(Value::as_array) else {
        out.problems.push("no `entry` array: this is not a WhatsApp Business Account notification".into());
        return out;
    };
    for (e, entry) in entries.iter().enumerate() {
        let changes = entry.get("changes").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        for (c, change) in changes.iter().enumerate() {
            let place = format!("entry[{e}].changes[{c}]");
            match change.get("field").and_then(Value::as_str) {
                Some("messages") => out.changes.push(read_change(change.get("value"), &place, &mut out.problems)),
                Some(other) => out.ignored_fields.push(other.to_owned()),
                None => out.problems.push(format!("{place} has no `field`")),
            }
        }
    }
    out
}

fn read_change(value: Option<&Value>, place: &str, problems: &mut Vec<String>) -> MessagesChange {
    let value = value.cloned().unwrap_or(Value::Null);
    let text = |pointer: &str| value.pointer(pointer).and_then(Value::as_str).unwrap_or_default().to_owned();
    let list = |key: &str| value.get(key).and_then(Value::as_array).cloned().unwrap_or_default();
    let mut change = MessagesChange {
        phone_number_id: text("/metadata/phone_number_id"),
        display_phone_number: text("/metadata/display_phone_number"),
        contacts: list("contacts").into_iter().filter_map(|c| serde_json::from_value(c).ok()).collect(),
        errors: list("errors").into_iter().filter_map(|e| serde_json::from_value(e).ok()).collect(),
        ..MessagesChange::default()
    };
    for (i, raw) in list("messages").into_iter().enumerate() {
        match read_message(raw) {
            Ok(message) => change.messages.push(message),
            Err(why) => problems.push(format!("{place}.value.messages[{i}] {why}")),
        }
    }
    for (i, raw) in list("statuses").into_iter().enumerate() {
        match read_status(raw) {
            Ok(status) => change.statuses.push(status),
            Err(why) => problems.push(format!("{place}.value.statuses[{i}] {why}")),
        }
    }
    change
}

fn read_message(raw: Value) -> Result<InboundMessage, &'static str> {
    let id = string_field(&raw, "id").ok_or("has no `id`")?;
    let kind = string_field(&raw, "type").unwrap_or_else(|| "unknown".into());
    let (mut from, mut from_user_id) = (string_field(&raw, "from"), string_field(&raw, "from_user_id"));
    if from.is_none() && from_user_id.is_none() && kind == "system" {
        (from, from_user_id) = system_sender(&raw);
    }
    if from.is_none() && from_user_id.is_none() {
        return Err("names no sender (`from` or `from_user_id`)");
    }
    Ok(InboundMessage {
        id,
        from,
        from_user_id,
        timestamp: unix_seconds(raw.get("timestamp")),
        kind,
        errors: errors_of(&raw),
        raw,
    })
}

fn read_status(raw: Value) -> Result<StatusUpdate, &'static str> {
    Ok(StatusUpdate {
        message_id: string_field(&raw, "id").ok_or("has no `id`")?,
        status: string_field(&raw, "status").ok_or("has no `status`")?,
        timestamp: unix_seconds(raw.get("timestamp")),
        recipient_id: string_field(&raw, "recipient_id"),
        errors: errors_of(&raw),
        pricing: raw.get("pricing").cloned(),
        raw,
    })
}

/// The contact a `system` message is about, for one without `from` (Meta may leave it out): the
/// business-scoped id it had (`previous_user_id`, else `user_id`), else its number (`customer`,
/// else the new `wa_id` or `new_wa_id`), as `(phone, business-scoped id)`.
fn system_sender(raw: &Value) -> (Option<String>, Option<String>) {
    let system = raw.get("system").unwrap_or(&Value::Null);
    match string_field(system, "previous_user_id").or_else(|| string_field(system, "user_id")) {
        Some(bsuid) => (None, Some(bsuid)),
        None => (["customer", "wa_id", "new_wa_id"].into_iter().find_map(|key| string_field(system, key)), None),
    }
}

fn string_field(raw: &Value, key: &str) -> Option<String> {
    raw.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned)
}

fn errors_of(raw: &Value) -> Vec<MetaError> {
    raw.get("errors")
        .and_then(Value::as_array)
        .map(|errs| errs.iter().filter_map(|e| serde_json::from_value(e.clone()).ok()).collect())
        .unwrap_or_default()
}

/// Meta sends unix seconds as a string; a number is accepted too.
fn unix_seconds(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn envelope(value: Value) -> Value {
        json!({ "object": "whatsapp_business_account",
                "entry": [{ "id": "1", "changes": [{ "field": "messages", "value": value }] }] })
    }

    #[test]
    fn nul_characters_become_replacement_characters_everywhere() {
        let body = json!({ "a\u{0}": ["x\u{0}y", { "k": "\u{0}" }, 1, null], "b": "clean" });
        assert_eq!(storable(body), json!({ "a\u{FFFD}": ["x\u{FFFD}y", { "k": "\u{FFFD}" }, 1, null], "b": "clean" }));
    }

    #[test]
    fn messages_statuses_and_contacts_are_read() {
        let body = envelope(json!({
            "metadata": { "phone_number_id": "PNID", "display_phone_number": "15550001111" },
            "contacts": [{ "wa_id": "33612345678", "profile": { "name": "Ana" } }],
            "messages": [{ "id": "wamid.1", "from": "33612345678", "timestamp": "1700000000", "type": "text",
                           "text": { "body": "hi" } }],
            "statuses": [{ "id": "wamid.0", "status": "read", "timestamp": "1700000001", "recipient_id": "33612345678" }]
        }));
        let n = interpret(&body);
        assert!(n.problems.is_empty(), "{:?}", n.problems);
        let change = &n.changes[0];
        assert_eq!(change.phone_number_id, "PNID");
        assert_eq!(change.contacts[0].name(), Some("Ana"));
        assert_eq!(change.messages[0].timestamp, Some(1_700_000_000));
        assert_eq!(change.statuses[0].status, "read");
    }

    #[test]
    fn an_item_without_id_is_a_problem_and_its_siblings_survive() {
        let body = envelope(json!({
            "messages": [{ "from": "1", "type": "text" }, { "id": "wamid.2", "from": "1", "type": "text" }]
        }));
        let n = interpret(&body);
        assert_eq!(n.changes[0].messages.len(), 1);
        assert_eq!(n.problems, vec!["entry[0].changes[0].value.messages[0] has no `id`".to_owned()]);
    }

    #[test]
    fn other_fields_are_acknowledged_not_stored() {
        let body = json!({ "entry": [{ "changes": [{ "field": "account_update", "value": {} }] }] });
        let n = interpret(&body);
        assert!(n.changes.is_empty() && n.problems.is_empty());
        assert_eq!(n.ignored_fields, vec!["account_update".to_owned()]);
    }

    #[test]
    fn a_body_without_entries_is_a_problem() {
        assert_eq!(interpret(&json!({ "hello": 1 })).problems.len(), 1);
    }
}
