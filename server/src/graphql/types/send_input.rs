//! `SendMessageInput`: typed GraphQL inputs for every message type wagate sends, turned into
//! Meta's message JSON so both doors (GraphQL and REST) share one checked path.

use async_graphql::InputObject;
use serde_json::{Map, Value, json};

use crate::{error::AppError, whatsapp::outbound};

mod field_names;

/// A text message.
#[derive(InputObject, Debug, Clone)]
pub struct TextInput {
    /// The text, up to 4096 characters.
    pub body: String,
    /// Render a preview of the first URL in the text.
    pub preview_url: Option<bool>,
}

/// An image, video or sticker: an uploaded media `id` or a public `link`, exactly one.
#[derive(InputObject, Debug, Clone)]
pub struct MediaInput {
    /// A media id from Meta's upload.
    pub id: Option<String>,
    /// An http or https URL Meta can download.
    pub link: Option<String>,
    /// A caption (images and videos), up to 1024 characters.
    pub caption: Option<String>,
}

/// An audio message.
#[derive(InputObject, Debug, Clone)]
pub struct AudioInput {
    /// A media id from Meta's upload.
    pub id: Option<String>,
    /// An http or https URL Meta can download.
    pub link: Option<String>,
    /// Send as a voice note (needs OGG/Opus); its playback is then reported as PLAYED.
    pub voice: Option<bool>,
}

/// A document.
#[derive(InputObject, Debug, Clone)]
pub struct DocumentInput {
    /// A media id from Meta's upload.
    pub id: Option<String>,
    /// An http or https URL Meta can download.
    pub link: Option<String>,
    /// A caption, up to 1024 characters.
    pub caption: Option<String>,
    /// The file name shown to the contact.
    pub filename: Option<String>,
}

/// A location pin.
#[derive(InputObject, Debug, Clone)]
pub struct LocationInput {
    /// Latitude in degrees.
    pub latitude: f64,
    /// Longitude in degrees.
    pub longitude: f64,
    /// The place's name.
    pub name: Option<String>,
    /// The place's address.
    pub address: Option<String>,
}

/// A phone number on a contact card.
#[derive(InputObject, Debug, Clone)]
pub struct ContactPhoneInput {
    /// The number as written.
    pub phone: String,
    /// HOME, WORK, CELL, …
    #[graphql(name = "type")]
    pub kind: Option<String>,
    /// The WhatsApp id, which adds a "Message" button to the card.
    pub wa_id: Option<String>,
}

/// A contact card.
#[derive(InputObject, Debug, Clone)]
pub struct ContactCardInput {
    /// The name shown on the card.
    pub formatted_name: String,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Phone numbers.
    #[graphql(default)]
    pub phones: Vec<ContactPhoneInput>,
    /// Email addresses.
    #[graphql(default)]
    pub emails: Vec<String>,
    /// Company name.
    pub company: Option<String>,
}

/// A reply button.
#[derive(InputObject, Debug, Clone)]
pub struct ReplyButtonInput {
    /// What comes back in the contact's reply (up to 256 characters).
    pub id: String,
    /// The label (up to 20 characters).
    pub title: String,
}

/// A row of a list message.
#[derive(InputObject, Debug, Clone)]
pub struct ListRowInput {
    /// What comes back in the contact's reply (up to 200 characters).
    pub id: String,
    /// The row's title (up to 24 characters).
    pub title: String,
    /// A description (up to 72 characters).
    pub description: Option<String>,
}

/// A section of a list message.
#[derive(InputObject, Debug, Clone)]
pub struct ListSectionInput {
    /// The section's title (up to 24 characters).
    pub title: Option<String>,
    /// Its rows (10 rows at most across all sections).
    pub rows: Vec<ListRowInput>,
}

/// An interactive message: exactly one of `buttons`, `list` or `ctaUrl`, with its texts.
#[derive(InputObject, Debug, Clone)]
pub struct InteractiveInput {
    /// The main text (up to 1024 characters).
    pub body: String,
    /// A text header.
    pub header: Option<String>,
    /// A footer (up to 60 characters).
    pub footer: Option<String>,
    /// One to three reply buttons.
    pub buttons: Option<Vec<ReplyButtonInput>>,
    /// A list: the button that opens it (up to 20 characters) and its sections.
    pub list_button: Option<String>,
    /// The list's sections (with `listButton`).
    pub list_sections: Option<Vec<ListSectionInput>>,
    /// A call-to-action button's label (with `ctaUrl`).
    pub cta_display_text: Option<String>,
    /// The URL the call-to-action button opens.
    pub cta_url: Option<String>,
}

