//! Decision support when prescribing: allergy, interaction, duplicate
//! therapy and dose alerts, each with its severity and its source.
//!
//! The server gathers a [`CheckContext`] (the patient's allergies and
//! active drugs, resolved to ingredients and classes, and the rules that
//! concern them); [`check`] turns it and a candidate drug into alerts. The
//! prescribing form runs the same function in the browser as the
//! prescriber picks a drug, and the server runs it again when signing, so
//! what was shown is what is enforced.
//!
//! Rules ([`DrugRule`]) come from the shipped data (`drug-interactions.csv`,
//! `allergy-cross-reactivity.csv`) and from the pharmacy's local rules; both
//! are checked alike. Severities:
//! - an allergy to one of the drug's ingredients: contraindicated;
//! - an allergy to the drug's allergy class (e.g. "penicillin" and
//!   amoxicillin): major, unless a rule for that class says otherwise;
//! - cross-reactivity rules: `warn` is major (it interrupts and needs a
//!   reason), `info` is minor (a note);
//! - the same ingredient already active: major; the same drug class:
//!   moderate.
//!
//! Contraindicated and major alerts need an override reason to sign.

use serde::{Deserialize, Serialize};

use crate::chart::AllergySeverity;
use crate::formulary::Drug;
use crate::ids::{DrugRuleId, PrescriptionId};

crate::coded!(
    /// How serious an alert is, most serious first.
    AlertSeverity {
        Contraindicated = "contraindicated", "Contraindicated";
        Major = "major", "Major";
        Moderate = "moderate", "Moderate";
        Minor = "minor", "Minor";
    } "Choose the severity."
);

impl AlertSeverity {
    /// Contraindicated and major alerts are signed over only with a reason.
    pub fn needs_override(self) -> bool {
        matches!(self, AlertSeverity::Contraindicated | AlertSeverity::Major)
    }

    fn rank(self) -> u8 {
        match self {
            AlertSeverity::Contraindicated => 0,
            AlertSeverity::Major => 1,
            AlertSeverity::Moderate => 2,
            AlertSeverity::Minor => 3,
        }
    }
}

crate::coded!(
    AlertKind {
        Allergy = "allergy", "Allergy";
        Interaction = "interaction", "Interaction";
        DuplicateTherapy = "duplicate", "Duplicate therapy";
        Dose = "dose", "Dose";
    } "Choose the kind of alert."
);

crate::coded!(
    /// What a rule compares: two drugs, or an allergy and a drug.
    RuleKind {
        Interaction = "interaction", "Interaction";
        Allergy = "allergy", "Allergy";
    } "Choose the kind of rule."
);

crate::coded!(
    /// What a side of a rule names.
    TermKind {
        Ingredient = "ingredient", "Ingredient";
        DrugClass = "drug_class", "Drug class";
        AllergyClass = "allergy_class", "Allergy class";
    } "Choose what the rule names."
);

/// One side of a rule: an ingredient (`warfarin`), a drug class (`Azole
/// Antifungal`) or an allergy class (`penicillin`). Compared without case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Term {
    pub kind: TermKind,
    pub value: String,
}

impl Term {
    pub fn new(kind: TermKind, value: &str) -> Term {
        Term {
            kind,
            value: value.trim().to_lowercase(),
        }
    }

    /// Whether the term names the drug or one of its parts.
    pub fn matches(&self, facts: &DrugFacts) -> bool {
        let v = self.value.as_str();
        match self.kind {
            TermKind::Ingredient => facts.ingredients.iter().any(|i| i == v),
            TermKind::DrugClass => facts.classes.iter().any(|c| c == v),
            TermKind::AllergyClass => facts.allergy_class.as_deref() == Some(v),
        }
    }

    fn matches_allergy(&self, a: &AllergyFacts) -> bool {
        let v = &self.value;
        match self.kind {
            TermKind::Ingredient => a.ingredients.contains(v),
            TermKind::DrugClass => a.drug_classes.contains(v),
            TermKind::AllergyClass => a.allergy_classes.contains(v),
        }
    }

    /// "warfarin", "Azole Antifungal drugs", "penicillin-class drugs".
    pub fn describe(&self) -> String {
        match self.kind {
            TermKind::Ingredient => self.value.clone(),
            TermKind::DrugClass => format!("{} drugs", self.value),
            TermKind::AllergyClass => format!("{}-class drugs", self.value),
        }
    }
}

