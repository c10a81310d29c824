//! Pacing sends so Meta never answers 130429 (throughput) or 131056 (pair rate).
//!
//! Per business number, at most `mps` messages go through in any one-second window: Meta's
//! throughput limit as stated, which counts the messages the number receives with those it
//! sends (see [`Pacer::count_received`]). It is a sliding window: each send takes the first
//! instant at which the message `mps` places before it is a second old, and waits for it.
//! Unlike spacing sends `1/mps` apart, a sliding window lets a burst within the limit go at
//! once, and sends that were held up (a slow commit, a busy core) catch up on the second's
//! unused capacity instead of leaving a backlog that only drains at the spare rate. Per
//! recipient, a token bucket allows Meta's burst and then one message per interval; an
//! exhausted bucket refuses at once, telling when to retry, rather than holding the request
//! for minutes.

use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
    time::{Duration, Instant},
};

/// Buckets kept before idle (full) ones are dropped.
const MAX_TRACKED_RECIPIENTS: usize = 50_000;

/// The pacing settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacingConfig {
    /// Messages per second through one business number, sent or received (Meta counts both).
    pub max_mps: u32,
    /// Messages to one recipient that may go out back to back.
    pub pair_burst: u32,
    /// After the burst, one message to that recipient per this interval.
    pub pair_interval: Duration,
}

/// The pacer shared by every send.
#[derive(Debug)]
pub struct Pacer {
    config: PacingConfig,
    /// The instants of the number's last `max_mps` messages, sent or received, oldest first
    /// (a waiting send's in the future).
    recent: Mutex<VecDeque<Instant>>,
    recipients: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl Pacer {
    /// A pacer with these limits.
    pub fn new(config: PacingConfig) -> Self {
        Self { config, recent: Mutex::default(), recipients: Mutex::new(HashMap::new()) }
    }

    /// Takes one message from `recipient`'s allowance, or says how long until one is free.
    pub fn take_pair_token(&self, recipient: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let burst = f64::from(self.config.pair_burst.max(1));
        let per_second = 1.0 / self.config.pair_interval.as_secs_f64().max(f64::EPSILON);
        let mut recipients = self.recipients.lock().unwrap_or_else(|p| p.into_inner());
        if recipients.len() >= MAX_TRACKED_RECIPIENTS {
            recipients.retain(|_, b| b.refilled(now, burst, per_second) < burst);
        }
        let bucket = recipients.entry(recipient.to_owned()).or_insert(Bucket { tokens: burst, updated: now });
        bucket.tokens = bucket.refilled(now, burst, per_second);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        }
    }

    /// Returns a token taken for a message that was not sent after all.
    pub fn give_back_pair_token(&self, recipient: &str) {
        let burst = f64::from(self.config.pair_burst.max(1));
        let mut recipients = self.recipients.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(bucket) = recipients.get_mut(recipient) {
            bucket.tokens = (bucket.tokens + 1.0).min(burst);
        }
    }

    /// Waits for the business number's next free slot (when fewer than `max_mps` messages went
    /// through in the second before it, sent or received); refuses when it is further away than
    /// `max_wait`. A slot free now is taken at once: Tokio's timer would round even a wait of
    /// zero up to its next millisecond tick.
    pub async fn wait_for_slot(&self, max_wait: Duration) -> Result<(), Duration> {
        let limit = self.config.max_mps.max(1) as usize;
        let (slot, now) = {
            let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let slot = match recent.len().checked_sub(limit).map(|at| recent[at]) {
                Some(window_start) => (window_start + Duration::from_secs(1)).max(now),
                None => now,
            };
            if slot - now > max_wait {
                return Err(slot - now);
            }
            recent.push_back(slot);
            if recent.len() > limit {
                recent.pop_front();
            }
            (slot, now)
        };
        if slot > now {
            tokio::time::sleep_until(slot.into()).await;
        }
        Ok(())
    }

