//! `collect --nats`: the devices become jobs (one subject per region), the runners' results
//! come back as records on the same channel a local pool would feed, so the progress bar,
//! reports and exit codes are those of a local run. Every device gets exactly one record: the
//! first result for its job wins, whatever was redelivered; a region that nobody serves ends
//! as `no_runner`.

use super::{
    connect, ensure_streams, jetstream_of, job_subject, live_runners, publish_reliably,
    runners_bucket, send_with_id, taken_subjects, token, Job, Spec, Taken, WireRecord, ACK_WAIT,
    DEAD_AFTER, JOBS_STREAM, LIVE_WITHIN, OUT_STREAM, WIRE_VERSION,
};
use crate::cli::CollectArgs;
use crate::collect::{Activity, Context, Outcome, Record};
use crate::error::{DeviceError, ErrorKind};
use crate::inventory::{Device, Inventory};
use crate::run::AppError;
use async_nats::jetstream::{self, consumer, stream};
use clap::ValueEnum;
use futures_util::StreamExt as _;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;

/// A run on runners, checked and connected before any job is sent.
pub struct Remote {
    rt: Runtime,
    /// The broker's JetStream, and through it the connection.
    js: jetstream::Context,
    run: String,
    /// Each device's region, by inventory index.
    regions: Vec<String>,
}

/// Check what `collect --nats` needs of the inventory and connect to the broker: a problem
/// here stops the run before anything is queued (exit 2).
pub fn prepare(args: &CollectArgs, inv: &Inventory) -> Result<Remote, AppError> {
    let column = match &args.region_column {
        Some(c) => c.clone(),
        None => {
            let has = |c: &str| {
                inv.devices
                    .first()
                    .is_some_and(|d| d.fields.iter().any(|(k, _)| k.eq_ignore_ascii_case(c)))
            };
            if !has("site") && has("region") {
                "region".into()
            } else {
                "site".into()
            }
        }
    };
    let mut regions = Vec::with_capacity(inv.devices.len());
    for d in &inv.devices {
        if d.password.is_some() || d.secret.is_some() {
            let col = if d.password.is_some() {
                "password"
            } else {
                "secret"
            };
            return Err(AppError::Usage(format!(
                "{}:{}: {col}: a per-row secret cannot be sent to a runner (nothing secret goes \
                 through the broker); give the runners their own credentials \
                 (NETINV_PASSWORD, --password-file, --key, NETINV_ENABLE_SECRET) and drop the \
                 column",
                inv.source, d.line
            )));
        }
        let value = d
            .fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&column))
            .map(|(_, v)| v.trim());
        match value {
            None => {
                return Err(AppError::Usage(format!(
                    "{}: no column `{column}` to tell each device's region by: add it, or name \
                     another with --region-column COL",
                    inv.source
                )))
            }
            Some("") => {
                return Err(AppError::Usage(format!(
                    "{}:{}: {column}: empty: every device needs a region for --nats (the runners \
                     of that region collect it)",
                    inv.source, d.line
                )))
            }
            Some(v) => regions.push(v.to_string()),
        }
    }
    let run = match &args.run_id {
        Some(id) => {
            let ok = !id.is_empty()
                && id.len() <= 64
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !ok {
                return Err(AppError::Usage(format!(
                    "--run-id '{}': use 1 to 64 letters, digits, `-` or `_`",
                    id.escape_debug()
                )));
            }
            id.clone()
        }
        None => new_run_id(),
    };
    let rt = super::runtime()?;
    let js = rt
        .block_on(async {
            let client = connect(&args.nats, &format!("netinv collect {run}")).await?;
            let js = jetstream_of(client, &args.nats);
            ensure_streams(&js).await?;
            Ok::<_, String>(js)
        })
        .map_err(AppError::Usage)?;
    Ok(Remote {
        rt,
        js,
        run,
        regions,
    })
}

fn new_run_id() -> String {
    let mut b = [0u8; 4];
    let _ = getrandom::fill(&mut b);
    let now = crate::report::rfc3339(std::time::SystemTime::now());
    let stamp: String = now
        .chars()
        .filter(|c| c.is_ascii_digit())
        .take(14)
        .collect();
    format!("{stamp}-{:02x}{:02x}{:02x}{:02x}", b[0], b[1], b[2], b[3])
}