/// An interaction between `a` and `b`, or an alert for drugs matching `b`
/// when the patient is allergic to `a`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrugRule {
    pub id: DrugRuleId,
    pub kind: RuleKind,
    pub a: Term,
    pub b: Term,
    pub severity: AlertSeverity,
    /// What the prescriber reads.
    pub text: String,
    /// "NDF-RT", "ONC-HighPriority", a guideline, or "Local rule".
    pub source: String,
    /// Added by the pharmacy, not shipped.
    pub local: bool,
}

/// A drug reduced to what the checks compare, all lower case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrugFacts {
    /// What alerts call it.
    pub name: String,
    pub ingredients: Vec<String>,
    pub classes: Vec<String>,
    pub allergy_class: Option<String>,
}

impl DrugFacts {
    pub fn of(drug: &Drug) -> DrugFacts {
        DrugFacts {
            name: drug.generic_name.clone(),
            ingredients: drug
                .ingredients()
                .iter()
                .map(|i| i.to_lowercase())
                .collect(),
            classes: drug.drug_class.as_deref().map(classes).unwrap_or_default(),
            allergy_class: drug.allergy_class.clone(),
        }
    }
}

/// A `; `-joined class list, lower case.
pub fn classes(list: &str) -> Vec<String> {
    list.split(';')
        .map(|c| c.trim().to_lowercase())
        .filter(|c| !c.is_empty())
        .collect()
}

/// An allergy of the patient's, as typed ("Penicillin", "amoxicillin",
/// "sulfa drugs"), with the ingredients and classes the server read it as.
/// An allergy that names no drug (peanuts, latex) has none and raises no
/// drug alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllergyFacts {
    pub substance: String,
    pub severity: AllergySeverity,
    pub ingredients: Vec<String>,
    pub drug_classes: Vec<String>,
    pub allergy_classes: Vec<String>,
}

impl AllergyFacts {
    pub fn names_a_drug(&self) -> bool {
        !(self.ingredients.is_empty()
            && self.allergy_classes.is_empty()
            && self.drug_classes.is_empty())
    }
}

/// A drug the patient is taking now: a prescription, or one they reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveDrug {
    pub prescription: Option<PrescriptionId>,
    pub facts: DrugFacts,
}

/// What the checks know about one patient.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckContext {
    pub allergies: Vec<AllergyFacts>,
    pub active: Vec<ActiveDrug>,
    /// The rules that can fire for this patient: those with a side that
    /// names one of the allergies or active drugs ([`CheckContext::keep`]).
    pub rules: Vec<DrugRule>,
}

impl CheckContext {
    /// Whether a rule can fire for this patient whatever drug is chosen.
    pub fn keep(&self, rule: &DrugRule) -> bool {
        match rule.kind {
            RuleKind::Allergy => self.allergies.iter().any(|a| rule.a.matches_allergy(a)),
            RuleKind::Interaction => self
                .active
                .iter()
                .any(|d| rule.a.matches(&d.facts) || rule.b.matches(&d.facts)),
        }
    }
}

/// One alert, as the prescriber reads it and the prescription keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    pub kind: AlertKind,
    pub severity: AlertSeverity,
    /// One line: "Allergy to penicillin: amoxicillin is a penicillin".
    pub summary: String,
    pub detail: String,
    pub source: String,
}

impl Alert {
    pub fn needs_override(&self) -> bool {
        self.severity.needs_override()
    }
}

/// A dose outside the usual range (`prescribing::dose_concern`).
pub fn dose_alert(concern: String) -> Alert {
    Alert {
        kind: AlertKind::Dose,
        severity: AlertSeverity::Moderate,
        summary: "Dose outside the usual range".into(),
        detail: concern,
        source: "Dose check on strength and form".into(),
    }
}

/// Whether any alert needs a reason to sign over.
pub fn needs_override(alerts: &[Alert]) -> bool {
    alerts.iter().any(Alert::needs_override)
}

/// Cross-reactivity severities of the shipped data.
pub fn cross_reactivity_severity(code: &str) -> Option<AlertSeverity> {
    match code {
        "warn" => Some(AlertSeverity::Major),
        "info" => Some(AlertSeverity::Minor),
        _ => None,
    }
}

