//! A small PDF 1.4 writer for exporting records (a patient's medical record)
//! as readable, paginated documents.
//!
//! # Why hand-written
//!
//! - **No dependency.** Only `std`: nothing to audit, and it builds for the
//!   browser (wasm) as well as for the server.
//! - **Small, readable output.** It uses the standard fonts Helvetica and
//!   Helvetica-Bold that every viewer already has, so nothing is embedded; the
//!   content streams are plain text (uncompressed), and the whole file is ASCII.
//! - **Testable.** Because the streams are uncompressed, [`extract_text`] can
//!   read the text back, page by page, so tests can check what a patient would
//!   see without a PDF library.
//!
//! # Model
//!
//! [`PdfDocument`] is a flow layout on A4 portrait pages with 50 pt margins:
//! each call ([`heading`](PdfDocument::heading),
//! [`paragraph`](PdfDocument::paragraph), [`table`](PdfDocument::table), …)
//! places its content below the previous one, starting a new page when the
//! current one is full. Text is word-wrapped with the real Adobe font metrics
//! (see [`text_width`]), so no line runs into the margin. Only when all pages
//! are known does [`finish`](PdfDocument::finish) write them, so every page can
//! carry a running header (the title) and a footer with "Page N of M".
//!
//! Text is Unicode in the API and is written in `WinAnsiEncoding` (Windows
//! code page 1252: Latin-1 plus `€ – — ‘ ’ “ ” • …`). A character without a
//! code there (for example CJK) is printed as `?`.

use std::fmt::Write as _;

/// A4 width in points (1/72 inch).
pub const PAGE_WIDTH: f32 = 595.28;
/// A4 height in points.
pub const PAGE_HEIGHT: f32 = 841.89;
/// Margin on every side, in points.
pub const MARGIN: f32 = 50.0;
/// Width available to text between the left and right margins.
pub const TEXT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;

/// Top and bottom of the area where the body flows.
const CONTENT_TOP: f32 = PAGE_HEIGHT - MARGIN;
const CONTENT_BOTTOM: f32 = MARGIN;

/// Running header (the title) and footer, outside the body area.
const HEADER_BASELINE: f32 = PAGE_HEIGHT - 32.0;
const HEADER_RULE_Y: f32 = PAGE_HEIGHT - 38.0;
const FOOTER_BASELINE: f32 = 28.0;
const FOOTER_RULE_Y: f32 = 40.0;
const MARGINAL_SIZE: f32 = 8.0;

/// Key column of [`PdfDocument::key_values`], including the gap to the value.
const KEY_COLUMN: f32 = 150.0;
const KEY_GAP: f32 = 10.0;

/// Table cell padding and text.
const CELL_PAD_X: f32 = 4.0;
const CELL_PAD_Y: f32 = 3.0;
const TABLE_SIZE: f32 = 9.0;
const TABLE_LEADING: f32 = 12.0;

/// Object number of the first page; see [`PdfDocument::finish`].
const FIRST_PAGE_ID: usize = 6;

/// Written into the Info dictionary unless [`PdfDocument::set_author`] is called.
const PRODUCER: &str = "HMS (hospital management system)";

/// One of the two standard fonts this writer uses. Both are among the
/// standard 14 fonts, so they are referenced, not embedded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Font {
    /// Helvetica.
    Regular,
    /// Helvetica-Bold.
    Bold,
}

impl Font {
    /// The resource name used in content streams.
    fn resource(self) -> &'static str {
        match self {
            Font::Regular => "F1",
            Font::Bold => "F2",
        }
    }

    fn base_font(self) -> &'static str {
        match self {
            Font::Regular => "Helvetica",
            Font::Bold => "Helvetica-Bold",
        }
    }

    /// Advance width of a WinAnsi code, in 1/1000 of the font size.
    fn code_units(self, code: u8) -> u32 {
        let table = match self {
            Font::Regular => &HELVETICA_WIDTHS,
            Font::Bold => &HELVETICA_BOLD_WIDTHS,
        };
        code.checked_sub(32)
            .map_or(0, |i| u32::from(table[usize::from(i)]))
    }

    /// Advance width of `c` as printed (after WinAnsi encoding), in 1/1000 em.
    fn char_units(self, c: char) -> u32 {
        self.code_units(to_winansi(c))
    }

    /// Advance width of `s`, in 1/1000 em. Integer, so sums are exact.
    fn str_units(self, s: &str) -> u32 {
        s.chars().map(|c| self.char_units(c)).sum()
    }
}

/// Width in points of `text` set in `font` at `size` points, measured with
/// the Adobe font metrics (no kerning, as this writer does not kern).
pub fn text_width(text: &str, font: Font, size: f32) -> f32 {
    font.str_units(text) as f32 * size / 1000.0
}

/// Word-wraps `text` to lines no wider than `max_width` points.
///
/// `'\n'` forces a line break (an empty line stays as an empty line); runs of
/// ASCII whitespace collapse to one space; a word wider than `max_width` is
/// broken between characters (each piece holds at least one character, so a
/// column narrower than one character still terminates).
pub fn wrap_text(text: &str, font: Font, size: f32, max_width: f32) -> Vec<String> {
    // Compare in integer font units, so `text_width(line) <= max_width` holds
    // for every line produced.
    let limit = if size > 0.0 {
        (max_width.max(0.0) * 1000.0 / size).floor() as u32
    } else {
        u32::MAX
    };
    let space = font.char_units(' ');
    let mut lines = Vec::new();
    for segment in text.split('\n') {
        let mut line = String::new();
        let mut line_units = 0;
        for word in segment.split_ascii_whitespace() {
            let word_units = font.str_units(word);
            if line.is_empty() && word_units <= limit {
                line.push_str(word);
                line_units = word_units;
            } else if !line.is_empty() && line_units + space + word_units <= limit {
                line.push(' ');
                line.push_str(word);
                line_units += space + word_units;
            } else if word_units <= limit {
                lines.push(std::mem::take(&mut line));
                line.push_str(word);
                line_units = word_units;
            } else {
                // Too long for any line: start it on a line of its own and
                // break it wherever the line is full.
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                line_units = 0;
                for c in word.chars() {
                    let units = font.char_units(c);
                    if !line.is_empty() && line_units + units > limit {
                        lines.push(std::mem::take(&mut line));
                        line_units = 0;
                    }
                    line.push(c);
                    line_units += units;
                }
            }
        }
        lines.push(line);
    }
    lines
}

