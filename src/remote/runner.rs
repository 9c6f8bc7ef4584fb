//! `netinv runner`: a long-running worker for one region. It pulls only as many jobs as it has
//! free workers, collects each device exactly as a local run does (`collect::collect_one`, the
//! job's deadline, this machine's credentials), publishes the record, and only then acks.

use super::{
    connect, ensure_streams, jetstream_of, publish_reliably, region_consumer, result_subject,
    runner_key, runners_bucket, runtime, taken_subject, wait_for_jetstream, Job, RunnerState, Spec,
    Taken, WireRecord, HEARTBEAT, OUT_STREAM, PROGRESS_EVERY, WIRE_VERSION,
};
use crate::cli::{CollectArgs, RunnerArgs};
use crate::collect::{self, Context, Record, StartRamp};
use crate::exit::Exit;
use crate::inventory::Device;
use crate::platform::PlatformChoice;
use crate::run::AppError;
use crate::settings::{EnableSetting, Mode, Settings};
use crate::ssh::hostkeys::HostKeyStore;
use crate::ssh::jump::JumpRoute;
use async_nats::jetstream::{self, AckKind};
use clap::ValueEnum;
use futures_util::StreamExt as _;
use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::{mpsc as amsc, Semaphore};

/// How long a runner whose workers were all busy waits after the first one frees up before it
/// asks for jobs: short against any device's collection, long enough to ask for several at once.
const GATHER: Duration = Duration::from_millis(10);

/// How long a starting runner waits for the broker's JetStream (behind a leaf node that has
/// not dialled out yet) before it gives up.
const JETSTREAM_PATIENCE: Duration = Duration::from_secs(60);

/// One job handed to a worker thread.
struct Task {
    seq: u64,
    device: Device,
    ctx: Arc<Context>,
    /// Its turn in the start ramp, when it is one of the first wave.
    start_at: Option<Instant>,
}

/// A job between being taken and being acked.
struct InFlight {
    acker: Arc<jetstream::message::Acker>,
    run: String,
    name: String,
    taken_at: Instant,
}

/// Runs `netinv runner`: serves its region's jobs until stopped; returns the exit code.
pub fn run(args: &RunnerArgs, matches: Option<&clap::ArgMatches>) -> Result<Exit, AppError> {
    crate::plan::prepare_process(&args.log)?;
    let base = base_settings(args, matches)?;
    let shared_login = base.password.is_some() || base.key.is_some() || base.agent;
    if !shared_login && base.ssh_config.is_none() {
        return Err(AppError::Usage(
            "this runner has no way to log in to devices: set NETINV_PASSWORD (or \
             --password-file FILE), give --key FILE, or start an ssh-agent (SSH_AUTH_SOCK); \
             credentials never come through the broker"
                .into(),
        ));
    }
    if let Some(why) = crate::sys::workers_unavailable(base.workers) {
        return Err(AppError::Usage(why));
    }
    if args.region.trim().is_empty() {
        return Err(AppError::Usage("--region is empty: name the region this runner serves (the value of the inventory's region column)".into()));
    }
    let name = args.name.clone().unwrap_or_else(default_name);
    let rt = runtime()?;
    rt.block_on(serve(args, &name, base))
}

/// The runner's own settings: its arguments, the environment and the config file, exactly as
/// `collect` resolves them (a `CollectArgs` with this runner's values).
fn base_settings(
    args: &RunnerArgs,
    matches: Option<&clap::ArgMatches>,
) -> Result<Settings, AppError> {
    let mut c =
        CollectArgs::from_words(&["-i", "-"]).map_err(|e| AppError::Usage(e.to_string()))?;
    c.config = args.config.clone();
    c.login = args.login.clone();
    c.workers = args.workers;
    c.rate = args.rate;
    c.ssh = args.ssh.clone();
    c.log = args.log.clone();
    // The enable secret is read once here; each job says whether to use it.
    c.enable = true;
    crate::config::apply(&mut c, matches).map_err(AppError::Usage)?;
    c.enable = true;
    let settings = Settings::from_args(&c)?;
    if settings.host_keys.policy != crate::ssh::hostkeys::HostKeyPolicy::Off
        && settings.host_keys.file.is_none()
    {
        return Err(AppError::Usage(
            "HOME is not set, so there is no ~/.ssh/known_hosts: give --known-hosts FILE".into(),
        ));
    }
    Ok(settings)
}