/// A parameter of a template component.
#[derive(InputObject, Debug, Clone)]
pub struct TemplateParameterInput {
    /// text, currency, date_time, image, document, video or payload.
    #[graphql(name = "type")]
    pub kind: String,
    /// The value of a text parameter.
    pub text: Option<String>,
    /// The name of a named text parameter.
    pub parameter_name: Option<String>,
    /// The payload of a quick-reply button.
    pub payload: Option<String>,
    /// The link of a media parameter.
    pub link: Option<String>,
    /// The text shown for currency and date_time parameters.
    pub fallback_value: Option<String>,
    /// The ISO 4217 code of a currency parameter.
    pub currency_code: Option<String>,
    /// The amount × 1000 of a currency parameter.
    pub amount_1000: Option<i64>,
}

/// A component of a template: header, body or button.
#[derive(InputObject, Debug, Clone)]
pub struct TemplateComponentInput {
    /// header, body or button.
    #[graphql(name = "type")]
    pub kind: String,
    /// For buttons: quick_reply or url.
    pub sub_type: Option<String>,
    /// For buttons: the button's position.
    pub index: Option<i32>,
    /// The parameters.
    #[graphql(default)]
    pub parameters: Vec<TemplateParameterInput>,
}

/// An approved message template.
#[derive(InputObject, Debug, Clone)]
pub struct TemplateInput {
    /// The template's name.
    pub name: String,
    /// The language and locale code, e.g. en_US.
    pub language_code: String,
    /// The components and their parameters.
    #[graphql(default)]
    pub components: Vec<TemplateComponentInput>,
}

/// A reaction to a message.
#[derive(InputObject, Debug, Clone)]
pub struct ReactionInput {
    /// The wamid reacted to.
    pub message_id: String,
    /// The emoji, or "" to remove the reaction.
    pub emoji: String,
}

/// A message to send: `to` and exactly one content field.
#[derive(InputObject, Debug, Clone)]
pub struct SendMessageInput {
    /// The recipient's phone number in E.164 digits.
    pub to: String,
    /// The wamid this message replies to (quoted in the chat).
    pub reply_to: Option<String>,
    /// A text message.
    pub text: Option<TextInput>,
    /// An image.
    pub image: Option<MediaInput>,
    /// A video.
    pub video: Option<MediaInput>,
    /// An audio file or voice note.
    pub audio: Option<AudioInput>,
    /// A document.
    pub document: Option<DocumentInput>,
    /// A sticker (webp).
    pub sticker: Option<MediaInput>,
    /// A location pin.
    pub location: Option<LocationInput>,
    /// One or more contact cards.
    pub contacts: Option<Vec<ContactCardInput>>,
    /// Reply buttons, a list, or a call-to-action URL button.
    pub interactive: Option<InteractiveInput>,
    /// An approved template (the only kind allowed outside the 24-hour window).
    pub template: Option<TemplateInput>,
    /// A reaction to a message.
    pub reaction: Option<ReactionInput>,
}

/// Puts `value` under `key` unless it is absent.
fn put(object: &mut Map<String, Value>, key: &str, value: Option<impl Into<Value>>) {
    if let Some(v) = value {
        object.insert(key.into(), v.into());
    }
}

fn media(id: Option<String>, link: Option<String>) -> Map<String, Value> {
    let mut m = Map::new();
    put(&mut m, "id", id);
    put(&mut m, "link", link);
    m
}

