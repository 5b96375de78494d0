//! A short-lived, per-process memory of sessions and the accounts behind them,
//! so a signed-in request does not read the session row and the user row from
//! the database every time.
//!
//! Coherence:
//! - Within a process, every change goes through here: the session store
//!   updates or drops its entry on save and delete, and every account change
//!   that matters for access (role, activation, password, ended sessions)
//!   calls [`AuthCache::forget_user`] once its transaction has committed.
//! - Across processes sharing one PostgreSQL, database triggers announce every
//!   deleted session and changed account with `NOTIFY hms_auth` (migration
//!   9); each process listens and drops the entry within milliseconds
//!   (`server::workers::spawn_auth_listener`). While the listening connection
//!   is down, everything is dropped and entries live at most `ttl`.
//! - In any case no entry is trusted for longer than `ttl` (one second by
//!   default, `--auth-cache-ms`); `--auth-cache-ms 0` turns the cache off, so
//!   every request reads both rows.
//! - A read that raced with a notice is not remembered: every notice bumps an
//!   epoch, and a row read before the bump is used once but not kept.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tower_sessions::session::Record;
use uuid::Uuid;

use crate::entity::users;

struct Entry<T> {
    value: T,
    at: Instant,
}

/// Entries older than this are swept out when the maps grow past it.
const SWEEP_ABOVE: usize = 4096;

/// Sessions are keyed by their storage key (the digest the database holds),
/// which is what the database's notices name.
#[derive(Default)]
struct Maps {
    sessions: HashMap<String, Entry<Record>>,
    users: HashMap<Uuid, Entry<users::Model>>,
}

pub struct AuthCache {
    ttl: Duration,
    maps: Mutex<Maps>,
    /// Bumped by every notice of a change made elsewhere.
    epoch: AtomicU64,
}

impl std::fmt::Debug for AuthCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthCache").field("ttl", &self.ttl).finish()
    }
}

