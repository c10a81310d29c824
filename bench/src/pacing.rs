//! How long the server's pacer held sends, from its own `/metrics`
//! (`wagate_send_pacing_wait_seconds`). At the messages-per-second limit every slot is taken, so
//! a send that reached the pacer late takes a slot a second after it late as well: the pacer's
//! waits are the part of "before the Graph API call" that the limit imposes.

use crate::{
    metrics_text::{label, samples},
    server::Server,
};

/// One scrape of the histogram: cumulative counts by bucket bound in seconds, ascending.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PacingMark(Vec<(f64, f64)>);

/// The waits between two scrapes: how many sends waited at most each bound, cumulatively.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PacingWaits(Vec<(f64, f64)>);

impl PacingMark {
    /// Scrapes `server`'s `/metrics` now.
    pub async fn scrape(client: &reqwest::Client, server: &Server) -> Result<Self, String> {
        Ok(Self::parse(&server.metrics(client).await?))
    }

    /// The histogram's buckets in Prometheus's text format; none when the server has no such
    /// series.
    fn parse(text: &str) -> Self {
        let mut buckets: Vec<(f64, f64)> = samples(text, "wagate_send_pacing_wait_seconds_bucket")
            .filter_map(|(series, count)| {
                let bound = match label(series, "le")? {
                    "+Inf" => f64::INFINITY,
                    bound => bound.parse().ok()?,
                };
                Some((bound, count))
            })
            .collect();
        buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
        Self(buckets)
    }

    /// The waits observed between this scrape and `later`.
    pub fn until(&self, later: &PacingMark) -> PacingWaits {
        let before = |bound: f64| self.0.iter().find(|(b, _)| *b == bound).map_or(0.0, |(_, count)| *count);
        PacingWaits(later.0.iter().map(|&(bound, count)| (bound, count - before(bound))).collect())
    }
}

impl PacingWaits {
    /// The sends that got a slot.
    pub fn count(&self) -> f64 {
        self.0.last().map_or(0.0, |(_, count)| *count)
    }

    /// The smallest bucket bound, in milliseconds, that at least `q` of the waits stayed under
    /// (infinite past the last bound); `None` without sends.
    pub fn bound_ms(&self, q: f64) -> Option<f64> {
        let total = self.count();
        if total <= 0.0 {
            return None;
        }
        self.0.iter().find(|(_, count)| *count >= q * total).map(|(bound, _)| bound * 1000.0)
    }

    /// The share of the sends, 0.0–1.0, that waited longer than the first bound (0.1 ms: a free
    /// slot costs microseconds); `None` without sends.
    pub fn held_share(&self) -> Option<f64> {
        let total = self.count();
        let at_once = self.0.first().map_or(0.0, |(_, count)| *count);
        (total > 0.0).then(|| (total - at_once) / total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scrape(counts: [u32; 4]) -> String {
        format!(
            "# TYPE wagate_send_pacing_wait_seconds histogram\n\
             wagate_send_pacing_wait_seconds_sum 1.5\n\
             wagate_send_pacing_wait_seconds_count {}\n\
             wagate_send_pacing_wait_seconds_bucket{{le=\"0.0002\"}} {}\n\
             wagate_send_pacing_wait_seconds_bucket{{le=\"0.0001\"}} {}\n\
             wagate_send_pacing_wait_seconds_bucket{{le=\"0.0004\"}} {}\n\
             wagate_send_pacing_wait_seconds_bucket{{le=\"+Inf\"}} {}\n\
             wagate_sends_total{{outcome=\"sent\",meta_code=\"\"}} 7\n",
            counts[3], counts[1], counts[0], counts[2], counts[3]
        )
    }

    #[test]
    fn the_waits_between_two_scrapes_give_bounds_and_the_share_held() {
        let before = PacingMark::parse(&scrape([10, 10, 10, 10]));
        let after = PacingMark::parse(&scrape([100, 190, 208, 210]));
        let waits = before.until(&after);
        assert_eq!(waits.count(), 200.0);
        assert_eq!(waits.bound_ms(0.45), Some(0.1), "90 of 200 at once");
        assert_eq!(waits.bound_ms(0.5), Some(0.2), "buckets read in order of their bounds");
        assert_eq!(waits.bound_ms(0.99), Some(0.4));
        assert_eq!(waits.bound_ms(0.999), Some(f64::INFINITY), "two waited past the last bound");
        assert_eq!(waits.held_share(), Some(0.55));
    }

    #[test]
    fn a_run_without_sends_or_without_the_series_has_no_figures() {
        let none = PacingMark::parse("wagate_sends_total 0\n");
        let waits = none.until(&none);
        assert_eq!((waits.count(), waits.bound_ms(0.5), waits.held_share()), (0.0, None, None));
        let idle = PacingMark::parse(&scrape([3, 3, 3, 3]));
        assert_eq!(idle.until(&idle).bound_ms(0.99), None);
    }
}
