//! The interactive shell driver: finds the prompt, detects the platform, enables, turns paging
//! off, runs commands and returns exactly the text each one printed — over any byte pipe.

use super::text;
use crate::deadline::Deadline;
use crate::error::{DeviceError, ErrorKind};
use crate::platform::{self, Platform};
use crate::secret::Secret;
use regex::Regex;
use std::io;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

/// The byte pipe a shell runs over (an ssh2 channel with a PTY in production).
pub trait ShellIo {
    /// Read some bytes, waiting no later than `deadline`. Ok(0) = EOF. Err(kind TimedOut) when the
    /// deadline passes with nothing read. May return WouldBlock-free partial reads.
    fn read(&mut self, buf: &mut [u8], deadline: Deadline) -> io::Result<usize>;
    /// Write all of `data`, waiting no later than `deadline`.
    fn write_all(&mut self, data: &[u8], deadline: Deadline) -> io::Result<()>;
}

/// Whether to enter privileged mode, and with which secret (`None` answers the password prompt
/// with an empty line).
#[derive(Debug, Clone, Copy, Default)]
pub enum Enable<'a> {
    /// Stay in the mode the login gives.
    #[default]
    No,
    /// Enter privileged mode, with this secret.
    Yes(Option<&'a Secret>),
}

/// The account, for devices that ask for it again inside the session (`Username:` then
/// `Password:` after SSH auth already succeeded).
#[derive(Debug, Clone, Copy)]
pub struct Login<'a> {
    /// The login name.
    pub username: &'a str,
    /// The password.
    pub password: Option<&'a Secret>,
}

/// What to do in one shell session.
#[derive(Debug, Clone, Default)]
pub struct ShellRequest<'a> {
    /// `None` = detect from the prompt, the banner and, if needed, `show version`.
    pub platform: Option<Platform>,
    /// Empty = the platform's version command.
    pub commands: &'a [String],
    /// Whether to enter privileged mode.
    pub enable: Enable<'a>,
    /// Bytes kept per command; the rest is read (to find the prompt) but dropped.
    pub max_output: usize,
    /// Answers for an in-band login; `None`: such a device fails `auth`, naming the prompt.
    pub login: Option<Login<'a>>,
    /// Acknowledge login banners that wait for it ("Press 'a' to accept"); otherwise such a
    /// device fails `auth`, naming the prompt.
    pub accept_banner: bool,
}

/// A failed session, and whether it got as far as the device's prompt (before it, another
/// way in may still work).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellFailure {
    /// What went wrong.
    pub error: DeviceError,
    /// Whether the device's prompt had been seen.
    pub reached_prompt: bool,
}

/// One command's output, cleaned: no echo, no prompt, no pager debris, LF line ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutput {
    /// The command as sent.
    pub command: String,
    /// What it printed.
    pub output: String,
    /// Whether output was dropped at the cap.
    pub truncated: bool,
    /// The device rejected this command (`output` is what it answered). One rejected command
    /// does not end the session: the others' outputs are kept.
    pub error: Option<DeviceError>,
}

/// What a session produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellOutcome {
    /// The platform used: the one given, or the one detected.
    pub platform: Option<Platform>,
    /// Each command's output, in order.
    pub outputs: Vec<CommandOutput>,
}

/// Silence that means the device is waiting for us (login banners and prompts come in bursts).
const QUIET: Duration = Duration::from_millis(150);
/// With the platform known and its prompt already on the last line: how long nothing more must
/// arrive before it is taken as the prompt. Only a banner line that looks exactly like the
/// platform's prompt and ends a TCP segment could fool it, and then the first paging command
/// still finds the real prompt (after a quiet window), so the wait is kept to what lets an
/// already-sent segment land. With 50 workers, 30 ms here was over half of each device's time.
const PROMPT_SETTLE: Duration = Duration::from_millis(5);
/// With nothing at all received this long after login (or after a nudge), send a bare newline.
const NUDGE_IDLE: Duration = Duration::from_millis(500);
/// Newlines sent at most while looking for the first prompt.
const MAX_NUDGES: usize = 3;
/// A device that never echoes: accept a quiet prompt after this long without the echo.
const NO_ECHO_GRACE: Duration = Duration::from_millis(1000);
/// How far past the command (in squashed chars) the echo may start: room for a redrawn prompt
/// and leftover prompts from our own newlines.
const ECHO_SLACK: usize = 512;
/// The last line is looked at through at most this many bytes (a pager or prompt is short).
const LAST_LINE_MAX: usize = 2048;
/// Raw bytes kept at the end of the buffer once a command's output is being dropped.
const TAIL_KEEP: usize = 4096;
/// Output kept before the first prompt (banner, MOTD): its head and a tail beyond this.
const PRE_PROMPT_MAX: usize = 1 << 20;
/// A pager prompt must stand this long before it is answered: bytes arriving one by one would
/// otherwise let `--More` match before the rest of ` --More-- ` arrives.
const PAGER_SETTLE: Duration = Duration::from_millis(30);
/// How many chars of recent output an error message quotes.
const ERROR_TAIL_CHARS: usize = 80;
const READ_CHUNK: usize = 16 * 1024;

