//! Paginated PDF documents (the patient's copy of their record), server only.
//!
//! # Why krilla
//!
//! The record must print every script the UI shows: Latin, Greek, Cyrillic,
//! Devanagari, CJK, and Arabic and Hebrew (right to left, with joined
//! letters). That takes embedded fonts, text shaping and bidirectional
//! ordering, which the standard PDF fonts cannot do. [krilla] writes the file
//! and embeds each font as a *subset* (only the glyphs used, so a record stays
//! tens of kilobytes) with a `ToUnicode` map, so the text can be searched and
//! copied. [`shape`] chooses fonts, orders and shapes the text and wraps it.
//! This replaced a hand-written Windows-1252/Helvetica writer in the shared
//! crate; it lives here, behind `ssr`, so the browser's wasm never carries it.
//!
//! # Model
//!
//! [`PdfDocument`] is a flow layout on A4 portrait pages with 50 pt margins:
//! each call ([`heading`](PdfDocument::heading),
//! [`paragraph`](PdfDocument::paragraph), [`table`](PdfDocument::table), …)
//! places its content below the previous one, starting a new page when the
//! current one is full. Text is word-wrapped with the shaped widths, so no
//! line runs into the margin. Only when all pages are known does
//! [`finish`](PdfDocument::finish) draw them, so every page carries a running
//! header (the title) and a footer with "Page N of M". Layout coordinates
//! are PDF points with the origin at the bottom left; krilla's origin is the
//! top left, so `y` is flipped when drawing.
//!
//! [krilla]: https://docs.rs/krilla

pub mod shape;

use krilla::color::luma;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::Document;

pub use shape::Weight;
use shape::{truncate, wrap, Line};

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

/// Written into the document information unless another is set.
const PRODUCER: &str = "HMS (hospital management system)";

/// Noto Sans's cap height, in em: text is centred on it in its line box.
const CAP_HEIGHT: f32 = 0.714;

/// Why a document could not be written (a font krilla could not embed).
#[derive(Debug)]
pub struct PdfError(String);

impl std::fmt::Display for PdfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot write the PDF: {}", self.0)
    }
}

impl std::error::Error for PdfError {}

/// How a run of wrapped text is set.
struct TextStyle {
    weight: Weight,
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
    weight: Weight::Bold,
    size: 18.0,
    leading: 24.0,
    grey: 0.0,
    space_before: 16.0,
    space_after: 6.0,
    keep_with_next: 3.0 * PARAGRAPH.leading,
};

const SUBHEADING: TextStyle = TextStyle {
    weight: Weight::Bold,
    size: 13.0,
    leading: 18.0,
    grey: 0.0,
    space_before: 12.0,
    space_after: 4.0,
    keep_with_next: 3.0 * PARAGRAPH.leading,
};

const PARAGRAPH: TextStyle = TextStyle {
    weight: Weight::Regular,
    size: 10.0,
    leading: 14.0,
    grey: 0.0,
    space_before: 0.0,
    space_after: 6.0,
    keep_with_next: 0.0,
};

const MUTED: TextStyle = TextStyle {
    weight: Weight::Regular,
    size: 9.0,
    leading: 12.0,
    grey: 0.4,
    space_before: 0.0,
    space_after: 6.0,
    keep_with_next: 0.0,
};

/// Baseline of a line of `size`-point text in a line box of height `leading`
/// whose top is at `top`: the capitals are centred in the box.
fn baseline(top: f32, size: f32, leading: f32) -> f32 {
    top - leading / 2.0 - CAP_HEIGHT * size / 2.0
}

