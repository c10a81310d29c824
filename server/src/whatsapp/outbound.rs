//! Outbound messages in Meta's own JSON: checked against Meta's rules before anything is sent
//! or charged, each refusal naming the field at fault.

use serde_json::{Map, Value};

use crate::error::AppError;

/// The message types wagate sends.
pub const SENDABLE_TYPES: [&str; 11] = [
    "text",
    "image",
    "video",
    "audio",
    "document",
    "sticker",
    "location",
    "contacts",
    "interactive",
    "template",
    "reaction",
];

const INTERACTIVE_TYPES: [&str; 12] = [
    "button",
    "list",
    "cta_url",
    "flow",
    "product",
    "product_list",
    "catalog_message",
    "location_request_message",
    "order_details",
    "order_status",
    "call_permission_request",
    "voice_call",
];

/// A checked message, ready for the Graph API.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboundRequest {
    /// The recipient as E.164 digits (no `+`).
    pub to: String,
    /// Meta's type name.
    pub kind: String,
    /// The body to post: the caller's object with `messaging_product` (and the default
    /// `recipient_type`) filled in.
    pub body: Value,
}

/// Checks a message object as legacy clients send it (with or without `messaging_product`).
pub fn validate(message: Value) -> Result<OutboundRequest, AppError> {
    let Value::Object(mut body) = message else {
        return Err(bad(
            "the message must be a JSON object like {\"to\":\"33612345678\",\"type\":\"text\",\"text\":{\"body\":\"Bonjour\"}}",
        ));
    };
    if let Some(place) = nul_at(&body) {
        return Err(bad(format!(
            "{place} contains a NUL character (U+0000), which a message cannot carry; remove it and send again"
        )));
    }
    match body.get("messaging_product").and_then(Value::as_str) {
        None if !body.contains_key("messaging_product") => {
            body.insert("messaging_product".into(), "whatsapp".into());
        }
        Some("whatsapp") => {}
        _ => return Err(bad("`messaging_product` must be \"whatsapp\"")),
    }
    match body.get("recipient_type").and_then(Value::as_str) {
        None if !body.contains_key("recipient_type") => {
            body.insert("recipient_type".into(), "individual".into());
        }
        Some("individual") => {}
        _ => return Err(bad("`recipient_type` must be \"individual\" (group sends are not supported)")),
    }
    let to = recipient(&body)?;
    let kind = match body.get("type") {
        Some(kind) => kind.as_str().ok_or_else(|| bad("`type` must be a string"))?.to_owned(),
        None => {
            let kind = inferred_type(&body)?;
            body.insert("type".into(), kind.clone().into());
            kind
        }
    };
    if !SENDABLE_TYPES.contains(&kind.as_str()) {
        return Err(bad(format!(
            "`type` \"{kind}\" is not one wagate sends; use one of {}",
            SENDABLE_TYPES.join(", ")
        )));
    }
    let payload = body.get(&kind).ok_or_else(|| bad(format!("a `{kind}` message needs a `{kind}` object")))?;
    check_payload(&kind, payload)?;
    if let Some(context) = body.get("context") {
        text_field(context, "context", "message_id", 1, 512)?;
    }
    Ok(OutboundRequest { to, kind, body: Value::Object(body) })
}

/// Meta defaults a missing `type` to `text`; wagate instead reads it from the one payload
/// object present (Meta's own "Send Reply to List Message" example omits `type`), and writes
/// it into the body so Meta receives it explicitly.
fn inferred_type(body: &Map<String, Value>) -> Result<String, AppError> {
    let present: Vec<&str> = SENDABLE_TYPES.iter().copied().filter(|t| body.contains_key(*t)).collect();
    match present.as_slice() {
        [] => Ok("text".into()),
        [one] => Ok((*one).to_owned()),
        many => {
            Err(bad(format!("`type` is missing and the message has several payloads ({}); say which", many.join(", "))))
        }
    }
}

