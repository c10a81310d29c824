//! Introspection under limits of its own.
//!
//! The standard introspection query (graphql-js 16's, which GraphiQL and schema tools send)
//! nests 15 deep through `ofType`, beyond [`super::MAX_DEPTH`], which no data query comes near
//! (the data types hold no cycle). So an operation that asks only for `__schema`, `__type` or
//! `__typename` runs on a copy of the schema allowed [`MAX_DEPTH`] instead. What bounds its
//! answer is how many of introspection's lists (`types`, `fields`, `args`…) it asks for: at
//! most [`MAX_LIST_NESTING`] on any path, and [`MAX_LISTS`] in all, for every operation (one
//! that mixes data in runs on the main schema, but its introspection is bounded alike). The
//! standard query nests three (types → fields → args) and asks for eight;
//! `fields { type { fields { type { fields … } } } }`, or `types` aliased many times, each of
//! which multiplies the answer, is refused past that.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

/// How deep an introspection operation may nest.
pub const MAX_DEPTH: usize = 20;
/// How many of introspection's lists may nest on one path.
pub const MAX_LIST_NESTING: usize = 3;
/// How many of introspection's lists an operation may ask for in all, fragments counted each
/// time they are spread (the standard query asks for 8).
pub const MAX_LISTS: usize = 20;

/// Introspection's fields whose value is a list of objects.
const LIST_FIELDS: [&str; 7] = ["types", "fields", "args", "inputFields", "interfaces", "possibleTypes", "enumValues"];
/// The root fields of introspection (`__typename` answers without looking at the schema).
const ROOT_FIELDS: [&str; 3] = ["__schema", "__type", "__typename"];

/// What an operation asks of introspection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Only introspection's root fields at the top, so the operation reads no data.
    pub only_introspection: bool,
    /// The most of introspection's lists nested on one path.
    pub list_nesting: usize,
    /// Introspection's lists asked for in all, each fragment as often as it is spread.
    pub lists: usize,
}

impl Shape {
    /// The shape of the operation selecting `root` in `document`.
    pub fn of(document: &ExecutableDocument, root: &SelectionSet) -> Self {
        let mut walk = Walk {
            document,
            fragment_nesting: HashMap::new(),
            fragment_lists: HashMap::new(),
            roots_checked: HashSet::new(),
        };
        Self {
            only_introspection: walk.only_roots(root, 0),
            list_nesting: walk.nesting(root, 0),
            lists: walk.lists(root, 0),
        }
    }

    /// Why the operation is refused, when it nests, or asks for, more of introspection's lists
    /// than allowed (each can multiply the answer by the schema's size).
    pub fn refusal(&self) -> Option<String> {
        if self.lists > MAX_LISTS {
            return Some(format!(
                "this operation asks for {} of introspection's lists (types, fields, args…); at most {MAX_LISTS} \
                 are allowed, enough for the standard introspection query: ask for each once",
                self.lists
            ));
        }
        (self.list_nesting > MAX_LIST_NESTING).then(|| {
            format!(
                "this introspection query nests {} of introspection's lists (types, fields, args…) on one path; \
                 at most {MAX_LIST_NESTING} are allowed, as in the standard introspection query: ask for \
                 `fields {{ type {{ name }} }}` rather than the fields of a field's type",
                self.list_nesting
            )
        })
    }
}

/// Fragments may be spread many times, so each one is walked once; one spread within itself
/// (which validation refuses) counts as nothing more. A document nested past [`WALK_LIMIT`]
/// selections and fragments is taken as data, and as nesting too many lists.
struct Walk<'a> {
    document: &'a ExecutableDocument,
    fragment_nesting: HashMap<&'a str, usize>,
    fragment_lists: HashMap<&'a str, usize>,
    roots_checked: HashSet<&'a str>,
}

/// How deep the walk follows selections and fragments.
const WALK_LIMIT: usize = 256;

