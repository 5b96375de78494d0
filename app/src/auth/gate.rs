//! Who may call each server function, declared next to the function and
//! enforced before its arguments are read.
//!
//! Every `#[server]` function is followed by an [`access!`](crate::access)
//! line naming the permissions that may reach it. The server's request gate
//! (`server/src/http.rs`) looks the path up here before the arguments are
//! decoded: nobody signed in gets 401, a role that holds none of the listed
//! permissions gets 403 (audited), and a function that declares nothing is
//! refused outright, so a new module cannot forget its rule and still work.
//! The function's own guard still runs: it decides the finer, per-record
//! rules (own appointment, patients in one's care). A declaration ending in
//! `reauth` makes the gate ask for the password again (403
//! `ReauthRequired`) unless the user gave it within the last minutes.
//!
//! The guard tests (`server/tests/guards.rs`) read the registered server
//! functions and these declarations, never a hand-written list.

use std::collections::HashMap;
use std::sync::OnceLock;

use shared::{Permission, Role};

/// Who may call a server function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (signing in, registering, "who am I").
    Public,
    /// Any signed-in user (reference lists every portal shows).
    SignedIn,
    /// A signed-in user whose role grants at least one of these.
    AnyOf(&'static [Permission]),
}

impl Access {
    /// Whether `role` passes this declaration (before any per-record rule).
    pub fn allows(self, role: Role) -> bool {
        match self {
            Access::Public | Access::SignedIn => true,
            Access::AnyOf(permissions) => permissions.iter().any(|p| role.can(*p)),
        }
    }
}

/// One declaration, collected at link time from wherever it is written.
pub struct Declared {
    /// The server function's URL path, `/api/` and its endpoint.
    pub path: &'static str,
    pub access: Access,
    /// Reads or writes a patient's data, so a successful call leaves an
    /// audit event naming the patient.
    pub patient_data: bool,
    /// A sensitive action: the gate lets it through only when the session
    /// proved its user (password, and code when enrolled) within the
    /// policy's grace, and answers 403 `ReauthRequired` otherwise.
    pub reauth: bool,
}

inventory::collect!(Declared);

/// Every declaration, by path. Two declarations of one path are a
/// programming error, reported by the guard tests.
pub fn declarations() -> &'static HashMap<&'static str, Access> {
    static MAP: OnceLock<HashMap<&'static str, Access>> = OnceLock::new();
    MAP.get_or_init(|| {
        inventory::iter::<Declared>
            .into_iter()
            .map(|d| (d.path, d.access))
            .collect()
    })
}

/// The paths of the server functions declared to read or write patient data.
pub fn patient_data_functions() -> Vec<&'static str> {
    let mut paths: Vec<_> = inventory::iter::<Declared>
        .into_iter()
        .filter(|d| d.patient_data)
        .map(|d| d.path)
        .collect();
    paths.sort_unstable();
    paths
}

/// The paths of the server functions that ask for the password again.
pub fn reauth_functions() -> Vec<&'static str> {
    let mut paths: Vec<_> = inventory::iter::<Declared>
        .into_iter()
        .filter(|d| d.reauth)
        .map(|d| d.path)
        .collect();
    paths.sort_unstable();
    paths
}

/// Whether the server function at `path` asks for the password again.
pub fn needs_reauth(path: &str) -> bool {
    static SET: OnceLock<std::collections::HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| reauth_functions().into_iter().collect())
        .contains(path)
}

/// Paths declared more than once (should be none).
pub fn duplicate_declarations() -> Vec<&'static str> {
    let mut seen = std::collections::HashSet::new();
    inventory::iter::<Declared>
        .into_iter()
        .filter(|d| !seen.insert(d.path))
        .map(|d| d.path)
        .collect()
}

/// The declared access of the server function at `path`, if any.
pub fn declared(path: &str) -> Option<Access> {
    declarations().get(path).copied()
}

/// The paths of every registered server function (what the router serves).
pub fn server_functions() -> Vec<&'static str> {
    let mut paths: Vec<&'static str> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path)
        .collect();
    paths.sort_unstable();
    paths.dedup();
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_of_needs_one_permission() {
        let book = Access::AnyOf(&[
            Permission::BookOwnAppointments,
            Permission::BookAppointments,
        ]);
        assert!(book.allows(Role::Patient));
        assert!(book.allows(Role::Receptionist));
        assert!(!book.allows(Role::Nurse));
        assert!(Access::SignedIn.allows(Role::LabTechnician));
    }
}
