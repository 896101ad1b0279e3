//! PostgreSQL and Redis stores for [`scalekit_tower`]: one truth for many
//! replicas.
//!
//! Every guarantee of `scalekit-tower`'s in-memory defaults ends at the
//! process: a webhook retry that reaches another replica would run the
//! handler again, and a minting limit per replica multiplies by the
//! replicas. The stores here keep that state where every replica sees it:
//!
//! - [`PostgresIdempotencyStore`] (feature `postgres`): one table, a
//!   [`migrate`](PostgresIdempotencyStore::migrate) that creates it, a claim
//!   in one atomic statement that also takes over a claim whose lease ran
//!   out (a replica that died mid-handler), and a
//!   [`purge`](PostgresIdempotencyStore::purge) of old rows.
//! - [`RedisIdempotencyStore`] (feature `redis`): `SET NX` with a lease, the
//!   same rules, under a key prefix.
//! - [`RedisLimitBackend`] (feature `redis`): a
//!   [`LimitBackend`](scalekit_tower::LimitBackend) for
//!   [`MintLimit::shared`](scalekit_tower::MintLimit::shared): one GCRA budget
//!   per key for the whole fleet, in one round trip.
//!
//! Each claim has an owner token
//! ([`ClaimToken`](scalekit_tower::webhook::ClaimToken)), kept with it (a
//! column, the key's value); a release gives up only the claim its token
//! holds (`WHERE owner = ...`, a compare-and-delete script). A handler that
//! outlived its lease and then failed thus never releases the claim of the
//! replica that took it over, which would let a third delivery run
//! alongside the second.
//!
//! Each call has a deadline; a failure is a [`StoreFailure`] (the webhook
//! endpoint answers 503 and Scalekit retries; the limit falls back to the
//! in-process budgets). No connection string or password appears in an
//! error, a log line or `Debug`.
//!
//! Why a crate of its own: the database clients are large dependency trees
//! with their own release pace (and their own minimum Rust); apps that run
//! one replica, or another database, should not compile them, and
//! `scalekit-tower`'s own feature matrix stays what it is. tower-sessions
//! keeps its stores apart for the same reasons.

#![warn(missing_docs)]
#![forbid(unsafe_code)]
#![deny(unreachable_pub)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "redis")]
mod redis_connection;
#[cfg(feature = "redis")]
mod redis_limit;
#[cfg(feature = "redis")]
mod redis_store;

pub use error::StoreFailure;
#[cfg(feature = "postgres")]
pub use postgres::{DEFAULT_TABLE, PostgresIdempotencyStore};
#[cfg(feature = "redis")]
pub use redis_limit::{DEFAULT_LIMIT_PREFIX, RedisLimitBackend};
#[cfg(feature = "redis")]
pub use redis_store::{DEFAULT_WEBHOOK_PREFIX, RedisIdempotencyStore};

/// How long a store call may take by default before it fails.
pub const DEFAULT_DEADLINE: std::time::Duration = std::time::Duration::from_secs(2);
