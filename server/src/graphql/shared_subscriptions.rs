//! Subscriptions shared by shape. Every client subscription with the same document, operation
//! name, variables and credentials receives the results of one execution, each serialized once:
//! an event reaching ten thousand watchers of one shape is resolved and turned into JSON once,
//! and each watcher only writes the shared text to its socket.
//!
//! The first subscription of a shape starts a driver task that executes it and broadcasts every
//! result; later ones join its broadcast; the last one to leave stops it. Results that come
//! before the first one carrying data (a refusal, a validation error) are kept and replayed to
//! whoever joins, so a subscription that fails at once fails the same way for everyone.

use std::{
    collections::{HashMap, VecDeque},
    sync::{
        Arc, Mutex, MutexGuard, PoisonError, Weak,
        atomic::{AtomicU64, Ordering},
    },
};

use async_graphql::{Pos, Request, Response, Value, futures_util::stream::BoxStream};
use futures::{Stream, StreamExt, stream};
use tokio::{sync::broadcast, task::AbortHandle};

use crate::{
    error::AppError,
    events::{EventBus, Subscriber, Watching},
    graphql::{AppSchema, auth::Credentials},
};

/// The most results replayed to late joiners before a shape's first result with data.
const REPLAY_LIMIT: usize = 4;

/// What one subscription receives from its shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SharedResult {
    /// A result (`{"data": …}` or `{"errors": […]}`), serialized.
    Payload(Arc<str>),
    /// This subscription fell behind its shape and missed this many results.
    Lagged(u64),
}

/// The bus subscription made for a shape when it started, so that events published from then on
/// reach it even before its driver first polls it. The subscription resolvers take it.
pub struct PreparedSubscriber(Mutex<Option<Subscriber>>);

impl PreparedSubscriber {
    /// Takes the prepared subscriber; `None` when it was taken already.
    pub fn take(&self) -> Option<Subscriber> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

/// The shapes running in this process. Cheap to clone.
#[derive(Clone)]
pub struct SharedSubscriptions(Arc<Shapes>);

struct Shapes {
    schema: AppSchema,
    bus: EventBus,
    buffer: usize,
    running: Mutex<HashMap<Arc<Shape>, Running>>,
    generations: AtomicU64,
}

/// What makes two subscriptions receive the same results.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Shape {
    query: String,
    operation_name: Option<String>,
    variables: String,
    credentials: Credentials,
}

struct Running {
    sender: broadcast::Sender<Arc<str>>,
    /// The results so far, until one carries data.
    replay: Option<Vec<Arc<str>>>,
    generation: u64,
    driver: AbortHandle,
}

impl SharedSubscriptions {
    /// Shapes executed on `schema`, watching `bus`; a subscription that falls `buffer` results
    /// behind its shape is told it lagged.
    pub fn new(schema: AppSchema, bus: EventBus, buffer: usize) -> Self {
        Self(Arc::new(Shapes {
            schema,
            bus,
            buffer: buffer.max(1),
            running: Mutex::default(),
            generations: AtomicU64::new(0),
        }))
    }

    /// Joins the shape of `request` (a subscription operation) for `credentials`, starting it if
    /// it is not running; the stream ends when the shape's execution does.
    pub fn join(&self, request: Request, credentials: &Credentials) -> impl Stream<Item = SharedResult> + Send + use<> {
        let shape = Arc::new(Shape {
            variables: serde_json::to_string(&request.variables).unwrap_or_default(),
            query: request.query.clone(),
            operation_name: request.operation_name.clone(),
            credentials: credentials.clone(),
        });
        let mut running = self.0.lock();
        let (receiver, replay) = match running.get(&shape) {
            Some(shape) => (shape.sender.subscribe(), shape.replay.clone().unwrap_or_default()),
            None => {
                let (sender, receiver) = broadcast::channel(self.0.buffer);
                let generation = self.0.generations.fetch_add(1, Ordering::Relaxed);
                let prepared = PreparedSubscriber(Mutex::new(Some(self.0.bus.subscribe())));
                let results = self.0.schema.execute_stream(request.data(credentials.clone()).data(prepared)).boxed();
                let driver =
                    tokio::spawn(drive(Arc::downgrade(&self.0), shape.clone(), generation, results, sender.clone()));
                let started = Running { sender, replay: Some(Vec::new()), generation, driver: driver.abort_handle() };
                running.insert(shape.clone(), started);
                (receiver, Vec::new())
            }
        };
        drop(running);
        let member = Member {
            receiver: Some(receiver),
            replay: replay.into(),
            shape,
            shapes: self.0.clone(),
            _watching: self.0.bus.watch(),
        };
        stream::unfold(member, |mut member| async move { member.next().await.map(|result| (result, member)) })
    }

