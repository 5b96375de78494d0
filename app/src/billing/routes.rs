//! Where billing appears: the desk in the clinic portal (billing clerks),
//! the claims board, the price list and the payers in the admin portal,
//! the patient's bills.

use leptos::prelude::*;
use leptos_router::any_nested_route::{AnyNestedRoute, IntoAnyNestedRoute};
use leptos_router::components::Route;
use leptos_router::{path, Lazy};
use shared::Permission::{ManageBilling, ManagePrices};
use shared::Portal::{self, Admin, Clinic, Patient};

use super::{admin_pages, claim_pages, pages, patient_pages};
use crate::nav::{no_routes, NavEntry, PortalTiles, Tile};

pub const NAV: &[NavEntry] = &[
    NavEntry::new(Clinic, 70, "/clinic/billing", "Billing").needs(ManageBilling),
    NavEntry::new(Clinic, 71, "/clinic/billing/claims", "Claims").needs(ManageBilling),
    NavEntry::new(Admin, 57, "/admin/prices", "Price list").needs(ManagePrices),
    NavEntry::new(Admin, 58, "/admin/payers", "Payers").needs(ManagePrices),
];

// The patient's phone has room for five tabs: bills are a tile of the
// home page, with what is owed.
pub const TILES: PortalTiles = PortalTiles {
    patient: &[Tile::new(26, || {
        view! { <patient_pages::BillsTile/> }.into_any()
    })],
    ..PortalTiles::NONE
};

crate::lazy_pages! {
    clinic_billing in clinic {
        BillingDesk => view! { <pages::BillingDeskPage/> },
        BillingAccount => view! { <pages::AccountPage/> },
        BillingInvoice => view! { <pages::InvoicePage/> },
        ClaimsBoard => view! { <claim_pages::ClaimsBoardPage/> },
        ClaimAtDesk => view! { <claim_pages::ClaimPage/> },
    }
    patient_bills in patient {
        MyBills => view! { <patient_pages::MyBillsPage/> },
        MyInvoice => view! { <patient_pages::MyInvoicePage/> },
    }
    admin_prices in admin {
        PriceList => view! { <admin_pages::PricesPage/> },
        PayerList => view! { <admin_pages::PayersPage/> },
    }
}

/// This module's pages in the portal `at` (`None`: outside the portals).
pub fn routes(at: Option<Portal>) -> AnyNestedRoute {
    match at {
        Some(Clinic) => view! {
            <Route path=path!("billing") view={Lazy::<BillingDesk>::new()}/>
            <Route path=path!("billing/patients/:id") view={Lazy::<BillingAccount>::new()}/>
            <Route path=path!("billing/invoices/:id") view={Lazy::<BillingInvoice>::new()}/>
            <Route path=path!("billing/claims") view={Lazy::<ClaimsBoard>::new()}/>
            <Route path=path!("billing/claims/:id") view={Lazy::<ClaimAtDesk>::new()}/>
        }
        .into_inner()
        .into_any_nested_route(),
        Some(Patient) => view! {
            <Route path=path!("bills") view={Lazy::<MyBills>::new()}/>
            <Route path=path!("bills/:id") view={Lazy::<MyInvoice>::new()}/>
        }
        .into_inner()
        .into_any_nested_route(),
        Some(Admin) => view! {
            <Route path=path!("prices") view={Lazy::<PriceList>::new()}/>
            <Route path=path!("payers") view={Lazy::<PayerList>::new()}/>
        }
        .into_inner()
        .into_any_nested_route(),
        _ => no_routes(),
    }
}
