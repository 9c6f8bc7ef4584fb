//! A saved JSON report read back, whatever netinv version wrote it: the few fields the audit
//! and `diff` need, with every other field ignored; and `netinv audit` on top of it.

use super::policy::{Date, Policy};
use super::{Compliance, Subject, Verdict};
use crate::cli::AuditArgs;
use crate::run::{AppError, EXIT_NON_COMPLIANT, EXIT_OK};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// The parts of a report that outlive the run that wrote it.
#[derive(Debug, Deserialize)]
pub struct SavedReport {
    /// The netinv version that wrote the report.
    #[serde(default)]
    pub netinv_version: Option<String>,
    /// When the run started (RFC 3339).
    #[serde(default)]
    pub started_at: Option<String>,
    /// When the run finished (RFC 3339).
    #[serde(default)]
    pub finished_at: Option<String>,
    /// Every device of the report, in its order.
    pub devices: Vec<SavedDevice>,
}

/// One device of a saved report.
#[derive(Debug, Deserialize)]
pub struct SavedDevice {
    /// The device's inventory name.
    pub name: String,
    /// The device's address.
    #[serde(default)]
    pub host: String,
    /// The platform used, by its Netmiko name.
    #[serde(default)]
    pub platform: Option<String>,
    /// `ok`, `failed`, `skipped` (and whatever later versions add).
    #[serde(default)]
    pub status: String,
    /// Why the device failed, if it did.
    #[serde(default)]
    pub error: Option<SavedError>,
    /// The facts collected, if any.
    #[serde(default)]
    pub facts: Option<SavedFacts>,
    /// The inventory's other columns, as written.
    #[serde(default)]
    pub fields: Map<String, Value>,
    /// When the facts were collected, in reports kept with `--history`.
    #[serde(default)]
    pub last_seen: Option<String>,
}

/// A device's failure as the report gave it.
#[derive(Debug, Clone, Deserialize)]
pub struct SavedError {
    /// The error kind's stable string.
    #[serde(default)]
    pub kind: String,
    /// The error message.
    #[serde(default)]
    pub message: String,
}

/// The facts `diff` compares; the rest of the facts object is kept as it was, so that a
/// history can carry a device's last known facts forward unchanged.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct SavedFacts {
    /// The software version.
    #[serde(default)]
    pub version: Option<String>,
    /// The hardware model.
    #[serde(default)]
    pub model: Option<String>,
    /// The chassis serial number.
    #[serde(default)]
    pub serial: Option<String>,
    /// The hostname the device reported.
    #[serde(default)]
    pub hostname: Option<String>,
    /// The software image file.
    #[serde(default)]
    pub image: Option<String>,
    /// Facts this reader does not name, kept as written.
    #[serde(flatten)]
    pub rest: Map<String, Value>,
}

impl SavedReport {
    /// Read a report file; the error says what is wrong with it and that nothing was judged.
    pub fn load(path: &Path) -> Result<SavedReport, AppError> {
        let bytes = std::fs::read(path).map_err(|error| AppError::Io {
            what: format!("cannot read the report {}", path.display()),
            error,
        })?;
        serde_json::from_slice(&bytes).map_err(|e| {
            AppError::Usage(format!(
                "{}:{}: not a netinv JSON report ({e}); give a file written by `netinv collect --json`",
                path.display(),
                e.line()
            ))
        })
    }
}

impl SavedDevice {
    /// Collected in the run that wrote the report.
    pub fn collected(&self) -> bool {
        self.status == "ok"
    }

    /// A field's value as text (reports keep inventory columns as strings; older ones may not).
    fn field_texts(&self) -> Vec<(&str, &str)> {
        self.fields
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.as_str(), s)))
            .collect()
    }

    fn subject(&self) -> Subject<'_> {
        Subject {
            name: &self.name,
            host: &self.host,
            platform: self.platform.as_deref(),
            collected: self.collected(),
            version: self.facts.as_ref().and_then(|f| f.version.as_deref()),
            fields: self.field_texts(),
        }
    }
}

/// One row of `netinv audit`'s output.
#[derive(Serialize)]
struct Judged<'a> {
    name: &'a str,
    platform: Option<&'a str>,
    version: Option<&'a str>,
    #[serde(flatten)]
    compliance: &'a Compliance,
}

