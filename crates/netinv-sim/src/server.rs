//! The SSH side of a simulated device: accepting connections (with the connection-level
//! faults), russh authentication and channel requests, and the shell and exec sessions that
//! drive a `Console` with echo, latency, the pager and the output faults.

use super::console::{Console, Reply};
use super::devices::{self, Erase, Identity};
use super::faults::Fault;
use super::rng::Rng;
use crate::platform::Platform;
use russh::server::{Auth, ChannelOpenHandle, Msg, Session};
use russh::{Channel, ChannelId, ChannelWriteHalf};
use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// What the kbd-ack quirk shows and asks before the password (PAN-OS's words).
const KBD_NOTICE: &str = "This system is for authorised use only. Activity is monitored.";
const KBD_ACK_PROMPT: &str = "Do you accept and acknowledge the statement above? (yes/no) ";
/// Output faults pace themselves with these.
const DRIP_EVERY: Duration = Duration::from_millis(200);
const SLOW_BANNER: Duration = Duration::from_millis(1500);
const HUGE_BYTES: usize = 20 * 1024 * 1024;
/// Size of the ansi-bomb fault's cursor-move flood.
const ANSI_BOMB_BYTES: usize = 1 << 20;
/// Output is handed to russh in chunks of about this size.
const CHUNK: usize = 32 * 1024;

/// Everything a connection to one device needs, shared by its sessions.
pub struct DeviceRt {
    pub identity: Arc<Identity>,
    pub fault: Option<Fault>,
    pub username: String,
    pub password: String,
    pub enable_secret: Option<String>,
    pub latency: Duration,
    pub jitter: Duration,
    pub config: Arc<russh::server::Config>,
}

/// Accept connections on `listener` until the runtime stops.
pub async fn serve(listener: TcpListener, dev: Arc<DeviceRt>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(connection(stream, dev.clone()));
            }
            // Out of file descriptors or similar: back off instead of spinning.
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

async fn connection(mut stream: TcpStream, dev: Arc<DeviceRt>) {
    let _ = stream.set_nodelay(true);
    match dev.fault {
        Some(Fault::Silent) => {
            // Never a byte; keep the socket until the client gives up.
            let mut sink = [0u8; 1024];
            while let Ok(n) = stream.read(&mut sink).await {
                if n == 0 {
                    break;
                }
            }
            return;
        }
        Some(Fault::SlowBanner) => tokio::time::sleep(SLOW_BANNER).await,
        _ => {}
    }
    // A second descriptor of the same socket lets the disconnect fault cut the TCP
    // connection under russh's feet, the way a crashing device would.
    let killer = if dev.fault == Some(Fault::Disconnect) {
        stream.as_fd().try_clone_to_owned().ok().map(Arc::new)
    } else {
        None
    };
    let handler = Conn {
        dev: dev.clone(),
        user: String::new(),
        killer,
        channels: HashMap::new(),
        exec_refused: false,
        exec_started: false,
        acknowledged: false,
    };
    if let Ok(session) = russh::server::run_stream(dev.config.clone(), stream, handler).await {
        let _ = session.await;
    }
}

/// Cut the TCP connection: both directions, no SSH goodbye.
fn cut(fd: &OwnedFd) {
    // SAFETY: `fd` is an open descriptor we own (a dup of the session's socket);
    // shutdown(2) only changes the socket's state and touches no memory.
    unsafe {
        libc::shutdown(fd.as_raw_fd(), libc::SHUT_RDWR);
    }
}

enum Input {
    Data(Vec<u8>),
    Eof,
}

struct Chan {
    writer: Option<ChannelWriteHalf<Msg>>,
    input: Option<mpsc::UnboundedSender<Input>>,
    rows: Arc<AtomicU32>,
    started: bool,
    exec: bool,
}

/// One SSH connection's russh handler.
struct Conn {
    dev: Arc<DeviceRt>,
    user: String,
    killer: Option<Arc<OwnedFd>>,
    channels: HashMap<ChannelId, Chan>,
    /// An exec was refused on this connection (what the one-channel quirk remembers).
    exec_refused: bool,
    /// An exec ran on this connection (the exec-closes quirk serves no other channel then).
    exec_started: bool,
    /// The kbd-ack quirk's notice was acknowledged in this login.
    acknowledged: bool,
}

