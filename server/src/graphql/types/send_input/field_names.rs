//! The input field a caller of `sendMessage` wrote for each field of Meta's message JSON, so that
//! a refusal of the shared checks names `input.contacts[0].formattedName`, not Meta's
//! `contacts[0].name.formatted_name`.

/// Meta's paths (`[]` standing for any index) that the input names or nests otherwise. The
/// longest one a refused path starts with is replaced, its indices kept; the keys after it (and
/// those of a path no entry starts) are Meta's snake_case names, which the input writes in
/// camelCase (`reaction.message_id` is `reaction.messageId`).
const RENAMED: &[(&str, &str)] = &[
    ("context.message_id", "replyTo"),
    ("contacts[].name", "contacts[]"),
    ("contacts[].org", "contacts[]"),
    ("contacts[].emails[].email", "contacts[].emails[]"),
    ("interactive.type", "interactive"),
    ("interactive.header.text", "interactive.header"),
    ("interactive.body.text", "interactive.body"),
    ("interactive.footer.text", "interactive.footer"),
    ("interactive.action", "interactive"),
    ("interactive.action.buttons[].reply", "interactive.buttons[]"),
    ("interactive.action.button", "interactive.listButton"),
    ("interactive.action.sections", "interactive.listSections"),
    ("interactive.action.parameters.display_text", "interactive.ctaDisplayText"),
    ("interactive.action.parameters.url", "interactive.ctaUrl"),
    ("template.language.code", "template.languageCode"),
    ("template.components[].parameters[].currency", "template.components[].parameters[]"),
    ("template.components[].parameters[].currency.code", "template.components[].parameters[].currencyCode"),
    ("template.components[].parameters[].date_time", "template.components[].parameters[]"),
    ("template.components[].parameters[].image", "template.components[].parameters[].link"),
    ("template.components[].parameters[].image.link", "template.components[].parameters[].link"),
    ("template.components[].parameters[].video", "template.components[].parameters[].link"),
    ("template.components[].parameters[].video.link", "template.components[].parameters[].link"),
    ("template.components[].parameters[].document", "template.components[].parameters[].link"),
    ("template.components[].parameters[].document.link", "template.components[].parameters[].link"),
];

/// The path of the `sendMessage` input field that became Meta's field at `meta_path`
/// (`interactive.action.buttons[0].reply.title` → `input.interactive.buttons[0].title`).
pub(super) fn input_field(meta_path: &str) -> String {
    let path = steps(meta_path);
    let rule = RENAMED
        .iter()
        .map(|(meta, input)| (steps(meta), steps(input)))
        .filter(|(meta, _)| starts_with(&path, meta))
        .max_by_key(|(meta, _)| meta.len());
    let (head, rest) = match &rule {
        Some((meta, input)) => {
            let mut indices = path.iter().take(meta.len()).filter_map(|step| match step {
                Step::Index(i) => Some(*i),
                Step::Key(_) => None,
            });
            let head = input.iter().map(|step| match step {
                Step::Index(_) => Step::Index(indices.next().unwrap_or_default()),
                Step::Key(key) => Step::Key(key),
            });
            (head.collect(), &path[meta.len()..])
        }
        None => (Vec::new(), &path[..]),
    };
    let mut out = String::from("input");
    for step in head {
        step.write(&mut out, false);
    }
    for step in rest {
        step.write(&mut out, true);
    }
    out
}

/// A step of a JSON path: an object's key or an array's index (empty in a pattern: any).
#[derive(Clone, Copy)]
enum Step<'a> {
    Key(&'a str),
    Index(&'a str),
}

impl Step<'_> {
    fn write(self, out: &mut String, camel_case: bool) {
        match self {
            Step::Key(key) if camel_case => {
                out.push('.');
                let mut words = key.split('_');
                out.extend(words.next());
                for word in words {
                    let mut chars = word.chars();
                    out.extend(chars.next().map(|c| c.to_ascii_uppercase()));
                    out.push_str(chars.as_str());
                }
            }
            Step::Key(key) => {
                out.push('.');
                out.push_str(key);
            }
            Step::Index(index) => {
                out.push('[');
                out.push_str(index);
                out.push(']');
            }
        }
    }
}

/// `a.b[0].c` as its steps.
fn steps(path: &str) -> Vec<Step<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let mut pieces = part.split('[');
        out.extend(pieces.next().filter(|key| !key.is_empty()).map(Step::Key));
        out.extend(pieces.map(|index| Step::Index(index.trim_end_matches(']'))));
    }
    out
}

