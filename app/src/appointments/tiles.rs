//! Appointments on the portals' homes.

use leptos::prelude::*;

use crate::nav::TileCard;

/// The patient's way to their appointments.
#[component]
pub fn PatientAppointmentsTile() -> impl IntoView {
    view! {
        <TileCard id="visits-title" title="Appointments">
            <p class="actions">
                <a class="btn btn--primary" href="/patient/book">"Book an appointment"</a>
                <a class="btn" href="/patient/appointments">"My appointments"</a>
            </p>
        </TileCard>
    }
}