impl Conn {
    fn user_ok(&self, user: &str) -> bool {
        if user == self.dev.username {
            return true;
        }
        // RouterOS takes login options after a `+` (Netmiko logs in as `admin+cetw511h`).
        self.dev.identity.platform == Platform::MikrotikRouteros
            && user.split_once('+').map(|(u, _)| u) == Some(self.dev.username.as_str())
    }

    fn check(&mut self, user: &str, password: &[u8]) -> Auth {
        if self.dev.fault != Some(Fault::Auth)
            && self.user_ok(user)
            && password == self.dev.password.as_bytes()
        {
            self.user = self.dev.username.clone();
            Auth::Accept
        } else {
            Auth::reject()
        }
    }

    /// Start the task behind a channel; returns false if the channel cannot take one.
    fn start(&mut self, channel: ChannelId, what: Start) -> bool {
        let Some(chan) = self.channels.get_mut(&channel) else {
            return false;
        };
        if chan.started {
            return false;
        }
        let Some(writer) = chan.writer.take() else {
            return false;
        };
        chan.started = true;
        let (tx, rx) = mpsc::unbounded_channel();
        chan.input = Some(tx);
        let mut io = Io {
            out: writer,
            input: rx,
            buf: VecDeque::new(),
            pending: Vec::new(),
            skip_lf: false,
            cr_only: self.dev.fault == Some(Fault::CrOnly),
            jitter_rng: Rng::new(self.dev.identity.seed ^ u64::from(channel_number(channel))),
            latency: self.dev.latency,
            jitter: self.dev.jitter,
        };
        let console = Console::new(
            self.dev.identity.clone(),
            &self.user,
            self.dev.fault,
            self.dev.enable_secret.clone(),
        );
        let fault = self.dev.fault;
        let killer = self.killer.clone();
        let rows = chan.rows.clone();
        let dev = self.dev.clone();
        tokio::spawn(async move {
            match what {
                Start::Shell => shell(&mut io, console, &dev, killer, rows).await,
                // What a device does with a second channel it never meant to serve.
                Start::Mute => io.until_closed().await,
                Start::Exec(cmd) => exec(&mut io, console, fault, killer, &cmd).await,
            }
            // The session may be gone already; nothing to report to anyone then.
            let _ = io.flush().await;
            let _ = io.out.eof().await;
            let _ = io.out.close().await;
        });
        true
    }
}

fn channel_number(c: ChannelId) -> u32 {
    // ChannelId only exposes Display/Debug; its number seeds the jitter, nothing more.
    format!("{c}").parse().unwrap_or(0)
}

enum Start {
    Shell,
    /// A shell that never answers.
    Mute,
    Exec(String),
}

impl russh::server::Handler for Conn {
    type Error = russh::Error;