    /// How many shapes are running.
    pub fn shape_count(&self) -> usize {
        self.0.lock().len()
    }
}

impl Shapes {
    fn lock(&self) -> MutexGuard<'_, HashMap<Arc<Shape>, Running>> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Executes one shape and broadcasts each result, serialized once, until the execution ends or
/// the last member leaves (which aborts this task).
async fn drive(
    shapes: Weak<Shapes>,
    shape: Arc<Shape>,
    generation: u64,
    mut results: BoxStream<'static, Response>,
    sender: broadcast::Sender<Arc<str>>,
) {
    while let Some(result) = results.next().await {
        let has_data = result.data != Value::Null;
        let payload: Arc<str> = match serde_json::to_string(&result) {
            Ok(text) => text.into(),
            Err(error) => {
                tracing::warn!(%error, "a subscription result could not be serialized");
                continue;
            }
        };
        let Some(shapes) = shapes.upgrade() else { return };
        let mut running = shapes.lock();
        if let Some(this) = running.get_mut(&shape).filter(|this| this.generation == generation) {
            match &mut this.replay {
                _ if has_data => this.replay = None,
                Some(replay) if replay.len() < REPLAY_LIMIT => replay.push(payload.clone()),
                _ => {}
            }
        }
        // Sent under the lock, so that a member joining now gets it either replayed or sent.
        let _ = sender.send(payload);
    }
    if let Some(shapes) = shapes.upgrade() {
        let mut running = shapes.lock();
        if running.get(&shape).is_some_and(|this| this.generation == generation) {
            running.remove(&shape);
        }
    }
}

/// One subscription's place in its shape.
struct Member {
    receiver: Option<broadcast::Receiver<Arc<str>>>,
    replay: VecDeque<Arc<str>>,
    shape: Arc<Shape>,
    shapes: Arc<Shapes>,
    _watching: Watching,
}

impl Member {
    async fn next(&mut self) -> Option<SharedResult> {
        if let Some(payload) = self.replay.pop_front() {
            return Some(SharedResult::Payload(payload));
        }
        match self.receiver.as_mut()?.recv().await {
            Ok(payload) => Some(SharedResult::Payload(payload)),
            Err(broadcast::error::RecvError::Lagged(missed)) => Some(SharedResult::Lagged(missed)),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }
}

impl Drop for Member {
    /// The last member of a shape stops its execution.
    fn drop(&mut self) {
        drop(self.receiver.take());
        let mut running = self.shapes.lock();
        if running.get(&self.shape).is_some_and(|this| this.sender.receiver_count() == 0)
            && let Some(this) = running.remove(&self.shape)
        {
            this.driver.abort();
        }
    }
}

/// The result a subscription receives when it fell `missed` results behind, serialized.
pub fn lagged_payload(missed: u64) -> String {
    error_payload(lagged(missed))
}

/// An operation's result holding only `error`, serialized.
pub fn error_payload(error: AppError) -> String {
    let error = async_graphql::Error::from(error).into_server_error(Pos::default());
    serde_json::to_string(&Response::from_errors(vec![error])).unwrap_or_default()
}

/// The error of a subscription that may have missed events through no fault of its own.
pub fn missed() -> AppError {
    AppError::Lagged(
        "live events may have been missed (the connection that brings other instances' changes dropped, or a \
         change could not be read); re-query what you show, the subscription goes on"
            .into(),
    )
}

/// The error of a subscription that fell behind and missed `missed` events.
pub fn lagged(missed: u64) -> AppError {
    AppError::Lagged(format!(
        "this subscription fell behind and missed events ({missed} were dropped, a count that may include events \
         it would not have shown); re-query what you show, the subscription goes on"
    ))
}
