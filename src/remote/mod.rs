//! Regional runners on NATS JetStream: what `collect --nats`, `runner` and `runners` share —
//! the broker's names, the connection, and the messages (jobs out, results back).
//!
//! Jobs go to a work-queue stream, one subject per run and region; each region has one durable
//! pull consumer whose filter is that region's subjects (work-queue consumers must not overlap),
//! so a job is delivered to one runner of its region at a time, redelivered when that runner
//! neither acks nor reports progress within the ack wait. Results go to a second stream kept
//! for a week, one subject per job: a rerun of a run reads what is already there. "Taken" notes
//! (for the progress bar and for telling a lost runner from a queue nobody takes) are plain
//! messages, not stored: a resumed run starts its bar from the results, and storing a note per
//! device cost the broker as much as the result itself. Runners keep their state in a key-value bucket whose entries expire, so a runner that
//! stops heart-beating disappears by itself. No secret is ever in any of these messages: a
//! runner logs in with its own credentials.

pub mod collect;
pub mod runner;

use crate::cli::NatsArgs;
use crate::collect::{CommandOutput, Outcome, Record, Transport};
use crate::error::{DeviceError, ErrorKind};
use crate::platform::PlatformChoice;
use crate::ssh::algorithms::Negotiated;
use async_nats::jetstream::{self, consumer, kv, stream};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// The work-queue stream of jobs: `netinv.jobs.<run>.<region>`.
pub const JOBS_STREAM: &str = "NETINV_JOBS";
/// Results: `netinv.out.<run>.result.<index>`.
pub const OUT_STREAM: &str = "NETINV_OUT";
/// Runners' heartbeats: one key per runner, `<region>.<runner>`.
pub const RUNNERS_BUCKET: &str = "netinv-runners";

/// How often a runner writes its state; entries older than `RUNNER_EXPIRY` are gone.
pub const HEARTBEAT: Duration = Duration::from_secs(2);
/// Entries of the runners bucket expire after this.
pub const RUNNER_EXPIRY: Duration = Duration::from_secs(10);
/// A runner whose state was written longer ago than this is not counted as alive.
pub const LIVE_WITHIN: Duration = Duration::from_secs(6);
/// A region with no live runner for this long (after the run started, or the broker came
/// back) is given up: a runner being started at the same moment still counts.
pub const DEAD_AFTER: Duration = Duration::from_secs(4);
/// A job neither acked nor reported in progress for this long goes to another runner of its
/// region; runners report progress on every job in flight for more than a moment, a few times
/// per ack wait.
pub const ACK_WAIT: Duration = Duration::from_secs(10);
/// How often a runner reports progress on each job in flight (that has run for half of this).
pub const PROGRESS_EVERY: Duration = Duration::from_secs(3);
/// Deliveries of one job before the broker gives up on it (a device that kills runners).
pub const MAX_DELIVER: i64 = 5;
/// How long results stay for a rerun of the same `--run-id` to pick up.
pub const RESULTS_KEPT: Duration = Duration::from_secs(7 * 24 * 3600);

/// Version of the messages below; a runner refuses jobs of another (and says so).
pub const WIRE_VERSION: u32 = 1;

/// The run-wide part of a job: what a local run's settings say about every device, minus
/// anything secret. The runner adds its own credentials, keys and known_hosts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spec {
    /// The commands to run (empty: the platform's version command).
    pub commands: Vec<String>,
    /// `auto`, `exec` or `shell`.
    pub mode: String,
    /// Each device's deadline, in milliseconds.
    pub timeout_ms: u64,
    /// `--connect-timeout` when given (else the runner's ssh_config or default applies).
    pub connect_timeout_ms: Option<u64>,
    /// Extra attempts after a transient failure.
    pub retries: u32,
    /// Bytes kept per command's output.
    pub max_output: usize,
    /// Enter privileged mode.
    pub enable: bool,
    /// Acknowledge login banners that wait for it.
    pub accept_banner: bool,
}

/// One device to collect, as a runner needs it: no carried-through columns, no password.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    /// The wire version (`WIRE_VERSION`).
    pub v: u32,
    /// The run's id.
    pub run: String,
    /// The device's position in the inventory.
    pub index: usize,
    /// The device's inventory name.
    pub name: String,
    /// The address to connect to.
    pub host: String,
    /// The inventory's port, if it gives one.
    pub port: Option<u16>,
    /// The platform's Netmiko name, or empty to detect it.
    pub platform: String,
    /// The inventory's username, if it gives one.
    pub username: Option<String>,
    /// The inventory's `legacy` value, if it gives one.
    pub legacy: Option<bool>,
    /// The inventory's `jump` value, if it gives one.
    pub jump: Option<String>,
    /// The run-wide part.
    pub spec: Spec,
    /// Queued by a collect that resumed its run: the result may be there already.
    #[serde(default)]
    pub resumed: bool,
}