fn default_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "runner".into());
    format!("{host}-{}", std::process::id())
}

/// A run's settings on this runner: its own credentials and host keys, the job's commands,
/// mode and deadline.
fn context_for(base: &Settings, spec: &Spec) -> Result<Context, String> {
    let mut s = base.clone();
    s.commands = spec.commands.clone();
    s.mode = Mode::from_str(&spec.mode, true).map_err(|_| format!("unknown mode {}", spec.mode))?;
    s.timeout = Duration::from_millis(spec.timeout_ms.max(1));
    match spec.connect_timeout_ms {
        Some(ms) => {
            s.connect_timeout = Duration::from_millis(ms.max(1)).min(s.timeout);
            s.connect_timeout_given = true;
        }
        None => s.connect_timeout = base.connect_timeout.min(s.timeout),
    }
    s.retries = spec.retries;
    s.max_output = spec.max_output;
    s.accept_banner = base.accept_banner || spec.accept_banner;
    s.enable = match (&base.enable, spec.enable) {
        (EnableSetting::On(secret), true) => EnableSetting::On(secret.clone()),
        _ => EnableSetting::Off,
    };
    let host_keys = HostKeyStore::load(s.host_keys.policy, s.host_keys.file.clone())
        .map_err(|e| format!("cannot read known_hosts: {e}"))?;
    // Jobs are never cancelled by a flag: a draining runner lets them finish.
    Ok(Context::new(s, host_keys, Arc::new(AtomicBool::new(false))))
}

fn device_of(job: &Job) -> Result<Device, String> {
    Ok(Device {
        line: job.index + 1,
        name: job.name.clone(),
        host: job.host.clone(),
        port: job.port,
        platform: PlatformChoice::parse(&job.platform).unwrap_or(PlatformChoice::Detect),
        username: job.username.clone(),
        password: None,
        secret: None,
        legacy: job.legacy,
        jump: job.jump.as_deref().map(JumpRoute::parse).transpose()?,
        fields: Vec::new(),
    })
}

/// The worker threads: the same small stacks as a local run's pool.
fn start_workers(
    n: usize,
    done: amsc::UnboundedSender<(u64, Record)>,
) -> Result<mpsc::Sender<Task>, AppError> {
    let (tx, rx) = mpsc::channel::<Task>();
    let rx = Arc::new(Mutex::new(rx));
    for _ in 0..n {
        let (rx, done) = (Arc::clone(&rx), done.clone());
        std::thread::Builder::new()
            .name("netinv-worker".into())
            .stack_size(512 * 1024)
            .spawn(move || loop {
                let task = match rx.lock().unwrap_or_else(|e| e.into_inner()).recv() {
                    Ok(t) => t,
                    Err(_) => return,
                };
                if let Some(at) = task.start_at {
                    std::thread::sleep(at.saturating_duration_since(Instant::now()));
                }
                let index = task.device.line - 1;
                let record = collect::collect_one(index, &task.device, &task.ctx);
                if done.send((task.seq, record)).is_err() {
                    return;
                }
            })
            .map_err(|e| AppError::Usage(format!("cannot start worker threads: {e}")))?;
    }
    Ok(tx)
}

