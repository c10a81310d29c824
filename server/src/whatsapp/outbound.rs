//! Outbound messages in Meta's own JSON: checked against Meta's rules before anything is sent
//! or charged, each refusal naming the field at fault.
//!
//! A refusal carries the field as Meta's JSON path (`contacts[0].name.formatted_name`) apart
//! from what is wrong with it, so that each door names the field in its caller's terms: REST as
//! Meta's path, GraphQL as its input's field.

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

/// Template component types: the OpenAPI file's (header, body, button) and those of Meta's
/// later template guides (carousels, limited-time offers).
const TEMPLATE_COMPONENT_TYPES: [&str; 5] = ["header", "body", "button", "carousel", "limited_time_offer"];

/// Template parameter types: the OpenAPI file's (text, currency, date_time, image, document,
/// video; payload on buttons) and those of Meta's later template guides (catalog and flow
/// button actions, coupon codes, limited-time offers, location headers, product cards). Each
/// carries its value in the field named after it (`{"type": "text", "text": "Ana"}`).
const TEMPLATE_PARAMETER_TYPES: [&str; 12] = [
    "text",
    "currency",
    "date_time",
    "image",
    "document",
    "video",
    "payload",
    "action",
    "coupon_code",
    "limited_time_offer",
    "location",
    "product",
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

/// Why a message cannot go to Meta: the field at fault and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The field at fault as Meta's JSON path (`interactive.action.buttons[0].reply.title`), or
    /// `None` when the message as a whole is at fault.
    pub field: Option<String>,
    /// What is wrong, written to follow the field's name.
    pub problem: String,
}

impl Refusal {
    /// The refusal said to a caller, the field named by `name` (given Meta's path).
    pub fn message(&self, name: impl FnOnce(&str) -> String) -> String {
        match &self.field {
            Some(field) => format!("`{}` {}", name(field), self.problem),
            None => self.problem.clone(),
        }
    }
}

/// Checks a message object as legacy clients send it (with or without `messaging_product`); a
/// refusal names the field by Meta's JSON path.
pub fn validate(message: Value) -> Result<OutboundRequest, AppError> {
    check(message).map_err(|refusal| AppError::BadInput(refusal.message(str::to_owned)))
}

/// Checks a message object, answering a refusal for the caller's door to word.
pub fn check(message: Value) -> Result<OutboundRequest, Refusal> {
    let Value::Object(mut body) = message else {
        return Err(whole(
            "the message must be a JSON object like {\"to\":\"33612345678\",\"type\":\"text\",\"text\":{\"body\":\"Bonjour\"}}",
        ));
    };
    if let Some(refusal) = nul_at(&body) {
        return Err(refusal);
    }
    match body.get("messaging_product").and_then(Value::as_str) {
        None if !body.contains_key("messaging_product") => {
            body.insert("messaging_product".into(), "whatsapp".into());
        }
        Some("whatsapp") => {}
        _ => return Err(refuse("messaging_product", "must be \"whatsapp\"")),
    }
    match body.get("recipient_type").and_then(Value::as_str) {
        None if !body.contains_key("recipient_type") => {
            body.insert("recipient_type".into(), "individual".into());
        }
        Some("individual") => {}
        _ => return Err(refuse("recipient_type", "must be \"individual\" (group sends are not supported)")),
    }
    let to = recipient(&body)?;
    let kind = match body.get("type") {
        Some(kind) => kind.as_str().ok_or_else(|| refuse("type", "must be a string"))?.to_owned(),
        None => {
            let kind = inferred_type(&body)?;
            body.insert("type".into(), kind.clone().into());
            kind
        }
    };
    if !SENDABLE_TYPES.contains(&kind.as_str()) {
        return Err(refuse(
            "type",
            format!("\"{kind}\" is not one wagate sends; use one of {}", SENDABLE_TYPES.join(", ")),
        ));
    }
    let payload = body
        .get(&kind)
        .ok_or_else(|| refuse(&kind, format!("is required: a `{kind}` message needs a `{kind}` object")))?;
    check_payload(&kind, payload)?;
    if let Some(context) = body.get("context") {
        text_field(context, "context", "message_id", 1, 512)?;
    }
    Ok(OutboundRequest { to, kind, body: Value::Object(body) })
}

