//! The progress bar (indicatif) on stderr: shown only on a terminal, never in cron.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use std::sync::OnceLock;
use std::time::Duration;

/// The run's bar, reachable by the log writer so log lines never tear it.
static BAR: OnceLock<ProgressBar> = OnceLock::new();

/// A progress display, or nothing when stderr is not a terminal or it was turned off.
pub struct Progress {
    bar: Option<ProgressBar>,
    ok: usize,
    failed: usize,
}

impl Progress {
    pub fn new(total: usize, visible: bool) -> Progress {
        if !visible {
            return Progress {
                bar: None,
                ok: 0,
                failed: 0,
            };
        }
        let bar = ProgressBar::with_draw_target(
            Some(total as u64),
            ProgressDrawTarget::stderr_with_hz(10),
        );
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner:.green} [{elapsed_precise}] {bar:30.cyan/blue} {pos}/{len} {msg} {rate} ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            // indicatif's own {per_sec} prints four decimals; a whole number reads better.
            .with_key("rate", |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0}/s", state.per_sec());
            })
            .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        let _ = BAR.set(bar.clone());
        let mut p = Progress {
            bar: Some(bar),
            ok: 0,
            failed: 0,
        };
        p.refresh();
        p
    }

    pub fn record(&mut self, ok: bool) {
        if ok {
            self.ok += 1;
        } else {
            self.failed += 1;
        }
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
        self.refresh();
    }

    pub fn note(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    fn refresh(&mut self) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("ok {} failed {}", self.ok, self.failed));
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Run `f` with the bar hidden, if there is one (used by the log writer).
pub fn suspended<R>(f: impl FnOnce() -> R) -> R {
    match BAR.get() {
        Some(bar) if !bar.is_finished() => bar.suspend(f),
        _ => f(),
    }
}
