//! Shared helpers for the cross-crate tests, examples and benchmarks.
//!
//! Nothing here is part of the published crates: it starts emulators and
//! browsers for the tests in `tests/` and the benchmarks in `benches/`.