async fn serve(args: &RunnerArgs, name: &str, base: Settings) -> Result<Exit, AppError> {
    use tokio::signal::unix::{signal, SignalKind};
    let region = args.region.as_str();
    let usage = AppError::Usage;
    let client = connect(&args.nats, &format!("netinv runner {name}"))
        .await
        .map_err(usage)?;
    let js = jetstream_of(client.clone(), &args.nats);
    let domain = args.nats.nats_js_domain.as_deref();
    wait_for_jetstream(&js, domain, JETSTREAM_PATIENCE)
        .await
        .map_err(usage)?;
    ensure_streams(&js).await.map_err(usage)?;
    let consumer = region_consumer(&js, region).await.map_err(usage)?;
    let store = runners_bucket(&js).await.map_err(usage)?;
    let out = js
        .get_stream(OUT_STREAM)
        .await
        .map_err(|e| usage(format!("cannot open {OUT_STREAM}: {e}")))?;
    let max_payload = client.server_info().max_payload;
    let workers = base.workers;
    let (done_tx, mut done_rx) = amsc::unbounded_channel();
    let work = start_workers(workers, done_tx)?;
    let mut term = signal(SignalKind::terminate()).map_err(|e| usage(e.to_string()))?;
    let mut int = signal(SignalKind::interrupt()).map_err(|e| usage(e.to_string()))?;

    // Only the fetcher takes permits (one per job received); a finished job gives its back.
    let free = Arc::new(Semaphore::new(workers));
    let draining = Arc::new(AtomicBool::new(false));
    let (msg_tx, mut msg_rx) = amsc::channel::<jetstream::Message>(workers.max(1));
    let fetcher = {
        let (free, draining) = (Arc::clone(&free), Arc::clone(&draining));
        tokio::spawn(async move {
            use std::sync::atomic::Ordering;
            while !draining.load(Ordering::SeqCst) {
                let n = free.available_permits();
                if n == 0 {
                    // Wait for a worker to free up, without holding its permit; then a moment
                    // more, so that the workers finishing about then are asked for in one
                    // request (one per finished job cost the broker a subscription each).
                    if let Ok(p) = free.acquire().await {
                        drop(p);
                    }
                    tokio::time::sleep(GATHER).await;
                    continue;
                }
                let batch = consumer
                    .fetch()
                    .max_messages(n)
                    .expires(Duration::from_secs(1))
                    .messages()
                    .await;
                let mut batch = match batch {
                    Ok(b) => b,
                    Err(e) => {
                        tracing::debug!("fetch: {e}");
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        continue;
                    }
                };
                while let Some(m) = batch.next().await {
                    match m {
                        Ok(m) => {
                            if let Ok(p) = free.clone().acquire_owned().await {
                                p.forget();
                            }
                            if msg_tx.send(m).await.is_err() {
                                return;
                            }
                        }
                        Err(e) => {
                            tracing::debug!("fetch: {e}");
                            break;
                        }
                    }
                }
            }
        })
    };

    let started_at = crate::report::rfc3339(SystemTime::now());
    let key = runner_key(region, name);
    let mut in_flight: HashMap<u64, InFlight> = HashMap::new();
    // The start ramp of the pool's current wave, and how many jobs it has started.
    let mut ramp = (StartRamp::new(workers), 0usize);
    let mut contexts: HashMap<String, (Spec, Arc<Context>)> = HashMap::new();
    let (mut done, mut failed) = (0u64, 0u64);
    let mut rate = (Instant::now(), 0u64, 0.0f64);
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    let mut progress = tokio::time::interval(PROGRESS_EVERY);
    let mut signals = 0;
    // Results being published (and then acked), beside the next jobs.
    let mut publishing = tokio::task::JoinSet::new();
    tracing::warn!(runner = name, region, workers, "runner started");
    loop {
        let is_draining = signals > 0;
        if is_draining && in_flight.is_empty() && publishing.is_empty() {
            break;
        }
        tokio::select! {
            _ = term.recv() => signals += 1,
            _ = int.recv() => signals += 1,
            Some(m) = msg_rx.recv(), if !is_draining || !msg_rx.is_empty() => {
                if is_draining {
                    // Fetched just as the drain began: straight back to the region's others.
                    let _ = m.ack_with(AckKind::Nak(None)).await;
                    free.add_permits(1);
                    continue;
                }
                match take(&m, name, &base, &mut contexts, &js, &out).await {
                    Ok(Some((seq, mut task, inf))) => {
                        // A pool filling from idle starts its jobs on a ramp, as a local run
                        // starts its first wave: a burst of jobs started at once would keep
                        // their handshakes and their waits in lockstep, wave after wave.
                        if in_flight.is_empty() {
                            ramp = (StartRamp::new(workers), 0);
                        }
                        task.start_at = ramp.0.turn(ramp.1);
                        ramp.1 += 1;
                        in_flight.insert(seq, inf);
                        if work.send(task).is_err() {
                            return Err(AppError::Other(anyhow::anyhow!("the workers are gone")));
                        }
                    }
                    Ok(None) => free.add_permits(1),
                    Err(why) => {
                        tracing::warn!("dropping a job the runner cannot use: {why}");
                        let _ = m.ack_with(AckKind::Term).await;
                        free.add_permits(1);
                    }
                }
            }
            Some((seq, record)) = done_rx.recv() => {
                free.add_permits(1);
                let Some(inf) = in_flight.remove(&seq) else { continue };
                done += 1;
                if !record.is_ok() {
                    failed += 1;
                }
                let wire = WireRecord::of(&record, &inf.name, name);
                let payload = encode_within(wire, max_payload);
                let subject = result_subject(&inf.run, record.index);
                let id = format!("{}.{}", inf.run, record.index);
                let js = js.clone();
                publishing.spawn(async move {
                    // A plain ack, not waited for: one lost on the way only means the job is
                    // delivered again, and the runner that gets it finds the result published
                    // and acks it without contacting the device.
                    if publish_reliably(&js, &subject, &payload, &id).await {
                        let _ = inf.acker.ack().await;
                    } else {
                        // Not acked: the job goes to another runner after the ack wait.
                        tracing::warn!(device = %inf.name, "could not publish the result; leaving the job to be redelivered");
                    }
                });
            }
            Some(_) = publishing.join_next(), if !publishing.is_empty() => {}
            _ = heartbeat.tick() => {
                let (t0, d0, _) = rate;
                let secs = t0.elapsed().as_secs_f64();
                let per_s = if secs > 0.0 { (done - d0) as f64 / secs } else { 0.0 };
                rate = (Instant::now(), done, per_s);
                let state = RunnerState {
                    runner: name.to_string(),
                    region: region.to_string(),
                    version: env!("CARGO_PKG_VERSION").to_string(),
                    workers,
                    in_flight: in_flight.len(),
                    done,
                    failed,
                    devices_per_s: (per_s * 10.0).round() / 10.0,
                    started_at: started_at.clone(),
                    draining: is_draining,
                };
                if let Ok(v) = serde_json::to_vec(&state) {
                    if let Err(e) = store.put(&key, v.into()).await {
                        tracing::debug!("heartbeat: {e}");
                    }
                }
            }
            _ = progress.tick() => {
                // Only jobs that have run a while: most finish well within the ack wait, and a
                // message per job in flight every few seconds was a tenth of what the broker
                // took in. A job taken just after a tick is reported at the next one.
                for inf in in_flight.values() {
                    if inf.taken_at.elapsed() >= PROGRESS_EVERY / 2 {
                        let _ = inf.acker.ack_with(AckKind::Progress).await;
                    }
                }
            }
        }
        if signals == 1 && !draining.swap(true, std::sync::atomic::Ordering::SeqCst) {
            tracing::warn!(
                in_flight = in_flight.len(),
                "draining: no new jobs; waiting for the devices in flight"
            );
            // Wakes a fetcher waiting for a free worker so that it sees the drain.
            free.add_permits(1);
        }
        if signals > 1 {
            tracing::warn!("second signal: leaving the jobs in flight to be redelivered");
            break;
        }
    }
    fetcher.abort();
    // Off the list of live runners at once (it would expire anyway): not worth waiting for a
    // broker that is away.
    let leave = async {
        let _ = store.delete(&key).await;
        let _ = client.flush().await;
    };
    let _ = tokio::time::timeout(Duration::from_secs(5), leave).await;
    tracing::warn!(done, failed, "runner stopped");
    Ok(if signals > 1 {
        Exit::Interrupted
    } else {
        Exit::Ok
    })
}