fn allergy_alerts(ctx: &CheckContext, drug: &DrugFacts, out: &mut Vec<Alert>) {
    for allergy in ctx.allergies.iter().filter(|a| a.names_a_drug()) {
        let reaction = format!("recorded as {}", allergy.severity.label().to_lowercase());
        if let Some(i) = drug
            .ingredients
            .iter()
            .find(|i| allergy.ingredients.contains(i))
        {
            out.push(Alert {
                kind: AlertKind::Allergy,
                severity: AlertSeverity::Contraindicated,
                summary: format!(
                    "Allergy to {}: {} contains {i}",
                    allergy.substance, drug.name
                ),
                detail: format!(
                    "The patient's allergy to {} is {reaction}.",
                    allergy.substance
                ),
                source: "Allergy list".into(),
            });
            continue;
        }
        let rules: Vec<&DrugRule> = ctx
            .rules
            .iter()
            .filter(|r| {
                r.kind == RuleKind::Allergy && r.a.matches_allergy(allergy) && r.b.matches(drug)
            })
            .collect();
        let same_class = drug
            .allergy_class
            .as_ref()
            .filter(|c| allergy.allergy_classes.contains(c));
        if let Some(class) = same_class {
            // A rule for the class itself (e.g. macrolides: a note) decides.
            let within = rules.iter().find(|r| {
                r.a.kind == TermKind::AllergyClass && r.a.value == *class && r.b.value == *class
            });
            if within.is_none() {
                out.push(Alert {
                    kind: AlertKind::Allergy,
                    severity: AlertSeverity::Major,
                    summary: format!(
                        "Allergy to {}: {} is a {class}-class drug too",
                        allergy.substance, drug.name
                    ),
                    detail: format!(
                        "The patient's allergy to {} is {reaction}.",
                        allergy.substance
                    ),
                    source: "Allergy list (same allergy class)".into(),
                });
                continue;
            }
        }
        for rule in rules {
            out.push(Alert {
                kind: AlertKind::Allergy,
                severity: rule.severity,
                summary: format!(
                    "Allergy to {}: possible cross-reactivity with {}",
                    allergy.substance, drug.name
                ),
                detail: format!("{} The allergy is {reaction}.", rule.text),
                source: rule.source.clone(),
            });
        }
    }
}

fn interaction_alerts(
    ctx: &CheckContext,
    drug: &DrugFacts,
    others: &[&ActiveDrug],
    out: &mut Vec<Alert>,
) {
    for other in others {
        for rule in ctx.rules.iter().filter(|r| r.kind == RuleKind::Interaction) {
            let hit = (rule.a.matches(drug) && rule.b.matches(&other.facts))
                || (rule.b.matches(drug) && rule.a.matches(&other.facts));
            if hit {
                out.push(Alert {
                    kind: AlertKind::Interaction,
                    severity: rule.severity,
                    summary: format!("Interaction: {} with {}", drug.name, other.facts.name),
                    detail: if rule.text.is_empty() {
                        format!("{} and {} interact.", rule.a.describe(), rule.b.describe())
                    } else {
                        rule.text.clone()
                    },
                    source: rule.source.clone(),
                });
            }
        }
    }
}

fn duplicate_alerts(drug: &DrugFacts, others: &[&ActiveDrug], out: &mut Vec<Alert>) {
    for other in others {
        if let Some(i) = drug
            .ingredients
            .iter()
            .find(|i| other.facts.ingredients.contains(i))
        {
            out.push(Alert {
                kind: AlertKind::DuplicateTherapy,
                severity: AlertSeverity::Major,
                summary: format!(
                    "Duplicate therapy: {i} is already active ({})",
                    other.facts.name
                ),
                detail: "Stop or change the active prescription instead of adding another.".into(),
                source: "Active medications".into(),
            });
        } else if let Some(c) = drug
            .classes
            .iter()
            .find(|c| other.facts.classes.contains(c))
        {
            out.push(Alert {
                kind: AlertKind::DuplicateTherapy,
                severity: AlertSeverity::Moderate,
                summary: format!(
                    "Duplicate therapy: {} is also a {c} ({})",
                    drug.name, other.facts.name
                ),
                detail: "Two drugs of the same class are active.".into(),
                source: "Active medications".into(),
            });
        }
    }
}