/// Pager prompts seen across vendors, answered on every platform (a device's own table may miss one).
static GENERIC_PAGERS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    compile_all(&[
        r"-{1,4} ?\(?[Mm][Oo][Rr][Ee]( \d+%)?\)? ?-{1,4}.*$",
        r"<-+ ?[Mm]ore ?-+>\s*$",
        r"Press any key to continue.*$",
    ])
});

static PASSWORD_PROMPT: LazyLock<Regex> =
    LazyLock::new(|| compile(r"[Pp]ass(word|code|phrase)?\s*:\s*$"));

// The login-time patterns below are matched against ASCII-lowercased text (the regex build has
// no Unicode case folding); lowercasing keeps byte offsets, so matches index the original.

/// A login name asked for inside the session, after SSH auth (controllers, access switches).
static LOGIN_PROMPT: LazyLock<Regex> =
    LazyLock::new(|| compile(r"(user ?name|login|user)\s*:\s*$"));

/// A banner that waits to be acknowledged (FortiGate "Press 'a' to accept", yes/no notices).
static ACK_PROMPT: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(press '?a'? to accept|\(yes/no\)\s*[:?]?\s*$|\[accept\]|accept\s*\?\s*\[?y/n\]?\s*:?\s*$)",
    )
});

/// A yes/no question; about a password it is an expiry notice ("Change now? [Y/N]:").
static YES_NO: LazyLock<Regex> =
    LazyLock::new(|| compile(r"[\[(]\s*y(es)?\s*/\s*n(o)?\s*[\])]\s*[:?]?\s*$"));

/// What devices print when they refuse a session after (or during) login.
static LOGIN_REFUSED: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?m)^\s*(% ?authori[sz]ation failed|% ?login invalid|login incorrect|% ?authentication failed|access denied|permission denied|% ?bad passwords?)[^\n]*",
    )
});

/// The line of `text` where `LOGIN_REFUSED` matches, in the device's own case.
fn refusal_in(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let m = LOGIN_REFUSED.find(&lower)?;
    Some(text[m.start()..m.end()].trim().to_string())
}

/// The characters a prompt ends with (before trailing blanks).
const PROMPT_ENDS: &[char] = &['>', '#', '$', '%', ']'];

/// What devices print when an enable secret is refused.
static ENABLE_DENIED: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?m)^\s*(% ?Access denied|% ?Bad (secrets?|passwords?)|% ?Error in authentication|% ?Authentication failed|Invalid password|Access denied)",
    )
});

/// Junos prints its routing-engine context (`{master:0}`, `{primary:node0}`) above the prompt.
static CONTEXT_LINE: LazyLock<Regex> = LazyLock::new(|| compile(r"^\{[\w:.-]+\}\s*$"));

use crate::platform::builtin_regex as compile;

/// One prompt out of a line that holds the same prompt several times (`R1>R1>R1>`): Enters sent
/// to a CLI that was still starting were echoed by its terminal at once, and the CLI printed a
/// prompt for each of them later, back to back (a Linux shell, a slow PTY).
fn single_prompt(line: &str) -> &str {
    let bytes = line.as_bytes();
    for unit in 1..=bytes.len() / 2 {
        if bytes.len().is_multiple_of(unit)
            && line.is_char_boundary(unit)
            && bytes.chunks(unit).all(|c| c == &bytes[..unit])
            && looks_like_prompt(&line[..unit])
        {
            return &line[..unit];
        }
    }
    line
}

fn compile_all(res: &[&str]) -> Vec<Regex> {
    res.iter().map(|re| compile(re)).collect()
}

/// Drive one interactive session: prompt, platform, enable, paging off, then every command.
pub fn run(
    io: &mut dyn ShellIo,
    req: &ShellRequest,
    deadline: Deadline,
) -> Result<ShellOutcome, DeviceError> {
    session(io, req, deadline, deadline).map_err(|f| f.error)
}

/// Like `run`, but the prompt must show by `prompt_by` (at most `deadline`): a caller with
/// another way in keeps time for it. The failure says whether the prompt was reached.
pub fn session(
    io: &mut dyn ShellIo,
    req: &ShellRequest,
    deadline: Deadline,
    prompt_by: Deadline,
) -> Result<ShellOutcome, ShellFailure> {
    let secret = match req.enable {
        Enable::Yes(s) => s,
        Enable::No => None,
    };
    let mut d = Driver::new(io, deadline, secret);
    d.login = req.login;
    d.accept_banner = req.accept_banner;
    let before = |error| ShellFailure {
        error,
        reached_prompt: false,
    };
    d.deadline = Deadline::at(prompt_by.instant().min(deadline.instant()));
    let candidates: Vec<Platform> = req.platform.into_iter().collect();
    d.use_platforms(&candidates);
    let banner = d.find_prompt(req.platform.is_none()).map_err(before)?;
    d.deadline = deadline;
    drive(&mut d, req, &banner).map_err(|error| ShellFailure {
        error,
        reached_prompt: true,
    })
}

