//! `schema.graphql` at the repository root is the exported SDL; it must match the code.

#[test]
fn the_committed_schema_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == wagate::graphql::sdl(),
        "schema.graphql is out of date with the code: run `make schema` and commit the result"
    );
}

/// Every type, field, enum value, input field and argument carries a description. async-graphql
/// writes a field's arguments on its line when none has one, and one per line after their
/// descriptions otherwise.
#[test]
fn every_type_field_and_argument_has_a_description() {
    let sdl = wagate::graphql::sdl();
    let mut undescribed = Vec::new();
    let (mut in_description, mut described) = (false, false);
    for line in sdl.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.starts_with("\"\"\"") {
            let one_line = line.len() > 3 && line.ends_with("\"\"\"") && line.matches("\"\"\"").count() == 2;
            in_description = if one_line { false } else { !in_description };
            described = !in_description;
            continue;
        }
        if in_description {
            continue;
        }
        if !line.starts_with("directive ") && line.contains('(') && !line.ends_with('(') {
            undescribed.push(format!("the arguments of {line}"));
        }
        let structural = line == "}"
            || line.starts_with("): ")
            || line.starts_with("directive ")
            || line.starts_with("schema")
            || line.ends_with(": Query")
            || line.ends_with(": Mutation")
            || line.ends_with(": Subscription");
        if !structural && !described {
            undescribed.push(line.to_owned());
        }
        described = false;
    }
    assert!(undescribed.is_empty(), "without a description: {undescribed:#?}");
}
