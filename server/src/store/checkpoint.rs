//! SQLite's checkpoint passes: each copies what it can of the write-ahead log into the database
//! file, and the passes beside the writer go on while each still finds much to copy, so that the
//! last one, in the writers' turn, finds little (see [`WriteGate::checkpoint_wal`]).
//!
//! [`WriteGate::checkpoint_wal`]: super::WriteGate::checkpoint_wal

use sea_orm::{ConnectionTrait, DbErr, Statement};

/// The most passes beside the writer before the one in its turn.
const MOST_PASSES_BESIDE: usize = 8;

/// A pass beside the writer that copied at most this many pages of the log ran while about as
/// few were committed: the pass in the turn will have that little to copy.
const LITTLE_TO_COPY: i64 = 256;

/// Runs passes on `db`, the pool beside the writer, until one has copied little or
/// [`MOST_PASSES_BESIDE`] have run.
pub(super) async fn passes_beside(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let mut passes = PassesBeside::default();
    for _ in 0..MOST_PASSES_BESIDE {
        if !passes.another_after(pass(db).await?) {
            break;
        }
    }
    Ok(())
}

/// Runs one pass on `db` without blocking readers or writers (`PRAGMA
/// wal_checkpoint(PASSIVE)`): how many of the log's pages are now copied into the database
/// file, or `None` when the database keeps no write-ahead log.
pub(super) async fn pass(db: &impl ConnectionTrait) -> Result<Option<i64>, DbErr> {
    let statement = Statement::from_string(db.get_database_backend(), "PRAGMA wal_checkpoint(PASSIVE)");
    let Some(row) = db.query_one_raw(statement).await? else {
        return Ok(None);
    };
    // The row is (busy, pages in the log, pages copied); both counts are -1 without a log.
    let copied: i64 = row.try_get_by_index(2)?;
    Ok((copied >= 0).then_some(copied))
}

/// Follows the passes beside the writer and says when another is worth running.
#[derive(Debug, Default)]
struct PassesBeside {
    copied_through: Option<i64>,
}

impl PassesBeside {
    /// Takes in what a pass reported ([`pass`]); whether it copied enough that another pass
    /// beside the writer should run before the one in its turn.
    fn another_after(&mut self, copied_through: Option<i64>) -> bool {
        let Some(now) = copied_through else {
            return false;
        };
        let copied = match self.copied_through {
            Some(before) if now >= before => now - before,
            // The first pass, or the log started over since the one before: all it says was
            // copied counts as copied by this pass. For a first pass on a log not started over
            // since the last checkpoint (a reader held it), that includes what earlier passes
            // copied: one pass more, at worst.
            _ => now,
        };
        self.copied_through = Some(now);
        copied > LITTLE_TO_COPY
    }
}

#[cfg(test)]
mod tests {
    use super::{LITTLE_TO_COPY, PassesBeside};

    #[test]
    fn passes_go_on_while_each_copies_more_than_a_little() {
        let mut passes = PassesBeside::default();
        assert!(passes.another_after(Some(5_000)), "the first pass copied 5,000 pages");
        assert!(passes.another_after(Some(5_900)), "the second copied 900, committed during the first");
        assert!(!passes.another_after(Some(5_900 + LITTLE_TO_COPY)), "the third copied only a little");
    }

    #[test]
    fn a_pass_on_a_quiet_log_is_the_last_beside_the_writer() {
        assert!(!PassesBeside::default().another_after(Some(0)), "nothing to copy");
        assert!(!PassesBeside::default().another_after(Some(LITTLE_TO_COPY)), "a little to copy");
    }

    #[test]
    fn a_log_started_over_between_passes_counts_what_the_new_one_copied() {
        let mut passes = PassesBeside::default();
        assert!(passes.another_after(Some(3_000)));
        assert!(passes.another_after(Some(2_000)), "the log started over, and 2,000 pages of it were copied");
        assert!(!passes.another_after(Some(40)), "started over again, 40 pages");
    }

    #[test]
    fn without_a_log_there_is_no_pass_to_run() {
        assert!(!PassesBeside::default().another_after(None));
    }
}