/// Everything after the first prompt.
fn drive(d: &mut Driver, req: &ShellRequest, banner: &str) -> Result<ShellOutcome, DeviceError> {
    let banner = banner.to_string();

    let mut probe: Option<CommandOutput> = None;
    // Whether the platform is what the device said it runs (or what the inventory says).
    let (mut platform, told) = match req.platform {
        Some(p) => (p, true),
        None => {
            let found = platform::by_prompt(&d.prompt);
            d.use_platforms(&found);
            resolve_platform(d, &found, &banner, &mut probe)?
        }
    };
    d.use_platforms(&[platform]);
    let spec = platform.spec();

    if let (Enable::Yes(secret), Some(enable), Some(user_re)) =
        (req.enable, spec.enable.as_ref(), platform.user_prompt())
    {
        if user_re.is_match(&d.prompt) {
            d.enable(enable.command, secret, user_re)?;
        }
    }

    for cmd in spec.paging_off {
        // Some devices reject one of the commands (old releases); the pager answer covers that.
        d.command(cmd, 64 * 1024)?;
    }

    let default_commands = [spec.version_command.to_string()];
    let commands = if req.commands.is_empty() {
        &default_commands[..]
    } else {
        req.commands
    };
    let mut outputs = Vec::with_capacity(commands.len());
    for cmd in commands {
        let out = match probe.take() {
            // A probe the device rejected (before `enable`, say) is asked again.
            Some(p)
                if p.command == *cmd
                    && p.output.len() <= req.max_output
                    && platform.rejection(&p.output).is_none() =>
            {
                p
            }
            other => {
                probe = other;
                d.command(cmd, req.max_output)?
            }
        };
        let mut out = out;
        if let Some(line) = platform.rejection(&out.output) {
            out.error = Some(d.redacted(
                ErrorKind::Command,
                format!("`{cmd}` rejected by the device: {line}"),
            ));
        }
        outputs.push(out);
    }
    if !told {
        // Chosen by the prompt's shape or a rejection's dialect: the output, now in full
        // (privileged, say), may name the platform outright.
        if let Some(p) = outputs.first().and_then(|o| platform::detect(&o.output)) {
            platform = p;
        }
    }
    Ok(ShellOutcome {
        platform: Some(platform),
        outputs,
    })
}

/// Narrows prompt-shape candidates to one platform: banner hints, then a `show version` probe
/// (its output is kept for reuse when that is the command asked for). A prompt of no known
/// shape leaves the probe's output alone to tell.
fn resolve_platform(
    d: &mut Driver,
    candidates: &[Platform],
    banner: &str,
    probe: &mut Option<CommandOutput>,
) -> Result<(Platform, bool), DeviceError> {
    if let [only] = candidates {
        return Ok((*only, true));
    }
    if let Some(p) = platform::by_banner(banner, candidates) {
        return Ok((p, true));
    }
    let out = d.command("show version", 256 * 1024)?;
    let mut hinted = platform::detect(&format!("{banner}\n{}", out.output))
        .or_else(|| platform::detect(&out.output));
    // Otherwise the dialect of a rejection names the platform (PAN-OS has no `show version`);
    // a clean answer points at the candidates whose version command it is.
    let rejected_by = candidates
        .iter()
        .copied()
        .find(|p| p.rejection(&out.output).is_some());
    if hinted.is_none() && rejected_by.is_none() {
        // Nothing known said or refused: ask the way the other platforms ask.
        for cmd in other_version_commands() {
            let other = d.command(cmd, 256 * 1024)?;
            if let Some(p) = platform::detect(&other.output) {
                hinted = Some(p);
                if p.spec().version_command == cmd {
                    *probe = Some(other);
                    return Ok((p, true));
                }
                break;
            }
        }
    }
    let answered_by = candidates
        .iter()
        .copied()
        .find(|p| p.spec().version_command == "show version");
    // What the device says it runs beats a guess from the prompt's shape (prompts are set by
    // whoever configured the device); the shape only narrows the guesses.
    let chosen = hinted.or(rejected_by).or(answered_by);
    let Some(chosen) = chosen else {
        return Err(d.redacted(
            ErrorKind::Protocol,
            format!(
                "could not tell the platform from the prompt {:?} or from its version \
                 commands; give the inventory a `platform` column",
                d.prompt
            ),
        ));
    };
    *probe = Some(out);
    Ok((chosen, hinted.is_some()))
}

/// The version commands of the platforms that do not answer `show version`, each once.
fn other_version_commands() -> Vec<&'static str> {
    let mut cmds: Vec<&'static str> = Vec::new();
    for p in Platform::ALL {
        let c = p.spec().version_command;
        if c != "show version" && !cmds.contains(&c) {
            cmds.push(c);
        }
    }
    cmds
}

/// Whether the last line is a pager prompt, and what was done about it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PagerState {
    Absent,
    /// Looks like a pager prompt; answered once it has stood for a moment.
    Settling,
    /// Answered; the pager prompt's text.
    Answered(String),
}

/// Where the command's echo ended in the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Echo {
    Searching,
    /// Raw offset just past the echo line's LF.
    Found(usize),
    /// Far past where the echo should have been: this device does not echo.
    Missing,
}

