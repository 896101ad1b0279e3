//! A local server that behaves like Scalekit.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
