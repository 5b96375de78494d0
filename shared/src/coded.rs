//! The one way to declare a status or a kind: a Rust enum whose variants are
//! stored and sent as short, stable codes (`"checked_in"`), with a label for
//! people and the message a form shows when nothing was chosen.
//!
//! With the `db` feature (the server), the same enum is a SeaORM column type:
//! an entity field declared as `pub status: AppointmentStatus` reads and
//! writes the code, and a code the enum does not know is an error, never a
//! silent default. Every such column also has a database check on its codes
//! (see `migrations::m20261203_000015_coded_columns`), so that no other writer
//! can store one the code does not know.
//!
//! Codes are part of the stored data: renaming one needs a migration.

/// A stored code that no variant has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCode {
    pub kind: &'static str,
    pub code: String,
}

impl std::fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown {} code {:?}", self.kind, self.code)
    }
}

impl std::error::Error for UnknownCode {}

/// What every coded enum offers generically (the database columns use it).
pub trait Coded: Sized + Copy + 'static {
    /// The stored code.
    fn code(&self) -> &'static str;
    /// The variant of a stored code.
    fn from_code(s: &str) -> Result<Self, UnknownCode>;
    /// Every code, in declaration order.
    fn codes() -> Vec<&'static str>;
}

/// Declares a coded enum:
///
/// ```ignore
/// coded! {
///     /// Where an appointment stands.
///     AppointmentStatus {
///         Booked = "booked", "Booked";
///         CheckedIn = "checked_in", "Checked in";
///     } "Choose the status."
/// }
/// ```
///
/// The trailing text is what a form says when nothing was chosen.
#[macro_export]
macro_rules! coded {
    ($(#[$meta:meta])* $name:ident {
        $($(#[$vmeta:meta])* $variant:ident = $code:literal, $label:literal;)+
    } $empty:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "db", derive(sea_orm::DeriveValueType))]
        #[cfg_attr(feature = "db", sea_orm(
            value_type = "String",
            from_str = "crate::coded::Coded::from_code",
            to_str = "crate::coded::Coded::code"
        ))]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $code)] $variant),+
        }

        impl $name {
            /// Every variant, in the order a list offers them.
            pub const ALL: [$name; [$($code),+].len()] = [$($name::$variant),+];

            /// The stored and transmitted code.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// How people read it.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// A form's choice, with the message a form shows.
            pub fn parse(s: &str) -> Result<$name, String> {
                if s.trim().is_empty() {
                    return Err($empty.to_string());
                }
                Self::from_code(s.trim()).map_err(|_| "Choose one of the listed options.".to_string())
            }

            /// A stored code.
            pub fn from_code(s: &str) -> Result<$name, $crate::coded::UnknownCode> {
                match s {
                    $($code => Ok($name::$variant),)+
                    _ => Err($crate::coded::UnknownCode { kind: stringify!($name), code: s.to_string() }),
                }
            }

            /// (value, label) pairs for a drop-down list.
            pub fn options() -> Vec<(String, String)> {
                Self::ALL
                    .iter()
                    .map(|v| (v.as_str().to_string(), v.label().to_string()))
                    .collect()
            }
        }

        impl $crate::coded::Coded for $name {
            fn code(&self) -> &'static str {
                self.as_str()
            }
            fn from_code(s: &str) -> Result<$name, $crate::coded::UnknownCode> {
                $name::from_code(s)
            }
            fn codes() -> Vec<&'static str> {
                vec![$($code),+]
            }
        }
    };
}