impl AuthCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            maps: Mutex::new(Maps::default()),
            epoch: AtomicU64::new(0),
        }
    }

    /// A cache that remembers nothing.
    pub fn disabled() -> Self {
        Self::new(Duration::ZERO)
    }

    fn enabled(&self) -> bool {
        !self.ttl.is_zero()
    }

    fn fresh<T: Clone>(&self, entry: Option<&Entry<T>>) -> Option<T> {
        entry
            .filter(|e| e.at.elapsed() < self.ttl)
            .map(|e| e.value.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Maps> {
        // A panic while holding the lock leaves plain maps behind: still usable.
        self.maps.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Take this before reading a row from the database, and hand it to
    /// `put_*`: a notice that arrived meanwhile keeps the row out.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// The session record stored under `key`, if it was read or written here
    /// within the TTL and has not expired.
    pub fn session(&self, key: &str) -> Option<Record> {
        if !self.enabled() {
            return None;
        }
        let record = self.fresh(self.lock().sessions.get(key))?;
        (record.expiry_date > time::OffsetDateTime::now_utc()).then_some(record)
    }

    pub fn put_session(&self, key: &str, record: &Record, epoch: u64) {
        self.keep(epoch, |maps| &mut maps.sessions, key.to_string(), record);
    }

    pub fn forget_session(&self, key: &str) {
        self.lock().sessions.remove(key);
    }

    /// The account, if it was read here within the TTL.
    pub fn user(&self, id: Uuid) -> Option<users::Model> {
        if !self.enabled() {
            return None;
        }
        self.fresh(self.lock().users.get(&id))
    }

    pub fn put_user(&self, user: &users::Model, epoch: u64) {
        self.keep(epoch, |maps| &mut maps.users, user.id, user);
    }

    /// Remembers `value` under `key` in the map `pick` chooses, unless the
    /// cache is off or a notice arrived since `epoch` (the row may be stale).
    fn keep<K: std::hash::Hash + Eq, T: Clone>(
        &self,
        epoch: u64,
        pick: impl FnOnce(&mut Maps) -> &mut HashMap<K, Entry<T>>,
        key: K,
        value: &T,
    ) {
        if !self.enabled() {
            return;
        }
        let mut maps = self.lock();
        if self.epoch() != epoch {
            return;
        }
        let map = pick(&mut maps);
        if map.len() >= SWEEP_ABOVE {
            let ttl = self.ttl;
            map.retain(|_, e| e.at.elapsed() < ttl);
        }
        map.insert(
            key,
            Entry {
                value: value.clone(),
                at: Instant::now(),
            },
        );
    }

    /// Drops the account and every session of it, after a change to the
    /// account or its sessions: the next request reads both from the database.
    pub fn forget_user(&self, user_id: Uuid) {
        let mut maps = self.lock();
        maps.users.remove(&user_id);
        let key = serde_json::Value::String(user_id.to_string());
        maps.sessions
            .retain(|_, e| e.value.data.get(super::session_keys::USER_ID) != Some(&key));
    }

    /// Acts on a notice from the database (`session:<key>` or `user:<id>`).
    /// Anything else drops everything.
    pub fn notice(&self, payload: &str) {
        let mut maps = self.lock();
        self.epoch.fetch_add(1, Ordering::AcqRel);
        match payload.split_once(':') {
            Some(("session", key)) => {
                maps.sessions.remove(key);
            }
            Some(("user", id)) => match id.parse::<Uuid>() {
                Ok(id) => {
                    drop(maps);
                    self.forget_user(id);
                }
                Err(_) => *maps = Maps::default(),
            },
            _ => *maps = Maps::default(),
        }
    }

    /// Drops everything: notices may have been missed.
    pub fn clear(&self) {
        let mut maps = self.lock();
        self.epoch.fetch_add(1, Ordering::AcqRel);
        *maps = Maps::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn record(user: Uuid) -> Record {
        let mut data = HashMap::new();
        data.insert(
            super::super::session_keys::USER_ID.to_string(),
            serde_json::to_value(user).unwrap(),
        );
        Record {
            id: tower_sessions::session::Id::default(),
            data,
            expiry_date: time::OffsetDateTime::now_utc() + time::Duration::hours(1),
        }
    }

    #[test]
    fn a_session_is_remembered_until_its_user_is_forgotten() {
        let cache = AuthCache::new(Duration::from_secs(60));
        let (alice, bob) = (Uuid::new_v4(), Uuid::new_v4());
        let (a, b) = (record(alice), record(bob));
        cache.put_session("a", &a, cache.epoch());
        cache.put_session("b", &b, cache.epoch());
        assert_eq!(cache.session("a").unwrap().id, a.id);
        cache.forget_user(alice);
        assert!(cache.session("a").is_none());
        assert!(cache.session("b").is_some(), "other users stay");
        cache.forget_session("b");
        assert!(cache.session("b").is_none());
    }

    #[test]
    fn notices_drop_what_they_name_and_keep_out_reads_that_raced_them() {
        let cache = AuthCache::new(Duration::from_secs(60));
        let (alice, bob) = (Uuid::new_v4(), Uuid::new_v4());
        cache.put_session("a", &record(alice), cache.epoch());
        cache.put_session("b", &record(bob), cache.epoch());
        cache.notice("session:a");
        assert!(cache.session("a").is_none());
        assert!(cache.session("b").is_some());
        cache.notice(&format!("user:{bob}"));
        assert!(
            cache.session("b").is_none(),
            "a changed account's sessions go"
        );

        // A row read before a notice arrived is not kept.
        let before = cache.epoch();
        cache.notice("session:elsewhere");
        cache.put_session("a", &record(alice), before);
        assert!(cache.session("a").is_none());

        cache.put_session("a", &record(alice), cache.epoch());
        cache.clear();
        assert!(cache.session("a").is_none(), "clear drops everything");
    }

    #[test]
    fn entries_expire_with_the_ttl_and_with_the_session() {
        let cache = AuthCache::new(Duration::from_millis(30));
        cache.put_session("a", &record(Uuid::new_v4()), cache.epoch());
        assert!(cache.session("a").is_some());
        std::thread::sleep(Duration::from_millis(40));
        assert!(cache.session("a").is_none(), "older than the TTL");

        let cache = AuthCache::new(Duration::from_secs(60));
        let mut ended = record(Uuid::new_v4());
        ended.expiry_date = time::OffsetDateTime::now_utc() - time::Duration::seconds(1);
        cache.put_session("e", &ended, cache.epoch());
        assert!(cache.session("e").is_none(), "past its expiry");
    }

    #[test]
    fn a_disabled_cache_remembers_nothing() {
        let cache = AuthCache::disabled();
        cache.put_session("a", &record(Uuid::new_v4()), cache.epoch());
        assert!(cache.session("a").is_none());
    }
}
