//! Fonts, shaping, bidirectional ordering and word wrapping for [`super`].
//!
//! # Fonts
//!
//! Every font is a Noto family under the SIL Open Font License
//! (`app/fonts/OFL.txt`). Text is set in a *fallback chain*: each character
//! goes to the first font of the chain that has a glyph for it, so one line
//! can mix scripts (a Latin label beside an Arabic name):
//!
//! 1. Noto Sans (Latin, Greek, Cyrillic, and the punctuation we print),
//! 2. Noto Sans Arabic, 3. Noto Sans Hebrew, 4. Noto Sans Devanagari —
//!    these four (regular and bold, about 2 MB) are compiled into the binary
//!    with `include_bytes!`, so a record in those scripts prints on any
//!    machine, with no installation step that could be forgotten;
//! 5. Noto Sans CJK SC (Chinese, Japanese, Korean), read on first use from
//!    `$HMS_CJK_FONT_DIR` (default [`DEFAULT_CJK_FONT_DIR`], where Debian's
//!    `fonts-noto-cjk` puts it). It is 20 MB per weight — ten times all the
//!    others together — so it is not committed to the repository or baked into
//!    the binary; a server that never prints CJK never reads it. Without it,
//!    CJK characters print as the empty-box glyph and a warning is logged once.
//!
//! Characters that belong to no script (spaces, digits, punctuation, joiners,
//! combining marks) stay in the font of the character before them when that
//! font has them, so a cluster or a word is not torn between fonts.
//!
//! # Shaping and direction
//!
//! A line is split into runs of one direction with the Unicode bidirectional
//! algorithm (`unicode-bidi`), in visual order; each run is split by font and
//! shaped with rustybuzz (a port of HarfBuzz), which joins Arabic letters,
//! forms Devanagari conjuncts and applies kerning. Right-to-left runs are
//! shaped right to left. The glyphs keep their source text, so krilla writes
//! a `ToUnicode` map and readers (copy and paste, `pdftotext`) get the text.
//!
//! All widths here are in *em* (multiples of the font size), as shaping does
//! not depend on the size.

use std::sync::{LazyLock, OnceLock};

use krilla::text::{Font, GlyphId, KrillaGlyph};
use rustybuzz::{Direction, UnicodeBuffer};
use unicode_bidi::BidiInfo;
use unicode_segmentation::UnicodeSegmentation;

/// Where Debian's `fonts-noto-cjk` installs Noto Sans CJK.
pub const DEFAULT_CJK_FONT_DIR: &str = "/usr/share/fonts/opentype/noto";
/// The environment variable that overrides [`DEFAULT_CJK_FONT_DIR`].
pub const CJK_FONT_DIR_VAR: &str = "HMS_CJK_FONT_DIR";
/// The face in the `NotoSansCJK-*.ttc` collections used: 0 JP, 1 KR, 2 SC,
/// 3 TC, 4 HK. All cover the same characters; SC has the Simplified Chinese
/// glyph forms.
const CJK_FACE_INDEX: u32 = 2;

/// Regular or bold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

/// A font ready for shaping (rustybuzz) and for embedding (krilla).
pub struct LoadedFont {
    pub name: &'static str,
    face: rustybuzz::Face<'static>,
    pub font: Font,
}

impl LoadedFont {
    fn new(name: &'static str, data: &'static [u8], index: u32) -> Option<Self> {
        Some(Self {
            name,
            face: rustybuzz::Face::from_slice(data, index)?,
            font: Font::new(data.into(), index)?,
        })
    }

    fn has(&self, c: char) -> bool {
        self.face.glyph_index(c).is_some()
    }
}

impl std::fmt::Debug for LoadedFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

macro_rules! embedded {
    ($name:literal) => {
        LoadedFont::new(
            $name,
            include_bytes!(concat!("../../fonts/", $name, ".ttf")),
            0,
        )
        .expect(concat!("the embedded font ", $name, " parses"))
    };
}

