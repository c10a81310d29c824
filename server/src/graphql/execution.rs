//! Whether a request reached execution.
//!
//! GraphQL over HTTP answers a request that never executed (its document did not parse, failed
//! validation, or named no runnable operation) differently from one that did, and
//! `Schema::execute` returns the same `Response` type for both. The handler puts an
//! [`ExecutionStarted`] in the request's data; the [`TrackExecution`] extension sets it when the
//! schema begins to execute the operation.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use async_graphql::{
    Response,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute},
};

/// Set once the schema begins executing the request that carries it.
#[derive(Debug, Clone, Default)]
pub struct ExecutionStarted(Arc<AtomicBool>);

impl ExecutionStarted {
    /// True when the request got past parsing and validation into execution.
    pub fn has_started(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    fn mark(&self) {
        self.0.store(true, Ordering::Release);
    }
}

/// The schema extension that marks a request's [`ExecutionStarted`], when it has one.
pub struct TrackExecution;

impl ExtensionFactory for TrackExecution {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(TrackExecution)
    }
}

#[async_trait::async_trait]
impl Extension for TrackExecution {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        if let Some(started) = ctx.data_opt::<ExecutionStarted>() {
            started.mark();
        }
        next.run(ctx, operation_name).await
    }
}
