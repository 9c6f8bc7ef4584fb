//! One collection run, end to end on the main thread: start the pool, receive records as they
//! complete (facts, progress, logs, raw files), then build the report, export it and summarise.

use crate::collect::{Activity, Context, Outcome, Record};
use crate::error::ErrorKind;
use crate::exit::Exit;
use crate::facts;
use crate::inventory::Device;
use crate::outdir::OutDir;
use crate::plan::{Outputs, Plan, SkippedRow, SummaryWhen};
use crate::progress::Progress;
use crate::report::{
    self, CsvExporter, Exporter, HtmlExporter, JsonExporter, PrometheusExporter, Report,
    XlsxExporter,
};
use crate::spool::Spool;
use std::borrow::Cow;
use std::io::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime};
use tracing::Level;

/// Ctrl-C state: the first press stops new devices, the second aborts waiting.
pub struct Signals {
    /// Set by the first Ctrl-C: start no new device.
    pub stop: Arc<AtomicBool>,
    /// Set by the second Ctrl-C: stop waiting for devices in flight.
    pub abort: Arc<AtomicBool>,
}

static SIGNALS: OnceLock<Signals> = OnceLock::new();

/// How long the main thread naps between batches of records while devices are finishing: short
/// enough for a live progress bar, long enough that hundreds of records arrive per wake-up.
const BATCH_PAUSE: Duration = Duration::from_millis(10);

/// Install the SIGINT/SIGTERM handler once per process.
pub fn signals() -> &'static Signals {
    SIGNALS.get_or_init(|| {
        let s = Signals {
            stop: Arc::new(AtomicBool::new(false)),
            abort: Arc::new(AtomicBool::new(false)),
        };
        let (stop, abort) = (Arc::clone(&s.stop), Arc::clone(&s.abort));
        let _ = ctrlc::set_handler(move || {
            if stop.swap(true, Ordering::SeqCst) {
                abort.store(true, Ordering::SeqCst);
            }
        });
        s
    })
}

/// Devices were collected, yet not one gave a version (each has a `parse` warning) though their
/// platform was known: the wrong command or platform for the whole fleet, which an audit must
/// not take for success. Devices of no known platform (appliances answering with a fixed text)
/// promise no version, so they alone do not count.
fn no_version_anywhere(records: &[Record]) -> bool {
    let collected: Vec<&Record> = records.iter().filter(|r| r.is_ok()).collect();
    !collected.is_empty()
        && collected.iter().any(|r| r.platform.is_some())
        && collected
            .iter()
            .all(|r| r.error().is_some_and(|e| e.kind == ErrorKind::Parse))
}

/// The result of a run.
pub struct Finished {
    /// One record per inventory row, in inventory order.
    pub records: Vec<Record>,
    /// Whether Ctrl-C or SIGTERM stopped the run.
    pub interrupted: bool,
    /// How long the run took.
    pub elapsed: Duration,
    /// Reports that could not be written, and why.
    pub report_errors: Vec<String>,
    /// Devices the policy found running an unapproved version.
    pub non_compliant: usize,
}

impl Finished {
    /// Ok: all collected; SomeFailed: some failed (or a report could not be written);
    /// NonCompliant: all collected but some device is non-compliant; Interrupted.
    pub fn exit_code(&self) -> Exit {
        if self.interrupted {
            Exit::Interrupted
        } else if !self.report_errors.is_empty()
            || self.records.iter().any(|r| !r.is_ok())
            || no_version_anywhere(&self.records)
        {
            Exit::SomeFailed
        } else if self.non_compliant > 0 {
            Exit::NonCompliant
        } else {
            Exit::Ok
        }
    }
}