fn starts_with(path: &[Step<'_>], pattern: &[Step<'_>]) -> bool {
    pattern.len() <= path.len()
        && pattern.iter().zip(path).all(|pair| match pair {
            (Step::Key(a), Step::Key(b)) => a == b,
            (Step::Index(""), Step::Index(_)) => true,
            (Step::Index(a), Step::Index(b)) => a == b,
            _ => false,
        })
}

#[cfg(test)]
mod tests {
    use super::input_field;

    #[test]
    fn each_meta_field_is_named_as_the_input_writes_it() {
        let cases = [
            ("to", "input.to"),
            ("text.body", "input.text.body"),
            ("text.preview_url", "input.text.previewUrl"),
            ("image.link", "input.image.link"),
            ("sticker.caption", "input.sticker.caption"),
            ("document.filename", "input.document.filename"),
            ("location.latitude", "input.location.latitude"),
            ("context.message_id", "input.replyTo"),
            ("reaction.message_id", "input.reaction.messageId"),
            ("reaction.emoji", "input.reaction.emoji"),
            ("contacts", "input.contacts"),
            ("contacts[0].name.formatted_name", "input.contacts[0].formattedName"),
            ("contacts[2].name.last_name", "input.contacts[2].lastName"),
            ("contacts[0].org.company", "input.contacts[0].company"),
            ("contacts[1].emails[3].email", "input.contacts[1].emails[3]"),
            ("contacts[0].phones[1].wa_id", "input.contacts[0].phones[1].waId"),
            ("interactive.type", "input.interactive"),
            ("interactive.header", "input.interactive.header"),
            ("interactive.header.text", "input.interactive.header"),
            ("interactive.body.text", "input.interactive.body"),
            ("interactive.footer.text", "input.interactive.footer"),
            ("interactive.action", "input.interactive"),
            ("interactive.action.buttons", "input.interactive.buttons"),
            ("interactive.action.buttons[0].reply.title", "input.interactive.buttons[0].title"),
            ("interactive.action.buttons[2].reply.id", "input.interactive.buttons[2].id"),
            ("interactive.action.button", "input.interactive.listButton"),
            ("interactive.action.sections", "input.interactive.listSections"),
            ("interactive.action.sections[1].title", "input.interactive.listSections[1].title"),
            (
                "interactive.action.sections[0].rows[9].description",
                "input.interactive.listSections[0].rows[9].description",
            ),
            ("interactive.action.parameters.display_text", "input.interactive.ctaDisplayText"),
            ("interactive.action.parameters.url", "input.interactive.ctaUrl"),
            ("template.name", "input.template.name"),
            ("template.language.code", "input.template.languageCode"),
            ("template.components[1].type", "input.template.components[1].type"),
            ("template.components[0].sub_type", "input.template.components[0].subType"),
            ("template.components[0].parameters[2].text", "input.template.components[0].parameters[2].text"),
            (
                "template.components[0].parameters[0].parameter_name",
                "input.template.components[0].parameters[0].parameterName",
            ),
            (
                "template.components[1].parameters[0].currency.code",
                "input.template.components[1].parameters[0].currencyCode",
            ),
            (
                "template.components[1].parameters[0].currency.amount_1000",
                "input.template.components[1].parameters[0].amount1000",
            ),
            (
                "template.components[0].parameters[3].currency.fallback_value",
                "input.template.components[0].parameters[3].fallbackValue",
            ),
            (
                "template.components[0].parameters[0].date_time.fallback_value",
                "input.template.components[0].parameters[0].fallbackValue",
            ),
            ("template.components[0].parameters[1].image", "input.template.components[0].parameters[1].link"),
            ("template.components[0].parameters[1].image.link", "input.template.components[0].parameters[1].link"),
            ("template.components[2].parameters[0].video", "input.template.components[2].parameters[0].link"),
            ("template.components[2].parameters[0].video.link", "input.template.components[2].parameters[0].link"),
            ("template.components[0].parameters[0].document", "input.template.components[0].parameters[0].link"),
            ("template.components[0].parameters[0].document.link", "input.template.components[0].parameters[0].link"),
        ];
        for (meta, input) in cases {
            assert_eq!(input_field(meta), input, "{meta}");
        }
    }
}