/// How a run of wrapped text is set.
struct TextStyle {
    font: Font,
    size: f32,
    leading: f32,
    grey: f32,
    space_before: f32,
    space_after: f32,
    /// Room (beyond its own lines) that must remain below this block on the
    /// page, so a heading is not left alone at the bottom. Zero for body text.
    keep_with_next: f32,
}

const HEADING: TextStyle = TextStyle {
    font: Font::Bold,
    size: 18.0,
    leading: 22.0,
    grey: 0.0,
    space_before: 16.0,
    space_after: 6.0,
    keep_with_next: 3.0 * PARAGRAPH.leading,
};

const SUBHEADING: TextStyle = TextStyle {
    font: Font::Bold,
    size: 13.0,
    leading: 17.0,
    grey: 0.0,
    space_before: 12.0,
    space_after: 4.0,
    keep_with_next: 3.0 * PARAGRAPH.leading,
};

const PARAGRAPH: TextStyle = TextStyle {
    font: Font::Regular,
    size: 10.0,
    leading: 14.0,
    grey: 0.0,
    space_before: 0.0,
    space_after: 6.0,
    keep_with_next: 0.0,
};

const MUTED: TextStyle = TextStyle {
    font: Font::Regular,
    size: 9.0,
    leading: 12.0,
    grey: 0.4,
    space_before: 0.0,
    space_after: 6.0,
    keep_with_next: 0.0,
};

/// Baseline of a line of `size`-point text in a line box of height `leading`
/// whose top is at `top`: Helvetica's ascender (0.718) and descender (0.207)
/// are centred in the box.
fn baseline(top: f32, size: f32, leading: f32) -> f32 {
    top - (leading - 0.925 * size) / 2.0 - 0.718 * size
}

/// A drawing operation on a page, in page coordinates (origin bottom left).
#[derive(Debug, Clone)]
enum Op {
    Text {
        font: Font,
        size: f32,
        grey: f32,
        x: f32,
        y: f32,
        text: String,
    },
    Rule {
        x1: f32,
        x2: f32,
        y: f32,
        width: f32,
        grey: f32,
    },
}

#[derive(Debug, Default)]
struct Page {
    ops: Vec<Op>,
}

/// A horizontal rule drawn with a row of a table.
#[derive(Clone, Copy)]
struct RuleStyle {
    width: f32,
    grey: f32,
}

/// One cell of a row: its left edge, font and wrapped lines.
struct Cell {
    x: f32,
    font: Font,
    lines: Vec<String>,
}

/// A row of side-by-side wrapped cells (a table row or a key/value pair).
struct Row {
    cells: Vec<Cell>,
    size: f32,
    leading: f32,
    pad: f32,
    rule_above: Option<RuleStyle>,
    rule_below: Option<RuleStyle>,
}

impl Row {
    fn line_count(&self) -> usize {
        self.cells
            .iter()
            .map(|cell| cell.lines.len())
            .max()
            .unwrap_or(0)
            .max(1)
    }

    fn height(&self) -> f32 {
        self.line_count() as f32 * self.leading + 2.0 * self.pad
    }
}

/// A PDF document being laid out; see the [module documentation](self).
#[derive(Debug)]
pub struct PdfDocument {
    title: String,
    author: Option<String>,
    footer: String,
    /// Finished pages.
    pages: Vec<Page>,
    /// The page being filled.
    current: Page,
    /// Top of the free space on the current page.
    y: f32,
}

impl PdfDocument {
    /// A4 portrait, 50 pt margins. `title` goes in the document Info
    /// dictionary and as a running header (small grey text) on every page.
    pub fn new(title: &str) -> Self {
        Self {
            title: title.to_string(),
            author: None,
            footer: String::new(),
            pages: Vec::new(),
            current: Page::default(),
            y: CONTENT_TOP,
        }
    }

    /// Author metadata in the Info dictionary (optional).
    pub fn set_author(&mut self, author: &str) {
        self.author = Some(author.to_string());
    }

    /// Text printed on the left of every page's footer (e.g. "Generated
    /// 2026-11-22 10:00 UTC · Confidential"); the right side always has
    /// "Page N of M". Shortened with "…" if it would not fit.
    pub fn set_footer(&mut self, text: &str) {
        self.footer = text.replace('\n', " ");
    }

    /// Helvetica-Bold 18 pt, with space before and after; kept with at least
    /// three lines of what follows.
    pub fn heading(&mut self, text: &str) {
        self.text_block(text, &HEADING);
    }

    /// Helvetica-Bold 13 pt; never left alone at the bottom of a page (if
    /// fewer than three lines of room would remain below it, it starts a new
    /// page).
    pub fn subheading(&mut self, text: &str) {
        self.text_block(text, &SUBHEADING);
    }

    /// Helvetica 10 pt, word-wrapped to the text width. `'\n'` forces a line
    /// break; words longer than a line are broken. Splits across pages.
    pub fn paragraph(&mut self, text: &str) {
        self.text_block(text, &PARAGRAPH);
    }

    /// Like [`paragraph`](Self::paragraph), but grey and 9 pt.
    pub fn muted(&mut self, text: &str) {
        self.text_block(text, &MUTED);
    }

