//! Text folding for search, the same on SQLite and PostgreSQL and the same for
//! stored rows and for queries.
//!
//! A name has two search forms:
//!
//! - [`fold`]: lower-case ASCII words, the name transliterated to Latin
//!   (`deunicode`): "Müller" → "muller", "Мария" → "mariia", "王伟" → "wang
//!   wei". Latin-script queries are matched against this form, so "muller"
//!   finds "Müller" and "wang wei" finds "王伟".
//! - [`fold_native`]: the name in its own script, NFKC-normalised and
//!   case-folded (Unicode full case folding: "ß" → "ss", final "ς" → "σ"), in
//!   words. Queries in other scripts are matched against this form, so "王"
//!   or "мари" find "王伟" and "Мария" without also finding every homophone
//!   that transliterates alike, and duplicate detection compares it.
//!
//! Folding is the server's work: its crates and their tables (`deunicode`
//! alone is 476 KB) are not built into the browser's wasm, which keeps only
//! the character classes below.
//!
//! The crates behind both are pinned to exact versions (workspace
//! `Cargo.toml`): the migrations keep a frozen copy of these functions, and
//! different tables would fold stored rows and queries differently.

#[cfg(not(target_arch = "wasm32"))]
pub use folding::*;

#[cfg(not(target_arch = "wasm32"))]
mod folding {
    use caseless::Caseless;
    use unicode_normalization::char::is_combining_mark;
    use unicode_normalization::UnicodeNormalization;

    /// Folds `s` to lower-case ASCII: NFKC, then transliterated to ASCII
    /// (`deunicode`; characters it does not know become a space), lower-cased,
    /// and every character other than `[a-z0-9.]` becomes a space.
    pub fn fold(s: &str) -> String {
        let normalised: String = s.nfkc().collect();
        deunicode::deunicode_with_tofu(&normalised, " ")
            .chars()
            .map(|c| match c.to_ascii_lowercase() {
                c @ ('a'..='z' | '0'..='9' | '.') => c,
                _ => ' ',
            })
            .collect()
    }

    /// The folded words of a search query, without empty ones.
    pub fn query_words(s: &str) -> Vec<String> {
        fold(s).split_whitespace().map(str::to_string).collect()
    }

    /// A name as the ASCII search columns store it: its [`fold`]ed words joined
    /// by one space.
    pub fn fold_name(name: &str) -> String {
        query_words(name).join(" ")
    }

