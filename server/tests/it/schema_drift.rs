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
