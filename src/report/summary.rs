//! The end-of-run summary the operator reads first: totals, speed, failures by kind with
//! reasons, and the version audit.

use super::Report;
use std::collections::BTreeMap;
use std::io::Write;

/// How many failed devices to name per error kind before "... and N more".
const NAMED_PER_KIND: usize = 10;

/// `host:port`, with an IPv6 address in brackets (`[::1]:22`) so the port cannot be mistaken
/// for part of it.
pub fn endpoint(host: &str, port: u16) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Prints the end-of-run summary for people.
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
        "\n{} devices in {:.1}s ({:.1} devices/s): {} ok{}, {} failed{}{}",
        s.total,
        secs,
        rate,
        s.ok,
        if s.warnings > 0 {
            format!(" ({} with warnings)", s.warnings)
        } else {
            String::new()
        },
        s.failed,
        if s.skipped > 0 {
            format!(", {} skipped (invalid inventory rows)", s.skipped)
        } else {
            String::new()
        },
        if report.interrupted {
            " (interrupted)"
        } else {
            ""
        }
    )?;

    let mut by_kind: BTreeMap<_, Vec<String>> = BTreeMap::new();
    for (d, r) in report.rows() {
        if let Some(e) = r.error() {
            let port = report.port(d);
            let line = if e.kind == crate::error::ErrorKind::Skipped {
                // The message names the file and line already; the row has no usable endpoint.
                e.message.clone()
            } else {
                format!("{} ({}): {}", d.name, endpoint(&d.host, port), e.message)
            };
            by_kind.entry(e.kind).or_default().push(line);
        }
    }
    for (kind, lines) in &by_kind {
        let label = match kind {
            crate::error::ErrorKind::Parse => "warning",
            crate::error::ErrorKind::Skipped => "not contacted",
            _ => "failed",
        };
        writeln!(out, "\n{label}: {kind} ({})", lines.len())?;
        print_named(lines, out)?;
    }

    let rejected: Vec<String> = report
        .rows()
        .flat_map(|(d, r)| r.command_warnings().map(move |(_, e)| (d, e)))
        .map(|(d, e)| format!("{}: {}", d.name, e.message))
        .collect();
    if !rejected.is_empty() {
        writeln!(
            out,
            "\nwarning: command ({} collected device(s) rejected another of their commands)",
            s.warnings
        )?;
        print_named(&rejected, out)?;
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
    if let Some(verdicts) = &report.compliance {
        print_compliance(report, verdicts, out)?;
    }
    Ok(())
}

/// The first few lines of a section, then how many more the report has.
fn print_named(lines: &[String], out: &mut dyn Write) -> std::io::Result<()> {
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
    Ok(())
}

/// Verdict counts, then every non-compliant device with what it runs and where it should go.
fn print_compliance(
    report: &Report,
    verdicts: &[crate::audit::Compliance],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    use crate::audit::Verdict;
    let mut totals: BTreeMap<Verdict, usize> = BTreeMap::new();
    for c in verdicts {
        *totals.entry(c.verdict).or_default() += 1;
    }
    let counts: Vec<String> = totals
        .iter()
        .map(|(v, n)| format!("{n} {}", v.as_str()))
        .collect();
    writeln!(out, "\ncompliance: {}", counts.join(", "))?;
    let off: Vec<_> = report
        .rows()
        .zip(verdicts)
        .filter(|(_, c)| c.verdict == Verdict::NonCompliant)
        .collect();
    for ((d, _), c) in off.iter().take(NAMED_PER_KIND * 5) {
        writeln!(out, "  non-compliant: {}: {}", d.name, c.reason)?;
    }
    if off.len() > NAMED_PER_KIND * 5 {
        writeln!(
            out,
            "  ... and {} more (see the report)",
            off.len() - NAMED_PER_KIND * 5
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::endpoint;

    #[test]
    fn an_ipv6_endpoint_puts_the_address_in_brackets() {
        assert_eq!(endpoint("::1", 26000), "[::1]:26000");
        assert_eq!(endpoint("fe80::1%eth0", 22), "[fe80::1%eth0]:22");
        assert_eq!(endpoint("10.0.0.1", 22), "10.0.0.1:22");
        assert_eq!(endpoint("r1.example.net", 2222), "r1.example.net:2222");
    }
}
