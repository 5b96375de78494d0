//! The patient index and the patients in one's care, on the clinic and
//! admin homes; and how home tiles name a patient.

use leptos::prelude::*;
use shared::patients::PatientSearchHit;
use shared::Permission;

use super::in_care::in_my_care;
use super::pages::{patient_link, PatientSearchBox};
use crate::nav::{loaded, tile_list, TileCard};
use crate::portal_session::{Gate, PortalSession};

/// The search box, for roles that search the patient index.
#[component]
pub fn SearchTile(base: &'static str) -> impl IntoView {
    view! {
        <Gate needs=Some(Permission::SearchPatients)>
            <PatientSearchBox base/>
        </Gate>
    }
}

/// A patient in a tile's list: the name, linked to the chart (or, for
/// roles without charts, the administrative record), and the MRN.
#[component]
pub fn PatientName(patient: PatientSearchHit) -> impl IntoView {
    view! {
        <a href=patient_link("/clinic", patient.id)>
            <strong dir="auto">{shared::patients::filing_name(&patient.family_name, &patient.given_name)}</strong>
        </a>
        " "<span class="muted">{format!("MRN {}", patient.mrn)}</span>
        {patient.temporary.then(|| view! { " "<span class="badge badge--warn">"Temporary"</span> })}
    }
}

/// The patients in the clinician's care, the newest first.
#[component]
pub fn InCareTile() -> impl IntoView {
    let session = PortalSession::get();
    let care = Resource::new(
        || (),
        move |_| session.load_if(Permission::ReadCharts, in_my_care()),
    );
    view! {
        <TileCard id="care-title" title="Patients in your care" needs=Some(Permission::ReadCharts)>
            {loaded(care, |c| tile_list(
                c.patients,
                Some(c.total),
                "No patients in your care yet. Patients you register, are assigned or see by appointment appear here.",
                |patient| view! { <span><PatientName patient/></span> }.into_any(),
            ))}
        </TileCard>
    }
}
