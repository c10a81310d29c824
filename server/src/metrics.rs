//! Prometheus metrics: one registry per process, rendered at `/metrics` in the Prometheus text
//! exposition format (version 0.0.4).
//!
//! A counter moves only once what it counts is settled: a delivery's messages, statuses and
//! credits after its transaction committed, a send when it finished. The live-subscriber gauge
//! is read from the event bus at scrape time.

use std::{sync::Arc, time::Duration};

use prometheus_client::{
    collector::Collector,
    encoding::{DescriptorEncoder, EncodeMetric, prometheus_text},
    metrics::{
        counter::Counter,
        family::Family,
        gauge::ConstGauge,
        histogram::{Histogram, exponential_buckets},
        info::Info,
    },
    registry::{Registry, Unit},
};

use crate::{
    domain::ingest::IngestReport,
    events::EventBus,
    store::{TurnObserver, Writer},
};

/// The `Content-Type` of [`Metrics::render`]'s text.
pub const CONTENT_TYPE: &str = prometheus_text::CONTENT_TYPE;

/// A webhook delivery that was answered without being committed
/// (`wagate_webhook_deliveries_total{outcome}`; committed ones count as `processed` or `failed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `rejected`: 400, the body is not JSON (kept as a `rejected` delivery) or was unreadable.
    Rejected,
    /// `unauthenticated`: 401, the signature is missing or wrong; nothing was stored.
    Unauthenticated,
    /// `too_large`: 413, the body is over `WEBHOOK_MAX_BODY_BYTES`; nothing was stored.
    TooLarge,
    /// `unavailable`: 503, the store failed; nothing was stored and Meta retries.
    Unavailable,
}

impl Refusal {
    const ALL: [Self; 4] = [Self::Rejected, Self::Unauthenticated, Self::TooLarge, Self::Unavailable];

    /// The `outcome` label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rejected => "rejected",
            Self::Unauthenticated => "unauthenticated",
            Self::TooLarge => "too_large",
            Self::Unavailable => "unavailable",
        }
    }
}

/// The outcomes of a committed delivery, as `IngestReport::outcome` names them.
const COMMITTED: [&str; 2] = ["processed", "failed"];