/// Executes a plan: collects from every device and writes the reports. The records come
/// from `start`: this machine's worker pool (`collect::start`), or the runners behind a
/// broker. Either way every device gets at most one record on the channel, and the channel
/// closes after the last.
pub fn run(
    plan: Plan,
    start: impl FnOnce(Arc<Vec<Device>>, Arc<Context>) -> (Receiver<Record>, Arc<Activity>),
) -> std::io::Result<Finished> {
    let Plan {
        devices,
        skipped,
        settings,
        host_keys,
        outputs,
        ui,
        remote: _,
    } = plan;
    let outputs = &outputs;
    let sig = signals();
    remove_stale_temp_files(outputs);
    let out_dir = match &outputs.out_dir {
        Some(dir) => Some(OutDir::create(dir, &devices)?),
        None => None,
    };
    let devices = Arc::new(devices);
    let total = devices.len();
    let started_at = SystemTime::now();
    let started = Instant::now();
    let ctx = Arc::new(Context::new(settings, host_keys, Arc::clone(&sig.stop)));
    let (rx, activity) = start(Arc::clone(&devices), Arc::clone(&ctx));

    let spool_beside = outputs.json.clone().or_else(|| {
        let h = outputs.history.as_ref()?;
        Some(h.dir().join("latest.json").display().to_string())
    });
    let mut spool = spool_beside.as_deref().and_then(open_spool);
    let mut progress = Progress::new(total, ui.progress);
    let mut slots: Vec<Option<Record>> = vec![None; total];
    let mut received = 0;
    let mut told_stop = false;
    let mut raw_failures: Vec<String> = Vec::new();
    let mut busy = false;
    while received < total {
        progress.activity(|| activity.in_flight(), |i| &devices[i].name);
        if sig.abort.load(Ordering::SeqCst) {
            progress.note("netinv: aborted; writing partial reports");
            break;
        }
        if sig.stop.load(Ordering::SeqCst) && !told_stop {
            told_stop = true;
            progress.note(
                "netinv: interrupted; letting running devices finish (Ctrl-C again to abort now)",
            );
        }
        let mut record = match rx.try_recv() {
            Ok(r) => r,
            Err(TryRecvError::Disconnected) => break,
            // Records are coming in: nap instead of blocking, so that workers sending the next
            // ones find no receiver to wake (a futex call and a context switch per device).
            Err(TryRecvError::Empty) if busy => {
                busy = false;
                std::thread::sleep(BATCH_PAUSE);
                continue;
            }
            Err(TryRecvError::Empty) => match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(r) => r,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => break,
            },
        };
        busy = true;
        received += 1;
        let backlog = record.output_bytes();
        let device = &devices[record.index];
        facts::read(&mut record, device.platform, &ctx.settings.commands);
        {
            let _span = tracing::error_span!("device", device = %device.name).entered();
            match (&record.outcome, record.error()) {
                // The summary lists failures (once, compactly); a line per device is for -v.
                (Outcome::Failed(e), _) if e.kind != ErrorKind::Cancelled => {
                    tracing::info!(kind = %e.kind, "failed: {}", e.message)
                }
                (Outcome::Collected { .. }, Some(w)) => {
                    tracing::info!(kind = %w.kind, "collected with a warning: {}", w.message)
                }
                _ => tracing::info!(elapsed_ms = record.elapsed.as_millis() as u64, "collected"),
            }
            for (command, w) in record.command_warnings() {
                tracing::info!(kind = %w.kind, command, "collected, but: {}", w.message);
            }
            if let (Some(dir), Outcome::Collected { outputs, .. }) = (&out_dir, &record.outcome) {
                if let Err(e) = dir.write(record.index, outputs) {
                    tracing::error!("cannot write raw output: {e}");
                    raw_failures.push(format!("{}: {e}", device.name));
                }
            }
        }
        // Only the JSON report carries outputs: park them on disk until it is written, or drop
        // them when no JSON is wanted (the text is in --out-dir, or not wanted at all).
        if let Outcome::Collected { outputs: outs, .. } = &mut record.outcome {
            let texts = outs.iter_mut().map(|o| &mut o.output);
            if spool_beside.is_none() {
                texts.for_each(|t| *t = String::new());
            } else if let Some(sp) = &mut spool {
                if let Err(e) = sp.park(record.index, texts) {
                    tracing::warn!("cannot park an output on disk, keeping it in memory: {e}");
                }
            }
        }
        ctx.backlog.release(backlog);
        progress.record(record.is_ok());
        let index = record.index;
        slots[index] = Some(record);
    }
    progress.finish();
    let elapsed = started.elapsed();
    let interrupted = sig.stop.load(Ordering::SeqCst);

    let began = Instant::now();
    let ReportRows {
        devices,
        slots,
        spool_keys,
    } = with_skipped_rows(&devices, slots, skipped);
    let mut report = Report::new(
        &devices,
        slots,
        &ctx.settings,
        started_at,
        elapsed,
        interrupted,
        spool.as_ref(),
    );
    if let Some(h) = &outputs.history {
        report.last_known = Some(h.last_known(devices.iter().map(|d| d.name.as_str())));
    }
    report.spool_keys = spool_keys;
    if let Some(h) = outputs.history.as_ref().filter(|_| !report.interrupted) {
        report.changes = h.changes_since_previous(&report.saved());
    }
    tracing::debug!(
        report_step = "assemble",
        elapsed_ms = began.elapsed().as_millis() as u64,
        "report assembled (verdicts, last known facts, changes)"
    );
    // A Ctrl-C (or SIGTERM) while the reports are being written still ends the run as
    // interrupted: the file reports are written again, saying so. Writing to stdout cannot be
    // taken back; there only the exit code tells.
    let watch = (!report.interrupted).then_some(&*sig.stop);
    let mut report_errors = write_reports(&report, outputs, watch, true);
    if !report.interrupted && sig.stop.load(Ordering::SeqCst) {
        report.interrupted = true;
        crate::logging::say(
            Level::WARN,
            "netinv: interrupted while writing the reports; writing them again, marked interrupted",
        );
        report_errors = write_reports(&report, outputs, None, false);
    }
    let interrupted = report.interrupted;
    let mut changes = None;
    let began = Instant::now();
    match &outputs.history {
        // A partial run would make every device it did not reach look newly failing next time.
        Some(h) if interrupted => crate::logging::say(
            Level::WARN,
            &format!(
                "netinv: this run was interrupted; it is not kept in the history {}",
                h.dir().display()
            ),
        ),
        Some(h) => match h.record(report.started_at, report.changes.as_deref(), |w| {
            // The history keeps the same JSON as --json: copying the file just written costs
            // a fraction of serialising every device (and its outputs) a second time.
            let written = outputs
                .json
                .as_deref()
                .filter(|d| *d != "-" && report_errors.is_empty());
            match written.map(std::fs::File::open) {
                Some(Ok(mut file)) => std::io::copy(&mut file, w).map(drop),
                _ => JsonExporter.write(&report, w),
            }
        }) {
            Ok(text) => changes = Some(text),
            Err(e) => report_errors.push(format!("history: {e}")),
        },
        None => {}
    }
    if outputs.history.is_some() {
        tracing::debug!(
            report_step = "history",
            elapsed_ms = began.elapsed().as_millis() as u64,
            "history kept"
        );
    }
    if let Some((n, why)) = crate::logging::lost_lines() {
        report_errors.push(format!(
            "the log file lost {n} line(s): {why}; the reports are complete, the log is not"
        ));
    }
    if let (Some(first), Some(dir)) = (raw_failures.first(), &outputs.out_dir) {
        report_errors.push(format!(
            "{} raw output file(s) could not be written to {} (first: {first})",
            raw_failures.len(),
            dir.display()
        ));
    }
    // A rejected command leaves its device collected (exit 0), yet `-q` must still tell.
    let clean = !interrupted
        && report_errors.is_empty()
        && report.records.iter().all(|r| r.is_ok())
        && report.summary().warnings == 0
        && report.non_compliant() == 0
        && !no_version_anywhere(&report.records);
    if ui.summary == SummaryWhen::Always || !clean {
        // Written whole, once: as text, or under --log-format json as one object.
        let mut err: Vec<u8> = Vec::new();
        let _ = report::print_summary(&report, &mut err);
        for (dest, what) in outputs.reports() {
            if let Some(d) = dest.as_ref().filter(|d| *d != "-") {
                let _ = writeln_to(&mut err, &format!("{what} report: {d}"));
            }
        }
        if let Some(d) = &outputs.out_dir {
            let shown = d.display().to_string();
            let shown = match shown.trim_end_matches('/') {
                "" => "/",
                t => t,
            };
            let _ = writeln_to(&mut err, &format!("raw outputs: {shown}/"));
        }
        if let Some(text) = &changes {
            let _ = writeln_to(
                &mut err,
                &format!("\nsince the previous run: {}", text.trim_end()),
            );
        }
        let text = String::from_utf8_lossy(&err);
        let level = if clean { Level::INFO } else { Level::WARN };
        if crate::logging::json_stderr() {
            crate::logging::say_with(level, text.trim(), summary_fields(&report));
        } else {
            let _ = std::io::stderr().lock().write_all(&err);
        }
    }
    for e in &report_errors {
        crate::logging::say(Level::ERROR, &format!("netinv: error: {e}"));
    }
    if !interrupted && no_version_anywhere(&report.records) {
        crate::logging::say(
            Level::ERROR,
            "netinv: error: no device gave a version: every collected output lacks one; check \
             the command (-c) and the `platform` column",
        );
    }
    let non_compliant = report.non_compliant();
    Ok(Finished {
        non_compliant,
        records: report.records,
        interrupted,
        elapsed,
        report_errors,
    })
}

