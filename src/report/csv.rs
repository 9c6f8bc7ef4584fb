//! The CSV report: one row per device, fixed columns then the carried-through ones.

use super::{Exporter, Report};
use crate::collect::Outcome;
use std::io::Write;

pub struct CsvExporter;

pub const COLUMNS: [&str; 17] = [
    "name",
    "host",
    "port",
    "platform",
    "status",
    "error_kind",
    "error",
    "vendor",
    "os",
    "version",
    "model",
    "serial",
    "hostname",
    "uptime",
    "elapsed_ms",
    "attempts",
    "transport",
];

impl Exporter for CsvExporter {
    fn write(&self, report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        let extra = report.extra_columns();
        w.write_record(COLUMNS.iter().copied().chain(extra.iter().copied()))?;
        for (d, r) in report.rows() {
            let facts = match &r.outcome {
                Outcome::Collected { facts, .. } => facts.as_deref(),
                Outcome::Failed(_) => None,
            };
            let f = |get: fn(&crate::platform::Facts) -> &Option<String>| -> String {
                facts.and_then(|x| get(x).clone()).unwrap_or_default()
            };
            let err = r.error();
            let port = d.port.unwrap_or(report.settings.port).to_string();
            let row: Vec<String> = vec![
                d.name.clone(),
                d.host.clone(),
                port,
                r.platform.map(|p| p.name().to_string()).unwrap_or_default(),
                r.status().to_string(),
                err.map(|e| e.kind.as_str().to_string()).unwrap_or_default(),
                err.map(|e| e.message.clone()).unwrap_or_default(),
                f(|x| &x.vendor),
                f(|x| &x.os),
                f(|x| &x.version),
                f(|x| &x.model),
                f(|x| &x.serial),
                f(|x| &x.hostname),
                f(|x| &x.uptime),
                r.elapsed.as_millis().to_string(),
                r.attempts.to_string(),
                r.transport
                    .map(|t| t.as_str())
                    .unwrap_or_default()
                    .to_string(),
            ];
            w.write_record(
                row.iter()
                    .map(String::as_str)
                    .chain(d.fields.iter().map(|(_, v)| v.as_str())),
            )?;
        }
        w.flush()
    }
}