/// Meta defaults a missing `type` to `text`; wagate instead reads it from the one payload
/// object present (Meta's own "Send Reply to List Message" example omits `type`), and writes
/// it into the body so Meta receives it explicitly.
fn inferred_type(body: &Map<String, Value>) -> Result<String, Refusal> {
    let present: Vec<&str> = SENDABLE_TYPES.iter().copied().filter(|t| body.contains_key(*t)).collect();
    match present.as_slice() {
        [] => Ok("text".into()),
        [one] => Ok((*one).to_owned()),
        many => Err(refuse(
            "type",
            format!("is missing and the message has several payloads ({}); say which", many.join(", ")),
        )),
    }
}

fn recipient(body: &Map<String, Value>) -> Result<String, Refusal> {
    let to = body.get("to").and_then(Value::as_str).ok_or_else(|| match (body.get("to"), body.get("recipient")) {
        (Some(other), _) => {
            refuse("to", format!("must be a string of digits like \"33612345678\" (in quotes), got {other}"))
        }
        (None, Some(_)) => {
            refuse("recipient", "(a business-scoped user id) is not supported: give the contact's phone number in `to`")
        }
        (None, None) => refuse("to", "is required: the recipient's phone number"),
    })?;
    let digits = to.trim().trim_start_matches('+');
    if !(7..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refuse("to", format!("must be a phone number in E.164 digits like 33612345678, got \"{to}\"")));
    }
    Ok(digits.to_owned())
}

fn check_payload(kind: &str, payload: &Value) -> Result<(), Refusal> {
    if !payload.is_object() && kind != "contacts" {
        return Err(refuse(kind, "must be an object"));
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
                return Err(refuse(
                    format!("{kind}.caption"),
                    format!("is not allowed: Meta shows no caption on {kind}"),
                ));
            }
            Ok(())
        }
        "location" => {
            coordinate(payload, "latitude", 90.0)?;
            coordinate(payload, "longitude", 180.0)
        }
        "contacts" => contacts(payload),
        "interactive" => interactive(payload),
        "template" => template(payload),
        "reaction" => {
            text_field(payload, "reaction", "message_id", 1, 512)?;
            match payload.get("emoji") {
                Some(Value::String(_)) => Ok(()),
                _ => Err(refuse("reaction.emoji", "is required (an emoji, or \"\" to remove the reaction)")),
            }
        }
        _ => Ok(()),
    }
}

/// A media object at `place`: an uploaded media `id`, or a `link` Meta downloads (HTTP/HTTPS
/// only, says the OpenAPI file's `MediaObject`).
fn media(payload: &Value, place: &str) -> Result<(), Refusal> {
    match (payload.get("id"), payload.get("link")) {
        (Some(Value::String(_)), None) => Ok(()),
        (None, Some(Value::String(link))) => match reqwest::Url::parse(link) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(()),
            _ => Err(refuse(format!("{place}.link"), format!("must be an http or https URL, got \"{link}\""))),
        },
        _ => Err(refuse(place, "needs exactly one of `id` (an uploaded media id) or `link` (an http or https URL)")),
    }
}

/// A latitude or longitude: a JSON number, or a string holding one (Meta's OpenAPI types them as
/// strings, its examples send numbers, and it takes both).
fn coordinate(payload: &Value, name: &str, limit: f64) -> Result<(), Refusal> {
    let value = match payload.get(name) {
        Some(Value::String(text)) => text.trim().parse::<f64>().ok(),
        Some(number) => number.as_f64(),
        None => None,
    };
    match value {
        Some(v) if v.abs() <= limit => Ok(()),
        _ => Err(refuse(format!("location.{name}"), format!("must be a number between -{limit} and {limit}"))),
    }
}

fn contacts(payload: &Value) -> Result<(), Refusal> {
    let cards = payload.as_array().ok_or_else(|| refuse("contacts", "must be a list of contact cards"))?;
    if cards.is_empty() {
        return Err(refuse("contacts", "needs at least one contact card"));
    }
    for (i, card) in cards.iter().enumerate() {
        text_field(card.get("name").unwrap_or(&Value::Null), &format!("contacts[{i}].name"), "formatted_name", 1, 512)?;
    }
    Ok(())
}

