//! The READMEs' Rust snippets, compiled (and run, unless marked `no_run`) as
//! doctests of this crate by `cargo test --workspace`, so a renamed method
//! breaks the build, not the reader.
//!
//! Each README is the documentation of one item below, which exists only
//! while rustdoc collects doctests. A README's `rust` code blocks are
//! doctests; `sh`, `text` and `jinja` blocks are not (an unmarked block would
//! be Rust: mark diagrams `text`). The snippets may use this crate's
//! dependencies and dev-dependencies (`Cargo.toml` next to this file); a
//! snippet that needs a new crate adds it to the dev-dependencies there.
//! Write snippets that read well on their own: prefer whole items
//! (`fn main`, helper functions) to hidden `# ` lines, which the registry
//! page and the repository show.

/// The workspace's README.md.
#[doc = include_str!("../../../README.md")]
pub struct WorkspaceReadme;

/// scalekit-tower/README.md, the crate's page on the Rust package registry.
#[doc = include_str!("../../../scalekit-tower/README.md")]
pub struct ScalekitTowerReadme;

/// scalekit-axum-extract/README.md.
#[doc = include_str!("../../../scalekit-axum-extract/README.md")]
pub struct ScalekitAxumExtractReadme;

/// scalekit-emulator/README.md.
#[doc = include_str!("../../../scalekit-emulator/README.md")]
pub struct ScalekitEmulatorReadme;
