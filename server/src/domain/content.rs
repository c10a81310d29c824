//! Readable `content` for every message type: what a person would see in the chat.
//! The raw JSON is stored beside it, so nothing is lost by the summary.

use serde_json::Value;

/// A one-line readable text for a message of Meta's type `kind`.
pub fn readable(kind: &str, message: &Value) -> String {
    let text = |pointer: &str| message.pointer(pointer).and_then(Value::as_str).filter(|s| !s.is_empty());
    let tagged = |tag: &str, detail: Option<&str>| match detail {
        Some(d) => format!("[{tag}] {d}"),
        None => format!("[{tag}]"),
    };
    match kind {
        "text" => text("/text/body").unwrap_or_default().to_owned(),
        "image" | "video" | "sticker" => tagged(kind, text(&format!("/{kind}/caption"))),
        "audio" if message.pointer("/audio/voice") == Some(&Value::Bool(true)) => "[voice message]".into(),
        "audio" => "[audio]".into(),
        "document" => document(message),
        "location" => location(message),
        "contacts" => contacts(message),
        "interactive" => interactive(message),
        "button" => text("/button/text").or(text("/button/payload")).unwrap_or("[button]").to_owned(),
        "reaction" => match text("/reaction/emoji") {
            Some(emoji) => emoji.to_owned(),
            None => "[reaction removed]".into(),
        },
        "order" => order(message),
        "template" => template(message),
        "system" => text("/system/body").unwrap_or("[system]").to_owned(),
        "request_welcome" => "[chat opened]".into(),
        "edit" => edited(message),
        "revoke" => "[message deleted]".into(),
        "unsupported" | "unknown" => tagged(
            "unsupported",
            text("/unsupported/type").or(text("/errors/0/error_data/details")).or(text("/errors/0/title")),
        ),
        other => format!("[{other}]"),
    }
}

/// An edit reads as the message it now is, marked edited.
fn edited(message: &Value) -> String {
    match edited_message(message) {
        Some((kind, inner)) => format!("[edited] {}", readable(kind, inner)).trim_end().to_owned(),
        None => "[edited]".into(),
    }
}

/// The message an `edit` turns the original into, with its type.
pub fn edited_message(message: &Value) -> Option<(&str, &Value)> {
    let inner = message.pointer("/edit/message")?;
    Some((inner.get("type").and_then(Value::as_str)?, inner))
}

fn document(message: &Value) -> String {
    let name = message.pointer("/document/filename").and_then(Value::as_str);
    let caption = message.pointer("/document/caption").and_then(Value::as_str);
    match (name, caption) {
        (Some(n), Some(c)) if c != n => format!("[document] {n} — {c}"),
        (Some(n), _) | (None, Some(n)) => format!("[document] {n}"),
        (None, None) => "[document]".into(),
    }
}

fn location(message: &Value) -> String {
    let field = |k: &str| message.pointer(&format!("/location/{k}"));
    let coordinates = match (field("latitude").and_then(Value::as_f64), field("longitude").and_then(Value::as_f64)) {
        (Some(lat), Some(long)) => format!("{lat}, {long}"),
        _ => String::new(),
    };
    let place: Vec<&str> = ["name", "address"].iter().filter_map(|k| field(k).and_then(Value::as_str)).collect();
    match (place.is_empty(), coordinates.is_empty()) {
        (true, _) => format!("[location] {coordinates}").trim_end().to_owned(),
        (false, true) => format!("[location] {}", place.join(", ")),
        (false, false) => format!("[location] {} ({coordinates})", place.join(", ")),
    }
}

fn contacts(message: &Value) -> String {
    let names: Vec<&str> = message
        .get("contacts")
        .and_then(Value::as_array)
        .map(|cards| cards.iter().filter_map(|c| c.pointer("/name/formatted_name").and_then(Value::as_str)).collect())
        .unwrap_or_default();
    format!("[contacts] {}", names.join(", ")).trim_end().to_owned()
}

fn interactive(message: &Value) -> String {
    let reply = |kind: &str| message.pointer(&format!("/interactive/{kind}/title")).and_then(Value::as_str);
    if let Some(title) = reply("button_reply").or(reply("list_reply")) {
        return title.to_owned();
    }
    if let Some(answer) = message.pointer("/interactive/call_permission_reply/response").and_then(Value::as_str) {
        return format!("[call permission] {answer}");
    }
    if let Some(nfm) = message.pointer("/interactive/nfm_reply") {
        let name = nfm.get("name").and_then(Value::as_str).unwrap_or("flow");
        let body = nfm.get("body").and_then(Value::as_str).unwrap_or("Sent");
        return format!("[{name} reply] {body}");
    }
    // One the business sent: its kind (button, list, cta_url…) and its body text.
    let kind = message.pointer("/interactive/type").and_then(Value::as_str).unwrap_or("interactive");
    match message.pointer("/interactive/body/text").and_then(Value::as_str) {
        Some(body) if !body.is_empty() => format!("[{kind}] {body}"),
        _ => format!("[{kind}]"),
    }
}

