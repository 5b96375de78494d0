//! The patient index and the patients in one's care, on the clinic and
//! admin homes; and how home tiles name a patient.

use leptos::prelude::*;
use shared::patients::PatientSearchHit;
use shared::Permission;

use super::in_care::in_my_care;
use super::pages::{patient_link, PatientSearchBox};
use crate::nav::{loaded, TileCard};
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
        <a href=patient_link("/clinic", patient.id.into())>
            <strong dir="auto">{format!("{}, {}", patient.family_name, patient.given_name)}</strong>
        </a>
        " "<span class="muted">{format!("MRN {}", patient.mrn)}</span>
        {patient.temporary.then(|| view! { " "<span class="badge badge--warn">"Temporary"</span> })}
    }
}

/// "Showing 10 of 14." when a list is cut short.
pub fn shown_of(shown: usize, total: u64) -> Option<String> {
    (total > shown as u64).then(|| format!("Showing {shown} of {total}."))
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
            {loaded(care, |c| if c.patients.is_empty() {
                view! {
                    <p class="muted">"No patients in your care yet. Patients you register, are assigned or see by appointment appear here."</p>
                }.into_any()
            } else {
                view! {
                    <ul class="tile-list">
                        {c.patients.iter().cloned().map(|patient| view! {
                            <li class="tile-list__item"><span><PatientName patient/></span></li>
                        }).collect_view()}
                    </ul>
                    {shown_of(c.patients.len(), c.total).map(|t| view! { <p class="muted">{t}</p> })}
                }.into_any()
            })}
        </TileCard>
    }
}
