//! wagate's integration tests: the real app on an ephemeral port with a fresh database
//! (SQLite, or PostgreSQL when `TEST_DATABASE_URL` is set), driven over HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed expectation is a failed test

mod support;

mod accounts;
mod authz_matrix;
mod cli;
mod conversation_plans;
mod crash;
mod credits;
mod fixtures;
mod fuzz_webhook;
mod graphql_http;
mod graphql_read;
mod graphql_send;
mod group_commit;
mod health;
mod inbound_types;
mod ingest;
mod ingest_batch;
mod live_limits;
mod logging;
mod media;
mod metrics;
mod rest_read;
mod schema_drift;
mod search;
mod search_plans;
mod secrets_in_logs;
mod send;
mod statuses;
mod subscriptions;
mod text_index;
mod user_admin;
mod users;
mod webhook_security;
mod ws_protocol;