/// One session's state: the raw bytes since the last prompt and what is known about the device.
struct Driver<'a> {
    io: &'a mut dyn ShellIo,
    deadline: Deadline,
    started: Instant,
    secret: Option<&'a Secret>,
    /// Raw bytes received since the current step began.
    buf: Vec<u8>,
    /// Offsets in `buf` where a pager prompt was cut out (its erasure follows).
    cuts: Vec<usize>,
    /// Bytes of `buf` stored for the current command; more are dropped (see `append`).
    store_cap: usize,
    /// Whether bytes were dropped from `buf` at `store_cap`.
    dropped: bool,
    /// The last few hundred bytes received, for error messages.
    recent: Vec<u8>,
    last_data: Instant,
    /// The exact prompt line (rendered) last seen.
    prompt: String,
    /// The first prompt without its mode suffix and end char (`R1` of `R1>`): later prompts
    /// that keep it (`R1#`, `R1(config)#`) are the device's too, whatever the platform says.
    base: String,
    prompts: Vec<&'static Regex>,
    pagers: Vec<&'static Regex>,
    login: Option<Login<'a>>,
    accept_banner: bool,
    /// Answers given before the first prompt, by kind, and where the last one ended in `buf`.
    answered: LoginAnswers,
}

#[derive(Default)]
struct LoginAnswers {
    usernames: u8,
    passwords: u8,
    acks: u8,
    declines: u8,
    after: Option<usize>,
}

impl<'a> Driver<'a> {
    fn new(io: &'a mut dyn ShellIo, deadline: Deadline, secret: Option<&'a Secret>) -> Self {
        let now = Instant::now();
        Driver {
            io,
            deadline,
            started: now,
            secret,
            buf: Vec::new(),
            cuts: Vec::new(),
            store_cap: usize::MAX,
            dropped: false,
            recent: Vec::new(),
            last_data: now,
            prompt: String::new(),
            base: String::new(),
            prompts: Vec::new(),
            pagers: Vec::new(),
            login: None,
            accept_banner: false,
            answered: LoginAnswers::default(),
        }
    }

    /// Prompt and pager patterns of these platforms; none yet (detecting): generic pagers only,
    /// and prompts are judged by `platform::by_prompt`.
    fn use_platforms(&mut self, platforms: &[Platform]) {
        self.prompts = platforms.iter().map(|p| p.prompt()).collect();
        self.pagers = platforms
            .iter()
            .flat_map(|p| p.pagers().iter())
            .chain(GENERIC_PAGERS.iter())
            .collect();
    }

    fn is_prompt(&self, line: &str) -> bool {
        self.prompts.iter().any(|re| re.is_match(line)) || self.keeps_base(line)
    }

    /// Whether `line` is the learned prompt, maybe in another mode (`R1#`, `R1(config)#`).
    fn keeps_base(&self, line: &str) -> bool {
        let t = line.trim();
        if self.base.is_empty() || !t.ends_with(PROMPT_ENDS) || !t.starts_with(&self.base) {
            return false;
        }
        let middle = t[self.base.len()..t.len() - 1].trim_end();
        middle.is_empty() || (middle.starts_with('(') && middle.ends_with(')'))
    }

    /// Answers what a device asks between login and its prompt. Ok(true) = answered.
    fn login_step(&mut self, line: &str) -> Result<bool, DeviceError> {
        let asked = line.trim();
        if asked.is_empty() {
            return Ok(false);
        }
        let lower = asked.to_ascii_lowercase();
        // The device's refusal since our last answer, if it said one.
        let refusal = self.answered.after.and_then(|after| {
            let since = String::from_utf8_lossy(&self.buf[after.min(self.buf.len())..]);
            refusal_in(&text::strip_ansi(&since))
        });
        if let Some(words) = &refusal {
            // Asked again (a stray Enter may have met the first question): answer again,
            // within the limits below; anything else after a refusal ends it.
            if !LOGIN_PROMPT.is_match(&lower) && !PASSWORD_PROMPT.is_match(asked) {
                return Err(self.redacted(
                    ErrorKind::Auth,
                    format!("the device refused the login: {words}"),
                ));
            }
        }
        let said = refusal.map_or(String::new(), |w| format!(" ({w})"));
        let again = |what: &str| {
            DeviceError::new(
                ErrorKind::Auth,
                format!("the device asked {asked:?} again after {what}{said}: login refused"),
            )
        };
        let (reply, what): (Vec<u8>, &str) = if ACK_PROMPT.is_match(&lower) {
            if !self.accept_banner {
                return Err(DeviceError::new(
                    ErrorKind::Auth,
                    format!(
                        "the device waits for its banner to be acknowledged ({asked:?}); \
                         pass --accept-banner to accept it"
                    ),
                ));
            }
            if self.answered.acks >= 2 {
                return Err(again("accepting its banner"));
            }
            self.answered.acks += 1;
            let single_key = lower.contains("press");
            (
                if single_key {
                    b"a".to_vec()
                } else {
                    b"yes\r".to_vec()
                },
                "the banner's acknowledgement",
            )
        } else if YES_NO.is_match(&lower) && self.recent_mentions_password() {
            // An expiry notice: never change a password on someone's behalf.
            if self.answered.declines >= 2 {
                return Err(again("declining to change the password"));
            }
            self.answered.declines += 1;
            (b"N\r".to_vec(), "no to the password change")
        } else if LOGIN_PROMPT.is_match(&lower) {
            let Some(login) = self.login else {
                return Err(DeviceError::new(
                    ErrorKind::Auth,
                    format!("the device asks {asked:?} inside the session and no username is set"),
                ));
            };
            if self.answered.usernames >= 2 {
                return Err(again("the in-band login"));
            }
            self.answered.usernames += 1;
            let mut reply = login.username.as_bytes().to_vec();
            reply.push(b'\r');
            (reply, "the username")
        } else if PASSWORD_PROMPT.is_match(asked) {
            let Some(password) = self.login.and_then(|l| l.password) else {
                return Err(DeviceError::new(
                    ErrorKind::Auth,
                    format!("the device asks {asked:?} inside the session and no password is set"),
                ));
            };
            if self.answered.passwords >= 2 {
                return Err(again("the in-band password"));
            }
            self.answered.passwords += 1;
            let mut reply = password.expose().as_bytes().to_vec();
            reply.push(b'\r');
            (reply, "the password")
        } else {
            return Ok(false);
        };
        self.write(&reply, what)?;
        // What follows the answer is judged on its own; the question is no longer the last line.
        self.buf.push(b'\n');
        self.answered.after = Some(self.buf.len());
        Ok(true)
    }

