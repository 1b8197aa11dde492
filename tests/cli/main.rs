//! Binary-level tests: the real `leap-mock` executable, its exit codes, stdout/stderr and signals.
//! (Everything that can be checked in-process lives in `tests/api/`.)

mod helpers;
mod settings;
mod shutdown;
mod start;
