//! A saved JSON report read back, whatever netinv version wrote it: the few fields the audit
//! and `diff` need, with every other field ignored; and `netinv audit` on top of it.

use super::members::{self, ScanError, Scanned, Value as Member};
use super::policy::{Date, Policy};
use super::{Compliance, Subject, Verdict};
use crate::cli::AuditArgs;
use crate::exit::Exit;
use crate::run::AppError;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
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

/// One device of a saved report. Outputs, settings and everything else a report carries are
/// skipped while reading, not kept: a 100,000-device report is mostly outputs.
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
    /// The inventory columns as the report wrote them; read only when a policy asks for one.
    #[serde(default)]
    pub(crate) fields: Option<Box<RawValue>>,
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

/// The facts `diff` compares, and the whole facts object as the report had it, so that a
/// history can carry a device's last known facts forward unchanged (one allocation per device
/// instead of a map of values).
#[derive(Debug, Clone, Default)]
pub struct SavedFacts {
    /// The software version.
    pub version: Option<String>,
    /// The hardware model.
    pub model: Option<String>,
    /// The chassis serial number.
    pub serial: Option<String>,
    /// The hostname the device reported.
    pub hostname: Option<String>,
    /// The software image file.
    pub image: Option<String>,
    /// The facts object as the report wrote it, when it came from a report.
    raw: Option<Box<RawValue>>,
}

/// The facts `diff` and the audit read, out of a facts object.
#[derive(Default, Deserialize, Serialize)]
struct KnownFacts {
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    serial: Option<String>,
    #[serde(default)]
    hostname: Option<String>,
    #[serde(default)]
    image: Option<String>,
}

impl SavedFacts {
    /// Facts of this run, for comparing with a saved report.
    pub fn new(
        version: Option<String>,
        model: Option<String>,
        serial: Option<String>,
        hostname: Option<String>,
        image: Option<String>,
    ) -> SavedFacts {
        SavedFacts {
            version,
            model,
            serial,
            hostname,
            image,
            raw: None,
        }
    }
}

impl<'de> Deserialize<'de> for SavedFacts {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(de)?;
        let known: KnownFacts =
            serde_json::from_str(raw.get()).map_err(serde::de::Error::custom)?;
        Ok(SavedFacts {
            version: known.version,
            model: known.model,
            serial: known.serial,
            hostname: known.hostname,
            image: known.image,
            raw: Some(raw),
        })
    }
}

impl Serialize for SavedFacts {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        match &self.raw {
            Some(raw) => raw.serialize(ser),
            None => KnownFacts {
                version: self.version.clone(),
                model: self.model.clone(),
                serial: self.serial.clone(),
                hostname: self.hostname.clone(),
                image: self.image.clone(),
            }
            .serialize(ser),
        }
    }
}

impl SavedReport {
    /// Read a report file; the error says what is wrong with it and that nothing was judged.
    /// Read device by device: the report's bytes (mostly outputs, skipped) are never all in
    /// memory at once.
    pub fn load(path: &Path) -> Result<SavedReport, AppError> {
        let cannot_read = |error| AppError::Io {
            what: format!("cannot read the report {}", path.display()),
            error,
        };
        let not_a_report = |line: usize, why: &str| {
            AppError::Usage(format!(
                "{}:{line}: not a netinv JSON report ({why}); give a file written by `netinv collect --json`",
                path.display()
            ))
        };
        // serde_json's messages end with a position in the piece it was given, not in the file.
        let why = |e: &serde_json::Error| {
            let text = e.to_string();
            match text.rsplit_once(" at line ") {
                Some((why, _)) => why.to_string(),
                None => text,
            }
        };
        let file = std::fs::File::open(path).map_err(cannot_read)?;
        let mut report = SavedReport {
            netinv_version: None,
            started_at: None,
            finished_at: None,
            devices: Vec::new(),
        };
        let scanned = members::scan(file, "devices", |value| match value {
            Member::Element(text, line) => {
                let device = serde_json::from_slice(text)
                    .map_err(|e| not_a_report(line + e.line() - 1, &why(&e)))?;
                report.devices.push(device);
                Ok(())
            }
            Member::Member(key, text, line) => {
                let slot = match key {
                    "netinv_version" => &mut report.netinv_version,
                    "started_at" => &mut report.started_at,
                    "finished_at" => &mut report.finished_at,
                    "devices" => return Err(not_a_report(line, "`devices` is not a list")),
                    _ => return Ok(()),
                };
                *slot = serde_json::from_slice(text)
                    .map_err(|e| not_a_report(line + e.line() - 1, &why(&e)))?;
                Ok(())
            }
        });
        match scanned {
            Ok(true) => Ok(report),
            Ok(false) => Err(not_a_report(1, "it has no `devices` list")),
            Err(Scanned::Caller(e)) => Err(e),
            Err(Scanned::Document(ScanError::Io(e))) => Err(cannot_read(e)),
            Err(Scanned::Document(ScanError::Syntax { line, message })) => {
                Err(not_a_report(line, &message))
            }
        }
    }
}

impl SavedDevice {
    /// Collected in the run that wrote the report.
    pub fn collected(&self) -> bool {
        self.status == "ok"
    }

    /// The inventory columns whose values are text (reports keep them as strings; older ones
    /// may not).
    fn field_texts(&self) -> Vec<(String, String)> {
        let Some(raw) = &self.fields else {
            return Vec::new();
        };
        let map: Map<String, Value> = serde_json::from_str(raw.get()).unwrap_or_default();
        map.into_iter()
            .filter_map(|(k, v)| match v {
                Value::String(s) => Some((k, s)),
                _ => None,
            })
            .collect()
    }

    fn subject<'a>(&'a self, fields: &'a [(String, String)]) -> Subject<'a> {
        Subject {
            name: &self.name,
            host: &self.host,
            platform: self.platform.as_deref(),
            collected: self.collected(),
            version: self.facts.as_ref().and_then(|f| f.version.as_deref()),
            fields: fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
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
pub fn audit(args: &AuditArgs) -> Result<Exit, AppError> {
    let policy = Policy::load(&args.policy)?;
    distinct_outputs(&args.out.json, &args.out.csv)?;
    let report = SavedReport::load(&args.report)?;
    let today = Date::today();
    // The columns are parsed out of each device only when a rule is scoped on one.
    let scoped = policy.rules.iter().any(|r| !r.scope.is_empty());
    let verdicts: Vec<Compliance> = report
        .devices
        .iter()
        .map(|d| {
            let fields = if scoped { d.field_texts() } else { Vec::new() };
            super::judge(&policy, &d.subject(&fields), &today)
        })
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

    if let Some(dest) = &args.out.json {
        write_out(dest, |w| {
            write_json(w, &args.report, &today, &counts, &rows)
        })?;
    }
    if let Some(dest) = &args.out.csv {
        write_out(dest, |w| write_csv(w, &rows))?;
    }
    let mut err = std::io::stderr().lock();
    let _ = print_audit(&mut err, &args.report, &counts, &rows);
    let off = verdicts
        .iter()
        .filter(|c| c.verdict == Verdict::NonCompliant)
        .count();
    Ok(if off > 0 {
        Exit::NonCompliant
    } else {
        Exit::Ok
    })
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