/// The embedded part of each chain, in fallback order.
static REGULAR: LazyLock<[LoadedFont; 4]> = LazyLock::new(|| {
    [
        embedded!("NotoSans-Regular"),
        embedded!("NotoSansArabic-Regular"),
        embedded!("NotoSansHebrew-Regular"),
        embedded!("NotoSansDevanagari-Regular"),
    ]
});
static BOLD: LazyLock<[LoadedFont; 4]> = LazyLock::new(|| {
    [
        embedded!("NotoSans-Bold"),
        embedded!("NotoSansArabic-Bold"),
        embedded!("NotoSansHebrew-Bold"),
        embedded!("NotoSansDevanagari-Bold"),
    ]
});
static CJK_REGULAR: OnceLock<Option<LoadedFont>> = OnceLock::new();
static CJK_BOLD: OnceLock<Option<LoadedFont>> = OnceLock::new();

/// Reads a CJK collection from the font directory, once per process. The
/// bytes live as long as the process (they back every later document).
fn load_cjk(file: &'static str) -> Option<LoadedFont> {
    let dir = std::env::var_os(CJK_FONT_DIR_VAR)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| DEFAULT_CJK_FONT_DIR.into());
    let path = dir.join(file);
    match std::fs::read(&path) {
        Ok(bytes) => {
            let data: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            let loaded = LoadedFont::new(file, data, CJK_FACE_INDEX);
            if loaded.is_none() {
                tracing::warn!(path = %path.display(), "not a usable CJK font collection; CJK text prints as boxes");
            }
            loaded
        }
        Err(e) => {
            tracing::warn!(
                path = %path.display(),
                error = %e,
                "no CJK font (install fonts-noto-cjk or set {CJK_FONT_DIR_VAR}); CJK text prints as boxes"
            );
            None
        }
    }
}

/// The CJK font of `weight` (the regular one if there is no bold).
fn cjk(weight: Weight) -> Option<&'static LoadedFont> {
    let regular = || {
        CJK_REGULAR
            .get_or_init(|| load_cjk("NotoSansCJK-Regular.ttc"))
            .as_ref()
    };
    match weight {
        Weight::Regular => regular(),
        Weight::Bold => CJK_BOLD
            .get_or_init(|| load_cjk("NotoSansCJK-Bold.ttc"))
            .as_ref()
            .or_else(regular),
    }
}

fn embedded_chain(weight: Weight) -> &'static [LoadedFont; 4] {
    match weight {
        Weight::Regular => &REGULAR,
        Weight::Bold => &BOLD,
    }
}

/// The first font of `weight`'s chain with a glyph for `c`; the primary font
/// (whose `.notdef` box then stands for it) if none has one.
fn font_for(c: char, weight: Weight) -> &'static LoadedFont {
    let chain = embedded_chain(weight);
    if let Some(font) = chain.iter().find(|f| f.has(c)) {
        return font;
    }
    if !c.is_whitespace() && !c.is_control() {
        if let Some(font) = cjk(weight).filter(|f| f.has(c)) {
            return font;
        }
    }
    &chain[0]
}