fn interactive(payload: &Value) -> Result<(), Refusal> {
    let kind = payload.get("type").and_then(Value::as_str).unwrap_or_default();
    if !INTERACTIVE_TYPES.contains(&kind) {
        return Err(refuse("interactive.type", format!("must be one of {}", INTERACTIVE_TYPES.join(", "))));
    }
    if let Some(header) = payload.get("header").filter(|h| h.get("type").and_then(Value::as_str) == Some("text")) {
        text_field(header, "interactive.header", "text", 1, 60)?;
    }
    if matches!(kind, "button" | "list") {
        text_field(payload.get("body").unwrap_or(&Value::Null), "interactive.body", "text", 1, 1024)?;
    }
    if let Some(footer) = payload.get("footer") {
        text_field(footer, "interactive.footer", "text", 1, 60)?;
    }
    let action = payload.get("action").ok_or_else(|| refuse("interactive.action", "is required"))?;
    match kind {
        "button" => buttons(action),
        "list" => list(action),
        _ => Ok(()),
    }
}

fn buttons(action: &Value) -> Result<(), Refusal> {
    let buttons = action.get("buttons").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    if !(1..=3).contains(&buttons.len()) {
        return Err(refuse("interactive.action.buttons", "needs 1 to 3 buttons"));
    }
    let mut titles: Vec<&str> = Vec::with_capacity(buttons.len());
    for (i, button) in buttons.iter().enumerate() {
        let reply = button.get("reply").unwrap_or(&Value::Null);
        let place = format!("interactive.action.buttons[{i}].reply");
        text_field(reply, &place, "id", 1, 256)?;
        text_field(reply, &place, "title", 1, 20)?;
        let title = reply.get("title").and_then(Value::as_str).unwrap_or_default();
        if let Some(first) = titles.iter().position(|t| *t == title) {
            return Err(refuse(
                format!("{place}.title"),
                format!("\"{title}\" is also button {first}'s title; Meta needs each button's title to be different"),
            ));
        }
        titles.push(title);
    }
    Ok(())
}

fn list(action: &Value) -> Result<(), Refusal> {
    text_field(action, "interactive.action", "button", 1, 20)?;
    let sections = action.get("sections").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    if !(1..=10).contains(&sections.len()) {
        return Err(refuse("interactive.action.sections", "needs 1 to 10 sections"));
    }
    let mut rows = 0;
    for (s, section) in sections.iter().enumerate() {
        let place = format!("interactive.action.sections[{s}]");
        let untitled = section.get("title").and_then(Value::as_str).is_none_or(str::is_empty);
        if sections.len() > 1 && untitled {
            return Err(refuse(format!("{place}.title"), "is required when a list has more than one section"));
        }
        optional_text(section, &place, "title", 24)?;
        for (r, row) in
            section.get("rows").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default().iter().enumerate()
        {
            let place = format!("{place}.rows[{r}]");
            text_field(row, &place, "id", 1, 200)?;
            text_field(row, &place, "title", 1, 24)?;
            optional_text(row, &place, "description", 72)?;
            rows += 1;
        }
    }
    if !(1..=10).contains(&rows) {
        return Err(refuse("interactive.action.sections", format!("need 1 to 10 rows in all, got {rows}")));
    }
    Ok(())
}

fn template(payload: &Value) -> Result<(), Refusal> {
    text_field(payload, "template", "name", 1, 512)?;
    text_field(payload.get("language").unwrap_or(&Value::Null), "template.language", "code", 1, 32)?;
    let components = match payload.get("components") {
        None => return Ok(()),
        Some(components) => {
            components.as_array().ok_or_else(|| refuse("template.components", "must be a list of components"))?
        }
    };
    for (c, component) in components.iter().enumerate() {
        let place = format!("template.components[{c}]");
        one_of(component, &place, "type", &TEMPLATE_COMPONENT_TYPES)?;
        let parameters = match component.get("parameters") {
            None => continue,
            Some(parameters) => parameters
                .as_array()
                .ok_or_else(|| refuse(format!("{place}.parameters"), "must be a list of parameters"))?,
        };
        for (p, parameter) in parameters.iter().enumerate() {
            template_parameter(parameter, &format!("{place}.parameters[{p}]"))?;
        }
    }
    Ok(())
}

