//! The Prometheus report: node_exporter's textfile-collector format, one `netinv_device_*`
//! series per device and `netinv_run_*` for the run, so dashboards and alerts see the fleet.

use super::{Exporter, Report};
use crate::audit::Verdict;
use crate::collect::Outcome;
use std::collections::HashSet;
use std::io::Write;
use std::time::UNIX_EPOCH;

/// Writes the textfile. A run that was interrupted is no success: the previous file's
/// `netinv_run_last_success_timestamp_seconds` is carried over instead.
pub struct PrometheusExporter {
    /// The last-success value of the file this one replaces, if any.
    pub previous_success: Option<String>,
}

impl PrometheusExporter {
    /// Reads the last-success value from the file about to be replaced.
    pub fn replacing(path: &str) -> PrometheusExporter {
        let previous_success = std::fs::read_to_string(path).ok().and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("netinv_run_last_success_timestamp_seconds "))
                .map(|v| v.trim().to_string())
                .filter(|v| v.parse::<f64>().is_ok())
        });
        PrometheusExporter { previous_success }
    }
}

/// A label value with `\`, `"` and newlines escaped as the exposition format requires.
fn escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// An inventory column as a label name: `[a-zA-Z_][a-zA-Z0-9_]*`, never `__`-prefixed
/// (reserved by Prometheus).
fn label_name(column: &str) -> String {
    let mut s: String = column
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    while s.starts_with("__") {
        s.remove(0);
    }
    s
}

fn header(out: &mut dyn Write, name: &str, help: &str) -> std::io::Result<()> {
    writeln!(out, "# HELP {name} {help}")?;
    writeln!(out, "# TYPE {name} gauge")
}

impl Exporter for PrometheusExporter {
    fn write(&self, report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
        const FIXED: [&str; 7] = [
            "name", "platform", "version", "model", "serial", "hostname", "image",
        ];
        // Inventory columns become labels, except those whose names clash with ours.
        let mut taken: HashSet<String> = FIXED.iter().map(|s| s.to_string()).collect();
        let extra: Vec<(usize, String)> = report
            .extra_columns()
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let l = label_name(c);
                taken.insert(l.clone()).then_some((i, l))
            })
            .collect();

        header(
            out,
            "netinv_device_info",
            "What the device runs, from its last collection (always 1).",
        )?;
        for (d, r) in report.rows() {
            let facts = match &r.outcome {
                Outcome::Collected { facts, .. } => facts.as_deref(),
                Outcome::Failed(_) => None,
            };
            let fact = |f: Option<&String>| escape(f.map(String::as_str).unwrap_or(""));
            write!(
                out,
                "netinv_device_info{{name=\"{}\",platform=\"{}\",version=\"{}\",model=\"{}\",serial=\"{}\",hostname=\"{}\",image=\"{}\"",
                escape(&d.name),
                r.platform.map(|p| p.name()).unwrap_or(""),
                fact(facts.and_then(|f| f.version.as_ref())),
                fact(facts.and_then(|f| f.model.as_ref())),
                fact(facts.and_then(|f| f.serial.as_ref())),
                fact(facts.and_then(|f| f.hostname.as_ref())),
                fact(facts.and_then(|f| f.image.as_ref())),
            )?;
            for (i, label) in &extra {
                let value = d.fields.get(*i).map(|(_, v)| v.as_str()).unwrap_or("");
                write!(out, ",{label}=\"{}\"", escape(value))?;
            }
            writeln!(out, "}} 1")?;
        }

        header(
            out,
            "netinv_device_up",
            "1 when the device was collected in the last run, else 0.",
        )?;
        for (d, r) in report.rows() {
            writeln!(
                out,
                "netinv_device_up{{name=\"{}\"}} {}",
                escape(&d.name),
                u8::from(r.is_ok())
            )?;
        }

        if let Some(verdicts) = &report.compliance {
            header(
                out,
                "netinv_device_compliant",
                "1 when the device runs an approved version (or is exempt), 0 when it does not; absent when it cannot be judged.",
            )?;
            for ((d, _), c) in report.rows().zip(verdicts) {
                let v = match c.verdict {
                    Verdict::Compliant | Verdict::Exempt => 1,
                    Verdict::NonCompliant => 0,
                    _ => continue,
                };
                writeln!(
                    out,
                    "netinv_device_compliant{{name=\"{}\"}} {v}",
                    escape(&d.name)
                )?;
            }
        }

        let s = report.summary();
        header(
            out,
            "netinv_run_devices",
            "Devices of the last run by status.",
        )?;
        writeln!(out, "netinv_run_devices{{status=\"ok\"}} {}", s.ok)?;
        writeln!(out, "netinv_run_devices{{status=\"failed\"}} {}", s.failed)?;
        header(
            out,
            "netinv_run_duration_seconds",
            "Wall time of the last run.",
        )?;
        writeln!(
            out,
            "netinv_run_duration_seconds {:.3}",
            report.elapsed.as_secs_f64()
        )?;
        let finished = report
            .finished_at
            .duration_since(UNIX_EPOCH)
            .map(|d| format!("{:.3}", d.as_secs_f64()))
            .unwrap_or_default();
        let success = if report.interrupted {
            self.previous_success.clone()
        } else {
            Some(finished)
        };
        if let Some(ts) = success {
            header(
                out,
                "netinv_run_last_success_timestamp_seconds",
                "When the last run that was not interrupted finished (Unix time).",
            )?;
            writeln!(out, "netinv_run_last_success_timestamp_seconds {ts}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped_and_names_made_valid() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        assert_eq!(label_name("Site Code"), "site_code");
        assert_eq!(label_name("1st"), "_1st");
        assert_eq!(label_name("__x"), "_x");
        assert_eq!(label_name(""), "_");
    }
}
