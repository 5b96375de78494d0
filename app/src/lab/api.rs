//! Server functions of the laboratory. Doctors order and cancel tests from
//! the chart (their access to the patient is checked as for any chart
//! write) and acknowledge critical results; the laboratory works the
//! worklist, collects, enters and verifies (`WorkLab`, `VerifyResults`);
//! radiologists report imaging studies (`ReportImaging`); patients read
//! their released results (`ViewOwnRecord`). Every change is audited in its
//! transaction; every read of patient data leaves its event.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::ids::{LabItemId, LabOrderId, LabResultId, PatientId, UserId};
use shared::lab_work::{
    CatalogueEntry, Correction, CriticalAlert, Label, MyResults, OrderForm, OrderView, ResultEntry,
    Shift, WorkFilter, WorkPage,
};
use shared::AppError;

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use sea_orm::ConnectionTrait;
    use shared::AppError;
    use shared::Permission::{ReportImaging, VerifyResults, WorkLab};

    use crate::auth::guard::Caller;

    /// The permissions of those who work on orders in the laboratory.
    pub const LAB: &[shared::Permission] = &[WorkLab, VerifyResults, ReportImaging];

    /// The order's view.
    pub async fn view(
        db: &impl ConnectionTrait,
        id: shared::ids::LabOrderId,
    ) -> Result<shared::lab_work::OrderView, AppError> {
        let order = crate::lab::orders::find(db, id, None).await?;
        Ok(crate::lab::orders::views(db, vec![order]).await?.remove(0))
    }

    /// May the caller read the order: the laboratory's technicians may;
    /// who reports imaging may when `imaging_work` (an order with a study to
    /// report, or a report's file to attach); others if they may open the
    /// patient's chart.
    pub async fn may_read(
        caller: &Caller,
        patient_id: uuid::Uuid,
        imaging_work: bool,
        action: &'static str,
    ) -> Result<(), AppError> {
        if caller.can(WorkLab) || caller.can(VerifyResults) {
            return Ok(());
        }
        if imaging_work && caller.can(ReportImaging) {
            return Ok(());
        }
        crate::patients::access::require_chart(caller, patient_id.into(), action)
            .await
            .map(|_| ())
    }
}

/// The catalogue in force, for the order form.
#[server(endpoint = "lab/catalogue", input = Json)]
pub async fn lab_catalogue() -> Result<Vec<CatalogueEntry>, AppError> {
    use crate::auth::guard::require_any;
    use shared::Permission::{ManageLab, OrderTests};
    crate::audited::plain(
        || require_any(&[OrderTests, ManageLab]),
        async |caller| super::orders::catalogue(&caller.ctx.db).await,
    )
    .await
}
crate::access!(
    "lab/catalogue",
    AnyOf(&[OrderTests, ManageLab]),
    no_patient_data
);

/// A doctor orders tests and panels for a patient whose chart they may
/// write in. Tests still pending are refused with a field error naming
/// them, unless the form confirms them.
#[server(endpoint = "lab/order", input = Json)]
pub async fn order_tests(form: OrderForm) -> Result<OrderView, AppError> {
    use crate::chart::api::ssr::{write, written};
    use shared::Permission::OrderTests;
    let order = form.parse()?;
    let patient_id = order.patient_id;
    write(patient_id, OrderTests, "lab.order", async |caller, txn| {
        let view = super::orders::place(
            txn,
            order,
            form.confirm_duplicates,
            caller.user.id.uuid(),
            caller.now(),
        )
        .await?;
        let detail = format!(
            "{} test(s), {}",
            view.items.len(),
            view.priority.label().to_lowercase()
        );
        let id = view.id;
        Ok(written(view, "lab_order", id, detail))
    })
    .await
}
crate::access!("lab/order", AnyOf(&[OrderTests]), patient_data);