    async fn auth_none(&mut self, _user: &str) -> Result<Auth, Self::Error> {
        Ok(Auth::reject())
    }

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        if self.dev.fault == Some(Fault::KbdAck) {
            // The notice must be acknowledged: password auth is off on such devices.
            return Ok(Auth::reject());
        }
        Ok(self.check(user, password.as_bytes()))
    }

    async fn auth_keyboard_interactive<'a>(
        &'a mut self,
        user: &str,
        _submethods: &str,
        response: Option<russh::server::Response<'a>>,
    ) -> Result<Auth, Self::Error> {
        let password_prompt = || Auth::Partial {
            name: Cow::Borrowed(""),
            instructions: Cow::Borrowed(""),
            prompts: Cow::Owned(vec![(Cow::Borrowed("Password: "), false)]),
        };
        let acknowledging = self.dev.fault == Some(Fault::KbdAck) && !self.acknowledged;
        match response {
            None if acknowledging => Ok(Auth::Partial {
                name: Cow::Borrowed(""),
                instructions: Cow::Borrowed(KBD_NOTICE),
                prompts: Cow::Owned(vec![(Cow::Borrowed(KBD_ACK_PROMPT), true)]),
            }),
            None => Ok(password_prompt()),
            Some(mut answers) => {
                let first = answers.next().map(|b| b.to_vec()).unwrap_or_default();
                if acknowledging {
                    if first.eq_ignore_ascii_case(b"yes") {
                        self.acknowledged = true;
                        return Ok(password_prompt());
                    }
                    return Ok(Auth::reject());
                }
                Ok(self.check(user, &first))
            }
        }
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.dev.fault == Some(Fault::ExecCloses) && self.exec_started {
            // One exec per connection: the device is already tearing this one down.
            reply
                .reject(russh::ChannelOpenFailure::AdministrativelyProhibited)
                .await;
            return Ok(());
        }
        let id = channel.id();
        // Input reaches us through `data()`; the read half would only fill up.
        let (_read, write) = channel.split();
        self.channels.insert(
            id,
            Chan {
                writer: Some(write),
                input: None,
                rows: Arc::new(AtomicU32::new(0)),
                started: false,
                exec: false,
            },
        );
        reply.accept().await;
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        _col_width: u32,
        row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(russh::Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(chan) = self.channels.get(&channel) {
            chan.rows.store(row_height, Ordering::Relaxed);
        }
        session.channel_success(channel)?;
        Ok(())
    }

    async fn window_change_request(
        &mut self,
        channel: ChannelId,
        _col_width: u32,
        row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(chan) = self.channels.get(&channel) {
            chan.rows.store(row_height, Ordering::Relaxed);
        }
        Ok(())
    }

    async fn env_request(
        &mut self,
        channel: ChannelId,
        _name: &str,
        _value: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let what = if self.exec_refused && self.dev.fault == Some(Fault::OneChannel) {
            Start::Mute
        } else {
            Start::Shell
        };
        if self.start(channel, what) {
            session.channel_success(channel)?;
        } else {
            session.channel_failure(channel)?;
        }
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let allowed = devices::behaviour(self.dev.identity.platform).exec
            && !matches!(self.dev.fault, Some(f) if f == Fault::RefuseExec || f.terminal_only());
        let command = String::from_utf8_lossy(data).into_owned();
        if allowed && self.start(channel, Start::Exec(command)) {
            if let Some(chan) = self.channels.get_mut(&channel) {
                chan.exec = true;
            }
            self.exec_started = true;
            session.channel_success(channel)?;
        } else {
            self.exec_refused = true;
            session.channel_failure(channel)?;
        }
        Ok(())
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        _name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        // No SFTP, no NETCONF: a network device's CLI only.
        session.channel_failure(channel)
    }

    async fn data(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(tx) = self.channels.get(&channel).and_then(|c| c.input.as_ref()) {
            let _ = tx.send(Input::Data(data.to_vec()));
        }
        Ok(())
    }

    async fn channel_eof(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(tx) = self.channels.get(&channel).and_then(|c| c.input.as_ref()) {
            let _ = tx.send(Input::Eof);
        }
        Ok(())
    }

    async fn channel_close(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        // Dropping the sender tells the session task the client is gone.
        let chan = self.channels.remove(&channel);
        if self.dev.fault == Some(Fault::ExecCloses) && chan.is_some_and(|c| c.exec) {
            // The client has all of the output once it closes its side; the device then drops
            // the connection, before anything else the client asks on it.
            session.disconnect(russh::Disconnect::ByApplication, "exec session ended", "")?;
        }
        Ok(())
    }
}

/// The byte pipes of one channel, as the session task sees them.
struct Io {
    out: ChannelWriteHalf<Msg>,
    input: mpsc::UnboundedReceiver<Input>,
    buf: VecDeque<u8>,
    pending: Vec<u8>,
    /// A line ended with CR: swallow the LF of a CRLF that follows.
    skip_lf: bool,
    /// Only CR ends a line; an LF is ignored (the cr-only quirk).
    cr_only: bool,
    jitter_rng: Rng,
    latency: Duration,
    jitter: Duration,
}

/// The client went away (or the session ended); stop quietly.
struct Gone;

impl Io {
    async fn flush(&mut self) -> Result<(), Gone> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let data = std::mem::take(&mut self.pending);
        self.out.data_bytes(data).await.map_err(|_| Gone)
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<(), Gone> {
        self.pending.extend_from_slice(bytes);
        if self.pending.len() >= CHUNK {
            self.flush().await?;
        }
        Ok(())
    }

