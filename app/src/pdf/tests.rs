use super::*;

impl PdfDocument {
    /// The text of every line on each page, in drawing order: the running
    /// header first, the body, then the footer ("…", "Page N of M").
    fn page_lines(mut self) -> Vec<Vec<String>> {
        self.close();
        let count = self.pages.len();
        (0..count)
            .map(|i| {
                let mut ops = self.marginals_top();
                ops.extend(self.pages[i].ops.iter().cloned());
                ops.extend(self.marginals_bottom(i + 1, count));
                ops.iter()
                    .filter_map(|op| match op {
                        Op::Text { line, .. } => Some(line.text.clone()),
                        Op::Rule { .. } => None,
                    })
                    .collect()
            })
            .collect()
    }

    /// Every text operation's left and right edge, on all pages.
    fn text_extents(&self) -> Vec<(f32, f32, String)> {
        self.pages
            .iter()
            .chain(std::iter::once(&self.current))
            .flat_map(|page| &page.ops)
            .filter_map(|op| match op {
                Op::Text { x, size, line, .. } => {
                    Some((*x, x + line.width * size, line.text.clone()))
                }
                Op::Rule { .. } => None,
            })
            .collect()
    }
}

/// `pdftotext`'s reading of a PDF (poppler-utils), pages split at form feeds.
fn pdftotext(pdf: &[u8]) -> Vec<String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("pdftotext (poppler-utils, installed by `.ci/setup --test`)");
    let mut stdin = child.stdin.take().unwrap();
    let bytes = pdf.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&bytes));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_string).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

/// `pdfinfo`'s "Key: value" lines for a PDF.
fn pdfinfo(pdf: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("hms-pdf-test-{}.pdf", uuid::Uuid::new_v4()));
    std::fs::write(&path, pdf).unwrap();
    let output = std::process::Command::new("pdfinfo")
        .arg(&path)
        .output()
        .expect("pdfinfo (poppler-utils)");
    let _ = std::fs::remove_file(&path);
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap()
}

/// How pdftotext may give back an Arabic word: itself, or with each lam-alef
/// ligature's two letters swapped. One glyph stands for both letters (its
/// `ToUnicode` entry holds them in logical order, lam first), and poppler,
/// reversing right-to-left text glyph by glyph, also reverses the letters
/// inside it: "الأحمد" reads "األحمد". Copying from a viewer gets it right.
fn as_pdftotext_reads(word: &str) -> [String; 2] {
    let mut swapped = String::new();
    let mut chars = word.chars().peekable();
    while let Some(c) = chars.next() {
        match chars.peek() {
            Some(&alef) if c == 'ل' && matches!(alef, 'ا' | 'أ' | 'إ' | 'آ') => {
                swapped.push(alef);
                swapped.push(c);
                chars.next();
            }
            _ => swapped.push(c),
        }
    }
    [word.to_string(), swapped]
}

