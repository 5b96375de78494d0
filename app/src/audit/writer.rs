//! Group commit for audit events that describe reads: a search, opening a
//! chart, a download. Such an event is not part of a change's transaction, so
//! instead of one INSERT (and, on SQLite, one turn at the write lock) per
//! request, one writer task per process stores whatever has queued up in a
//! single multi-row INSERT. It writes on a connection of its own, so under
//! load its INSERT does not queue behind the very reads it is auditing.
//!
//! The request still waits until its row is committed: a read whose audit row
//! cannot be stored fails, exactly as with a direct write, and nothing is
//! acknowledged that a crash could lose. Under load the rows of many requests
//! share one commit; alone, a request pays one INSERT as before.

use sea_orm::{DatabaseConnection, DbErr};
use shared::AppError;
use tokio::sync::{mpsc, oneshot};

use super::service::{row, AuditEvent};
use crate::context::begin_write_raw;
use crate::context::RequestMeta;
use crate::entity::audit_events;

/// Rows per INSERT at most (12 columns each: well under SQLite's and
/// PostgreSQL's limits on bound parameters).
const MAX_BATCH: usize = 500;
/// Requests that may wait for the writer before new ones wait to queue.
const QUEUE: usize = 10_000;

struct Job {
    row: audit_events::Model,
    done: oneshot::Sender<Result<(), String>>,
}

/// The handle requests use; cheap to clone.
#[derive(Clone, Debug)]
pub struct AuditWriter {
    queue: mpsc::Sender<Job>,
}

impl AuditWriter {
    /// Starts the writer task on the current tokio runtime. It ends when the
    /// last handle is dropped, after storing what is queued.
    pub fn spawn(db: DatabaseConnection) -> Self {
        let (queue, jobs) = mpsc::channel(QUEUE);
        tokio::spawn(write_batches(db, jobs));
        Self { queue }
    }

    /// Stores `event`, with other requests' events when they arrive together.
    /// Returns once it is committed.
    pub async fn append(&self, event: AuditEvent, meta: &RequestMeta) -> Result<(), AppError> {
        let (done, stored) = oneshot::channel();
        let job = Job {
            row: row(event, meta),
            done,
        };
        if self.queue.send(job).await.is_err() {
            tracing::error!("the audit writer has stopped");
            return Err(AppError::Internal);
        }
        match stored.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "storing audit events failed");
                Err(AppError::Internal)
            }
            Err(_) => {
                tracing::error!("the audit writer stopped before storing an event");
                Err(AppError::Internal)
            }
        }
    }
}

async fn write_batches(db: DatabaseConnection, mut jobs: mpsc::Receiver<Job>) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    while jobs.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (rows, waiting): (Vec<_>, Vec<_>) = batch.drain(..).map(|j| (j.row, j.done)).unzip();
        let outcome = append_batch(&db, rows).await.map_err(|e| e.to_string());
        for done in waiting {
            // The request may have gone (client disconnected): nothing to tell.
            let _ = done.send(outcome.clone());
        }
    }
}

/// One batch: one write transaction, one lock of the chain's head.
async fn append_batch(
    db: &DatabaseConnection,
    rows: Vec<audit_events::Model>,
) -> Result<(), DbErr> {
    let txn = begin_write_raw(db).await?;
    super::chain::append(&txn, rows).await?;
    txn.commit().await
}