impl Remote {
    /// The run's id (`--run-id`, or the one made for it).
    pub fn run_id(&self) -> &str {
        &self.run
    }

    /// Queue the jobs and feed the runners' records to the main thread (see `job::run`).
    pub fn start(
        self,
        devices: Arc<Vec<Device>>,
        ctx: Arc<Context>,
    ) -> (Receiver<Record>, Arc<Activity>) {
        let (tx, rx) = channel();
        let total = devices.len();
        let activity = Arc::new(Activity::new(total, total));
        let act = Arc::clone(&activity);
        let Remote {
            rt,
            js,
            run,
            regions,
        } = self;
        let spawned = std::thread::Builder::new()
            .name("netinv-nats".into())
            .spawn(move || {
                rt.block_on(async {
                    let mut c = Coordinator::new(js, run, &devices, regions, &ctx, &act, tx);
                    c.run().await
                });
            });
        if let Err(e) = spawned {
            tracing::error!("cannot start the broker thread: {e}");
        }
        (rx, activity)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum State {
    /// Not (yet) sent to the broker.
    Unpublished,
    Queued,
    Taken {
        runner: String,
        at: Instant,
    },
    Done,
}

struct Region {
    name: String,
    /// Last time a runner of the region was heard from, or a job of it was taken or answered.
    alive_at: Instant,
    /// Last time a job of the region was taken or answered.
    moved_at: Instant,
    live_runners: usize,
}

struct Coordinator<'a> {
    client: async_nats::Client,
    js: jetstream::Context,
    run: String,
    devices: &'a [Device],
    region_of: Vec<usize>,
    regions: Vec<Region>,
    state: Vec<State>,
    left: usize,
    ctx: &'a Context,
    activity: &'a Activity,
    started: usize,
    tx: Sender<Record>,
    spec: Spec,
    /// Longest a job can take on a runner: the deadline for each attempt, and the backoffs.
    job_max: Duration,
    /// The broker had results or jobs of this run from an earlier collect.
    resumed: bool,
}

impl<'a> Coordinator<'a> {
    fn new(
        js: jetstream::Context,
        run: String,
        devices: &'a [Device],
        names: Vec<String>,
        ctx: &'a Context,
        activity: &'a Activity,
        tx: Sender<Record>,
    ) -> Self {
        let now = Instant::now();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut regions = Vec::new();
        let region_of = names
            .into_iter()
            .map(|n| {
                *index.entry(n.clone()).or_insert_with(|| {
                    regions.push(Region {
                        name: n,
                        alive_at: now,
                        moved_at: now,
                        live_runners: 0,
                    });
                    regions.len() - 1
                })
            })
            .collect();
        let s = &ctx.settings;
        let spec = Spec {
            commands: s.commands.clone(),
            mode: s
                .mode
                .to_possible_value()
                .map(|v| v.get_name().to_string())
                .unwrap_or_else(|| "auto".into()),
            timeout_ms: u64::try_from(s.timeout.as_millis()).unwrap_or(u64::MAX),
            connect_timeout_ms: s
                .connect_timeout_given
                .then(|| u64::try_from(s.connect_timeout.as_millis()).unwrap_or(u64::MAX)),
            retries: s.retries,
            max_output: s.max_output,
            enable: !matches!(s.enable, crate::settings::EnableSetting::Off),
            accept_banner: s.accept_banner,
        };
        let attempts = s.retries.saturating_add(1);
        let job_max = s.timeout.saturating_mul(attempts) + Duration::from_secs(4) * s.retries;
        Coordinator {
            client: js.client(),
            js,
            run,
            devices,
            region_of,
            regions,
            state: vec![State::Unpublished; devices.len()],
            left: devices.len(),
            ctx,
            activity,
            started: 0,
            tx,
            spec,
            job_max,
            resumed: false,
        }
    }