/// The ordering doctor cancels a test not yet collected.
#[server(endpoint = "lab/cancel", input = Json)]
pub async fn cancel_test(
    patient_id: PatientId,
    item_id: LabItemId,
    reason: String,
) -> Result<OrderView, AppError> {
    use crate::chart::api::ssr::{write, written};
    use shared::Permission::OrderTests;
    write(patient_id, OrderTests, "lab.cancel", async |caller, txn| {
        let item = super::orders::item(txn, item_id).await?;
        if item.patient_id != patient_id.uuid() {
            return Err(AppError::NotFound("The test".into()));
        }
        let item =
            super::orders::cancel_item(txn, item, reason, caller.user.id.uuid(), caller.now())
                .await?;
        let view = ssr::view(txn, item.order_id.into()).await?;
        Ok(written(view, "lab_order_item", item_id, "cancelled"))
    })
    .await
}
crate::access!("lab/cancel", AnyOf(&[OrderTests]), patient_data);

/// The patient's orders with their results, newest first, for those who
/// may open the chart.
#[server(endpoint = "lab/patient_orders", input = Json)]
pub async fn patient_lab_orders(patient_id: PatientId) -> Result<Vec<OrderView>, AppError> {
    use crate::auth::guard::authenticate_active;
    use crate::patients::access::require_chart;
    crate::audited::read(authenticate_active, async |caller| {
        if !caller.user.role.is_staff() {
            return Err(AppError::Forbidden);
        }
        require_chart(caller, patient_id, "lab.read").await?;
        let list = super::orders::for_patient(&caller.ctx.db, patient_id.uuid(), 200).await?;
        let event = caller
            .event("lab.read")
            .patient(patient_id)
            .entity("patient", patient_id)
            .detail(format!("{} order(s)", list.len()));
        Ok((list, event))
    })
    .await
}
crate::access!("lab/patient_orders", AnyOf(&[ReadCharts]), patient_data);

/// One order with its tests and results: for the laboratory, and for
/// those who may open the patient's chart.
#[server(endpoint = "lab/order_view", input = Json)]
pub async fn lab_order(order_id: LabOrderId) -> Result<OrderView, AppError> {
    use crate::auth::guard::authenticate_active;
    crate::audited::read(authenticate_active, async |caller| {
        if !caller.user.role.is_staff() {
            return Err(AppError::Forbidden);
        }
        let view = ssr::view(&caller.ctx.db, order_id).await?;
        let imaging = view
            .items
            .iter()
            .any(|i| i.kind == shared::lab::TestKind::Imaging);
        ssr::may_read(caller, view.patient_id.uuid(), imaging, "lab.read_order").await?;
        let event = caller
            .event("lab.read_order")
            .patient(view.patient_id)
            .entity("lab_order", order_id);
        Ok((view, event))
    })
    .await
}
crate::access!(
    "lab/order_view",
    AnyOf(&[ReadCharts, WorkLab, VerifyResults, ReportImaging]),
    patient_data
);

/// A page of the worklist.
#[server(endpoint = "lab/worklist", input = Json)]
pub async fn lab_worklist(filter: WorkFilter) -> Result<WorkPage, AppError> {
    use crate::auth::guard::require_any;
    crate::audited::read(
        || require_any(ssr::LAB),
        async |caller| {
            let page =
                super::work::worklist(&caller.ctx.db, &caller.ctx, &filter, caller.now()).await?;
            let event = caller
                .event("lab.worklist")
                .detail(format!("{} test(s)", page.rows.len()));
            Ok((page, event))
        },
    )
    .await
}
crate::access!(
    "lab/worklist",
    AnyOf(&[WorkLab, VerifyResults, ReportImaging]),
    patient_data
);

/// Collects the order's tests still to collect: a specimen and an
/// accession number per specimen type. Answers the accession numbers.
#[server(endpoint = "lab/collect", input = Json)]
pub async fn collect_specimens(order_id: LabOrderId) -> Result<Vec<String>, AppError> {
    use crate::auth::guard::require;
    crate::audited::write(
        || require(shared::Permission::WorkLab),
        async |caller, txn| {
            let order = super::orders::find(txn, order_id, None).await?;
            let made = super::work::collect(
                txn,
                &caller.ctx,
                &order,
                caller.user.id.uuid(),
                caller.now(),
            )
            .await?;
            let accessions: Vec<String> = made.into_iter().map(|s| s.accession).collect();
            let event = caller
                .event("lab.collect")
                .patient(PatientId::from(order.patient_id))
                .entity("lab_order", order_id)
                .detail(accessions.join(", "));
            Ok((accessions, event))
        },
    )
    .await
}
crate::access!("lab/collect", AnyOf(&[WorkLab]), patient_data);