/// The alerts for prescribing `drug` to the patient of `ctx`, most serious
/// first. `replacing` is the prescription a change replaces (not compared
/// with itself).
pub fn check(
    ctx: &CheckContext,
    drug: &DrugFacts,
    replacing: Option<PrescriptionId>,
) -> Vec<Alert> {
    let others: Vec<&ActiveDrug> = ctx
        .active
        .iter()
        .filter(|a| replacing.is_none() || a.prescription != replacing)
        .collect();
    let mut out = Vec::new();
    allergy_alerts(ctx, drug, &mut out);
    interaction_alerts(ctx, drug, &others, &mut out);
    duplicate_alerts(drug, &others, &mut out);
    out.sort_by_key(|a| (a.severity.rank(), a.kind.as_str()));
    // The same finding from two rules (a shipped pair and a local one) once,
    // at its highest severity.
    let mut seen = std::collections::HashSet::new();
    out.retain(|a| seen.insert((a.kind, a.summary.clone())));
    out
}

/// The allergy classes a typed substance names: "penicillin", "penicillins",
/// "sulfa drugs", "NSAIDs", "ACE inhibitors"… (folded words in, class out).
pub fn allergy_class_named(folded: &str) -> Option<&'static str> {
    let words: Vec<&str> = folded
        .split_whitespace()
        .filter(|w| {
            !matches!(
                *w,
                "drug" | "drugs" | "class" | "allergy" | "antibiotic" | "antibiotics"
            )
        })
        .collect();
    let text = words.join(" ");
    let singular = text.strip_suffix('s').unwrap_or(&text);
    let synonyms: &[(&str, &str)] = &[
        ("sulfa", "sulfonamide-antibiotic"),
        ("sulpha", "sulfonamide-antibiotic"),
        ("sulfonamide", "sulfonamide-antibiotic"),
        ("quinolone", "fluoroquinolone"),
        ("cox 2 inhibitor", "cox2-inhibitor"),
        ("ace inhibitor", "ace-inhibitor"),
        ("angiotensin receptor blocker", "arb"),
        ("opiate", "opioid"),
        ("beta lactam", "penicillin"),
    ];
    if let Some((_, class)) = synonyms.iter().find(|(w, _)| *w == singular || *w == text) {
        return Some(class);
    }
    crate::formulary::ALLERGY_CLASSES
        .iter()
        .find(|c| {
            let spaced = c.replace('-', " ");
            spaced == singular || spaced == text
        })
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(name: &str, classes_: &str, allergy: Option<&str>) -> DrugFacts {
        DrugFacts {
            name: name.into(),
            ingredients: crate::formulary::ingredients(name)
                .iter()
                .map(|s| s.to_string())
                .collect(),
            classes: classes(classes_),
            allergy_class: allergy.map(str::to_string),
        }
    }

    fn rule(kind: RuleKind, a: Term, b: Term, severity: AlertSeverity, source: &str) -> DrugRule {
        DrugRule {
            id: DrugRuleId(uuid::Uuid::nil()),
            kind,
            a,
            b,
            severity,
            text: String::new(),
            source: source.into(),
            local: source == "Local rule",
        }
    }

    fn allergy(substance: &str, ingredients: &[&str], classes: &[&str]) -> AllergyFacts {
        AllergyFacts {
            substance: substance.into(),
            severity: AllergySeverity::Severe,
            ingredients: ingredients.iter().map(|s| s.to_string()).collect(),
            drug_classes: vec![],
            allergy_classes: classes.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn active(name: &str, classes_: &str, allergy: Option<&str>) -> ActiveDrug {
        ActiveDrug {
            prescription: None,
            facts: facts(name, classes_, allergy),
        }
    }

    #[test]
    fn allergies_by_ingredient_class_and_cross_reactivity() {
        use AlertSeverity::*;
        let cross = rule(
            RuleKind::Allergy,
            Term::new(TermKind::AllergyClass, "penicillin"),
            Term::new(TermKind::AllergyClass, "cephalosporin"),
            Major,
            "AAAAI",
        );
        let ctx = CheckContext {
            allergies: vec![
                allergy("Amoxicillin", &["amoxicillin"], &["penicillin"]),
                allergy("peanuts", &[], &[]),
            ],
            active: vec![],
            rules: vec![cross],
        };
        let amox_clav = facts(
            "amoxicillin / clavulanate",
            "Penicillin-class Antibacterial",
            Some("penicillin"),
        );
        let alerts = check(&ctx, &amox_clav, None);
        assert_eq!(alerts.len(), 1, "{alerts:?}");
        assert_eq!(alerts[0].severity, Contraindicated);
        assert!(alerts[0].summary.contains("contains amoxicillin"));

        let ampicillin = facts(
            "ampicillin",
            "Penicillin-class Antibacterial",
            Some("penicillin"),
        );
        assert_eq!(check(&ctx, &ampicillin, None)[0].severity, Major);

        let cephalexin = facts(
            "cephalexin",
            "Cephalosporin Antibacterial",
            Some("cephalosporin"),
        );
        let alerts = check(&ctx, &cephalexin, None);
        assert_eq!(
            (alerts[0].severity, alerts[0].source.as_str()),
            (Major, "AAAAI")
        );
        assert!(needs_override(&alerts));

        let metformin = facts("metformin", "Biguanide", None);
        assert!(check(&ctx, &metformin, None).is_empty());
    }

    #[test]
    fn a_rule_for_the_class_itself_decides_its_severity() {
        let within = rule(
            RuleKind::Allergy,
            Term::new(TermKind::AllergyClass, "macrolide"),
            Term::new(TermKind::AllergyClass, "macrolide"),
            AlertSeverity::Minor,
            "AAAAI",
        );
        let ctx = CheckContext {
            allergies: vec![allergy("erythromycin", &["erythromycin"], &["macrolide"])],
            active: vec![],
            rules: vec![within],
        };
        let azithro = facts("azithromycin", "Macrolide Antimicrobial", Some("macrolide"));
        let alerts = check(&ctx, &azithro, None);
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].severity, AlertSeverity::Minor);
        assert!(!needs_override(&alerts));
    }

    #[test]
    fn interactions_split_combinations_and_match_classes() {
        let shipped = rule(
            RuleKind::Interaction,
            Term::new(TermKind::Ingredient, "methotrexate"),
            Term::new(TermKind::Ingredient, "sulfamethoxazole"),
            AlertSeverity::Major,
            "NDF-RT",
        );
        let local = rule(
            RuleKind::Interaction,
            Term::new(TermKind::Ingredient, "warfarin"),
            Term::new(TermKind::DrugClass, "Nonsteroidal Anti-inflammatory Drug"),
            AlertSeverity::Major,
            "Local rule",
        );
        let mut ctx = CheckContext {
            allergies: vec![],
            active: vec![
                active("methotrexate", "Folate Analog Metabolic Inhibitor", None),
                active("warfarin", "Vitamin K Antagonist", None),
            ],
            rules: vec![shipped.clone(), local.clone()],
        };
        assert!(ctx.keep(&shipped) && ctx.keep(&local));
        let smx = facts(
            "sulfamethoxazole / trimethoprim",
            "Sulfonamide Antimicrobial",
            Some("sulfonamide-antibiotic"),
        );
        let alerts = check(&ctx, &smx, None);
        assert_eq!(alerts.len(), 1);
        assert!(alerts[0].summary.contains("with methotrexate"));
        let ibuprofen = facts(
            "ibuprofen",
            "Nonsteroidal Anti-inflammatory Drug",
            Some("nsaid"),
        );
        let alerts = check(&ctx, &ibuprofen, None);
        assert_eq!(alerts[0].source, "Local rule");
        assert_eq!(alerts[0].kind, AlertKind::Interaction);
        ctx.active.clear();
        assert!(!ctx.keep(&local));
    }

    #[test]
    fn duplicate_therapy_by_ingredient_and_class() {
        let mut ctx = CheckContext {
            active: vec![active("sertraline", "Serotonin Reuptake Inhibitor", None)],
            ..Default::default()
        };
        let again = facts("sertraline", "Serotonin Reuptake Inhibitor", None);
        let alerts = check(&ctx, &again, None);
        assert_eq!(
            (alerts[0].kind, alerts[0].severity),
            (AlertKind::DuplicateTherapy, AlertSeverity::Major)
        );
        let other = facts("fluoxetine", "Serotonin Reuptake Inhibitor", None);
        assert_eq!(
            check(&ctx, &other, None)[0].severity,
            AlertSeverity::Moderate
        );
        // A change of the active prescription is not its own duplicate.
        let id = PrescriptionId(uuid::Uuid::from_u128(7));
        ctx.active[0].prescription = Some(id);
        assert!(check(&ctx, &again, Some(id)).is_empty());
    }

    #[test]
    fn typed_substances_name_allergy_classes() {
        assert_eq!(allergy_class_named("penicillins"), Some("penicillin"));
        assert_eq!(
            allergy_class_named("sulfa drugs"),
            Some("sulfonamide-antibiotic")
        );
        assert_eq!(allergy_class_named("nsaids"), Some("nsaid"));
        assert_eq!(allergy_class_named("ace inhibitors"), Some("ace-inhibitor"));
        assert_eq!(allergy_class_named("peanuts"), None);
    }
}