    fn finish(&mut self, mut record: Record) {
        let i = record.index;
        if self.state[i] == State::Done {
            return;
        }
        if !matches!(self.state[i], State::Taken { .. }) {
            self.started += 1;
            self.activity.set_started(self.started);
        }
        self.state[i] = State::Done;
        self.activity.end(i);
        self.left -= 1;
        record.index = i;
        let _ = self.tx.send(record);
    }

    fn end_as(&mut self, i: usize, kind: ErrorKind, message: String) {
        let mut r = Record::cancelled(i, self.devices[i].platform.known());
        r.outcome = Outcome::Failed(DeviceError::new(kind, message));
        self.finish(r);
    }

    /// A result from the results stream.
    fn on_message(&mut self, subject: &str, payload: &[u8]) {
        let prefix = format!("netinv.out.{}.", token(&self.run));
        let Some(rest) = subject.strip_prefix(&prefix) else {
            return;
        };
        let now = Instant::now();
        if rest.starts_with("result.") {
            let Ok(wire) = serde_json::from_slice::<WireRecord>(payload) else {
                return;
            };
            let i = wire.index;
            if i >= self.devices.len() || self.devices[i].name != wire.name {
                return;
            }
            let r = self.region_of[i];
            self.regions[r].moved_at = now;
            self.regions[r].alive_at = now;
            self.finish(wire.into_record());
        }
    }

    /// A runner's "taken" note: the device is in flight there.
    fn on_taken(&mut self, payload: &[u8]) {
        let Ok(t) = serde_json::from_slice::<Taken>(payload) else {
            return;
        };
        let i = t.index;
        if i >= self.devices.len() || self.state[i] == State::Done {
            return;
        }
        if !matches!(self.state[i], State::Taken { .. }) {
            self.started += 1;
            self.activity.set_started(self.started);
        }
        let now = Instant::now();
        self.state[i] = State::Taken {
            runner: t.runner,
            at: now,
        };
        self.activity.begin(i, i);
        let r = self.region_of[i];
        self.regions[r].moved_at = now;
        self.regions[r].alive_at = now;
    }

