//! The `search` filter: messages whose `content` contains a term, ignoring case in every
//! alphabet, the term taken literally (see `text_match`).
//!
//! The condition is the same whatever the plan, so every plan returns the same rows; a trigram
//! index only narrows where they are looked for.
//! - PostgreSQL serves that condition from its GIN trigram index on `lower(content)` as it is,
//!   and its planner weighs the index against walking the user's rows newest first from the
//!   statistics it keeps on `lower(content)`.
//! - SQLite keeps no statistics and walks the user's index newest first whatever the term: a
//!   term that matches nothing reads every row of the user. So the choice is made here, with a
//!   bounded count in the FTS5 trigram table `conversations_fts`: a term that at most
//!   `MAX_LOOKED_UP` messages contain, over all users, pages from the ids the table names (a
//!   subquery; each row looked up, the user's sorted) and from the messages stored since the
//!   table last took messages in (it does so in the background ten times a second, see
//!   `text_index`: a tenth of a second's worth, or a bulk import's until it has caught up; read
//!   by id); a more common one walks the user's rows
//!   newest first, where its matches come soon. A term that is common overall but rare among one heavy user's messages
//!   still reads many of them.
//! - A term of one or two characters has no trigram: it is matched by walking the user's rows.
//!   So is, on PostgreSQL, a term without three ASCII letters or digits in a row (`à`, `% o`,
//!   `!!!`), in which `pg_trgm` may find no trigram.

use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, Statement,
    sea_query::{Alias, BinOper, Expr, ExprTrait, Query, SimpleExpr},
};

use crate::{domain::text_match, store::entity::conversation};

/// The most messages (over all users) a term may match for SQLite to page it from the text
/// index. Each is looked up by id and the user's are sorted: about a millisecond per thousand at
/// 1 M messages. A term any more common than that is in about one message of two hundred, and
/// walking a user's messages newest first finds a page of it after some ten thousand (~12 ms).
const MAX_LOOKED_UP: u16 = 5_000;

/// The shortest term, in characters, a trigram index can find.
const MIN_INDEXED_CHARS: usize = 3;

/// A search term, trimmed and lowercased.
pub(super) struct Search {
    lowered: String,
}

impl Search {
    /// The term, unless it is blank.
    pub(super) fn new(term: &str) -> Option<Self> {
        let term = term.trim();
        (!term.is_empty()).then(|| Self { lowered: term.to_lowercase() })
    }

    /// On SQLite `content REGEXP '(?i)term'`, else `lower(content) LIKE '%term%'`, the term
    /// escaped either way.
    ///
    /// For a term in which PostgreSQL's trigram index finds no trigram, the text is written
    /// `lower(content || '')`, which the index does not cover: its planner would otherwise take
    /// the index for such a term (`%zq%`) and read all of it (1.4 s at 1 M messages).
    pub(super) fn condition(&self, backend: DbBackend) -> SimpleExpr {
        let content = Expr::col(conversation::Column::Content);
        let text = match backend == DbBackend::Postgres && !self.has_postgres_trigram() {
            true => content.binary(BinOper::Custom("||"), ""),
            false => content,
        };
        text_match::contains_ignoring_case(text, &self.lowered, backend)
    }

    /// Whether `pg_trgm` surely draws a trigram from the term's LIKE pattern: it has three ASCII
    /// letters or digits in a row (`pg_trgm` reads words of letters and digits, ASCII ones at
    /// least whatever the database's locale, and pads a word only where the pattern bounds it).
    fn has_postgres_trigram(&self) -> bool {
        self.lowered.split(|c: char| !c.is_ascii_alphanumeric()).any(|word| word.len() >= MIN_INDEXED_CHARS)
    }

    /// Where the page is to be found: on SQLite, a term of three characters or more is counted
    /// in the text index first, up to `MAX_LOOKED_UP` + 1 messages (the count, not the ids, so
    /// that a common term costs about a millisecond); elsewhere the walk is left to the planner.
    pub(super) async fn lookup<C: ConnectionTrait>(&self, db: &C) -> Result<Lookup, DbErr> {
        if db.get_database_backend() != DbBackend::Sqlite || self.lowered.chars().count() < MIN_INDEXED_CHARS {
            return Ok(Lookup::Walk);
        }
        let probe = Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "SELECT count(*) AS found FROM \
             (SELECT rowid FROM conversations_fts WHERE conversations_fts MATCH ? LIMIT ?)",
            [self.phrase().into(), (i64::from(MAX_LOOKED_UP) + 1).into()],
        );
        let found = match db.query_one_raw(probe).await? {
            Some(row) => row.try_get::<i64>("", "found")?,
            None => 0,
        };
        Ok(if found > i64::from(MAX_LOOKED_UP) { Lookup::Walk } else { Lookup::Indexed })
    }

    /// `id IN` the messages (of any user) the text index names for the term, or stored since
    /// it last took messages in (above `conversations_fts_mark`, see
    /// [`text_index`](super::text_index)): those few are read directly.
    pub(super) fn indexed(&self) -> SimpleExpr {
        let ids = Query::select()
            .expr(Expr::cust("rowid"))
            .from(Alias::new("conversations_fts"))
            .and_where(Expr::cust_with_values("conversations_fts MATCH ?", [self.phrase()]))
            .to_owned();
        let id = || Expr::col((conversation::Entity, conversation::Column::Id));
        let not_yet_indexed = id().gt(Expr::cust("(SELECT indexed_through FROM conversations_fts_mark)"));
        id().in_subquery(ids).or(not_yet_indexed)
    }

    /// The term as a quoted FTS5 phrase: its trigrams in a row, the term as a substring.
    fn phrase(&self) -> String {
        format!("\"{}\"", self.lowered.replace('"', "\"\""))
    }
}

/// Where a search's page is found.
pub(super) enum Lookup {
    /// Along the user's messages, newest first (or as PostgreSQL's planner chooses).
    Walk,
    /// Among the few messages the text index names and those it has not taken in yet, each
    /// looked up by id and the user's sorted.
    Indexed,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_looks_up_only_terms_with_three_ascii_letters_or_digits_in_a_row() {
        let has = |term: &str| Search::new(term).is_some_and(|s| s.has_postgres_trigram());
        assert!(has("Zanzibar") && has("à demain") && has("#447"));
        assert!(!has("zq") && !has("% o") && !has("été") && !has("!!!") && !has("a b c"));
    }

    #[test]
    fn a_blank_search_is_no_search() {
        assert!(Search::new("  \t").is_none());
        assert_eq!(Search::new(" MerCI ").map(|s| s.lowered).as_deref(), Some("merci"));
    }
}
