//! Text folding for search: lower-case ASCII words, so "Müller" finds "muller"
//! and "MULLER", the same on SQLite and PostgreSQL.

/// Folds `s` to lower-case ASCII; accented Latin letters lose their accents,
/// and punctuation other than `.` becomes a space.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => out.push('a'),
            'ç' | 'č' | 'ć' | 'ĉ' => out.push('c'),
            'ď' | 'đ' => out.push('d'),
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => out.push('e'),
            'ğ' => out.push('g'),
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' => out.push('i'),
            'ł' | 'ľ' => out.push('l'),
            'ñ' | 'ń' | 'ň' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => out.push('o'),
            'ř' => out.push('r'),
            'ś' | 'š' | 'ş' => out.push('s'),
            'ť' | 'ţ' => out.push('t'),
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            'ź' | 'ż' | 'ž' => out.push('z'),
            'ß' => out.push_str("ss"),
            'æ' => out.push_str("ae"),
            'œ' => out.push_str("oe"),
            c if c.is_ascii_alphanumeric() || c == '.' => out.push(c),
            _ => out.push(' '),
        }
    }
    out
}

/// The folded words of a search query, without empty ones.
pub fn query_words(s: &str) -> Vec<String> {
    fold(s).split_whitespace().map(str::to_string).collect()
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
}
