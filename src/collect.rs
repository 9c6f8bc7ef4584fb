//! The worker pool: one job per device in, one `Record` per device out (as each completes),
//! with retries for transient failures, a connection-rate limit and cooperative cancellation.

use crate::backlog::Backlog;
use crate::deadline::Deadline;
use crate::error::{DeviceError, ErrorKind};
use crate::inventory::Device;
use crate::platform::{ExecSupport, Facts, Platform, PlatformChoice};
use crate::settings::{EnableSetting, Mode, Settings, Target};
use crate::ssh::algorithms::Negotiated;
use crate::ssh::channel_io::ChannelIo;
use crate::ssh::exec::{self, ExecError};
use crate::ssh::hostkeys::HostKeyStore;
use crate::ssh::jump::Jumps;
use crate::ssh::shell::{self, Enable, Login, ShellFailure, ShellRequest};
use crate::ssh::text::{clean_exec_output, trim_blank_edges};
use crate::ssh::{Connection, Credentials};
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

pub use crate::ssh::shell::CommandOutput;

/// How a device ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Output collected. Workers leave `facts` and `warning` empty; `facts::read` fills them in
    /// (with a `parse` warning when no facts could be read).
    Collected {
        /// What each command printed.
        outputs: Vec<CommandOutput>,
        /// The facts parsed from the version command's output.
        facts: Option<Box<Facts>>,
        /// Collected, but with a problem worth saying (no facts, a rejected command).
        warning: Option<DeviceError>,
    },
    /// Not collected, and why.
    Failed(DeviceError),
}

/// How a device's commands were run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// One SSH exec channel per command.
    Exec,
    /// An interactive shell on a PTY, read up to the prompt.
    Shell,
}

impl Transport {
    /// The transport's name in reports: `exec` or `shell`.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Exec => "exec",
            Transport::Shell => "shell",
        }
    }

    fn other(self) -> Transport {
        match self {
            Transport::Exec => Transport::Shell,
            Transport::Shell => Transport::Exec,
        }
    }
}

/// One device's result. `index` is its position in the inventory.
#[derive(Debug, Clone)]
pub struct Record {
    /// The device's position in the inventory.
    pub index: usize,
    /// The platform used: the inventory's, or the detected one.
    pub platform: Option<Platform>,
    /// Whether the platform was detected rather than given.
    pub platform_detected: bool,
    /// How the output was collected; `None` when it was not.
    pub transport: Option<Transport>,
    /// Connection attempts made (retries included).
    pub attempts: u32,
    /// Time from the first attempt to the end.
    pub elapsed: Duration,
    /// How it ended.
    pub outcome: Outcome,
    /// What the SSH handshake settled on, when it got that far.
    pub ssh: Option<Box<Negotiated>>,
    /// The runner that collected the device (`collect --nats`); `None` in a local run.
    pub runner: Option<String>,
}

impl Record {
    /// A device that failed before (or without) a collection attempt of its own.
    fn failed(index: usize, platform: Option<Platform>, error: DeviceError) -> Record {
        Record {
            index,
            platform,
            platform_detected: false,
            transport: None,
            attempts: 1,
            elapsed: Duration::ZERO,
            outcome: Outcome::Failed(error),
            ssh: None,
            runner: None,
        }
    }

    /// The record of a device the run was stopped before reaching.
    pub fn cancelled(index: usize, platform: Option<Platform>) -> Record {
        Record {
            index,
            platform,
            platform_detected: false,
            transport: None,
            attempts: 0,
            elapsed: Duration::ZERO,
            outcome: Outcome::Failed(DeviceError::new(
                ErrorKind::Cancelled,
                "interrupted before this device finished",
            )),
            ssh: None,
            runner: None,
        }
    }

    /// An inventory row that was not valid, left out under `--skip-invalid`, with why.
    pub fn skipped(index: usize, reason: String) -> Record {
        Record {
            index,
            platform: None,
            platform_detected: false,
            transport: None,
            attempts: 0,
            elapsed: Duration::ZERO,
            outcome: Outcome::Failed(DeviceError::new(ErrorKind::Skipped, reason)),
            ssh: None,
            runner: None,
        }
    }

