use sea_orm::entity::prelude::*;
use shared::notify::Channel;
use shared::notify::NoticeKind;
use shared::notify::OutboxStatus;

/// A message to a patient waiting for (or past) delivery. See the migration
/// `m20261122_000008_notifications` and `server::notify` for the life cycle.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_outbox")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub appointment_id: Option<Uuid>,
    /// booked | rescheduled | cancelled | reminder | password_reset | pharmacy_order
    pub kind: NoticeKind,
    /// email | sms
    pub channel: Channel,
    pub recipient: String,
    pub subject: String,
    /// Plain, or encrypted when it holds a secret: see [`Model::body_to_send`].
    pub body: String,
    #[sea_orm(unique)]
    pub dedupe_key: String,
    /// pending | sending | sent | failed | skipped | cancelled
    pub status: OutboxStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub lease_until: Option<DateTimeUtc>,
    pub worker: Option<String>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// What one message to queue says and when it is due; the rest of its row
/// is the same for every message (pending, no attempt yet).
#[derive(Clone, Debug)]
pub struct Queued {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub appointment_id: Option<Uuid>,
    pub kind: NoticeKind,
    pub channel: Channel,
    pub recipient: String,
    pub subject: String,
    /// As stored: plain, or already encrypted (see [`Model::body_to_send`]).
    pub body: String,
    /// Unique: a second message with the same key is not queued.
    pub dedupe_key: String,
    pub due: DateTimeUtc,
}

impl Queued {
    /// The outbox row, pending from `due`, written at `now`.
    pub fn row(self, now: DateTimeUtc) -> ActiveModel {
        use sea_orm::ActiveValue::Set;
        ActiveModel {
            id: Set(self.id),
            patient_id: Set(self.patient_id),
            appointment_id: Set(self.appointment_id),
            kind: Set(self.kind),
            channel: Set(self.channel),
            recipient: Set(self.recipient),
            subject: Set(self.subject),
            body: Set(self.body),
            dedupe_key: Set(self.dedupe_key),
            status: Set(OutboxStatus::Pending),
            attempts: Set(0),
            next_attempt_at: Set(self.due),
            lease_until: Set(None),
            worker: Set(None),
            last_error: Set(None),
            created_at: Set(now),
            sent_at: Set(None),
        }
    }
}

/// Queues `rows`, skipping any whose dedupe key is queued already (a
/// retried request, or a step reached twice).
pub async fn queue(db: &impl ConnectionTrait, rows: Vec<ActiveModel>) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    Entity::insert_many(rows)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(Column::DedupeKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await
        .map(|_| ())
}

/// Where an encrypted body is kept: its associated data (`crate::crypto`).
pub fn body_context(id: Uuid) -> String {
    crate::crypto::context("notification_outbox", "body", id)
}

impl Model {
    /// The body as it is sent. A message holding a secret (a password-reset
    /// link) is stored encrypted by the application and decrypted here;
    /// appointment messages hold none and are stored plain.
    pub fn body_to_send(
        &self,
        cipher: &crate::crypto::Cipher,
    ) -> Result<String, crate::crypto::CryptoError> {
        if !self.body.starts_with("enc:") {
            return Ok(self.body.clone());
        }
        let plain = cipher.decrypt(&self.body, &body_context(self.id))?;
        String::from_utf8(plain).map_err(|_| crate::crypto::CryptoError::Malformed)
    }
}
