//! Leap's domain: meters and their enrollment, Connect sessions, webhook subscriptions and the
//! events their changes cause. Status transitions live here and nowhere else; each returns the
//! webhook event payloads it caused, and the store commits both together.

pub mod connect;
pub mod enrollment;
pub mod enums;
pub mod events;
pub mod jobs;
pub mod meter;
pub mod search;
pub mod subscription;
pub mod validate;

pub use events::{EventPayload, OutboxEvent};
