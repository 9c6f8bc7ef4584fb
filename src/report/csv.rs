//! The CSV report: one row per device, fixed columns then the carried-through ones.

use super::{Exporter, Report};
use std::io::Write;

/// `raw: false` (the default) guards every cell against spreadsheet formulas (OWASP's rule):
/// a cell that starts, even after leading whitespace, with `=`, `+`, `-`, `@`, tab or CR gets a
/// `'` in front, so a hostile device (its hostname, version, uptime, an error it printed) or
/// inventory cannot run a formula on the machine of whoever opens the report. `raw: true`
/// keeps the bytes for pipelines that read CSV as data.
pub struct CsvExporter {
    /// Write values as collected, without spreadsheet-formula escaping.
    pub raw: bool,
}

fn formula_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    let starts_formula = |s: &str| s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if starts_formula(cell) || starts_formula(cell.trim_start()) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

pub const COLUMNS: [&str; 17] = [
    "name",
    "host",
    "port",
    "platform",
    "status",
    "error_kind",
    "error",
    "vendor",
    "os",
    "version",
    "model",
    "serial",
    "hostname",
    "uptime",
    "elapsed_ms",
    "attempts",
    "transport",
];

/// The commands a collected device rejected, after every other column.
pub const WARNINGS: &str = "warnings";

/// The Devices table's header: the fixed columns, the inventory's, then `warnings` (last, so
/// every column before it keeps its place).
pub(super) fn header<'r>(report: &'r Report) -> Vec<&'r str> {
    COLUMNS
        .iter()
        .copied()
        .chain(report.extra_columns())
        .chain([WARNINGS])
        .collect()
}

/// The `COLUMNS` cells of one device, as text.
pub(super) fn fixed_cells(
    report: &Report,
    d: &crate::inventory::Device,
    r: &crate::collect::Record,
) -> Vec<String> {
    let facts = r.facts();
    let f = |get: fn(&crate::platform::Facts) -> &Option<String>| -> String {
        facts.and_then(|x| get(x).clone()).unwrap_or_default()
    };
    let err = r.error();
    let port = report.port(d).to_string();
    vec![
        d.name.clone(),
        d.host.clone(),
        port,
        r.platform.map(|p| p.name().to_string()).unwrap_or_default(),
        r.status().to_string(),
        err.map(|e| e.kind.as_str().to_string()).unwrap_or_default(),
        err.map(|e| e.message.clone()).unwrap_or_default(),
        f(|x| &x.vendor),
        f(|x| &x.os),
        f(|x| &x.version),
        f(|x| &x.model),
        f(|x| &x.serial),
        f(|x| &x.hostname),
        f(|x| &x.uptime),
        r.elapsed.as_millis().to_string(),
        r.attempts.to_string(),
        r.transport
            .map(|t| t.as_str())
            .unwrap_or_default()
            .to_string(),
    ]
}

/// Each rejected command's message (it names the command), `; `-separated.
pub(super) fn warnings(r: &crate::collect::Record) -> String {
    let all: Vec<String> = r
        .command_warnings()
        .map(|(_, e)| e.message.clone())
        .collect();
    all.join("; ")
}

impl Exporter for CsvExporter {
    fn write(&self, report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        let raw = self.raw;
        let cell = |c: &str| -> String {
            if raw {
                c.to_string()
            } else {
                formula_safe(c).into_owned()
            }
        };
        w.write_record(header(report).into_iter().map(cell))?;
        for (d, r) in report.rows() {
            let row = fixed_cells(report, d, r);
            w.write_record(
                row.iter()
                    .map(String::as_str)
                    .chain(d.fields.iter().map(|(_, v)| v.as_str()))
                    .chain([warnings(r).as_str()])
                    .map(cell),
            )?;
        }
        w.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::formula_safe;

    #[test]
    fn cells_a_spreadsheet_would_run_get_a_quote_in_front() {
        for hostile in [
            "=1+1",
            "+1",
            "-2+3",
            "@SUM(A1)",
            "\t=1+1",
            "\r=1",
            "  =HYPERLINK(x)",
        ] {
            assert_eq!(formula_safe(hostile), format!("'{hostile}"));
        }
        for plain in ["R1", "15.2(7)E", "1 day, 2 hours", "", "a=b", "x-y"] {
            assert_eq!(formula_safe(plain), plain);
        }
    }
}