/// The order of a scanned or typed accession number.
#[server(endpoint = "lab/scan", input = Json)]
pub async fn scan_accession(accession: String) -> Result<LabOrderId, AppError> {
    use crate::auth::guard::require_any;
    let accession = shared::lab_work::normalise_accession(&accession);
    crate::audited::plain(
        || require_any(ssr::LAB),
        async |caller| {
            if accession.is_empty() {
                return Err(AppError::field(
                    "accession",
                    "Scan or type the accession number.",
                ));
            }
            let s = super::work::specimen(&caller.ctx.db, &accession)
                .await
                .map_err(|_| {
                    AppError::field(
                        "accession",
                        format!("No specimen has the number {accession}."),
                    )
                })?;
            Ok(LabOrderId::from(s.order_id))
        },
    )
    .await
}
crate::access!(
    "lab/scan",
    AnyOf(&[WorkLab, VerifyResults, ReportImaging]),
    no_patient_data
);

/// A specimen's label, to print.
#[server(endpoint = "lab/label", input = Json)]
pub async fn specimen_label(accession: String) -> Result<Label, AppError> {
    use crate::auth::guard::require;
    let accession = shared::lab_work::normalise_accession(&accession);
    crate::audited::read(
        || require(shared::Permission::WorkLab),
        async |caller| {
            let s = super::work::specimen(&caller.ctx.db, &accession).await?;
            let label = super::work::label(&caller.ctx.db, &s).await?;
            let event = caller
                .event("lab.label")
                .patient(PatientId::from(s.patient_id))
                .entity("lab_specimen", s.id)
                .detail(accession.clone());
            Ok((label, event))
        },
    )
    .await
}
crate::access!("lab/label", AnyOf(&[WorkLab]), patient_data);

/// Enters the result of a collected test (`WorkLab`), or reports an
/// imaging study (`ReportImaging`). Answers the order.
#[server(endpoint = "lab/enter", input = Json)]
pub async fn enter_result(entry: ResultEntry) -> Result<OrderView, AppError> {
    use crate::auth::guard::require_any;
    use shared::lab::TestKind;
    use shared::Permission::{ReportImaging, WorkLab};
    crate::audited::write(
        || require_any(&[WorkLab, ReportImaging]),
        async |caller, txn| {
            let item_id = entry
                .item_id
                .ok_or_else(|| AppError::field("value", "Choose the test."))?;
            let item = super::orders::item(txn, item_id).await?;
            let test = super::catalogue::by_id(txn, item.test_id).await?;
            let needed = match test.kind {
                TestKind::Lab => WorkLab,
                TestKind::Imaging => ReportImaging,
            };
            if !caller.can(needed) {
                return Err(AppError::Forbidden);
            }
            let order_id = item.order_id;
            let patient = item.patient_id;
            let row = super::work::enter(
                txn,
                &caller.ctx,
                item,
                &entry.value,
                &entry.impression,
                caller.user.id.uuid(),
                caller.now(),
            )
            .await?;
            let view = ssr::view(txn, order_id.into()).await?;
            let event = caller
                .event("lab.enter")
                .patient(PatientId::from(patient))
                .entity("lab_result", row.id)
                .detail(match row.flag {
                    Some(f) => format!("{}, flag {}", test.code, f.as_str()),
                    None => test.code.clone(),
                });
            Ok((view, event))
        },
    )
    .await
}
crate::access!("lab/enter", AnyOf(&[WorkLab, ReportImaging]), patient_data);

/// Verifies a result someone else entered: `accept` releases it,
/// otherwise it goes back to be entered again.
#[server(endpoint = "lab/verify", input = Json)]
pub async fn verify_result(result_id: LabResultId, accept: bool) -> Result<OrderView, AppError> {
    use crate::auth::guard::require;
    crate::audited::write(
        || require(shared::Permission::VerifyResults),
        async |caller, txn| {
            let result = super::orders::result(txn, result_id).await?;
            let item = super::orders::item(txn, result.item_id.into()).await?;
            let row = super::work::verify(
                txn,
                &caller.ctx,
                result,
                accept,
                caller.user.id.uuid(),
                caller.now(),
            )
            .await?;
            let view = ssr::view(txn, item.order_id.into()).await?;
            let event = caller
                .event(if accept {
                    "lab.release"
                } else {
                    "lab.send_back"
                })
                .patient(PatientId::from(row.patient_id))
                .entity("lab_result", row.id);
            Ok((view, event))
        },
    )
    .await
}
crate::access!("lab/verify", AnyOf(&[VerifyResults]), patient_data);

