//! `/about`: what this system is and the reference data it ships, with the
//! notices their licences ask to be shown (LOINC's above all).

use leptos::prelude::*;
use leptos_meta::Title;

/// One data set: what it is, where it comes from, the notice it needs.
struct Source {
    name: &'static str,
    what: &'static str,
    notice: &'static str,
}

const SOURCES: &[Source] = &[
    Source {
        name: "ICD-10-CM (April 2026)",
        what: "Diagnoses and problems in the chart.",
        notice: "Published by the US National Center for Health Statistics; in the public domain.",
    },
    Source {
        name: "RxNorm (2025-10-06 Current Prescribable Content)",
        what: "The formulary's drugs.",
        notice: "This product uses publicly available data courtesy of the U.S. National Library of Medicine (NLM), National Institutes of Health, Department of Health and Human Services; NLM is not responsible for the product and does not endorse or recommend this or any other product.",
    },
    Source {
        name: "NDF-RT and the ONC high-priority interaction list",
        what: "Drug interaction checks, with the pharmacy's local rules.",
        notice: "NDF-RT (US Department of Veterans Affairs) is in the public domain. Phansalkar S et al., J Am Med Inform Assoc 2012;19(5):735-743. Ayvaz S et al., J Biomed Inform 2015;55:206-217.",
    },
    Source {
        name: "Allergy cross-reactivity rules",
        what: "Allergy checks across drug classes.",
        notice: "Written for this project after the AAAAI/ACAAI drug allergy practice parameters (2022, 2010) and the cited guidelines.",
    },
    Source {
        name: "LOINC",
        what: "The laboratory catalogue's test codes.",
        notice: "This material contains content from LOINC (http://loinc.org). LOINC is copyright © 1995-2025, Regenstrief Institute, Inc. and the LOINC Committee and is available at no cost under the license at http://loinc.org/license. LOINC® is a registered United States trademark of Regenstrief Institute, Inc.",
    },
    Source {
        name: "Laboratory reference intervals and SI units",
        what: "Reference ranges and unit conversions of the laboratory catalogue.",
        notice: "From clinosim 0.6.5 (MIT License, Copyright (c) 2026 clinosim contributors) and labunits 0.2.1 (MIT License, Copyright © 2025 Christian González).",
    },
];

#[component]
pub fn AboutPage() -> impl IntoView {
    view! {
        <Title text="About HMS"/>
        <main class="portal__main narrow" id="main">
            <p><a href="/">"← Start page"</a></p>
            <h1>"About HMS"</h1>
            <p>"An open-source hospital management system: the patient portal, the clinic and the administration in one place."</p>
            <div class="alert alert--warn" role="note">
                <p>"The reference data below is shipped for testing and demonstration. The hospital's pharmacy and laboratory must review and adapt it (drug rules, reference ranges and critical limits above all) before clinical use."</p>
            </div>
            <h2>"Reference data and notices"</h2>
            <dl class="about-sources">
                {SOURCES.iter().map(|s| view! {
                    <dt>{s.name}</dt>
                    <dd><p>{s.what}</p><p class="muted">{s.notice}</p></dd>
                }).collect_view()}
            </dl>
        </main>
    }
}