    fn recent_mentions_password(&self) -> bool {
        let text = String::from_utf8_lossy(&self.recent).to_ascii_lowercase();
        text.contains("password")
    }

    /// A new step: forget the previous step's bytes; keep at most `cap` bytes of this one.
    fn reset(&mut self, cap: usize) {
        self.buf.clear();
        self.cuts.clear();
        self.dropped = false;
        self.store_cap = cap;
        self.last_data = Instant::now();
    }

    fn append(&mut self, data: &[u8]) {
        self.recent.extend_from_slice(data);
        if self.recent.len() > 1024 {
            let excess = self.recent.len() - 512;
            self.recent.drain(..excess);
        }
        self.buf.extend_from_slice(data);
        let cap = self.store_cap;
        if self.buf.len() > cap.saturating_add(2 * TAIL_KEEP) {
            // Keep the head (the stored output) and a tail (where the prompt or pager will be).
            let (from, to) = (cap, self.buf.len() - TAIL_KEEP);
            self.buf.drain(from..to);
            self.dropped = true;
            let gone = to - from;
            self.cuts.retain(|&c| c <= from || c > to);
            for c in self.cuts.iter_mut().filter(|c| **c > to) {
                *c -= gone;
            }
        }
    }

    /// Reads once, waiting until `until` at most (never past the deadline). Ok(true) = got data.
    fn read_some(&mut self, until: Instant, waiting_for: &str) -> Result<bool, DeviceError> {
        if self.deadline.expired() {
            return Err(self.timed_out(waiting_for));
        }
        let until = Deadline::at(until.min(self.deadline.instant()));
        let mut chunk = [0u8; READ_CHUNK];
        match self.io.read(&mut chunk, until) {
            Ok(0) => Err(self.redacted(
                ErrorKind::Protocol,
                format!(
                    "connection closed while waiting for the {waiting_for}; last output: {}",
                    self.recent_tail()
                ),
            )),
            Ok(n) => {
                self.append(&chunk[..n.min(READ_CHUNK)]);
                self.last_data = Instant::now();
                Ok(true)
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::TimedOut
                        | io::ErrorKind::WouldBlock
                        | io::ErrorKind::Interrupted
                ) =>
            {
                if self.deadline.expired() {
                    return Err(self.timed_out(waiting_for));
                }
                // A pipe that gives up early must not turn the caller's wait into a busy loop.
                let left = until.remaining();
                if !left.is_zero() {
                    std::thread::sleep(left.min(Duration::from_millis(10)));
                }
                Ok(false)
            }
            Err(e) => Err(self.redacted(
                ErrorKind::Protocol,
                format!("read failed while waiting for the {waiting_for}: {e}"),
            )),
        }
    }

