//! A tower-sessions store on SeaORM, so sessions live in the same database as
//! everything else (SQLite or PostgreSQL). Any number of `hms` processes that
//! share the database share the sessions, and a restart loses none.
//!
//! The primary key is a SHA-256 digest of the session id, never the id itself:
//! a copy of the database does not hand out live sessions.
//!
//! Besides the opaque JSON data, a few well-known keys are copied into columns
//! so a user can list and end their own sessions.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use uuid::Uuid;

use super::cache::AuthCache;
use super::session_keys as keys;
use crate::context::is_unique_violation;
use crate::entity::sessions;

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: DatabaseConnection,
    cache: Arc<AuthCache>,
}

impl DbSessionStore {
    /// A store on `db` that remembers recently used sessions in `cache`.
    pub fn new(db: DatabaseConnection, cache: Arc<AuthCache>) -> Self {
        Self { db, cache }
    }
}

/// The stored key for a session id.
pub fn storage_key(id: &Id) -> String {
    use sha2::{Digest, Sha256};
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut key = String::with_capacity(64);
    for b in Sha256::digest(id.to_string().as_bytes()) {
        key.push(HEX[usize::from(b >> 4)] as char);
        key.push(HEX[usize::from(b & 15)] as char);
    }
    key
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn to_chrono(t: time::OffsetDateTime) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(t.unix_timestamp(), t.nanosecond()).unwrap_or_else(Utc::now)
}

fn timestamp(record: &Record, key: &str) -> Option<DateTime<Utc>> {
    record
        .data
        .get(key)
        .and_then(|v| v.as_i64())
        .and_then(|s| DateTime::<Utc>::from_timestamp(s, 0))
}

fn text(record: &Record, key: &str) -> String {
    record
        .data
        .get(key)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect()
}

fn to_row(record: &Record) -> Result<sessions::ActiveModel, session_store::Error> {
    let data = serde_json::to_string(&record.data)
        .map_err(|e| session_store::Error::Encode(e.to_string()))?;
    let now = Utc::now();
    let user_id = record
        .data
        .get(keys::USER_ID)
        .and_then(|v| serde_json::from_value::<Uuid>(v.clone()).ok());
    let handle = record
        .data
        .get(keys::HANDLE)
        .and_then(|v| serde_json::from_value::<Uuid>(v.clone()).ok())
        .unwrap_or_else(Uuid::new_v4);
    Ok(sessions::ActiveModel {
        id: Set(storage_key(&record.id)),
        handle: Set(handle),
        user_id: Set(user_id),
        data: Set(data),
        expires_at: Set(to_chrono(record.expiry_date)),
        created_at: Set(timestamp(record, keys::LOGIN_AT).unwrap_or(now)),
        last_seen_at: Set(timestamp(record, keys::LAST_SEEN).unwrap_or(now)),
        user_agent: Set(text(record, keys::USER_AGENT)),
        client_addr: Set(text(record, keys::CLIENT_ADDR)),
    })
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // Ids are 128 random bits, but a collision must never hand one user
        // another's session: insert-or-fail, and draw again on conflict.
        loop {
            let row = to_row(record)?;
            let epoch = self.cache.epoch();
            match sessions::Entity::insert(row).exec(&self.db).await {
                Ok(_) => {
                    self.cache
                        .put_session(&storage_key(&record.id), record, epoch);
                    return Ok(());
                }
                Err(e) if is_unique_violation(&e) => {
                    record.id = Id::default();
                }
                Err(e) => return Err(backend(e)),
            }
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let row = to_row(record)?;
        let epoch = self.cache.epoch();
        sessions::Entity::insert(row)
            .on_conflict(
                OnConflict::column(sessions::Column::Id)
                    .update_columns([
                        sessions::Column::UserId,
                        sessions::Column::Data,
                        sessions::Column::ExpiresAt,
                        sessions::Column::LastSeenAt,
                        sessions::Column::UserAgent,
                        sessions::Column::ClientAddr,
                    ])
                    .to_owned(),
            )
            .exec(&self.db)
            .await
            .map_err(backend)?;
        self.cache
            .put_session(&storage_key(&record.id), record, epoch);
        Ok(())
    }

    async fn load(&self, session_id: &Id) -> session_store::Result<Option<Record>> {
        let key = storage_key(session_id);
        if let Some(record) = self.cache.session(&key) {
            return Ok(Some(record));
        }
        let epoch = self.cache.epoch();
        let row = sessions::Entity::find_by_id(key.clone())
            .filter(sessions::Column::ExpiresAt.gt(Utc::now()))
            .one(&self.db)
            .await
            .map_err(backend)?;
        let Some(row) = row else { return Ok(None) };
        let data = serde_json::from_str(&row.data)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date = time::OffsetDateTime::from_unix_timestamp(row.expires_at.timestamp())
            .map_err(backend)?;
        let record = Record {
            id: *session_id,
            data,
            expiry_date,
        };
        self.cache.put_session(&key, &record, epoch);
        Ok(Some(record))
    }

    async fn delete(&self, session_id: &Id) -> session_store::Result<()> {
        let key = storage_key(session_id);
        self.cache.forget_session(&key);
        sessions::Entity::delete_by_id(key.clone())
            .exec(&self.db)
            .await
            .map_err(backend)?;
        // Again, in case a concurrent request read the row back in meanwhile.
        self.cache.forget_session(&key);
        Ok(())
    }
}

#[async_trait]
impl ExpiredDeletion for DbSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        sessions::Entity::delete_many()
            .filter(sessions::Column::ExpiresAt.lte(Utc::now()))
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}
