//! `netinv diff OLD.json NEW.json`: what changed between two runs, device by device — added and
//! removed devices, upgrades and downgrades, replaced hardware, devices newly failing or back.

use crate::audit::saved::{distinct_outputs, write_out, SavedDevice, SavedFacts, SavedReport};
use crate::audit::version;
use crate::cli::DiffArgs;
use crate::exit::Exit;
use crate::run::AppError;
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;

/// The kinds of change, in the order the text lists them. Their strings are a contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// The device is in the new report only.
    Added,
    /// The device is in the old report only.
    Removed,
    /// The version went up.
    Upgraded,
    /// The version went down.
    Downgraded,
    /// The version changed in a way the version order cannot tell (different numbering).
    VersionChanged,
    /// The serial changed: the hardware was replaced (an RMA).
    Replaced,
    /// The model changed.
    ModelChanged,
    /// The hostname changed.
    HostnameChanged,
    /// The image changed.
    ImageChanged,
    /// Collected before, failed now.
    NewlyFailing,
    /// Failed before, collected now.
    Recovered,
}

impl ChangeKind {
    /// The change's stable string, as reports write it.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Upgraded => "upgraded",
            ChangeKind::Downgraded => "downgraded",
            ChangeKind::VersionChanged => "version_changed",
            ChangeKind::Replaced => "replaced",
            ChangeKind::ModelChanged => "model_changed",
            ChangeKind::HostnameChanged => "hostname_changed",
            ChangeKind::ImageChanged => "image_changed",
            ChangeKind::NewlyFailing => "newly_failing",
            ChangeKind::Recovered => "recovered",
        }
    }
}

/// One change of one device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The device's inventory name.
    pub device: String,
    /// What changed.
    pub change: ChangeKind,
    /// The fact that changed (`version`, `serial` …), or null for a whole-device change.
    pub field: Option<&'static str>,
    /// The value before, where there is one.
    pub old: Option<String>,
    /// The value after, where there is one.
    pub new: Option<String>,
}

/// Every change from `old` to `new`, in the new report's device order, removed devices last.
pub fn changes(old: &SavedReport, new: &SavedReport) -> Vec<Change> {
    let before: HashMap<&str, &SavedDevice> =
        old.devices.iter().map(|d| (d.name.as_str(), d)).collect();
    let now: HashMap<&str, &SavedDevice> =
        new.devices.iter().map(|d| (d.name.as_str(), d)).collect();
    let mut out = Vec::new();
    for d in &new.devices {
        match before.get(d.name.as_str()) {
            None => out.push(whole(d, ChangeKind::Added)),
            Some(was) => device_changes(was, d, &mut out),
        }
    }
    for d in &old.devices {
        if !now.contains_key(d.name.as_str()) {
            out.push(whole(d, ChangeKind::Removed));
        }
    }
    out
}

fn whole(d: &SavedDevice, change: ChangeKind) -> Change {
    Change {
        device: d.name.clone(),
        change,
        field: None,
        old: None,
        new: None,
    }
}

fn device_changes(was: &SavedDevice, is: &SavedDevice, out: &mut Vec<Change>) {
    let failure = |d: &SavedDevice| {
        d.error
            .as_ref()
            .map(|e| format!("{}: {}", e.kind, e.message))
            .unwrap_or_else(|| d.status.clone())
    };
    match (was.collected(), is.collected()) {
        (true, false) => {
            out.push(Change {
                device: is.name.clone(),
                change: ChangeKind::NewlyFailing,
                field: None,
                old: None,
                new: Some(failure(is)),
            });
            // What it ran is unknown now, so nothing else can be said to have changed.
            return;
        }
        (false, true) => out.push(Change {
            device: is.name.clone(),
            change: ChangeKind::Recovered,
            field: None,
            old: Some(failure(was)),
            new: None,
        }),
        (false, false) => return,
        (true, true) => {}
    }
    let (Some(a), Some(b)) = (&was.facts, &is.facts) else {
        return;
    };
    fact_changes(&is.name, a, b, out);
}