    /// Two columns: the bold key in a fixed column (150 pt) and the wrapped
    /// value beside it. A pair is not split across pages unless it is taller
    /// than a page.
    pub fn key_values(&mut self, pairs: &[(&str, String)]) {
        let style = &PARAGRAPH;
        for (key, value) in pairs {
            let row = Row {
                cells: vec![
                    Cell {
                        x: MARGIN,
                        font: Font::Bold,
                        lines: wrap_text(key, Font::Bold, style.size, KEY_COLUMN - KEY_GAP),
                    },
                    Cell {
                        x: MARGIN + KEY_COLUMN,
                        font: Font::Regular,
                        lines: wrap_text(value, Font::Regular, style.size, TEXT_WIDTH - KEY_COLUMN),
                    },
                ],
                size: style.size,
                leading: style.leading,
                pad: 1.0,
                rule_above: None,
                rule_below: None,
            };
            self.place_row(&row, None);
        }
        self.y -= style.space_after;
    }

    /// A table with a bold header row and thin rules. `widths` are relative
    /// weights of the columns (same length as `headers`; otherwise the columns
    /// are equal). Cells wrap inside their column; a row is never split across
    /// pages unless it is taller than a page; the header row is repeated at
    /// the top of each new page.
    pub fn table(&mut self, headers: &[&str], widths: &[f32], rows: &[Vec<String>]) {
        let count = headers.len();
        if count == 0 {
            return;
        }
        let valid = widths.len() == count
            && widths.iter().all(|w| w.is_finite() && *w >= 0.0)
            && widths.iter().sum::<f32>() > 0.0;
        let weights: Vec<f32> = if valid {
            widths.to_vec()
        } else {
            vec![1.0; count]
        };
        let total: f32 = weights.iter().sum();
        // Each column as (left edge of its text, width of its text).
        let mut x = MARGIN;
        let columns: Vec<(f32, f32)> = weights
            .iter()
            .map(|weight| {
                let width = TEXT_WIDTH * weight / total;
                let column = (x + CELL_PAD_X, width - 2.0 * CELL_PAD_X);
                x += width;
                column
            })
            .collect();
        let heavy = RuleStyle {
            width: 0.8,
            grey: 0.3,
        };
        let header = Row {
            rule_above: Some(heavy),
            rule_below: Some(heavy),
            ..table_row(headers.iter().copied(), Font::Bold, &columns)
        };
        let body: Vec<Row> = rows
            .iter()
            .map(|cells| Row {
                rule_below: Some(RuleStyle {
                    width: 0.3,
                    grey: 0.7,
                }),
                ..table_row(cells.iter().map(String::as_str), Font::Regular, &columns)
            })
            .collect();

        // Start on a new page unless the header and the first row (or its
        // first line, if it will have to split anyway) fit here.
        let capacity = CONTENT_TOP - CONTENT_BOTTOM - header.height();
        let first = body.first().map_or(0.0, |row| {
            if row.height() <= capacity {
                row.height()
            } else {
                row.leading + 2.0 * row.pad
            }
        });
        let space_before = 6.0;
        if !self.current.ops.is_empty() {
            if self.y - space_before - header.height() - first < CONTENT_BOTTOM {
                self.new_page();
            } else {
                self.y -= space_before;
            }
        }
        self.draw_row_lines(&header, 0, header.line_count());
        for row in &body {
            self.place_row(row, Some(&header));
        }
        self.y -= 10.0;
    }

    /// Vertical space; ignored at the top of a page, and a page break if it
    /// does not fit.
    pub fn spacer(&mut self, points: f32) {
        if self.current.ops.is_empty() || !points.is_finite() || points <= 0.0 {
            return;
        }
        if self.y - points < CONTENT_BOTTOM {
            self.new_page();
        } else {
            self.y -= points;
        }
    }

    /// Starts a new page (does nothing if the current page is still empty, so
    /// there are no blank pages).
    pub fn page_break(&mut self) {
        if !self.current.ops.is_empty() {
            self.new_page();
        }
    }

    /// Lays out the running header and footer and serialises the document:
    /// the bytes of a complete PDF 1.4 file (ASCII only).
    pub fn finish(mut self) -> Vec<u8> {
        if !self.current.ops.is_empty() || self.pages.is_empty() {
            self.new_page();
        }
        let page_count = self.pages.len();

        // Objects: 1 catalog, 2 page tree, 3 and 4 fonts, 5 info, then a
        // page and its content stream for every page.
        let page_id = |index: usize| FIRST_PAGE_ID + 2 * index;
        let mut out = ObjectWriter::new();

        out.object(1, "<< /Type /Catalog /Pages 2 0 R >>");
        let kids: Vec<String> = (0..page_count)
            .map(|i| format!("{} 0 R", page_id(i)))
            .collect();
        out.object(
            2,
            &format!(
                "<< /Type /Pages /Kids [{}] /Count {page_count} >>",
                kids.join(" ")
            ),
        );
        for (id, font) in [(3, Font::Regular), (4, Font::Bold)] {
            out.object(
                id,
                &format!(
                    "<< /Type /Font /Subtype /Type1 /BaseFont /{} /Encoding /WinAnsiEncoding >>",
                    font.base_font()
                ),
            );
        }
        let mut info = format!("<< /Title {}", text_string(&self.title));
        if let Some(author) = &self.author {
            let _ = write!(info, " /Author {}", text_string(author));
        }
        let _ = write!(info, " /Producer {} >>", text_string(PRODUCER));
        out.object(5, &info);

        let media_box = format!("[0 0 {} {}]", num(PAGE_WIDTH), num(PAGE_HEIGHT));
        for (index, page) in self.pages.iter().enumerate() {
            let id = page_id(index);
            out.object(
                id,
                &format!(
                    "<< /Type /Page /Parent 2 0 R /MediaBox {media_box} \
                     /Resources << /Font << /F1 3 0 R /F2 4 0 R >> /ProcSet [/PDF /Text] >> \
                     /Contents {} 0 R >>",
                    id + 1
                ),
            );
            let mut ops = self.marginals_top();
            ops.extend(page.ops.iter().cloned());
            ops.extend(self.marginals_bottom(index + 1, page_count));
            out.stream(id + 1, &render(&ops));
        }
        out.finish(5)
    }