    /// `ok`, `failed` or `skipped`, as the reports write it.
    pub fn status(&self) -> &'static str {
        match self.error() {
            _ if self.is_ok() => "ok",
            Some(e) if e.kind == ErrorKind::Skipped => "skipped",
            _ => "failed",
        }
    }

    /// Whether the device was collected.
    pub fn is_ok(&self) -> bool {
        matches!(self.outcome, Outcome::Collected { .. })
    }

    /// The facts read from a collected device's output, if any.
    pub fn facts(&self) -> Option<&Facts> {
        match &self.outcome {
            Outcome::Collected { facts, .. } => facts.as_deref(),
            Outcome::Failed(_) => None,
        }
    }

    /// The version the facts name, if any.
    pub fn version(&self) -> Option<&str> {
        self.facts().and_then(|f| f.version.as_deref())
    }

    /// Bytes of output text the record holds.
    pub fn output_bytes(&self) -> usize {
        match &self.outcome {
            Outcome::Collected { outputs, .. } => outputs.iter().map(|o| o.output.len()).sum(),
            Outcome::Failed(_) => 0,
        }
    }

    /// The commands a collected device rejected (it was collected by its other commands).
    pub fn command_warnings(&self) -> impl Iterator<Item = (&str, &DeviceError)> {
        let outputs = match &self.outcome {
            Outcome::Collected { outputs, .. } => &outputs[..],
            Outcome::Failed(_) => &[],
        };
        outputs
            .iter()
            .filter_map(|o| Some((o.command.as_str(), o.error.as_ref()?)))
    }

    /// The failure, or the warning of a collected device.
    pub fn error(&self) -> Option<&DeviceError> {
        match &self.outcome {
            Outcome::Failed(e) => Some(e),
            Outcome::Collected { warning, .. } => warning.as_ref(),
        }
    }
}

/// Shared, read-only context of a run handed to every job.
pub struct Context {
    /// The settings every device shares.
    pub settings: Settings,
    /// The known host keys, checked and recorded.
    pub host_keys: HostKeyStore,
    /// The bastions of the run, shared by every device behind them.
    pub jumps: Jumps,
    /// Set on the first Ctrl-C: jobs not yet started end as `cancelled`.
    pub stop: Arc<AtomicBool>,
    /// Output handed to the main thread and not yet taken care of by it.
    pub backlog: Backlog,
    rate: Option<RateLimiter>,
    learned: Learned,
}

impl Context {
    /// A collector for these settings and host keys; `stop` set means no new device starts.
    pub fn new(settings: Settings, host_keys: HostKeyStore, stop: Arc<AtomicBool>) -> Self {
        let rate = (settings.rate > 0.0).then(|| RateLimiter::new(settings.rate));
        Context {
            jumps: Jumps::new(settings.jump_login()),
            settings,
            host_keys,
            stop,
            backlog: Backlog::default(),
            rate,
            learned: Learned::default(),
        }
    }
}

/// What the workers are busy with right now, for the progress line: one slot per worker that
/// it alone writes (two relaxed stores per device) and the main thread reads a few times a
/// second. Workers never touch the terminal.
pub struct Activity {
    t0: Instant,
    /// The next inventory index a worker takes: the devices not yet started are those from here.
    next: AtomicUsize,
    total: usize,
    slots: Vec<Slot>,
}

#[derive(Default)]
struct Slot {
    /// Inventory index + 1 of the device being worked on; 0 = idle.
    device: AtomicUsize,
    /// When it started, in microseconds since `t0`.
    since_us: AtomicU64,
}

/// Devices being worked on, at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InFlight {
    /// How many devices are being collected.
    pub count: usize,
    /// Every device has started: the run only waits for the ones in flight.
    pub all_started: bool,
    /// The device in flight the longest: its inventory index and for how long.
    pub longest: Option<(usize, Duration)>,
}

impl Activity {
    /// `workers` slots (one per device for a run on runners, whose workers are elsewhere).
    pub(crate) fn new(workers: usize, total: usize) -> Self {
        Activity {
            t0: Instant::now(),
            next: AtomicUsize::new(0),
            total,
            slots: (0..workers).map(|_| Slot::default()).collect(),
        }
    }

