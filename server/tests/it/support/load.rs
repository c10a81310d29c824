//! Sustained webhook load: several clients, each on connections of its own, post deliveries
//! concurrently and record what each POST got.

use std::{
    fmt,
    sync::{
        Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use futures::future::join_all;

use super::workload::Delivery;

/// What one POST got.
#[derive(Debug, Clone)]
pub enum Answer {
    /// An HTTP status, after how long.
    Status(u16, Duration),
    /// No answer: the connection was refused or cut.
    Unanswered(String),
}

impl Answer {
    /// Whether the delivery was acknowledged (200).
    pub fn is_acknowledged(&self) -> bool {
        matches!(self, Self::Status(200, _))
    }
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Status(status, after) => write!(f, "{status} after {} ms", after.as_millis()),
            Self::Unanswered(error) => write!(f, "no answer ({error})"),
        }
    }
}

/// Posts each delivery once, in order, from `clients` concurrent clients, and returns each
/// one's answer. `acknowledged` counts the 200s as they come, so a test can strike mid-load.
pub async fn post_each_once(
    address: &str,
    deliveries: &[Delivery],
    clients: usize,
    acknowledged: &AtomicUsize,
) -> Vec<Answer> {
    let next = AtomicUsize::new(0);
    let answers = Mutex::new(vec![None; deliveries.len()]);
    let client_loop = || async {
        let client = http_client();
        while let Some((i, delivery)) = next_delivery(&next, deliveries) {
            let answer = post(&client, address, delivery).await;
            if answer.is_acknowledged() {
                acknowledged.fetch_add(1, Ordering::SeqCst);
            }
            answers.lock().expect("answers")[i] = Some(answer);
        }
    };
    join_all((0..clients).map(|_| client_loop())).await;
    answers.into_inner().expect("answers").into_iter().map(|a| a.expect("every delivery was posted")).collect()
}

/// Posts every delivery, `clients` at a time, each again until it is acknowledged, as Meta
/// retries; fails naming the last answer when `within` runs out.
pub async fn post_until_acknowledged(address: &str, deliveries: &[Delivery], clients: usize, within: Duration) {
    let deadline = Instant::now() + within;
    let next = AtomicUsize::new(0);
    let client_loop = || async {
        let client = http_client();
        while let Some((i, delivery)) = next_delivery(&next, deliveries) {
            loop {
                let answer = post(&client, address, delivery).await;
                if answer.is_acknowledged() {
                    break;
                }
                assert!(Instant::now() < deadline, "delivery {i} still not acknowledged after {within:?}: {answer}");
                // A pause between tries, as Meta spaces its retries.
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    join_all((0..clients).map(|_| client_loop())).await;
}

fn next_delivery<'a>(next: &AtomicUsize, deliveries: &'a [Delivery]) -> Option<(usize, &'a Delivery)> {
    let i = next.fetch_add(1, Ordering::SeqCst);
    deliveries.get(i).map(|d| (i, d))
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(20)).build().expect("client")
}

async fn post(client: &reqwest::Client, address: &str, delivery: &Delivery) -> Answer {
    let started = Instant::now();
    let sent = client
        .post(format!("{address}/api/whatsapp/webhook"))
        .header("content-type", "application/json")
        .header("x-hub-signature-256", &delivery.signature)
        .body(delivery.body.clone())
        .send()
        .await;
    match sent {
        Ok(response) => Answer::Status(response.status().as_u16(), started.elapsed()),
        Err(error) => Answer::Unanswered(format!("{error:?}")),
    }
}