/// A template parameter: a known `type`, and its value in the field named after it.
fn template_parameter(parameter: &Value, place: &str) -> Result<(), Refusal> {
    let kind = one_of(parameter, place, "type", &TEMPLATE_PARAMETER_TYPES)?;
    let Some(value) = parameter.get(kind).filter(|v| !v.is_null()) else {
        return Err(refuse(format!("{place}.{kind}"), format!("is required when `type` is \"{kind}\"")));
    };
    match kind {
        "text" => match value {
            Value::String(_) => text_field(parameter, place, "text", 1, 32768),
            // Meta's own "Send Sample Issue Resolution Template" example sends `"text": true` (its
            // YAML's `Yes`), so other scalars are left for the Graph API to read as text.
            Value::Bool(_) | Value::Number(_) => Ok(()),
            _ => Err(refuse(format!("{place}.text"), "must be a text")),
        },
        "image" | "document" | "video" => media(value, &format!("{place}.{kind}")),
        "currency" => {
            let place = format!("{place}.currency");
            required_text(value, &place, "fallback_value")?;
            match value.get("code").and_then(Value::as_str) {
                Some(code) if code.len() == 3 && code.bytes().all(|b| b.is_ascii_alphabetic()) => {}
                _ => return Err(refuse(format!("{place}.code"), "is required: an ISO 4217 currency code like USD")),
            }
            match value.get("amount_1000").and_then(Value::as_i64) {
                Some(_) => Ok(()),
                None => Err(refuse(
                    format!("{place}.amount_1000"),
                    "is required: the amount times 1000, an integer (100990 for 100.99)",
                )),
            }
        }
        "date_time" => required_text(value, &format!("{place}.date_time"), "fallback_value"),
        _ => Ok(()),
    }
}

/// The string `object.name`, which must be one of `allowed`.
fn one_of<'a>(object: &'a Value, place: &str, name: &str, allowed: &[&str]) -> Result<&'a str, Refusal> {
    match object.get(name).and_then(Value::as_str) {
        Some(value) if allowed.contains(&value) => Ok(value),
        other => Err(refuse(
            format!("{place}.{name}"),
            format!(
                "must be one of {}{}",
                allowed.join(", "),
                other.map(|v| format!(", got \"{v}\"")).unwrap_or_default()
            ),
        )),
    }
}

fn text_field(object: &Value, place: &str, name: &str, min: usize, max: usize) -> Result<(), Refusal> {
    match object.get(name).and_then(Value::as_str).map(|s| s.chars().count()) {
        Some(n) if (min..=max).contains(&n) => Ok(()),
        Some(n) if n > max => {
            Err(refuse(format!("{place}.{name}"), format!("is {n} characters long; Meta allows {max}")))
        }
        _ => Err(refuse(format!("{place}.{name}"), format!("is required (text of 1 to {max} characters)"))),
    }
}

fn optional_text(object: &Value, place: &str, name: &str, max: usize) -> Result<(), Refusal> {
    match object.get(name) {
        None => Ok(()),
        Some(_) => text_field(object, place, name, 0, max),
    }
}

/// A text of no set length that must not be empty.
fn required_text(object: &Value, place: &str, name: &str) -> Result<(), Refusal> {
    match object.get(name).and_then(Value::as_str) {
        Some(text) if !text.is_empty() => Ok(()),
        _ => Err(refuse(format!("{place}.{name}"), "is required (a text)")),
    }
}

fn refuse(field: impl Into<String>, problem: impl Into<String>) -> Refusal {
    Refusal { field: Some(field.into()), problem: problem.into() }
}

fn whole(problem: impl Into<String>) -> Refusal {
    Refusal { field: None, problem: problem.into() }
}