    pub(crate) fn begin(&self, worker: usize, index: usize) {
        let slot = &self.slots[worker];
        let since = u64::try_from(self.t0.elapsed().as_micros()).unwrap_or(u64::MAX);
        slot.since_us.store(since, Ordering::Relaxed);
        slot.device.store(index + 1, Ordering::Release);
    }

    pub(crate) fn end(&self, worker: usize) {
        self.slots[worker].device.store(0, Ordering::Release);
    }

    /// How many devices have started (or ended without starting), when no worker of this
    /// process takes them.
    pub(crate) fn set_started(&self, n: usize) {
        self.next.store(n, Ordering::Relaxed);
    }

    /// How many devices are being collected now.
    pub fn in_flight(&self) -> InFlight {
        let now = self.t0.elapsed();
        let mut count = 0;
        let mut longest: Option<(usize, Duration)> = None;
        for slot in &self.slots {
            let Some(index) = slot.device.load(Ordering::Acquire).checked_sub(1) else {
                continue;
            };
            count += 1;
            let since = Duration::from_micros(slot.since_us.load(Ordering::Relaxed));
            let running = now.saturating_sub(since);
            if longest.is_none_or(|(_, l)| running > l) {
                longest = Some((index, running));
            }
        }
        InFlight {
            count,
            all_started: self.next.load(Ordering::Relaxed) >= self.total,
            longest,
        }
    }
}

/// Start collecting from every device; records arrive on the returned channel as devices finish.
/// The channel closes once every device has a record.
pub fn start(devices: Arc<Vec<Device>>, ctx: Arc<Context>) -> (Receiver<Record>, Arc<Activity>) {
    let (tx, rx) = channel();
    let wanted = ctx.settings.workers.min(devices.len()).max(1);
    // Workers take the next inventory index from one counter: no queue of 10,000 boxed jobs.
    let next = Arc::new(Activity::new(wanted, devices.len()));
    // The start ramp begins once every worker exists: spawning a thousand threads takes long
    // enough to use up the ramp before the last ones could follow it.
    let gate: Arc<OnceLock<StartRamp>> = Arc::default();
    let mut started = 0;
    for worker in 0..wanted {
        let (tx, devices, ctx, next, gate) = (
            tx.clone(),
            Arc::clone(&devices),
            Arc::clone(&ctx),
            Arc::clone(&next),
            Arc::clone(&gate),
        );
        let spawned = std::thread::Builder::new()
            .name("netinv-worker".into())
            // Workers mostly wait on sockets; a small stack lets thousands of them fit.
            .stack_size(512 * 1024)
            .spawn(move || work(&devices, &ctx, (&next, worker), *gate.wait(), &tx));
        match spawned {
            Ok(_) => started += 1,
            Err(e) => {
                tracing::warn!("started {started} of {wanted} workers; no more threads: {e}");
                break;
            }
        }
    }
    let _ = gate.set(StartRamp::new(started));
    if started == 0 {
        // Not even one thread: every device still gets its record, saying why.
        for (index, device) in devices.iter().enumerate() {
            let _ = tx.send(Record::failed(
                index,
                device.platform.known(),
                DeviceError::new(ErrorKind::Protocol, "could not start a worker thread"),
            ));
        }
    }
    (rx, next)
}

/// One worker: devices one after another until none is left.
fn work(
    devices: &[Device],
    ctx: &Context,
    (activity, worker): (&Activity, usize),
    ramp: StartRamp,
    tx: &Sender<Record>,
) {
    loop {
        let index = activity.next.fetch_add(1, Ordering::Relaxed);
        let Some(device) = devices.get(index) else {
            return;
        };
        if !ramp.wait_turn(index, &ctx.stop) {
            let _ = tx.send(Record::cancelled(index, device.platform.known()));
            continue;
        }
        activity.begin(worker, index);
        let record = collect_one(index, device, ctx);
        activity.end(worker);
        ctx.backlog.reserve(record.output_bytes());
        let _ = tx.send(record);
    }
}

