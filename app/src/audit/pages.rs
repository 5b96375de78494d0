//! The administrator's audit-trail viewer: filters, sortable columns, pages.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use shared::audit::{parse_audit_dates, AuditQuery, AuditSortColumn, Outcome, AUDIT_VIEWS};
use shared::AppError;

use crate::admin::api::search_audit;
use crate::components::{
    format_time, EmptyState, ErrorBox, FormAlert, FormErrors, Loading, SelectField, TextField,
};

#[component]
pub fn AuditViewer() -> impl IntoView {
    let params = use_query_map();
    let initial_action = params.with_untracked(|p| p.get("action").unwrap_or_default());
    let user = RwSignal::new(String::new());
    let patient = RwSignal::new(String::new());
    let action = RwSignal::new(initial_action.clone());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    // The outcome's code, or "" for any.
    let outcome = RwSignal::new(String::new());
    let errors = FormErrors::new();
    // The query actually sent; the filter fields apply on submit.
    let query = RwSignal::new(AuditQuery {
        action: initial_action,
        descending: true,
        ..Default::default()
    });
    // The cursors of the pages before the one shown, for "Previous page".
    let earlier = RwSignal::new(Vec::<Option<shared::audit::AuditCursor>>::new());
    let session = crate::portal_session::PortalSession::get();
    let page = Resource::new(move || query.get(), move |q| session.load(search_audit(q)));

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let next = AuditQuery {
            user: user.get_untracked(),
            patient: patient.get_untracked(),
            action: action.get_untracked(),
            from: from.get_untracked(),
            to: to.get_untracked(),
            outcome: Outcome::from_code(&outcome.get_untracked()).ok(),
            after: None,
            ..query.get_untracked()
        };
        earlier.set(Vec::new());
        if let Err(e) = parse_audit_dates(&next) {
            errors.set(Some(e));
            return;
        }
        errors.set(None);
        query.set(next);
    };
    // A view fills the action and outcome filters and applies them, keeping
    // the rest (a date range stays).
    let show_view = move |view_action: &'static str, view_outcome: Option<Outcome>| {
        action.set(view_action.to_string());
        outcome.set(
            view_outcome
                .map(|o| o.as_str().to_string())
                .unwrap_or_default(),
        );
        query.update(|q| {
            q.action = view_action.to_string();
            q.outcome = view_outcome;
            q.after = None;
        });
        earlier.set(Vec::new());
    };
    let sort_by = move |column: AuditSortColumn| {
        query.update(|q| {
            if q.sort == column {
                q.descending = !q.descending;
            } else {
                q.sort = column;
                q.descending = column == AuditSortColumn::At;
            }
            q.after = None;
        });
        earlier.set(Vec::new());
    };
    let header = move |column: AuditSortColumn, label: &'static str| {
        let aria = move || {
            let q = query.get();
            if q.sort != column {
                "none"
            } else if q.descending {
                "descending"
            } else {
                "ascending"
            }
        };
        let arrow = move || {
            let q = query.get();
            if q.sort != column {
                ""
            } else if q.descending {
                " ▼"
            } else {
                " ▲"
            }
        };
        view! {
            <th scope="col" aria-sort=aria>
                <button type="button" class="sort" data-sort=column.as_str() on:click=move |_| sort_by(column)>{label}{arrow}</button>
            </th>
        }
    };

    view! {
        <crate::portal_session::Gate>
        <Title text="Audit trail"/>
        <h1>"Audit trail"</h1>
        <p class="muted">"Every sign-in, every change and every access to patient data. Entries cannot be changed or deleted."</p>
        <nav class="audit-views" aria-label="Views of the audit trail">
            <ul class="chips">
                {AUDIT_VIEWS.iter().map(|(label, view_action, view_outcome)| {
                    let (view_action, view_outcome) = (*view_action, *view_outcome);
                    let current = move || {
                        let q = query.get();
                        q.action == view_action && q.outcome == view_outcome
                    };
                    view! {
                        <li><button type="button" class="chip" aria-pressed=move || current().to_string()
                            on:click=move |_| show_view(view_action, view_outcome)>{*label}</button></li>
                    }
                }).collect_view()}
                <li><button type="button" class="chip" on:click=move |_| show_view("", None)>"All events"</button></li>
            </ul>
        </nav>
        <form class="filters card" on:submit=on_submit novalidate>
            <FormAlert errors/>
            <div class="filters__row">
                <TextField label="User e-mail contains" name="user" value=user error=errors.field("user")/>
                <TextField label="Patient MRN" name="patient" value=patient error=errors.field("patient")/>
                <TextField label="Action starts with" name="action" value=action error=errors.field("action") hint="e.g. auth. or users.create"/>
                <TextField label="From" name="from" kind="date" value=from error=errors.field("from")/>
                <TextField label="To" name="to" kind="date" value=to error=errors.field("to")/>
                <SelectField label="Outcome" name="outcome" value=outcome error=errors.field("outcome") options=Outcome::options() placeholder="Any outcome"/>
            </div>
            <div class="actions">
                <button type="submit" class="btn btn--primary">"Apply filters"</button>
                <a class="btn" href=move || query.get().export_path() download rel="external" data-testid="audit-export">"Export these events (CSV)"</a>
            </div>
        </form>
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) if p.events.is_empty() => view! {
                        <EmptyState title="No matching events">"Try a wider date range or fewer filters."</EmptyState>
                    }.into_any(),
                    Ok(p) => {
                        let next = p.next.clone();
                        let has_more = next.is_some();
                        let number = earlier.with_untracked(Vec::len);
                        let go_next = move |_| {
                            let current = query.with_untracked(|q| q.after.clone());
                            earlier.update(|e| e.push(current));
                            query.update(|q| q.after = next.clone());
                        };
                        let go_back = move |_| {
                            let previous = earlier.try_update(|e| e.pop()).flatten().flatten();
                            query.update(|q| q.after = previous);
                        };
                        view! {
                            <div class="table-wrap">
                                <table class="table table--dense" data-testid="audit-table">
                                    <thead><tr>
                                        {header(AuditSortColumn::At, "Time")}
                                        {header(AuditSortColumn::Actor, "User")}
                                        <th scope="col">"Role"</th>
                                        {header(AuditSortColumn::Action, "Action")}
                                        <th scope="col">"Patient"</th>
                                        <th scope="col">"Entity"</th>
                                        {header(AuditSortColumn::Outcome, "Outcome")}
                                        <th scope="col">"Address"</th>
                                        <th scope="col">"Detail"</th>
                                    </tr></thead>
                                    <tbody>
                                        {p.events.into_iter().map(|e| {
                                            let ok = e.outcome == Outcome::Success;
                                            view! {
                                            <tr>
                                                <td class="nowrap">{format_time(e.at)}</td>
                                                <td>{e.actor_email.unwrap_or_else(|| "—".into())}</td>
                                                <td>{e.actor_role.map(|r| r.label()).unwrap_or_default()}</td>
                                                <td><code>{e.action}</code></td>
                                                <td>{e.patient_mrn.unwrap_or_default()}</td>
                                                {match (e.entity, e.entity_id) {
                                                    // Ids are long; the first block identifies them in practice, the title has all of it.
                                                    (Some(k), Some(id)) => {
                                                        let short = id.split('-').next().unwrap_or(&id).to_string();
                                                        view! { <td title=format!("{k} {id}")>{format!("{k} {short}")}</td> }.into_any()
                                                    }
                                                    _ => view! { <td></td> }.into_any(),
                                                }}
                                                <td><span class="badge" class:badge--ok=ok class:badge--warn=!ok>{e.outcome.label()}</span></td>
                                                <td>{e.client_addr.unwrap_or_default()}</td>
                                                <td>{e.detail.unwrap_or_default()}</td>
                                            </tr>
                                        }}).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            <nav class="pager" aria-label="Audit pages">
                                <button type="button" class="btn btn--ghost" disabled=number == 0 on:click=go_back>"← Previous page"</button>
                                <span>{format!("Page {}", number + 1)}</span>
                                <button type="button" class="btn btn--ghost" disabled=!has_more on:click=go_next>"Next page →"</button>
                            </nav>
                        }.into_any()
                    }
                    Err(e @ AppError::Validation(_)) => { errors.set(Some(e)); view! { <p></p> }.into_any() }
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
        </crate::portal_session::Gate>
    }
}