/// Splits `text` (of one direction) into maximal runs of one font, as byte
/// ranges with their font, in logical order.
fn font_runs(text: &str, weight: Weight) -> Vec<(std::ops::Range<usize>, &'static LoadedFont)> {
    let mut runs: Vec<(std::ops::Range<usize>, &'static LoadedFont)> = Vec::new();
    for (i, c) in text.char_indices() {
        let end = i + c.len_utf8();
        if let Some((range, font)) = runs.last_mut() {
            // Script-neutral characters stay with the font before them.
            let same = if c.is_alphabetic() {
                std::ptr::eq(font_for(c, weight), *font)
            } else {
                font.has(c)
            };
            if same {
                range.end = end;
                continue;
            }
        }
        runs.push((i..end, font_for(c, weight)));
    }
    runs
}

/// Glyphs of one font, shaped, in visual order, with the text they came from.
#[derive(Clone, Debug)]
pub struct Run {
    pub font: &'static LoadedFont,
    pub text: String,
    pub glyphs: Vec<KrillaGlyph>,
    /// Advance of the run, in em.
    pub width: f32,
}

/// A line of text, shaped and in visual order (left to right on the page).
#[derive(Clone, Debug, Default)]
pub struct Line {
    /// The text as given (logical order).
    pub text: String,
    pub runs: Vec<Run>,
    /// Advance of the line, in em.
    pub width: f32,
}

/// Shapes `text` with one font in one direction.
fn shape_run(text: &str, font: &'static LoadedFont, rtl: bool) -> Run {
    let mut buffer = UnicodeBuffer::new();
    buffer.push_str(text);
    buffer.guess_segment_properties();
    buffer.set_direction(if rtl {
        Direction::RightToLeft
    } else {
        Direction::LeftToRight
    });
    let output = rustybuzz::shape(&font.face, &[], buffer);
    let upem = font.face.units_per_em() as f32;
    let infos = output.glyph_infos();
    let positions = output.glyph_positions();
    let mut glyphs = Vec::with_capacity(infos.len());
    let mut width = 0.0;
    for (i, (info, pos)) in infos.iter().zip(positions).enumerate() {
        let start = info.cluster as usize;
        // A cluster ends where the next cluster in logical order starts. In
        // a left-to-right run that is the next different cluster after this
        // glyph; right to left, the one before it.
        let next = if rtl {
            infos[..i]
                .iter()
                .rev()
                .find(|other| other.cluster != info.cluster)
        } else {
            infos[i + 1..]
                .iter()
                .find(|other| other.cluster != info.cluster)
        };
        let end = next.map_or(text.len(), |other| other.cluster as usize);
        let advance = pos.x_advance as f32 / upem;
        width += advance;
        glyphs.push(KrillaGlyph::new(
            GlyphId::new(info.glyph_id),
            advance,
            pos.x_offset as f32 / upem,
            pos.y_offset as f32 / upem,
            pos.y_advance as f32 / upem,
            start..end.max(start),
            None,
        ));
    }
    Run {
        font,
        text: text.to_string(),
        glyphs,
        width,
    }
}

/// Control characters (tabs, stray line or paragraph separators) print as
/// spaces: a [`Line`] is one line.
fn clean(text: &str) -> std::borrow::Cow<'_, str> {
    if text
        .chars()
        .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
    {
        text.chars()
            .map(|c| {
                if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                    ' '
                } else {
                    c
                }
            })
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

/// Shapes one line: bidi runs in visual order, each split by font.
pub fn shape_line(text: &str, weight: Weight) -> Line {
    let text = clean(text);
    let mut line = Line {
        text: text.to_string(),
        ..Line::default()
    };
    if text.is_empty() {
        return line;
    }
    let bidi = BidiInfo::new(&text, None);
    for para in &bidi.paragraphs {
        let (levels, runs) = bidi.visual_runs(para, para.range.clone());
        for range in runs {
            let rtl = levels[range.start].is_rtl();
            let mut pieces = font_runs(&text[range.clone()], weight);
            if rtl {
                pieces.reverse();
            }
            for (piece, font) in pieces {
                let run = shape_run(
                    &text[range.start + piece.start..range.start + piece.end],
                    font,
                    rtl,
                );
                line.width += run.width;
                line.runs.push(run);
            }
        }
    }
    line
}

/// Width of `text` set on one line, in em.
pub fn width(text: &str, weight: Weight) -> f32 {
    shape_line(text, weight).width
}

/// Whether a line may break before or after `c` without a space: the
/// ideographs and kana of Chinese and Japanese, which are written without
/// spaces between words.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FFF   // radicals
        | 0x3040..=0x30FF // hiragana, katakana
        | 0x3400..=0x4DBF // extension A
        | 0x4E00..=0x9FFF // unified ideographs
        | 0xF900..=0xFAFF // compatibility ideographs
        | 0x20000..=0x3FFFF)
}

