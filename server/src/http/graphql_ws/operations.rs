//! The operations a session's peer started, and their results framed for its socket.
//!
//! A session's task polls every running operation's stream itself, round robin: an event wakes
//! the task straight from its shape's broadcast, and the frame of the result is ready to write.
//! Stopping an operation drops its stream, so nothing of it can arrive afterwards.

use std::{
    sync::Arc,
    task::{Context, Poll},
};

use futures::{StreamExt, future::poll_fn, stream::BoxStream};

use super::protocol::{Protocol, complete};
use crate::graphql::shared_subscriptions::{SharedResult, lagged_payload};

/// One operation the peer started.
struct Operation {
    id: Arc<str>,
    /// `{"type":"next","id":…,"payload":` for this operation.
    frame_start: String,
    results: BoxStream<'static, SharedResult>,
}

impl Operation {
    /// The frame carrying `result`: the shared, already serialized payload with this
    /// operation's id around it.
    fn frame(&self, result: &SharedResult) -> String {
        let lagged;
        let payload: &str = match result {
            SharedResult::Payload(payload) => payload,
            SharedResult::Lagged(missed) => {
                lagged = lagged_payload(*missed);
                &lagged
            }
        };
        let mut frame = String::with_capacity(self.frame_start.len() + payload.len() + 1);
        frame.push_str(&self.frame_start);
        frame.push_str(payload);
        frame.push('}');
        frame
    }
}

/// The running operations of one session.
#[derive(Default)]
pub struct Operations {
    running: Vec<Operation>,
    /// Where the next poll starts, so that a busy operation does not hold the others back.
    turn: usize,
}

impl Operations {
    /// Whether an operation with `id` is running.
    pub fn contains(&self, id: &str) -> bool {
        self.running.iter().any(|operation| &*operation.id == id)
    }

    /// How many are running.
    pub fn len(&self) -> usize {
        self.running.len()
    }

    /// Whether none is running.
    pub fn is_empty(&self) -> bool {
        self.running.is_empty()
    }

    /// Starts operation `id`, whose results `results` gives, framed for `protocol`.
    pub fn start(&mut self, id: Arc<str>, protocol: Protocol, results: BoxStream<'static, SharedResult>) {
        let frame_start = protocol.result_start(&id);
        self.running.push(Operation { id, frame_start, results });
    }

    /// Stops operation `id` (leaving its shared subscription); whether it was running.
    pub fn stop(&mut self, id: &str) -> bool {
        let before = self.running.len();
        self.running.retain(|operation| &*operation.id != id);
        self.running.len() < before
    }

    /// The next frame to write: an operation's result, or `complete` for one that ended (which
    /// is then forgotten). Waits while no operation has anything.
    pub async fn next_frame(&mut self) -> String {
        poll_fn(|cx| self.poll_frame(cx)).await
    }

    fn poll_frame(&mut self, cx: &mut Context<'_>) -> Poll<String> {
        let count = self.running.len();
        for step in 0..count {
            let index = (self.turn + step) % count;
            match self.running[index].results.poll_next_unpin(cx) {
                Poll::Ready(Some(result)) => {
                    self.turn = index + 1;
                    return Poll::Ready(self.running[index].frame(&result));
                }
                Poll::Ready(None) => {
                    let ended = self.running.remove(index);
                    self.turn = index;
                    return Poll::Ready(complete(&ended.id));
                }
                Poll::Pending => {}
            }
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use futures::{FutureExt, stream};

    use super::*;

    fn payloads(texts: &[&str]) -> BoxStream<'static, SharedResult> {
        let results: Vec<SharedResult> = texts.iter().map(|text| SharedResult::Payload(Arc::from(*text))).collect();
        stream::iter(results).boxed()
    }

    #[tokio::test]
    async fn results_are_framed_with_their_id_taken_in_turn_and_ended_with_complete() {
        let mut operations = Operations::default();
        operations.start("a".into(), Protocol::TransportWs, payloads(&["{\"data\":1}", "{\"data\":2}"]));
        operations.start("b".into(), Protocol::TransportWs, payloads(&["{\"data\":3}"]));
        let mut frames = Vec::new();
        while !operations.is_empty() {
            frames.push(operations.next_frame().await);
        }
        assert_eq!(
            frames,
            [
                r#"{"type":"next","id":"a","payload":{"data":1}}"#,
                r#"{"type":"next","id":"b","payload":{"data":3}}"#,
                r#"{"type":"next","id":"a","payload":{"data":2}}"#,
                r#"{"type":"complete","id":"b"}"#,
                r#"{"type":"complete","id":"a"}"#,
            ]
        );
    }

    #[tokio::test]
    async fn a_stopped_operation_sends_nothing_more() {
        let mut operations = Operations::default();
        operations.start("a".into(), Protocol::TransportWs, payloads(&["{\"data\":1}"]));
        assert!(operations.contains("a"));
        assert!(operations.stop("a"));
        assert!(!operations.stop("a"), "stopped once");
        assert!(!operations.contains("a") && operations.is_empty());
        assert!(operations.next_frame().now_or_never().is_none(), "no frame, not even complete");
    }
}
