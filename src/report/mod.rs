//! The run's report: every inventory row's record in inventory order, the summary, and the
//! exporters (JSON, CSV) that write it atomically.

mod csv;
mod html;
mod json;
mod prometheus;
mod summary;
mod xlsx;

pub use summary::print_summary;

use crate::audit::saved::{SavedDevice, SavedError, SavedFacts, SavedReport};
use crate::audit::{self, Compliance, Subject, Verdict};
use crate::collect::{Outcome, Record};
use crate::error::ErrorKind;
use crate::inventory::Device;
use crate::settings::Settings;
use crate::spool::Spool;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// Everything a run found, complete: one record per inventory row.
pub struct Report<'a> {
    /// The command(s) run, as the report names them.
    pub command: String,
    /// When the run started.
    pub started_at: SystemTime,
    /// When the run finished.
    pub finished_at: SystemTime,
    /// How long the run took.
    pub elapsed: Duration,
    /// The settings of the run (no secret is written).
    pub settings: &'a Settings,
    /// The inventory's devices, in order.
    pub devices: &'a [Device],
    /// Same length and order as `devices`.
    pub records: Vec<Record>,
    /// Whether Ctrl-C or SIGTERM stopped the run.
    pub interrupted: bool,
    /// Each record's verdict against the run's policy (same order as `records`), when it has one.
    pub compliance: Option<Vec<Compliance>>,
    /// With a history: what each device was last seen running (same order as `records`).
    pub last_known: Option<Vec<Option<crate::history::LastKnown<'a>>>>,
    /// What changed since the previous run kept in the history (`--history`), when there was one.
    pub changes: Option<Vec<crate::diff::Change>>,
    /// Where outputs parked during the run are read back from.
    spool: Option<&'a Spool>,
    /// Where a row's parked outputs are in the spool, when rows were inserted after the run
    /// (skipped inventory rows): report position → position during the run.
    pub spool_keys: Option<Vec<usize>>,
}

/// Counts the operator and the JSON summary need.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Devices in the report.
    pub total: usize,
    /// Devices collected.
    pub ok: usize,
    /// Devices failed.
    pub failed: usize,
    /// Not contacted: invalid rows under `--skip-invalid` (not counted in `failed`).
    pub skipped: usize,
    /// Collected devices that rejected one of their other commands.
    pub warnings: usize,
    /// Failures and warnings by kind.
    pub by_error: BTreeMap<ErrorKind, usize>,
    /// platform → version → devices, from collected facts.
    pub versions: BTreeMap<String, BTreeMap<String, usize>>,
}