/// One device, start to end, with the run's retries and deadline: what every worker of a local
/// run does per device, and what a runner does per job. A panic becomes the device's error.
pub fn collect_one(index: usize, device: &Device, ctx: &Context) -> Record {
    match catch_unwind(AssertUnwindSafe(|| collect_device(index, device, ctx))) {
        Ok(r) => r,
        Err(panic) => Record::failed(
            index,
            device.platform.known(),
            DeviceError::new(
                ErrorKind::Protocol,
                format!("internal error (please report): {}", panic_text(&panic)),
            ),
        ),
    }
}

/// Spreads the first wave of connections over a short window instead of starting every worker
/// in the same instant. Started together, a thousand handshakes share the CPU evenly, all finish
/// together, all wait on their devices together and leave the CPU idle meanwhile; that lockstep
/// repeats wave after wave. Staggered starts keep handshakes of some devices overlapping the
/// waits of others. Only the first `workers` jobs wait; later ones start when a worker frees up.
/// A runner begins a ramp each time its pool fills again from idle.
#[derive(Clone, Copy)]
pub(crate) struct StartRamp {
    t0: Instant,
    workers: usize,
    step: Duration,
}

impl StartRamp {
    /// About what one core needs for a password login; the whole ramp never exceeds a second.
    const STEP: Duration = Duration::from_millis(1);
    const MAX: Duration = Duration::from_secs(1);

    pub(crate) fn new(workers: usize) -> Self {
        let per_worker = Self::MAX / u32::try_from(workers.max(1)).unwrap_or(u32::MAX);
        StartRamp {
            t0: Instant::now(),
            workers,
            step: Self::STEP.min(per_worker),
        }
    }

    /// When job `index` of the ramp may start; None for a job past the first wave.
    pub(crate) fn turn(&self, index: usize) -> Option<Instant> {
        if index >= self.workers || index == 0 {
            return None;
        }
        let offset = self
            .step
            .checked_mul(u32::try_from(index).unwrap_or(u32::MAX))
            .unwrap_or(Self::MAX);
        Some(self.t0 + offset.min(Self::MAX))
    }

    /// Sleep until job `index` may start; false if stopped while waiting.
    fn wait_turn(&self, index: usize, stop: &AtomicBool) -> bool {
        match self.turn(index) {
            None => true,
            Some(at) => sleep_unless_stopped(at.saturating_duration_since(Instant::now()), stop),
        }
    }
}

fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}

/// Everything for one device: attempts with backoff for transient failures.
fn collect_device(index: usize, device: &Device, ctx: &Context) -> Record {
    let span = tracing::error_span!("device", device = %device.name);
    let _guard = span.enter();
    if ctx.stop.load(Ordering::SeqCst) {
        return Record::cancelled(index, device.platform.known());
    }
    let started = Instant::now();
    // What to connect to is the same for every attempt and both ways in: resolved once.
    let target = ctx.settings.target(device);
    let mut attempts = 0;
    loop {
        if let Some(rate) = &ctx.rate {
            if !rate.acquire(&ctx.stop) {
                return Record::cancelled(index, device.platform.known());
            }
        }
        attempts += 1;
        let result = attempt(device, &target, ctx);
        let retry = match &result {
            Err(e) => e.kind.is_transient() && attempts <= ctx.settings.retries,
            Ok(_) => false,
        };
        if !retry {
            let (platform, transport, outcome, ssh) = match result {
                Ok(c) => (c.platform, Some(c.transport), c.outcome, Some(c.ssh)),
                Err(e) => (device.platform.known(), None, Outcome::Failed(e), None),
            };
            return Record {
                index,
                platform,
                transport,
                // Told by `facts::read`, which compares the platform used with the inventory's.
                platform_detected: false,
                attempts,
                elapsed: started.elapsed(),
                outcome,
                ssh,
                runner: None,
            };
        }
        if let Err(e) = &result {
            tracing::info!(attempt = attempts, error = %e, "transient failure, retrying");
        }
        // 0.5 s, 1 s, 2 s ... capped, and cut short by Ctrl-C.
        let backoff = Duration::from_millis(500 << (attempts - 1).min(3));
        if !sleep_unless_stopped(backoff, &ctx.stop) {
            return Record::cancelled(index, device.platform.known());
        }
    }
}