    /// Counts `messages` the number has just received against its throughput, which Meta's
    /// limit includes (inbound and outbound messages alike): the sends after them wait as if
    /// they had gone out now, though Meta may have counted them up to a second earlier (its
    /// timestamps are whole seconds), which errs on the safe side. Slots already given to
    /// waiting sends are kept; received messages are never held.
    pub fn count_received(&self, messages: usize) {
        let limit = self.config.max_mps.max(1) as usize;
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let waiting = recent.partition_point(|slot| *slot <= now);
        let later = recent.split_off(waiting);
        recent.extend(std::iter::repeat_n(now, messages.min(limit)));
        recent.extend(later);
        while recent.len() > limit {
            recent.pop_front();
        }
    }
}

impl Bucket {
    fn refilled(&self, now: Instant, burst: f64, per_second: f64) -> f64 {
        (self.tokens + now.duration_since(self.updated).as_secs_f64() * per_second).min(burst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pacer(max_mps: u32, pair_burst: u32, pair_interval: Duration) -> Pacer {
        Pacer::new(PacingConfig { max_mps, pair_burst, pair_interval })
    }

    #[test]
    fn a_recipients_burst_is_allowed_then_refused_with_the_wait() {
        let p = pacer(80, 3, Duration::from_secs(6));
        for _ in 0..3 {
            assert_eq!(p.take_pair_token("33612345678"), Ok(()));
        }
        let wait = p.take_pair_token("33612345678").unwrap_err();
        assert!(wait > Duration::from_secs(5) && wait <= Duration::from_secs(6), "{wait:?}");
        assert_eq!(p.take_pair_token("33687654321"), Ok(()), "other recipients are not affected");
        p.give_back_pair_token("33612345678");
        assert_eq!(p.take_pair_token("33612345678"), Ok(()), "a returned token can be taken again");
    }

    #[tokio::test]
    async fn at_most_the_rate_goes_out_in_any_second_and_far_slots_are_refused() {
        let p = pacer(4, 45, Duration::from_secs(6));
        let start = Instant::now();
        for _ in 0..4 {
            p.wait_for_slot(Duration::from_secs(5)).await.unwrap();
        }
        assert!(start.elapsed() < Duration::from_millis(500), "four at 4/s go at once: {:?}", start.elapsed());
        p.wait_for_slot(Duration::from_secs(5)).await.unwrap();
        assert!(start.elapsed() >= Duration::from_secs(1), "the fifth waits for the second: {:?}", start.elapsed());
        let busy = pacer(1, 45, Duration::from_secs(6));
        busy.wait_for_slot(Duration::from_secs(5)).await.unwrap();
        let wait = busy.wait_for_slot(Duration::from_millis(100)).await.unwrap_err();
        assert!(wait > Duration::from_millis(900), "{wait:?}");
    }

    #[tokio::test]
    async fn a_free_slot_is_taken_at_once_without_a_timer_tick() {
        use futures::FutureExt;
        let p = pacer(2, 45, Duration::from_secs(6));
        assert_eq!(p.wait_for_slot(Duration::from_secs(5)).now_or_never(), Some(Ok(())), "the slot is free now");
        assert_eq!(p.wait_for_slot(Duration::from_secs(5)).now_or_never(), Some(Ok(())), "and so is the second");
        assert_eq!(p.wait_for_slot(Duration::from_secs(5)).now_or_never(), None, "the third is a second away");
    }

    #[tokio::test]
    async fn messages_received_take_their_places_in_the_numbers_second() {
        use futures::FutureExt;
        let p = pacer(3, 45, Duration::from_secs(6));
        p.count_received(2);
        assert_eq!(p.wait_for_slot(Duration::from_secs(5)).now_or_never(), Some(Ok(())), "one place is left");
        assert_eq!(p.wait_for_slot(Duration::from_secs(5)).now_or_never(), None, "the next is a second away");
        let flooded = pacer(3, 45, Duration::from_secs(6));
        flooded.count_received(1_000);
        let wait = flooded.wait_for_slot(Duration::ZERO).await.unwrap_err();
        assert!(wait > Duration::from_millis(900) && wait <= Duration::from_secs(1), "a second at most: {wait:?}");
    }
}
