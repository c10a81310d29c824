//! `wagate-bench`: drives a real `wagate serve` process the way Meta and clients do and reports
//! throughput, latency percentiles and cost. `make bench` runs it; `docs/benchmarks.md` holds the
//! figures and the commands.

mod cpu;
mod fake_graph;
mod fanout;
mod ingest;
mod metrics_text;
mod pacing;
mod queries;
mod seed;
mod send;
mod server;
mod stats;
mod turns;
mod workload;

use std::{path::PathBuf, process::ExitCode, time::Duration};

use clap::{Parser, Subcommand};

/// Benchmarks for wagate.
#[derive(Parser)]
#[command(name = "wagate-bench")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Webhook ingest: signed Meta notifications posted at rising concurrency, then at fixed
    /// rates (80 % of the peak by default); events per second, acknowledgement latency, and an
    /// exactly-once check.
    Ingest(IngestArgs),
    /// Live fan-out: N graphql-ws subscribers, one delivery at a time; the time from the POST
    /// to the event at every subscriber, and server memory per connection.
    Fanout(FanoutArgs),
    /// Sending: messages posted to `POST /api/message/send` at a fixed rate with pacing on, over
    /// a fake Graph API that answers at once; the latency wagate adds, and a check that every
    /// send succeeds and the rate is kept.
    Send(SendArgs),
    /// Conversation reads at scale: a seeded database (1 M messages over 10 k users by
    /// default), then the first page and a deep page of a heavy and a typical user's
    /// conversations, with and without filters, through GraphQL over HTTP; latency percentiles.
    Queries(QueriesArgs),
}

/// Options of `wagate-bench fanout`.
#[derive(clap::Args)]
pub struct FanoutArgs {
    /// The `wagate` binary to start (build it with `--release`).
    #[arg(long, default_value = "target/release/wagate")]
    wagate: PathBuf,
    /// A PostgreSQL URL whose server may create databases; without it, SQLite.
    #[arg(long, env = "BENCH_POSTGRES_URL")]
    postgres: Option<String>,
    /// Subscriber counts, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1000,10000")]
    subscribers: Vec<usize>,
    /// Deliveries posted per run (after the warm-up).
    #[arg(long, default_value_t = 20)]
    events: usize,
    /// Milliseconds between two deliveries.
    #[arg(long, default_value_t = 250)]
    spacing_ms: u64,
    /// Runs per subscriber count (each on a fresh server and database); the report gives the
    /// median.
    #[arg(long, default_value_t = 3)]
    runs: usize,
}

/// Options of `wagate-bench queries`.
#[derive(clap::Args)]
pub struct QueriesArgs {
    /// The `wagate` binary to start (build it with `--release`).
    #[arg(long, default_value = "target/release/wagate")]
    wagate: PathBuf,
    /// A PostgreSQL URL whose server may create databases (each run gets a fresh one); without
    /// it, each run uses a fresh SQLite file.
    #[arg(long, env = "BENCH_POSTGRES_URL")]
    postgres: Option<String>,
    /// Messages to seed.
    #[arg(long, default_value_t = 1_000_000)]
    messages: u64,
    /// Users to spread them over (one of them has a tenth of the messages).
    #[arg(long, default_value_t = 10_000)]
    users: usize,
    /// How deep the deep page starts, in rows.
    #[arg(long, default_value_t = 10_000)]
    depth: u64,
    /// Measured requests per case (after a warm-up of up to 50 requests or 2 s)...
    #[arg(long, default_value_t = 500)]
    requests: usize,
    /// ...or fewer, when a case has taken this many seconds.
    #[arg(long, default_value_t = 10)]
    case_seconds: u64,
    /// Clients of the concurrent cases (1: none).
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Runs (each on a fresh server and database); the report gives the median.
    #[arg(long, default_value_t = 3)]
    runs: usize,
}

/// Options of `wagate-bench ingest`.
#[derive(clap::Args)]
pub struct IngestArgs {
    /// The `wagate` binary to start (build it with `--release`).
    #[arg(long, default_value = "target/release/wagate")]
    wagate: PathBuf,
    /// A PostgreSQL URL whose server may create databases (each run gets a fresh one); without
    /// it, each run uses a fresh SQLite file.
    #[arg(long, env = "BENCH_POSTGRES_URL")]
    postgres: Option<String>,
    /// Closed-loop concurrency levels, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,4,16,64,256")]
    concurrency: Vec<usize>,
    /// Admins watching live: graphql-ws clients subscribed to every message event for the whole
    /// run, so that each committed batch is also loaded and sent to them.
    #[arg(long, default_value_t = 0)]
    watchers: usize,
    /// Fixed-rate phases after the closed-loop ones, each at this percentage of the peak,
    /// comma-separated (e.g. `40,60,80` for latency against load).
    #[arg(long, value_delimiter = ',', default_value = "80", value_parser = clap::value_parser!(u8).range(1..=100))]
    load: Vec<u8>,
    /// Seconds per concurrency level (and for each fixed-rate phase).
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Runs (each on a fresh server and database); the report gives the median.
    #[arg(long, default_value_t = 3)]
    runs: usize,
}

/// Options of `wagate-bench send`.
#[derive(clap::Args)]
pub struct SendArgs {
    /// The `wagate` binary to start (build it with `--release`).
    #[arg(long, default_value = "target/release/wagate")]
    wagate: PathBuf,
    /// A PostgreSQL URL whose server may create databases (each run gets a fresh one); without
    /// it, each run uses a fresh SQLite file.
    #[arg(long, env = "BENCH_POSTGRES_URL")]
    postgres: Option<String>,
    /// Sends per second, each posted when due whatever became of the others.
    #[arg(long, default_value_t = 1000)]
    rate: u32,
    /// Seconds counted, after a one-second warm-up at the same rate.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Runs (each on a fresh server, database and fake Graph API); the report gives the median.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// The server's `SQLITE_SYNCHRONOUS` (`full` or `normal`; SQLite only): `normal` shows what
    /// wagate adds without a disk flush per commit.
    #[arg(long, default_value = "full")]
    sqlite_synchronous: String,
}

impl IngestArgs {
    fn phase(&self) -> Duration {
        Duration::from_secs(self.seconds.max(1))
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Ingest(args) => ingest::run(&args).await,
        Command::Fanout(args) => fanout::run(&args).await,
        Command::Send(args) => send::run(&args).await,
        Command::Queries(args) => queries::run(&args).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("wagate-bench: {error}");
            ExitCode::FAILURE
        }
    }
}