/// The summary's figures for its JSON line, beside the text.
fn summary_fields(report: &Report) -> serde_json::Map<String, serde_json::Value> {
    let s = report.summary();
    let by_error: serde_json::Map<String, serde_json::Value> = s
        .by_error
        .iter()
        .map(|(k, n)| (k.as_str().to_string(), (*n).into()))
        .collect();
    let failures: Vec<serde_json::Value> = report
        .rows()
        .filter(|(_, r)| !r.is_ok())
        .filter_map(|(d, r)| {
            let e = r.error()?;
            Some(serde_json::json!({"device": d.name, "kind": e.kind, "error": e.message}))
        })
        .take(FAILURES_IN_JSON_SUMMARY)
        .collect();
    let mut m = serde_json::Map::new();
    m.insert("summary".into(), true.into());
    m.insert("total".into(), s.total.into());
    m.insert("ok".into(), s.ok.into());
    m.insert("failed".into(), s.failed.into());
    m.insert("skipped".into(), s.skipped.into());
    m.insert("warnings".into(), s.warnings.into());
    m.insert("by_error".into(), by_error.into());
    m.insert("interrupted".into(), report.interrupted.into());
    m.insert(
        "elapsed_ms".into(),
        (report.elapsed.as_millis() as u64).into(),
    );
    m.insert("failures".into(), failures.into());
    m
}

