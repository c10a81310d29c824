//! `wagate-bench ingest`: webhook ingest throughput and acknowledgement latency.
//!
//! Each run starts a fresh server and database. Closed-loop phases (N posters, each posting its
//! next delivery when the last is answered) find the peak; fixed-rate phases then post at
//! fractions of that peak (`--load`, 80 % by default), measuring each latency from the moment
//! its request was due (so a stalled server cannot hide its queue). The peak's closed-loop phase
//! then runs again: the server sustains less as its database grows, and each fixed rate is
//! also given as a share of that second figure. Each phase also reports the
//! cores the server kept busy and the machine's idle share (see [`cpu`](crate::cpu)), and on
//! SQLite who held the one turn to write (see [`turns`](crate::turns)). Finally every
//! acknowledged event is looked up in the store.
//! With `--watchers`, admins' live subscriptions to every message event are open meanwhile.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use futures::{SinkExt, StreamExt};
use rand::{SeedableRng, rngs::StdRng};
use sea_orm::{ConnectionTrait, Database, Statement};
use serde_json::json;
use tokio::{sync::Semaphore, task::JoinSet};
use tokio_tungstenite::tungstenite::Message;

use crate::{
    IngestArgs,
    cpu::{CpuMark, CpuUse},
    fanout::{frame, subscribe},
    server::{Server, admin_token},
    stats::{Latencies, median, median_mib, ms},
    turns::{LONG_HOLD_MS, TurnMark, TurnUse},
    workload::{Delivery, Workload},
};

/// What one phase measured.
struct Phase {
    label: String,
    deliveries: u64,
    events: u64,
    errors: u64,
    elapsed: Duration,
    latencies: Latencies,
    /// The server's cores and the machine's idle share over the phase.
    cpu: CpuUse,
    /// Who held SQLite's turn to write over the phase.
    turns: TurnUse,
}

impl Phase {
    fn events_per_second(&self) -> f64 {
        self.events as f64 / self.elapsed.as_secs_f64()
    }

    fn deliveries_per_second(&self) -> f64 {
        self.deliveries as f64 / self.elapsed.as_secs_f64()
    }

    /// One line on stderr while the run goes on.
    fn print_progress(&self) {
        let p99 = ms(self.latencies.quantile(0.99));
        let CpuUse { server_cores, idle_share } = self.cpu;
        eprintln!(
            "  {:>14}: {:>8.0} events/s, p99 {p99} ms, server {server_cores:.2} cores, machine {:.0} % idle, \
             turn held {}",
            self.label,
            self.events_per_second(),
            idle_share * 100.0,
            turns_held(&self.turns)
        );
        if self.turns.held_share > 0.0 {
            eprintln!("{:>18}holds over {LONG_HOLD_MS} ms: {}", "", long_holds(&self.turns));
        }
    }
}

/// The share of a phase SQLite's turn was held, and by whom (ingest / text index /
/// checkpoint), or a dash where writers take no turn.
fn turns_held(turns: &TurnUse) -> String {
    let TurnUse { held_share, by_writer: [ingest, index, checkpoint], .. } = *turns;
    if held_share == 0.0 {
        return "—".to_owned();
    }
    let pct = |share: f64| share * 100.0;
    format!("{:.0} % ({:.0} / {:.0} / {:.1})", pct(held_share), pct(ingest), pct(index), pct(checkpoint))
}

/// The holds over [`LONG_HOLD_MS`] in a phase, and whose (ingest / text index / checkpoint), or a dash
/// where writers take no turn.
fn long_holds(turns: &TurnUse) -> String {
    let TurnUse { held_share, long_holds, long_by_writer: [ingest, index, checkpoint], .. } = *turns;
    if held_share == 0.0 {
        return "—".to_owned();
    }
    format!("{long_holds:.0} ({ingest:.0} / {index:.0} / {checkpoint:.0})")
}