/// Turn a delivered job into a task, or `None` when there is nothing to do (its result is
/// already published: a redelivery after the runner before had published it).
async fn take(
    m: &jetstream::Message,
    runner: &str,
    base: &Settings,
    contexts: &mut HashMap<String, (Spec, Arc<Context>)>,
    js: &jetstream::Context,
    out: &jetstream::stream::Stream,
) -> Result<Option<(u64, Task, InFlight)>, String> {
    let info = m.info().map_err(|e| e.to_string())?;
    let (seq, delivery) = (info.stream_sequence, info.delivered);
    let job: Job = serde_json::from_slice(&m.payload).map_err(|e| format!("not a job: {e}"))?;
    if job.v != WIRE_VERSION {
        return Err(format!(
            "job format {} from another netinv version (this runner speaks {WIRE_VERSION})",
            job.v
        ));
    }
    // A job seen before (redelivered, or queued again by a resumed collect) may have its
    // result already: then the device is not contacted again.
    let seen_before = delivery > 1 || job.resumed;
    if seen_before
        && out
            .get_last_raw_message_by_subject(&result_subject(&job.run, job.index))
            .await
            .is_ok()
    {
        let _ = m.ack().await;
        return Ok(None);
    }
    let device = device_of(&job)?;
    let ctx = match contexts.get(&job.run) {
        Some((spec, ctx)) if *spec == job.spec => Arc::clone(ctx),
        _ => {
            // Runs that have no job in flight here any more are forgotten.
            contexts.retain(|_, (_, c)| Arc::strong_count(c) > 1);
            let ctx = Arc::new(context_for(base, &job.spec)?);
            contexts.insert(job.run.clone(), (job.spec.clone(), Arc::clone(&ctx)));
            ctx
        }
    };
    let note = Taken {
        index: job.index,
        runner: runner.to_string(),
        delivery,
    };
    // For the progress bar and for telling a lost runner from a queue nobody takes: a plain
    // message, not stored, nothing waited for.
    if let Ok(payload) = serde_json::to_vec(&note) {
        let _ = js
            .client()
            .publish(taken_subject(&job.run, job.index), payload.into())
            .await;
    }
    let (_, acker) = m.clone().split();
    Ok(Some((
        seq,
        Task {
            seq,
            device,
            ctx,
            start_at: None,
        },
        InFlight {
            acker: Arc::new(acker),
            run: job.run,
            name: job.name,
            taken_at: Instant::now(),
        },
    )))
}

/// The record as JSON, within the broker's message size: outputs that do not fit are cut (and
/// marked truncated) rather than the result lost.
fn encode_within(mut wire: WireRecord, max_payload: usize) -> Vec<u8> {
    let room = max_payload.saturating_sub(4096);
    loop {
        let v = serde_json::to_vec(&wire).unwrap_or_default();
        if v.len() <= room || wire.outputs.is_none() {
            return v;
        }
        let over = v.len() - room;
        let Some(biggest) = wire
            .outputs
            .as_mut()
            .and_then(|o| o.iter_mut().max_by_key(|o| o.output.len()))
        else {
            return v;
        };
        let mut keep = biggest.output.len().saturating_sub(over + 64);
        while !biggest.output.is_char_boundary(keep) {
            keep -= 1;
        }
        biggest.output.truncate(keep);
        biggest.truncated = true;
    }
}