/// Failed devices named in the JSON summary line (the reports have all of them).
const FAILURES_IN_JSON_SUMMARY: usize = 50;

/// The rows a report is built from, in inventory order, and their records.
struct ReportRows<'a> {
    /// Borrowed when no row was skipped: a copy of a large fleet's rows (every extra
    /// column's text) was the biggest allocation after the run itself.
    devices: Cow<'a, [Device]>,
    slots: Vec<Option<Record>>,
    /// Where each report row's parked outputs are (their position during the run), when
    /// skipped rows moved them.
    spool_keys: Option<Vec<usize>>,
}

/// Put the invalid rows left out under `--skip-invalid` back in their inventory places, each
/// as a `skipped` record with its reasons, so every row appears in every report exactly once.
fn with_skipped_rows(
    devices: &[Device],
    slots: Vec<Option<Record>>,
    skipped: Vec<SkippedRow>,
) -> ReportRows<'_> {
    if skipped.is_empty() {
        return ReportRows {
            devices: Cow::Borrowed(devices),
            slots,
            spool_keys: None,
        };
    }
    // Extra columns keep their names (empty values), so the CSV header stays the same.
    let blank_fields: Vec<_> = devices
        .first()
        .map(|d| {
            d.fields
                .iter()
                .map(|(k, _)| (k.clone(), String::new()))
                .collect()
        })
        .unwrap_or_default();
    let mut rows: Vec<(usize, Result<usize, SkippedRow>)> = devices
        .iter()
        .enumerate()
        .map(|(i, d)| (d.line, Ok(i)))
        .chain(skipped.into_iter().map(|s| (s.line, Err(s))))
        .collect();
    rows.sort_by_key(|(line, _)| *line);
    let mut merged_devices = Vec::with_capacity(rows.len());
    let mut merged_slots = Vec::with_capacity(rows.len());
    let mut keys = Vec::with_capacity(rows.len());
    let mut slots: Vec<Option<Record>> = slots;
    for (at, (_, row)) in rows.into_iter().enumerate() {
        match row {
            Ok(i) => {
                merged_devices.push(devices[i].clone());
                merged_slots.push(slots[i].take().map(|mut r| {
                    r.index = at;
                    r
                }));
                keys.push(i);
            }
            Err(s) => {
                merged_devices.push(Device {
                    line: s.line,
                    name: s.name,
                    host: String::new(),
                    port: None,
                    platform: crate::platform::PlatformChoice::Detect,
                    username: None,
                    password: None,
                    secret: None,
                    legacy: None,
                    jump: None,
                    fields: blank_fields.clone(),
                });
                merged_slots.push(Some(Record::skipped(at, s.reason)));
                keys.push(usize::MAX);
            }
        }
    }
    ReportRows {
        devices: Cow::Owned(merged_devices),
        slots: merged_slots,
        spool_keys: Some(keys),
    }
}