fn recipient(body: &Map<String, Value>) -> Result<String, AppError> {
    let to = body.get("to").and_then(Value::as_str).ok_or_else(|| match body.get("recipient") {
        Some(_) => {
            bad("`recipient` (a business-scoped user id) is not supported: give the contact's phone number in `to`")
        }
        None => bad("`to` is required: the recipient's phone number"),
    })?;
    let digits = to.trim().trim_start_matches('+');
    if !(7..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(format!("`to` must be a phone number in E.164 digits like 33612345678, got \"{to}\"")));
    }
    Ok(digits.to_owned())
}

fn check_payload(kind: &str, payload: &Value) -> Result<(), AppError> {
    if !payload.is_object() && kind != "contacts" {
        return Err(bad(format!("`{kind}` must be an object")));
    }
    match kind {
        "text" => text_field(payload, "text", "body", 1, 4096),
        "image" | "video" | "document" => {
            media(payload, kind)?;
            optional_text(payload, kind, "caption", 1024)
        }
        "audio" | "sticker" => {
            media(payload, kind)?;
            if payload.get("caption").is_some() {
                return Err(bad(format!("`{kind}.caption` is not allowed: Meta shows no caption on {kind}")));
            }
            Ok(())
        }
        "location" => {
            coordinate(payload, "latitude", 90.0)?;
            coordinate(payload, "longitude", 180.0)
        }
        "contacts" => contacts(payload),
        "interactive" => interactive(payload),
        "template" => {
            text_field(payload, "template", "name", 1, 512)?;
            text_field(payload.get("language").unwrap_or(&Value::Null), "template.language", "code", 1, 32)
        }
        "reaction" => {
            text_field(payload, "reaction", "message_id", 1, 512)?;
            match payload.get("emoji") {
                Some(Value::String(_)) => Ok(()),
                _ => Err(bad("`reaction.emoji` is required (an emoji, or \"\" to remove the reaction)")),
            }
        }
        _ => Ok(()),
    }
}

fn media(payload: &Value, kind: &str) -> Result<(), AppError> {
    match (payload.get("id"), payload.get("link")) {
        (Some(Value::String(_)), None) | (None, Some(Value::String(_))) => Ok(()),
        _ => Err(bad(format!("`{kind}` needs exactly one of `id` (an uploaded media id) or `link` (an https URL)"))),
    }
}

/// A latitude or longitude: a JSON number, or a string holding one (Meta's OpenAPI types them as
/// strings, its examples send numbers, and it takes both).
fn coordinate(payload: &Value, name: &str, limit: f64) -> Result<(), AppError> {
    let value = match payload.get(name) {
        Some(Value::String(text)) => text.trim().parse::<f64>().ok(),
        Some(number) => number.as_f64(),
        None => None,
    };
    match value {
        Some(v) if v.abs() <= limit => Ok(()),
        _ => Err(bad(format!("`location.{name}` must be a number between -{limit} and {limit}"))),
    }
}

fn contacts(payload: &Value) -> Result<(), AppError> {
    let cards = payload.as_array().ok_or_else(|| bad("`contacts` must be a list of contact cards"))?;
    if cards.is_empty() {
        return Err(bad("`contacts` needs at least one contact card"));
    }
    for (i, card) in cards.iter().enumerate() {
        text_field(card.get("name").unwrap_or(&Value::Null), &format!("contacts[{i}].name"), "formatted_name", 1, 512)?;
    }
    Ok(())
}

fn interactive(payload: &Value) -> Result<(), AppError> {
    let kind = payload.get("type").and_then(Value::as_str).unwrap_or_default();
    if !INTERACTIVE_TYPES.contains(&kind) {
        return Err(bad(format!("`interactive.type` must be one of {}", INTERACTIVE_TYPES.join(", "))));
    }
    if matches!(kind, "button" | "list") {
        text_field(payload.get("body").unwrap_or(&Value::Null), "interactive.body", "text", 1, 1024)?;
    }
    if let Some(footer) = payload.get("footer") {
        text_field(footer, "interactive.footer", "text", 1, 60)?;
    }
    let action = payload.get("action").ok_or_else(|| bad("`interactive.action` is required"))?;
    match kind {
        "button" => buttons(action),
        "list" => list(action),
        _ => Ok(()),
    }
}

