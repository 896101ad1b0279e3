//! Issued access tokens: expiry, revocation and how long dead tokens are
//! remembered.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::format::ids;

/// Why a bearer token was refused; [`message`](Self::message) is the error
/// text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenRejection {
    Empty,
    Unknown,
    Expired,
    Revoked,
}

impl TokenRejection {
    /// The `message` of the 401 answer.
    pub(crate) fn message(self) -> &'static str {
        match self {
            Self::Empty => "Token empty",
            Self::Unknown => "invalid token",
            Self::Expired => "token expired",
            Self::Revoked => "token revoked",
        }
    }
}

#[derive(Debug)]
struct TokenRecord {
    expires_at: Instant,
    revoked: bool,
}

/// Issued access tokens.
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    tokens: HashMap<String, TokenRecord>,
    /// The store is swept for dead tokens when it reaches this size.
    sweep_at: usize,
}

/// The smallest store that is swept.
const MIN_SWEEP_AT: usize = 1024;

/// How long an expired or revoked token is still remembered (so the error
/// says "expired" rather than "invalid").
const REMEMBER_DEAD_TOKENS: Duration = Duration::from_secs(3600);

impl Tokens {
    /// Issues a new random token valid for `lifetime`.
    pub(crate) fn issue(&mut self, lifetime: Duration) -> String {
        let now = Instant::now();
        // Sweep only when the store has doubled since the last sweep: issuing
        // stays O(1) amortized (sweeping on every issue walked every token,
        // and a client fetching a token per request slowed down as it went).
        if self.tokens.len() >= self.sweep_at {
            self.tokens.retain(|_, record| {
                record
                    .expires_at
                    .checked_add(REMEMBER_DEAD_TOKENS)
                    .is_none_or(|forget_at| forget_at > now)
            });
            self.sweep_at = (self.tokens.len() * 2).max(MIN_SWEEP_AT);
        }
        let token = format!("skt_{}", ids::random_secret());
        let expires_at = now
            .checked_add(lifetime)
            .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 86_400));
        self.tokens.insert(
            token.clone(),
            TokenRecord {
                expires_at,
                revoked: false,
            },
        );
        token
    }

    /// Checks a presented token.
    pub(crate) fn check(&self, token: &str) -> Result<(), TokenRejection> {
        let record = self.tokens.get(token).ok_or(TokenRejection::Unknown)?;
        if record.revoked {
            Err(TokenRejection::Revoked)
        } else if Instant::now() >= record.expires_at {
            Err(TokenRejection::Expired)
        } else {
            Ok(())
        }
    }

    /// Every token still remembered (live, expired or revoked).
    pub(crate) fn remembered(&self) -> Vec<String> {
        self.tokens.keys().cloned().collect()
    }

    /// Revokes every token issued so far; returns how many were not yet revoked.
    pub(crate) fn revoke_all(&mut self) -> usize {
        let mut revoked = 0;
        for record in self.tokens.values_mut() {
            if !record.revoked {
                record.revoked = true;
                revoked += 1;
            }
        }
        revoked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_expire_and_revoke() {
        let mut store = Tokens::default();
        let live = store.issue(Duration::from_secs(60));
        let dead = store.issue(Duration::ZERO);
        assert_eq!(store.check(&live), Ok(()));
        assert_eq!(store.check(&dead), Err(TokenRejection::Expired));
        assert_eq!(store.check("skt_nope"), Err(TokenRejection::Unknown));
        let mut remembered = store.remembered();
        remembered.sort();
        let mut issued = vec![live.clone(), dead.clone()];
        issued.sort();
        assert_eq!(remembered, issued);
        assert_eq!(store.revoke_all(), 2);
        assert_eq!(store.check(&live), Err(TokenRejection::Revoked));
        let fresh = store.issue(Duration::from_secs(60));
        assert_eq!(store.check(&fresh), Ok(()));
    }
}