    /// Write `text` with `\n` turned into `\r\n` when `crlf`.
    async fn text(&mut self, text: &str, crlf: bool) -> Result<(), Gone> {
        if !crlf {
            return self.write(text.as_bytes()).await;
        }
        let mut converted = Vec::with_capacity(text.len() + text.len() / 16);
        let mut prev = 0u8;
        for &b in text.as_bytes() {
            if b == b'\n' && prev != b'\r' {
                converted.push(b'\r');
            }
            converted.push(b);
            prev = b;
        }
        self.write(&converted).await
    }

    /// The next byte typed by the client; flushes pending output before waiting.
    async fn byte(&mut self) -> Result<u8, Gone> {
        loop {
            if let Some(b) = self.buf.pop_front() {
                let skip = self.skip_lf && b == b'\n';
                self.skip_lf = false;
                if skip {
                    continue;
                }
                return Ok(b);
            }
            self.flush().await?;
            match self.input.recv().await {
                Some(Input::Data(d)) => self.buf.extend(d),
                Some(Input::Eof) | None => return Err(Gone),
            }
        }
    }

    /// Wait until the client closes the channel (the hang fault), answering nothing.
    async fn until_closed(&mut self) {
        let _ = self.flush().await;
        while self.input.recv().await.is_some() {}
    }

    /// The per-answer delay: latency plus up to `jitter`.
    async fn think(&mut self) -> Result<(), Gone> {
        let extra = if self.jitter.is_zero() {
            Duration::ZERO
        } else {
            let max = self.jitter.as_micros().min(u128::from(u64::MAX)) as u64;
            Duration::from_micros(self.jitter_rng.below(max + 1))
        };
        let delay = self.latency + extra;
        if !delay.is_zero() {
            self.flush().await?;
            tokio::time::sleep(delay).await;
        }
        Ok(())
    }

    /// Read a line with terminal-style editing; `echo` off for secrets.
    async fn line(&mut self, echo: bool) -> Result<String, Gone> {
        let mut line: Vec<u8> = Vec::new();
        let mut escape = 0u8;
        loop {
            let b = self.byte().await?;
            if escape > 0 {
                // Swallow arrow keys and other CSI sequences: ESC [ ... final letter.
                escape = if b == b'[' || b.is_ascii_digit() || b == b';' {
                    2
                } else {
                    0
                };
                continue;
            }
            match b {
                b'\n' if self.cr_only => {}
                b'\r' | b'\n' => {
                    self.skip_lf = b == b'\r';
                    self.write(b"\r\n").await?;
                    return Ok(String::from_utf8_lossy(&line).into_owned());
                }
                0x7f | 0x08 if line.pop().is_some() && echo => {
                    self.write(b"\x08 \x08").await?;
                }
                // Backspace on an empty line (or unechoed): nothing to rub out.
                0x7f | 0x08 => {}
                0x03 => {
                    // Ctrl-C abandons the line.
                    line.clear();
                    self.write(b"^C\r\n").await?;
                    return Ok(String::new());
                }
                0x15 => {
                    if echo {
                        for _ in 0..line.len() {
                            self.write(b"\x08 \x08").await?;
                        }
                    }
                    line.clear();
                }
                0x1b => escape = 1,
                b'\t' => {}
                b if b >= 0x20 => {
                    line.push(b);
                    if echo {
                        self.write(&[b]).await?;
                    }
                }
                _ => {}
            }
        }
    }
}

/// What the pager prompt of a page looks like.
fn pager_text(platform: Platform, first: usize, last: usize) -> String {
    let b = devices::behaviour(platform);
    if platform == Platform::PaloaltoPanos {
        format!("lines {first}-{last} ")
    } else {
        b.pager.to_string()
    }
}

fn erase(platform: Platform, shown: &str) -> Vec<u8> {
    let n = shown.chars().count();
    match devices::behaviour(platform).erase {
        Erase::Backspaces => {
            let mut v = vec![0x08u8; n];
            v.extend(std::iter::repeat_n(b' ', n));
            v.extend(std::iter::repeat_n(0x08u8, n));
            v
        }
        Erase::CarriageReturn => {
            let mut v = vec![b'\r'];
            v.extend(std::iter::repeat_n(b' ', n));
            v.push(b'\r');
            v
        }
        Erase::AnsiLeft => format!("\x1b[{n}D{}\x1b[{n}D", " ".repeat(n)).into_bytes(),
    }
}

