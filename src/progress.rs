//! The progress bar (indicatif) on stderr: shown only on a terminal, never in cron. Besides the
//! counts it tells how many devices are in flight and, once every device has started, which one
//! the run has been waiting on the longest.

use crate::collect::InFlight;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The run's bar, reachable by the log writer so log lines never tear it.
static BAR: OnceLock<ProgressBar> = OnceLock::new();

/// How often the in-flight part is looked at again (the bar draws at 10 Hz).
const ACTIVITY_EVERY: Duration = Duration::from_millis(100);

/// Device names longer than this are cut in the progress line.
const NAME_MAX: usize = 40;

/// What the progress line says at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Devices finished.
    pub done: usize,
    /// Devices in the run.
    pub total: usize,
    /// Devices collected.
    pub ok: usize,
    /// Devices failed.
    pub failed: usize,
    /// Devices being collected now.
    pub in_flight: usize,
    /// Set once every device has started: the device in flight the longest, and for how long.
    pub waiting_on: Option<(String, Duration)>,
    /// Time since the run started.
    pub elapsed: Duration,
}

impl Line {
    /// `291/300 ok 280 failed 11 · 9 in flight · waiting on core-sw-7 (12.4s)`; while devices
    /// are still to start, the rate and the time left instead of the straggler.
    pub fn text(&self) -> String {
        let mut s = format!(
            "{}/{} ok {} failed {} · {} in flight",
            self.done, self.total, self.ok, self.failed, self.in_flight
        );
        match &self.waiting_on {
            Some((name, running)) => {
                let name = match name.char_indices().nth(NAME_MAX) {
                    Some((cut, _)) => format!("{}…", &name[..cut]),
                    None => name.clone(),
                };
                s.push_str(&format!(
                    " · waiting on {name} ({:.1}s)",
                    running.as_secs_f64()
                ));
            }
            None if self.done > 0 && !self.elapsed.is_zero() => {
                let rate = self.done as f64 / self.elapsed.as_secs_f64();
                let left = (self.total - self.done.min(self.total)) as f64 / rate;
                s.push_str(&format!(" · {rate:.0}/s ETA {}", eta(left)));
            }
            None => {}
        }
        s
    }
}

fn eta(secs: f64) -> String {
    let secs = secs.ceil() as u64;
    match secs {
        0..=59 => format!("{secs}s"),
        60..=3599 => format!("{}m{:02}s", secs / 60, secs % 60),
        _ => format!("{}h{:02}m", secs / 3600, secs % 3600 / 60),
    }
}

/// A progress display, or nothing when stderr is not a terminal or it was turned off.
pub struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    line: Line,
    looked: Option<Instant>,
}

impl Progress {
    /// A progress line for `total` devices; drawn only when `visible`.
    pub fn new(total: usize, visible: bool) -> Progress {
        let mut p = Progress {
            bar: None,
            started: Instant::now(),
            line: Line {
                done: 0,
                total,
                ok: 0,
                failed: 0,
                in_flight: 0,
                waiting_on: None,
                elapsed: Duration::ZERO,
            },
            looked: None,
        };
        if !visible {
            return p;
        }
        let bar = ProgressBar::with_draw_target(
            Some(total as u64),
            ProgressDrawTarget::stderr_with_hz(10),
        );
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner:.green} [{elapsed_precise}] {bar:30.cyan/blue} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        let _ = BAR.set(bar.clone());
        p.bar = Some(bar);
        p.refresh();
        p
    }

    /// Counts one finished device.
    pub fn record(&mut self, ok: bool) {
        if ok {
            self.line.ok += 1;
        } else {
            self.line.failed += 1;
        }
        self.line.done += 1;
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
        self.refresh();
    }

    /// Take in what the workers are doing, a few times a second at most; `name` gives an
    /// inventory index's device name.
    pub fn activity<'n>(
        &mut self,
        look: impl FnOnce() -> InFlight,
        name: impl Fn(usize) -> &'n str,
    ) {
        if self.bar.is_none() || self.looked.is_some_and(|t| t.elapsed() < ACTIVITY_EVERY) {
            return;
        }
        self.looked = Some(Instant::now());
        let now = look();
        self.line.in_flight = now.count;
        self.line.waiting_on = now
            .longest
            .filter(|_| now.all_started)
            .map(|(index, running)| (name(index).to_string(), running));
        self.refresh();
    }

    /// Prints a line above the progress line.
    pub fn note(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => crate::logging::say(tracing::Level::WARN, text),
        }
    }

    fn refresh(&mut self) {
        if let Some(bar) = &self.bar {
            self.line.elapsed = self.started.elapsed();
            bar.set_message(self.line.text());
        }
    }

    /// Clears the progress line for good.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn line(done: usize, in_flight: usize, waiting_on: Option<(&str, f64)>) -> Line {
        Line {
            done,
            total: 300,
            ok: done - done / 30,
            failed: done / 30,
            in_flight,
            waiting_on: waiting_on.map(|(n, s)| (n.to_string(), Duration::from_secs_f64(s))),
            elapsed: Duration::from_secs(10),
        }
    }

    #[test]
    fn waiting_on_stragglers_the_line_names_the_longest_running_device_and_for_how_long() {
        assert_eq!(
            line(291, 9, Some(("core-sw-7", 12.43))).text(),
            "291/300 ok 282 failed 9 · 9 in flight · waiting on core-sw-7 (12.4s)"
        );
    }

    #[test]
    fn while_devices_are_still_to_start_the_line_shows_the_rate_and_the_time_left() {
        assert_eq!(
            line(150, 32, None).text(),
            "150/300 ok 145 failed 5 · 32 in flight · 15/s ETA 10s"
        );
        assert_eq!(
            line(0, 32, None).text(),
            "0/300 ok 0 failed 0 · 32 in flight",
            "no rate before the first device"
        );
    }

    #[test]
    fn a_long_device_name_is_cut() {
        let name = "x".repeat(100);
        let text = line(299, 1, Some((&name, 1.0))).text();
        assert!(
            text.ends_with(&format!("waiting on {}… (1.0s)", "x".repeat(NAME_MAX))),
            "{text}"
        );
    }
}
