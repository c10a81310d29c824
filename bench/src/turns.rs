//! Who held SQLite's one turn to write during a phase, from the server's own `/metrics`
//! (`wagate_write_turn_held_seconds{writer}`): the share of the phase each writer held it, and
//! how many holds were long. A turn held nearly all the time is the bound; a long hold is a
//! stall every delivery queued behind it waits out. PostgreSQL's writers take no turn, so
//! there every figure is zero.

use std::collections::HashMap;

use crate::{
    metrics_text::{label, samples},
    server::Server,
    stats::median,
};

/// The histogram's bucket bound above which a hold counts as long, in milliseconds (one of the
/// server's bounds: 0.1 ms doubling).
pub const LONG_HOLD_MS: f64 = 12.8;

/// The writers the report names one by one; the others are counted in the total only.
const NAMED: [&str; 3] = ["ingest", "text_index", "checkpoint"];

/// One scrape's turn counters, by writer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TurnMark {
    /// Seconds held, by writer.
    held: HashMap<String, f64>,
    /// Holds, by writer.
    holds: HashMap<String, f64>,
    /// Holds no longer than [`LONG_HOLD_MS`], by writer.
    short: HashMap<String, f64>,
}

/// What a phase's turns were.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TurnUse {
    /// Share of the phase the turn was held, by any writer, 0.0–1.0.
    pub held_share: f64,
    /// Share of the phase held by each of the writers in [`NAMED`], in that order.
    pub by_writer: [f64; 3],
    /// Holds longer than 12.8 ms, by any writer.
    pub long_holds: f64,
    /// Holds longer than 12.8 ms by each of the writers in [`NAMED`], in that order.
    pub long_by_writer: [f64; 3],
}

impl TurnMark {
    /// Scrapes `server`'s `/metrics` now.
    pub async fn scrape(client: &reqwest::Client, server: &Server) -> Result<Self, String> {
        Ok(Self::parse(&server.metrics(client).await?))
    }

    /// The turn counters in Prometheus's text format; series it does not hold read as zero.
    fn parse(text: &str) -> Self {
        let mut mark = Self::default();
        for (series, value) in samples(text, "wagate_write_turn_held_seconds_") {
            let Some(writer) = label(series, "writer") else { continue };
            let writer = writer.to_owned();
            if series.starts_with("sum{") {
                mark.held.insert(writer, value);
            } else if series.starts_with("count{") {
                mark.holds.insert(writer, value);
            } else if series.starts_with("bucket{") && label(series, "le").is_some_and(is_long_hold_bound) {
                mark.short.insert(writer, value);
            }
        }
        mark
    }

    /// What was used between this scrape and `later`, over a phase of `seconds`.
    pub fn until(&self, later: &TurnMark, seconds: f64) -> TurnUse {
        let delta = |of: fn(&TurnMark) -> &HashMap<String, f64>, writer: &str| {
            of(later).get(writer).copied().unwrap_or(0.0) - of(self).get(writer).copied().unwrap_or(0.0)
        };
        let share = |held: f64| if seconds > 0.0 { held / seconds } else { 0.0 };
        let long = |writer: &str| delta(|m| &m.holds, writer) - delta(|m| &m.short, writer);
        let writers: Vec<&String> = later.holds.keys().collect();
        TurnUse {
            held_share: share(writers.iter().map(|w| delta(|m| &m.held, w)).sum()),
            by_writer: NAMED.map(|w| share(delta(|m| &m.held, w))),
            long_holds: writers.iter().map(|w| long(w)).sum(),
            long_by_writer: NAMED.map(long),
        }
    }
}

impl TurnUse {
    /// Each figure's median over `uses` (the runs of one phase).
    pub fn median(uses: &[&TurnUse]) -> TurnUse {
        let of = |figure: &dyn Fn(&TurnUse) -> f64| median(&uses.iter().map(|u| figure(u)).collect::<Vec<_>>());
        let of = |figure: &dyn Fn(&TurnUse) -> f64| of(figure).unwrap_or(0.0);
        TurnUse {
            held_share: of(&|u| u.held_share),
            by_writer: [0, 1, 2].map(|w| of(&|u| u.by_writer[w])),
            long_holds: of(&|u| u.long_holds),
            long_by_writer: [0, 1, 2].map(|w| of(&|u| u.long_by_writer[w])),
        }
    }
}

/// Whether a bucket's `le` bound is [`LONG_HOLD_MS`].
fn is_long_hold_bound(le: &str) -> bool {
    le.parse::<f64>().is_ok_and(|seconds| (seconds * 1000.0 - LONG_HOLD_MS).abs() < 1e-9)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scrape(held: [f64; 2], holds: [f64; 2], short: [f64; 2]) -> String {
        format!(
            "# TYPE wagate_write_turn_held_seconds histogram\n\
             wagate_write_turn_held_seconds_sum{{writer=\"ingest\"}} {}\n\
             wagate_write_turn_held_seconds_count{{writer=\"ingest\"}} {}\n\
             wagate_write_turn_held_seconds_bucket{{writer=\"ingest\",le=\"0.0064\"}} 1\n\
             wagate_write_turn_held_seconds_bucket{{writer=\"ingest\",le=\"0.0128\"}} {}\n\
             wagate_write_turn_held_seconds_sum{{writer=\"media\"}} {}\n\
             wagate_write_turn_held_seconds_count{{writer=\"media\"}} {}\n\
             wagate_write_turn_held_seconds_bucket{{writer=\"media\",le=\"0.0128\"}} {}\n\
             wagate_write_turn_wait_seconds_sum{{writer=\"ingest\"}} 99\n",
            held[0], holds[0], short[0], held[1], holds[1], short[1]
        )
    }

    #[test]
    fn a_phase_shows_each_writers_share_and_the_long_holds() {
        let before = TurnMark::parse(&scrape([1.0, 0.0], [10.0, 0.0], [10.0, 0.0]));
        let after = TurnMark::parse(&scrape([4.0, 0.5], [110.0, 2.0], [105.0, 1.0]));
        let used = after.until(&after, 4.0);
        assert_eq!(used, TurnUse::default());
        let used = before.until(&after, 4.0);
        assert!((used.held_share - 0.875).abs() < 1e-9, "3.5 s of 4 s: {used:?}");
        assert_eq!(used.by_writer, [0.75, 0.0, 0.0], "media is in the total only");
        assert_eq!(used.long_holds, 6.0, "5 of ingest's and one of media's were over 12.8 ms");
        assert_eq!(used.long_by_writer, [5.0, 0.0, 0.0]);
    }

    #[test]
    fn the_median_is_taken_figure_by_figure() {
        let run = |share: f64, long: f64| TurnUse {
            held_share: share,
            by_writer: [share, 0.0, 0.0],
            long_holds: long,
            long_by_writer: [0.0, long, 0.0],
        };
        let (a, b, c) = (run(0.9, 30.0), run(0.95, 10.0), run(0.97, 20.0));
        let median = TurnUse::median(&[&a, &b, &c]);
        assert_eq!((median.held_share, median.by_writer[0]), (0.95, 0.95));
        assert_eq!((median.long_holds, median.long_by_writer[1]), (20.0, 20.0), "from another run than the share");
    }

    #[test]
    fn a_server_without_turns_reads_as_none() {
        let none = TurnMark::parse("wagate_ingest_batch_size_sum 12\n");
        assert_eq!(none.until(&none, 8.0), TurnUse::default());
    }
}
