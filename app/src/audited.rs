//! The one shape of a server function's body. Every module writes its
//! server functions with these three, so that the order of the steps (who
//! is calling, what they may do, the transaction, the audit event, the
//! HTTP status of an error) is decided once:
//!
//! - [`write`]: a change. The guard, then one write transaction holding the
//!   change and its audit event, then commit. Nothing is changed without its
//!   event, and no event is stored for a change that failed.
//!   [`write_prepared`] adds a step before the transaction for slow work.
//! - [`read`]: a read of data the trail must show (a chart, a search, a
//!   download). The guard, the read, then its event through the group-commit
//!   writer; the answer leaves only once the event is stored.
//! - [`plain`]: anything else (lists of departments, one's own settings): the
//!   guard and the body.
//! - [`public`]: the calls made before there is a caller (signing in,
//!   signing up, signing out, "who am I"); their services audit themselves,
//!   because a failed sign-in has no caller to name.
//!
//! The guard is an async function answering the [`Caller`]: usually
//! `guard::authenticate_active`, `|| guard::require(Permission::X)`, or a
//! module's own check (the chart's access to a patient). Server-only.
//!
//! ```ignore
//! #[server(endpoint = "things/rename", input = Json)]
//! pub async fn rename(id: ThingId, name: String) -> Result<(), AppError> {
//!     crate::audited::write(
//!         || require(Permission::ManageThings),
//!         async |caller, txn| {
//!             let row = things::rename(txn, id, &name).await?;
//!             Ok(((), caller.event("things.rename").entity("thing", row.id)))
//!         },
//!     )
//!     .await
//! }
//! crate::access!("things/rename", AnyOf(&[ManageThings]), no_patient_data);
//! ```

use sea_orm::DatabaseTransaction;
use shared::AppError;

use crate::audit::service::AuditEvent;
use crate::auth::guard::Caller;
use crate::context::{begin_write, reply, OrInternal};

/// What a change or a read answers: its value with the audit event that
/// describes it (a tuple `(value, event)` converts into this), or an answer
/// with nothing to keep or audit: a booking whose slot someone else took a
/// moment earlier, answered with other free slots (the transaction is
/// rolled back), or a search for nothing.
///
/// A change that concerns two patients (a merge) answers one event for each.
pub enum Outcome<T> {
    Done(T, Vec<AuditEvent>),
    Nothing(T),
}

impl<T> From<(T, AuditEvent)> for Outcome<T> {
    fn from((value, event): (T, AuditEvent)) -> Self {
        Outcome::Done(value, vec![event])
    }
}

impl<T> From<(T, Vec<AuditEvent>)> for Outcome<T> {
    fn from((value, events): (T, Vec<AuditEvent>)) -> Self {
        Outcome::Done(value, events)
    }
}

/// Runs one audited change: `guard`, a write transaction, `change` (which
/// answers the value and its audit event, or an [`Outcome`]), the event in
/// the same transaction, commit.
pub async fn write<T, W: Into<Outcome<T>>>(
    guard: impl AsyncFnOnce() -> Result<Caller, AppError>,
    change: impl AsyncFnOnce(&Caller, &DatabaseTransaction) -> Result<W, AppError>,
) -> Result<T, AppError> {
    write_prepared(
        guard,
        async |_| Ok(()),
        async |caller, (), txn| change(caller, txn).await,
    )
    .await
}

/// [`write`] with a step between the guard and the transaction, for work
/// that must not hold the write lock (hashing a password takes a tenth of a
/// second, during which SQLite would let no other request write) or checks
/// that need no transaction. `change` receives what `prepare` answered.
pub async fn write_prepared<P, T, W: Into<Outcome<T>>>(
    guard: impl AsyncFnOnce() -> Result<Caller, AppError>,
    prepare: impl AsyncFnOnce(&Caller) -> Result<P, AppError>,
    change: impl AsyncFnOnce(&Caller, P, &DatabaseTransaction) -> Result<W, AppError>,
) -> Result<T, AppError> {
    reply(
        async {
            let caller = guard().await?;
            let prepared = prepare(&caller).await?;
            let txn = begin_write(&caller.ctx.db).await?;
            match change(&caller, prepared, &txn).await?.into() {
                Outcome::Done(value, events) => {
                    for event in events {
                        caller.record(&txn, event).await?;
                    }
                    txn.commit().await.or_internal()?;
                    Ok(value)
                }
                Outcome::Nothing(value) => {
                    txn.rollback().await.or_internal()?;
                    Ok(value)
                }
            }
        }
        .await,
    )
}

/// Runs one audited read: `guard`, `load` (which answers the value and the
/// event that says what was read, or an [`Outcome`]), then the event;
/// answers once it is stored.
pub async fn read<T, W: Into<Outcome<T>>>(
    guard: impl AsyncFnOnce() -> Result<Caller, AppError>,
    load: impl AsyncFnOnce(&Caller) -> Result<W, AppError>,
) -> Result<T, AppError> {
    reply(
        async {
            let caller = guard().await?;
            match load(&caller).await?.into() {
                Outcome::Done(value, events) => {
                    for event in events {
                        caller.record_read(event).await?;
                    }
                    Ok(value)
                }
                Outcome::Nothing(value) => Ok(value),
            }
        }
        .await,
    )
}

/// Runs a call that neither changes anything nor reads what the trail must
/// show: `guard`, then `body`.
pub async fn plain<T>(
    guard: impl AsyncFnOnce() -> Result<Caller, AppError>,
    body: impl AsyncFnOnce(&Caller) -> Result<T, AppError>,
) -> Result<T, AppError> {
    reply(
        async {
            let caller = guard().await?;
            body(&caller).await
        }
        .await,
    )
}

/// Runs a call that needs no signed-in caller (see the module's notes).
pub async fn public<T>(body: impl AsyncFnOnce() -> Result<T, AppError>) -> Result<T, AppError> {
    reply(body().await)
}