/// Corrects a released result; the correction waits for verification by
/// someone else, and the original is kept.
#[server(endpoint = "lab/correct", input = Json)]
pub async fn correct_result(correction: Correction) -> Result<OrderView, AppError> {
    use crate::auth::guard::require;
    crate::audited::write(
        || require(shared::Permission::VerifyResults),
        async |caller, txn| {
            let id = correction
                .result_id
                .ok_or_else(|| AppError::field("value", "Choose the result to correct."))?;
            let original = super::orders::result(txn, id).await?;
            let item = super::orders::item(txn, original.item_id.into()).await?;
            let row = super::work::correct(
                txn,
                &caller.ctx,
                original,
                &correction,
                caller.user.id.uuid(),
                caller.now(),
            )
            .await?;
            let view = ssr::view(txn, item.order_id.into()).await?;
            let event = caller
                .event("lab.correct")
                .patient(PatientId::from(row.patient_id))
                .entity("lab_result", row.id)
                .detail(format!("corrects {id}"));
            Ok((view, event))
        },
    )
    .await
}
crate::access!("lab/correct", AnyOf(&[VerifyResults]), patient_data);

/// The critical results of the caller's orders waiting for acknowledgement.
#[server(endpoint = "lab/alerts", input = Json)]
pub async fn critical_alerts() -> Result<Vec<CriticalAlert>, AppError> {
    use crate::audited::Outcome;
    use crate::auth::guard::require;
    crate::audited::read(
        || require(shared::Permission::OrderTests),
        async |caller| {
            let alerts = super::work::alerts(&caller.ctx.db, caller.user.id.uuid()).await?;
            if alerts.is_empty() {
                return Ok(Outcome::Nothing(alerts));
            }
            let events = alerts
                .iter()
                .map(|a| {
                    caller
                        .event("lab.alerts")
                        .patient(a.patient_id)
                        .entity("lab_result", a.result_id)
                })
                .collect();
            Ok(Outcome::Done(alerts, events))
        },
    )
    .await
}
crate::access!("lab/alerts", AnyOf(&[OrderTests]), patient_data);

/// The ordering doctor acknowledges a critical result.
#[server(endpoint = "lab/acknowledge", input = Json)]
pub async fn acknowledge_result(result_id: LabResultId) -> Result<(), AppError> {
    use crate::auth::guard::require;
    crate::audited::write(
        || require(shared::Permission::OrderTests),
        async |caller, txn| {
            let result = super::orders::result(txn, result_id).await?;
            super::work::acknowledge(txn, &result, caller.user.id.uuid(), caller.now()).await?;
            let event = caller
                .event("lab.acknowledge")
                .patient(PatientId::from(result.patient_id))
                .entity("lab_result", result_id);
            Ok(((), event))
        },
    )
    .await
}
crate::access!("lab/acknowledge", AnyOf(&[OrderTests]), patient_data);

/// The signed-in patient's released results and pending tests.
#[server(endpoint = "lab/mine", input = Json)]
pub async fn my_lab_results() -> Result<MyResults, AppError> {
    use crate::auth::guard::require;
    crate::audited::read(
        || require(shared::Permission::ViewOwnRecord),
        async |caller| {
            let patient = caller.own_patient_id()?;
            let mine = super::work::mine(&caller.ctx.db, patient.uuid()).await?;
            let event = caller
                .event("lab.read_own")
                .patient(patient)
                .detail(format!("{} result(s)", mine.results.len()));
            Ok((mine, event))
        },
    )
    .await
}
crate::access!("lab/mine", AnyOf(&[ViewOwnRecord]), patient_data);