/// A local rule as the pharmacist types it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleForm {
    pub kind: String,
    pub a_kind: String,
    pub a_value: String,
    pub b_kind: String,
    pub b_value: String,
    pub severity: String,
    pub text: String,
    /// Why the pharmacy adds it (kept with the rule and audited).
    pub reason: String,
}

/// A local rule as it passed every rule of [`RuleForm`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRule {
    pub kind: RuleKind,
    pub a: Term,
    pub b: Term,
    pub severity: AlertSeverity,
    pub text: String,
    pub reason: String,
}

fn term(kind: &str, value: &str, e: &mut crate::error::FieldErrors, side: &str) -> Option<Term> {
    let kind = e.check(&format!("{side}_kind"), TermKind::parse(kind))?;
    let value = e.check(
        &format!("{side}_value"),
        crate::validate::bounded_text(value, 120, "name").and_then(|v| {
            let v = v.to_lowercase();
            if v.is_empty() {
                Err("Enter the ingredient or class.".to_string())
            } else if kind == TermKind::AllergyClass
                && !crate::formulary::ALLERGY_CLASSES.contains(&v.as_str())
            {
                Err(format!(
                    "Choose one of the allergy classes: {}.",
                    crate::formulary::ALLERGY_CLASSES.join(", ")
                ))
            } else {
                Ok(v)
            }
        }),
    )?;
    Some(Term { kind, value })
}