    // ----- layout helpers -----

    fn new_page(&mut self) {
        let page = std::mem::take(&mut self.current);
        self.pages.push(page);
        self.y = CONTENT_TOP;
    }

    fn push(&mut self, op: Op) {
        self.current.ops.push(op);
    }

    /// Wraps and places a block of text, line by line, breaking pages
    /// between lines.
    fn text_block(&mut self, text: &str, style: &TextStyle) {
        if text.trim().is_empty() {
            return;
        }
        let lines = wrap_text(text, style.font, style.size, TEXT_WIDTH);
        // Room needed before the first line may be placed here: a heading
        // needs all its lines plus what it is kept with, body text one line.
        let needed = if style.keep_with_next > 0.0 {
            lines.len() as f32 * style.leading + style.keep_with_next
        } else {
            style.leading
        };
        if !self.current.ops.is_empty() {
            if self.y - style.space_before - needed < CONTENT_BOTTOM {
                self.new_page();
            } else {
                self.y -= style.space_before;
            }
        }
        for line in lines {
            if self.y - style.leading < CONTENT_BOTTOM {
                self.new_page();
            }
            let y = baseline(self.y, style.size, style.leading);
            if !line.is_empty() {
                self.push(Op::Text {
                    font: style.font,
                    size: style.size,
                    grey: style.grey,
                    x: MARGIN,
                    y,
                    text: line,
                });
            }
            self.y -= style.leading;
        }
        self.y -= style.space_after;
    }

    /// How many lines of `row` fit between the cursor and the bottom margin.
    fn lines_that_fit(&self, row: &Row) -> usize {
        let available = self.y - CONTENT_BOTTOM - 2.0 * row.pad;
        if available < row.leading {
            0
        } else {
            (available / row.leading).floor() as usize
        }
    }

    /// Places a table row, moving it whole to a new page (under a repeated
    /// header) when it does not fit, and splitting it only if it is taller
    /// than a page.
    fn place_row(&mut self, row: &Row, header: Option<&Row>) {
        let header_height = header.map_or(0.0, Row::height);
        let capacity = CONTENT_TOP - CONTENT_BOTTOM - header_height;
        let height = row.height();
        if self.y - height >= CONTENT_BOTTOM {
            self.draw_row_lines(row, 0, row.line_count());
            return;
        }
        if height <= capacity {
            self.new_page_with_header(header);
            self.draw_row_lines(row, 0, row.line_count());
            return;
        }
        // Taller than a page: fill this page, continue on the next ones.
        let total = row.line_count();
        let mut from = 0;
        let mut fresh = false;
        while from < total {
            let mut fit = self.lines_that_fit(row);
            if fit == 0 {
                if !fresh {
                    self.new_page_with_header(header);
                    fresh = true;
                    continue;
                }
                // Not even one line fits on a fresh page (a header taller
                // than the page): draw one anyway rather than loop forever.
                fit = 1;
            }
            let to = (from + fit).min(total);
            self.draw_row_lines(row, from, to);
            from = to;
            fresh = false;
        }
    }

    fn new_page_with_header(&mut self, header: Option<&Row>) {
        self.new_page();
        if let Some(header) = header {
            self.draw_row_lines(header, 0, header.line_count());
        }
    }

    /// Draws lines `from..to` of every cell of `row` at the cursor, with the
    /// row's rules, and moves the cursor below them.
    fn draw_row_lines(&mut self, row: &Row, from: usize, to: usize) {
        let top = self.y;
        if let Some(rule) = row.rule_above {
            self.push(Op::Rule {
                x1: MARGIN,
                x2: MARGIN + TEXT_WIDTH,
                y: top,
                width: rule.width,
                grey: rule.grey,
            });
        }
        for cell in &row.cells {
            let end = to.min(cell.lines.len());
            let start = from.min(end);
            for (i, line) in cell.lines[start..end].iter().enumerate() {
                if line.is_empty() {
                    continue;
                }
                let line_top = top - row.pad - i as f32 * row.leading;
                self.push(Op::Text {
                    font: cell.font,
                    size: row.size,
                    grey: 0.0,
                    x: cell.x,
                    y: baseline(line_top, row.size, row.leading),
                    text: line.clone(),
                });
            }
        }
        self.y = top - (to.saturating_sub(from) as f32 * row.leading + 2.0 * row.pad);
        if let Some(rule) = row.rule_below {
            self.push(Op::Rule {
                x1: MARGIN,
                x2: MARGIN + TEXT_WIDTH,
                y: self.y,
                width: rule.width,
                grey: rule.grey,
            });
        }
    }

    /// The running header: the title, small and grey, over a hairline.
    fn marginals_top(&self) -> Vec<Op> {
        let mut ops = Vec::new();
        if !self.title.trim().is_empty() {
            let title = fit_to_width(
                &self.title.replace('\n', " "),
                Font::Regular,
                MARGINAL_SIZE,
                TEXT_WIDTH,
            );
            ops.push(Op::Text {
                font: Font::Regular,
                size: MARGINAL_SIZE,
                grey: 0.5,
                x: MARGIN,
                y: HEADER_BASELINE,
                text: title,
            });
            ops.push(Op::Rule {
                x1: MARGIN,
                x2: MARGIN + TEXT_WIDTH,
                y: HEADER_RULE_Y,
                width: 0.3,
                grey: 0.7,
            });
        }
        ops
    }

