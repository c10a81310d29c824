//! `wagate-bench fanout`: how fast one committed message reaches many live subscribers.
//!
//! N graphql-ws clients (the `graphql-transport-ws` protocol, as browsers speak it) subscribe
//! to every message event with an admin token. A warm-up delivery proves that all of them are
//! subscribed; then one signed delivery at a time is posted, and each subscriber notes when its
//! event arrives. The latency is from the POST to the event at the subscriber, over every
//! (subscriber, event) pair. Memory per connection is the server's RSS growth divided by N.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::{net::TcpStream, sync::Semaphore, task::JoinSet};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async_with_config,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue, protocol::WebSocketConfig},
};

use crate::{
    FanoutArgs,
    ingest::post,
    server::{Server, admin_token},
    stats::{Latencies, median},
    workload::text_from,
};

/// The subscription every client holds.
const SUBSCRIPTION: &str = "subscription { messageEvents { kind conversation { messageId status content } } }";

/// The contact whose messages are fanned out.
const FAN_CONTACT: &str = "33600000000";

/// Each client's socket read chunk (an event is a few hundred bytes).
const CLIENT_READ_BUFFER_BYTES: usize = 4096;

/// How long to wait for every subscriber to receive an event.
const PATIENCE: Duration = Duration::from_secs(30);

/// What one run measured.
struct Run {
    latencies: Latencies,
    missing: u64,
    bytes_per_connection: f64,
    connect_time: Duration,
}

/// Runs the benchmark for each subscriber count and prints its report.
pub async fn run(args: &FanoutArgs) -> Result<(), String> {
    let backend = if args.postgres.is_some() { "PostgreSQL" } else { "SQLite" };
    let mut rows = Vec::new();
    for &subscribers in &args.subscribers {
        let mut runs = Vec::new();
        for number in 1..=args.runs {
            eprintln!("fan-out on {backend}: {subscribers} subscribers, run {number} of {}", args.runs);
            runs.push(one_run(args, subscribers).await?);
        }
        rows.push((subscribers, runs));
    }
    println!("\n### Live fan-out on {backend} (median of {} runs, {} events per run)\n", args.runs, args.events);
    println!("| subscribers | p50 ms | p99 ms | p99.9 ms | max ms | missed | RSS per connection | connect all |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (subscribers, runs) in rows {
        let at = |q: f64| median(&runs.iter().map(|r| r.latencies.quantile(q).as_secs_f64() * 1e3).collect::<Vec<_>>());
        let kib = median(&runs.iter().map(|r| r.bytes_per_connection / 1024.0).collect::<Vec<_>>());
        let connect = median(&runs.iter().map(|r| r.connect_time.as_secs_f64()).collect::<Vec<_>>());
        let missed: u64 = runs.iter().map(|r| r.missing).sum();
        println!(
            "| {subscribers} | {:.1} | {:.1} | {:.1} | {:.1} | {missed} | {:.1} KiB | {:.1} s |",
            at(0.5).unwrap_or(0.0),
            at(0.99).unwrap_or(0.0),
            at(0.999).unwrap_or(0.0),
            at(1.0).unwrap_or(0.0),
            kib.unwrap_or(0.0),
            connect.unwrap_or(0.0),
        );
    }
    Ok(())
}

async fn one_run(args: &FanoutArgs, subscribers: usize) -> Result<Run, String> {
    let server = Server::start(&args.wagate, args.postgres.as_deref(), &[]).await?;
    let token = admin_token()?;
    let client = reqwest::Client::new();
    let webhook = format!("{}/api/whatsapp/webhook", server.address);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (idle_rss, _) = server.memory()?;

    // Connect everyone (a few hundred handshakes at a time), each reporting its arrivals.
    let connecting = Instant::now();
    let url = format!("{}/graphql/ws", server.address.replacen("http", "ws", 1));
    let handshakes = Arc::new(Semaphore::new(256));
    let (ready_tx, mut ready) = tokio::sync::mpsc::channel::<()>(subscribers);
    let mut clients = JoinSet::new();
    for _ in 0..subscribers {
        let (url, token, ready_tx, handshakes) = (url.clone(), token.clone(), ready_tx.clone(), handshakes.clone());
        let events = args.events;
        clients.spawn(async move { subscriber(&url, &token, handshakes, ready_tx, events).await });
    }
    drop(ready_tx);
    for _ in 0..subscribers {
        tokio::time::timeout(PATIENCE, ready.recv())
            .await
            .map_err(|_| "not every subscriber connected within 30 s".to_owned())?
            .ok_or("a subscriber failed to connect")?;
    }
    // The warm-up event proves every subscription is registered (they all wait for it).
    let warm_up = text_from(FAN_CONTACT, "wamid.FANOUT.0", 1_760_000_000);
    if !post(&client, &webhook, &warm_up).await {
        return Err("the warm-up delivery was not acknowledged".into());
    }
    for _ in 0..subscribers {
        tokio::time::timeout(PATIENCE, ready.recv())
            .await
            .map_err(|_| "not every subscriber received the warm-up event within 30 s".to_owned())?
            .ok_or("a subscriber stopped before the warm-up event")?;
    }
    let connect_time = connecting.elapsed();
    let (connected_rss, _) = server.memory()?;

    let mut posted = Vec::with_capacity(args.events);
    for number in 1..=args.events {
        let delivery = text_from(FAN_CONTACT, &format!("wamid.FANOUT.{number}"), 1_760_000_000);
        posted.push(Instant::now());
        if !post(&client, &webhook, &delivery).await {
            return Err(format!("delivery {number} was not acknowledged"));
        }
        tokio::time::sleep(Duration::from_millis(args.spacing_ms)).await;
    }
    let mut latencies = Vec::with_capacity(subscribers * args.events);
    let mut missing = 0;
    let (arrivals, open_sockets): (Vec<_>, Vec<_>) = tokio::time::timeout(PATIENCE, async {
        let mut all = Vec::new();
        while let Some(result) = clients.join_next().await {
            all.push(result.map_err(|e| format!("a subscriber task failed: {e}"))??);
        }
        Ok::<_, String>(all)
    })
    .await
    .map_err(|_| "not every subscriber received every event within 30 s".to_owned())??
    .into_iter()
    .unzip();
    // Only now does anyone hang up: the first subscribers served would otherwise close while
    // the last event still reached the others, and the server's work on their hang-ups would
    // be counted in that event's latency.
    drop(open_sockets);
    for seen in arrivals {
        for (number, posted_at) in posted.iter().enumerate() {
            match seen.iter().find(|(n, _)| *n == number + 1) {
                Some((_, at)) => latencies.push(at.saturating_duration_since(*posted_at)),
                None => missing += 1,
            }
        }
    }
    Ok(Run {
        latencies: Latencies::new(latencies),
        missing,
        bytes_per_connection: connected_rss.saturating_sub(idle_rss) as f64 / subscribers as f64,
        connect_time,
    })
}

