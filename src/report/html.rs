//! The HTML report: one self-contained page for people (no network needed to open it): the
//! run's figures, version charts per platform, the device and compliance table with sorting and
//! filters, failures grouped by kind with their reasons, and with a history the changes since
//! the previous run.

use super::{Exporter, Report};
use crate::diff::Change;
use std::collections::BTreeMap;
use std::io::Write;

/// Writes the page.
pub struct HtmlExporter;

/// Text made safe for HTML element content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}\
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}\
.figures{display:flex;gap:1em;flex-wrap:wrap}.figure{border:1px solid #ccc;border-radius:6px;padding:.6em 1em}\
.figure b{display:block;font-size:1.6em}table{border-collapse:collapse;width:100%}\
th,td{border-bottom:1px solid #eee;padding:.25em .5em;text-align:left;vertical-align:top}\
th{cursor:pointer;background:#f6f6f6;user-select:none}tr.failed td{color:#a00}\
.non_compliant{color:#a00;font-weight:600}.compliant{color:#070}.chart{margin:.5em 0 1em}\
.filters select{margin-right:1em}svg text{font-size:12px}";

/// Sorting by a header click, filters by platform, site and verdict; script errors are shown
/// on the page (and so are visible to anyone, and to tests).
const SCRIPT: &str = r#"
window.addEventListener('error', function (e) {
  var box = document.getElementById('script-errors');
  box.textContent += (e.message || 'error') + '\n';
  box.hidden = false;
});
(function () {
  var table = document.getElementById('devices');
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var filters = document.querySelectorAll('.filters select');
  filters.forEach(function (sel) {
    var col = sel.dataset.col, seen = {};
    rows.forEach(function (r) { seen[r.cells[col].textContent] = true; });
    Object.keys(seen).sort().forEach(function (v) {
      var o = document.createElement('option'); o.value = v; o.textContent = v === '' ? '(none)' : v;
      sel.appendChild(o);
    });
    sel.addEventListener('change', apply);
  });
  function apply() {
    var shown = 0;
    rows.forEach(function (r) {
      var ok = true;
      filters.forEach(function (sel) {
        if (sel.value !== '*' && r.cells[sel.dataset.col].textContent !== sel.value) ok = false;
      });
      r.hidden = !ok; if (ok) shown++;
    });
    document.getElementById('shown').textContent = shown;
  }
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
    th.addEventListener('click', function () {
      var dir = th.dataset.dir === 'asc' ? -1 : 1; th.dataset.dir = dir > 0 ? 'asc' : 'desc';
      rows.sort(function (a, b) {
        return a.cells[i].textContent.localeCompare(b.cells[i].textContent, undefined, {numeric: true}) * dir;
      });
      rows.forEach(function (r) { table.tBodies[0].appendChild(r); });
    });
  });
  apply();
  document.body.dataset.ready = 'yes';
})();
"#;

/// A horizontal bar chart of version → devices, as inline SVG.
fn chart(
    out: &mut dyn Write,
    platform: &str,
    versions: &BTreeMap<String, usize>,
) -> std::io::Result<()> {
    let mut v: Vec<(&String, &usize)> = versions.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let max = v.first().map(|(_, n)| **n).unwrap_or(1).max(1);
    let row = 20;
    let height = row * v.len() + 4;
    writeln!(
        out,
        "<div class=\"chart\"><h3>{}</h3><svg role=\"img\" width=\"640\" height=\"{height}\" aria-label=\"versions of {}\">",
        esc(platform),
        esc(platform)
    )?;
    for (i, (version, n)) in v.iter().enumerate() {
        let y = i * row + 2;
        let w = 1 + 380 * **n / max;
        writeln!(
            out,
            "<text x=\"0\" y=\"{}\">{}</text><rect x=\"200\" y=\"{y}\" width=\"{w}\" height=\"{}\" fill=\"#4a7bd0\"/><text x=\"{}\" y=\"{}\">{n}</text>",
            y + 14,
            esc(version),
            row - 4,
            205 + w,
            y + 14
        )?;
    }
    writeln!(out, "</svg></div>")
}

/// What changed since the previous run of the history: counts by kind, then every change.
fn changes_section(out: &mut dyn Write, changes: &[Change]) -> std::io::Result<()> {
    writeln!(
        out,
        "<h2>Changes since the previous run</h2><section id=\"changes\" data-count=\"{}\">",
        changes.len()
    )?;
    if changes.is_empty() {
        writeln!(out, "<p>No device changed.</p></section>")?;
        return Ok(());
    }
    writeln!(out, "<ul>")?;
    for (kind, n) in crate::diff::count(changes) {
        writeln!(
            out,
            "<li class=\"change-kind\" data-kind=\"{0}\" data-count=\"{n}\">{0}: {n}</li>",
            kind.as_str()
        )?;
    }
    writeln!(
        out,
        "</ul><table id=\"change-list\"><thead><tr><th>device</th><th>change</th><th>field</th><th>was</th><th>now</th></tr></thead><tbody>"
    )?;
    for c in changes {
        writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&c.device),
            c.change.as_str(),
            c.field.unwrap_or(""),
            esc(c.old.as_deref().unwrap_or("")),
            esc(c.new.as_deref().unwrap_or(""))
        )?;
    }
    writeln!(out, "</tbody></table></section>")
}

