//! Text that contains a term, ignoring case in every alphabet, the term taken literally (`%`,
//! `_`, `\` and regular expressions' special characters match only themselves).
//!
//! The condition is `lower(text) LIKE '%term%'`: on PostgreSQL `lower` folds every alphabet
//! under a UTF-8 locale, and a trigram index on `lower(text)` serves it. SQLite's `lower()` and
//! `LIKE` fold only A to Z, which is enough for a term of ASCII characters only (each of them
//! can only match an ASCII character); for any other term the condition is `text REGEXP
//! '(?i)term'` (sqlx's REGEXP function, Rust's regex crate, registered on every connection),
//! which costs about a fifth more per row read than `LIKE` (`docs/benchmarks.md`, section 2).

use sea_orm::{
    DbBackend,
    sea_query::{BinOper, Expr, ExprTrait, Func, LikeExpr, SimpleExpr},
};

/// `text` contains `lowered` (a term already lowercased), ignoring case.
pub(crate) fn contains_ignoring_case(text: SimpleExpr, lowered: &str, backend: DbBackend) -> SimpleExpr {
    if backend == DbBackend::Sqlite && !lowered.is_ascii() {
        return text.binary(BinOper::Custom("REGEXP"), format!("(?i){}", regex::escape(lowered)));
    }
    let pattern = format!("%{}%", escape_like(lowered));
    Expr::expr(Func::lower(text)).like(LikeExpr::new(pattern).escape('\\'))
}

fn escape_like(term: &str) -> String {
    term.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::{Alias, PostgresQueryBuilder, Query, SqliteQueryBuilder};

    use super::*;

    fn where_clause(backend: DbBackend, term: &str) -> String {
        let condition = contains_ignoring_case(Expr::col(Alias::new("t")), term, backend);
        let query = Query::select().expr(Expr::val(1)).and_where(condition).to_owned();
        match backend {
            DbBackend::Sqlite => query.to_string(SqliteQueryBuilder),
            _ => query.to_string(PostgresQueryBuilder),
        }
    }

    #[test]
    fn the_terms_special_characters_are_escaped_in_either_condition() {
        assert!(where_clause(DbBackend::Sqlite, "é 50% o_k.").contains(r#""t" REGEXP '(?i)é 50% o_k\.'"#));
        let sqlite = r#"LOWER("t") LIKE '%50\% o\_k.%' ESCAPE '\'"#;
        assert!(where_clause(DbBackend::Sqlite, "50% o_k.").contains(sqlite), "an ASCII term needs no REGEXP");
        let postgres = r#"LOWER("t") LIKE E'%50\\% o\\_k.%' ESCAPE E'\\'"#;
        assert!(where_clause(DbBackend::Postgres, "50% o_k.").contains(postgres));
        assert!(where_clause(DbBackend::Postgres, "école").contains("LIKE"), "PostgreSQL folds every alphabet itself");
    }
}
