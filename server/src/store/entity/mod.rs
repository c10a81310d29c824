//! sea-orm entities, one file per table. They are storage shapes: the APIs define their own types.

pub mod conversation;
pub mod credential_change;
pub mod credit_ledger;
pub mod media_file;
pub mod status_event;
pub mod user;
pub mod webhook_delivery;