    /// The footer: a hairline, the footer text on the left and "Page N of M"
    /// on the right.
    fn marginals_bottom(&self, number: usize, count: usize) -> Vec<Op> {
        let label = format!("Page {number} of {count}");
        let label_width = text_width(&label, Font::Regular, MARGINAL_SIZE);
        let mut ops = vec![Op::Rule {
            x1: MARGIN,
            x2: MARGIN + TEXT_WIDTH,
            y: FOOTER_RULE_Y,
            width: 0.3,
            grey: 0.7,
        }];
        if !self.footer.trim().is_empty() {
            let room = TEXT_WIDTH - label_width - 12.0;
            ops.push(Op::Text {
                font: Font::Regular,
                size: MARGINAL_SIZE,
                grey: 0.4,
                x: MARGIN,
                y: FOOTER_BASELINE,
                text: fit_to_width(&self.footer, Font::Regular, MARGINAL_SIZE, room),
            });
        }
        ops.push(Op::Text {
            font: Font::Regular,
            size: MARGINAL_SIZE,
            grey: 0.4,
            x: MARGIN + TEXT_WIDTH - label_width,
            y: FOOTER_BASELINE,
            text: label,
        });
        ops
    }
}

/// A table row: `texts` wrapped into `columns` (left edge, inner width).
/// Missing cells stay empty; extra ones are ignored.
fn table_row<'a>(texts: impl Iterator<Item = &'a str>, font: Font, columns: &[(f32, f32)]) -> Row {
    Row {
        cells: texts
            .zip(columns)
            .map(|(text, &(x, width))| Cell {
                x,
                font,
                lines: wrap_text(text, font, TABLE_SIZE, width),
            })
            .collect(),
        size: TABLE_SIZE,
        leading: TABLE_LEADING,
        pad: CELL_PAD_Y,
        rule_above: None,
        rule_below: None,
    }
}

