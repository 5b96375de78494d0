//! Code 128 bars of an accession number, encoded by the `barcoders` crate;
//! the label page draws them as SVG rectangles.

use shared::AppError;

/// The bars of `text` in Code 128 set B, as `(start, width)` in modules,
/// with the total width in modules (quiet zones excluded).
pub fn code128(text: &str) -> Result<(Vec<(u16, u16)>, u16), AppError> {
    use barcoders::sym::code128::Code128;
    // 'Ɓ' selects character set B: letters and digits as printed.
    let code = Code128::new(format!("\u{0181}{text}")).map_err(|e| {
        tracing::error!("code 128 of {text:?}: {e}");
        AppError::Internal
    })?;
    let modules = code.encode();
    let mut bars = Vec::new();
    let mut start = None;
    for (i, m) in modules.iter().enumerate() {
        match (m, start) {
            (1, None) => start = Some(i),
            (0, Some(s)) => {
                bars.push((s as u16, (i - s) as u16));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        bars.push((s as u16, (modules.len() - s) as u16));
    }
    Ok((bars, modules.len() as u16))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_start_with_the_start_b_pattern_and_end_with_the_stop_bar() {
        let (bars, modules) = code128("L2612040001").unwrap();
        // Start B is 11010010000: bars of 2, 1 and 1 modules.
        assert_eq!(&bars[..3], &[(0, 2), (3, 1), (6, 1)]);
        // Start, 11 characters, the check symbol (11 modules each), then the
        // 13-module stop pattern ending in a 2-module bar.
        assert_eq!(modules, 11 * 13 + 13);
        assert_eq!(bars.last(), Some(&(modules - 2, 2)));
    }
}