/// A runner took a job (sent before it contacts the device).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Taken {
    /// The device's position in the inventory.
    pub index: usize,
    /// The runner that took it.
    pub runner: String,
    /// Which delivery of the job this is (1 = first).
    pub delivery: i64,
}

/// A device's result as the runner's worker produced it, before facts are read (the collect
/// side reads them, as a local run's main thread does).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireRecord {
    /// The wire version (`WIRE_VERSION`).
    pub v: u32,
    /// The device's position in the inventory.
    pub index: usize,
    /// The device's inventory name.
    pub name: String,
    /// The runner that collected it.
    pub runner: String,
    /// The platform used, by its Netmiko name.
    pub platform: Option<String>,
    /// `exec` or `shell`, where a session was made.
    pub transport: Option<String>,
    /// Connection attempts made.
    pub attempts: u32,
    /// Time the device took, in milliseconds.
    pub elapsed_ms: u64,
    /// `None`: failed with `error`.
    pub outputs: Option<Vec<WireOutput>>,
    /// Why it failed, when it did.
    pub error: Option<WireError>,
    /// The negotiated kex, host key, cipher and MAC.
    pub ssh: Option<[String; 4]>,
}

/// One command's output on the wire.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireOutput {
    /// The command as sent.
    pub command: String,
    /// What it printed.
    pub output: String,
    /// Whether output was dropped at the cap.
    pub truncated: bool,
    /// The device rejected this command.
    pub error: Option<WireError>,
}

/// A device error on the wire.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireError {
    /// The error kind's stable string.
    pub kind: String,
    /// The message.
    pub message: String,
}

impl WireError {
    fn of(e: &DeviceError) -> WireError {
        WireError {
            kind: e.kind.as_str().into(),
            message: e.message.clone(),
        }
    }

    fn into_error(self) -> DeviceError {
        let kind = ErrorKind::ALL
            .into_iter()
            .find(|k| k.as_str() == self.kind)
            .unwrap_or(ErrorKind::Protocol);
        DeviceError::new(kind, self.message)
    }
}

impl WireRecord {
    /// The wire form of `record`, for device `name`, collected by `runner`.
    pub fn of(record: &Record, name: &str, runner: &str) -> WireRecord {
        let (outputs, error) = match &record.outcome {
            Outcome::Collected { outputs, .. } => (
                Some(
                    outputs
                        .iter()
                        .map(|o| WireOutput {
                            command: o.command.clone(),
                            output: o.output.clone(),
                            truncated: o.truncated,
                            error: o.error.as_ref().map(WireError::of),
                        })
                        .collect(),
                ),
                None,
            ),
            Outcome::Failed(e) => (None, Some(WireError::of(e))),
        };
        WireRecord {
            v: WIRE_VERSION,
            index: record.index,
            name: name.to_string(),
            runner: runner.to_string(),
            platform: record.platform.map(|p| p.name().to_string()),
            transport: record.transport.map(|t| t.as_str().to_string()),
            attempts: record.attempts,
            elapsed_ms: u64::try_from(record.elapsed.as_millis()).unwrap_or(u64::MAX),
            outputs,
            error,
            ssh: record.ssh.as_ref().map(|n| {
                [
                    n.kex.clone(),
                    n.host_key.clone(),
                    n.cipher.clone(),
                    n.mac.clone(),
                ]
            }),
        }
    }

    /// The record as a local worker would have handed it to the main thread.
    pub fn into_record(self) -> Record {
        let outcome = match (self.outputs, self.error) {
            (Some(outputs), _) => Outcome::Collected {
                outputs: outputs
                    .into_iter()
                    .map(|o| CommandOutput {
                        command: o.command,
                        output: o.output,
                        truncated: o.truncated,
                        error: o.error.map(WireError::into_error),
                    })
                    .collect(),
                facts: None,
                warning: None,
            },
            (None, Some(e)) => Outcome::Failed(e.into_error()),
            (None, None) => Outcome::Failed(DeviceError::new(
                ErrorKind::Protocol,
                "the runner's result had neither output nor error",
            )),
        };
        Record {
            index: self.index,
            platform: self
                .platform
                .and_then(|p| PlatformChoice::parse(&p).ok())
                .and_then(PlatformChoice::known),
            platform_detected: false,
            transport: match self.transport.as_deref() {
                Some("exec") => Some(Transport::Exec),
                Some("shell") => Some(Transport::Shell),
                _ => None,
            },
            attempts: self.attempts,
            elapsed: Duration::from_millis(self.elapsed_ms),
            outcome,
            ssh: self.ssh.map(|[kex, host_key, cipher, mac]| {
                Box::new(Negotiated {
                    kex,
                    host_key,
                    cipher,
                    mac,
                })
            }),
            runner: Some(self.runner),
        }
    }
}