/// `text` on one line, shortened with "…" if wider than `max_width`.
fn fit_to_width(text: &str, font: Font, size: f32, max_width: f32) -> String {
    if text_width(text, font, size) <= max_width {
        return text.to_string();
    }
    let limit = (max_width.max(0.0) * 1000.0 / size) as u32;
    let mut room = limit.saturating_sub(font.char_units('…'));
    let mut out = String::new();
    for c in text.chars() {
        let units = font.char_units(c);
        if units > room {
            break;
        }
        room -= units;
        out.push(c);
    }
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

// ----- serialisation -----

/// Writes numbered objects and remembers their byte offsets for the xref
/// table.
struct ObjectWriter {
    buf: Vec<u8>,
    /// `offsets[id]` is where object `id` starts; index 0 is the free entry.
    offsets: Vec<usize>,
}

impl ObjectWriter {
    fn new() -> Self {
        // The file is pure ASCII (non-ASCII text is octal-escaped), so the
        // usual binary-marker comment is not needed.
        Self {
            buf: b"%PDF-1.4\n".to_vec(),
            offsets: vec![0],
        }
    }

    fn start(&mut self, id: usize) {
        if self.offsets.len() <= id {
            self.offsets.resize(id + 1, 0);
        }
        self.offsets[id] = self.buf.len();
    }

    fn object(&mut self, id: usize, body: &str) {
        self.start(id);
        self.buf
            .extend_from_slice(format!("{id} 0 obj\n{body}\nendobj\n").as_bytes());
    }

    fn stream(&mut self, id: usize, data: &str) {
        self.start(id);
        self.buf.extend_from_slice(
            format!(
                "{id} 0 obj\n<< /Length {} >>\nstream\n{data}\nendstream\nendobj\n",
                data.len()
            )
            .as_bytes(),
        );
    }

    /// Appends the cross-reference table and trailer; `info` is the id of
    /// the Info dictionary (the catalog is object 1).
    fn finish(mut self, info: usize) -> Vec<u8> {
        let xref = self.buf.len();
        let size = self.offsets.len();
        let mut tail = format!("xref\n0 {size}\n0000000000 65535 f \n");
        for offset in &self.offsets[1..] {
            let _ = writeln!(tail, "{offset:010} 00000 n ");
        }
        let _ = write!(
            tail,
            "trailer\n<< /Size {size} /Root 1 0 R /Info {info} 0 R >>\nstartxref\n{xref}\n%%EOF\n"
        );
        self.buf.extend_from_slice(tail.as_bytes());
        self.buf
    }
}

/// A content stream drawing `ops`.
fn render(ops: &[Op]) -> String {
    let mut s = String::new();
    for op in ops {
        match op {
            Op::Text {
                font,
                size,
                grey,
                x,
                y,
                text,
            } => {
                let _ = write!(
                    s,
                    "BT /{} {} Tf {} g {} {} Td ",
                    font.resource(),
                    num(*size),
                    num(*grey),
                    num(*x),
                    num(*y)
                );
                push_literal(&mut s, text);
                s.push_str(" Tj ET\n");
            }
            Op::Rule {
                x1,
                x2,
                y,
                width,
                grey,
            } => {
                let _ = writeln!(
                    s,
                    "q {} w {} G {} {y} m {} {y} l S Q",
                    num(*width),
                    num(*grey),
                    num(*x1),
                    num(*x2),
                    y = num(*y)
                );
            }
        }
    }
    s
}

/// A number as PDF writes it: at most two decimals, no trailing zeros.
fn num(value: f32) -> String {
    let s = format!("{value:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// Appends `text` as a PDF literal string in WinAnsi: `(`, `)` and `\` are
/// escaped, bytes outside printable ASCII are written as octal escapes.
fn push_literal(out: &mut String, text: &str) {
    out.push('(');
    for c in text.chars() {
        match to_winansi(c) {
            b'(' => out.push_str("\\("),
            b')' => out.push_str("\\)"),
            b'\\' => out.push_str("\\\\"),
            byte @ 0x20..=0x7E => out.push(char::from(byte)),
            byte => {
                let _ = write!(out, "\\{byte:03o}");
            }
        }
    }
    out.push(')');
}

/// A text string for the Info dictionary: UTF-16BE with a byte-order mark,
/// in hex, so any Unicode title survives (Info strings are not WinAnsi).
fn text_string(text: &str) -> String {
    let mut s = String::from("<FEFF");
    for unit in text.encode_utf16() {
        let _ = write!(s, "{unit:04X}");
    }
    s.push('>');
    s
}

// ----- WinAnsiEncoding -----

/// The codes 0x80–0x9F of WinAnsiEncoding (CP1252) that are not Latin-1.
/// 0x81, 0x8D, 0x8F, 0x90 and 0x9D are undefined.
const WINANSI_EXTRAS: [(u8, char); 27] = [
    (0x80, '€'),
    (0x82, '‚'),
    (0x83, 'ƒ'),
    (0x84, '„'),
    (0x85, '…'),
    (0x86, '†'),
    (0x87, '‡'),
    (0x88, 'ˆ'),
    (0x89, '‰'),
    (0x8A, 'Š'),
    (0x8B, '‹'),
    (0x8C, 'Œ'),
    (0x8E, 'Ž'),
    (0x91, '‘'),
    (0x92, '’'),
    (0x93, '“'),
    (0x94, '”'),
    (0x95, '•'),
    (0x96, '–'),
    (0x97, '—'),
    (0x98, '˜'),
    (0x99, '™'),
    (0x9A, 'š'),
    (0x9B, '›'),
    (0x9C, 'œ'),
    (0x9E, 'ž'),
    (0x9F, 'Ÿ'),
];

/// The WinAnsi code of `c`: printable ASCII and Latin-1 map to themselves,
/// the CP1252 extras to 0x80–0x9F, other whitespace to a space, anything else
/// to `?`.
fn to_winansi(c: char) -> u8 {
    match c {
        ' '..='~' | '\u{A0}'..='\u{FF}' => u8::try_from(c).unwrap_or(b'?'),
        _ => WINANSI_EXTRAS
            .iter()
            .find(|&&(_, extra)| extra == c)
            .map_or(if c.is_whitespace() { b' ' } else { b'?' }, |&(code, _)| {
                code
            }),
    }
}

/// The character for a WinAnsi code (`?` for an undefined one).
fn from_winansi(code: u8) -> char {
    match code {
        0x20..=0x7E | 0xA0..=0xFF => char::from(code),
        _ => WINANSI_EXTRAS
            .iter()
            .find(|&&(extra, _)| extra == code)
            .map_or('?', |&(_, c)| c),
    }
}

// ----- font metrics -----

/// Advance widths of Helvetica for WinAnsi codes 32–255, in 1/1000 em, from
/// the Adobe Font Metrics (AFM) of the standard 14 fonts. Undefined codes
/// (0x7F, 0x81, 0x8D, 0x8F, 0x90, 0x9D) get the bullet's width.
const HELVETICA_WIDTHS: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // 0x20
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0x30
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // 0x40
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // 0x50
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // 0x60
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 350, // 0x70
    556, 350, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350, // 0x80
    350, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 350, 500, 667, // 0x90
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333, // 0xA0
    400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611, // 0xB0
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, // 0xC0
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, // 0xD0
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278, // 0xE0
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500, // 0xF0
];

/// Advance widths of Helvetica-Bold for WinAnsi codes 32–255, as
/// [`HELVETICA_WIDTHS`].
const HELVETICA_BOLD_WIDTHS: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // 0x20
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, // 0x30
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, // 0x40
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, // 0x50
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, // 0x60
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 350, // 0x70
    556, 350, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350, // 0x80
    350, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 350, 500, 667, // 0x90
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333, // 0xA0
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611, // 0xB0
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, // 0xC0
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, // 0xD0
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278, // 0xE0
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556, // 0xF0
];

// ----- text extraction (for tests) -----

/// The text shown on each page of a PDF written by [`PdfDocument::finish`]:
/// one `String` per content stream (one per page), the string operands of
/// `Tj`/`TJ` (and `'`/`"`) in drawing order, decoded from WinAnsi, one line
/// per text-showing operator, joined by `'\n'`.
///
/// Not a general PDF parser: it expects uncompressed content streams with a
/// direct `/Length`, which is what this module writes.
pub fn extract_text(pdf: &[u8]) -> Vec<String> {
    let mut pages = Vec::new();
    let mut pos = 0;
    while let Some(found) = find(&pdf[pos..], b"stream") {
        let keyword = pos + found;
        let mut start = keyword + b"stream".len();
        // Skip the end-of-line after the keyword (CRLF or LF).
        if pdf.get(start) == Some(&b'\r') {
            start += 1;
        }
        if pdf.get(start) == Some(&b'\n') {
            start += 1;
        }
        let dict_start = rfind(&pdf[..keyword], b"<<").unwrap_or(0);
        let length = stream_length(&pdf[dict_start..keyword]);
        let end = match length {
            Some(length) if start + length <= pdf.len() => start + length,
            _ => match find(&pdf[start..], b"endstream") {
                Some(offset) => start + offset,
                None => break,
            },
        };
        pages.push(content_text(&pdf[start..end]));
        // Continue after `endstream`, which itself contains "stream".
        pos = match find(&pdf[end..], b"endstream") {
            Some(offset) => end + offset + b"endstream".len(),
            None => break,
        };
    }
    pages
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .rposition(|window| window == needle)
}

/// The direct `/Length N` of a stream dictionary.
fn stream_length(dict: &[u8]) -> Option<usize> {
    let at = find(dict, b"/Length")? + b"/Length".len();
    let digits: String = dict[at..]
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take_while(|b| b.is_ascii_digit())
        .map(|&b| char::from(b))
        .collect();
    digits.parse().ok()
}

/// The text of one content stream.
fn content_text(data: &[u8]) -> String {
    let mut lines = Vec::new();
    // String operands seen since the last operator.
    let mut operands: Vec<u8> = Vec::new();
    let mut has_string = false;
    let mut i = 0;
    while i < data.len() {
        match data[i] {
            b'(' => {
                let (bytes, next) = read_literal(data, i + 1);
                operands.extend(bytes);
                has_string = true;
                i = next;
            }
            b'%' => {
                while i < data.len() && data[i] != b'\n' && data[i] != b'\r' {
                    i += 1;
                }
            }
            b'/' => {
                // A name operand, e.g. a font resource.
                i += 1;
                while i < data.len() && !is_delimiter_or_space(data[i]) {
                    i += 1;
                }
            }
            b'[' | b']' | b'<' | b'>' | b'{' | b'}' => i += 1,
            byte if byte.is_ascii_whitespace() => i += 1,
            _ => {
                let start = i;
                while i < data.len() && !is_delimiter_or_space(data[i]) {
                    i += 1;
                }
                let token = &data[start..i];
                let is_operator = token[0].is_ascii_alphabetic() || token == b"'" || token == b"\"";
                if is_operator {
                    if has_string && matches!(token, b"Tj" | b"TJ" | b"'" | b"\"") {
                        lines.push(
                            operands
                                .iter()
                                .map(|&b| from_winansi(b))
                                .collect::<String>(),
                        );
                    }
                    operands.clear();
                    has_string = false;
                }
            }
        }
    }
    lines.join("\n")
}

fn is_delimiter_or_space(byte: u8) -> bool {
    byte.is_ascii_whitespace() || b"()[]<>{}/%".contains(&byte)
}

/// Reads a literal string whose body starts at `start` (just after `(`);
/// returns its bytes and the index after the closing `)`.
fn read_literal(data: &[u8], start: usize) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut i = start;
    while i < data.len() {
        match data[i] {
            b'\\' => {
                i += 1;
                let Some(&escaped) = data.get(i) else { break };
                match escaped {
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    b'b' => out.push(0x08),
                    b'f' => out.push(0x0C),
                    b'0'..=b'7' => {
                        let mut value = 0u32;
                        let mut digits = 0;
                        while digits < 3 && i < data.len() && (b'0'..=b'7').contains(&data[i]) {
                            value = value * 8 + u32::from(data[i] - b'0');
                            i += 1;
                            digits += 1;
                        }
                        out.push((value & 0xFF) as u8);
                        continue;
                    }
                    b'\r' => {
                        // Line continuation (CR or CRLF).
                        if data.get(i + 1) == Some(&b'\n') {
                            i += 1;
                        }
                    }
                    b'\n' => {}
                    other => out.push(other),
                }
                i += 1;
            }
            b'(' => {
                depth += 1;
                out.push(b'(');
                i += 1;
            }
            b')' => {
                if depth == 0 {
                    return (out, i + 1);
                }
                depth -= 1;
                out.push(b')');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    (out, i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let mut doc = PdfDocument::new("Medical record — Anna Müller");
        doc.set_author("Dr. José Álvarez");
        doc.set_footer("Generated 2026-11-22 10:00 UTC · Confidential");
        doc.heading("Anna Müller");
        doc.paragraph("Seen by Dr. José Álvarez – follow-up in 2 weeks (see notes) \\ ok");
        doc.key_values(&[
            ("MRN", "MRN-00012345".to_string()),
            ("Date of birth", "1980-02-29".to_string()),
        ]);
        doc.subheading("Diagnoses");
        doc.table(
            &["Code", "Description", "Onset"],
            &[1.0, 4.0, 1.5],
            &[vec![
                "E11.9".to_string(),
                "Type 2 diabetes mellitus without complications".to_string(),
                "2019-05-01".to_string(),
            ]],
        );
        doc.muted("Recorded by the clinic.");
        doc.finish()
    }

    #[test]
    fn xref_offsets_point_at_objects() {
        let pdf = sample();
        let text = std::str::from_utf8(&pdf).expect("the file is ASCII");
        assert!(pdf.is_ascii());
        assert!(text.starts_with("%PDF-1.4\n"));
        assert!(text.ends_with("%%EOF\n"));

        let startxref = text.rfind("startxref\n").expect("has startxref");
        let xref: usize = text[startxref + "startxref\n".len()..]
            .lines()
            .next()
            .and_then(|line| line.trim().parse().ok())
            .expect("startxref offset");
        assert!(text[xref..].starts_with("xref\n"));

        let mut lines = text[xref..].lines().skip(1);
        let header = lines.next().expect("subsection header");
        let count: usize = header
            .split(' ')
            .nth(1)
            .and_then(|n| n.parse().ok())
            .expect("entry count");
        assert!(count > 6);
        assert_eq!(lines.next(), Some("0000000000 65535 f "));
        for id in 1..count {
            let entry = lines.next().expect("xref entry");
            assert_eq!(entry.len(), 19, "entries are 20 bytes with the newline");
            let offset: usize = entry[..10].parse().expect("offset");
            assert!(
                text[offset..].starts_with(&format!("{id} 0 obj\n")),
                "object {id} at {offset}"
            );
        }
        assert_eq!(lines.next(), Some("trailer"));
        let trailer = lines.next().expect("trailer dictionary");
        assert!(trailer.contains(&format!("/Size {count}")));
        assert!(trailer.contains("/Root 1 0 R"));
        assert!(trailer.contains("/Info 5 0 R"));

        // Every stream's /Length is exact.
        let mut rest = text;
        while let Some(at) = rest.find("/Length ") {
            let after = &rest[at + "/Length ".len()..];
            let length: usize = after
                .split(' ')
                .next()
                .and_then(|n| n.parse().ok())
                .expect("length");
            let data = &after[after.find("stream\n").expect("stream") + "stream\n".len()..];
            assert!(data[length..].starts_with("\nendstream"));
            rest = &data[length..];
        }
    }

    #[test]
    fn text_round_trips() {
        let pages = extract_text(&sample());
        assert_eq!(pages.len(), 1);
        let page = &pages[0];
        for expected in [
            "Medical record — Anna Müller",
            "Anna Müller",
            "Seen by Dr. José Álvarez – follow-up in 2 weeks (see notes) \\ ok",
            "MRN\nMRN-00012345",
            "Date of birth\n1980-02-29",
            "Diagnoses",
            "Code\nDescription\nOnset",
            "E11.9\nType 2 diabetes mellitus without complications\n2019-05-01",
            "Recorded by the clinic.",
            "Generated 2026-11-22 10:00 UTC · Confidential\nPage 1 of 1",
        ] {
            assert!(page.contains(expected), "{expected:?} not in {page:?}");
        }
        // The header comes first and the footer last.
        assert!(page.starts_with("Medical record"));
        assert!(page.ends_with("Page 1 of 1"));
    }

    #[test]
    fn info_dictionary_has_title_and_author() {
        let pdf = sample();
        let text = std::str::from_utf8(&pdf).expect("ASCII");
        assert!(text.contains(&format!(
            "/Title {}",
            text_string("Medical record — Anna Müller")
        )));
        assert!(text.contains(&format!("/Author {}", text_string("Dr. José Álvarez"))));
        assert_eq!(text_string("Aé"), "<FEFF004100E9>");
    }

    #[test]
    fn long_table_paginates_and_repeats_header() {
        let mut doc = PdfDocument::new("Lab results");
        doc.heading("Results");
        let rows: Vec<Vec<String>> = (1..=200)
            .map(|i| {
                vec![
                    format!("2026-01-{:02}", i % 28 + 1),
                    format!("Test number {i}"),
                    format!("{i}.5 mmol/L"),
                ]
            })
            .collect();
        doc.table(&["Date", "Test", "Result"], &[1.0, 2.0, 1.0], &rows);
        let pages = extract_text(&doc.finish());
        let count = pages.len();
        assert!(count >= 3, "200 rows need several pages, got {count}");
        for (i, page) in pages.iter().enumerate() {
            assert!(
                page.ends_with(&format!("Page {} of {count}", i + 1)),
                "page {i}: {page:?}"
            );
            assert!(page.contains("Date\nTest\nResult"), "header on page {i}");
        }
        // Every row appears exactly once, whole.
        let all = pages.join("\n");
        for i in 1..=200 {
            let needle = format!("\nTest number {i}\n{i}.5 mmol/L\n");
            assert_eq!(all.matches(&needle).count(), 1, "row {i}");
        }
    }

    #[test]
    fn wrapped_lines_fit_the_text_width() {
        let text = "Patient reports intermittent chest pain radiating to the left arm, \
                    worse on exertion, relieved by rest. ECG: sinus rhythm, no ST changes. "
            .repeat(20)
            + "Supercalifragilisticexpialidocious".repeat(12).as_str()
            + "\nShort line.\n\nAfter a blank line: WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW";
        for font in [Font::Regular, Font::Bold] {
            for size in [9.0, 10.0, 13.0, 18.0] {
                let lines = wrap_text(&text, font, size, TEXT_WIDTH);
                assert!(lines.len() > 20);
                for line in &lines {
                    let width = text_width(line, font, size);
                    assert!(width <= TEXT_WIDTH, "{width} > {TEXT_WIDTH}: {line:?}");
                }
                assert!(lines.iter().any(|l| l == "Short line."));
                assert!(lines.iter().any(String::is_empty));
            }
        }
        // Known metrics: "Hello" in Helvetica is 722+556+222+222+556 units.
        assert!((text_width("Hello", Font::Regular, 10.0) - 22.78).abs() < 1e-4);
        assert!((text_width("é–", Font::Bold, 1000.0) - 1112.0).abs() < 1e-3);
        // A column narrower than one character still terminates.
        assert_eq!(wrap_text("abc", Font::Regular, 10.0, 1.0), ["a", "b", "c"]);
    }

    #[test]
    fn characters_without_winansi_code_become_question_marks() {
        let mut doc = PdfDocument::new("t");
        doc.paragraph("Name: 漢字 Müller €5 “quoted”");
        let pages = extract_text(&doc.finish());
        assert!(pages[0].contains("Name: ?? Müller €5 “quoted”"));
        assert_eq!(to_winansi('漢'), b'?');
        for code in
            (0x20..=0xFFu8).filter(|c| !matches!(c, 0x7F | 0x81 | 0x8D | 0x8F | 0x90 | 0x9D))
        {
            assert_eq!(to_winansi(from_winansi(code)), code);
        }
    }

    #[test]
    fn giant_row_splits_and_empty_document_is_valid() {
        let mut doc = PdfDocument::new("Notes");
        doc.paragraph("Intro");
        let long = "word ".repeat(3000);
        doc.table(
            &["When", "Note"],
            &[1.0, 5.0],
            &[vec!["today".to_string(), long]],
        );
        doc.key_values(&[("Summary", "line\n".repeat(120))]);
        doc.page_break();
        doc.page_break();
        let pages = extract_text(&doc.finish());
        let with_note: Vec<&String> = pages.iter().filter(|p| p.contains("word word")).collect();
        assert!(with_note.len() >= 2, "the giant row spans pages");
        assert!(with_note.iter().all(|p| p.contains("When\nNote")));
        assert_eq!(pages.concat().matches("word").count(), 3000);
        assert_eq!(pages.concat().matches("line").count(), 120);
        // The 120-line value is taller than a page, so it splits too.
        let summary = pages
            .iter()
            .position(|p| p.contains("Summary"))
            .expect("summary");
        assert!(summary + 1 < pages.len());
        assert!(pages.last().is_some_and(|p| p.contains("line")));

        let empty = PdfDocument::new("Empty").finish();
        assert_eq!(extract_text(&empty), ["Empty\nPage 1 of 1"]);
    }

    #[test]
    fn numbers_are_compact() {
        assert_eq!(num(50.0), "50");
        assert_eq!(num(841.89), "841.89");
        assert_eq!(num(0.4), "0.4");
        assert_eq!(num(-0.001), "0");
    }
}
