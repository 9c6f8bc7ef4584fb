//! Logging with tracing: text or JSON lines on stderr (around the progress bar) or in a file.
//! Work on a device runs inside a `device{device=…}` span, so every line carries the device name.

use crate::cli::{LogArgs, LogFormat};
use std::io::Write;
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
    let builder = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_target(false)
        .with_thread_names(false);
    let result = match (&args.log_file, args.log_format) {
        (Some(path), format) => {
            let file = crate::files::open_log(path)?;
            let writer = std::sync::Mutex::new(file);
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
