//! The writers' turn on SQLite: who takes it, and how long it was waited for and held.

use std::{fmt::Debug, sync::Arc, time::Duration};

use tokio::{
    sync::{Mutex, OwnedMutexGuard},
    time::Instant,
};

/// Who takes the writers' turn: a label for what [`TurnObserver`] is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer {
    /// A group-committed batch of webhook deliveries, or a delivery kept as rejected.
    Ingest,
    /// A group-committed batch of sends' writes (reservations, stored messages, refunds).
    Sends,
    /// The conversation text index's catching up with new messages.
    TextIndex,
    /// The last pass of a write-ahead-log checkpoint.
    Checkpoint,
    /// A balance brought into the new month, or adjusted by an admin.
    Credits,
    /// The media job's bookkeeping.
    Media,
    /// Accounts and logins.
    Accounts,
}

impl Writer {
    /// Every writer, in the order metrics list them.
    pub const ALL: [Self; 7] =
        [Self::Ingest, Self::Sends, Self::TextIndex, Self::Checkpoint, Self::Credits, Self::Media, Self::Accounts];

    /// The `writer` label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ingest => "ingest",
            Self::Sends => "sends",
            Self::TextIndex => "text_index",
            Self::Checkpoint => "checkpoint",
            Self::Credits => "credits",
            Self::Media => "media",
            Self::Accounts => "accounts",
        }
    }
}

/// Told of every turn taken at the gate, once it is given back.
pub trait TurnObserver: Send + Sync + Debug {
    /// `writer` waited `waited` for the turn, then held it for `held`.
    fn turn_held(&self, writer: Writer, waited: Duration, held: Duration);
}

/// The turn itself: one mutex, and whom to tell about each turn.
#[derive(Clone, Debug)]
pub(super) struct TurnLock {
    lock: Arc<Mutex<()>>,
    observer: Option<Arc<dyn TurnObserver>>,
}

impl TurnLock {
    pub(super) fn new() -> Self {
        Self { lock: Arc::new(Mutex::new(())), observer: None }
    }

    pub(super) fn observed_by(self, observer: Arc<dyn TurnObserver>) -> Self {
        Self { observer: Some(observer), ..self }
    }

    /// Waits for the turn; the [`Turn`] gives it back when dropped.
    pub(super) async fn take(&self, writer: Writer) -> Turn {
        let asked = Instant::now();
        let guard = self.lock.clone().lock_owned().await;
        let held_since = Instant::now();
        Turn { _guard: guard, writer, waited: held_since - asked, held_since, observer: self.observer.clone() }
    }
}

/// This process's turn to write on SQLite, held until dropped.
#[derive(Debug)]
pub struct Turn {
    _guard: OwnedMutexGuard<()>,
    writer: Writer,
    waited: Duration,
    held_since: Instant,
    observer: Option<Arc<dyn TurnObserver>>,
}

impl Drop for Turn {
    fn drop(&mut self) {
        if let Some(observer) = &self.observer {
            observer.turn_held(self.writer, self.waited, self.held_since.elapsed());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::{
        sync::{Arc, Mutex},
        time::Duration,
    };

    use super::{TurnLock, TurnObserver, Writer};

    #[derive(Debug, Default)]
    struct Recorded(Mutex<Vec<(Writer, Duration, Duration)>>);

    impl TurnObserver for Recorded {
        fn turn_held(&self, writer: Writer, waited: Duration, held: Duration) {
            self.0.lock().expect("not poisoned").push((writer, waited, held));
        }
    }

    #[tokio::test]
    async fn each_turn_is_reported_with_its_wait_and_hold_when_given_back() {
        let recorded = Arc::new(Recorded::default());
        let lock = TurnLock::new().observed_by(recorded.clone());
        let first = lock.take(Writer::Ingest).await;
        let second = tokio::spawn({
            let lock = lock.clone();
            async move { drop(lock.take(Writer::TextIndex).await) }
        });
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(recorded.0.lock().expect("not poisoned").is_empty(), "nothing is told before a turn ends");
        drop(first);
        second.await.expect("the second writer got its turn");

        let turns = recorded.0.lock().expect("not poisoned").clone();
        assert_eq!(turns.len(), 2);
        let pause = Duration::from_millis(30);
        assert_eq!((turns[0].0, turns[1].0), (Writer::Ingest, Writer::TextIndex), "in the order given back");
        assert!(turns[0].2 >= pause, "the first held the turn while the other waited: {:?}", turns[0]);
        assert!(turns[1].1 >= pause, "the second waited for the first: {:?}", turns[1]);
    }
}