/// CJK punctuation that must not start a line (a simple kinsoku rule).
fn is_closing(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x303F | 0xFF00..=0xFFEF) || ",.;:!?)]}»”’".contains(c)
}

/// Whitespace a line may break at (not the no-break spaces).
fn is_break_space(c: char) -> bool {
    c.is_whitespace() && !matches!(c, '\u{a0}' | '\u{2007}' | '\u{202f}')
}

/// The pieces of a paragraph between which a line may break, each with
/// whether a space separates it from the piece before.
fn break_units(segment: &str) -> Vec<(&str, bool)> {
    let mut units = Vec::new();
    for word in segment.split(is_break_space).filter(|w| !w.is_empty()) {
        let mut first = true;
        let mut start = 0;
        let mut prev: Option<char> = None;
        for (i, c) in word.char_indices() {
            let split = prev.is_some_and(|p| (is_cjk(p) || is_cjk(c)) && !is_closing(c));
            if split && i > start {
                units.push((&word[start..i], first));
                first = false;
                start = i;
            }
            prev = Some(c);
        }
        units.push((&word[start..], first));
    }
    units
}

/// Word-wraps `text` into shaped lines no wider than `max_width` em.
///
/// `'\n'` forces a line break (an empty line stays as an empty line); runs
/// of whitespace collapse to one space; lines break at spaces and between
/// CJK characters; a word wider than a line is broken between grapheme
/// clusters (each piece holds at least one, so a column narrower than one
/// character still terminates). Every line is measured as it will be drawn
/// (shaped whole), so `line.width <= max_width` holds unless a single
/// grapheme is wider than the line.
pub fn wrap(text: &str, weight: Weight, max_width: f32) -> Vec<Line> {
    let limit = max_width.max(0.0);
    let mut lines = Vec::new();
    for segment in text.split('\n') {
        let mut current = String::new();
        let mut shaped = Line::default();
        for (unit, spaced) in break_units(segment) {
            let candidate = if current.is_empty() {
                unit.to_string()
            } else if spaced {
                format!("{current} {unit}")
            } else {
                format!("{current}{unit}")
            };
            let line = shape_line(&candidate, weight);
            if line.width <= limit {
                current = candidate;
                shaped = line;
                continue;
            }
            if !current.is_empty() {
                lines.push(std::mem::take(&mut shaped));
                current.clear();
            }
            let alone = shape_line(unit, weight);
            if alone.width <= limit {
                current = unit.to_string();
                shaped = alone;
                continue;
            }
            // Too long for any line: break it wherever the line is full.
            for grapheme in unit.graphemes(true) {
                let candidate = format!("{current}{grapheme}");
                let line = shape_line(&candidate, weight);
                if line.width <= limit || current.is_empty() {
                    current = candidate;
                    shaped = line;
                } else {
                    lines.push(std::mem::replace(&mut shaped, shape_line(grapheme, weight)));
                    current = grapheme.to_string();
                }
            }
        }
        lines.push(shaped);
    }
    lines
}

