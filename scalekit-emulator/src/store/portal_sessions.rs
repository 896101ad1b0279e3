//! Portal links and the sessions they open.
//!
//! A link is single-use: the first load of an unexpired link consumes it and
//! opens a session; any later load, a load after the link's lifetime, or an
//! unknown id fails. The page's buttons authenticate with a per-session
//! secret that only the page that opened the session knows.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use crate::format::ids;
use crate::format::timefmt;

/// A freshly minted link, as `PUT .../portal_links` reports it.
#[derive(Debug, Clone)]
pub(crate) struct MintedLink {
    /// `lnk_<digits>`.
    pub(crate) id: String,
    /// The UUID in `/magicLink/{uuid}`.
    pub(crate) key: String,
    pub(crate) expire_time: OffsetDateTime,
}

/// A session opened by loading a link.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) organization_id: String,
    pub(crate) features: Vec<String>,
    /// Secret the page sends with toggles (`X-Portal-Session`).
    pub(crate) secret: String,
    pub(crate) expires_at: Instant,
    pub(crate) expiry: OffsetDateTime,
}

#[derive(Debug)]
enum LinkState {
    Unused { expires_at: Instant },
    Used(Session),
}

#[derive(Debug)]
struct LinkRecord {
    organization_id: String,
    features: Vec<String>,
    state: LinkState,
}

/// Why a toggle was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionError {
    /// No session for this link, or the secret does not match.
    Invalid,
    /// The session has ended.
    Expired,
}

/// Links and sessions of one emulator.
#[derive(Debug, Default)]
pub(crate) struct PortalSessions {
    links: HashMap<String, LinkRecord>,
    /// The store is swept for dead links when it reaches this size.
    sweep_at: usize,
}

/// Dead links and sessions are forgotten this long after they end (at the
/// next sweep).
const FORGET_AFTER: Duration = Duration::from_secs(3600);

/// The smallest store that is swept.
const MIN_SWEEP_AT: usize = 1024;

impl PortalSessions {
    /// Mints a link for an organization.
    pub(crate) fn mint(
        &mut self,
        organization_id: &str,
        features: Vec<String>,
        lifetime: Duration,
    ) -> MintedLink {
        self.forget_dead();
        let now = Instant::now();
        let key = ids::random_uuid();
        let link = MintedLink {
            id: ids::prefixed_digits("lnk_", 17),
            key: key.clone(),
            expire_time: timefmt::now_plus(lifetime),
        };
        self.links.insert(
            key,
            LinkRecord {
                organization_id: organization_id.to_owned(),
                features,
                state: LinkState::Unused {
                    expires_at: instant_after(now, lifetime),
                },
            },
        );
        link
    }

    /// Ends every link and session of an organization.
    pub(crate) fn forget_organization(&mut self, organization_id: &str) {
        self.links
            .retain(|_, record| record.organization_id != organization_id);
    }

    /// Loads a link: the first load of an unexpired link opens a session;
    /// anything else is `None` (the failure page).
    pub(crate) fn load(&mut self, key: &str, session_lifetime: Duration) -> Option<Session> {
        let record = self.links.get_mut(key)?;
        let now = Instant::now();
        match record.state {
            LinkState::Unused { expires_at } if now < expires_at => {
                let session = Session {
                    organization_id: record.organization_id.clone(),
                    features: record.features.clone(),
                    secret: ids::random_secret(),
                    expires_at: instant_after(now, session_lifetime),
                    expiry: timefmt::now_plus(session_lifetime),
                };
                record.state = LinkState::Used(session.clone());
                Some(session)
            }
            _ => None,
        }
    }

    /// The live session opened by `key`, if `secret` is its secret.
    pub(crate) fn session(&self, key: &str, secret: &str) -> Result<&Session, SessionError> {
        let Some(LinkRecord {
            state: LinkState::Used(session),
            ..
        }) = self.links.get(key)
        else {
            return Err(SessionError::Invalid);
        };
        if !ids::constant_time_eq(session.secret.as_bytes(), secret.as_bytes()) {
            return Err(SessionError::Invalid);
        }
        if Instant::now() >= session.expires_at {
            return Err(SessionError::Expired);
        }
        Ok(session)
    }

    /// Sweeps when the store has doubled since the last sweep, so minting
    /// stays O(1) amortized: sweeping on every mint made each mint walk every
    /// link of the last hour, and the emulator slowed down as a load test
    /// went on.
    fn forget_dead(&mut self) {
        if self.links.len() < self.sweep_at {
            return;
        }
        let now = Instant::now();
        self.links.retain(|_, record| {
            let ends = match &record.state {
                LinkState::Unused { expires_at } => *expires_at,
                LinkState::Used(session) => session.expires_at,
            };
            ends.checked_add(FORGET_AFTER).is_none_or(|at| at > now)
        });
        self.sweep_at = (self.links.len() * 2).max(MIN_SWEEP_AT);
    }
}

/// `now + duration`, saturating at a far future instead of overflowing.
fn instant_after(now: Instant, duration: Duration) -> Instant {
    now.checked_add(duration)
        .or_else(|| now.checked_add(Duration::from_secs(100 * 365 * 86_400)))
        .unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_single_use() {
        let mut store = PortalSessions::default();
        let link = store.mint("org_1", vec!["sso".into()], Duration::from_secs(60));
        assert!(link.id.starts_with("lnk_"));
        let session = store.load(&link.key, Duration::from_secs(60)).unwrap();
        assert_eq!(session.organization_id, "org_1");
        assert_eq!(session.features, vec!["sso".to_owned()]);
        assert!(store.load(&link.key, Duration::from_secs(60)).is_none());
        assert!(store.load("unknown", Duration::from_secs(60)).is_none());
        assert!(store.session(&link.key, &session.secret).is_ok());
        assert_eq!(
            store.session(&link.key, "wrong").err(),
            Some(SessionError::Invalid)
        );
    }

    #[test]
    fn expired_links_and_sessions_fail() {
        let mut store = PortalSessions::default();
        let link = store.mint("org_1", vec![], Duration::ZERO);
        assert!(store.load(&link.key, Duration::from_secs(60)).is_none());
        let link = store.mint("org_1", vec![], Duration::from_secs(60));
        let session = store.load(&link.key, Duration::ZERO).unwrap();
        assert_eq!(
            store.session(&link.key, &session.secret).err(),
            Some(SessionError::Expired)
        );
    }
}