/// What a runner tells about itself every few seconds (`netinv runners`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunnerState {
    /// The runner's name.
    pub runner: String,
    /// The region it serves.
    pub region: String,
    /// Its netinv version.
    pub version: String,
    /// Its worker count.
    pub workers: usize,
    /// Devices it is collecting now.
    pub in_flight: usize,
    /// Devices it has finished.
    pub done: u64,
    /// Devices of those that failed.
    pub failed: u64,
    /// Its recent rate.
    pub devices_per_s: f64,
    /// When it started (RFC 3339).
    pub started_at: String,
    /// It takes no new jobs and stops when those in flight are done.
    pub draining: bool,
}

/// A region, runner name or run id as one subject token (and KV key / consumer name part):
/// letters, digits, `-` and `_` stay; every other byte is `=XX`, so distinct names stay
/// distinct and none can add a level (`.`) or a wildcard (`*`, `>`).
pub fn token(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            out.push(b as char);
        } else {
            out.push_str(&format!("={b:02X}"));
        }
    }
    if out.is_empty() {
        out.push_str("=00");
    }
    out
}

/// The subject a region's jobs of a run are published on.
pub fn job_subject(run: &str, region: &str) -> String {
    format!("netinv.jobs.{}.{}", token(run), token(region))
}

/// The subject a device's result is published on.
pub fn result_subject(run: &str, index: usize) -> String {
    format!("netinv.out.{}.result.{index}", token(run))
}

/// The subject a device's "taken" note is published on: outside every stream, never stored.
pub fn taken_subject(run: &str, index: usize) -> String {
    format!("netinv.taken.{}.{index}", token(run))
}

/// The subjects of all "taken" notes of a run.
pub fn taken_subjects(run: &str) -> String {
    format!("netinv.taken.{}.>", token(run))
}

/// The durable consumer of a region: the same for every run, so a runner needs to know only
/// its region.
pub fn consumer_name(region: &str) -> String {
    format!("region-{}", token(region))
}

/// The runners bucket's key of a runner.
pub fn runner_key(region: &str, runner: &str) -> String {
    format!("{}.{}", token(region), token(runner))
}

/// Connect with the user's credentials file and CA, retrying the first connection for a
/// while (a runner started with the broker) and reconnecting for ever after.
pub async fn connect(args: &NatsArgs, name: &str) -> Result<async_nats::Client, String> {
    let url = args
        .url
        .as_deref()
        .ok_or("no broker: give --nats URL (e.g. nats://broker.example:4222)")?;
    let mut opts = async_nats::ConnectOptions::new()
        .name(name)
        .connection_timeout(Duration::from_secs(5))
        .max_reconnects(None);
    if let Some(creds) = &args.nats_creds {
        opts = opts
            .credentials_file(creds)
            .await
            .map_err(|e| format!("cannot read --nats-creds {}: {e}", creds.display()))?;
    }
    if let Some(ca) = &args.nats_tls_ca {
        if let Err(e) = std::fs::metadata(ca) {
            return Err(format!("cannot read --nats-tls-ca {}: {e}", ca.display()));
        }
        opts = opts.add_root_certificates(ca.clone()).require_tls(true);
    }
    let urls: Vec<&str> = url
        .split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .collect();
    opts.connect(urls).await.map_err(|e| {
        let fix = match (e.kind(), &args.nats_creds) {
            (async_nats::ConnectErrorKind::AuthorizationViolation, None) => {
                " (the broker wants credentials: give --nats-creds FILE, the user's .creds file)"
            }
            (async_nats::ConnectErrorKind::AuthorizationViolation, Some(_)) => {
                " (the broker does not accept the --nats-creds user: check its account is on the broker)"
            }
            _ => "",
        };
        format!("cannot connect to the broker at {url}: {e}{fix}")
    })
}

/// The broker's JetStream: in `--nats-js-domain`'s domain when given, so that its API is
/// reached across a leaf node, which forwards only a named domain's.
pub fn jetstream_of(client: async_nats::Client, args: &NatsArgs) -> jetstream::Context {
    match args.nats_js_domain.as_deref().map(str::trim) {
        Some(domain) if !domain.is_empty() => jetstream::with_domain(client, domain),
        _ => jetstream::new(client),
    }
}

