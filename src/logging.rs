//! Logging with tracing: text or JSON lines on stderr (around the progress bar) or in a file.
//! Work on a device runs inside a `device{device=…}` span, so every line carries the device name.

use crate::cli::{LogArgs, LogFormat};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use tracing::Level;
use tracing_subscriber::fmt::MakeWriter;

/// stderr, with the progress bar suspended while a line is written.
struct BarAwareStderr;

impl Write for BarAwareStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        crate::progress::suspended(|| std::io::stderr().lock().write_all(buf))?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

impl<'a> MakeWriter<'a> for BarAwareStderrMaker {
    type Writer = BarAwareStderr;
    fn make_writer(&'a self) -> Self::Writer {
        BarAwareStderr
    }
}

struct BarAwareStderrMaker;

/// `--log-file`: a line that could not be written (a full disk) is counted, not dropped in
/// silence, so that the run can say its log is incomplete.
struct LogFile(std::fs::File);

static LOST_LINES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
static FIRST_LOSS: std::sync::OnceLock<String> = std::sync::OnceLock::new();

impl Write for LogFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Err(e) = self.0.write_all(buf) {
            LOST_LINES.fetch_add(1, Ordering::Relaxed);
            let _ = FIRST_LOSS.set(e.to_string());
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// How many lines the log file lost, and why the first was lost; `None` when it lost none.
pub fn lost_lines() -> Option<(usize, String)> {
    let n = LOST_LINES.load(Ordering::Relaxed);
    (n > 0).then(|| (n, FIRST_LOSS.get().cloned().unwrap_or_default()))
}

/// `--log-format json`: everything netinv itself writes to stderr (errors, notes, the summary)
/// is a JSON object per line too, so that a log pipeline never meets a line of text.
static JSON_STDERR: AtomicBool = AtomicBool::new(false);

/// Whether log lines on stderr are JSON.
pub fn json_stderr() -> bool {
    JSON_STDERR.load(Ordering::Relaxed)
}

/// A message for the operator on stderr: the text as it is, or under `--log-format json` one
/// object shaped like the log lines (`timestamp`, `level`, `fields.message`, and `extra`).
pub fn say(level: Level, text: &str) {
    say_with(level, text, serde_json::Map::new());
}

/// Like `say`, with more fields beside the message in the JSON form.
pub fn say_with(level: Level, text: &str, extra: serde_json::Map<String, serde_json::Value>) {
    if !json_stderr() {
        crate::progress::suspended(|| eprintln!("{text}"));
        return;
    }
    let mut fields = serde_json::Map::new();
    fields.insert("message".into(), text.into());
    fields.extend(extra);
    let line = serde_json::json!({
        "timestamp": humantime::format_rfc3339_micros(std::time::SystemTime::now()).to_string(),
        "level": level.as_str(),
        "fields": fields,
    });
    crate::progress::suspended(|| eprintln!("{line}"));
}

/// Install the global subscriber. Default level: warnings (every failed device); `-v` info,
/// `-vv` debug (the SSH steps), `-vvv` trace; `-q` errors only.
pub fn init(args: &LogArgs) -> std::io::Result<()> {
    let level = if args.quiet {
        Level::ERROR
    } else {
        match args.verbose {
            0 => Level::WARN,
            1 => Level::INFO,
            2 => Level::DEBUG,
            _ => Level::TRACE,
        }
    };
    JSON_STDERR.store(args.log_format == LogFormat::Json, Ordering::Relaxed);
    let builder = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_target(false)
        .with_thread_names(false);
    let result = match (&args.log_file, args.log_format) {
        (Some(path), format) => {
            let file = crate::files::open_log(path)?;
            let writer = std::sync::Mutex::new(LogFile(file));
            let b = builder.with_ansi(false).with_writer(writer);
            match format {
                LogFormat::Text => b.try_init(),
                LogFormat::Json => b
                    .json()
                    .with_current_span(true)
                    .with_span_list(false)
                    .try_init(),
            }
        }
        (None, LogFormat::Text) => builder
            .with_ansi(crate::sys::stderr_is_terminal())
            .with_writer(BarAwareStderrMaker)
            .try_init(),
        (None, LogFormat::Json) => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_writer(BarAwareStderrMaker)
            .try_init(),
    };
    // A second init (tests, demo after collect) keeps the first subscriber; that is fine.
    let _ = result;
    Ok(())
}
