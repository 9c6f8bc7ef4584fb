//! The spreadsheet report: a workbook with Devices, Compliance, Failures and Changes sheets,
//! for the people a report is handed to. Every cell is typed (numbers as numbers, text as text:
//! no cell is ever a formula, whatever a device printed), the header row is frozen and filters
//! are on.

use super::csv::{fixed_cells, header, warnings, COLUMNS};
use super::{Exporter, Report};
use crate::audit::{verdict_cells, VERDICT_COLUMNS};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use std::io::Write;

/// Writes the workbook.
pub struct XlsxExporter;

/// The most a spreadsheet cell can hold.
const MAX_CELL_CHARS: usize = 32_767;

/// Columns of the Devices sheet that hold numbers.
const NUMERIC: [&str; 3] = ["port", "elapsed_ms", "attempts"];

fn io_error(e: XlsxError) -> std::io::Error {
    std::io::Error::other(format!("cannot build the workbook: {e}"))
}

/// One sheet, written row by row (constant memory: a 100,000-device report never sits in the
/// workbook whole).
struct Sheet<'w> {
    ws: &'w mut Worksheet,
    row: u32,
    columns: u16,
}

impl<'w> Sheet<'w> {
    fn new(
        wb: &'w mut Workbook,
        name: &str,
        header: &[&str],
        bold: &Format,
    ) -> Result<Sheet<'w>, XlsxError> {
        let ws = wb.add_worksheet_with_constant_memory()?;
        ws.set_name(name)?;
        for (c, h) in header.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, bold)?;
        }
        ws.set_freeze_panes(1, 0)?;
        Ok(Sheet {
            ws,
            row: 1,
            columns: header.len() as u16,
        })
    }

    /// A row of text cells; `numeric[c]` cells that read as numbers are written as numbers.
    fn text_row<'a>(
        &mut self,
        cells: impl IntoIterator<Item = &'a str>,
        numeric: &[bool],
    ) -> Result<(), XlsxError> {
        for (c, cell) in cells.into_iter().enumerate() {
            let col = c as u16;
            // Only the numeric columns are tried as numbers: 3 million cells at 100,000 devices.
            let number = match numeric.get(c) {
                Some(true) => cell.parse::<f64>().ok(),
                _ => None,
            };
            match number {
                Some(n) => {
                    self.ws.write_number(self.row, col, n)?;
                }
                // An empty cell stays empty rather than becoming an empty string.
                None if cell.is_empty() => {}
                None => {
                    // A cell holds at most 32,767 characters; a longer one would fail the sheet.
                    // (No more bytes than that means no more characters either.)
                    let cell = if cell.len() > MAX_CELL_CHARS {
                        cell.char_indices()
                            .nth(MAX_CELL_CHARS)
                            .map_or(cell, |(i, _)| &cell[..i])
                    } else {
                        cell
                    };
                    self.ws.write_string(self.row, col, cell)?;
                }
            }
        }
        self.row += 1;
        Ok(())
    }

    fn finish(self) -> Result<(), XlsxError> {
        if self.columns > 0 {
            self.ws
                .autofilter(0, 0, self.row.saturating_sub(1), self.columns - 1)?;
        }
        Ok(())
    }
}

fn build(report: &Report) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    // Compressing the sheets' XML is most of the time a workbook takes: the fastest level
    // takes half the time of the default for a workbook a few per cent bigger.
    wb.set_zip_compression_level(1);
    let bold = Format::new().set_bold();

    let header = header(report);
    let numeric: Vec<bool> = header.iter().map(|h| NUMERIC.contains(h)).collect();
    // Inventory columns are text, even when they look like numbers (a site code like 0041).
    let numeric = &numeric[..COLUMNS.len()];
    let mut devices = Sheet::new(&mut wb, "Devices", &header, &bold)?;
    for (d, r) in report.rows() {
        let fixed = fixed_cells(report, d, r);
        let warned = warnings(r);
        devices.text_row(
            fixed
                .iter()
                .map(String::as_str)
                .chain(d.fields.iter().map(|(_, v)| v.as_str()))
                .chain([warned.as_str()]),
            numeric,
        )?;
    }
    devices.finish()?;

    if let Some(verdicts) = &report.compliance {
        let mut sheet = Sheet::new(&mut wb, "Compliance", &VERDICT_COLUMNS, &bold)?;
        for ((d, r), c) in report.rows().zip(verdicts) {
            let platform = r.platform.map(|p| p.name());
            sheet.text_row(verdict_cells(&d.name, platform, r.version(), c), &[])?;
        }
        sheet.finish()?;
    }

    let mut failures = Sheet::new(
        &mut wb,
        "Failures",
        &["name", "host", "platform", "kind", "message"],
        &bold,
    )?;
    for (d, r) in report.rows().filter(|(_, r)| !r.is_ok()) {
        let (kind, message) = r
            .error()
            .map(|e| (e.kind.as_str(), e.message.as_str()))
            .unwrap_or(("", ""));
        failures.text_row(
            [
                d.name.as_str(),
                d.host.as_str(),
                r.platform.map(|p| p.name()).unwrap_or(""),
                kind,
                message,
            ],
            &[],
        )?;
    }
    failures.finish()?;

    if let Some(changes) = &report.changes {
        let mut sheet = Sheet::new(
            &mut wb,
            "Changes",
            &["device", "change", "field", "was", "now"],
            &bold,
        )?;
        for c in changes {
            sheet.text_row(
                [
                    c.device.as_str(),
                    c.change.as_str(),
                    c.field.unwrap_or(""),
                    c.old.as_deref().unwrap_or(""),
                    c.new.as_deref().unwrap_or(""),
                ],
                &[],
            )?;
        }
        sheet.finish()?;
    }
    wb.save_to_buffer()
}

impl Exporter for XlsxExporter {
    fn write(&self, report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
        out.write_all(&build(report).map_err(io_error)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first sheet's cells of a workbook, read back.
    fn read_back(bytes: Vec<u8>) -> Vec<Vec<calamine::Data>> {
        use calamine::Reader;
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        range.rows().map(|r| r.to_vec()).collect()
    }

    #[test]
    fn cells_are_typed_by_column_and_cut_to_what_a_cell_holds() {
        let mut wb = Workbook::new();
        let bold = Format::new().set_bold();
        let mut sheet = Sheet::new(&mut wb, "S", &["n", "text", "long"], &bold).unwrap();
        // Multi-byte characters: the cap counts characters, not bytes.
        let long = "é".repeat(MAX_CELL_CHARS + 10);
        let near = "é".repeat(MAX_CELL_CHARS);
        sheet
            .text_row(["42", "42", long.as_str()], &[true, false])
            .unwrap();
        sheet
            .text_row(["x", "=1+1", near.as_str()], &[true, false])
            .unwrap();
        sheet.finish().unwrap();
        use calamine::Data;
        let rows = read_back(wb.save_to_buffer().unwrap());
        assert_eq!(
            rows[1][0],
            Data::Float(42.0),
            "a number in a numeric column"
        );
        assert_eq!(
            rows[1][1],
            Data::String("42".into()),
            "text in a text column"
        );
        assert_eq!(rows[1][2].to_string().chars().count(), MAX_CELL_CHARS);
        assert_eq!(rows[2][0], Data::String("x".into()), "not a number: text");
        assert_eq!(rows[2][1], Data::String("=1+1".into()), "never a formula");
        assert_eq!(rows[2][2], Data::String(near));
    }
}