    fn write(&mut self, data: &[u8], what: &str) -> Result<(), DeviceError> {
        if self.deadline.expired() {
            return Err(self.timed_out(&format!("chance to send {what}")));
        }
        match self.io.write_all(data, self.deadline) {
            Ok(()) => Ok(()),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                ) =>
            {
                Err(self.timed_out(&format!("chance to send {what}")))
            }
            Err(e) => {
                Err(self.redacted(ErrorKind::Protocol, format!("could not send {what}: {e}")))
            }
        }
    }

    fn timed_out(&self, waiting_for: &str) -> DeviceError {
        let secs = self.started.elapsed().as_secs_f64();
        self.redacted(
            ErrorKind::Timeout,
            format!(
                "no {waiting_for} within {secs:.1}s; last output: {}",
                self.recent_tail()
            ),
        )
    }

    /// The last chars received, escaped and quoted, with any secret masked.
    fn recent_tail(&self) -> String {
        let text = String::from_utf8_lossy(&self.recent);
        let text = self.mask(&text::strip_ansi(&text));
        let start = text
            .char_indices()
            .rev()
            .nth(ERROR_TAIL_CHARS - 1)
            .map_or(0, |(i, _)| i);
        format!("{:?}", &text[start..])
    }

    fn mask(&self, s: &str) -> String {
        let mut out = s.to_string();
        let login = self.login.and_then(|l| l.password);
        for secret in [self.secret, login].into_iter().flatten() {
            let secret = secret.expose();
            if !secret.is_empty() {
                out = out.replace(secret, "***");
            }
        }
        out
    }

    fn redacted(&self, kind: ErrorKind, message: String) -> DeviceError {
        DeviceError::new(kind, self.mask(&message))
    }

    /// The rendered last (unterminated) line and the raw offset where it starts.
    fn last_line(&self) -> (usize, String) {
        // Only the tail is searched: a huge output without newlines must not be rescanned per read.
        let window = self.buf.len().saturating_sub(LAST_LINE_MAX);
        let start = self.buf[window..]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(window, |i| window + i + 1);
        let raw = String::from_utf8_lossy(&self.buf[start..]);
        (start, text::render(&raw))
    }

    fn quiet(&self) -> bool {
        self.quiet_for(QUIET)
    }

    fn quiet_for(&self, window: Duration) -> bool {
        self.last_data.elapsed() >= window
    }

    /// If the last line is a pager prompt, cut it out of the buffer and answer with a space.
    /// A match that does not start the line is taken only once the device has gone quiet, so
    /// output that merely mentions "more" is not answered mid-stream.
    fn answer_pager(&mut self) -> Result<PagerState, DeviceError> {
        let (start, line) = self.last_line();
        let Some(at) = self
            .pagers
            .iter()
            .filter_map(|re| re.find(&line))
            .map(|m| m.start())
            .min()
        else {
            return Ok(PagerState::Absent);
        };
        let before = &line[..at];
        let settled = if before.trim().is_empty() {
            self.last_data.elapsed() >= PAGER_SETTLE
        } else {
            self.quiet()
        };
        if !settled {
            return Ok(PagerState::Settling);
        }
        let keep = before.trim_end().to_string();
        self.buf.truncate(start);
        self.buf.extend_from_slice(keep.as_bytes());
        self.cuts.push(self.buf.len());
        self.write(b" ", "a key to the pager")?;
        Ok(PagerState::Answered(line[at..].to_string()))
    }

    /// Waits for the first prompt: the last line of a quiet buffer that looks like one (the
    /// device's own, whatever its platform's pattern says; a matching pattern only settles it
    /// sooner). Answers in-band logins and banners on the way. Returns the banner (everything
    /// before the prompt). Nudges with Enter when nothing useful arrives.
    fn find_prompt(&mut self, detecting: bool) -> Result<String, DeviceError> {
        // Bounded like any output: a device that streams and never shows a prompt must not
        // grow memory until the deadline.
        self.reset(PRE_PROMPT_MAX);
        let mut nudges = 0;
        let mut next_nudge = Instant::now() + NUDGE_IDLE;
        let mut seen_len = usize::MAX;
        // Pager prompts answered on the way ("Press any key") belong to the banner.
        let mut answered = String::new();
        loop {
            let now = Instant::now();
            // With the platform known, a last line that already is its prompt needs only a
            // short settle; the full quiet window is for banners whose lines look like prompts.
            let window = if !detecting
                && !self.buf.is_empty()
                && seen_len != self.buf.len()
                && self.is_prompt(&self.last_line().1)
            {
                PROMPT_SETTLE
            } else {
                QUIET
            };
            if !self.buf.is_empty() && self.quiet_for(window) && seen_len != self.buf.len() {
                if let PagerState::Answered(text) = self.answer_pager()? {
                    answered.push_str(&text);
                    answered.push('\n');
                    // As after a login answer: an Enter sent before the device has reacted to
                    // the key would land in whatever it asks next ("Change now? [Y/N]:").
                    seen_len = self.buf.len();
                    next_nudge = Instant::now() + NUDGE_IDLE;
                    continue;
                }
                let (start, line) = self.last_line();
                if self.login_step(&line)? {
                    // Wait for the device's reply to the answer: judging (and nudging) the
                    // unchanged buffer now would send a stray Enter into its next question.
                    seen_len = self.buf.len();
                    next_nudge = Instant::now() + NUDGE_IDLE;
                    continue;
                }
                seen_len = self.buf.len();
                let looks_right = looks_like_prompt(&line)
                    || if detecting {
                        !platform::by_prompt(&line).is_empty()
                    } else {
                        self.is_prompt(&line)
                    };
                if looks_right {
                    let rest = text::render(&String::from_utf8_lossy(&self.buf[..start]));
                    let line = single_prompt(&line).to_string();
                    self.base = base_of(&line);
                    self.prompt = line;
                    return Ok(answered + &rest);
                }
                // A quiet buffer that ends in no prompt: ask the device to show it.
                next_nudge = now;
            }
            if nudges < MAX_NUDGES && now >= next_nudge {
                self.write(b"\r", "Enter")?;
                nudges += 1;
                next_nudge = Instant::now() + NUDGE_IDLE;
                continue;
            }
            let until = if !self.buf.is_empty() && seen_len != self.buf.len() {
                self.last_data + window
            } else if nudges < MAX_NUDGES {
                next_nudge
            } else {
                self.deadline.instant()
            };
            if let Err(e) = self.read_some(until, "prompt") {
                return Err(self.refused_login().unwrap_or(e));
            }
        }
    }

    /// The device's own words when it ended the session before its prompt because it refused
    /// the login (`% Authorization failed`, `Login incorrect`).
    fn refused_login(&self) -> Option<DeviceError> {
        let raw = String::from_utf8_lossy(&self.recent);
        let words = refusal_in(&text::strip_ansi(&raw))?;
        Some(self.redacted(
            ErrorKind::Auth,
            format!("the device refused the session: {words}"),
        ))
    }

    /// Finds the end of the command's echo: the first lines whose text (whitespace and control
    /// chars dropped, so wrapped or redrawn echoes count) ends with the command.
    fn find_echo(&self, key: &str) -> Echo {
        let limit = key.len() + self.prompt.len() + ECHO_SLACK;
        let mut acc = String::new();
        let mut pos = 0;
        while let Some(i) = self.buf[pos..].iter().position(|&b| b == b'\n') {
            let line = String::from_utf8_lossy(&self.buf[pos..pos + i]);
            acc.extend(
                text::strip_ansi(&line)
                    .chars()
                    .filter(|c| !c.is_whitespace() && !c.is_control()),
            );
            pos += i + 1;
            if acc.ends_with(key) {
                return Echo::Found(pos);
            }
            // Blank lines add nothing to `acc`, so bound the bytes looked at as well.
            if acc.len() > limit || pos > 4 * limit + LAST_LINE_MAX {
                return Echo::Missing;
            }
        }
        if self.buf.len() - pos > limit + LAST_LINE_MAX {
            return Echo::Missing;
        }
        Echo::Searching
    }

    /// Sends one command and reads until its prompt returns; the output is cleaned.
    fn command(&mut self, cmd: &str, max_output: usize) -> Result<CommandOutput, DeviceError> {
        let cap = max_output
            .saturating_mul(2)
            .saturating_add(cmd.len() + ECHO_SLACK + 8192);
        self.reset(cap);
        let mut line_out = cmd.as_bytes().to_vec();
        line_out.push(b'\r');
        self.write(&line_out, &format!("`{cmd}`"))?;
        let key: String = squash(cmd);
        let waiting_for = format!("prompt after `{cmd}`");
        let mut echo = Echo::Searching;
        loop {
            if echo == Echo::Searching {
                echo = self.find_echo(&key);
            }
            let pager = self.answer_pager()?;
            if let PagerState::Answered(_) = pager {
                continue;
            }
            let (start, line) = self.last_line();
            let quiet = self.quiet();
            let same_prompt = !self.prompt.is_empty() && line.trim_end() == self.prompt.trim_end();
            let echo_seen = matches!(echo, Echo::Found(_));
            let done = (echo_seen && same_prompt)
                || (quiet
                    && self.is_prompt(&line)
                    && (echo_seen
                        || echo == Echo::Missing
                        || self.last_data.elapsed() >= NO_ECHO_GRACE));
            if done {
                let from = match echo {
                    Echo::Found(at) => at,
                    _ => 0,
                };
                self.prompt = line;
                return Ok(self.extract(cmd, from, start, max_output));
            }
            let until = if pager == PagerState::Settling {
                self.last_data + PAGER_SETTLE
            } else if !quiet {
                self.last_data + QUIET
            } else if !echo_seen && self.is_prompt(&line) {
                self.last_data + NO_ECHO_GRACE
            } else {
                self.deadline.instant()
            };
            self.read_some(until, &waiting_for)?;
        }
    }

    /// The cleaned text between the echo (`from`) and the prompt line (`to`).
    fn extract(&self, cmd: &str, from: usize, to: usize, max_output: usize) -> CommandOutput {
        let to = if self.dropped {
            to.min(self.store_cap)
        } else {
            to
        };
        let from = from.min(to);
        let mut raw: Vec<u8> = Vec::with_capacity(to - from);
        let mut pos = from;
        for &cut in self.cuts.iter().filter(|&&c| c >= from && c < to) {
            if cut < pos {
                continue;
            }
            raw.extend_from_slice(&self.buf[pos..cut]);
            pos = cut + erasure_len(&self.buf[cut..to]);
        }
        if pos < to {
            raw.extend_from_slice(&self.buf[pos..to]);
        }
        let rendered = text::render(&String::from_utf8_lossy(&raw));
        let mut output = tidy(&rendered);
        let mut truncated = self.dropped;
        if output.len() > max_output {
            let mut end = max_output;
            while !output.is_char_boundary(end) {
                end -= 1;
            }
            output.truncate(end);
            truncated = true;
        }
        CommandOutput {
            command: cmd.to_string(),
            output,
            truncated,
            error: None,
        }
    }

    /// Enters privileged mode: `enable`, the secret at the password prompt, then a prompt that
    /// must no longer be the user-mode one.
    fn enable(
        &mut self,
        command: &str,
        secret: Option<&Secret>,
        user_prompt: &Regex,
    ) -> Result<(), DeviceError> {
        self.reset(64 * 1024);
        let mut line_out = command.as_bytes().to_vec();
        line_out.push(b'\r');
        self.write(&line_out, &format!("`{command}`"))?;
        let key = squash(command);
        let mut echo = Echo::Searching;
        let mut answered_at: Option<usize> = None;
        let waiting_for = format!("prompt after `{command}`");
        loop {
            if echo == Echo::Searching {
                echo = self.find_echo(&key);
            }
            let (start, line) = self.last_line();
            let fresh = answered_at.is_none_or(|at| start >= at);
            if fresh && PASSWORD_PROMPT.is_match(&line) {
                if answered_at.is_some() {
                    return Err(DeviceError::new(
                        ErrorKind::Auth,
                        "enable refused: the device asked for the enable password again",
                    ));
                }
                let mut answer = secret.map_or(Vec::new(), |s| s.expose().as_bytes().to_vec());
                answer.push(b'\r');
                self.write(&answer, "the enable password")?;
                // Whatever follows the answer is judged on its own.
                self.buf.push(b'\n');
                answered_at = Some(self.buf.len());
                continue;
            }
            let after = answered_at.map_or(0, |at| at.min(self.buf.len()));
            let said = String::from_utf8_lossy(&self.buf[after..]);
            let said = text::strip_ansi(&said);
            if let Some(m) = ENABLE_DENIED.find(&said) {
                let line = said[m.start()..]
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_string();
                return Err(self.redacted(ErrorKind::Auth, format!("enable refused: {line}")));
            }
            let ready = answered_at.is_some() || echo != Echo::Searching || self.quiet();
            if ready && fresh && self.is_prompt(&line) {
                if user_prompt.is_match(&line) {
                    if self.quiet() {
                        return Err(self.redacted(
                            ErrorKind::Auth,
                            format!("enable refused: still at the user prompt {line:?}"),
                        ));
                    }
                } else {
                    self.prompt = line;
                    return Ok(());
                }
            }
            let until = if self.quiet() {
                self.deadline.instant()
            } else {
                self.last_data + QUIET
            };
            self.read_some(until, &waiting_for)?;
        }
    }
}