struct Collected {
    platform: Option<Platform>,
    transport: Transport,
    outcome: Outcome,
    ssh: Box<Negotiated>,
}

/// What the run has learned about groups of devices (a platform, or for devices of no known
/// platform the SSH server's identification): which way in works. In auto mode a device of
/// a group that refused exec starts with the shell, and one of a group whose shell closed
/// starts with exec. Only what a device did itself is learned; the rule is the same every run.
#[derive(Default)]
struct Learned {
    works: Mutex<HashMap<String, Transport>>,
}

impl Learned {
    fn get(&self, group: &str) -> Option<Transport> {
        self.works
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(group)
            .copied()
    }

    fn learn(&self, group: &str, works: Transport, why: &str) {
        let mut map = self.works.lock().unwrap_or_else(|e| e.into_inner());
        if map.insert(group.to_string(), works) != Some(works) {
            tracing::info!(
                group,
                transport = works.as_str(),
                "{why}: the next devices of this group start with the {}",
                works.as_str()
            );
        }
    }
}

/// How one way in ended, when it did not collect.
enum PathError {
    /// Another way in on a fresh connection may still work.
    TryOther(DeviceError),
    Final(DeviceError),
}

/// One attempt under one fresh deadline. In auto mode a way in that the device turns down
/// (exec refused, the connection dropped after exec, a shell that closes or shows no prompt)
/// is followed by the other one on a FRESH connection: a second channel on a connection whose
/// exec was refused may never be answered, and some devices end the connection with the exec.
fn attempt(device: &Device, target: &Target, ctx: &Context) -> Result<Collected, DeviceError> {
    let s = &ctx.settings;
    let mut collected = attempt_once(device, target, ctx).map_err(|e| redact(e, device, s))?;
    // A rejected command's message quotes the device, and its output is what the device said
    // instead of an answer. The outputs of the commands that worked are the data asked for
    // and stay as the device sent them: a short secret (`cisco`) would garble them.
    if let Outcome::Collected { outputs, .. } = &mut collected.outcome {
        for o in outputs.iter_mut().filter(|o| o.error.is_some()) {
            o.error = o.error.take().map(|e| redact(e, device, s));
            mask_secrets(&mut o.output, device, s);
        }
    }
    Ok(collected)
}

/// What a device sends back can hold a secret it was given or knows (a login script that
/// echoes the password, a hostile device): no error message carries one into a report, a log
/// or the summary, whichever way in it came.
fn redact(mut e: DeviceError, device: &Device, s: &Settings) -> DeviceError {
    mask_secrets(&mut e.message, device, s);
    e
}

fn mask_secrets(text: &mut String, device: &Device, s: &Settings) {
    let enable = match &s.enable {
        EnableSetting::On(secret) => secret.as_ref(),
        EnableSetting::Off => None,
    };
    let passphrase = s.key.as_ref().and_then(|k| k.passphrase.as_ref());
    let secrets = [
        device.password.as_ref(),
        s.password.as_ref(),
        device.secret.as_ref(),
        enable,
        passphrase,
        // Never sent to a device, but a password reused on the bastion is one a device knows.
        s.jump_password.as_ref(),
    ];
    for secret in secrets.into_iter().flatten().map(|p| p.expose()) {
        if !secret.is_empty() && text.contains(secret) {
            *text = text.replace(secret, "***");
        }
    }
}