fn fact_changes(device: &str, a: &SavedFacts, b: &SavedFacts, out: &mut Vec<Change>) {
    let mut push = |change, field, old: &Option<String>, new: &Option<String>| {
        out.push(Change {
            device: device.to_string(),
            change,
            field: Some(field),
            old: old.clone(),
            new: new.clone(),
        })
    };
    // A fact the device did not show in one of the runs is not a change of the device.
    let differ = |x: &Option<String>, y: &Option<String>| matches!((x, y), (Some(x), Some(y)) if x.trim() != y.trim());
    let version_changed = differ(&a.version, &b.version);
    if version_changed {
        let (x, y) = (
            a.version.as_deref().unwrap_or(""),
            b.version.as_deref().unwrap_or(""),
        );
        let kind = match version::compare(x, y) {
            Some(Ordering::Less) => ChangeKind::Upgraded,
            Some(Ordering::Greater) => ChangeKind::Downgraded,
            _ => ChangeKind::VersionChanged,
        };
        push(kind, "version", &a.version, &b.version);
    }
    if differ(&a.serial, &b.serial) {
        push(ChangeKind::Replaced, "serial", &a.serial, &b.serial);
    }
    if differ(&a.model, &b.model) {
        push(ChangeKind::ModelChanged, "model", &a.model, &b.model);
    }
    if differ(&a.hostname, &b.hostname) {
        push(
            ChangeKind::HostnameChanged,
            "hostname",
            &a.hostname,
            &b.hostname,
        );
    }
    // A new image is part of an upgrade; only an image changed under the same version is news.
    if differ(&a.image, &b.image) && !version_changed {
        push(ChangeKind::ImageChanged, "image", &a.image, &b.image);
    }
}

/// Changes counted by kind.
pub fn count(changes: &[Change]) -> BTreeMap<ChangeKind, usize> {
    let mut by = BTreeMap::new();
    for c in changes {
        *by.entry(c.change).or_default() += 1;
    }
    by
}

/// The text form: one count line, then one line per change.
pub fn write_text(
    out: &mut dyn Write,
    old: &Path,
    new: &Path,
    changes: &[Change],
) -> std::io::Result<()> {
    let by = count(changes);
    if by.is_empty() {
        return writeln!(out, "{} -> {}: no changes", old.display(), new.display());
    }
    let counts: Vec<String> = by
        .iter()
        .map(|(k, n)| format!("{n} {}", k.as_str()))
        .collect();
    writeln!(
        out,
        "{} -> {}: {}",
        old.display(),
        new.display(),
        counts.join(", ")
    )?;
    for c in changes {
        let detail = match (c.field, &c.old, &c.new) {
            (Some(f), Some(o), Some(n)) => format!(": {f} {o} -> {n}"),
            (None, Some(o), None) => format!(" (was {o})"),
            (None, None, Some(n)) => format!(": {n}"),
            _ => String::new(),
        };
        writeln!(out, "  {:<16} {}{detail}", c.change.as_str(), c.device)?;
    }
    Ok(())
}

/// The JSON form: both reports' times, the counts and the changes.
pub fn write_json(
    out: &mut dyn Write,
    (old_path, old): (&Path, &SavedReport),
    (new_path, new): (&Path, &SavedReport),
    changes: &[Change],
) -> std::io::Result<()> {
    #[derive(Serialize)]
    struct Side<'a> {
        report: String,
        started_at: Option<&'a str>,
        netinv_version: Option<&'a str>,
    }
    #[derive(Serialize)]
    struct Doc<'a> {
        old: Side<'a>,
        new: Side<'a>,
        summary: BTreeMap<ChangeKind, usize>,
        changes: &'a [Change],
    }
    fn side<'r>(p: &Path, r: &'r SavedReport) -> Side<'r> {
        Side {
            report: p.display().to_string(),
            started_at: r.started_at.as_deref(),
            netinv_version: r.netinv_version.as_deref(),
        }
    }
    let doc = Doc {
        old: side(old_path, old),
        new: side(new_path, new),
        summary: count(changes),
        changes,
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(std::io::Error::other)?;
    out.write_all(b"\n")
}

