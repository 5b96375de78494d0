//! Appointments on the portals' homes: the patient's next one; today's list
//! in the clinic (a doctor's own, or the front desk's arrivals at every
//! doctor).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use shared::appointments::{AppointmentStatus, AppointmentView};
use shared::Permission;

use super::api::{day_list, my_appointments};
use super::today::{arrivals, hospital_today, TodaysArrivals};
use crate::nav::{loaded, TileCard};
use crate::patients::pages::patient_link;
use crate::portal_session::PortalSession;

/// How many of a doctor's appointments the tile lists.
const DAY_LISTED: usize = 10;

/// The patient's next appointment, and the way to book or manage them.
#[component]
pub fn NextAppointmentTile() -> impl IntoView {
    let session = PortalSession::get();
    let list = Resource::new(
        || (),
        move |_| session.load_if(Permission::BookOwnAppointments, my_appointments()),
    );
    view! {
        <TileCard id="next-title" title="Your next appointment" needs=Some(Permission::BookOwnAppointments)>
            {loaded(list, |all| {
                // Upcoming first (the server's order), cancelled ones aside.
                let now = chrono::Utc::now();
                match all.into_iter().find(|a| a.end > now && a.status != AppointmentStatus::Cancelled) {
                    Some(a) => view! {
                        <p class="appointment__when"><strong>{a.when}</strong></p>
                        <p dir="auto">{format!("{} · {}", a.doctor_name, a.time)}</p>
                        <p><span class="badge">{a.status.label()}</span></p>
                    }.into_any(),
                    None => view! { <p class="muted">"No upcoming appointments."</p> }.into_any(),
                }
            })}
            <p class="actions">
                <a class="btn btn--primary" href="/patient/book">"Book an appointment"</a>
                <a class="btn" href="/patient/appointments">"My appointments"</a>
            </p>
        </TileCard>
    }
}

/// What the clinic's "today" tile shows, by role.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Today {
    /// A doctor's own list (the day list's rows).
    Own(Vec<AppointmentView>),
    /// The front desk's arrivals at every doctor.
    Desk(TodaysArrivals),
}

/// Today's appointments in the clinic: a doctor sees their own day list,
/// the front desk who is expected at every doctor. Times are hospital time.
#[component]
pub fn TodayTile() -> impl IntoView {
    let session = PortalSession::get();
    let today = Resource::new(
        || (),
        move |_| {
            session.load_as(Permission::ViewDayLists, |user| async move {
                if user.role.can(Permission::BookAppointments) {
                    arrivals().await.map(Today::Desk)
                } else {
                    let date = hospital_today().await?;
                    day_list(None, date).await.map(Today::Own)
                }
            })
        },
    );
    view! {
        <TileCard id="today-title" title="Today's appointments" needs=Some(Permission::ViewDayLists) class="tile--wide">
            {loaded(today, |today| match today {
                Today::Own(rows) if rows.is_empty() => view! {
                    <p class="muted">"No appointments today."</p>
                }.into_any(),
                Today::Own(rows) => {
                    let more = rows.len().saturating_sub(DAY_LISTED);
                    view! {
                        <AppointmentRows rows=rows.into_iter().take(DAY_LISTED).collect() with_doctor=false/>
                        {(more > 0).then(|| view! { <p class="muted">{format!("And {more} more on your day list.")}</p> })}
                    }.into_any()
                }
                Today::Desk(a) if a.total == 0 => view! {
                    <p class="muted">"No appointments today."</p>
                }.into_any(),
                Today::Desk(a) => view! {
                    <p>{format!("{} appointment(s) today, {} checked in.", a.total, a.checked_in)}</p>
                    {if a.expected.is_empty() {
                        view! { <p class="muted">"No one else is expected today."</p> }.into_any()
                    } else {
                        view! {
                            <h3 class="subhead">"Expected next"</h3>
                            <AppointmentRows rows=a.expected with_doctor=true/>
                        }.into_any()
                    }}
                }.into_any(),
            })}
            <p><a href="/clinic/appointments">"Open the day lists"</a></p>
        </TileCard>
    }
}

/// Appointments as a tile's list: time, patient, (doctor,) status; the
/// checked-in marked.
#[component]
fn AppointmentRows(rows: Vec<AppointmentView>, with_doctor: bool) -> impl IntoView {
    view! {
        <ul class="tile-list">
            {rows.into_iter().map(|a| {
                let checked_in = a.status == AppointmentStatus::CheckedIn;
                view! {
                    <li class="tile-list__item tile-list__item--appointment" data-testid="today-row">
                        <span class="tile-list__time">{a.time.clone()}</span>
                        <span class="tile-list__who">
                            <a href=patient_link("/clinic", a.patient_id)><strong dir="auto">{a.patient_name.clone()}</strong></a>
                            {with_doctor.then(|| view! { <small class="muted" dir="auto">{format!("with {}", a.doctor_name)}</small> })}
                        </span>
                        <span class=if checked_in { "badge badge--ok" } else { "badge" }>{a.status.label()}</span>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}