/// `netinv audit --policy FILE REPORT.json`: judge a saved report; contacts nothing.
pub fn audit(args: &AuditArgs) -> Result<i32, AppError> {
    let policy = Policy::load(&args.policy).map_err(|e| AppError::Usage(e.to_string()))?;
    distinct_outputs(&args.json, &args.csv)?;
    let report = SavedReport::load(&args.report)?;
    let today = Date::today();
    let verdicts: Vec<Compliance> = report
        .devices
        .iter()
        .map(|d| super::judge(&policy, &d.subject(), &today))
        .collect();
    let rows: Vec<Judged> = report
        .devices
        .iter()
        .zip(&verdicts)
        .map(|(d, c)| Judged {
            name: &d.name,
            platform: d.platform.as_deref(),
            version: d.facts.as_ref().and_then(|f| f.version.as_deref()),
            compliance: c,
        })
        .collect();
    let counts = super::count(rows.iter().map(|r| (r.platform, r.compliance.verdict)));

    if let Some(dest) = &args.json {
        write_out(dest, |w| {
            write_json(w, &args.report, &today, &counts, &rows)
        })?;
    }
    if let Some(dest) = &args.csv {
        write_out(dest, |w| write_csv(w, &rows))?;
    }
    let mut err = std::io::stderr().lock();
    let _ = print_audit(&mut err, &args.report, &counts, &rows);
    let off = verdicts
        .iter()
        .filter(|c| c.verdict == Verdict::NonCompliant)
        .count();
    Ok(if off > 0 { EXIT_NON_COMPLIANT } else { EXIT_OK })
}

/// `--json` and `--csv` of `audit` and `diff` must not name the same file.
pub(crate) fn distinct_outputs(
    json: &Option<String>,
    csv: &Option<String>,
) -> Result<(), AppError> {
    match (json, csv) {
        (Some(a), Some(b)) if a == b => Err(AppError::Usage(format!(
            "--json and --csv both write {a}: give them different files"
        ))),
        _ => Ok(()),
    }
}

/// Write to `dest` (`-` = stdout) atomically; the error names the destination.
pub(crate) fn write_out(
    dest: &str,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), AppError> {
    let result = if dest == "-" {
        let mut out = std::io::stdout().lock();
        fill(&mut out).and_then(|()| out.flush())
    } else {
        crate::report::write_atomic(Path::new(dest), fill)
    };
    result.map_err(|error| AppError::Io {
        what: format!("cannot write {dest}"),
        error,
    })
}

fn write_json(
    w: &mut dyn Write,
    report: &Path,
    today: &Date,
    counts: &BTreeMap<String, BTreeMap<Verdict, usize>>,
    rows: &[Judged],
) -> std::io::Result<()> {
    #[derive(Serialize)]
    struct Doc<'a> {
        netinv_version: &'static str,
        report: String,
        judged_on: &'a str,
        summary: &'a BTreeMap<String, BTreeMap<Verdict, usize>>,
        devices: &'a [Judged<'a>],
    }
    let doc = Doc {
        netinv_version: env!("CARGO_PKG_VERSION"),
        report: report.display().to_string(),
        judged_on: &today.0,
        summary: counts,
        devices: rows,
    };
    serde_json::to_writer_pretty(&mut *w, &doc).map_err(std::io::Error::other)?;
    w.write_all(b"\n")
}

fn write_csv(w: &mut dyn Write, rows: &[Judged]) -> std::io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(super::VERDICT_COLUMNS)?;
    for r in rows {
        out.write_record(super::verdict_cells(
            r.name,
            r.platform,
            r.version,
            r.compliance,
        ))?;
    }
    out.flush()
}

fn print_audit(
    out: &mut dyn Write,
    report: &Path,
    counts: &BTreeMap<String, BTreeMap<Verdict, usize>>,
    rows: &[Judged],
) -> std::io::Result<()> {
    writeln!(out, "{}: {} devices", report.display(), rows.len())?;
    for (platform, verdicts) in counts {
        let list: Vec<String> = Verdict::ALL
            .iter()
            .filter_map(|v| verdicts.get(v).map(|n| format!("{n} {}", v.as_str())))
            .collect();
        writeln!(out, "  {platform}: {}", list.join(", "))?;
    }
    for r in rows
        .iter()
        .filter(|r| r.compliance.verdict == Verdict::NonCompliant)
    {
        writeln!(out, "  non-compliant: {}: {}", r.name, r.compliance.reason)?;
    }
    Ok(())
}