impl<'a> Walk<'a> {
    fn only_roots(&mut self, set: &'a SelectionSet, depth: usize) -> bool {
        depth < WALK_LIMIT
            && set.items.iter().all(|item| match &item.node {
                Selection::Field(field) => ROOT_FIELDS.contains(&field.node.name.node.as_str()),
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    match self.document.fragments.get(name) {
                        None => false,
                        Some(_) if !self.roots_checked.insert(name) => true,
                        Some(fragment) => self.only_roots(&fragment.node.selection_set.node, depth + 1),
                    }
                }
                Selection::InlineFragment(inline) => self.only_roots(&inline.node.selection_set.node, depth + 1),
            })
    }

    fn nesting(&mut self, set: &'a SelectionSet, depth: usize) -> usize {
        if depth >= WALK_LIMIT {
            return usize::MAX;
        }
        let mut most = 0;
        for item in &set.items {
            let nested = match &item.node {
                Selection::Field(field) => {
                    let list = usize::from(LIST_FIELDS.contains(&field.node.name.node.as_str()));
                    self.nesting(&field.node.selection_set.node, depth + 1).saturating_add(list)
                }
                Selection::FragmentSpread(spread) => self.fragment(spread.node.fragment_name.node.as_str(), depth),
                Selection::InlineFragment(inline) => self.nesting(&inline.node.selection_set.node, depth + 1),
            };
            most = most.max(nested);
        }
        most
    }

    fn lists(&mut self, set: &'a SelectionSet, depth: usize) -> usize {
        if depth >= WALK_LIMIT {
            return usize::MAX;
        }
        let mut total = 0usize;
        for item in &set.items {
            let within = match &item.node {
                Selection::Field(field) => {
                    let list = usize::from(LIST_FIELDS.contains(&field.node.name.node.as_str()));
                    self.lists(&field.node.selection_set.node, depth + 1).saturating_add(list)
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    match self.fragment_lists.get(name) {
                        Some(&known) => known,
                        None => match self.document.fragments.get(name) {
                            None => 0,
                            Some(fragment) => {
                                self.fragment_lists.insert(name, 0);
                                let lists = self.lists(&fragment.node.selection_set.node, depth + 1);
                                self.fragment_lists.insert(name, lists);
                                lists
                            }
                        },
                    }
                }
                Selection::InlineFragment(inline) => self.lists(&inline.node.selection_set.node, depth + 1),
            };
            total = total.saturating_add(within);
        }
        total
    }

    fn fragment(&mut self, name: &'a str, depth: usize) -> usize {
        if let Some(&known) = self.fragment_nesting.get(name) {
            return known;
        }
        let Some(fragment) = self.document.fragments.get(name) else { return 0 };
        self.fragment_nesting.insert(name, 0);
        let nesting = self.nesting(&fragment.node.selection_set.node, depth + 1);
        self.fragment_nesting.insert(name, nesting);
        nesting
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::{parse_query, types::DocumentOperations};

    use super::*;

    fn shape(query: &str) -> Shape {
        let document = parse_query(query).expect("parses");
        let operation = match &document.operations {
            DocumentOperations::Single(operation) => operation,
            DocumentOperations::Multiple(named) => named.values().next().expect("one operation"),
        };
        Shape::of(&document, &operation.node.selection_set.node)
    }

    #[test]
    fn only_introspections_root_fields_make_an_introspection() {
        assert!(shape("{ __schema { queryType { name } } }").only_introspection);
        assert!(shape("{ __typename t: __type(name: \"User\") { name } }").only_introspection);
        assert!(shape("query { ...F } fragment F on Query { __schema { types { name } } }").only_introspection);
        assert!(!shape("{ __schema { types { name } } me { id } }").only_introspection);
        assert!(!shape("query { ... on Query { me { id } } }").only_introspection);
        assert!(!shape("query { ...Missing }").only_introspection);
    }

    #[test]
    fn lists_nested_on_one_path_are_counted_through_fragments() {
        let standard = "query { __schema { types { ...T } } }
            fragment T on __Type { fields { args { type { ...R } } type { ...R } } interfaces { ...R } }
            fragment R on __Type { kind ofType { kind ofType { name } } }";
        assert_eq!(shape(standard).list_nesting, 3);
        assert_eq!(shape(standard).refusal(), None);
        let the_real_one = shape(include_str!("../../tests/fixtures/graphql-js-introspection.graphql"));
        assert_eq!((the_real_one.list_nesting, the_real_one.lists, the_real_one.refusal()), (3, 8, None));
        let mut wide = String::from("query { __schema { ...W } } fragment W on __Schema {");
        for alias in 0..29 {
            wide.push_str(&format!(" t{alias}: types {{ fields {{ args {{ name }} }} }}"));
        }
        wide.push('}');
        assert!(shape(&wide).refusal().is_some_and(|why| why.contains("87 of introspection's lists")));
        let deep = "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }";
        assert_eq!(shape(deep).list_nesting, 4);
        assert!(shape(deep).refusal().is_some_and(|why| why.contains("at most 3")));
    }

    #[test]
    fn fragments_spread_many_times_or_within_themselves_end_the_walk() {
        let mut query = String::from("query { __schema { types { ...F0 } } }\n");
        for level in 0..40 {
            query.push_str(&format!(
                "fragment F{level} on __Type {{ a: ofType {{ ...F{next} }} b: ofType {{ ...F{next} }} }}\n",
                next = level + 1
            ));
        }
        query.push_str("fragment F40 on __Type { fields { name } }");
        assert_eq!(shape(&query).list_nesting, 2);
        assert_eq!(shape("query { __schema { ...A } } fragment A on __Schema { types { ...A } }").list_nesting, 1);
        let mut chain = String::from("query { __schema { types { ...C0 } } }\n");
        for link in 0..300 {
            chain.push_str(&format!("fragment C{link} on __Type {{ ...C{} }}\n", link + 1));
        }
        chain.push_str("fragment C300 on __Type { fields { type { fields { type { fields { name } } } } } }");
        let hidden = shape(&chain);
        assert!(hidden.refusal().is_some(), "lists past the walk's limit are not let through unseen");
    }
}