/// Wait up to `patience` for the broker's JetStream to answer. A runner's host may start it
/// before the leaf node it connects through has dialled out to the central broker; until then
/// the leaf node answers that JetStream is unavailable.
pub async fn wait_for_jetstream(
    js: &jetstream::Context,
    domain: Option<&str>,
    patience: Duration,
) -> Result<(), String> {
    use jetstream::context::AccountErrorKind;
    // Said at once as well as at the end: the wait is long for a runner started by hand.
    let fix = match domain {
        None => "through a leaf node, give --nats-js-domain, the central broker's JetStream domain",
        Some(_) => "check --nats-js-domain is the central broker's JetStream domain",
    };
    let end = Instant::now() + patience;
    let mut said = false;
    loop {
        let why = match js.query_account().await {
            Ok(_) => return Ok(()),
            Err(e) => match e.kind() {
                AccountErrorKind::JetStreamUnavailable | AccountErrorKind::TimedOut => {
                    e.to_string()
                }
                _ => return Err(format!("the broker's JetStream refused: {e}")),
            },
        };
        if Instant::now() >= end {
            return Err(format!(
                "the broker's JetStream did not answer within {}s ({why}); {fix}",
                patience.as_secs()
            ));
        }
        if !said {
            tracing::warn!(
                "the broker's JetStream does not answer yet ({why}); waiting up to {}s ({fix})",
                patience.as_secs()
            );
            said = true;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The streams and bucket, created by whoever comes first (collect or a runner).
pub async fn ensure_streams(js: &jetstream::Context) -> Result<(), String> {
    js.get_or_create_stream(stream::Config {
        name: JOBS_STREAM.into(),
        subjects: vec!["netinv.jobs.>".into()],
        retention: stream::RetentionPolicy::WorkQueue,
        storage: stream::StorageType::File,
        // A rerun within this window does not queue a job twice.
        duplicate_window: Duration::from_secs(3600),
        ..Default::default()
    })
    .await
    .map_err(|e| format!("cannot create the job stream {JOBS_STREAM}: {e}"))?;
    js.get_or_create_stream(stream::Config {
        name: OUT_STREAM.into(),
        subjects: vec!["netinv.out.>".into()],
        retention: stream::RetentionPolicy::Limits,
        storage: stream::StorageType::File,
        max_age: RESULTS_KEPT,
        duplicate_window: Duration::from_secs(120),
        ..Default::default()
    })
    .await
    .map_err(|e| format!("cannot create the result stream {OUT_STREAM}: {e}"))?;
    Ok(())
}

/// The runners bucket, created if it does not exist.
pub async fn runners_bucket(js: &jetstream::Context) -> Result<kv::Store, String> {
    match js.get_key_value(RUNNERS_BUCKET).await {
        Ok(s) => Ok(s),
        Err(_) => js
            .create_key_value(kv::Config {
                bucket: RUNNERS_BUCKET.into(),
                history: 1,
                max_age: RUNNER_EXPIRY,
                storage: stream::StorageType::Memory,
                ..Default::default()
            })
            .await
            .or(js.get_key_value(RUNNERS_BUCKET).await)
            .map_err(|e| format!("cannot create the runners bucket {RUNNERS_BUCKET}: {e}")),
    }
}

/// The region's durable pull consumer, created if it does not exist yet.
pub async fn region_consumer(
    js: &jetstream::Context,
    region: &str,
) -> Result<consumer::Consumer<consumer::pull::Config>, String> {
    let stream = js
        .get_stream(JOBS_STREAM)
        .await
        .map_err(|e| format!("cannot open the job stream {JOBS_STREAM}: {e}"))?;
    let name = consumer_name(region);
    stream
        .get_or_create_consumer(
            &name,
            consumer::pull::Config {
                durable_name: Some(name.clone()),
                filter_subject: format!("netinv.jobs.*.{}", token(region)),
                ack_policy: consumer::AckPolicy::Explicit,
                ack_wait: ACK_WAIT,
                max_deliver: MAX_DELIVER,
                // Every worker of every runner of the region may hold a job.
                max_ack_pending: 100_000,
                max_waiting: 4096,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| format!("cannot create the consumer {name} of region {region}: {e}"))
}

/// The live runners, from their heartbeats: `(key, state, seconds since it last wrote)`.
pub async fn live_runners(store: &kv::Store) -> Result<Vec<(String, RunnerState, f64)>, String> {
    use futures_util::StreamExt as _;
    let mut out = Vec::new();
    let mut keys = store
        .keys()
        .await
        .map_err(|e| format!("cannot list the runners: {e}"))?;
    let mut names = Vec::new();
    while let Some(k) = keys.next().await {
        names.push(k.map_err(|e| format!("cannot list the runners: {e}"))?);
    }
    let now = std::time::SystemTime::now();
    for key in names {
        let Ok(Some(entry)) = store.entry(key.clone()).await else {
            continue;
        };
        if entry.operation != kv::Operation::Put {
            continue;
        }
        let Ok(state) = serde_json::from_slice::<RunnerState>(&entry.value) else {
            continue;
        };
        let written = std::time::SystemTime::from(entry.created);
        let age = now
            .duration_since(written)
            .unwrap_or(Duration::ZERO)
            .as_secs_f64();
        out.push((key, state, age));
    }
    Ok(out)
}

/// `netinv runners --nats URL`: one line per live runner.
pub fn list(args: &crate::cli::RunnersArgs) -> Result<crate::exit::Exit, crate::run::AppError> {
    let rt = runtime()?;
    let rows = rt
        .block_on(async {
            let client = connect(&args.nats, "netinv runners").await?;
            let js = jetstream_of(client, &args.nats);
            let store = runners_bucket(&js).await?;
            live_runners(&store).await
        })
        .map_err(crate::run::AppError::Usage)?;
    if args.json {
        let states: Vec<serde_json::Value> = rows
            .iter()
            .map(|(_, s, age)| {
                let mut v = serde_json::to_value(s).unwrap_or_default();
                v["seen_s_ago"] = serde_json::json!((age * 10.0).round() / 10.0);
                v
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&states).unwrap_or_default()
        );
        return Ok(crate::exit::Exit::Ok);
    }
    println!(
        "{:<24} {:<16} {:>7} {:>9} {:>8} {:>7} {:>9}  {:<8} state",
        "runner", "region", "workers", "in flight", "done", "failed", "devices/s", "version"
    );
    let mut rows = rows;
    rows.sort_by(|a, b| (&a.1.region, &a.1.runner).cmp(&(&b.1.region, &b.1.runner)));
    for (_, s, age) in &rows {
        println!(
            "{:<24} {:<16} {:>7} {:>9} {:>8} {:>7} {:>9.1}  {:<8} {} (seen {age:.0}s ago)",
            s.runner,
            s.region,
            s.workers,
            s.in_flight,
            s.done,
            s.failed,
            s.devices_per_s,
            s.version,
            if s.draining { "draining" } else { "running" },
        );
    }
    eprintln!("{} live runner(s)", rows.len());
    Ok(crate::exit::Exit::Ok)
}

/// Hand one message to the broker under its message id; the future it returns resolves once the
/// broker has stored it. The id makes a repeat harmless: the broker keeps one copy if an earlier
/// try got there.
async fn send_with_id(
    js: &jetstream::Context,
    subject: &str,
    payload: &[u8],
    id: &str,
) -> Result<jetstream::context::PublishAckFuture, jetstream::context::PublishError> {
    js.send_publish(
        subject.to_string(),
        jetstream::message::PublishMessage::build()
            .payload(payload.to_vec().into())
            .message_id(id),
    )
    .await
}

/// Publish until the broker has it (it may be restarting), for a minute at most.
async fn publish_reliably(
    js: &jetstream::Context,
    subject: &str,
    payload: &[u8],
    id: &str,
) -> bool {
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(ack) = send_with_id(js, subject, payload, id).await {
            if ack.await.is_ok() {
                return true;
            }
        }
        if Instant::now() >= until {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// A small runtime of its own: the broker's client is async, netinv's collection is not.
pub fn runtime() -> Result<tokio::runtime::Runtime, crate::run::AppError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("netinv-nats")
        .enable_all()
        .build()
        .map_err(|e| crate::run::AppError::Other(anyhow::anyhow!("cannot start a runtime: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_single_subject_tokens_that_stay_distinct() {
        assert_eq!(token("ams-1_b"), "ams-1_b");
        assert_eq!(token("New York"), "New=20York");
        assert_eq!(token("a.b"), "a=2Eb");
        assert_eq!(token("*"), "=2A");
        assert_eq!(token(">"), "=3E");
        assert_ne!(token("a=2Eb"), token("a.b"));
        assert_eq!(token(""), "=00");
        assert_eq!(job_subject("r1", "ams"), "netinv.jobs.r1.ams");
    }
}
