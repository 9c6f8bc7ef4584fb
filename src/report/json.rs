//! The JSON report: one object with run metadata, the summary and every device.

use super::{rfc3339, Exporter, Report};
use crate::collect::CommandOutput;
use crate::collect::Outcome;
use serde::ser::{Error as _, SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::io::Write;
use std::sync::Arc;

/// The JSON report (`--json`).
pub struct JsonExporter;

#[derive(Serialize)]
struct Doc<'a> {
    netinv_version: &'static str,
    command: &'a str,
    started_at: String,
    finished_at: String,
    elapsed_ms: u64,
    interrupted: bool,
    settings: SettingsView<'a>,
    summary: SummaryView,
    devices: Devices<'a>,
}

/// What the report may say about the settings: never a secret, never a key path's content.
#[derive(Serialize)]
struct SettingsView<'a> {
    workers: usize,
    timeout_ms: u64,
    connect_timeout_ms: u64,
    mode: &'static str,
    retries: u32,
    port: u16,
    username: Option<&'a str>,
    auth: Vec<&'static str>,
    host_key_policy: &'static str,
    max_output: usize,
}

#[derive(Serialize)]
struct SummaryView {
    total: usize,
    ok: usize,
    failed: usize,
    /// Invalid inventory rows left out under `--skip-invalid`.
    skipped: usize,
    /// Collected devices that rejected one of the other commands.
    warnings: usize,
    by_error: Map<String, Value>,
    versions: Map<String, Value>,
    /// platform → verdict → devices, when the run had a policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    compliance: Option<Map<String, Value>>,
}

#[derive(Serialize)]
struct DeviceView<'a> {
    name: &'a str,
    host: &'a str,
    port: u16,
    platform: Option<&'static str>,
    platform_detected: bool,
    status: &'static str,
    /// `exec` or `shell`: how the output was collected.
    transport: Option<&'static str>,
    error: Option<&'a crate::error::DeviceError>,
    attempts: u32,
    elapsed_ms: u64,
    facts: Option<FactsView<'a>>,
    /// With a history: when `facts` were collected (this run, or an earlier one for a device
    /// that failed now).
    #[serde(skip_serializing_if = "Option::is_none")]
    last_seen: Option<Cow<'a, str>>,
    output: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outputs: Option<Outputs<'a>>,
    /// Commands a collected device rejected: `{command, kind, message}` each.
    warnings: Vec<WarningView<'a>>,
    truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    compliance: Option<&'a crate::audit::Compliance>,
    /// Negotiated algorithms (kex, host_key, cipher, mac); null when no handshake finished.
    ssh: Option<&'a crate::ssh::algorithms::Negotiated>,
    /// `collect --nats`: the runner that collected the device (absent in a local run).
    #[serde(skip_serializing_if = "Option::is_none")]
    runner: Option<&'a str>,
    fields: Fields<'a>,
}

/// Every device, each turned into its view only as it is written: a report of 10,000 devices
/// never exists twice in memory.
struct Devices<'a>(&'a Report<'a>);

impl Serialize for Devices<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let report = self.0;
        let mut seq = ser.serialize_seq(Some(report.records.len()))?;
        let started = rfc3339(report.started_at);
        for (d, r) in report.rows() {
            let last_known = report.last_known.as_ref().and_then(|k| k[r.index].as_ref());
            let (outputs, facts) = match &r.outcome {
                Outcome::Collected { outputs, facts, .. } => (&outputs[..], facts.as_deref()),
                Outcome::Failed(_) => (&[][..], None),
            };
            seq.serialize_element(&DeviceView {
                name: &d.name,
                host: &d.host,
                port: report.port(d),
                platform: r.platform.map(|p| p.name()),
                platform_detected: r.platform_detected,
                status: r.status(),
                transport: r.transport.map(|t| t.as_str()),
                error: r.error(),
                attempts: r.attempts,
                elapsed_ms: r.elapsed.as_millis() as u64,
                facts: match (facts, last_known) {
                    (Some(f), _) => Some(FactsView::Collected(f)),
                    (None, Some(k)) => k.facts.map(FactsView::LastKnown),
                    (None, None) => None,
                },
                last_seen: match (facts, last_known) {
                    (Some(_), _) if report.last_known.is_some() => Some(Cow::Borrowed(&started)),
                    (None, Some(k)) => k.seen.map(Cow::Borrowed),
                    _ => None,
                },
                output: match outputs.first() {
                    Some(o) => Some(
                        report
                            .output_text(r.index, 0, &o.output)
                            .map_err(S::Error::custom)?,
                    ),
                    None => None,
                },
                outputs: (outputs.len() > 1).then_some(Outputs {
                    report,
                    index: r.index,
                    outputs,
                }),
                warnings: r
                    .command_warnings()
                    .map(|(command, e)| WarningView {
                        command,
                        kind: e.kind.as_str(),
                        message: &e.message,
                    })
                    .collect(),
                truncated: outputs.iter().any(|o| o.truncated),
                compliance: report.compliance.as_ref().map(|c| &c[r.index]),
                ssh: r.ssh.as_deref(),
                runner: r.runner.as_deref(),
                fields: Fields(&d.fields),
            })?;
        }
        seq.end()
    }
}

