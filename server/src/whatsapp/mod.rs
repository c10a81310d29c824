//! Meta's WhatsApp Cloud API: webhook payloads and their signature.

pub mod client;
pub mod outbound;
pub mod pacing;
pub mod payload;
pub mod signature;
