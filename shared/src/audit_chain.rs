//! The audit trail as a hash chain.
//!
//! Every audit event has a place in one chain (`seq`: 1, 2, 3 … with no gap)
//! and stores `prev_hash`, the SHA-256 of the event before it over the
//! canonical encoding below; the first event's `prev_hash` is [`GENESIS`].
//! The chain's head (the last `seq` and the hash of that event) is kept in a
//! row of its own, which every append locks, so several processes on one
//! database extend one chain and never fork it.
//!
//! Changing a stored event changes its hash, so the next event's `prev_hash`
//! no longer matches; deleting one leaves a gap in `seq` and a link that does
//! not match; a row inserted by hand has no place in the chain, or a place
//! that the head does not end at. What the chain cannot show alone is a
//! rewrite of the whole tail together with the head: an operator who records
//! the head that `hms audit verify` prints (somewhere the database's users
//! cannot write) can show that too. `docs/security.md` says how.
//!
//! The encoding is version 1 and must never change: the migration that
//! chained the events stored before it and every later append hash with it.
//! A new encoding would be version 2, chosen by a new `GENESIS`-like marker.
//! The test at the bottom pins one event's hash.

use chrono::{DateTime, SubsecRound, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The `prev_hash` of the first event: 64 zeros.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What the hash says the encoding is.
const DOMAIN: &[u8] = b"hms.audit_event.v1\n";

/// One event as the chain sees it: its stored columns (the database's own
/// row id is left out, so a restore that renumbers rows keeps the chain).
#[derive(Clone, Debug)]
pub struct Link<'a> {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub actor_email: Option<&'a str>,
    /// The role's stored code.
    pub actor_role: Option<&'a str>,
    pub action: &'a str,
    pub patient_id: Option<Uuid>,
    pub entity: Option<&'a str>,
    pub entity_id: Option<&'a str>,
    /// The outcome's stored code.
    pub outcome: &'a str,
    pub client_addr: Option<&'a str>,
    pub detail: Option<&'a str>,
    pub prev_hash: &'a str,
}

/// A time as the chain keeps it: to the microsecond, which is what
/// PostgreSQL stores (SQLite would keep nanoseconds). Events are stamped with
/// this before they are stored, so the stored value is the hashed one.
pub fn chain_time(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

impl Link<'_> {
    /// The SHA-256 of the canonical encoding, in lower-case hex: the next
    /// event's `prev_hash`.
    pub fn hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(DOMAIN);
        h.update(self.seq.to_be_bytes());
        h.update(chain_time(self.at).timestamp_micros().to_be_bytes());
        uuid_field(&mut h, self.actor_id);
        text_field(&mut h, self.actor_email);
        text_field(&mut h, self.actor_role);
        text_field(&mut h, Some(self.action));
        uuid_field(&mut h, self.patient_id);
        text_field(&mut h, self.entity);
        text_field(&mut h, self.entity_id);
        text_field(&mut h, Some(self.outcome));
        text_field(&mut h, self.client_addr);
        text_field(&mut h, self.detail);
        text_field(&mut h, Some(self.prev_hash));
        hex(&h.finalize())
    }
}

/// Absent: one 0 byte. Present: 1, the length as 4 bytes big-endian, the
/// UTF-8 bytes; so no two different events share an encoding.
fn text_field(h: &mut Sha256, value: Option<&str>) {
    match value {
        None => h.update([0u8]),
        Some(s) => {
            h.update([1u8]);
            h.update((s.len() as u32).to_be_bytes());
            h.update(s.as_bytes());
        }
    }
}

fn uuid_field(h: &mut Sha256, value: Option<Uuid>) {
    match value {
        None => h.update([0u8]),
        Some(id) => {
            h.update([1u8]);
            h.update(id.as_bytes());
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn sample() -> Link<'static> {
        Link {
            seq: 1,
            at: Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap()
                + chrono::Duration::nanoseconds(123_456_789),
            actor_id: Some(Uuid::from_u128(1)),
            actor_email: Some("admin@example.org"),
            actor_role: Some("admin"),
            action: "patients.read",
            patient_id: Some(Uuid::from_u128(2)),
            entity: Some("patient"),
            entity_id: Some("00000000-0000-0000-0000-000000000002"),
            outcome: "success",
            client_addr: Some("127.0.0.1"),
            detail: Some("Мария 王伟"),
            prev_hash: GENESIS,
        }
    }

    /// The encoding is frozen: stored chains were hashed with it.
    #[test]
    fn version_1_is_pinned() {
        assert_eq!(
            sample().hash(),
            "7d61ae7325fb24936801676ea243002227551aabebff924c4aef6ba69f1383e8",
            "the canonical encoding changed: stored chains would no longer verify"
        );
    }

    #[test]
    fn nanoseconds_do_not_count() {
        let mut other = sample();
        other.at = chain_time(other.at);
        assert_eq!(sample().hash(), other.hash());
    }

    #[test]
    fn every_field_counts_and_absent_is_not_empty() {
        let base = sample().hash();
        let changed = [
            Link { seq: 2, ..sample() },
            Link {
                actor_id: None,
                ..sample()
            },
            Link {
                actor_email: Some("admin@example.com"),
                ..sample()
            },
            Link {
                actor_role: None,
                ..sample()
            },
            Link {
                action: "patients.update",
                ..sample()
            },
            Link {
                patient_id: None,
                ..sample()
            },
            Link {
                entity: Some(""),
                ..sample()
            },
            Link {
                entity_id: None,
                ..sample()
            },
            Link {
                outcome: "denied",
                ..sample()
            },
            Link {
                client_addr: None,
                ..sample()
            },
            Link {
                detail: Some("Мария 王"),
                ..sample()
            },
            Link {
                prev_hash: "1",
                ..sample()
            },
            Link {
                at: sample().at + chrono::Duration::microseconds(1),
                ..sample()
            },
        ];
        for (i, link) in changed.iter().enumerate() {
            assert_ne!(link.hash(), base, "change {i} did not change the hash");
        }
        // A field's end is not ambiguous: moving text from one field to the
        // next changes the hash.
        let a = Link {
            entity: Some("ab"),
            entity_id: Some("c"),
            ..sample()
        };
        let b = Link {
            entity: Some("a"),
            entity_id: Some("bc"),
            ..sample()
        };
        assert_ne!(a.hash(), b.hash());
    }
}
