//! Roles and permissions, defined once. The server checks them in every
//! server function; the UI uses them only to decide what to show.

use serde::{Deserialize, Serialize};

crate::coded!(
/// The job a user account does. One account has one role.
Role {
    Patient = "patient", "Patient";
    Doctor = "doctor", "Doctor";
    Nurse = "nurse", "Nurse";
    Receptionist = "receptionist", "Receptionist";
    LabTechnician = "lab_technician", "Lab technician";
    Pharmacist = "pharmacist", "Pharmacist";
    BillingClerk = "billing_clerk", "Billing clerk";
    Administrator = "administrator", "Administrator";
} "Choose a role.");

/// The three user interfaces, each laid out for its users' usual device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Portal {
    /// `/patient`, phone-first.
    Patient,
    /// `/clinic`, tablet-first, for clinical and front-desk staff.
    Clinic,
    /// `/admin`, desktop-first.
    Admin,
}

impl Portal {
    pub fn path(self) -> &'static str {
        match self {
            Portal::Patient => "/patient",
            Portal::Clinic => "/clinic",
            Portal::Admin => "/admin",
        }
    }
}

/// Something a caller may be allowed to do. A role grants a fixed set; anything
/// not granted is denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Change one's own password, list and end one's own sessions.
    ManageOwnAccount,
    /// Read one's own patient record (patients only).
    ViewOwnRecord,
    /// Update one's own contact and emergency-contact details (patients only).
    UpdateOwnContact,
    /// Use the clinic portal.
    UseClinicPortal,
    /// Use the admin portal.
    UseAdminPortal,
    /// Create staff accounts, change roles, deactivate and unlock accounts.
    ManageUsers,
    /// Read the audit trail.
    ViewAudit,
    /// Find patients in the patient index (name, MRN, phone, birth date).
    SearchPatients,
    /// Register a patient with full demographics (front desk, clinicians).
    RegisterPatients,
    /// Register an unknown patient in an emergency with only what is known.
    FastTrackPatients,
    /// Read and edit any patient's administrative record (demographics,
    /// contacts, insurance), never the clinical chart.
    ManageDemographics,
    /// Merge two records of the same person.
    MergePatients,
    /// Add a clinician to a patient's care team.
    AssignCareTeam,
    /// Open the charts of patients in one's care, or others by break-glass.
    ReadCharts,
    /// Document care: encounters, notes, vitals, allergies, immunizations, history.
    DocumentCare,
    /// Code problems and diagnoses.
    Diagnose,
    /// Book appointments for oneself (patients).
    BookOwnAppointments,
    /// Book appointments for any patient (front desk, administrators).
    BookAppointments,
    /// Put a patient on a doctor's list outside the normal slots, in an
    /// emergency, with a recorded reason (administrators).
    OverrideSchedule,
    /// Manage departments, specialties, doctors' profiles and availability,
    /// and the hospital's holidays (administrators).
    ManageSchedules,
    /// Manage one's own availability: weekly template, leave, extra hours (doctors).
    ManageOwnAvailability,
    /// See appointment day lists: doctors their own, the front desk any doctor's.
    ViewDayLists,
    /// Look drugs up in the formulary (prescribers, nurses, the pharmacy).
    SearchFormulary,
    /// Add, edit and retire formulary drugs (pharmacists, administrators).
    ManageFormulary,
    /// Sign, change and stop prescriptions (doctors).
    Prescribe,
    /// Keep the local interaction and allergy rules (pharmacists).
    ManageDrugRules,
    /// Work the pharmacy's queue: dispense, return (pharmacists).
    Dispense,
    /// Receive stock, write it off, set reorder levels (pharmacists).
    ManageStock,
    /// Order laboratory tests and imaging studies, acknowledge critical
    /// results (doctors).
    OrderTests,
    /// Work the laboratory: the worklist, collecting specimens and printing
    /// their labels, entering results (laboratory technicians).
    WorkLab,
    /// Verify and release results entered by someone else, correct released
    /// ones (laboratory technicians and supervisors).
    VerifyResults,
    /// Report imaging studies: findings and impression (radiologists, who
    /// are doctors).
    ReportImaging,
    /// Keep the laboratory catalogue (tests, prices, turnaround, ranges)
    /// and the technicians' shifts (administrators).
    ManageLab,
    /// Keep the price list (administrators).
    ManagePrices,
    /// Charge, invoice and take payments: patients' accounts, manual
    /// charges and voids, drafts, issuing, credit notes, the desk (billing clerks).
    ManageBilling,
    /// Discount a line of a draft invoice, with a reason (billing clerks).
    DiscountInvoices,
    /// Read the financial reports: revenue, outstanding balances by age,
    /// claims' approval and denial rates (administrators).
    ViewFinancialReports,
    /// See the bed board and the wards' lists of inpatients (clinicians,
    /// the front desk).
    ViewBeds,
    /// Change a bed's status (cleaned, blocked) and move patients between
    /// beds (nurses, doctors).
    ManageBeds,
    /// Admit patients and sign their discharge (doctors).
    AdmitPatients,
    /// Keep the wards and their beds, the emergency department's bays, and
    /// the emergency numbers and places the patient portal shows
    /// (administrators).
    ManageFacilities,
    /// See the emergency department's tracking board and register a known
    /// patient's arrival there (clinicians, the front desk).
    ViewEmergency,
    /// Read the reports on beds and the emergency department: occupancy,
    /// admissions and discharges, length of stay, waiting times
    /// (administrators).
    ViewCareReports,
    /// Triage and re-triage patients in the emergency department, assign
    /// bays and clinicians, record who left without being seen (nurses,
    /// doctors).
    TriagePatients,
}