/// Temp files that killed runs left where this run writes (see `files`).
fn remove_stale_temp_files(outputs: &Outputs) {
    let reports = outputs
        .reports()
        .into_iter()
        .filter_map(|(d, _)| d.as_ref());
    let dirs = reports
        .filter(|d| *d != "-")
        .map(|d| crate::files::directory_of(Path::new(d)).to_path_buf())
        .chain(outputs.out_dir.clone());
    for dir in dirs {
        let n = crate::files::remove_stale_temp_files(&dir);
        if n > 0 {
            tracing::info!(
                "removed {n} temp file(s) left in {} by an earlier run",
                dir.display()
            );
        }
    }
}

/// Write every report; the errors, one message each. With `cancel`, a write in progress stops
/// as soon as it is set (the caller writes again). `to_stdout`: false skips `-` destinations
/// (already written once).
fn write_reports(
    report: &Report,
    outputs: &Outputs,
    cancel: Option<&AtomicBool>,
    to_stdout: bool,
) -> Vec<String> {
    let mut errors = Vec::new();
    let prometheus = outputs
        .prometheus
        .as_deref()
        .map(PrometheusExporter::replacing);
    let csv = CsvExporter {
        raw: outputs.csv_raw,
    };
    let mut exporters: Vec<(&Option<String>, &dyn Exporter, &str)> = vec![
        (&outputs.json, &JsonExporter, "JSON"),
        (&outputs.csv, &csv, "CSV"),
    ];
    if let Some(p) = &prometheus {
        exporters.push((&outputs.prometheus, p, "Prometheus"));
    }
    exporters.push((&outputs.html, &HtmlExporter, "HTML"));
    exporters.push((&outputs.xlsx, &XlsxExporter, "XLSX"));
    for (dest, exporter, what) in exporters {
        let Some(dest) = dest else { continue };
        if dest == "-" && !to_stdout {
            continue;
        }
        let watch = cancel.filter(|_| dest != "-");
        if watch.is_some_and(|c| c.load(Ordering::SeqCst)) {
            continue;
        }
        let began = Instant::now();
        let result = match watch {
            Some(flag) => report::write_to(&Cancellable(exporter, flag), report, dest),
            None => report::write_to(exporter, report, dest),
        };
        tracing::debug!(
            report_step = "write",
            elapsed_ms = began.elapsed().as_millis() as u64,
            "{what} report to {dest}"
        );
        match result {
            Ok(()) => {}
            Err(_) if watch.is_some_and(|c| c.load(Ordering::SeqCst)) => continue,
            Err(e) => errors.push(format!(
                "cannot write the {what} report to {dest}: {e}{}",
                set_aside_previous(dest)
            )),
        }
    }
    errors
}

/// An exporter whose output fails as soon as `flag` is set, so that a long report write stops
/// at a Ctrl-C instead of finishing first.
struct Cancellable<'a>(&'a dyn Exporter, &'a AtomicBool);

impl Exporter for Cancellable<'_> {
    fn write(&self, report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        self.0.write(report, &mut CancellableWriter(out, self.1))
    }
}

struct CancellableWriter<'a>(&'a mut dyn std::io::Write, &'a AtomicBool);

impl std::io::Write for CancellableWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.1.load(Ordering::Relaxed) {
            // Not ErrorKind::Interrupted: write_all would retry that forever.
            return Err(std::io::Error::other("interrupted"));
        }
        self.0.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// A report that could not be written must not leave the previous run's report in its place
/// looking current: it is renamed to `<dest>.stale` (a rename needs no free space). Returns
/// what to add to the error message.
fn set_aside_previous(dest: &str) -> String {
    let path = Path::new(dest);
    if !path.is_file() {
        return String::new();
    }
    let aside = format!("{dest}.stale");
    match std::fs::rename(path, &aside) {
        Ok(()) => format!(" (the previous report there was renamed to {aside})"),
        Err(e) => format!(" (the previous report is still there: cannot rename it aside: {e})"),
    }
}

/// A spool beside the JSON report (in the temp directory for stdout); without one, outputs
/// simply stay in memory.
fn open_spool(json: &str) -> Option<Spool> {
    let dir = if json == "-" {
        std::env::temp_dir()
    } else {
        report::directory_of(Path::new(json)).to_path_buf()
    };
    Spool::create_in(&dir)
        .map_err(|e| tracing::debug!("no output spool in {}: {e}", dir.display()))
        .ok()
}

fn writeln_to(w: &mut dyn std::io::Write, line: &str) -> std::io::Result<()> {
    writeln!(w, "{line}")
}