    async fn run(&mut self) {
        let out = loop {
            match self.js.get_stream(OUT_STREAM).await {
                Ok(s) => break s,
                Err(e) => {
                    tracing::warn!("cannot open {OUT_STREAM}, retrying: {e}");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        };
        let mut results = self.subscribe(&out).await;
        // Before any job is queued, so that no note of this run's is missed.
        let mut taken = loop {
            match self.client.subscribe(taken_subjects(&self.run)).await {
                Ok(s) => break s,
                Err(e) => {
                    tracing::warn!("cannot subscribe to the runners' notes, retrying: {e}");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        };
        self.catch_up(&mut results).await;
        let resumed = self.devices.len() - self.left;
        if resumed > 0 {
            tracing::warn!(
                run = %self.run,
                "resuming: {resumed} device(s) already collected by this run's runners"
            );
        }
        self.publish_jobs().await;
        let mut tick = tokio::time::interval(Duration::from_millis(500));
        let mut last_poll = Instant::now() - Duration::from_secs(10);
        let mut broker_back = Instant::now();
        let mut told_stop = false;
        let store = runners_bucket(&self.js).await.ok();
        while self.left > 0 {
            tokio::select! {
                m = results.next() => match m {
                    Some(Ok(m)) => {
                        let subject = m.subject.to_string();
                        self.on_message(&subject, &m.payload);
                    }
                    Some(Err(e)) => {
                        tracing::debug!("results: {e}");
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                    None => {
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        results = self.subscribe(&out).await;
                    }
                },
                Some(m) = taken.next() => self.on_taken(&m.payload),
                _ = tick.tick() => {
                    let now = Instant::now();
                    if self.client.connection_state() != async_nats::connection::State::Connected {
                        // Nobody can be heard while the broker is away: silence proves nothing.
                        broker_back = now;
                        continue;
                    }
                    if self.ctx.stop.load(Ordering::SeqCst) && !told_stop {
                        told_stop = true;
                        self.stop_queued().await;
                    }
                    if now.duration_since(last_poll) >= Duration::from_secs(1) {
                        last_poll = now;
                        if let Some(store) = &store {
                            self.poll_runners(store).await;
                        }
                    }
                    self.give_up_where_nobody_serves(broker_back).await;
                }
            }
        }
    }

    async fn subscribe(&self, out: &stream::Stream) -> consumer::pull::Ordered {
        loop {
            let made = out
                .create_consumer(consumer::pull::OrderedConfig {
                    filter_subject: format!("netinv.out.{}.>", token(&self.run)),
                    deliver_policy: consumer::DeliverPolicy::All,
                    ..Default::default()
                })
                .await;
            match made {
                Ok(c) => match c.messages().await {
                    Ok(m) => return m,
                    Err(e) => tracing::warn!("cannot read the results, retrying: {e}"),
                },
                Err(e) => tracing::warn!("cannot read the results, retrying: {e}"),
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// Read what this run's runners already sent (a rerun with the same `--run-id`).
    async fn catch_up(&mut self, results: &mut consumer::pull::Ordered) {
        // Whether this run has anything there yet (a fresh run does not): the stream's
        // message count per subject, for this run's subjects only.
        let filter = format!("netinv.out.{}.>", token(&self.run));
        let pending = match self.js.get_stream(OUT_STREAM).await {
            Ok(s) => match s.info_builder().subjects(filter).fetch().await {
                Ok(mut subjects) => subjects.next().await.is_some(),
                Err(_) => true,
            },
            Err(_) => true,
        };
        if pending {
            self.resumed = true;
            while let Some(Ok(m)) = results.next().await {
                let subject = m.subject.to_string();
                self.on_message(&subject, &m.payload);
                let caught_up = m.info().map(|i| i.pending == 0).unwrap_or(true);
                if caught_up || self.left == 0 {
                    break;
                }
            }
        }
        // Jobs of an earlier attempt still queued would be collected twice: they are replaced
        // by this attempt's (a runner holding one in flight still sends its result).
        if self.purge_jobs(None).await > 0 {
            self.resumed = true;
        }
    }

    /// Withdraw this run's queued jobs (of one region): how many there were.
    async fn purge_jobs(&self, region: Option<usize>) -> u64 {
        let Ok(stream) = self.js.get_stream(JOBS_STREAM).await else {
            return 0;
        };
        let filter = match region {
            Some(r) => job_subject(&self.run, &self.regions[r].name),
            None => format!("netinv.jobs.{}.>", token(&self.run)),
        };
        stream
            .purge()
            .filter(filter)
            .await
            .map(|p| p.purged)
            .unwrap_or(0)
    }

    async fn publish_jobs(&mut self) {
        let session = {
            let mut b = [0u8; 4];
            let _ = getrandom::fill(&mut b);
            u32::from_le_bytes(b)
        };
        let todo: Vec<usize> = (0..self.devices.len())
            .filter(|&i| self.state[i] == State::Unpublished)
            .collect();
        for chunk in todo.chunks(256) {
            if self.ctx.stop.load(Ordering::SeqCst) {
                return;
            }
            let mut acks = Vec::with_capacity(chunk.len());
            for &i in chunk {
                let d = &self.devices[i];
                let job = Job {
                    v: WIRE_VERSION,
                    run: self.run.clone(),
                    index: i,
                    name: d.name.clone(),
                    host: d.host.clone(),
                    port: self.ctx.settings.fixed_port(d),
                    platform: d
                        .platform
                        .known()
                        .map(|p| p.name())
                        .unwrap_or("autodetect")
                        .to_string(),
                    username: d.username.clone(),
                    legacy: d.legacy,
                    jump: d.jump.as_ref().map(|j| j.to_string()),
                    spec: self.spec.clone(),
                    resumed: self.resumed,
                };
                let Ok(payload) = serde_json::to_vec(&job) else {
                    continue;
                };
                let subject = job_subject(&self.run, &self.regions[self.region_of[i]].name);
                let id = format!("{}.{i}.{session:08x}", self.run);
                loop {
                    match send_with_id(&self.js, &subject, &payload, &id).await {
                        Ok(ack) => {
                            acks.push((i, ack, subject, payload, id));
                            break;
                        }
                        Err(e) => {
                            tracing::warn!("cannot queue a job, retrying: {e}");
                            tokio::time::sleep(Duration::from_millis(250)).await;
                        }
                    }
                }
            }
            for (i, ack, subject, payload, id) in acks {
                if ack.await.is_err() {
                    while !publish_reliably(&self.js, &subject, &payload, &id).await {}
                }
                if self.state[i] == State::Unpublished {
                    self.state[i] = State::Queued;
                }
            }
        }
        tracing::info!(run = %self.run, "jobs queued");
    }

    async fn poll_runners(&mut self, store: &async_nats::jetstream::kv::Store) {
        let Ok(live) = live_runners(store).await else {
            return;
        };
        let now = Instant::now();
        for r in &mut self.regions {
            r.live_runners = 0;
        }
        for (_, state, age) in live {
            if age > LIVE_WITHIN.as_secs_f64() {
                continue;
            }
            if let Some(r) = self.regions.iter_mut().find(|r| r.name == state.region) {
                r.live_runners += 1;
                r.alive_at = now;
            }
        }
    }

    /// End the jobs of regions without a live runner, and of regions whose runners took no
    /// job for longer than any job can last, as `no_runner`; and jobs taken by a runner that
    /// never answered.
    async fn give_up_where_nobody_serves(&mut self, broker_back: Instant) {
        let now = Instant::now();
        let stall = self.job_max + LIVE_WITHIN + DEAD_AFTER;
        for r in 0..self.regions.len() {
            let open: Vec<usize> = (0..self.devices.len())
                .filter(|&i| self.region_of[i] == r && self.state[i] != State::Done)
                .collect();
            if open.is_empty() {
                continue;
            }
            let reg = &self.regions[r];
            let silent = now.duration_since(reg.alive_at.max(broker_back));
            let still = now.duration_since(reg.moved_at.max(broker_back));
            let queued = open
                .iter()
                .any(|&i| matches!(self.state[i], State::Queued | State::Unpublished));
            let why = if reg.live_runners == 0 && silent >= DEAD_AFTER {
                Some(format!(
                    "no live runner for region '{}' (none heard from for {}s); the device was \
                     not contacted",
                    reg.name,
                    silent.as_secs()
                ))
            } else if queued && still >= stall {
                Some(format!(
                    "region '{}' has {} live runner(s), but none took a job for {}s; the device \
                     was not contacted",
                    reg.name,
                    reg.live_runners,
                    still.as_secs()
                ))
            } else {
                None
            };
            if let Some(why) = why {
                self.purge_jobs(Some(r)).await;
                for i in open {
                    let message = match &self.state[i] {
                        State::Taken { runner, .. } => format!(
                            "taken by runner {runner}, which went away without a result, and {why}"
                        ),
                        _ => why.clone(),
                    };
                    self.end_as(i, ErrorKind::NoRunner, message);
                }
                continue;
            }
            // A job whose runner is gone is redelivered after the ack wait; one that has no
            // result long after that was given up by the broker (too many deliveries).
            let late = self.job_max + ACK_WAIT * 3 + LIVE_WITHIN;
            for i in open {
                if let State::Taken { runner, at } = &self.state[i] {
                    if now.duration_since((*at).max(broker_back)) >= late {
                        let m = format!(
                            "taken by runner {runner} {}s ago, and no result since",
                            now.duration_since(*at).as_secs()
                        );
                        self.end_as(i, ErrorKind::NoRunner, m);
                    }
                }
            }
        }
    }

    /// Ctrl-C: nothing more is queued, the jobs no runner took yet are withdrawn (cancelled),
    /// those in flight on runners are waited for (a second Ctrl-C stops waiting).
    async fn stop_queued(&mut self) {
        self.purge_jobs(None).await;
        for i in 0..self.devices.len() {
            if matches!(self.state[i], State::Queued | State::Unpublished) {
                let r = Record::cancelled(i, self.devices[i].platform.known());
                self.finish(r);
            }
        }
    }
}