/// The CSV form: one row per change.
pub fn write_csv(out: &mut dyn Write, changes: &[Change]) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["device", "change", "field", "old", "new"])?;
    for c in changes {
        w.write_record([
            c.device.as_str(),
            c.change.as_str(),
            c.field.unwrap_or(""),
            c.old.as_deref().unwrap_or(""),
            c.new.as_deref().unwrap_or(""),
        ])?;
    }
    w.flush()
}

/// `netinv diff`: text on stdout, or JSON/CSV where asked; exit 0 whether or not anything
/// changed (1 would read as "devices failed" to scripts that know netinv's codes).
pub fn run(args: &DiffArgs) -> Result<Exit, AppError> {
    distinct_outputs(&args.out.json, &args.out.csv)?;
    let old = SavedReport::load(&args.old)?;
    let new = SavedReport::load(&args.new)?;
    let all = changes(&old, &new);
    if let Some(d) = &args.out.json {
        write_out(d, |w| {
            write_json(w, (&args.old, &old), (&args.new, &new), &all)
        })?;
    }
    if let Some(d) = &args.out.csv {
        write_out(d, |w| write_csv(w, &all))?;
    }
    let to_stdout = [&args.out.json, &args.out.csv]
        .iter()
        .any(|d| d.as_deref() == Some("-"));
    if to_stdout {
        let _ = write_text(&mut std::io::stderr().lock(), &args.old, &args.new, &all);
    } else {
        write_out("-", |w| write_text(w, &args.old, &args.new, &all))?;
    }
    Ok(Exit::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(json: &str) -> SavedReport {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn each_kind_of_change_is_told_apart() {
        let old = report(
            r#"{"devices":[
            {"name":"up","status":"ok","facts":{"version":"15.2(7)E3","serial":"A1"}},
            {"name":"down","status":"ok","facts":{"version":"17.9.4a"}},
            {"name":"rma","status":"ok","facts":{"version":"7.5.2","serial":"OLD1","model":"NCS-55A1"}},
            {"name":"dies","status":"ok","facts":{"version":"4.28.3M"}},
            {"name":"back","status":"failed","error":{"kind":"timeout","message":"no prompt"}},
            {"name":"same","status":"ok","facts":{"version":"9.3(10)","serial":"S"}},
            {"name":"gone","status":"ok","facts":{"version":"1"}}
        ]}"#,
        );
        let new = report(
            r#"{"devices":[
            {"name":"up","status":"ok","facts":{"version":"15.2(7)E10","serial":"A1"}},
            {"name":"down","status":"ok","facts":{"version":"17.9.4"}},
            {"name":"rma","status":"ok","facts":{"version":"7.5.2","serial":"NEW2","model":"NCS-55A1"}},
            {"name":"dies","status":"failed","error":{"kind":"auth","message":"rejected"}},
            {"name":"back","status":"ok","facts":{"version":"1"}},
            {"name":"same","status":"ok","facts":{"version":"9.3(10)","serial":null}},
            {"name":"fresh","status":"ok","facts":{"version":"1"}}
        ]}"#,
        );
        let got: Vec<(String, ChangeKind)> = changes(&old, &new)
            .into_iter()
            .map(|c| (c.device, c.change))
            .collect();
        let want: Vec<(String, ChangeKind)> = [
            ("up", ChangeKind::Upgraded),
            ("down", ChangeKind::Downgraded),
            ("rma", ChangeKind::Replaced),
            ("dies", ChangeKind::NewlyFailing),
            ("back", ChangeKind::Recovered),
            ("fresh", ChangeKind::Added),
            ("gone", ChangeKind::Removed),
        ]
        .into_iter()
        .map(|(d, k)| (d.to_string(), k))
        .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn reports_of_older_formats_with_fields_missing_still_compare() {
        let old = report(r#"{"devices":[{"name":"a","status":"ok"}]}"#);
        let new = report(r#"{"devices":[{"name":"a","status":"ok","facts":{"version":"2"}}]}"#);
        assert!(changes(&old, &new).is_empty());
    }
}