fn attempt_once(device: &Device, target: &Target, ctx: &Context) -> Result<Collected, DeviceError> {
    let s = &ctx.settings;
    let deadline = Deadline::after(s.timeout);
    let creds = Credentials {
        // A row's own password (a `password` column) wins over the shared one.
        password: device.password.as_ref().or(s.password.as_ref()),
        key: s.key.as_ref(),
        agent: s.agent,
        accept_banner: s.accept_banner,
    };
    let open = || {
        Connection::open(
            target.clone(),
            creds,
            &ctx.host_keys,
            &ctx.jumps,
            s.connect_timeout,
            deadline,
        )
    };
    let conn = open()?;

    let known = device.platform.known();
    let group = match known {
        Some(p) => p.name().to_string(),
        None => format!("server {:?}", conn.server_banner().unwrap_or("")),
    };
    let first = match s.mode {
        Mode::Exec => Transport::Exec,
        Mode::Shell => Transport::Shell,
        Mode::Auto => ctx.learned.get(&group).unwrap_or(match known {
            Some(p) if p.spec().exec == ExecSupport::ShellOnly => Transport::Shell,
            Some(_) => Transport::Exec,
            // To find the version of an unknown platform, tell it by its prompt: exec of a
            // guessed `show version` fails on half the platforms. The user's own commands go
            // by exec, like ssh would run them.
            None if s.commands.is_empty() => Transport::Shell,
            None => Transport::Exec,
        }),
    };
    let fallback = s.mode == Mode::Auto;
    let first_error = match run_path(first, &conn, device, target, s, deadline, fallback) {
        Ok(c) => return Ok(c),
        Err(PathError::Final(e)) => return Err(e),
        Err(PathError::TryOther(e)) => redact(e, device, s),
    };
    drop(conn);
    let second = first.other();
    tracing::debug!(error = %first_error, "{} failed; trying the {} on a fresh connection",
        first.as_str(), second.as_str());
    let tried = |then: DeviceError| {
        DeviceError::new(
            then.kind,
            format!(
                "tried {}: {}; then {} on a fresh connection: {}",
                first.as_str(),
                first_error,
                second.as_str(),
                then
            ),
        )
    };
    let conn = open().map_err(tried)?;
    match run_path(second, &conn, device, target, s, deadline, false) {
        Ok(c) => {
            let why = match first {
                Transport::Exec => "exec turned down",
                Transport::Shell => "the shell closed or showed no prompt",
            };
            ctx.learned.learn(&group, second, why);
            Ok(c)
        }
        Err(PathError::Final(e) | PathError::TryOther(e)) => Err(tried(e)),
    }
}

/// Collect over one way in. `fallback`: whether another way may follow (auto mode's first).
fn run_path(
    transport: Transport,
    conn: &Connection,
    device: &Device,
    target: &Target,
    s: &Settings,
    deadline: Deadline,
    fallback: bool,
) -> Result<Collected, PathError> {
    let known = device.platform.known();
    let (platform, outputs) = match transport {
        Transport::Exec => match run_exec(conn, device.platform, s, deadline) {
            Ok(outputs) => (known, outputs),
            Err(ExecError::Refused(e)) if fallback => return Err(PathError::TryOther(e)),
            // The connection went away under the exec (devices that end it with the exec).
            Err(ExecError::Failed(e)) if fallback && e.kind == ErrorKind::Protocol => {
                return Err(PathError::TryOther(e))
            }
            Err(e) => return Err(PathError::Final(e.into())),
        },
        Transport::Shell => {
            // Keep half the time for exec should the shell never show a prompt.
            let prompt_by = if fallback {
                Deadline::after(deadline.remaining() / 2)
            } else {
                deadline
            };
            match run_shell(
                conn,
                device,
                &target.username,
                known,
                s,
                deadline,
                prompt_by,
            ) {
                Ok(found) => found,
                Err(f) => {
                    let turned_down = !f.reached_prompt
                        && matches!(
                            f.error.kind,
                            ErrorKind::Protocol | ErrorKind::Timeout | ErrorKind::Command
                        )
                        && !deadline.expired();
                    return Err(if fallback && turned_down {
                        PathError::TryOther(f.error)
                    } else {
                        PathError::Final(f.error)
                    });
                }
            }
        }
    };
    // Facts are read later, on the main thread (see `facts`): parsing there keeps one set of
    // regex caches for the run instead of one per busy worker.
    Ok(Collected {
        platform,
        transport,
        outcome: Outcome::Collected {
            outputs,
            facts: None,
            warning: None,
        },
        ssh: Box::new(conn.negotiated()),
    })
}

