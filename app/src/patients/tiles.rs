//! The patient index on the clinic and admin homes.

use leptos::prelude::*;
use shared::Permission;

use super::pages::PatientSearchBox;
use crate::portal_session::Gate;

/// The search box, for roles that search the patient index.
#[component]
pub fn SearchTile(base: &'static str) -> impl IntoView {
    view! {
        <Gate needs=Some(Permission::SearchPatients)>
            <PatientSearchBox base/>
        </Gate>
    }
}