/// Print lines through the pager (when paging is on); stops early when the user quits.
async fn paged<I, S>(
    io: &mut Io,
    console: &mut Console,
    rows: &AtomicU32,
    lines: I,
) -> Result<(), Gone>
where
    I: Iterator<Item = S>,
    S: AsRef<str>,
{
    console.set_rows(rows.load(Ordering::Relaxed));
    let page = if console.take_no_more() {
        None
    } else {
        console.page_len()
    };
    let platform = console.platform();
    let mut on_page = 0usize;
    for (printed, line) in lines.enumerate() {
        if let Some(page) = page {
            if on_page >= page {
                let prompt = pager_text(platform, printed + 1 - on_page, printed);
                io.write(prompt.as_bytes()).await?;
                let key = io.byte().await?;
                io.write(&erase(platform, &prompt)).await?;
                match key {
                    b' ' => on_page = 0,
                    b'\r' | b'\n' => on_page = page - 1,
                    b'q' | b'Q' | 0x03 => {
                        return Ok(());
                    }
                    _ => on_page = 0,
                }
            }
        }
        io.text(line.as_ref(), true).await?;
        on_page += 1;
    }
    Ok(())
}

/// Filler lines for the huge fault: an interface table, long enough for `HUGE_BYTES`.
fn huge_lines() -> impl Iterator<Item = String> {
    let mut total = 0usize;
    (0u64..).map_while(move |i| {
        if total >= HUGE_BYTES {
            return None;
        }
        let line = format!(
            "Gi{}/0/{:<3}  uplink-{:06}          connected    {:<4}  a-full a-1000 10/100/1000BaseTX\n",
            i / 48 % 9 + 1,
            i % 48 + 1,
            i,
            i % 4000 + 1
        );
        total += line.len();
        Some(line)
    })
}

/// The output faults, shared by shell and exec. `Ok(true)` = the output was fully delivered.
async fn faulty_output(
    io: &mut Io,
    text: &str,
    crlf: bool,
    fault: Fault,
    killer: Option<&Arc<OwnedFd>>,
) -> Result<(), Gone> {
    match fault {
        Fault::Hang => {
            io.until_closed().await;
            Err(Gone)
        }
        Fault::Drip => {
            io.flush().await?;
            let bytes: Vec<u8> = text.bytes().collect();
            if bytes.is_empty() {
                io.until_closed().await;
                return Err(Gone);
            }
            for b in bytes.iter().cycle() {
                io.write(&[*b]).await?;
                io.flush().await?;
                tokio::time::sleep(DRIP_EVERY).await;
            }
            Err(Gone)
        }
        Fault::Disconnect => {
            let cut_at = text.len() * 2 / 5;
            let cut_at = (0..=cut_at)
                .rev()
                .find(|i| text.is_char_boundary(*i))
                .unwrap_or(0);
            io.text(&text[..cut_at], crlf).await?;
            io.flush().await?;
            // Let the partial output leave before the connection drops.
            tokio::time::sleep(Duration::from_millis(20)).await;
            if let Some(fd) = killer {
                cut(fd);
            }
            io.until_closed().await;
            Err(Gone)
        }
        Fault::AnsiBomb => {
            io.text(text, crlf).await?;
            let bomb = b"x\x1b[4096C".repeat(ANSI_BOMB_BYTES / 8);
            io.write(&bomb).await?;
            io.text("\n", crlf).await
        }
        _ => io.text(text, crlf).await,
    }
}

/// Log lines without end, as fast as the client takes them, until it goes away.
async fn stream_forever(io: &mut Io, crlf: bool) -> Gone {
    for i in 0u64.. {
        let line = format!(
            "%LINK-3-UPDOWN: Interface Gi1/0/{}, changed state to up\n",
            i % 48
        );
        if io.text(&line, crlf).await.is_err() {
            break;
        }
    }
    Gone
}

async fn shell(
    io: &mut Io,
    mut console: Console,
    dev: &DeviceRt,
    killer: Option<Arc<OwnedFd>>,
    rows: Arc<AtomicU32>,
) {
    let _ = shell_inner(io, &mut console, dev, killer, &rows).await;
}