/// Whether a line has the shape of a prompt: ends in a prompt character and says something
/// (a line of `#` is a banner's frame). Its own shape, not the platform's pattern, decides.
fn looks_like_prompt(line: &str) -> bool {
    let t = line.trim();
    let lower = t.to_ascii_lowercase();
    t.ends_with(PROMPT_ENDS)
        && t.chars().any(|c| c.is_alphanumeric())
        && !ACK_PROMPT.is_match(&lower)
        && !YES_NO.is_match(&lower)
}

/// The prompt without trailing blanks, its end char and a mode in parentheses.
fn base_of(prompt: &str) -> String {
    let t = prompt.trim();
    let mut base = t.strip_suffix(PROMPT_ENDS).unwrap_or(t).trim_end();
    if base.ends_with(')') {
        if let Some(open) = base.rfind('(') {
            base = &base[..open];
        }
    }
    base.to_string()
}

/// The command as compared with its echo: no whitespace, no control chars.
fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect()
}

/// Length of the erasure a device sends after a pager prompt is answered (backspaces, spaces,
/// CR, `ESC[nD`, `ESC[K`...), ending at its last cursor move: spaces after that are output.
fn erasure_len(b: &[u8]) -> usize {
    let (mut i, mut end) = (0, 0);
    while i < b.len() {
        match b[i] {
            b'\x08' | b'\r' => {
                i += 1;
                end = i;
            }
            b' ' => i += 1,
            0x1b if b.get(i + 1) == Some(&b'[') => {
                let mut j = i + 2;
                while j < b.len() && (b[j].is_ascii_digit() || b[j] == b';') {
                    j += 1;
                }
                match b.get(j) {
                    Some(b'D' | b'K' | b'C' | b'G' | b'J' | b'A' | b'H') => {
                        i = j + 1;
                        end = i;
                    }
                    _ => break,
                }
            }
            _ => break,
        }
    }
    end
}

