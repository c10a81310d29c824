//! Notifications in Meta's documented shapes, built for tests.

use serde_json::{Value, json};

/// The business number the test notifications are addressed to.
pub const BUSINESS_NUMBER: &str = "15550001111";
/// Its phone number id.
pub const PHONE_NUMBER_ID: &str = "106540352242922";

/// Serializes like Meta does: non-ASCII escaped as `\uXXXX` and `/` as `\/`, so the signature
/// is computed over bytes a re-serialization would not reproduce.
pub fn wire_bytes(body: &Value) -> Vec<u8> {
    let mut out = String::new();
    for ch in body.to_string().chars() {
        match ch {
            '/' => out.push_str("\\/"),
            c if c.is_ascii() => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.into_bytes()
}

/// One `messages` change wrapped in the envelope.
pub fn envelope(contacts: Vec<Value>, messages: Vec<Value>, statuses: Vec<Value>) -> Value {
    let mut value = json!({
        "messaging_product": "whatsapp",
        "metadata": { "display_phone_number": BUSINESS_NUMBER, "phone_number_id": PHONE_NUMBER_ID },
    });
    if !contacts.is_empty() {
        value["contacts"] = Value::Array(contacts);
    }
    if !messages.is_empty() {
        value["messages"] = Value::Array(messages);
    }
    if !statuses.is_empty() {
        value["statuses"] = Value::Array(statuses);
    }
    json!({ "object": "whatsapp_business_account",
            "entry": [{ "id": "102290129340398", "changes": [{ "field": "messages", "value": value }] }] })
}

/// A contact entry.
pub fn contact(wa_id: &str, name: &str) -> Value {
    json!({ "profile": { "name": name }, "wa_id": wa_id })
}

/// An inbound message of `kind` with its payload object.
pub fn message(id: &str, from: &str, timestamp: i64, kind: &str, payload: Value) -> Value {
    let mut m = json!({ "from": from, "id": id, "timestamp": timestamp.to_string(), "type": kind });
    m[kind] = payload;
    m
}

/// An inbound text message.
pub fn text(id: &str, from: &str, timestamp: i64, body: &str) -> Value {
    message(id, from, timestamp, "text", json!({ "body": body }))
}

/// A notification with one text message from a named contact.
pub fn text_notification(id: &str, from: &str, timestamp: i64, body: &str) -> Value {
    envelope(vec![contact(from, "Test Contact")], vec![text(id, from, timestamp, body)], vec![])
}

/// A status report.
pub fn status(id: &str, status: &str, timestamp: i64, recipient: &str) -> Value {
    json!({ "id": id, "status": status, "timestamp": timestamp.to_string(), "recipient_id": recipient })
}

/// A failed status with Meta's error.
pub fn failed_status(id: &str, timestamp: i64, recipient: &str, code: i64, title: &str, details: &str) -> Value {
    let mut s = status(id, "failed", timestamp, recipient);
    s["errors"] = json!([{ "code": code, "title": title, "message": title, "error_data": { "details": details } }]);
    s
}

/// A notification carrying only statuses.
pub fn status_notification(statuses: Vec<Value>) -> Value {
    envelope(vec![], vec![], statuses)
}
