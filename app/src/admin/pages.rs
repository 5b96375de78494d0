//! Staff-account management and the break-glass report.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_meta::Title;
use shared::auth::{CreatedAccount, NewStaffForm, StaffAccountChange, UserSummary};
use shared::{AppError, Role};

use super::api::{change_staff_account, create_staff, list_staff};
use crate::components::{
    format_time, EmptyState, ErrorBox, FormAlert, FormErrors, Loading, SelectField, TextField,
};

fn staff_role_options() -> Vec<(String, String)> {
    Role::ALL
        .iter()
        .filter(|r| r.is_staff())
        .map(|r| (r.as_str().to_string(), r.label().to_string()))
        .collect()
}

/// Create staff accounts and manage existing ones.
#[component]
pub fn UsersPage() -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let session = crate::portal_session::PortalSession::get();
    let users = Resource::new(move || refresh.get(), move |_| session.load(list_staff()));
    let notice = RwSignal::new(None::<(String, Option<String>)>);
    let action_error = RwSignal::new(None::<AppError>);

    let apply = move |user: UserSummary, change: StaffAccountChange| {
        leptos::task::spawn_local(async move {
            let what = match change {
                StaffAccountChange::Role(_) => "Role changed",
                StaffAccountChange::Activate => "Account reactivated",
                StaffAccountChange::Deactivate => "Account deactivated and signed out",
                StaffAccountChange::Unlock => "Account unlocked",
                StaffAccountChange::ResetPassword => {
                    "Password reset; give the new one-time password to the user in person"
                }
                StaffAccountChange::ResetMfa => {
                    "Two-step sign-in reset; the user sets up their authenticator again at next sign-in"
                }
            };
            match change_staff_account(user.id, change).await {
                Ok(temporary) => {
                    action_error.set(None);
                    notice.set(Some((format!("{what}: {}.", user.email), temporary)));
                    refresh.update(|n| *n += 1);
                }
                Err(e) => action_error.set(Some(e)),
            }
        });
    };

    view! {
        <crate::portal_session::Gate>
        <Title text="Staff accounts"/>
        <h1>"Staff accounts"</h1>
        <div class="grid grid--wide">
            <section class="card" aria-labelledby="new-staff-title">
                <h2 id="new-staff-title">"New staff account"</h2>
                <NewStaffAccount on_created=move |created: CreatedAccount| {
                    notice.set(Some((format!("Account created for {}.", created.user.email), Some(created.temporary_password))));
                    refresh.update(|n| *n += 1);
                }/>
            </section>
            <section class="card" aria-labelledby="staff-list-title">
                <h2 id="staff-list-title">"All staff"</h2>
                {move || notice.get().map(|(text, temporary)| view! {
                    <div class="alert alert--success" role="status">
                        <p>{text}</p>
                        {temporary.map(|t| view! {
                            <p>"One-time password: " <code class="secret" data-testid="temporary-password">{t}</code></p>
                            <p class="muted">"It is shown only now. The user must choose their own password at first sign-in."</p>
                        })}
                    </div>
                })}
                {move || action_error.get().map(|e| view! { <ErrorBox error=e/> })}
                <Transition fallback=|| view! { <Loading/> }>
                    {move || Suspend::new(async move {
                        match users.await {
                            Ok(list) if list.is_empty() => view! {
                                <EmptyState title="No staff accounts yet">"Create the first one with the form."</EmptyState>
                            }.into_any(),
                            Ok(list) => view! {
                                <div class="table-wrap">
                                <table class="table" data-testid="staff-table">
                                    <thead><tr>
                                        <th scope="col">"Name"</th><th scope="col">"E-mail"</th><th scope="col">"Role"</th>
                                        <th scope="col">"Status"</th><th scope="col">"Last sign-in"</th><th scope="col">"Actions"</th>
                                    </tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|u| {
                                            let role_value = RwSignal::new(u.role.as_str().to_string());
                                            let status = if !u.active { "Deactivated".to_string() }
                                                else if let Some(m) = u.locked_minutes { format!("Locked ({m} min)") }
                                                else if u.must_change_password { "Awaiting first sign-in".to_string() }
                                                else if !u.mfa_enrolled { "Two-step sign-in not set up".to_string() }
                                                else { "Active".to_string() };
                                            let (u1, u2, u3, u4, u5) = (u.clone(), u.clone(), u.clone(), u.clone(), u.clone());
                                            let select_id = format!("role-{}", u.id);
                                            view! {
                                                <tr>
                                                    <td dir="auto">{u.display_name.clone()}</td>
                                                    <td>{u.email.clone()}</td>
                                                    <td>
                                                        <label class="visually-hidden" for=select_id.clone()>{format!("Role of {}", u.display_name)}</label>
                                                        <select id=select_id prop:value=move || role_value.get() on:change=move |ev| {
                                                            let v = event_target_value(&ev);
                                                            role_value.set(v.clone());
                                                            match Role::parse(&v) {
                                                                Ok(role) => apply(u1.clone(), StaffAccountChange::Role(role)),
                                                                Err(m) => action_error.set(Some(AppError::field("role", m))),
                                                            }
                                                        }>
                                                            {staff_role_options().into_iter().map(|(v, l)| {
                                                                let selected = v == u.role.as_str();
                                                                view! { <option value=v selected=selected>{l}</option> }
                                                            }).collect_view()}
                                                        </select>
                                                    </td>
                                                    <td><span class="badge" class:badge--warn=!u.active || u.locked_minutes.is_some()>{status}</span></td>
                                                    <td>{u.last_login_at.map(format_time).unwrap_or_else(|| "Never".into())}</td>
                                                    <td class="actions">
                                                        {if u.active {
                                                            view! { <button type="button" class="btn btn--ghost" on:click=move |_| apply(u2.clone(), StaffAccountChange::Deactivate)>"Deactivate"</button> }.into_any()
                                                        } else {
                                                            view! { <button type="button" class="btn btn--ghost" on:click=move |_| apply(u2.clone(), StaffAccountChange::Activate)>"Reactivate"</button> }.into_any()
                                                        }}
                                                        {u.locked_minutes.map(|_| view! { <button type="button" class="btn btn--ghost" on:click=move |_| apply(u3.clone(), StaffAccountChange::Unlock)>"Unlock"</button> })}
                                                        <button type="button" class="btn btn--ghost" on:click=move |_| apply(u4.clone(), StaffAccountChange::ResetPassword)>"Reset password"</button>
                                                        {u.mfa_enrolled.then(|| view! { <button type="button" class="btn btn--ghost" on:click=move |_| apply(u5.clone(), StaffAccountChange::ResetMfa)>"Reset two-step sign-in"</button> })}
                                                    </td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                </div>
                            }.into_any(),
                            Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </div>
        </crate::portal_session::Gate>
    }
}

#[component]
fn NewStaffAccount(#[prop(into)] on_created: Callback<CreatedAccount>) -> impl IntoView {
    let display_name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let form = NewStaffForm {
            display_name: display_name.get_untracked(),
            email: email.get_untracked(),
            role: role.get_untracked(),
        };
        if let Err(e) = form.parse() {
            errors.set(Some(e));
            return;
        }
        errors.set(None);
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = create_staff(form).await;
            busy.set(false);
            match result {
                Ok(created) => {
                    display_name.set(String::new());
                    email.set(String::new());
                    role.set(String::new());
                    on_created.run(created);
                }
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    view! {
        <form class="form" on:submit=on_submit novalidate>
            <FormAlert errors/>
            <TextField label="Full name" name="display_name" value=display_name error=errors.field("display_name") required=true hint="As it should appear to patients and colleagues, e.g. Dr Amina Yusuf."/>
            <TextField label="Work e-mail" name="email" kind="email" value=email error=errors.field("email") required=true/>
            <SelectField label="Role" name="role" value=role error=errors.field("role") options=staff_role_options() required=true/>
            <button type="submit" class="btn btn--primary" disabled=move || busy.get()>
                {move || if busy.get() { "Creating…" } else { "Create account" }}
            </button>
        </form>
    }
}

/// Break-glass accesses for review.
#[component]
pub fn BreakGlassReport() -> impl IntoView {
    let days = RwSignal::new(30u32);
    let session = crate::portal_session::PortalSession::get();
    let rows = Resource::new(
        move || days.get(),
        move |d| session.load(super::api::break_glass_report(d)),
    );
    view! {
        <crate::portal_session::Gate>
        <Title text="Break-glass report"/>
        <h1>"Break-glass accesses"</h1>
        <p class="muted">"Every emergency access to a chart outside a care relationship, with the reason given and how often the chart was opened while access lasted."</p>
        <div class="field field--inline">
            <label for="bg-days">"Period"</label>
            <select id="bg-days" on:change=move |ev| days.set(event_target_value(&ev).parse().unwrap_or(30))>
                <option value="7">"Last 7 days"</option>
                <option value="30" selected>"Last 30 days"</option>
                <option value="365">"Last year"</option>
            </select>
        </div>
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match rows.await {
                    Ok(list) if list.is_empty() => view! {
                        <EmptyState title="No break-glass access in this period">"Clinicians opened only charts of patients in their care."</EmptyState>
                    }.into_any(),
                    Ok(list) => view! {
                        <div class="table-wrap">
                            <table class="table" data-testid="break-glass-report">
                                <thead><tr><th>"When"</th><th>"Who"</th><th>"Patient"</th><th>"Reason"</th><th class="num">"Chart views"</th><th>"Until"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|r| view! {
                                        <tr>
                                            <td class="nowrap">{format_time(r.granted_at)}</td>
                                            <td dir="auto">{r.user_name}<br/><span class="muted">{format!("{} · {}", r.user_role, r.user_email)}</span></td>
                                            <td><a href=format!("/admin/patients/{}", r.patient_id) dir="auto">{r.patient_name}</a><br/><span class="mrn">{r.patient_mrn}</span></td>
                                            <td dir="auto">{r.reason}</td>
                                            <td class="num">{r.reads}</td>
                                            <td class="nowrap">{format_time(r.expires_at)}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
        </crate::portal_session::Gate>
    }
}