/// What one run measured.
struct Run {
    start_time: Duration,
    idle_rss: u64,
    peak_rss: u64,
    phases: Vec<Phase>,
    /// Each fixed-rate phase's rate as a share of the deliveries per second the peak's posters
    /// got again after those phases, on the database they grew.
    shares_of_again: Vec<f64>,
    /// Events the watchers received, all of them together.
    watched: u64,
}

/// Runs the benchmark and prints its report.
pub async fn run(args: &IngestArgs) -> Result<(), String> {
    let backend = if args.postgres.is_some() { "PostgreSQL" } else { "SQLite" };
    let mut runs = Vec::new();
    for number in 1..=args.runs {
        eprintln!("ingest on {backend}: run {number} of {}", args.runs);
        runs.push(one_run(args).await?);
    }
    report(backend, args, &runs);
    Ok(())
}

async fn one_run(args: &IngestArgs) -> Result<Run, String> {
    let server = Server::start(&args.wagate, args.postgres.as_deref(), &[]).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (idle_rss, _) = server.memory()?;
    let watched = Arc::new(AtomicU64::new(0));
    let watchers = watch(&server, args.watchers, &watched).await?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(4096)
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    let url = format!("{}/api/whatsapp/webhook", server.address);
    let workload = Arc::new(Workload::new());
    let mut phases = Vec::new();
    for &concurrency in &args.concurrency {
        let phase =
            observed(&client, &server, closed_loop(&client, &url, &workload, concurrency, args.phase())).await?;
        phase.print_progress();
        phases.push(phase);
    }
    let peak = phases
        .iter()
        .zip(&args.concurrency)
        .max_by(|(a, _), (b, _)| a.events_per_second().total_cmp(&b.events_per_second()))
        .map(|(phase, concurrency)| (phase.deliveries_per_second(), *concurrency));
    let mut shares_of_again = Vec::new();
    if let Some((peak_deliveries, peak_concurrency)) = peak {
        let rate_at = |percent: u8| f64::from(percent) / 100.0 * peak_deliveries;
        for &percent in &args.load {
            let rate = rate_at(percent);
            let label = format!("{rate:.0} deliveries/s ({percent} % of peak)");
            let load = fixed_rate(&client, &url, &workload, rate, label, args.phase());
            let phase = observed(&client, &server, load).await?;
            phase.print_progress();
            phases.push(phase);
        }
        let again = closed_loop(&client, &url, &workload, peak_concurrency, args.phase());
        let mut phase = observed(&client, &server, again).await?;
        phase.label.push_str(" again");
        phase.print_progress();
        shares_of_again = args.load.iter().map(|&percent| rate_at(percent) / phase.deliveries_per_second()).collect();
        phases.push(phase);
    }
    let (_, peak_rss) = server.memory()?;
    drop(watchers);
    let watched = watched.load(Ordering::Relaxed);
    if args.watchers > 0 {
        if watched == 0 {
            return Err("the watchers received no live event: their subscriptions did not work".into());
        }
        eprintln!("  watchers: {watched} events received by {} of them together", args.watchers);
    }
    verify(&server.database_url, &workload, phases.iter().map(|p| p.errors).sum()).await?;
    Ok(Run { start_time: server.start_time, idle_rss, peak_rss, phases, shares_of_again, watched })
}

/// Runs `phase`, with the server's cores, the machine's idle share and SQLite's turns over it.
async fn observed(
    client: &reqwest::Client,
    server: &Server,
    phase: impl Future<Output = Phase>,
) -> Result<Phase, String> {
    let turns = TurnMark::scrape(client, server).await?;
    let mark = CpuMark::now(server.pid())?;
    let mut phase = phase.await;
    phase.cpu = mark.until(&CpuMark::now(server.pid())?);
    phase.turns = turns.until(&TurnMark::scrape(client, server).await?, phase.elapsed.as_secs_f64());
    Ok(phase)
}