fn buttons(action: &Value) -> Result<(), AppError> {
    let buttons = action.get("buttons").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    if !(1..=3).contains(&buttons.len()) {
        return Err(bad("`interactive.action.buttons` needs 1 to 3 buttons"));
    }
    for (i, button) in buttons.iter().enumerate() {
        let reply = button.get("reply").unwrap_or(&Value::Null);
        text_field(reply, &format!("interactive.action.buttons[{i}].reply"), "id", 1, 256)?;
        text_field(reply, &format!("interactive.action.buttons[{i}].reply"), "title", 1, 20)?;
    }
    Ok(())
}

fn list(action: &Value) -> Result<(), AppError> {
    text_field(action, "interactive.action", "button", 1, 20)?;
    let sections = action.get("sections").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    if !(1..=10).contains(&sections.len()) {
        return Err(bad("`interactive.action.sections` needs 1 to 10 sections"));
    }
    let mut rows = 0;
    for (s, section) in sections.iter().enumerate() {
        optional_text(section, &format!("interactive.action.sections[{s}]"), "title", 24)?;
        for (r, row) in
            section.get("rows").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default().iter().enumerate()
        {
            let place = format!("interactive.action.sections[{s}].rows[{r}]");
            text_field(row, &place, "id", 1, 200)?;
            text_field(row, &place, "title", 1, 24)?;
            optional_text(row, &place, "description", 72)?;
            rows += 1;
        }
    }
    if !(1..=10).contains(&rows) {
        return Err(bad(format!("a list message needs 1 to 10 rows in all, got {rows}")));
    }
    Ok(())
}

fn text_field(object: &Value, place: &str, name: &str, min: usize, max: usize) -> Result<(), AppError> {
    match object.get(name).and_then(Value::as_str).map(|s| s.chars().count()) {
        Some(n) if (min..=max).contains(&n) => Ok(()),
        Some(n) if n > max => Err(bad(format!("`{place}.{name}` is {n} characters long; Meta allows {max}"))),
        _ => Err(bad(format!("`{place}.{name}` is required (text of 1 to {max} characters)"))),
    }
}

fn optional_text(object: &Value, place: &str, name: &str, max: usize) -> Result<(), AppError> {
    match object.get(name) {
        None => Ok(()),
        Some(_) => text_field(object, place, name, 0, max),
    }
}

fn bad(message: impl Into<String>) -> AppError {
    AppError::BadInput(message.into())
}

