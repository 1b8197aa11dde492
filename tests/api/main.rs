//! Integration tests: the real app over HTTP. One binary, one module per area.

mod health;
mod helpers;