/// Leading and trailing blank lines and Junos context lines (`{master:0}`) dropped; exactly one
/// final LF when anything is left.
fn tidy(rendered: &str) -> String {
    let mut lines: Vec<&str> = rendered.split('\n').collect();
    while lines
        .last()
        .is_some_and(|l| l.trim().is_empty() || CONTEXT_LINE.is_match(l))
    {
        lines.pop();
    }
    let first = lines
        .iter()
        .position(|l| !l.trim().is_empty())
        .unwrap_or(lines.len());
    let lines = &lines[first..];
    if lines.is_empty() {
        return String::new();
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_prompt_repeated_on_one_line_is_one_prompt() {
        assert_eq!(super::single_prompt("R1>R1>R1>"), "R1>");
        assert_eq!(super::single_prompt("u@h:~$ u@h:~$ "), "u@h:~$ ");
        assert_eq!(super::single_prompt("R1#"), "R1#");
        assert_eq!(super::single_prompt("##"), "##", "not a prompt on its own");
        assert_eq!(super::single_prompt("ab#ab"), "ab#ab");
    }

    use super::*;

    #[test]
    fn pager_erasure_ends_at_the_last_cursor_move() {
        assert_eq!(erasure_len(b"\x08\x08\x08   \x08\x08\x08  indented"), 9);
        assert_eq!(erasure_len(b"\r          \rline"), 12);
        assert_eq!(erasure_len(b"\x1b[16D                \x1b[16Dx"), 26);
        assert_eq!(erasure_len(b"plain"), 0);
        assert_eq!(erasure_len(b"  indented"), 0);
    }

    #[test]
    fn tidy_keeps_inner_blank_lines_and_drops_debris_at_the_ends() {
        assert_eq!(tidy("\n\na\n\nb  \n\n{master:0}\n"), "a\n\nb  \n");
        assert_eq!(tidy("\n \n"), "");
        assert_eq!(tidy("x"), "x\n");
    }
}