/// A drawing operation on a page, in page coordinates (origin bottom left).
#[derive(Debug, Clone)]
enum Op {
    Text {
        size: f32,
        grey: f32,
        x: f32,
        y: f32,
        line: Line,
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

/// One cell of a row: its left edge and wrapped lines.
struct Cell {
    x: f32,
    lines: Vec<Line>,
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

/// `text` wrapped to `width` points at `size`.
fn wrap_points(text: &str, weight: Weight, size: f32, width: f32) -> Vec<Line> {
    wrap(text, weight, width / size)
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
    /// A4 portrait, 50 pt margins. `title` goes in the document information
    /// and as a running header (small grey text) on every page.
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

    /// Author in the document information (optional).
    pub fn set_author(&mut self, author: &str) {
        self.author = Some(author.to_string());
    }

    /// Text printed on the left of every page's footer (e.g. "Generated
    /// 2026-11-22 10:00 UTC · Confidential"); the right side always has
    /// "Page N of M". Shortened with "…" if it would not fit.
    pub fn set_footer(&mut self, text: &str) {
        self.footer = text.replace('\n', " ");
    }

    /// Bold 18 pt, with space before and after; kept with at least three
    /// lines of what follows.
    pub fn heading(&mut self, text: &str) {
        self.text_block(text, &HEADING);
    }

    /// Bold 13 pt; never left alone at the bottom of a page (if fewer than
    /// three lines of room would remain below it, it starts a new page).
    pub fn subheading(&mut self, text: &str) {
        self.text_block(text, &SUBHEADING);
    }

    /// 10 pt, word-wrapped to the text width. `'\n'` forces a line break;
    /// words longer than a line are broken. Splits across pages.
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
                        lines: wrap_points(key, Weight::Bold, style.size, KEY_COLUMN - KEY_GAP),
                    },
                    Cell {
                        x: MARGIN + KEY_COLUMN,
                        lines: wrap_points(
                            value,
                            Weight::Regular,
                            style.size,
                            TEXT_WIDTH - KEY_COLUMN,
                        ),
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
            ..table_row(headers.iter().copied(), Weight::Bold, &columns)
        };
        let body: Vec<Row> = rows
            .iter()
            .map(|cells| Row {
                rule_below: Some(RuleStyle {
                    width: 0.3,
                    grey: 0.7,
                }),
                ..table_row(cells.iter().map(String::as_str), Weight::Regular, &columns)
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

    /// Lays out the running header and footer on every page and writes the
    /// document with krilla: a PDF 1.7 file with compressed content streams,
    /// subset fonts, and the title and author in its metadata.
    pub fn finish(mut self) -> Result<Vec<u8>, PdfError> {
        self.close();
        let page_count = self.pages.len();
        let mut document = Document::new();
        let mut metadata = Metadata::new()
            .title(self.title.clone())
            .producer(PRODUCER.into())
            .creator(PRODUCER.into());
        if let Some(author) = &self.author {
            metadata = metadata.authors(vec![author.clone()]);
        }
        document.set_metadata(metadata);
        let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
            .ok_or_else(|| PdfError("page size".into()))?;
        for (index, page) in self.pages.iter().enumerate() {
            let mut ops = self.marginals_top();
            ops.extend(page.ops.iter().cloned());
            ops.extend(self.marginals_bottom(index + 1, page_count));
            let mut pdf_page = document.start_page_with(settings.clone());
            let mut surface = pdf_page.surface();
            for op in &ops {
                draw(&mut surface, op);
            }
            surface.finish();
            pdf_page.finish();
        }
        document.finish().map_err(|e| PdfError(e.to_string()))
    }

    // ----- layout helpers -----

    /// Ends the last page (and makes sure there is one).
    fn close(&mut self) {
        if !self.current.ops.is_empty() || self.pages.is_empty() {
            self.new_page();
        }
    }

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
        let lines = wrap_points(text, style.weight, style.size, TEXT_WIDTH);
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
            if !line.runs.is_empty() {
                self.push(Op::Text {
                    size: style.size,
                    grey: style.grey,
                    x: MARGIN,
                    y,
                    line,
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
                if line.runs.is_empty() {
                    continue;
                }
                let line_top = top - row.pad - i as f32 * row.leading;
                self.push(Op::Text {
                    size: row.size,
                    grey: 0.0,
                    x: cell.x,
                    y: baseline(line_top, row.size, row.leading),
                    line: line.clone(),
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
            let title = truncate(
                &self.title.replace('\n', " "),
                Weight::Regular,
                TEXT_WIDTH / MARGINAL_SIZE,
            );
            ops.push(Op::Text {
                size: MARGINAL_SIZE,
                grey: 0.5,
                x: MARGIN,
                y: HEADER_BASELINE,
                line: title,
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
        let label = shape::shape_line(&format!("Page {number} of {count}"), Weight::Regular);
        let label_width = label.width * MARGINAL_SIZE;
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
                size: MARGINAL_SIZE,
                grey: 0.4,
                x: MARGIN,
                y: FOOTER_BASELINE,
                line: truncate(&self.footer, Weight::Regular, room / MARGINAL_SIZE),
            });
        }
        ops.push(Op::Text {
            size: MARGINAL_SIZE,
            grey: 0.4,
            x: MARGIN + TEXT_WIDTH - label_width,
            y: FOOTER_BASELINE,
            line: label,
        });
        ops
    }
}

/// A table row: `texts` wrapped into `columns` (left edge, inner width).
/// Missing cells stay empty; extra ones are ignored.
fn table_row<'a>(
    texts: impl Iterator<Item = &'a str>,
    weight: Weight,
    columns: &[(f32, f32)],
) -> Row {
    Row {
        cells: texts
            .zip(columns)
            .map(|(text, &(x, width))| Cell {
                x,
                lines: wrap_points(text, weight, TABLE_SIZE, width),
            })
            .collect(),
        size: TABLE_SIZE,
        leading: TABLE_LEADING,
        pad: CELL_PAD_Y,
        rule_above: None,
        rule_below: None,
    }
}

/// A grey level (0 black, 1 white) as a krilla colour.
fn grey(level: f32) -> luma::Color {
    luma::Color::new((level.clamp(0.0, 1.0) * 255.0).round() as u8)
}

/// Draws one operation; `y` is flipped to krilla's top-left origin.
fn draw(surface: &mut krilla::surface::Surface<'_>, op: &Op) {
    match op {
        Op::Text {
            size,
            grey: level,
            x,
            y,
            line,
        } => {
            surface.set_stroke(None);
            surface.set_fill(Some(Fill {
                paint: grey(*level).into(),
                opacity: NormalizedF32::ONE,
                rule: Default::default(),
            }));
            let mut x = *x;
            for run in &line.runs {
                surface.draw_glyphs(
                    Point::from_xy(x, PAGE_HEIGHT - y),
                    run.glyphs.as_slice(),
                    run.font.font.clone(),
                    &run.text,
                    *size,
                    false,
                );
                x += run.width * size;
            }
        }
        Op::Rule {
            x1,
            x2,
            y,
            width,
            grey: level,
        } => {
            let mut path = PathBuilder::new();
            path.move_to(*x1, PAGE_HEIGHT - y);
            path.line_to(*x2, PAGE_HEIGHT - y);
            let Some(path) = path.finish() else { return };
            surface.set_fill(None);
            surface.set_stroke(Some(Stroke {
                paint: grey(*level).into(),
                width: *width,
                ..Default::default()
            }));
            surface.draw_path(&path);
        }
    }
}

#[cfg(test)]
mod tests;