impl RuleForm {
    pub fn parse(&self) -> Result<NewRule, crate::AppError> {
        let mut e = crate::error::FieldErrors::new();
        let kind = e.check("kind", RuleKind::parse(&self.kind));
        let a = term(&self.a_kind, &self.a_value, &mut e, "a");
        let b = term(&self.b_kind, &self.b_value, &mut e, "b");
        let severity = e.check("severity", AlertSeverity::parse(&self.severity));
        let required = |s: &str, max: usize, what: &str, hint: &str| {
            crate::validate::bounded_text(s, max, what).and_then(|v| {
                if v.is_empty() {
                    Err(hint.to_string())
                } else {
                    Ok(v)
                }
            })
        };
        let text = e.check(
            "text",
            required(
                &self.text,
                1000,
                "text",
                "Say what the prescriber should know and do.",
            ),
        );
        let reason = e.check(
            "reason",
            required(
                &self.reason,
                500,
                "reason",
                "Say why the pharmacy adds this rule.",
            ),
        );
        e.finish()?;
        let missing = || crate::AppError::Internal;
        Ok(NewRule {
            kind: kind.ok_or_else(missing)?,
            a: a.ok_or_else(missing)?,
            b: b.ok_or_else(missing)?,
            severity: severity.ok_or_else(missing)?,
            text: text.ok_or_else(missing)?,
            reason: reason.ok_or_else(missing)?,
        })
    }
}

/// A rule as the rules page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleView {
    pub rule: DrugRule,
    pub added_by: Option<String>,
    pub reason: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub retired: bool,
}

impl RuleView {
    /// "warfarin with Azole Antifungal drugs", "allergy to penicillin-class
    /// drugs → cephalosporin-class drugs".
    pub fn describe(&self) -> String {
        let r = &self.rule;
        match r.kind {
            RuleKind::Interaction => format!("{} with {}", r.a.describe(), r.b.describe()),
            RuleKind::Allergy => format!("allergy to {} → {}", r.a.describe(), r.b.describe()),
        }
    }
}
