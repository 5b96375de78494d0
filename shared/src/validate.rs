//! Parse, don't validate: each type here has a private field and `parse` as its
//! only constructor, so a value that exists is a value that passed the rules.
//! Error strings are whole sentences, shown next to the field.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Shortest password accepted. Long passphrases beat complexity rules (NIST SP 800-63B).
pub const PASSWORD_MIN_LEN: usize = 10;
/// Longest password accepted; argon2 would take any length, this bounds the work.
pub const PASSWORD_MAX_LEN: usize = 128;

const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// A normalised (trimmed, lower-case) e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Email, String> {
        let s = input.trim().to_lowercase();
        if s.is_empty() {
            return Err("Enter an e-mail address.".into());
        }
        if s.len() > 254 {
            return Err("An e-mail address can be at most 254 characters.".into());
        }
        let Some((local, domain)) = s.split_once('@') else {
            return Err("Enter an e-mail address like name@example.org.".into());
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local
                .chars()
                .any(|c| c.is_whitespace() || c == '@' || c == '<' || c == '>');
        if !domain_ok || !local_ok {
            return Err("Enter an e-mail address like name@example.org.".into());
        }
        Ok(Email(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A password that meets the policy. Never logged, never serialised.
#[derive(Clone)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(****)")
    }
}

impl Password {
    /// Checks a new password against the policy: length, not a commonly used
    /// password, not just the e-mail address, not a single repeated character.
    pub fn parse_new(input: &str, email: Option<&str>) -> Result<Password, String> {
        let len = input.chars().count();
        if len == 0 {
            return Err("Enter a password.".into());
        }
        if len < PASSWORD_MIN_LEN {
            return Err(format!(
                "Use at least {PASSWORD_MIN_LEN} characters; a short phrase of several words is easy to remember."
            ));
        }
        if len > PASSWORD_MAX_LEN {
            return Err(format!("Use at most {PASSWORD_MAX_LEN} characters."));
        }
        let lower = input.to_lowercase();
        if is_common_password(&lower) {
            return Err("This password is too common and easy to guess. Choose another.".into());
        }
        let mut chars = lower.chars();
        let first = chars.next();
        if chars.all(|c| Some(c) == first) {
            return Err(
                "A password of one repeated character is easy to guess. Choose another.".into(),
            );
        }
        if let Some(email) = email {
            let email = email.trim().to_lowercase();
            let local = email.split('@').next().unwrap_or_default();
            if !email.is_empty() && (lower == email || (local.len() >= 4 && lower.contains(local)))
            {
                return Err("Your password must not contain your e-mail address.".into());
            }
        }
        Ok(Password(input.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

fn is_common_password(lower: &str) -> bool {
    // Also catch the common ones with a digit or symbol tacked on: "password123!".
    let stripped = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    COMMON_PASSWORDS
        .lines()
        .any(|common| common == lower || (!stripped.is_empty() && common == stripped))
}

/// A person's name part (given, family, preferred): trimmed, 1–100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(input: &str, what: &str) -> Result<PersonName, String> {
        let s = input.split_whitespace().collect::<Vec<_>>().join(" ");
        if s.is_empty() {
            return Err(format!("Enter the {what}."));
        }
        if s.chars().count() > 100 {
            return Err(format!("The {what} can be at most 100 characters."));
        }
        if s.chars()
            .any(|c| c.is_control() || "<>{}[]\\|@#$%^*=+_~`;:\"".contains(c))
        {
            return Err(format!(
                "The {what} contains characters that are not allowed in a name."
            ));
        }
        if !s.chars().any(char::is_alphabetic) {
            return Err(format!("The {what} must contain letters."));
        }
        Ok(PersonName(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A phone number kept as typed digits with an optional leading `+`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Result<Phone, String> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err("Enter a phone number.".into());
        }
        if trimmed
            .chars()
            .any(|c| !(c.is_ascii_digit() || " +-().".contains(c)))
        {
            return Err("A phone number may contain digits, spaces, +, -, ( and ) only.".into());
        }
        let plus = trimmed.starts_with('+');
        let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
        if !(7..=15).contains(&digits.len()) {
            return Err("A phone number has between 7 and 15 digits.".into());
        }
        Ok(Phone(if plus { format!("+{digits}") } else { digits }))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A national identifier (social security, national insurance, Aadhaar,
/// Emirates ID, …) in one canonical form: letters and digits only, Latin
/// capitals and ASCII digits. The separators people type (spaces, `-`,
/// `.`, `/`) are dropped, and digits and letters typed in another form are
/// read as what they are: full-width (`１２３`), Arabic-Indic (`١٢٣`),
/// Persian (`۱۲۳`), Devanagari (`१२३`) and Bengali digits. So the same
/// number typed two ways is one value, which is what the server's keyed
/// hash (the blind index the search and the duplicate check look it up by)
/// needs. No Unicode tables: this also runs in the browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NationalId(String);

impl NationalId {
    pub const MIN_LEN: usize = 4;
    pub const MAX_LEN: usize = 32;

    pub fn parse(input: &str) -> Result<NationalId, String> {
        let mut canonical = String::new();
        for c in input.trim().chars() {
            if c.is_whitespace() || "-./".contains(c) {
                continue;
            }
            match canonical_char(c) {
                Some(c) => canonical.push(c),
                None => {
                    return Err(format!(
                        "“{c}” cannot be part of a national identifier: use its letters and digits                          (spaces, -, . and / may separate them)."
                    ))
                }
            }
        }
        let len = canonical.chars().count();
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&len) {
            return Err(format!(
                "A national identifier has {} to {} letters and digits.",
                Self::MIN_LEN,
                Self::MAX_LEN
            ));
        }
        if !canonical.chars().any(|c| c.is_ascii_digit()) {
            return Err("A national identifier has at least one digit.".into());
        }
        Ok(NationalId(canonical))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// `c` as a Latin capital or an ASCII digit, if it is a letter of the
/// basic Latin alphabet or a decimal digit of a script above.
pub(crate) fn canonical_char(c: char) -> Option<char> {
    const ZEROS: [u32; 5] = [0xFF10, 0x0660, 0x06F0, 0x0966, 0x09E6];
    if c.is_ascii_alphanumeric() {
        return Some(c.to_ascii_uppercase());
    }
    let code = c as u32;
    if let Some(zero) = ZEROS.iter().find(|z| (**z..**z + 10).contains(&code)) {
        return char::from_digit(code - zero, 10);
    }
    // Full-width Latin capitals and small letters.
    match code {
        0xFF21..=0xFF3A => char::from_u32('A' as u32 + code - 0xFF21),
        0xFF41..=0xFF5A => char::from_u32('A' as u32 + code - 0xFF41),
        _ => None,
    }
}

/// Parses an optional field: empty input is `Ok(None)`.
pub fn optional<T>(
    input: &str,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<Option<T>, String> {
    if input.trim().is_empty() {
        Ok(None)
    } else {
        parse(input).map(Some)
    }
}

/// A date of birth: ISO `YYYY-MM-DD`, not in the future, not more than 130 years ago.
pub fn parse_birth_date(input: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let s = input.trim();
    if s.is_empty() {
        return Err("Enter the date of birth.".into());
    }
    let date = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| "Enter the date of birth as YYYY-MM-DD, e.g. 1984-03-27.".to_string())?;
    if date > today {
        return Err("The date of birth cannot be in the future.".into());
    }
    if today.years_since(date).unwrap_or(0) > 130 {
        return Err("The date of birth is more than 130 years ago; check the year.".into());
    }
    Ok(date)
}

/// Free text with a length limit; trimmed, may be empty.
pub fn bounded_text(input: &str, max: usize, what: &str) -> Result<String, String> {
    let s = input.trim();
    if s.chars().count() > max {
        return Err(format!("The {what} can be at most {max} characters."));
    }
    Ok(s.to_string())
}

/// [`bounded_text`] that must not be empty: `missing` says what to write.
pub fn required_text(input: &str, max: usize, what: &str, missing: &str) -> Result<String, String> {
    let s = bounded_text(input, max, what)?;
    if s.is_empty() {
        return Err(missing.to_string());
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Ada@Example.ORG ").unwrap().as_str(),
            "ada@example.org"
        );
        assert!(Email::parse("").unwrap_err().contains("Enter an e-mail"));
        for bad in [
            "ada",
            "ada@",
            "@example.org",
            "ada@example",
            "ada@@example.org",
            "a da@example.org",
            "ada@exa..mple.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn password_policy_rejects_short_common_and_email() {
        assert!(Password::parse_new("short", None)
            .unwrap_err()
            .contains("at least 10"));
        assert!(Password::parse_new("password123", None)
            .unwrap_err()
            .contains("too common"));
        assert!(Password::parse_new("Password2026!", None)
            .unwrap_err()
            .contains("too common"));
        assert!(Password::parse_new("qwertyuiop", None)
            .unwrap_err()
            .contains("too common"));
        assert!(Password::parse_new("aaaaaaaaaaaa", None)
            .unwrap_err()
            .contains("repeated"));
        assert!(
            Password::parse_new("grace.hopper.1906", Some("grace.hopper@example.org"))
                .unwrap_err()
                .contains("e-mail")
        );
        assert!(Password::parse_new(&"x1".repeat(70), None)
            .unwrap_err()
            .contains("at most"));
        assert!(
            Password::parse_new("correct horse battery staple", Some("ada@example.org")).is_ok()
        );
    }

    #[test]
    fn password_debug_hides_the_secret() {
        let p = Password::parse_new("correct horse battery staple", None).unwrap();
        assert!(!format!("{p:?}").contains("horse"));
    }

    #[test]
    fn names_are_trimmed_and_checked() {
        assert_eq!(
            PersonName::parse("  Müller   Lüdenscheidt ", "family name")
                .unwrap()
                .as_str(),
            "Müller Lüdenscheidt"
        );
        assert!(PersonName::parse(" ", "given name")
            .unwrap_err()
            .contains("Enter the given name"));
        assert!(PersonName::parse("<script>", "given name").is_err());
        assert!(PersonName::parse("1234", "given name")
            .unwrap_err()
            .contains("letters"));
        assert!(PersonName::parse("O'Brien-Smith", "family name").is_ok());
    }

    #[test]
    fn phone_keeps_digits_and_plus() {
        assert_eq!(
            Phone::parse("+1 (555) 010-2030").unwrap().as_str(),
            "+15550102030"
        );
        assert!(Phone::parse("12345").is_err());
        assert!(Phone::parse("call me").is_err());
    }

    #[test]
    fn birth_date_rules() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        assert_eq!(
            parse_birth_date("1984-03-27", today).unwrap(),
            NaiveDate::from_ymd_opt(1984, 3, 27).unwrap()
        );
        assert!(parse_birth_date("27/03/1984", today)
            .unwrap_err()
            .contains("YYYY-MM-DD"));
        assert!(parse_birth_date("2027-01-01", today)
            .unwrap_err()
            .contains("future"));
        assert!(parse_birth_date("1850-01-01", today)
            .unwrap_err()
            .contains("130"));
    }

    #[test]
    fn optional_accepts_empty() {
        assert_eq!(optional("  ", Phone::parse).unwrap(), None);
        assert!(optional("abc", Phone::parse).is_err());
    }

    #[test]
    fn national_identifiers_have_one_form_however_typed() {
        let canonical = |s: &str| NationalId::parse(s).map(NationalId::into_inner);
        assert_eq!(canonical("123-45-6789"), Ok("123456789".into()));
        assert_eq!(canonical(" ab 12 34 56 c "), Ok("AB123456C".into()));
        assert_eq!(
            canonical("784.1987/1234567.1"),
            Ok("784198712345671".into())
        );
        // The same number on a full-width, an Arabic and a Devanagari keyboard.
        assert_eq!(canonical("１２３-４５-６７８９"), Ok("123456789".into()));
        assert_eq!(canonical("١٢٣-٤٥-٦٧٨٩"), Ok("123456789".into()));
        assert_eq!(canonical("۱۲۳۴۵۶۷۸۹"), Ok("123456789".into()));
        assert_eq!(canonical("१२३४ ५६७८ ९०१२"), Ok("123456789012".into()));
        assert_eq!(canonical("ａｂ１２３"), Ok("AB123".into()));
    }

    #[test]
    fn national_identifiers_out_of_shape_are_refused_with_a_reason() {
        assert!(NationalId::parse("12").unwrap_err().contains("4 to 32"));
        assert!(NationalId::parse(&"1".repeat(33))
            .unwrap_err()
            .contains("4 to 32"));
        assert!(NationalId::parse("ABCDEF").unwrap_err().contains("digit"));
        assert!(NationalId::parse("123#456").unwrap_err().contains("“#”"));
        assert!(NationalId::parse("Мария123").unwrap_err().contains("“М”"));
    }
}