fn sample() -> PdfDocument {
    let mut doc = PdfDocument::new("Medical record — Anna Müller");
    doc.set_author("Dr. José Álvarez");
    doc.set_footer("Generated 2026-11-22 10:00 UTC · Confidential");
    doc.heading("Anna Müller");
    doc.paragraph("Seen by Dr. José Álvarez – follow-up in 2 weeks (see notes) \\ ok");
    doc.key_values(&[
        ("MRN", "MRN-00012345".to_string()),
        ("Date of birth", "1980-02-29".to_string()),
        (
            "Also known as",
            "Łukasz Żółć · Мария Иванова · Ελένη".to_string(),
        ),
        ("Arabic", "محمد الأحمد".to_string()),
        ("Hebrew", "דוד לוי".to_string()),
        ("Hindi", "अनन्या शर्मा".to_string()),
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
    doc
}

#[test]
fn lays_out_one_page_with_header_and_footer() {
    let pages = sample().page_lines();
    assert_eq!(pages.len(), 1);
    let page = &pages[0];
    assert_eq!(page.first().unwrap(), "Medical record — Anna Müller");
    assert_eq!(page.last().unwrap(), "Page 1 of 1");
    assert_eq!(
        page[page.len() - 2],
        "Generated 2026-11-22 10:00 UTC · Confidential"
    );
    let joined = page.join("\n");
    for expected in [
        "MRN\nMRN-00012345",
        "Arabic\nمحمد الأحمد",
        "Code\nDescription\nOnset",
        "E11.9\nType 2 diabetes mellitus without complications\n2019-05-01",
    ] {
        assert!(joined.contains(expected), "{expected:?} not in {joined:?}");
    }
}

#[test]
fn writes_a_pdf_that_poppler_reads() {
    let pdf = sample().finish().unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    // To look at it: HMS_PDF_SAMPLE=/tmp/sample.pdf cargo test -p app --features ssr --lib pdf
    if let Some(path) = std::env::var_os("HMS_PDF_SAMPLE") {
        std::fs::write(path, &pdf).unwrap();
    }
    let pages = pdftotext(&pdf);
    assert_eq!(pages.len(), 1, "{pages:?}");
    let text = &pages[0];
    for expected in [
        "Anna Müller",
        "Dr. José Álvarez",
        "MRN-00012345",
        "Łukasz Żółć",
        "Мария Иванова",
        "Ελένη",
        "Type 2 diabetes mellitus",
        "Page 1 of 1",
        "Generated 2026-11-22 10:00 UTC · Confidential",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text}");
    }
    // Right-to-left words come back whole (pdftotext may order them either
    // way on the line); Devanagari keeps its letters.
    for word in ["محمد", "الأحمد", "דוד", "לוי", "अनन्या", "शर्मा"]
    {
        assert!(
            as_pdftotext_reads(word).iter().any(|w| text.contains(w)),
            "{word:?} not in {text}"
        );
    }
    let info = pdfinfo(&pdf);
    let field = |key: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
            .map(str::trim)
    };
    assert_eq!(
        field("Title"),
        Some("Medical record — Anna Müller"),
        "{info}"
    );
    assert_eq!(field("Author"), Some("Dr. José Álvarez"), "{info}");
    assert_eq!(field("Pages"), Some("1"), "{info}");
    assert!(
        field("Page size").is_some_and(|s| s.contains("(A4)")),
        "{info}"
    );
    // Subset fonts: the five families embedded are over 1 MB whole.
    assert!(pdf.len() < 80_000, "{} bytes", pdf.len());
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
    let pages = doc.page_lines();
    let count = pages.len();
    assert!(count >= 3, "200 rows need several pages, got {count}");
    for (i, page) in pages.iter().enumerate() {
        assert_eq!(page.last().unwrap(), &format!("Page {} of {count}", i + 1));
        let joined = page.join("\n");
        assert!(joined.contains("Date\nTest\nResult"), "header on page {i}");
    }
    // Every row appears exactly once, whole.
    let all = pages.concat().join("\n");
    for i in 1..=200 {
        let needle = format!("\nTest number {i}\n{i}.5 mmol/L\n");
        assert_eq!(all.matches(&needle).count(), 1, "row {i}");
    }
}

#[test]
fn wrapped_cells_stay_in_their_columns() {
    let mut doc = PdfDocument::new("Notes");
    let long = "Patient reports intermittent chest pain radiating to the left arm, \
                worse on exertion. محمد الأحمد يراجع العيادة. 王伟在医院。 "
        .repeat(8);
    doc.paragraph(&long);
    doc.table(
        &["When", "Note", "By"],
        &[1.0, 4.0, 1.0],
        &[vec![
            "2026-01-01".into(),
            long.clone(),
            "Supercalifragilisticexpialidocious".into(),
        ]],
    );
    let right = MARGIN + TEXT_WIDTH + 0.01;
    let extents = doc.text_extents();
    assert!(extents.len() > 20);
    for (left, end, text) in &extents {
        assert!(*left >= MARGIN && *end <= right, "{left}..{end}: {text:?}");
    }
    // The narrow last column breaks the long word inside the column.
    let column = TEXT_WIDTH * 5.0 / 6.0 + MARGIN;
    let last: Vec<_> = extents.iter().filter(|(l, _, _)| *l > column).collect();
    assert!(last.len() > 1, "{last:?}");
    assert!(last.iter().all(|(_, end, _)| *end <= right - CELL_PAD_X));
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
    let pages = doc.page_lines();
    let with_note: Vec<&Vec<String>> = pages
        .iter()
        .filter(|p| p.iter().any(|l| l.contains("word word")))
        .collect();
    assert!(with_note.len() >= 2, "the giant row spans pages");
    assert!(with_note
        .iter()
        .all(|p| p.join("\n").contains("When\nNote")));
    let all = pages.concat().join("\n");
    assert_eq!(all.matches("word").count(), 3000);
    assert_eq!(all.matches("line").count(), 120);
    // The 120-line value is taller than a page, so it splits too.
    let summary = pages
        .iter()
        .position(|p| p.iter().any(|l| l == "Summary"))
        .expect("summary");
    assert!(summary + 1 < pages.len());

    let empty = PdfDocument::new("Empty");
    assert_eq!(empty.page_lines(), [["Empty", "Page 1 of 1"]]);
    let pdf = PdfDocument::new("Empty").finish().unwrap();
    let read = pdftotext(&pdf);
    assert_eq!(read.len(), 1);
    assert!(read[0].contains("Page 1 of 1"));
}

#[test]
fn headings_are_not_left_alone_at_the_bottom() {
    let mut doc = PdfDocument::new("t");
    // Fill the page to just above the bottom, then add a subheading.
    while doc.y > CONTENT_BOTTOM + 3.0 * PARAGRAPH.leading {
        doc.paragraph("filler");
    }
    doc.subheading("Medications");
    doc.paragraph("Metformin");
    let pages = doc.page_lines();
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[1][1], "Medications");
}
