//! Meta's WhatsApp Cloud API: webhook payloads and their signature.

pub mod payload;
pub mod signature;