/// `text` on one line of at most `max_width` em, shortened with "…" if it is
/// wider.
pub fn truncate(text: &str, weight: Weight, max_width: f32) -> Line {
    let line = shape_line(text, weight);
    if line.width <= max_width {
        return line;
    }
    let graphemes: Vec<&str> = text.graphemes(true).collect();
    // Binary search for the longest prefix that fits with the ellipsis.
    let (mut lo, mut hi) = (0, graphemes.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        let candidate = format!("{}…", graphemes[..mid].concat().trim_end());
        if shape_line(&candidate, weight).width <= max_width {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    shape_line(&format!("{}…", graphemes[..lo].concat().trim_end()), weight)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: &[Line]) -> Vec<&str> {
        lines.iter().map(|l| l.text.as_str()).collect()
    }

    #[test]
    fn fonts_are_picked_per_script() {
        let names = |text: &str| -> Vec<&str> {
            shape_line(text, Weight::Regular)
                .runs
                .iter()
                .map(|r| r.font.name)
                .collect()
        };
        assert_eq!(names("Łukasz Żółć Мария"), ["NotoSans-Regular"]);
        assert_eq!(names("मरियम"), ["NotoSansDevanagari-Regular"]);
        assert_eq!(names("דוד"), ["NotoSansHebrew-Regular"]);
        // A Latin label, then an Arabic name (right to left, one run: the
        // space between the words stays in the Arabic font).
        assert_eq!(
            names("Name: محمد الأحمد"),
            ["NotoSans-Regular", "NotoSansArabic-Regular"]
        );
        assert_eq!(shape_line("", Weight::Bold).runs.len(), 0);
    }

    #[test]
    fn arabic_letters_join() {
        // Joined, the word uses contextual forms: different glyphs from the
        // letters set one by one, and narrower than their sum.
        let word = shape_line("محمد", Weight::Regular);
        let apart: Vec<u32> = "محمد"
            .chars()
            .flat_map(|c| shape_line(&c.to_string(), Weight::Regular).runs)
            .flat_map(|r| r.glyphs.into_iter().map(|g| g.glyph_id.to_u32()))
            .collect();
        let joined: Vec<u32> = word.runs[0]
            .glyphs
            .iter()
            .map(|g| g.glyph_id.to_u32())
            .collect();
        assert_ne!(joined, apart);
        // Right to left: the first letter's glyph is drawn last (rightmost).
        assert_eq!(word.runs[0].glyphs.last().unwrap().text_range, 0..2);
    }

    #[test]
    fn lines_fit_and_break_at_spaces() {
        let text = "Patient reports intermittent chest pain radiating to the left arm, \
                    worse on exertion, relieved by rest. "
            .repeat(10)
            + &"Supercalifragilisticexpialidocious".repeat(6)
            + "\nShort line.\n\nAfter a blank line.";
        for weight in [Weight::Regular, Weight::Bold] {
            let lines = wrap(&text, weight, 40.0);
            assert!(lines.len() > 10);
            for line in &lines {
                assert!(line.width <= 40.0, "{} > 40: {:?}", line.width, line.text);
                assert!(!line.text.starts_with(' ') && !line.text.ends_with(' '));
            }
            let texts = texts(&lines);
            assert!(texts.contains(&"Short line."));
            assert!(texts.contains(&""));
            assert_eq!(texts.last(), Some(&"After a blank line."));
            // No word is lost or split, except the one too long for a line.
            let words: String = texts.concat().split_whitespace().collect();
            assert_eq!(words, text.split_whitespace().collect::<String>());
        }
        // A column narrower than one character still terminates.
        assert_eq!(texts(&wrap("abc", Weight::Regular, 0.1)), ["a", "b", "c"]);
        // CJK breaks between characters, not before closing punctuation.
        let cjk = wrap("王伟，李娜。王伟", Weight::Regular, 2.2);
        for line in &cjk {
            assert!(!line.text.starts_with(['，', '。']), "{:?}", texts(&cjk));
        }
        assert_eq!(texts(&cjk).concat(), "王伟，李娜。王伟");
    }

    #[test]
    fn truncation_keeps_to_the_width() {
        let long = "Generated 2026-11-22 10:00 UTC · Confidential health information";
        let line = truncate(long, Weight::Regular, 10.0);
        assert!(line.width <= 10.0);
        assert!(line.text.ends_with('…'), "{}", line.text);
        assert_eq!(truncate("short", Weight::Regular, 10.0).text, "short");
    }
}