/// Opens `count` admin subscriptions to every message event, each counting what it receives
/// in `received` until the returned set is dropped.
async fn watch(server: &Server, count: usize, received: &Arc<AtomicU64>) -> Result<JoinSet<()>, String> {
    let mut watchers = JoinSet::new();
    if count == 0 {
        return Ok(watchers);
    }
    let url = format!("{}/graphql/ws", server.address.replacen("http", "ws", 1));
    let token = admin_token()?;
    for _ in 0..count {
        let mut socket = subscribe(&url, &token).await?;
        let received = received.clone();
        watchers.spawn(async move {
            while let Some(Ok(message)) = socket.next().await {
                let Message::Text(text) = message else { continue };
                if text.contains(r#""type":"next""#) {
                    received.fetch_add(1, Ordering::Relaxed);
                } else if text.contains(r#""type":"ping""#)
                    && socket.send(frame(json!({ "type": "pong" }))).await.is_err()
                {
                    break;
                }
            }
        });
    }
    Ok(watchers)
}

/// `concurrency` posters, each posting its next delivery once the last is answered.
async fn closed_loop(
    client: &reqwest::Client,
    url: &str,
    workload: &Arc<Workload>,
    concurrency: usize,
    length: Duration,
) -> Phase {
    let started = Instant::now();
    let deadline = started + length;
    let mut posters = JoinSet::new();
    for poster in 0..concurrency {
        let (client, url, workload) = (client.clone(), url.to_owned(), workload.clone());
        posters.spawn(async move {
            let mut rng = StdRng::seed_from_u64(poster as u64 ^ started.elapsed().as_nanos() as u64);
            let mut tally = Tally::default();
            let mut previous: Option<Delivery> = None;
            while Instant::now() < deadline {
                let delivery = workload.next(&mut rng, previous.as_ref());
                let sent = Instant::now();
                let acknowledged = post(&client, &url, &delivery).await;
                tally.count(&workload, &delivery, previous.as_ref(), acknowledged, sent.elapsed());
                previous = Some(delivery);
            }
            tally
        });
    }
    let tally = Tally::merge(posters.join_all().await);
    let label = if concurrency == 1 { "1 poster".to_owned() } else { format!("{concurrency} posters") };
    tally.into_phase(label, started.elapsed())
}

/// Posts `rate` deliveries per second for `length`, each on its own task, latency counted
/// from when it was due; the phase is called `label`.
async fn fixed_rate(
    client: &reqwest::Client,
    url: &str,
    workload: &Arc<Workload>,
    rate: f64,
    label: String,
    length: Duration,
) -> Phase {
    let started = tokio::time::Instant::now();
    let total = (rate * length.as_secs_f64()) as u64;
    let in_flight = Arc::new(Semaphore::new(8192));
    let mut requests = JoinSet::new();
    let mut rng = StdRng::seed_from_u64(started.elapsed().as_nanos() as u64);
    let mut previous: Option<Delivery> = None;
    for n in 0..total {
        let due = started + Duration::from_secs_f64(n as f64 / rate);
        tokio::time::sleep_until(due).await;
        let delivery = workload.next(&mut rng, previous.as_ref());
        let redelivery = previous.as_ref().is_some_and(|p| p.body == delivery.body);
        previous = Some(delivery.clone());
        let (client, url, workload) = (client.clone(), url.to_owned(), workload.clone());
        let Ok(permit) = in_flight.clone().acquire_owned().await else { break };
        requests.spawn(async move {
            let acknowledged = post(&client, &url, &delivery).await;
            drop(permit);
            let mut tally = Tally::default();
            tally.count_one(&workload, &delivery, !redelivery, acknowledged, due.elapsed());
            tally
        });
    }
    let tally = Tally::merge(requests.join_all().await);
    tally.into_phase(label, started.elapsed())
}

/// Posts a delivery as Meta does; whether it was answered with 200.
pub async fn post(client: &reqwest::Client, url: &str, delivery: &Delivery) -> bool {
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .header("x-hub-signature-256", &delivery.signature)
        .body(delivery.body.clone())
        .send()
        .await;
    matches!(response, Ok(r) if r.status() == reqwest::StatusCode::OK)
}

/// What some requests measured.
#[derive(Default)]
struct Tally {
    deliveries: u64,
    events: u64,
    errors: u64,
    latencies: Vec<Duration>,
}

impl Tally {
    fn count(
        &mut self,
        workload: &Workload,
        delivery: &Delivery,
        previous: Option<&Delivery>,
        ok: bool,
        took: Duration,
    ) {
        let first = previous.is_none_or(|p| p.body != delivery.body);
        self.count_one(workload, delivery, first, ok, took);
    }

    fn count_one(&mut self, workload: &Workload, delivery: &Delivery, first: bool, ok: bool, took: Duration) {
        self.latencies.push(took);
        if ok {
            self.deliveries += 1;
            self.events += delivery.events() as u64;
            workload.acknowledge(delivery, first);
        } else {
            self.errors += 1;
        }
    }

    fn merge(tallies: Vec<Tally>) -> Tally {
        tallies.into_iter().fold(Tally::default(), |mut all, t| {
            all.deliveries += t.deliveries;
            all.events += t.events;
            all.errors += t.errors;
            all.latencies.extend(t.latencies);
            all
        })
    }

    fn into_phase(self, label: String, elapsed: Duration) -> Phase {
        let Tally { deliveries, events, errors, latencies } = self;
        let latencies = Latencies::new(latencies);
        Phase {
            label,
            deliveries,
            events,
            errors,
            elapsed,
            latencies,
            cpu: CpuUse::default(),
            turns: TurnUse::default(),
        }
    }
}

/// Every acknowledged message is stored exactly once, every acknowledged status is recorded,
/// and every acknowledged POST left exactly one delivery row (when none failed).
async fn verify(database_url: &str, workload: &Workload, errors: u64) -> Result<(), String> {
    let db = Database::connect(database_url).await.map_err(|e| format!("cannot open the run's database: {e}"))?;
    let backend = db.get_database_backend();
    let rows = |sql: &str| db.query_all_raw(Statement::from_string(backend, sql.to_owned()));
    let fail = |e: sea_orm::DbErr| format!("cannot read the run's database: {e}");
    let mut stored: HashMap<String, i64> = HashMap::new();
    for row in rows("SELECT message_id FROM conversations").await.map_err(fail)? {
        let id: String = row.try_get("", "message_id").map_err(fail)?;
        *stored.entry(id).or_default() += 1;
    }
    let recorded: HashSet<(String, String)> = rows("SELECT message_id, status FROM status_events")
        .await
        .map_err(fail)?
        .into_iter()
        .map(|row| Ok((row.try_get("", "message_id")?, row.try_get("", "status")?)))
        .collect::<Result<_, sea_orm::DbErr>>()
        .map_err(fail)?;
    let delivery_rows = rows("SELECT COUNT(*) AS n FROM webhook_deliveries").await.map_err(fail)?;
    let delivered: i64 = delivery_rows.first().map(|r| r.try_get("", "n")).transpose().map_err(fail)?.unwrap_or(0);
    let acked = workload.acknowledged();
    let missing = acked.messages.iter().filter(|id| !stored.contains_key(*id)).count();
    let twice = stored.values().filter(|n| **n > 1).count();
    let statuses_missing =
        acked.statuses.iter().filter(|(id, s)| !recorded.contains(&(id.clone(), (*s).to_owned()))).count();
    let deliveries_off = errors == 0 && delivered != acked.deliveries as i64;
    if missing + twice + statuses_missing > 0 || deliveries_off {
        return Err(format!(
            "exactly-once check failed: {missing} acknowledged messages missing, {twice} stored twice, \
             {statuses_missing} acknowledged statuses missing, {delivered} delivery rows for {} acknowledged POSTs",
            acked.deliveries
        ));
    }
    eprintln!(
        "  exactly once: {} messages, {} statuses, {} deliveries acknowledged and stored once each",
        acked.messages.len(),
        acked.statuses.len(),
        acked.deliveries
    );
    Ok(())
}

/// Prints the medians over the runs as a Markdown table.
fn report(backend: &str, args: &IngestArgs, runs: &[Run]) {
    let watching = match args.watchers {
        0 => String::new(),
        1 => ", one admin watching live".to_owned(),
        n => format!(", {n} admins watching live"),
    };
    println!(
        "\n### Webhook ingest on {backend}{watching} (median of {} runs, {} s per phase)\n",
        runs.len(),
        args.seconds
    );
    println!(
        "| phase | events/s | deliveries/s | p50 ms | p99 ms | p99.9 ms | errors | server cores | machine idle \
         | turn held (ingest / text index / checkpoint) | holds > {LONG_HOLD_MS} ms (the same) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|");
    let phases = runs.first().map_or(0, |r| r.phases.len());
    for index in 0..phases {
        let column = |f: &dyn Fn(&Phase) -> f64| median(&runs.iter().map(|r| f(&r.phases[index])).collect::<Vec<_>>());
        let ms_at = |q: f64| column(&|p: &Phase| p.latencies.quantile(q).as_secs_f64() * 1000.0).unwrap_or(0.0);
        let label = runs.last().map(|r| r.phases[index].label.clone()).unwrap_or_default();
        let turns = TurnUse::median(&runs.iter().map(|r| &r.phases[index].turns).collect::<Vec<_>>());
        let (held, long_holds) = (turns_held(&turns), long_holds(&turns));
        println!(
            "| {label} | {:.0} | {:.0} | {:.2} | {:.2} | {:.2} | {:.0} | {:.2} | {:.0} % | {held} | {long_holds} |",
            column(&|p: &Phase| p.events_per_second()).unwrap_or(0.0),
            column(&|p: &Phase| p.deliveries_per_second()).unwrap_or(0.0),
            ms_at(0.5),
            ms_at(0.99),
            ms_at(0.999),
            column(&|p: &Phase| p.errors as f64).unwrap_or(0.0),
            column(&|p: &Phase| p.cpu.server_cores).unwrap_or(0.0),
            column(&|p: &Phase| p.cpu.idle_share * 100.0).unwrap_or(0.0),
        );
    }
    for (index, percent) in args.load.iter().enumerate() {
        let shares: Vec<f64> = runs.iter().filter_map(|r| r.shares_of_again.get(index).map(|s| s * 100.0)).collect();
        let each = shares.iter().map(|s| format!("{s:.0}")).collect::<Vec<_>>().join(", ");
        println!(
            "\nThe rate set at {percent} % of the peak was {:.0} % of what the peak's posters got again after \
             the fixed-rate phases, on the database they grew (runs: {each} %).",
            median(&shares).unwrap_or(0.0)
        );
    }
    let start = median(&runs.iter().map(|r| r.start_time.as_secs_f64() * 1000.0).collect::<Vec<_>>()).unwrap_or(0.0);
    let idle = median_mib(runs.iter().map(|r| r.idle_rss));
    let peak = median_mib(runs.iter().map(|r| r.peak_rss));
    println!(
        "\nStart (fresh database, migrations included): {start:.0} ms; RSS idle {idle:.1} MiB, peak under load {peak:.1} MiB."
    );
    if args.watchers > 0 {
        let watched = median(&runs.iter().map(|r| r.watched as f64).collect::<Vec<_>>()).unwrap_or(0.0);
        println!("Live events received by the watchers, all of them together: {watched:.0} per run.");
    }
}

#[cfg(test)]
mod tests {
    use super::{TurnUse, long_holds, turns_held};

    #[test]
    fn turns_read_as_shares_and_counts_by_writer_or_a_dash_without_turns() {
        let sqlite = TurnUse {
            held_share: 0.956,
            by_writer: [0.79, 0.152, 0.011],
            long_holds: 36.0,
            long_by_writer: [27.0, 8.0, 1.0],
        };
        assert_eq!(turns_held(&sqlite), "96 % (79 / 15 / 1.1)");
        assert_eq!(long_holds(&sqlite), "36 (27 / 8 / 1)");
        assert_eq!(turns_held(&TurnUse::default()), "—");
        assert_eq!(long_holds(&TurnUse::default()), "—", "PostgreSQL's writers take no turn");
    }
}