/// What a terminal shows between SSH login and the first prompt: the banner, and the
/// questions some devices ask there. `Ok(false)` = the device ended the session.
async fn before_prompt(io: &mut Io, console: &Console, dev: &DeviceRt) -> Result<bool, Gone> {
    match dev.fault {
        Some(Fault::AuthzFailed) => {
            io.text("% Authorization failed.\n", true).await?;
            return Ok(false);
        }
        Some(Fault::InbandLogin) => {
            let mut tries = 0;
            loop {
                io.text("\nUser Access Verification\n\nUsername: ", true)
                    .await?;
                let user = io.line(true).await?;
                io.write(b"Password: ").await?;
                let password = io.line(false).await?;
                io.think().await?;
                if user.trim() == dev.username && password == dev.password {
                    break;
                }
                tries += 1;
                if tries == 3 {
                    io.text("% Bad passwords\n", true).await?;
                    return Ok(false);
                }
                io.text("% Login invalid\n", true).await?;
            }
        }
        _ => {}
    }
    io.text(&console.banner(), true).await?;
    if dev.fault == Some(Fault::StreamNoPrompt) {
        return Err(stream_forever(io, true).await);
    }
    if console.press_any_key() {
        io.write(b"Press any key to continue").await?;
        io.byte().await?;
        // ProCurve clears the screen and homes the cursor before the first prompt.
        io.write(b"\x1b[2J\x1b[?7l\x1b[3;23r\x1b[?6l\x1b[1;1H\r\n")
            .await?;
    }
    match dev.fault {
        Some(Fault::AckBanner) => {
            io.text(
                "WARNING: authorised use only. All activity is logged.\n(Press 'a' to accept):",
                true,
            )
            .await?;
            if !matches!(io.byte().await?, b'a' | b'A') {
                return Ok(false);
            }
            io.write(b"\r\n").await?;
        }
        Some(Fault::PasswordExpired) => {
            io.text(
                "Info: Your password has expired.\nThe password needs to be changed. Change now? [Y/N]:",
                true,
            )
            .await?;
            let answer = io.line(true).await?;
            if !answer.trim().eq_ignore_ascii_case("n") {
                io.write(b"Please enter old password: ").await?;
                return Ok(false);
            }
        }
        _ => {}
    }
    if let Some(line) = console.above_first_prompt() {
        io.text(line, true).await?;
    }
    Ok(true)
}

async fn shell_inner(
    io: &mut Io,
    console: &mut Console,
    dev: &DeviceRt,
    killer: Option<Arc<OwnedFd>>,
    rows: &AtomicU32,
) -> Result<(), Gone> {
    let fault = dev.fault;
    if !before_prompt(io, console, dev).await? {
        return Ok(());
    }
    loop {
        io.text(&console.prompt(), true).await?;
        let line = io.line(true).await?;
        if line.trim().is_empty() {
            continue;
        }
        io.think().await?;
        let mut reply = console.line(&line);
        while reply == Reply::Password {
            io.write(b"Password: ").await?;
            let secret = io.line(false).await?;
            io.think().await?;
            reply = console.secret(&secret);
        }
        match reply {
            Reply::Close => return Ok(()),
            Reply::Password => {}
            Reply::Text { text, output } => match fault {
                Some(f) if output && f.hits_output() => {
                    if f == Fault::Huge {
                        paged(io, console, rows, text.split_inclusive('\n')).await?;
                        paged(io, console, rows, huge_lines()).await?;
                    } else {
                        faulty_output(io, &text, true, f, killer.as_ref()).await?;
                    }
                }
                _ => paged(io, console, rows, text.split_inclusive('\n')).await?,
            },
        }
    }
}

async fn exec(
    io: &mut Io,
    mut console: Console,
    fault: Option<Fault>,
    killer: Option<Arc<OwnedFd>>,
    cmd: &str,
) {
    let crlf = devices::behaviour(console.platform()).exec_crlf;
    let run = async {
        io.think().await?;
        let (text, status, output) = console.exec(cmd);
        match fault {
            Some(Fault::StreamNoPrompt) => return Err(stream_forever(io, crlf).await),
            Some(Fault::Huge) if output => {
                io.text(&text, crlf).await?;
                for line in huge_lines() {
                    io.text(&line, crlf).await?;
                }
            }
            Some(f) if output && f.hits_output() => {
                faulty_output(io, &text, crlf, f, killer.as_ref()).await?;
            }
            _ => io.text(&text, crlf).await?,
        }
        io.flush().await?;
        io.out.exit_status(status).await.map_err(|_| Gone)
    };
    let _ = run.await;
}