/// A template the business sent: its name, then the text of the body's parameters.
fn template(message: &Value) -> String {
    let name = message.pointer("/template/name").and_then(Value::as_str).unwrap_or_default();
    let texts: Vec<&str> = message
        .pointer("/template/components")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|component| component.get("type").and_then(Value::as_str) == Some("body"))
        .filter_map(|body| body.get("parameters").and_then(Value::as_array))
        .flatten()
        .filter_map(|parameter| parameter.get("text").and_then(Value::as_str))
        .collect();
    match texts.is_empty() {
        true => format!("[template] {name}").trim_end().to_owned(),
        false => format!("[template] {name}: {}", texts.join(", ")),
    }
}

fn order(message: &Value) -> String {
    let items = message.pointer("/order/product_items").and_then(Value::as_array).map_or(0, Vec::len);
    let noun = if items == 1 { "item" } else { "items" };
    match message.pointer("/order/text").and_then(Value::as_str) {
        Some(text) if !text.is_empty() => format!("[order] {items} {noun}: {text}"),
        _ => format!("[order] {items} {noun}"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn each_type_reads_as_a_person_would_see_it() {
        let cases = [
            ("text", json!({"text": {"body": "Bonjour"}}), "Bonjour"),
            ("image", json!({"image": {"id": "1", "caption": "Look"}}), "[image] Look"),
            ("image", json!({"image": {"id": "1"}}), "[image]"),
            ("audio", json!({"audio": {"voice": true}}), "[voice message]"),
            ("document", json!({"document": {"filename": "cv.pdf", "caption": "My CV"}}), "[document] cv.pdf — My CV"),
            (
                "location",
                json!({"location": {"latitude": 48.85, "longitude": 2.35, "name": "Paris"}}),
                "[location] Paris (48.85, 2.35)",
            ),
            ("contacts", json!({"contacts": [{"name": {"formatted_name": "Ana B"}}]}), "[contacts] Ana B"),
            (
                "interactive",
                json!({"interactive": {"type": "list_reply", "list_reply": {"id": "a", "title": "Row A"}}}),
                "Row A",
            ),
            (
                "interactive",
                json!({"interactive": {"type": "nfm_reply", "nfm_reply": {"name": "flow", "body": "Sent"}}}),
                "[flow reply] Sent",
            ),
            ("button", json!({"button": {"text": "Yes", "payload": "Y"}}), "Yes"),
            ("reaction", json!({"reaction": {"message_id": "w", "emoji": "👍"}}), "👍"),
            ("reaction", json!({"reaction": {"message_id": "w", "emoji": ""}}), "[reaction removed]"),
            ("order", json!({"order": {"text": "asap", "product_items": [{}, {}]}}), "[order] 2 items: asap"),
            ("system", json!({"system": {"body": "User changed number"}}), "User changed number"),
            (
                "interactive",
                json!({"interactive": {"type": "call_permission_reply", "call_permission_reply": {"response": "reject"}}}),
                "[call permission] reject",
            ),
            ("edit", json!({"edit": {"message": {"type": "text", "text": {"body": "Fixed"}}}}), "[edited] Fixed"),
            (
                "edit",
                json!({"edit": {"message": {"type": "document", "document": {"filename": "invoice.pdf", "caption": "v2"}}}}),
                "[edited] [document] invoice.pdf — v2",
            ),
            ("edit", json!({"edit": {"original_message_id": "w"}}), "[edited]"),
            ("revoke", json!({"revoke": {"original_message_id": "w"}}), "[message deleted]"),
            (
                "unsupported",
                json!({"errors": [{"title": "Message type unknown"}]}),
                "[unsupported] Message type unknown",
            ),
            (
                "interactive",
                json!({"interactive": {"type": "button", "body": {"text": "Pick one"}, "action": {"buttons": []}}}),
                "[button] Pick one",
            ),
            (
                "template",
                json!({"template": {"name": "hello_world", "language": {"code": "en_US"}}}),
                "[template] hello_world",
            ),
            (
                "template",
                json!({"template": {"name": "order_update", "components": [
                    {"type": "header", "parameters": [{"type": "text", "text": "not the body"}]},
                    {"type": "body", "parameters": [{"type": "text", "text": "A-42"}, {"type": "text", "text": "tomorrow"}]}
                ]}}),
                "[template] order_update: A-42, tomorrow",
            ),
            ("poll_v9", json!({}), "[poll_v9]"),
        ];
        for (kind, message, expected) in cases {
            assert_eq!(readable(kind, &message), expected, "{kind}: {message}");
        }
    }
}
