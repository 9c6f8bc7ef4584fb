//! The end-of-run summary the operator reads first: totals, speed, failures by kind with
//! reasons, and the version audit.

use super::Report;
use std::collections::BTreeMap;
use std::io::Write;

/// How many failed devices to name per error kind before "... and N more".
const NAMED_PER_KIND: usize = 10;

pub fn print_summary(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let s = report.summary();
    let secs = report.elapsed.as_secs_f64();
    let rate = if secs > 0.0 {
        s.total as f64 / secs
    } else {
        0.0
    };
    writeln!(
        out,
        "\n{} devices in {:.1}s ({:.1} devices/s): {} ok, {} failed{}",
        s.total,
        secs,
        rate,
        s.ok,
        s.failed,
        if report.interrupted {
            " (interrupted)"
        } else {
            ""
        }
    )?;

    let mut by_kind: BTreeMap<_, Vec<String>> = BTreeMap::new();
    for (d, r) in report.rows() {
        if let Some(e) = r.error() {
            let port = d.port.unwrap_or(report.settings.port);
            by_kind
                .entry(e.kind)
                .or_default()
                .push(format!("{} ({}:{}): {}", d.name, d.host, port, e.message));
        }
    }
    for (kind, lines) in &by_kind {
        let label = if *kind == crate::error::ErrorKind::Parse {
            "warning"
        } else {
            "failed"
        };
        writeln!(out, "\n{label}: {kind} ({})", lines.len())?;
        for l in lines.iter().take(NAMED_PER_KIND) {
            writeln!(out, "  {l}")?;
        }
        if lines.len() > NAMED_PER_KIND {
            writeln!(
                out,
                "  ... and {} more (see the report)",
                lines.len() - NAMED_PER_KIND
            )?;
        }
    }

    if !s.versions.is_empty() {
        writeln!(out, "\nversions:")?;
        for (platform, versions) in &s.versions {
            let mut v: Vec<_> = versions.iter().collect();
            v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let n: usize = versions.values().sum();
            let list: Vec<String> = v.iter().map(|(ver, c)| format!("{ver} ×{c}")).collect();
            writeln!(out, "  {platform} ({n}): {}", list.join(", "))?;
        }
    }
    Ok(())
}