impl Exporter for HtmlExporter {
    fn write(&self, report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
        let s = report.summary();
        writeln!(
            out,
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>netinv report {}</title><style>{STYLE}</style></head><body>",
            esc(&super::rfc3339(report.started_at))
        )?;
        writeln!(
            out,
            "<h1>netinv report</h1><p>{} — {} — {}{}</p>",
            esc(&super::rfc3339(report.started_at)),
            esc(&report.command),
            humantime::format_duration(std::time::Duration::from_millis(
                report.elapsed.as_millis() as u64
            )),
            if report.interrupted {
                " — <b>interrupted</b>"
            } else {
                ""
            }
        )?;
        writeln!(out, "<pre id=\"script-errors\" hidden></pre>")?;
        writeln!(out, "<div class=\"figures\">")?;
        let mut figure = |id: &str, label: &str, n: usize| {
            writeln!(
                out,
                "<div class=\"figure\"><b id=\"{id}\">{n}</b>{}</div>",
                esc(label)
            )
        };
        figure("total", "devices", s.total)?;
        figure("ok", "collected", s.ok)?;
        figure("failed", "failed", s.failed)?;
        if report.compliance.is_some() {
            figure("non-compliant", "non-compliant", report.non_compliant())?;
        }
        writeln!(out, "</div>")?;

        if !s.versions.is_empty() {
            writeln!(out, "<h2>Versions per platform</h2>")?;
            for (platform, versions) in &s.versions {
                chart(out, platform, versions)?;
            }
        }

        if let Some(changes) = &report.changes {
            changes_section(out, changes)?;
        }

        let site_col = report
            .extra_columns()
            .iter()
            .position(|c| c.eq_ignore_ascii_case("site"));
        writeln!(
            out,
            "<h2>Devices</h2><p class=\"filters\">platform <select data-col=\"2\"><option value=\"*\">all</option></select>\
             site <select data-col=\"3\"><option value=\"*\">all</option></select>\
             status <select data-col=\"5\"><option value=\"*\">all</option></select>\
             verdict <select data-col=\"6\"><option value=\"*\">all</option></select>\
             <span id=\"shown\"></span> shown</p>"
        )?;
        writeln!(
            out,
            "<table id=\"devices\"><thead><tr><th>name</th><th>host</th><th>platform</th><th>site</th><th>version</th><th>status</th><th>verdict</th><th>reason</th></tr></thead><tbody>"
        )?;
        for (i, (d, r)) in report.rows().enumerate() {
            let version = r.version();
            let site = site_col
                .and_then(|c| d.fields.get(c))
                .map(|(_, v)| v.as_str())
                .unwrap_or("");
            let status = if r.is_ok() { "ok" } else { "failed" };
            let (verdict, reason) = match report.compliance.as_ref().map(|c| &c[i]) {
                Some(c) => (c.verdict.as_str(), c.reason.clone()),
                None => ("", r.error().map(|e| e.message.clone()).unwrap_or_default()),
            };
            writeln!(
                out,
                "<tr class=\"{status}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{status}</td><td class=\"{verdict}\">{verdict}</td><td>{}</td></tr>",
                esc(&d.name),
                esc(&d.host),
                r.platform.map(|p| p.name()).unwrap_or(""),
                esc(site),
                esc(version.unwrap_or("")),
                esc(&reason)
            )?;
        }
        writeln!(out, "</tbody></table>")?;

        let mut by_kind: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
        for (d, r) in report.rows() {
            if let (false, Some(e)) = (r.is_ok(), r.error()) {
                by_kind
                    .entry(e.kind.as_str())
                    .or_default()
                    .push((&d.name, &e.message));
            }
        }
        if !by_kind.is_empty() {
            writeln!(out, "<h2>Failures</h2>")?;
            for (kind, items) in &by_kind {
                writeln!(
                    out,
                    "<h3 class=\"failure-kind\" data-kind=\"{kind}\" data-count=\"{}\">{kind} ({})</h3><ul>",
                    items.len(),
                    items.len()
                )?;
                for (name, message) in items {
                    writeln!(out, "<li><b>{}</b>: {}</li>", esc(name), esc(message))?;
                }
                writeln!(out, "</ul>")?;
            }
        }
        // Inline, so the page needs nothing from the network; `</` cannot occur in it.
        writeln!(out, "<script>{SCRIPT}</script></body></html>")
    }
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn device_text_cannot_become_markup() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }
}
