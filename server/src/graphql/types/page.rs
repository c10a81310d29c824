//! One page of a cursor-paginated list, in the Relay connection shape (`pageInfo`, `edges`,
//! `nodes`), written here so that every type of it carries a description.

use async_graphql::{Object, OutputType, SimpleObject};

use crate::graphql::types::{conversation::ConversationNode, credits::LedgerEntry, user::UserNode};

/// One page of a list, as the resolvers build it.
pub struct Page<N: OutputType> {
    edges: Vec<PageEdge<N>>,
    has_previous_page: bool,
    has_next_page: bool,
}

/// Where a page lies in its list. Lists page forwards only (`first`, `after`): there is no
/// `last` or `before`.
#[derive(SimpleObject)]
pub struct PageInfo {
    /// Whether this page was asked for with `after`, so items come before it; false on a first
    /// page. To go back, keep the pages already fetched or start again without `after`.
    has_previous_page: bool,
    /// Whether more items follow this page: pass `endCursor` as `after` to fetch them.
    has_next_page: bool,
    /// The cursor of this page's first item (null when the page is empty). Passed as `after`,
    /// it continues after that item; it does not page backwards.
    start_cursor: Option<String>,
    /// The cursor of this page's last item, to pass as `after` for the next page (null when the
    /// page is empty).
    end_cursor: Option<String>,
}

/// One item of a page, with its cursor.
#[derive(SimpleObject)]
#[graphql(
    concrete(name = "ConversationEdge", params(ConversationNode)),
    concrete(name = "UserEdge", params(UserNode)),
    concrete(name = "LedgerEntryEdge", params(LedgerEntry))
)]
pub struct PageEdge<N: OutputType> {
    /// The item.
    node: N,
    /// Pass this as `after` to continue the list after this item.
    cursor: String,
}

impl<N: OutputType> Page<N> {
    /// A page of `(cursor, node)` pairs; `after_given` says whether the caller skipped ahead.
    pub fn new(items: impl IntoIterator<Item = (String, N)>, after_given: bool, has_next_page: bool) -> Self {
        let edges = items.into_iter().map(|(cursor, node)| PageEdge { node, cursor }).collect();
        Self { edges, has_previous_page: after_given, has_next_page }
    }
}

/// One page of a list; pass `pageInfo.endCursor` as `after` to fetch the next page.
#[Object(
    concrete(name = "ConversationConnection", params(ConversationNode)),
    concrete(name = "UserConnection", params(UserNode)),
    concrete(name = "LedgerEntryConnection", params(LedgerEntry))
)]
impl<N: OutputType> Page<N>
where
    PageEdge<N>: OutputType,
{
    /// Whether items come before this page (it was asked for with `after`) and after it, and
    /// the cursors of its first and last items.
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_previous_page: self.has_previous_page,
            has_next_page: self.has_next_page,
            start_cursor: self.edges.first().map(|edge| edge.cursor.clone()),
            end_cursor: self.edges.last().map(|edge| edge.cursor.clone()),
        }
    }

    /// The items of this page with their cursors, in list order.
    async fn edges(&self) -> Vec<&PageEdge<N>> {
        self.edges.iter().collect()
    }

    /// The items of this page, in list order, without cursors.
    async fn nodes(&self) -> Vec<&N> {
        self.edges.iter().map(|edge| &edge.node).collect()
    }
}