impl<'a> Report<'a> {
    /// Assemble the report; rows without a record (never finished) become `cancelled`.
    pub fn new(
        devices: &'a [Device],
        mut slots: Vec<Option<Record>>,
        settings: &'a Settings,
        started_at: SystemTime,
        elapsed: Duration,
        interrupted: bool,
        spool: Option<&'a Spool>,
    ) -> Report<'a> {
        slots.resize_with(devices.len(), || None);
        let records: Vec<Record> = slots
            .into_iter()
            .enumerate()
            .map(|(i, r)| r.unwrap_or_else(|| Record::cancelled(i, devices[i].platform.known())))
            .collect();
        let compliance = settings.policy.as_ref().map(|policy| {
            let today = audit::policy::Date::today();
            devices
                .iter()
                .zip(&records)
                .map(|(d, r)| audit::judge(policy, &subject(d, r), &today))
                .collect()
        });
        let command = if settings.commands.is_empty() {
            "(each platform's version command)".to_string()
        } else {
            settings.commands.join("; ")
        };
        Report {
            command,
            started_at,
            finished_at: started_at + elapsed,
            elapsed,
            settings,
            devices,
            records,
            interrupted,
            compliance,
            last_known: None,
            changes: None,
            spool,
            spool_keys: None,
        }
    }

    /// Verdict counts per platform, when the run had a policy.
    pub fn compliance_counts(&self) -> Option<BTreeMap<String, BTreeMap<Verdict, usize>>> {
        let verdicts = self.compliance.as_ref()?;
        Some(audit::count(
            self.records
                .iter()
                .zip(verdicts)
                .map(|(r, c)| (r.platform.map(|p| p.name()), c.verdict)),
        ))
    }

    /// How many devices the policy found off its approved versions.
    pub fn non_compliant(&self) -> usize {
        self.compliance
            .iter()
            .flatten()
            .filter(|c| c.verdict == Verdict::NonCompliant)
            .count()
    }

    /// The text of output `k` of the device at `index`, wherever it is kept.
    pub fn output_text<'t>(
        &self,
        index: usize,
        k: usize,
        held: &'t str,
    ) -> std::io::Result<Cow<'t, str>> {
        let index = self.spool_keys.as_ref().map_or(index, |keys| keys[index]);
        match self.spool {
            Some(spool) => spool.text(index, k, held),
            None => Ok(Cow::Borrowed(held)),
        }
    }

    /// The run's counts, by status, error kind and version.
    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            total: self.records.len(),
            ..Summary::default()
        };
        for r in &self.records {
            match r.status() {
                "ok" => s.ok += 1,
                "skipped" => s.skipped += 1,
                _ => s.failed += 1,
            }
            if let Some(e) = r.error() {
                *s.by_error.entry(e.kind).or_default() += 1;
            }
            if r.command_warnings().next().is_some() {
                s.warnings += 1;
            }
            if let (Some(p), Outcome::Collected { facts: Some(f), .. }) = (r.platform, &r.outcome) {
                if let Some(v) = &f.version {
                    *s.versions
                        .entry(p.name().to_string())
                        .or_default()
                        .entry(v.clone())
                        .or_default() += 1;
                }
            }
        }
        s
    }

    /// The report as `diff` sees a saved one, without writing and reading it back.
    pub fn saved(&self) -> SavedReport {
        let devices = self
            .rows()
            .map(|(d, r)| SavedDevice {
                name: d.name.clone(),
                host: d.host.clone(),
                platform: r.platform.map(|p| p.name().to_string()),
                status: r.status().to_string(),
                error: r.error().map(|e| SavedError {
                    kind: e.kind.as_str().to_string(),
                    message: e.message.clone(),
                }),
                facts: match &r.outcome {
                    Outcome::Collected { facts: Some(f), .. } => Some(SavedFacts::new(
                        f.version.clone(),
                        f.model.clone(),
                        f.serial.clone(),
                        f.hostname.clone(),
                        f.image.clone(),
                    )),
                    _ => None,
                },
                fields: Default::default(),
                last_seen: None,
            })
            .collect();
        SavedReport {
            netinv_version: Some(env!("CARGO_PKG_VERSION").to_string()),
            started_at: Some(rfc3339(self.started_at)),
            finished_at: Some(rfc3339(self.finished_at)),
            devices,
        }
    }

    /// The port a device was collected on: its row's, `-p`, ssh_config's `Port`, or 22.
    pub fn port(&self, d: &Device) -> u16 {
        self.settings.target(d).port
    }

    /// Every inventory row with its record, in inventory order.
    pub fn rows(&self) -> impl Iterator<Item = (&Device, &Record)> {
        self.devices.iter().zip(self.records.iter())
    }

    /// The extra inventory columns, in header order (every row has the same ones).
    pub fn extra_columns(&self) -> Vec<&str> {
        self.devices
            .first()
            .map(|d| d.fields.iter().map(|(k, _)| &**k).collect())
            .unwrap_or_default()
    }
}

/// What the audit sees of one device of this run.
fn subject<'a>(d: &'a Device, r: &'a Record) -> Subject<'a> {
    let version = r.version();
    Subject {
        name: &d.name,
        host: &d.host,
        platform: r.platform.map(|p| p.name()),
        collected: r.is_ok(),
        version,
        fields: d.fields.iter().map(|(k, v)| (&**k, v.as_str())).collect(),
    }
}

/// One report format.
pub trait Exporter {
    /// Writes the whole report to `out`.
    fn write(&self, report: &Report, out: &mut dyn Write) -> std::io::Result<()>;
}

pub use self::csv::CsvExporter;
pub use self::html::HtmlExporter;
pub use self::json::JsonExporter;
pub use self::prometheus::PrometheusExporter;
pub use self::xlsx::XlsxExporter;

/// Write a report to `dest` (`-` = stdout) atomically: a temporary file beside it, then a rename,
/// so a reader (or a crash, or Ctrl-C) never sees half a report.
pub fn write_to(exporter: &dyn Exporter, report: &Report, dest: &str) -> std::io::Result<()> {
    if dest == "-" {
        let stdout = std::io::stdout();
        let mut lock = std::io::BufWriter::new(stdout.lock());
        exporter.write(report, &mut lock)?;
        return lock.flush();
    }
    write_atomic(Path::new(dest), |w| exporter.write(report, w))
}

pub use crate::files::{directory_of, write_atomic};

/// RFC 3339 with milliseconds, UTC.
pub fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}