impl Role {
    pub fn is_staff(self) -> bool {
        self != Role::Patient
    }

    /// Where this role lands after signing in.
    pub fn portal(self) -> Portal {
        match self {
            Role::Patient => Portal::Patient,
            Role::Administrator => Portal::Admin,
            _ => Portal::Clinic,
        }
    }

    /// Every permission this role grants. Deny by default: what is not listed is refused.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Patient => &[
                ManageOwnAccount,
                ViewOwnRecord,
                UpdateOwnContact,
                BookOwnAppointments,
            ],
            Role::Doctor => &[
                ManageOwnAccount,
                UseClinicPortal,
                SearchPatients,
                RegisterPatients,
                FastTrackPatients,
                AssignCareTeam,
                ReadCharts,
                DocumentCare,
                Diagnose,
                ManageOwnAvailability,
                ViewDayLists,
                SearchFormulary,
                Prescribe,
                OrderTests,
                ReportImaging,
                ViewBeds,
                ManageBeds,
                AdmitPatients,
                ViewEmergency,
                TriagePatients,
            ],
            Role::Nurse => &[
                ManageOwnAccount,
                UseClinicPortal,
                SearchPatients,
                RegisterPatients,
                FastTrackPatients,
                AssignCareTeam,
                ReadCharts,
                DocumentCare,
                SearchFormulary,
                ViewBeds,
                ManageBeds,
                ViewEmergency,
                TriagePatients,
            ],
            Role::Receptionist => &[
                ManageOwnAccount,
                UseClinicPortal,
                SearchPatients,
                RegisterPatients,
                FastTrackPatients,
                ManageDemographics,
                MergePatients,
                AssignCareTeam,
                BookAppointments,
                ViewDayLists,
                ViewBeds,
                ViewEmergency,
            ],
            Role::LabTechnician => &[
                ManageOwnAccount,
                UseClinicPortal,
                SearchPatients,
                ReadCharts,
                WorkLab,
                VerifyResults,
            ],
            Role::Pharmacist => &[
                ManageOwnAccount,
                UseClinicPortal,
                SearchPatients,
                ReadCharts,
                SearchFormulary,
                ManageFormulary,
                ManageDrugRules,
                Dispense,
                ManageStock,
            ],
            Role::BillingClerk => &[
                ManageOwnAccount,
                UseClinicPortal,
                SearchPatients,
                ManageDemographics,
                ManageBilling,
                DiscountInvoices,
            ],
            Role::Administrator => &[
                ManageOwnAccount,
                UseAdminPortal,
                ManageUsers,
                ViewAudit,
                SearchPatients,
                ManageDemographics,
                MergePatients,
                BookAppointments,
                OverrideSchedule,
                ManageSchedules,
                SearchFormulary,
                ManageFormulary,
                ManageLab,
                ManagePrices,
                ViewFinancialReports,
                ManageFacilities,
                ViewCareReports,
            ],
        }
    }

    pub fn can(self, permission: Permission) -> bool {
        self.permissions().contains(&permission)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert!(Role::parse("superuser").is_err());
    }

    #[test]
    fn only_patients_read_own_record() {
        for role in Role::ALL {
            assert_eq!(
                role.can(Permission::ViewOwnRecord),
                role == Role::Patient,
                "{role:?}"
            );
        }
    }

    #[test]
    fn only_administrators_manage_users_and_read_audit() {
        for role in Role::ALL {
            let admin = role == Role::Administrator;
            assert_eq!(role.can(Permission::ManageUsers), admin);
            assert_eq!(role.can(Permission::ViewAudit), admin);
        }
    }

    #[test]
    fn only_clinicians_read_charts_and_only_doctors_diagnose() {
        use Role::*;
        for role in Role::ALL {
            assert_eq!(
                role.can(Permission::ReadCharts),
                matches!(role, Doctor | Nurse | LabTechnician | Pharmacist),
                "{role:?}"
            );
            assert_eq!(
                role.can(Permission::DocumentCare),
                matches!(role, Doctor | Nurse)
            );
            assert_eq!(role.can(Permission::Diagnose), role == Doctor);
            assert_eq!(role.can(Permission::Prescribe), role == Doctor);
            assert_eq!(role.can(Permission::ManageDrugRules), role == Pharmacist);
            assert_eq!(role.can(Permission::Dispense), role == Pharmacist);
            assert_eq!(role.can(Permission::ManageStock), role == Pharmacist);
            // Nobody who reads charts manages demographics wholesale, and the reverse.
            assert!(
                !(role.can(Permission::ReadCharts) && role.can(Permission::ManageDemographics))
            );
        }
    }

    #[test]
    fn every_role_manages_its_own_account_and_lands_in_a_portal() {
        for role in Role::ALL {
            assert!(role.can(Permission::ManageOwnAccount));
        }
        assert_eq!(Role::Patient.portal(), Portal::Patient);
        assert_eq!(Role::Nurse.portal(), Portal::Clinic);
        assert_eq!(Role::Administrator.portal(), Portal::Admin);
    }
}