/// Puts a laboratory technician on a shift on a day (`YYYY-MM-DD`).
#[server(endpoint = "lab/assign_shift", input = Json)]
pub async fn assign_shift(user_id: UserId, day: String, shift: Shift) -> Result<(), AppError> {
    use crate::auth::guard::require;
    crate::audited::write(
        || require(shared::Permission::ManageLab),
        async |caller, txn| {
            let day = chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
                .map_err(|_| AppError::field("day", "Choose the day."))?;
            super::work::assign_shift(
                txn,
                user_id.uuid(),
                day,
                shift,
                caller.user.id.uuid(),
                caller.now(),
            )
            .await?;
            let event = caller
                .event("lab.assign_shift")
                .entity("user", user_id)
                .detail(format!("{day} {}", shift.as_str()));
            Ok(((), event))
        },
    )
    .await
}
crate::access!("lab/assign_shift", AnyOf(&[ManageLab]), no_patient_data);

/// The whole catalogue with its ranges in force, for the administrator.
#[server(endpoint = "lab/catalogue_rows", input = Json)]
pub async fn catalogue_rows() -> Result<Vec<shared::lab_work::CatalogueRow>, AppError> {
    use crate::auth::guard::require;
    crate::audited::plain(
        || require(shared::Permission::ManageLab),
        async |caller| super::catalogue::rows(&caller.ctx.db, caller.now()).await,
    )
    .await
}
crate::access!("lab/catalogue_rows", AnyOf(&[ManageLab]), no_patient_data);

/// Edits a catalogue entry: name, turnaround, retired (prices are the price list's).
#[server(endpoint = "lab/update_test", input = Json)]
pub async fn update_lab_test(
    code: String,
    edit: shared::lab_work::TestEdit,
) -> Result<(), AppError> {
    use crate::auth::guard::require;
    let change = edit.parse();
    crate::audited::write(
        || require(shared::Permission::ManageLab),
        async |caller, txn| {
            let change = change?;
            let test = super::catalogue::by_code(txn, &code).await?;
            let detail = format!(
                "{code}: turnaround {} h{}",
                change.turnaround_hours,
                if change.retired { ", retired" } else { "" }
            );
            let row = super::catalogue::update(txn, test, change, caller.now()).await?;
            let event = caller
                .event("lab.update_test")
                .entity("lab_test", row.id)
                .detail(detail);
            Ok(((), event))
        },
    )
    .await
}
crate::access!("lab/update_test", AnyOf(&[ManageLab]), no_patient_data);

/// Adds a reference range to a test, ending the one in force for the same
/// sex and age band.
#[server(endpoint = "lab/add_range", input = Json)]
pub async fn add_lab_range(
    code: String,
    range: shared::lab_work::RangeForm,
) -> Result<(), AppError> {
    use crate::auth::guard::require;
    let parsed = range.parse();
    crate::audited::write(
        || require(shared::Permission::ManageLab),
        async |caller, txn| {
            let parsed = parsed?;
            let test = super::catalogue::by_code(txn, &code).await?;
            let detail = format!(
                "{code}: {} {}–{} {}",
                parsed.sex.map_or("both sexes", |s| s.label()),
                parsed.from_age.map(|a| a.code()).unwrap_or_default(),
                parsed.until_age.map(|a| a.code()).unwrap_or_default(),
                parsed.limits.interval_text()
            );
            let row = super::catalogue::add_range(
                txn,
                &test,
                parsed,
                caller.user.id.uuid(),
                caller.now(),
            )
            .await?;
            let event = caller
                .event("lab.add_range")
                .entity("lab_range", row.id)
                .detail(detail);
            Ok(((), event))
        },
    )
    .await
}
crate::access!("lab/add_range", AnyOf(&[ManageLab]), no_patient_data);

/// Ends a reference range now.
#[server(endpoint = "lab/end_range", input = Json)]
pub async fn end_lab_range(range_id: uuid::Uuid) -> Result<(), AppError> {
    use crate::auth::guard::require;
    crate::audited::write(
        || require(shared::Permission::ManageLab),
        async |caller, txn| {
            let row = super::catalogue::end_range(txn, range_id, caller.now()).await?;
            let event = caller.event("lab.end_range").entity("lab_range", row.id);
            Ok(((), event))
        },
    )
    .await
}
crate::access!("lab/end_range", AnyOf(&[ManageLab]), no_patient_data);