/// This run's facts, or (a device that failed now, with a history) the last ones known.
#[derive(Serialize)]
#[serde(untagged)]
enum FactsView<'a> {
    Collected(&'a crate::platform::Facts),
    LastKnown(&'a crate::audit::saved::SavedFacts),
}

#[derive(Serialize)]
struct WarningView<'a> {
    command: &'a str,
    kind: &'static str,
    message: &'a str,
}

/// `{command: {output, error}}` for a device that ran several commands.
struct Outputs<'a> {
    report: &'a Report<'a>,
    index: usize,
    outputs: &'a [CommandOutput],
}

impl Serialize for Outputs<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let mut map = ser.serialize_map(Some(self.outputs.len()))?;
        for (k, o) in self.outputs.iter().enumerate() {
            let text = (self.report)
                .output_text(self.index, k, &o.output)
                .map_err(S::Error::custom)?;
            map.serialize_entry(
                &o.command,
                &CommandView {
                    output: text,
                    error: o.error.as_ref(),
                },
            )?;
        }
        map.end()
    }
}

/// One command's result: what it printed, and whether the device rejected it.
#[derive(Serialize)]
struct CommandView<'a> {
    output: Cow<'a, str>,
    error: Option<&'a crate::error::DeviceError>,
}

/// The inventory's extra columns, `{column: value}` in header order.
struct Fields<'a>(&'a [(Arc<str>, String)]);

impl Serialize for Fields<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        ser.collect_map(self.0.iter().map(|(k, v)| (&**k, v)))
    }
}

impl Exporter for JsonExporter {
    fn write(&self, report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
        let s = report.settings;
        let summary = report.summary();
        let mut auth = Vec::new();
        if s.key.is_some() {
            auth.push("publickey");
        }
        if s.agent {
            auth.push("agent");
        }
        if s.password.is_some() {
            auth.push("password");
            auth.push("keyboard-interactive");
        }
        let doc = Doc {
            netinv_version: env!("CARGO_PKG_VERSION"),
            command: &report.command,
            started_at: rfc3339(report.started_at),
            finished_at: rfc3339(report.finished_at),
            elapsed_ms: report.elapsed.as_millis() as u64,
            interrupted: report.interrupted,
            settings: SettingsView {
                workers: s.workers,
                timeout_ms: s.timeout.as_millis() as u64,
                connect_timeout_ms: s.connect_timeout.as_millis() as u64,
                mode: s.mode.as_str(),
                retries: s.retries,
                port: s.port,
                username: s.username.as_deref(),
                auth,
                host_key_policy: s.host_keys.policy.as_str(),
                max_output: s.max_output,
            },
            summary: SummaryView {
                total: summary.total,
                ok: summary.ok,
                failed: summary.failed,
                skipped: summary.skipped,
                warnings: summary.warnings,
                by_error: summary
                    .by_error
                    .iter()
                    .map(|(k, n)| (k.as_str().to_string(), Value::from(*n)))
                    .collect(),
                versions: summary
                    .versions
                    .iter()
                    .map(|(p, vs)| {
                        let mut sorted: Vec<_> = vs.iter().collect();
                        sorted.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
                        let m: Map<String, Value> = sorted
                            .into_iter()
                            .map(|(v, n)| (v.clone(), Value::from(*n)))
                            .collect();
                        (p.clone(), Value::Object(m))
                    })
                    .collect(),
                compliance: report.compliance_counts().map(|by| {
                    by.into_iter()
                        .map(|(p, vs)| {
                            let m: Map<String, Value> = vs
                                .into_iter()
                                .map(|(v, n)| (v.as_str().to_string(), Value::from(n)))
                                .collect();
                            (p, Value::Object(m))
                        })
                        .collect()
                }),
            },
            devices: Devices(report),
        };
        serde_json::to_writer_pretty(&mut *out, &doc).map_err(std::io::Error::other)?;
        out.write_all(b"\n")
    }
}