/// Exec each command on its own channel; the platform's version command when none were given.
// Kept out of `attempt` (like `run_shell`): inlined, both paths' locals share one frame, and
// every worker's stack grows by a page for locals its mode never uses. With 1,000 workers that
// page was 4 MB of scenario b's peak (20 KiB of stack per worker instead of 16).
#[inline(never)]
fn run_exec(
    conn: &Connection,
    choice: PlatformChoice,
    s: &Settings,
    deadline: Deadline,
) -> Result<Vec<CommandOutput>, ExecError> {
    let commands = commands_for(choice.known(), s);
    let mut outputs = Vec::with_capacity(commands.len());
    for command in commands {
        let out = exec::run(conn, &command, s.max_output, deadline)?;
        let mut text = clean_exec_output(&out.stdout);
        if !out.stderr.is_empty() {
            text.push_str(&clean_exec_output(&out.stderr));
        }
        let text = trim_blank_edges(text);
        // A rejected command is that command's error, not the device's: the next one still runs
        // (each has its own channel) and what the others printed is kept.
        let rejected = choice
            .known()
            .and_then(|p| p.spec().rejection(&text))
            .map(|line| format!("`{command}` rejected by the device: {line}"));
        let error = rejected
            .or_else(|| {
                let status = out.exit_status.filter(|s| *s != 0)?;
                let last = text
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("");
                Some(format!(
                    "`{command}` exited with status {status}: {}",
                    last.trim()
                ))
            })
            .map(|message| DeviceError::new(ErrorKind::Command, message));
        outputs.push(CommandOutput {
            command,
            output: text,
            truncated: out.truncated,
            error,
        });
    }
    Ok(outputs)
}

/// The interactive shell path: PTY, prompt, paging off, enable, commands (see `ssh::shell`).
#[inline(never)]
fn run_shell(
    conn: &Connection,
    device: &Device,
    username: &str,
    platform: Option<Platform>,
    s: &Settings,
    deadline: Deadline,
    prompt_by: Deadline,
) -> Result<(Option<Platform>, Vec<CommandOutput>), ShellFailure> {
    let before_prompt = |error| ShellFailure {
        error,
        reached_prompt: false,
    };
    let mut io = ChannelIo::open(conn, deadline).map_err(before_prompt)?;
    let request = ShellRequest {
        platform,
        commands: &s.commands,
        enable: match &s.enable {
            EnableSetting::Off => Enable::No,
            EnableSetting::On(secret) => Enable::Yes(device.secret.as_ref().or(secret.as_ref())),
        },
        max_output: s.max_output,
        login: Some(Login {
            username,
            password: device.password.as_ref().or(s.password.as_ref()),
        }),
        accept_banner: s.accept_banner,
    };
    let outcome = shell::session(&mut io, &request, deadline, prompt_by)?;
    Ok((outcome.platform, outcome.outputs))
}

/// The commands to run: the user's, or the platform's version command (`show version` when
/// the platform is still to be detected).
fn commands_for(platform: Option<Platform>, s: &Settings) -> Vec<String> {
    if !s.commands.is_empty() {
        return s.commands.clone();
    }
    vec![platform
        .map(|p| p.spec().version_command)
        .unwrap_or("show version")
        .to_string()]
}

/// Spreads new connections evenly: at most `per_second` connection attempts start per second.
struct RateLimiter {
    interval: Duration,
    next: Mutex<Instant>,
}

impl RateLimiter {
    fn new(per_second: f64) -> Self {
        RateLimiter {
            interval: Duration::from_secs_f64(1.0 / per_second),
            next: Mutex::new(Instant::now()),
        }
    }

    /// Wait for this caller's slot; false if stopped while waiting.
    fn acquire(&self, stop: &AtomicBool) -> bool {
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            let slot = (*next).max(Instant::now());
            *next = slot + self.interval;
            slot
        };
        sleep_unless_stopped(slot.saturating_duration_since(Instant::now()), stop)
    }
}

/// Sleep in short steps so Ctrl-C is noticed; false if stopped.
fn sleep_unless_stopped(total: Duration, stop: &AtomicBool) -> bool {
    let end = Instant::now() + total;
    loop {
        if stop.load(Ordering::SeqCst) {
            return false;
        }
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return true;
        }
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_limiter_spaces_connection_starts() {
        let rl = RateLimiter::new(100.0);
        let stop = AtomicBool::new(false);
        let t = Instant::now();
        for _ in 0..11 {
            assert!(rl.acquire(&stop));
        }
        assert!(
            t.elapsed() >= Duration::from_millis(95),
            "{:?}",
            t.elapsed()
        );
    }
}