/// A client's socket, kept open until the run has every subscriber's arrivals.
pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A graphql-ws client at `url` (the server's `/graphql/ws`), authenticated with the admin
/// `token` and subscribed to every message event; its socket, once the subscription is sent.
pub async fn subscribe(url: &str, token: &str) -> Result<Socket, String> {
    let mut request = url.into_client_request().map_err(|e| e.to_string())?;
    request.headers_mut().insert("sec-websocket-protocol", HeaderValue::from_static("graphql-transport-ws"));
    // A small read chunk, as the server uses: tungstenite zeroes the whole chunk on every read,
    // and with its 128 KiB default that zeroing was half of this load generator's CPU.
    let config = WebSocketConfig::default().read_buffer_size(CLIENT_READ_BUFFER_BYTES);
    let (mut socket, _) =
        connect_async_with_config(request, Some(config), false).await.map_err(|e| format!("WebSocket upgrade: {e}"))?;
    socket
        .send(frame(json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } })))
        .await
        .map_err(|e| e.to_string())?;
    loop {
        let message = socket.next().await.ok_or("closed before connection_ack")?.map_err(|e| e.to_string())?;
        if let Message::Text(text) = message
            && text.contains("connection_ack")
        {
            break;
        }
    }
    socket
        .send(frame(json!({ "id": "1", "type": "subscribe", "payload": { "query": SUBSCRIPTION } })))
        .await
        .map_err(|e| e.to_string())?;
    Ok(socket)
}

/// A graphql-ws message as a WebSocket text frame.
pub fn frame(value: Value) -> Message {
    Message::Text(value.to_string().into())
}

/// One client: connects, subscribes, signals `ready` when subscribed and again on the warm-up
/// event, then records when each numbered event arrives until the last one (or an error).
/// Returns the arrivals and its socket, still open.
async fn subscriber(
    url: &str,
    token: &str,
    handshakes: Arc<Semaphore>,
    ready: tokio::sync::mpsc::Sender<()>,
    events: usize,
) -> Result<(Vec<(usize, Instant)>, Socket), String> {
    let permit = handshakes.acquire_owned().await.map_err(|e| e.to_string())?;
    let mut socket = subscribe(url, token).await?;
    drop(permit);
    let _ = ready.send(()).await;
    let mut seen = Vec::new();
    while let Some(received) = socket.next().await {
        let Message::Text(text) = received.map_err(|e| format!("WebSocket read: {e}"))? else { continue };
        let message: Value = serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))?;
        match message["type"].as_str() {
            Some("next") => {}
            Some("ping") => {
                socket.send(frame(json!({ "type": "pong" }))).await.map_err(|e| e.to_string())?;
                continue;
            }
            Some("error") => return Err(format!("the subscription was refused: {message}")),
            _ => continue,
        }
        let id = message["payload"]["data"]["messageEvents"]["conversation"]["messageId"].as_str().unwrap_or_default();
        match id.strip_prefix("wamid.FANOUT.").and_then(|n| n.parse::<usize>().ok()) {
            Some(0) => {
                let _ = ready.send(()).await;
            }
            Some(number) => {
                seen.push((number, Instant::now()));
                if seen.len() == events {
                    break;
                }
            }
            None => {}
        }
    }
    Ok((seen, socket))
}