/// The first NUL character of a message, if it has one (in `text.body`, or in a key).
fn nul_at(body: &serde_json::Map<String, Value>) -> Option<Refusal> {
    const PROBLEM: &str = "a NUL character (U+0000), which a message cannot carry; remove it and send again";
    fn find(value: &Value, place: &str) -> Option<Refusal> {
        match value {
            Value::String(text) => text.contains('\0').then(|| refuse(place, format!("contains {PROBLEM}"))),
            Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| find(item, &format!("{place}[{i}]"))),
            Value::Object(map) => map.iter().find_map(|(key, item)| {
                let inner = if place.is_empty() { key.clone() } else { format!("{place}.{key}") };
                if key.contains('\0') {
                    Some(refuse(place, format!("has a key with {PROBLEM}")))
                } else {
                    find(item, &inner)
                }
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
            (json!({"to":33612345678_u64,"text":{"body":"x"}}), "`to` must be a string of digits like \"33612345678\""),
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

    fn interactive_of(interactive: Value) -> Value {
        json!({"to":"33612345678","type":"interactive","interactive":interactive})
    }

    #[test]
    fn a_text_header_is_60_characters_at_most() {
        let with_header = |header: Value| {
            interactive_of(json!({"type":"button","header":header,"body":{"text":"?"},
                "action":{"buttons":[{"type":"reply","reply":{"id":"y","title":"Yes"}}]}}))
        };
        assert!(validate(with_header(json!({"type":"text","text":"h".repeat(60)}))).is_ok());
        let long = message_of(with_header(json!({"type":"text","text":"h".repeat(61)})));
        assert!(long.contains("`interactive.header.text` is 61 characters long; Meta allows 60"), "{long}");
        let image = json!({"type":"image","image":{"link":"https://x.test/a.jpg"}});
        assert!(validate(with_header(image)).is_ok(), "a media header has no text");
    }

    #[test]
    fn reply_buttons_need_titles_of_their_own() {
        let with_titles = |titles: [&str; 3]| {
            let buttons: Vec<Value> = titles
                .iter()
                .enumerate()
                .map(|(i, t)| json!({"type":"reply","reply":{"id":format!("b{i}"),"title":t}}))
                .collect();
            interactive_of(json!({"type":"button","body":{"text":"?"},"action":{"buttons":buttons}}))
        };
        assert!(validate(with_titles(["Yes", "No", "Maybe"])).is_ok());
        let twice = message_of(with_titles(["Yes", "No", "Yes"]));
        assert!(twice.starts_with("`interactive.action.buttons[2].reply.title` \"Yes\" is also button 0's"), "{twice}");
    }

    #[test]
    fn each_section_of_a_list_of_several_needs_a_title() {
        let with_sections = |sections: Value| {
            interactive_of(json!({"type":"list","body":{"text":"?"},"action":{"button":"Pick","sections":sections}}))
        };
        let row = |id: &str| json!({"id":id,"title":"Row"});
        assert!(validate(with_sections(json!([{"rows":[row("a")]}]))).is_ok(), "one section may go untitled");
        assert!(
            validate(with_sections(json!([{"title":"A","rows":[row("a")]},{"title":"B","rows":[row("b")]}]))).is_ok()
        );
        for untitled in [json!({"rows":[row("b")]}), json!({"title":"","rows":[row("b")]})] {
            let text = message_of(with_sections(json!([{"title":"A","rows":[row("a")]}, untitled])));
            assert!(text.contains("`interactive.action.sections[1].title` is required when a list has more"), "{text}");
        }
    }

    fn template_with(parameters: Value) -> Value {
        json!({"to":"33612345678","type":"template","template":{"name":"t","language":{"code":"en_US"},
            "components":[{"type":"body","parameters":parameters}]}})
    }

    #[test]
    fn each_template_parameter_carries_what_its_type_needs() {
        let at = "`template.components[0].parameters[0]";
        let cases = [
            (json!({"type":"text"}), format!("{at}.text` is required when `type` is \"text\"")),
            (json!({"type":"text","text":""}), format!("{at}.text` is required (text of 1 to 32768")),
            (json!({"type":"text","text":["x"]}), format!("{at}.text` must be a text")),
            (json!({"type":"image"}), format!("{at}.image` is required when `type` is \"image\"")),
            (json!({"type":"image","image":{"link":null}}), format!("{at}.image` needs exactly one of `id`")),
            (json!({"type":"video","video":{}}), format!("{at}.video` needs exactly one of `id`")),
            (
                json!({"type":"document","document":{"link":"file:///etc/passwd"}}),
                format!("{at}.document.link` must be"),
            ),
            (
                json!({"type":"currency","currency":{"fallback_value":null,"code":null,"amount_1000":null}}),
                format!("{at}.currency.fallback_value` is required"),
            ),
            (
                json!({"type":"currency","currency":{"fallback_value":"$1","amount_1000":1000}}),
                format!("{at}.currency.code` is required: an ISO 4217"),
            ),
            (
                json!({"type":"currency","currency":{"fallback_value":"$1","code":"USD","amount_1000":"1000"}}),
                format!("{at}.currency.amount_1000` is required"),
            ),
            (json!({"type":"date_time","date_time":{}}), format!("{at}.date_time.fallback_value` is required")),
            (json!({"type":"payload"}), format!("{at}.payload` is required when `type` is \"payload\"")),
            (json!({"type":"coupon_code"}), format!("{at}.coupon_code` is required")),
            (json!({"type":"weird","text":"x"}), format!("{at}.type` must be one of text, currency,")),
            (json!({"text":"x"}), format!("{at}.type` must be one of")),
        ];
        for (parameter, expected) in cases {
            let text = message_of(template_with(json!([parameter])));
            assert!(text.starts_with(&expected), "{parameter} → {text}");
        }
        assert!(message_of(template_with(json!([{"type":"weird"}]))).ends_with("got \"weird\""));
        let complete = json!([{"type":"text","text":"Ana"},
            {"type":"currency","currency":{"fallback_value":"$100.99","code":"USD","amount_1000":100990}},
            {"type":"date_time","date_time":{"fallback_value":"February 25, 1977"}},
            {"type":"image","image":{"id":"123"}}, {"type":"image","image":{"link":"http://x.test/a.jpg"}},
            {"type":"coupon_code","coupon_code":"CARIBE25"}]);
        assert!(validate(template_with(complete)).is_ok());
    }

    #[test]
    fn a_template_component_needs_a_known_type() {
        let with = |component: Value| {
            json!({"to":"33612345678","type":"template","template":{"name":"t","language":{"code":"en_US"},"components":[
                {"type":"header","parameters":[{"type":"text","text":"H"}]}, component]}})
        };
        let bogus = message_of(with(json!({"type":"bogus","parameters":[]})));
        assert!(bogus.starts_with("`template.components[1].type` must be one of header, body, button"), "{bogus}");
        assert!(bogus.ends_with("got \"bogus\""), "{bogus}");
        assert!(message_of(with(json!({"parameters":[]}))).starts_with("`template.components[1].type`"));
        let not_a_list = message_of(with(json!({"type":"body","parameters":{"type":"text"}})));
        assert!(not_a_list.starts_with("`template.components[1].parameters` must be a list"), "{not_a_list}");
        assert!(validate(with(json!({"type":"carousel","cards":[]}))).is_ok(), "a carousel has cards, not parameters");
    }

    #[test]
    fn a_media_link_is_an_http_or_https_url() {
        for kind in ["image", "video", "document", "audio", "sticker"] {
            let with_link = |link: &str| {
                let mut message = json!({"to":"33612345678","type":kind});
                message[kind] = json!({"link":link});
                message
            };
            for good in ["https://x.test/a.bin", "http://x.test/a.bin"] {
                assert!(validate(with_link(good)).is_ok(), "{kind}: {good}");
            }
            for bad in ["x.test/a.bin", "ftp://x.test/a.bin", "file:///tmp/a.bin", "https://", "", "<http(s)://url>"] {
                let text = message_of(with_link(bad));
                assert!(text.starts_with(&format!("`{kind}.link` must be an http or https URL")), "{bad} → {text}");
            }
        }
    }

    #[test]
    fn a_refusal_names_its_field_as_the_caller_asks() {
        let refusal = check(json!({"to":"33612345678","type":"reaction","reaction":{"message_id":"","emoji":"x"}}))
            .expect_err("an empty message id");
        assert_eq!(refusal.field.as_deref(), Some("reaction.message_id"));
        assert_eq!(
            refusal.message(|_| "input.reaction.messageId".into()),
            format!("`input.reaction.messageId` {}", refusal.problem)
        );
        let whole = check(json!("hi")).expect_err("not an object");
        assert_eq!(whole.field, None);
        assert_eq!(whole.message(|_| unreachable!()), whole.problem);
    }
}