    /// The words of `s` in its own script: NFKC, Unicode full case folding, NFKC
    /// again (folding can leave a string unnormalised), and every character that
    /// is neither a letter, a digit nor a combining mark (Devanagari vowel signs
    /// and viramas, Hebrew points) becomes a word break.
    pub fn native_words(s: &str) -> Vec<String> {
        let folded: String = s.nfkc().default_case_fold().nfkc().collect();
        folded
            .split(|c: char| !(c.is_alphanumeric() || is_combining_mark(c)))
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// A name as the native search columns store it: its [`native_words`]
    /// joined by one space. Two spellings of a name that differ only in case or
    /// Unicode normalisation give the same string.
    pub fn fold_native(name: &str) -> String {
        native_words(name).join(" ")
    }
}

/// A letter of a script other than Latin (Cyrillic, Greek, Arabic, Hebrew,
/// Devanagari, Han, Hangul, …). Latin letters with diacritics (Polish,
/// Vietnamese, …) are Latin: the ASCII form serves them.
pub fn is_non_latin_letter(c: char) -> bool {
    let latin = matches!(
        c as u32,
        0..=0x24F            // ASCII, Latin-1, Latin Extended-A and -B
            | 0x250..=0x2AF  // IPA extensions
            | 0x1D00..=0x1DBF // phonetic extensions
            | 0x1E00..=0x1EFF // Latin Extended Additional (Vietnamese)
            | 0x2C60..=0x2C7F // Latin Extended-C
            | 0xA720..=0xA7FF // Latin Extended-D
            | 0xAB30..=0xAB6F // Latin Extended-E
            | 0xFF21..=0xFF3A // fullwidth Latin
            | 0xFF41..=0xFF5A
    );
    c.is_alphabetic() && !latin
}

/// A Chinese, Japanese or Korean character: a Han ideograph, a kana or a
/// Hangul syllable. One of them can be a whole name (王, 李).
pub fn is_cjk(c: char) -> bool {
    matches!(
        c as u32,
        0x3040..=0x30FF       // Hiragana, Katakana
            | 0x3400..=0x4DBF // CJK Extension A
            | 0x4E00..=0x9FFF // CJK Unified Ideographs
            | 0xAC00..=0xD7AF // Hangul syllables
            | 0xF900..=0xFAFF // CJK Compatibility Ideographs
            | 0x20000..=0x3134F // CJK Extensions B–G
    )
}

/// The first string after every string that starts with `prefix`, in the
/// byte order of UTF-8 (SQLite's BINARY, PostgreSQL's `COLLATE "C"`): the
/// prefix with its last character raised by one. Strings `s` with `prefix <=
/// s < prefix_end(prefix)` are exactly those starting with `prefix`.
pub fn prefix_end(prefix: &str) -> String {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = (last as u32 + 1..=0x10FFFF).find_map(char::from_u32);
        if let Some(next) = next {
            chars.push(next);
            return chars.into_iter().collect();
        }
    }
    // Only U+10FFFF…: nothing sorts after; no name folds to that.
    char::MAX.to_string().repeat(prefix.chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_accents_case_and_punctuation() {
        assert_eq!(fold("Müller"), "muller");
        assert_eq!(
            fold("Sézary disease, unspecified"),
            "sezary disease  unspecified"
        );
        assert_eq!(fold("Gerstmann-Sträussler"), "gerstmann straussler");
        assert_eq!(fold("E11.9"), "e11.9");
        assert_eq!(
            query_words("  Type-2  DIABÈTES "),
            vec!["type", "2", "diabetes"]
        );
    }

    /// The ASCII form of names in many scripts: (name, ASCII, native).
    #[test]
    fn names_fold_in_every_script() {
        for (name, ascii, native) in [
            ("محمد الأحمد", "mhmd l hmd", "محمد الأحمد"),
            ("王伟", "wang wei", "王伟"),
            ("Мария Иванова", "mariia ivanova", "мария иванова"),
            ("मोहन शर्मा", "mohn shrmaa", "मोहन शर्मा"),
            (
                "Γιώργος Παπαδόπουλος",
                "giorgos papadopoulos",
                "γιώργοσ παπαδόπουλοσ",
            ),
            ("דוד כהן", "dvd khn", "דוד כהן"),
            ("김민준", "gimminjun", "김민준"),
            ("Łukasz Żółć", "lukasz zolc", "łukasz żółć"),
            ("Đặng Văn Lâm", "dang van lam", "đặng văn lâm"),
            (
                "Müller-Lüdenscheidt",
                "muller ludenscheidt",
                "müller lüdenscheidt",
            ),
            (
                "Ñandú Çağrı Øre Straße",
                "nandu cagri ore strasse",
                "ñandú çağrı øre strasse",
            ),
        ] {
            assert_eq!(fold_name(name), ascii, "{name}");
            assert_eq!(fold_native(name), native, "{name}");
        }
    }

    /// Case and normalisation do not change the native form: composed and
    /// decomposed accents, compatibility characters, Greek final sigma.
    #[test]
    fn native_form_ignores_case_and_normalisation() {
        let decomposed = "Z\u{307}o\u{301}ł\u{107}";
        assert_eq!(fold_native(decomposed), fold_native("ŻÓŁĆ"));
        assert_eq!(fold_native("ΟΔΥΣΣΕΥΣ"), fold_native("Οδυσσευς"));
        assert_eq!(fold_native("ＭＡＲＩＡ"), "maria");
        assert_eq!(fold_native("МАРИЯ"), fold_native("мария"));
        assert_eq!(fold_native("Đặng"), fold_native("Đa\u{306}\u{323}ng"));
        // Devanagari keeps its vowel signs and viramas.
        assert_eq!(native_words("शर्मा"), vec!["शर्मा"]);
    }

    #[test]
    fn scripts_are_told_apart() {
        for c in ['a', 'Ż', 'ặ', 'ß', 'ı'] {
            assert!(!is_non_latin_letter(c), "{c}");
        }
        for c in ['М', 'م', 'ו', 'म', 'Γ', '王', '김'] {
            assert!(is_non_latin_letter(c), "{c}");
        }
        assert!(!is_non_latin_letter('-') && !is_non_latin_letter('1'));
        assert!(is_cjk('王') && is_cjk('김') && is_cjk('た') && !is_cjk('м'));
    }

    #[test]
    fn prefix_ranges_hold_exactly_the_prefixed_strings() {
        assert_eq!(prefix_end("mul"), "mum");
        assert_eq!(prefix_end("王"), "玌");
        for prefix in ["mul", "мари", "王", "\u{D7FF}"] {
            let end = prefix_end(prefix);
            for s in [
                prefix.to_string(),
                format!("{prefix}a"),
                format!("{prefix}\u{10FFFF}"),
                format!("{prefix}伟"),
            ] {
                assert!(prefix <= s.as_str() && s < end, "{s}");
            }
            assert!(end.as_str() > prefix);
        }
    }
}