type Labels<V> = [(&'static str, V); 1];

/// Histograms of durations, one per label value.
type Timings = Family<Labels<&'static str>, Histogram, fn() -> Histogram>;

/// 100 µs to about 3 s, doubling.
fn timing() -> Histogram {
    Histogram::new(exponential_buckets(0.0001, 2.0, 16))
}

/// wagate's metrics: cheap to clone, every clone counting into the same registry.
#[derive(Clone, Debug)]
pub struct Metrics(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    registry: Registry,
    deliveries: Family<Labels<&'static str>, Counter>,
    messages_ingested: Counter,
    message_duplicates: Counter,
    statuses_recorded: Counter,
    statuses_applied: Counter,
    batch_size: Histogram,
    commit_seconds: Histogram,
    send_batch_size: Histogram,
    pacing_wait: Histogram,
    sends: Family<[(&'static str, String); 2], Counter>,
    credits_charged: Family<Labels<&'static str>, Counter>,
    credits_refunded: Counter,
    turn_wait: Timings,
    turn_held: Timings,
}

impl Metrics {
    /// A registry with every wagate metric, reading live subscribers from `events`.
    pub fn new(events: EventBus) -> Self {
        let inner = Inner {
            registry: Registry::with_prefix("wagate"),
            deliveries: Family::default(),
            messages_ingested: Counter::default(),
            message_duplicates: Counter::default(),
            statuses_recorded: Counter::default(),
            statuses_applied: Counter::default(),
            batch_size: Histogram::new(exponential_buckets(1.0, 2.0, 10)),
            commit_seconds: Histogram::new(exponential_buckets(0.0005, 2.0, 14)),
            send_batch_size: Histogram::new(exponential_buckets(1.0, 2.0, 10)),
            pacing_wait: timing(),
            sends: Family::default(),
            credits_charged: Family::default(),
            credits_refunded: Counter::default(),
            turn_wait: Timings::new_with_constructor(timing),
            turn_held: Timings::new_with_constructor(timing),
        };
        Self(Arc::new(inner.registered(events)))
    }

    /// A delivery was committed: counts it by its outcome, with its messages, statuses and the
    /// credits its inbound messages were charged.
    pub fn delivery_committed(&self, report: &IngestReport) {
        let m = &self.0;
        m.deliveries.get_or_create(&[("outcome", report.outcome)]).inc();
        m.messages_ingested.inc_by(count(report.messages_stored));
        m.message_duplicates.inc_by(count(report.messages_duplicate));
        m.statuses_recorded.inc_by(count(report.statuses_recorded));
        m.statuses_applied.inc_by(count(report.statuses_applied));
        m.credits_charged.get_or_create(&[("reason", "inbound")]).inc_by(credits(report.credits_charged));
    }

    /// A delivery was answered without being committed.
    pub fn delivery_refused(&self, refusal: Refusal) {
        self.0.deliveries.get_or_create(&[("outcome", refusal.as_str())]).inc();
    }

    /// A transaction of `deliveries` webhook deliveries committed in `elapsed`.
    pub fn observe_commit(&self, deliveries: usize, elapsed: Duration) {
        self.0.batch_size.observe(deliveries as f64);
        self.0.commit_seconds.observe(elapsed.as_secs_f64());
    }

    /// A transaction of `units` sends' writes (reservations, stored messages, refunds) committed.
    pub fn observe_send_batch(&self, units: usize) {
        self.0.send_batch_size.observe(units as f64);
    }

    /// A send waited `waited` for a free slot under the business number's messages-per-second
    /// limit before its call to Meta (about zero when one was free).
    pub fn observe_pacing_wait(&self, waited: Duration) {
        self.0.pacing_wait.observe(waited.as_secs_f64());
    }

    /// A send finished with `outcome`, and Meta's error code when Meta answered with one.
    pub fn send_finished(&self, outcome: &str, meta_code: Option<i64>) {
        let meta_code = meta_code.map(|code| code.to_string()).unwrap_or_default();
        self.0.sends.get_or_create(&[("outcome", outcome.to_owned()), ("meta_code", meta_code)]).inc();
    }

    /// A send's price was taken from a balance (committed).
    pub fn outbound_charged(&self, price: i64) {
        self.0.credits_charged.get_or_create(&[("reason", "outbound")]).inc_by(credits(price));
    }

    /// A send's price was given back because Meta did not take the message (committed).
    pub fn refunded(&self, price: i64) {
        self.0.credits_refunded.inc_by(credits(price));
    }

    /// Every metric in the Prometheus text format.
    pub fn render(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::new();
        prometheus_text::encode(&mut text, &self.0.registry)?;
        Ok(text)
    }
}

impl Inner {
    /// Registers every metric (the registry keeps clones sharing their values) and creates the
    /// labelled series known in advance, so they show as 0 before their first event.
    fn registered(mut self, events: EventBus) -> Self {
        let r = &mut self.registry;
        r.register("build", "The running wagate's version", Info::new([("version", env!("CARGO_PKG_VERSION"))]));
        let outcomes = "Webhook deliveries by outcome: processed or failed (committed, failed items kept for \
                        replay), rejected (400), unauthenticated (401), too_large (413), unavailable (503)";
        r.register("webhook_deliveries", outcomes, self.deliveries.clone());
        r.register("messages_ingested", "Inbound messages stored", self.messages_ingested.clone());
        r.register(
            "message_duplicates",
            "Inbound messages received again and not stored twice",
            self.message_duplicates.clone(),
        );
        r.register("statuses_recorded", "Status reports from Meta recorded", self.statuses_recorded.clone());
        r.register(
            "statuses_applied",
            "Status reports that moved a stored message forward",
            self.statuses_applied.clone(),
        );
        r.register("ingest_batch_size", "Webhook deliveries committed per transaction", self.batch_size.clone());
        let commit = "Time to commit a transaction of webhook deliveries and publish its events";
        r.register_with_unit("ingest_commit", commit, Unit::Seconds, self.commit_seconds.clone());
        let send_batch = "Sends' writes (reservations, stored messages, refunds) per committed transaction, \
                          refused reservations included";
        r.register("send_write_batch_size", send_batch, self.send_batch_size.clone());
        let pacing = "Time each send waited for a free slot under the business number's messages-per-second limit \
                      (WHATSAPP_MAX_MPS) before its call to Meta; about 0 when one was free";
        r.register_with_unit("send_pacing_wait", pacing, Unit::Seconds, self.pacing_wait.clone());
        let sends = "Sends by outcome: sent, timeout, upstream_error (with Meta's meta_code when it gave one), or \
                     the error code the caller got, lowercased (bad_user_input, insufficient_credits, \
                     outside_service_window, rate_limited, forbidden, unavailable)";
        r.register("sends", sends, self.sends.clone());
        let charged = "Credits taken from balances by committed charges: inbound messages, outbound sends";
        r.register("credits_charged", charged, self.credits_charged.clone());
        r.register("credits_refunded", "Credits given back for sends Meta did not take", self.credits_refunded.clone());
        let wait = "SQLite only: time each writer waited for this process's turn to write, by writer (ingest, \
                    sends, text_index, checkpoint, credits, media, accounts)";
        r.register_with_unit("write_turn_wait", wait, Unit::Seconds, self.turn_wait.clone());
        let held = "SQLite only: time each writer held this process's turn to write (its transaction, commit \
                    included), by writer";
        r.register_with_unit("write_turn_held", held, Unit::Seconds, self.turn_held.clone());
        r.register_collector(Box::new(LiveSubscribers(events)));
        for outcome in COMMITTED.into_iter().chain(Refusal::ALL.map(Refusal::as_str)) {
            self.deliveries.get_or_create_owned(&[("outcome", outcome)]);
        }
        for reason in ["inbound", "outbound"] {
            self.credits_charged.get_or_create_owned(&[("reason", reason)]);
        }
        for writer in Writer::ALL.map(Writer::as_str) {
            self.turn_wait.get_or_create_owned(&[("writer", writer)]);
            self.turn_held.get_or_create_owned(&[("writer", writer)]);
        }
        self
    }
}

impl TurnObserver for Metrics {
    fn turn_held(&self, writer: Writer, waited: Duration, held: Duration) {
        let labels = [("writer", writer.as_str())];
        self.0.turn_wait.get_or_create(&labels).observe(waited.as_secs_f64());
        self.0.turn_held.get_or_create(&labels).observe(held.as_secs_f64());
    }
}

/// `wagate_live_subscribers`: the event bus's subscribers, counted when scraped.
#[derive(Debug)]
struct LiveSubscribers(EventBus);

impl Collector for LiveSubscribers {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let gauge = ConstGauge::new(count(self.0.subscriber_count()));
        let help = "Live subscriptions (GraphQL over WebSocket) receiving events in this process.";
        gauge.encode(encoder.encode_descriptor("live_subscribers", help, None, gauge.metric_type())?)
    }
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// Credits are never negative where they are counted; a negative amount counts nothing.
fn credits(amount: i64) -> u64 {
    u64::try_from(amount).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics() -> (Metrics, EventBus) {
        let events = EventBus::new(8);
        (Metrics::new(events.clone()), events)
    }

    fn lines(metrics: &Metrics) -> Vec<String> {
        metrics.render().unwrap().lines().map(str::to_owned).collect()
    }

    fn has(metrics: &Metrics, line: &str) -> bool {
        lines(metrics).iter().any(|l| l == line)
    }

    #[test]
    fn known_series_show_as_zero_before_their_first_event() {
        let (metrics, _events) = metrics();
        for line in [
            "wagate_webhook_deliveries_total{outcome=\"processed\"} 0",
            "wagate_webhook_deliveries_total{outcome=\"too_large\"} 0",
            "wagate_credits_charged_total{reason=\"outbound\"} 0",
            "wagate_messages_ingested_total 0",
            "wagate_live_subscribers 0",
            "wagate_ingest_commit_seconds_count 0",
            "# TYPE wagate_ingest_batch_size histogram",
        ] {
            assert!(has(&metrics, line), "`{line}` missing from:\n{}", metrics.render().unwrap());
        }
        let build = format!("wagate_build_info{{version=\"{}\"}} 1", env!("CARGO_PKG_VERSION"));
        assert!(has(&metrics, &build));
    }

    #[test]
    fn a_committed_delivery_counts_its_items_and_inbound_credits() {
        let (metrics, _events) = metrics();
        let report = IngestReport {
            outcome: "failed",
            messages_stored: 2,
            messages_duplicate: 1,
            statuses_recorded: 3,
            statuses_applied: 2,
            credits_charged: 4,
            ..IngestReport::default()
        };
        metrics.delivery_committed(&report);
        metrics.delivery_refused(Refusal::Unauthenticated);
        metrics.outbound_charged(2);
        for line in [
            "wagate_webhook_deliveries_total{outcome=\"failed\"} 1",
            "wagate_webhook_deliveries_total{outcome=\"processed\"} 0",
            "wagate_webhook_deliveries_total{outcome=\"unauthenticated\"} 1",
            "wagate_messages_ingested_total 2",
            "wagate_message_duplicates_total 1",
            "wagate_statuses_recorded_total 3",
            "wagate_statuses_applied_total 2",
            "wagate_credits_charged_total{reason=\"inbound\"} 4",
            "wagate_credits_charged_total{reason=\"outbound\"} 2",
        ] {
            assert!(has(&metrics, line), "`{line}` missing from:\n{}", metrics.render().unwrap());
        }
    }

    #[test]
    fn sends_are_labelled_with_metas_code_or_an_empty_one() {
        let (metrics, _events) = metrics();
        metrics.send_finished("sent", None);
        metrics.send_finished("upstream_error", Some(131026));
        metrics.send_finished("upstream_error", Some(131026));
        assert!(has(&metrics, "wagate_sends_total{outcome=\"sent\",meta_code=\"\"} 1"));
        assert!(has(&metrics, "wagate_sends_total{outcome=\"upstream_error\",meta_code=\"131026\"} 2"));
    }

    #[test]
    fn commits_fill_both_histograms() {
        let (metrics, _events) = metrics();
        metrics.observe_commit(3, Duration::from_millis(3));
        assert!(has(&metrics, "wagate_ingest_batch_size_bucket{le=\"2\"} 0"));
        assert!(has(&metrics, "wagate_ingest_batch_size_bucket{le=\"4\"} 1"));
        assert!(has(&metrics, "wagate_ingest_batch_size_sum 3.0"));
        assert!(has(&metrics, "wagate_ingest_commit_seconds_bucket{le=\"0.002\"} 0"));
        assert!(has(&metrics, "wagate_ingest_commit_seconds_bucket{le=\"0.004\"} 1"));
        assert!(has(&metrics, "wagate_ingest_commit_seconds_count 1"));
    }

    #[test]
    fn pacing_waits_are_timed() {
        let (metrics, _events) = metrics();
        metrics.observe_pacing_wait(Duration::ZERO);
        metrics.observe_pacing_wait(Duration::from_millis(3));
        assert!(has(&metrics, "wagate_send_pacing_wait_seconds_bucket{le=\"0.0001\"} 1"));
        assert!(has(&metrics, "wagate_send_pacing_wait_seconds_bucket{le=\"0.0016\"} 1"));
        assert!(has(&metrics, "wagate_send_pacing_wait_seconds_bucket{le=\"0.0032\"} 2"));
        assert!(has(&metrics, "wagate_send_pacing_wait_seconds_count 2"));
    }

    #[test]
    fn turns_are_timed_by_writer() {
        let (metrics, _events) = metrics();
        assert!(has(&metrics, "wagate_write_turn_held_seconds_count{writer=\"checkpoint\"} 0"));
        metrics.turn_held(Writer::TextIndex, Duration::from_micros(150), Duration::from_millis(7));
        assert!(has(&metrics, "wagate_write_turn_wait_seconds_bucket{writer=\"text_index\",le=\"0.0001\"} 0"));
        assert!(has(&metrics, "wagate_write_turn_wait_seconds_bucket{writer=\"text_index\",le=\"0.0002\"} 1"));
        assert!(has(&metrics, "wagate_write_turn_held_seconds_bucket{writer=\"text_index\",le=\"0.0064\"} 0"));
        assert!(has(&metrics, "wagate_write_turn_held_seconds_bucket{writer=\"text_index\",le=\"0.0128\"} 1"));
        assert!(has(&metrics, "wagate_write_turn_held_seconds_count{writer=\"ingest\"} 0"));
    }

    #[test]
    fn live_subscribers_are_counted_when_scraped() {
        let (metrics, events) = metrics();
        let first = events.watch();
        let _second = events.watch();
        assert!(has(&metrics, "wagate_live_subscribers 2"));
        drop(first);
        assert!(has(&metrics, "wagate_live_subscribers 1"));
    }
}