impl SendMessageInput {
    /// Meta's message JSON for this input, checked against Meta's rules: a refusal names the
    /// field of this input at fault (`input.contacts[0].formattedName`).
    pub fn into_meta_message(self) -> Result<Value, AppError> {
        let to = self.to.clone();
        let reply_to = self.reply_to.clone();
        let payloads = self.payloads();
        let (kind, payload) = match <[_; 1]>::try_from(payloads) {
            Ok([one]) => one,
            Err(_) => {
                return Err(AppError::BadInput(
                    "give exactly one of text, image, video, audio, document, sticker, location, contacts, \
                     interactive, template or reaction"
                        .into(),
                ));
            }
        };
        let mut message =
            json!({ "messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": kind });
        message[kind] = payload?;
        if let Some(id) = reply_to {
            message["context"] = json!({ "message_id": id });
        }
        outbound::check(message.clone())
            .map_err(|refusal| AppError::BadInput(refusal.message(field_names::input_field)))?;
        Ok(message)
    }

    fn payloads(self) -> Vec<(&'static str, Result<Value, AppError>)> {
        let mut out: Vec<(&'static str, Result<Value, AppError>)> = Vec::new();
        if let Some(t) = self.text {
            let mut m = Map::new();
            m.insert("body".into(), t.body.into());
            put(&mut m, "preview_url", t.preview_url);
            out.push(("text", Ok(m.into())));
        }
        for (kind, input) in [("image", self.image), ("video", self.video), ("sticker", self.sticker)] {
            if let Some(i) = input {
                let mut m = media(i.id, i.link);
                put(&mut m, "caption", i.caption);
                out.push((kind, Ok(m.into())));
            }
        }
        if let Some(a) = self.audio {
            let mut m = media(a.id, a.link);
            put(&mut m, "voice", a.voice);
            out.push(("audio", Ok(m.into())));
        }
        if let Some(d) = self.document {
            let mut m = media(d.id, d.link);
            put(&mut m, "caption", d.caption);
            put(&mut m, "filename", d.filename);
            out.push(("document", Ok(m.into())));
        }
        if let Some(l) = self.location {
            let mut m = Map::new();
            m.insert("latitude".into(), l.latitude.into());
            m.insert("longitude".into(), l.longitude.into());
            put(&mut m, "name", l.name);
            put(&mut m, "address", l.address);
            out.push(("location", Ok(m.into())));
        }
        if let Some(cards) = self.contacts {
            out.push(("contacts", Ok(cards.into_iter().map(contact_card).collect::<Vec<_>>().into())));
        }
        if let Some(i) = self.interactive {
            out.push(("interactive", interactive(i)));
        }
        if let Some(t) = self.template {
            out.push(("template", template(t)));
        }
        if let Some(r) = self.reaction {
            out.push(("reaction", Ok(json!({ "message_id": r.message_id, "emoji": r.emoji }))));
        }
        out
    }
}

fn contact_card(card: ContactCardInput) -> Value {
    let mut name = Map::new();
    name.insert("formatted_name".into(), card.formatted_name.into());
    put(&mut name, "first_name", card.first_name);
    put(&mut name, "last_name", card.last_name);
    let mut out = Map::new();
    out.insert("name".into(), name.into());
    if !card.phones.is_empty() {
        let phones = card.phones.into_iter().map(|p| {
            let mut m = Map::new();
            m.insert("phone".into(), p.phone.into());
            put(&mut m, "type", p.kind);
            put(&mut m, "wa_id", p.wa_id);
            Value::from(m)
        });
        out.insert("phones".into(), phones.collect::<Vec<_>>().into());
    }
    if !card.emails.is_empty() {
        out.insert("emails".into(), card.emails.into_iter().map(|e| json!({ "email": e })).collect::<Vec<_>>().into());
    }
    if let Some(company) = card.company {
        out.insert("org".into(), json!({ "company": company }));
    }
    out.into()
}

fn interactive(i: InteractiveInput) -> Result<Value, AppError> {
    let (kind, action) = match (i.buttons, i.list_button, i.list_sections, i.cta_url) {
        (Some(buttons), None, None, None) => {
            let buttons: Vec<Value> = buttons
                .into_iter()
                .map(|b| json!({ "type": "reply", "reply": { "id": b.id, "title": b.title } }))
                .collect();
            ("button", json!({ "buttons": buttons }))
        }
        (None, Some(button), Some(sections), None) => {
            let sections: Vec<Value> = sections
                .into_iter()
                .map(|s| {
                    let rows: Vec<Value> = s
                        .rows
                        .into_iter()
                        .map(|r| {
                            let mut m = Map::new();
                            m.insert("id".into(), r.id.into());
                            m.insert("title".into(), r.title.into());
                            put(&mut m, "description", r.description);
                            Value::from(m)
                        })
                        .collect();
                    let mut m = Map::new();
                    put(&mut m, "title", s.title);
                    m.insert("rows".into(), rows.into());
                    Value::from(m)
                })
                .collect();
            ("list", json!({ "button": button, "sections": sections }))
        }
        (None, None, None, Some(url)) => {
            let display_text = i.cta_display_text.ok_or_else(|| {
                AppError::BadInput("`input.interactive.ctaDisplayText` is required with `ctaUrl`".into())
            })?;
            ("cta_url", json!({ "name": "cta_url", "parameters": { "display_text": display_text, "url": url } }))
        }
        _ => {
            return Err(AppError::BadInput(
                "`input.interactive` needs exactly one of `buttons`, `listButton` with `listSections`, or `ctaUrl`"
                    .into(),
            ));
        }
    };
    let mut m = Map::new();
    m.insert("type".into(), kind.into());
    m.insert("body".into(), json!({ "text": i.body }));
    if let Some(h) = i.header {
        m.insert("header".into(), json!({ "type": "text", "text": h }));
    }
    if let Some(f) = i.footer {
        m.insert("footer".into(), json!({ "text": f }));
    }
    m.insert("action".into(), action);
    Ok(m.into())
}

/// The component types the input can carry (Meta's others, like carousels, need fields it has not).
const COMPONENT_TYPES: [&str; 3] = ["header", "body", "button"];

/// The parameter types the input can carry.
const PARAMETER_TYPES: [&str; 7] = ["text", "currency", "date_time", "image", "document", "video", "payload"];

fn template(t: TemplateInput) -> Result<Value, AppError> {
    let mut m = Map::new();
    m.insert("name".into(), t.name.into());
    m.insert("language".into(), json!({ "code": t.language_code }));
    if !t.components.is_empty() {
        let components = t.components.into_iter().enumerate().map(|(i, c)| component(c, i));
        m.insert("components".into(), components.collect::<Result<Vec<_>, _>>()?.into());
    }
    Ok(m.into())
}

fn component(c: TemplateComponentInput, index: usize) -> Result<Value, AppError> {
    let place = format!("input.template.components[{index}]");
    known_type(&c.kind, &place, &COMPONENT_TYPES)?;
    let mut m = Map::new();
    m.insert("type".into(), c.kind.into());
    put(&mut m, "sub_type", c.sub_type);
    put(&mut m, "index", c.index.map(|i| i.to_string()));
    let parameters =
        c.parameters.into_iter().enumerate().map(|(i, p)| parameter(p, &format!("{place}.parameters[{i}]")));
    m.insert("parameters".into(), parameters.collect::<Result<Vec<_>, _>>()?.into());
    Ok(m.into())
}

/// A parameter as Meta takes it; a field its type needs and the input lacks stays absent, for
/// the shared checks to name.
fn parameter(p: TemplateParameterInput, place: &str) -> Result<Value, AppError> {
    known_type(&p.kind, place, &PARAMETER_TYPES)?;
    let mut m = Map::new();
    let kind = p.kind.clone();
    m.insert("type".into(), p.kind.into());
    match kind.as_str() {
        "currency" => {
            let mut currency = Map::new();
            put(&mut currency, "fallback_value", p.fallback_value);
            put(&mut currency, "code", p.currency_code);
            put(&mut currency, "amount_1000", p.amount_1000);
            m.insert(kind, currency.into());
        }
        "date_time" => {
            let mut date_time = Map::new();
            put(&mut date_time, "fallback_value", p.fallback_value);
            m.insert(kind, date_time.into());
        }
        "image" | "document" | "video" => {
            if let Some(link) = p.link {
                m.insert(kind, json!({ "link": link }));
            }
        }
        _ => {
            put(&mut m, "text", p.text);
            put(&mut m, "parameter_name", p.parameter_name);
            put(&mut m, "payload", p.payload);
        }
    }
    Ok(m.into())
}

fn known_type(kind: &str, place: &str, known: &[&str]) -> Result<(), AppError> {
    if known.contains(&kind) {
        return Ok(());
    }
    Err(AppError::BadInput(format!("`{place}.type` must be one of {}, got \"{kind}\"", known.join(", "))))
}