/// Where the first NUL character of a message is (`text.body`), if it has one.
fn nul_at(body: &serde_json::Map<String, Value>) -> Option<String> {
    fn find(value: &Value, place: &str) -> Option<String> {
        match value {
            Value::String(text) => text.contains('\0').then(|| format!("`{place}`")),
            Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| find(item, &format!("{place}[{i}]"))),
            Value::Object(map) => map.iter().find_map(|(key, item)| {
                let inner = if place.is_empty() { key.clone() } else { format!("{place}.{key}") };
                if key.contains('\0') { Some(format!("a key of `{place}`")) } else { find(item, &inner) }
            }),
            _ => None,
        }
    }
    body.iter().find_map(|(key, value)| find(value, key))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn message_of(value: Value) -> String {
        validate(value).unwrap_err().message()
    }

    #[test]
    fn the_legacy_seed_message_is_completed_for_meta() {
        let checked = validate(json!({"to":"33612345678","type":"text","text":{"body":"Bonjour"}})).unwrap();
        assert_eq!((checked.to.as_str(), checked.kind.as_str()), ("33612345678", "text"));
        assert_eq!(
            checked.body,
            json!({"messaging_product":"whatsapp","recipient_type":"individual","to":"33612345678","type":"text","text":{"body":"Bonjour"}})
        );
    }

    #[test]
    fn a_missing_type_is_read_from_the_payload_and_a_plus_is_accepted() {
        let checked = validate(json!({"to":"+33612345678","text":{"body":"hi"}})).unwrap();
        assert_eq!((checked.to.as_str(), checked.kind.as_str()), ("33612345678", "text"));
        assert_eq!(checked.body["type"], "text");
        let reaction = validate(json!({"to":"33612345678","reaction":{"message_id":"wamid.1","emoji":"👍"}})).unwrap();
        assert_eq!(reaction.body["type"], "reaction");
        let both = json!({"to":"33612345678","text":{"body":"hi"},"image":{"id":"1"}});
        assert!(message_of(both).contains("several payloads"));
    }

    #[test]
    fn each_refusal_names_its_field() {
        let cases = [
            (json!({"type":"text","text":{"body":"x"}}), "`to`"),
            (json!({"to":"06 12","text":{"body":"x"}}), "`to`"),
            (json!({"recipient":"US.13491208655302741918","text":{"body":"x"}}), "`recipient` (a business-scoped"),
            (json!({"to":"33612345678","type":"text","text":{"body":""}}), "`text.body`"),
            (json!({"to":"33612345678","type":"text","text":{"body":"x".repeat(4097)}}), "`text.body` is 4097"),
            (
                json!({"to":"33612345678","type":"image","image":{"id":"1","link":"https://x"}}),
                "`image` needs exactly one",
            ),
            (
                json!({"to":"33612345678","type":"image","image":{"id":"1","caption":"c".repeat(1025)}}),
                "`image.caption`",
            ),
            (json!({"to":"33612345678","type":"audio","audio":{"id":"1","caption":"no"}}), "`audio.caption`"),
            (
                json!({"to":"33612345678","type":"location","location":{"latitude":91,"longitude":0}}),
                "`location.latitude`",
            ),
            (json!({"to":"33612345678","type":"template","template":{"name":"hello"}}), "`template.language.code`"),
            (json!({"to":"33612345678","type":"reaction","reaction":{"message_id":"wamid.1"}}), "`reaction.emoji`"),
            (json!({"to":"33612345678","type":"poll","poll":{}}), "`type` \"poll\""),
            (json!({"to":"33612345678","type":"image"}), "needs a `image` object"),
            (json!({"messaging_product":"sms","to":"33612345678","text":{"body":"x"}}), "`messaging_product`"),
        ];
        for (message, expected) in cases {
            let text = message_of(message.clone());
            assert!(text.contains(expected), "{message} → {text}");
        }
    }

    #[test]
    fn coordinates_are_taken_as_numbers_or_as_strings_holding_one() {
        for location in
            [json!({"latitude":37.4847,"longitude":-122.1486}), json!({"latitude":"37.4847","longitude":"-122.1486"})]
        {
            let message = json!({"to":"33612345678","type":"location","location":location});
            assert_eq!(validate(message).expect("valid").body["location"], location);
        }
        for latitude in [json!("north"), json!("91"), json!(null), json!(true)] {
            let message = json!({"to":"33612345678","type":"location","location":{"latitude":latitude,"longitude":0}});
            assert!(message_of(message).contains("`location.latitude`"), "{latitude}");
        }
    }

    #[test]
    fn interactive_limits_are_meta_limits() {
        let button = |n: usize| json!({"type":"reply","reply":{"id":format!("b{n}"),"title":"Yes"}});
        let four = json!({"to":"33612345678","type":"interactive","interactive":{"type":"button","body":{"text":"?"},
            "action":{"buttons":[button(1),button(2),button(3),button(4)]}}});
        assert!(message_of(four).contains("1 to 3 buttons"));
        let rows: Vec<Value> = (0..11).map(|i| json!({"id":format!("r{i}"),"title":"Row"})).collect();
        let eleven = json!({"to":"33612345678","type":"interactive","interactive":{"type":"list","body":{"text":"?"},
            "action":{"button":"Pick","sections":[{"title":"S","rows":rows}]}}});
        assert!(message_of(eleven).contains("1 to 10 rows"));
        let long_title = json!({"to":"33612345678","type":"interactive","interactive":{"type":"button","body":{"text":"?"},
            "action":{"buttons":[{"type":"reply","reply":{"id":"a","title":"x".repeat(21)}}]}}});
        assert!(message_of(long_title).contains("buttons[0].reply.title"));
    }
}
