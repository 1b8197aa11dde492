//! Scenario engine: the test-case catalogue (data in `config/scenarios.toml`, plus the user's
//! `scenarios.file`) and the engine that runs a case's steps as domain commands on the scaled
//! clock. The Connect pages, the headless trigger and user files all run through it.

pub mod catalogue;
pub mod engine;
pub mod runs;

pub use catalogue::{Catalogue, CatalogueError, Command, Group, Iso, Outcome, Step, TestCase};
pub use engine::{Engine, RunError, RunRequest, RunStarted, SESSION_IDLE_LIMIT};
pub use runs::Trigger;
