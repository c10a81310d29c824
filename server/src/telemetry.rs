//! Structured logs through `tracing`; `RUST_LOG` filters (checked in [`crate::config`]),
//! `LOG_FORMAT` picks text or JSON.
//!
//! Lines are written by a thread of their own. Written from the request tasks, a log reader that
//! fell behind (a log shipper, a pipe nobody drained in time) blocked the runtime's worker
//! threads, and every request on them waited (see docs/benchmarks.md, sending).

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::config::LogFormat;

/// Log lines that may wait for a slow reader; beyond them, new lines are dropped rather than
/// holding a request back.
const BUFFERED_LINES: usize = 128_000;

/// Installs the global subscriber (call once, at start). Keep the guard until the process
/// ends: dropping it writes out the lines still waiting.
pub fn init(format: LogFormat, filter: &str) -> WorkerGuard {
    let filter = EnvFilter::new(filter);
    let builder = NonBlockingBuilder::default().lossy(true).buffered_lines_limit(BUFFERED_LINES);
    let registry = tracing_subscriber::registry().with(filter);
    let (result, guard) = match format {
        LogFormat::Json => {
            let (writer, guard) = builder.finish(std::io::stdout());
            (registry.with(fmt::layer().json().with_current_span(true).with_writer(writer)).try_init(), guard)
        }
        LogFormat::Text => {
            let (writer, guard) = builder.finish(std::io::stderr());
            (registry.with(fmt::layer().with_writer(writer)).try_init(), guard)
        }
    };
    if result.is_err() {
        tracing::debug!("a tracing subscriber was already installed");
    }
    guard
}
