//! Jump hosts (`-J/--jump`, inventory column `jump`), as `ssh -J` has them: a device reached
//! through a `direct-tcpip` channel of an SSH session to a bastion, or through a chain of them.
//!
//! All devices behind a bastion share a few sessions to it, each carrying many channels, so a
//! thousand devices cost a handful of bastion logins (sshd drops unauthenticated connections
//! beyond `MaxStartups`, 10 by default, and each login costs the bastion tens of milliseconds
//! of CPU). A bastion that cannot be reached, refuses the login or shows the wrong host key
//! fails every device behind it at once with kind `jump`, and is logged once.
//!
//! A libssh2 session must not be used by two threads at once, and in non-blocking mode a send
//! that returned EAGAIN must be repeated before anything else is sent. So each bastion session
//! belongs to one pump thread that runs it non-blocking and moves bytes between its channels
//! and socket pairs; the other end of each pair is a device's own SSH session, which neither
//! knows nor cares that it is tunnelled.

use super::algorithms::Choice;
use super::hostkeys::HostKeyStore;
use super::{
    is_eagain, tcp_connect, Connection, Credentials, Socket, LIBSSH2_ERROR_SOCKET_DISCONNECT,
    LIBSSH2_ERROR_SOCKET_RECV, LIBSSH2_ERROR_SOCKET_SEND,
};
use crate::deadline::Deadline;
use crate::error::{DeviceError, ErrorKind};
use crate::secret::Secret;
use crate::settings::{KeyFile, Target};
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::io::{ErrorKind as IoKind, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// The bastions' own password, kept apart from the devices' (`NETINV_PASSWORD`): a device
/// password is never sent to a bastion.
pub const ENV_JUMP_PASSWORD: &str = "NETINV_JUMP_PASSWORD";

/// Sessions at most per bastion (per chain of hops).
const SESSIONS_PER_BASTION: usize = 4;
/// Channels one session carries before another session is opened beside it, while there are
/// fewer than `SESSIONS_PER_BASTION`. Past that, the least busy session takes the next device.
const CHANNELS_BEFORE_ANOTHER_SESSION: usize = 64;
/// Bytes moved per read; libssh2 sends at most 32,700 data bytes in one packet.
const CHUNK: usize = 32 * 1024;

/// One jump host: `[user@]host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Hop {
    /// The login name, if the hop names one.
    pub user: Option<String>,
    /// The jump host's address.
    pub host: String,
    /// As written; ssh_config's `Port` for the host, else 22, when not.
    pub port: Option<u16>,
}

impl fmt::Display for Hop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(u) = &self.user {
            write!(f, "{u}@")?;
        }
        match (self.port, self.host.contains(':')) {
            (Some(p), true) => write!(f, "[{}]:{p}", self.host),
            (Some(p), false) => write!(f, "{}:{p}", self.host),
            (None, _) => f.write_str(&self.host),
        }
    }
}

/// The jump hosts to a device, first hop first; none at all means "connect directly"
/// (`none`, as in ssh_config, so a row can opt out of `--jump`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JumpRoute {
    hops: Vec<Hop>,
}

impl JumpRoute {
    /// `[user@]host[:port][,[user@]host[:port]…]` as `ssh -J` takes it, or `none`.
    pub fn parse(text: &str) -> Result<JumpRoute, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("none") {
            return Ok(JumpRoute::default());
        }
        let hops = text
            .split(',')
            .map(|h| parse_hop(h.trim()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(JumpRoute { hops })
    }

    /// Whether there is no jump host.
    pub fn is_direct(&self) -> bool {
        self.hops.is_empty()
    }

    /// The jump hosts, first one first.
    pub fn hops(&self) -> &[Hop] {
        &self.hops
    }
}

impl fmt::Display for JumpRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.hops.is_empty() {
            return f.write_str("none");
        }
        for (i, h) in self.hops.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{h}")?;
        }
        Ok(())
    }
}

fn parse_hop(text: &str) -> Result<Hop, String> {
    let bad = |why: &str| format!("jump host '{}': {why}", text.escape_debug());
    if text.is_empty() {
        return Err(bad(
            "empty (write [user@]host[:port], hops separated by commas)",
        ));
    }
    let (user, rest) = match text.rsplit_once('@') {
        Some((u, r)) if !u.is_empty() => (Some(u.to_string()), r),
        Some(_) => return Err(bad("no user before '@'")),
        None => (None, text),
    };
    let (host, port) = if let Some(inner) = rest.strip_prefix('[') {
        let (host, after) = inner
            .split_once(']')
            .ok_or_else(|| bad("'[' without ']'"))?;
        match after {
            "" => (host, None),
            p => (
                host,
                Some(
                    p.strip_prefix(':')
                        .ok_or_else(|| bad("only ':port' may follow ']'"))?,
                ),
            ),
        }
    } else {
        match rest.matches(':').count() {
            0 => (rest, None),
            1 => {
                let (h, p) = rest.split_once(':').unwrap_or((rest, ""));
                (h, Some(p))
            }
            // A bare IPv6 address; a port needs brackets.
            _ => (rest, None),
        }
    };
    if host.is_empty() {
        return Err(bad("no host"));
    }
    if host
        .chars()
        .any(|c| c.is_whitespace() || c == '/' || c == '@')
    {
        return Err(bad("not a host name or address"));
    }
    let port = match port {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => Some(n),
            _ => return Err(bad(&format!("port '{}' is not 1-65535", p.escape_debug()))),
        },
    };
    Ok(Hop {
        user,
        host: host.to_string(),
        port,
    })
}

/// How netinv logs in to bastions: the run's user, key and agent unless a hop names its own
/// user; a password only from `NETINV_JUMP_PASSWORD`.
#[derive(Debug, Clone, Default)]
pub struct JumpLogin {
    /// The login name for the jump hosts.
    pub username: Option<String>,
    /// The password for the jump hosts.
    pub password: Option<Secret>,
    /// The private key for the jump hosts.
    pub key: Option<KeyFile>,
    /// Offer the keys of a running ssh-agent.
    pub agent: bool,
    /// Bastions named by an ssh_config alias take its HostName, User, Port and IdentityFile
    /// (its User and IdentityFile only where `-u` and `--key` were not given).
    pub ssh_config: Option<Arc<crate::ssh_config::SshConfig>>,
    /// `-u` was given: it wins over a bastion's ssh_config `User`.
    pub username_given: bool,
    /// `--key` was given: it wins over a bastion's ssh_config `IdentityFile`.
    pub key_given: bool,
    /// `--host-key-policy` and `--known-hosts` were given: they win over a bastion's
    /// `StrictHostKeyChecking` and `UserKnownHostsFile` in ssh_config.
    pub host_key_policy_given: bool,
    /// `--known-hosts` was given (see `host_key_policy_given`).
    pub known_hosts_given: bool,
}

impl JumpLogin {
    fn host_key_rule(
        &self,
        ssh: &crate::ssh_config::HostConfig,
        host: &str,
        port: u16,
        user: &str,
        original: &str,
    ) -> super::hostkeys::HostKeyRule {
        let tokens = super::proxy::Tokens {
            host,
            port,
            user,
            original,
        };
        ssh.host_key_rule(self.host_key_policy_given, self.known_hosts_given, &tokens)
    }
}

/// Every bastion of a run, by the chain of hops that leads to it.
pub struct Jumps {
    login: JumpLogin,
    bastions: Mutex<HashMap<Vec<Hop>, Arc<Bastion>>>,
}

impl Jumps {
    /// Jump connections that log in as `login` says.
    pub fn new(login: JumpLogin) -> Self {
        Jumps {
            login,
            bastions: Mutex::default(),
        }
    }

    /// A stream to `host:port` through `route`, opened under the device's deadline. The
    /// device's own SSH session runs over it.
    pub(super) fn stream(
        &self,
        route: &JumpRoute,
        host: &str,
        port: u16,
        host_keys: &HostKeyStore,
        connect_timeout: Duration,
        deadline: Deadline,
    ) -> Result<UnixStream, DeviceError> {
        let way = Way {
            jumps: self,
            host_keys,
            connect_timeout,
            deadline,
        };
        way.through(route.hops(), host, port)
    }
}

/// What every step towards one device shares: the run's bastions and host keys, and the
/// device's time.
struct Way<'a> {
    jumps: &'a Jumps,
    host_keys: &'a HostKeyStore,
    connect_timeout: Duration,
    deadline: Deadline,
}

impl Way<'_> {
    /// A stream to `host:port` through the bastion at the end of `hops`.
    fn through(&self, hops: &[Hop], host: &str, port: u16) -> Result<UnixStream, DeviceError> {
        let deadline = self.deadline;
        let bastion = {
            let mut map = lock(&self.jumps.bastions);
            Arc::clone(map.entry(hops.to_vec()).or_insert_with(|| {
                Arc::new(Bastion {
                    name: describe(hops),
                    state: Mutex::default(),
                    changed: Condvar::new(),
                })
            }))
        };
        let pump = bastion.session(self, hops)?;
        match pump.open(host, port, deadline) {
            // The session died under this device (the bastion dropped it while idle, say):
            // one more try, on a fresh one.
            Err(e) if e.kind == ErrorKind::Jump && !pump.alive.load(Ordering::SeqCst) => {
                let pump = bastion.session(self, hops)?;
                pump.open(host, port, deadline)
            }
            r => r,
        }
    }
}

impl Drop for Jumps {
    fn drop(&mut self) {
        for b in lock(&self.bastions).values() {
            for p in &lock(&b.state).sessions {
                p.stop();
            }
        }
    }
}

/// `user@host:port`, or for a later hop `user@host:port via first:22`.
fn describe(hops: &[Hop]) -> String {
    match hops.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, before)) => format!(
            "{last} (via {})",
            before
                .iter()
                .map(Hop::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => String::new(),
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// One bastion: its sessions, and whether it failed for good.
struct Bastion {
    name: String,
    state: Mutex<BastionState>,
    changed: Condvar,
}

#[derive(Default)]
struct BastionState {
    sessions: Vec<Arc<Pump>>,
    logging_in: bool,
    /// The bastion failed: every device behind it fails with this, at once.
    failed: Option<DeviceError>,
    /// Adding a session failed while others work: keep to those (another try could lock
    /// the account).
    no_more: bool,
}

impl Bastion {
    /// A session with room for one more channel (counted as taken), logging in when there is
    /// none or all are busy. One login at a time; the others wait for it, under their deadline.
    fn session(&self, way: &Way<'_>, hops: &[Hop]) -> Result<Arc<Pump>, DeviceError> {
        let deadline = way.deadline;
        let mut st = lock(&self.state);
        loop {
            if let Some(e) = &st.failed {
                return Err(e.clone());
            }
            st.sessions.retain(|p| p.alive.load(Ordering::SeqCst));
            let best = st
                .sessions
                .iter()
                .min_by_key(|p| p.load.load(Ordering::SeqCst))
                .cloned();
            let want_another = match &best {
                None => true,
                Some(p) => {
                    p.load.load(Ordering::SeqCst) >= CHANNELS_BEFORE_ANOTHER_SESSION
                        && st.sessions.len() < SESSIONS_PER_BASTION
                        && !st.no_more
                }
            };
            if want_another && !st.logging_in {
                st.logging_in = true;
                drop(st);
                let result = self.login(way, hops);
                st = lock(&self.state);
                st.logging_in = false;
                self.changed.notify_all();
                match result {
                    Ok(pump) => {
                        st.sessions.push(Arc::clone(&pump));
                        pump.load.fetch_add(1, Ordering::SeqCst);
                        return Ok(pump);
                    }
                    // This device ran out of time while logging in: the bastion may be fine.
                    Err(e) if e.kind == ErrorKind::Timeout && deadline.expired() => return Err(e),
                    Err(e) if best.is_some() => {
                        tracing::warn!(
                            "another session to jump host {} failed, going on with {}: {e}",
                            self.name,
                            st.sessions.len()
                        );
                        st.no_more = true;
                        continue;
                    }
                    Err(e) => {
                        tracing::warn!("{e} (every device behind it fails with this; logged once)");
                        st.failed = Some(e.clone());
                        return Err(e);
                    }
                }
            }
            if let Some(p) = best {
                p.load.fetch_add(1, Ordering::SeqCst);
                return Ok(p);
            }
            let left = deadline.remaining();
            if left.is_zero() {
                return Err(DeviceError::new(
                    ErrorKind::Timeout,
                    format!(
                        "the login to jump host {} did not finish before the deadline",
                        self.name
                    ),
                ));
            }
            st = self
                .changed
                .wait_timeout(st, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Connect (directly, or through the hops before this one), check the host key, log in,
    /// and hand the session to a pump thread.
    fn login(&self, way: &Way<'_>, hops: &[Hop]) -> Result<Arc<Pump>, DeviceError> {
        let deadline = way.deadline;
        let Some((hop, before)) = hops.split_last() else {
            return Err(DeviceError::new(ErrorKind::Jump, "no jump host"));
        };
        let failed = |e: DeviceError| {
            if e.kind == ErrorKind::Jump || (e.kind == ErrorKind::Timeout && deadline.expired()) {
                // An earlier hop failed (and said so), or this device's time ran out.
                e
            } else {
                DeviceError::new(
                    ErrorKind::Jump,
                    format!("jump host {} failed: {}: {}", self.name, e.kind, e.message),
                )
            }
        };
        let login = &way.jumps.login;
        // A bastion named by its ssh_config alias is reached as ssh would reach it.
        let ssh = match &login.ssh_config {
            Some(c) => c.host(&hop.host),
            None => Arc::default(),
        };
        let host = ssh.host_name.as_deref().unwrap_or(&hop.host);
        let port = hop.port.or(ssh.port).unwrap_or(22);
        let user = hop
            .user
            .clone()
            .or_else(|| login.username.clone().filter(|_| login.username_given))
            .or_else(|| ssh.user.clone())
            .or_else(|| login.username.clone())
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_default();
        // The first hop is reached as ssh reaches it: its ProxyCommand, if ssh_config gives
        // it one, else TCP. A later hop is reached through the one before.
        let mut proxy = None;
        let socket = match (before.is_empty(), &ssh.proxy_command) {
            (true, Some(template)) => {
                let tokens = super::proxy::Tokens {
                    host,
                    port,
                    user: &user,
                    original: &hop.host,
                };
                let command = super::proxy::expand(template, &tokens)
                    .map_err(|why| {
                        DeviceError::new(
                            ErrorKind::Connect,
                            format!("ssh_config's ProxyCommand: {why}"),
                        )
                    })
                    .map_err(failed)?;
                let (process, stream) =
                    super::proxy::ProxyProcess::spawn(&command).map_err(failed)?;
                proxy = Some(process);
                Socket::Unix(stream)
            }
            (true, None) => {
                let connect_timeout = ssh.connect_timeout.unwrap_or(way.connect_timeout);
                Socket::Tcp(tcp_connect(host, port, connect_timeout, deadline).map_err(failed)?)
            }
            (false, _) => Socket::Unix(way.through(before, host, port).map_err(failed)?),
        };
        let host_keys = login.host_key_rule(&ssh, host, port, &user, &hop.host);
        let target = Target {
            host: host.into(),
            port,
            username: user.into(),
            algorithms: Choice {
                legacy: false,
                edits: ssh.edits.clone(),
            },
            jump: None,
            key: match login.key_given {
                true => None,
                false => ssh.identity_file.clone().map(KeyFile::new),
            },
            connect_timeout: None,
            proxy_command: None,
            host_keys,
        };
        let creds = Credentials {
            password: login.password.as_ref(),
            key: login.key.as_ref(),
            agent: login.agent,
            accept_banner: false,
        };
        let conn = Connection::open_over(
            socket,
            proxy,
            target,
            creds,
            way.host_keys,
            deadline,
            &super::direct_probe,
        )
        .map_err(failed)?;
        tracing::debug!(jump = %self.name, "logged in to jump host");
        Pump::start(conn, self.name.clone()).map_err(failed)
    }
}

/// What a device asks a pump for: a channel to `host:port`.
struct Request {
    host: String,
    port: u16,
    deadline: Deadline,
    reply: mpsc::SyncSender<Result<UnixStream, DeviceError>>,
}

/// The shared half of a bastion session: the pump thread owns the session itself.
struct Pump {
    name: String,
    queue: Mutex<Vec<Request>>,
    /// One byte written here wakes the pump from `poll`.
    wake: UnixStream,
    /// Channels open or asked for.
    load: AtomicUsize,
    alive: AtomicBool,
    stopping: AtomicBool,
}

impl Pump {
    fn start(conn: Connection, name: String) -> Result<Arc<Pump>, DeviceError> {
        let io = |e: std::io::Error| {
            DeviceError::new(ErrorKind::Protocol, format!("cannot start the pump: {e}"))
        };
        let (wake, wake_rx) = UnixStream::pair().map_err(io)?;
        wake.set_nonblocking(true).map_err(io)?;
        wake_rx.set_nonblocking(true).map_err(io)?;
        let pump = Arc::new(Pump {
            name,
            queue: Mutex::default(),
            wake,
            load: AtomicUsize::new(0),
            alive: AtomicBool::new(true),
            stopping: AtomicBool::new(false),
        });
        let shared = Arc::clone(&pump);
        std::thread::Builder::new()
            .name("netinv-jump".into())
            .stack_size(512 * 1024)
            .spawn(move || {
                let why = Runner::new(conn, wake_rx, &shared).run();
                shared.alive.store(false, Ordering::SeqCst);
                // Whoever still waits for a channel hears why there will be none.
                for r in lock(&shared.queue).drain(..) {
                    let _ = r.reply.send(Err(why.clone()));
                }
            })
            .map_err(io)?;
        Ok(pump)
    }

    fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        let _ = (&self.wake).write(&[1]);
    }

    /// A channel to `host:port`, or why not, before the deadline. The caller already counted
    /// it in `load`; the pump uncounts it when the channel closes or cannot be opened.
    fn open(&self, host: &str, port: u16, deadline: Deadline) -> Result<UnixStream, DeviceError> {
        let (reply, answer) = mpsc::sync_channel(1);
        lock(&self.queue).push(Request {
            host: host.to_string(),
            port,
            deadline,
            reply,
        });
        let _ = (&self.wake).write(&[1]);
        match answer.recv_timeout(deadline.remaining()) {
            Ok(r) => r,
            Err(mpsc::RecvTimeoutError::Timeout) => Err(DeviceError::new(
                ErrorKind::Timeout,
                format!(
                    "opening a channel to {host}:{port} through jump host {} did not finish \
                     before the deadline",
                    self.name
                ),
            )),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(self.lost()),
        }
    }

    fn lost(&self) -> DeviceError {
        DeviceError::new(
            ErrorKind::Jump,
            format!("jump host {}: the session to it ended", self.name),
        )
    }
}

/// One channel and the socket pair end it is pumped into.
struct Tunnel {
    channel: ssh2::Channel,
    local: UnixStream,
    /// From the channel, not yet taken by the device side.
    down: Vec<u8>,
    /// From the device side, not yet accepted by the channel (libssh2 may have queued the
    /// packet already: the same bytes are offered again until it says how many it took).
    up: Vec<u8>,
    remote_eof: bool,
    local_eof: bool,
    closing: bool,
}

/// The pump thread's state.
struct Runner<'a> {
    conn: Connection,
    wake: UnixStream,
    shared: &'a Pump,
    tunnels: Vec<Tunnel>,
    waiting: VecDeque<Request>,
    /// The channel being opened: libssh2 opens one at a time per session.
    opening: Option<Request>,
    scratch: Vec<u8>,
}

impl<'a> Runner<'a> {
    fn new(conn: Connection, wake: UnixStream, shared: &'a Pump) -> Self {
        conn.session.set_blocking(false);
        Runner {
            conn,
            wake,
            shared,
            tunnels: Vec::new(),
            waiting: VecDeque::new(),
            opening: None,
            scratch: vec![0; CHUNK],
        }
    }

    /// Pump until stopped or the session dies; returns what devices still waiting are told.
    fn run(mut self) -> DeviceError {
        let mut fds: Vec<libc::pollfd> = Vec::new();
        let mut bastion_ready = true;
        loop {
            if self.shared.stopping.load(Ordering::SeqCst) {
                return self.shared.lost();
            }
            let mut drain = [0u8; 64];
            while matches!((&self.wake).read(&mut drain), Ok(n) if n > 0) {}
            self.waiting.extend(lock(&self.shared.queue).drain(..));

            let readable: Vec<bool> = self
                .tunnels
                .iter()
                .enumerate()
                .map(|(i, _)| {
                    fds.get(i + 2).is_some_and(|f| {
                        f.revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) != 0
                    })
                })
                .collect();
            let progress = match self.pass(bastion_ready, &readable) {
                Ok(p) => p,
                Err(e) => return e,
            };

            // Everything libssh2 already read off the socket has been handed out, unless a
            // later call queued data for a channel an earlier one had passed over.
            let queued = self.tunnels.iter().any(|t| {
                !t.closing
                    && t.down.is_empty()
                    && !t.remote_eof
                    && (t.channel.read_window().available > 0 || t.channel.eof())
            });
            let outbound = matches!(
                self.conn.session.block_directions(),
                ssh2::BlockDirections::Outbound | ssh2::BlockDirections::Both
            );
            let timeout = if progress || queued {
                0
            } else if self.opening.is_some() || self.tunnels.iter().any(|t| t.closing) {
                // A close or an open confirmation may have been read by a later call.
                20
            } else {
                1000
            };
            // Listen to the bastion only while some call will read what it sends: data nobody
            // reads would wake every poll at once.
            let reader = self.opening.is_some()
                || self
                    .tunnels
                    .iter()
                    .any(|t| t.closing || (t.down.is_empty() && !t.remote_eof));
            fds.clear();
            fds.push(pollfd(
                self.conn.socket.as_raw_fd(),
                if reader { libc::POLLIN } else { 0 } | if outbound { libc::POLLOUT } else { 0 },
            ));
            fds.push(pollfd(self.wake.as_raw_fd(), libc::POLLIN));
            for t in &self.tunnels {
                let mut ev = 0;
                if t.up.is_empty() && !t.local_eof && !t.closing {
                    ev |= libc::POLLIN;
                }
                if !t.down.is_empty() {
                    ev |= libc::POLLOUT;
                }
                // poll reports a hang-up whether asked or not: a socket with nothing wanted
                // from it stays out, or a closed device side would wake every poll at once.
                let fd = if ev == 0 { -1 } else { t.local.as_raw_fd() };
                fds.push(pollfd(fd, ev));
            }
            // SAFETY: `fds` is a valid array of `fds.len()` pollfd structs for the call.
            let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout) };
            if n < 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() != IoKind::Interrupted {
                    return self.died(&format!("poll: {e}"));
                }
            }
            let b = fds[0].revents;
            if b & (libc::POLLHUP | libc::POLLERR) != 0 && b & libc::POLLIN == 0 {
                return self.died("the connection closed");
            }
            bastion_ready = b & (libc::POLLIN | libc::POLLOUT) != 0 || progress || queued;
        }
    }

    /// One round over opens, closes and every channel's data. Ok(true) when something moved.
    fn pass(&mut self, bastion_ready: bool, readable: &[bool]) -> Result<bool, DeviceError> {
        let mut progress = false;
        // Closing channels first: a close waits for the bastion's answer.
        let mut i = 0;
        while i < self.tunnels.len() {
            if self.tunnels[i].closing {
                match self.tunnels[i].channel.close() {
                    Err(e) if is_eagain(&e) => i += 1,
                    _ => {
                        self.tunnels.swap_remove(i);
                        self.shared.load.fetch_sub(1, Ordering::SeqCst);
                        progress = true;
                    }
                }
            } else {
                i += 1;
            }
        }

        // Reading one channel drains the socket into every channel's queue; after that a
        // channel is read only when libssh2 holds something for it.
        let mut drained = !bastion_ready;
        for (i, t) in self.tunnels.iter_mut().enumerate() {
            if t.closing {
                continue;
            }
            let local_ready = readable.get(i).copied().unwrap_or(false);
            progress |= t.step(&mut self.scratch, &mut drained, local_ready);
        }
        progress |= self.open_next()?;
        Ok(progress)
    }

    /// Start or continue opening a channel for the next device that asked. Err when the
    /// session itself is gone.
    fn open_next(&mut self) -> Result<bool, DeviceError> {
        if self.opening.is_none() {
            // Devices whose deadline passed stopped waiting: do not open for them.
            while let Some(r) = self.waiting.pop_front() {
                if r.deadline.expired() {
                    self.shared.load.fetch_sub(1, Ordering::SeqCst);
                    continue;
                }
                self.opening = Some(r);
                break;
            }
        }
        let Some(req) = &self.opening else {
            return Ok(false);
        };
        let result = self
            .conn
            .session
            .channel_direct_tcpip(&req.host, req.port, None);
        match &result {
            Err(e) if is_eagain(e) => return Ok(false),
            Err(e) if is_socket_error(e) => return Err(self.died(e.message())),
            _ => {}
        }
        let Some(req) = self.opening.take() else {
            return Ok(false);
        };
        match result.map_err(|e| e.message().to_string()).and_then(|ch| {
            let (mine, theirs) = UnixStream::pair().map_err(|e| e.to_string())?;
            mine.set_nonblocking(true).map_err(|e| e.to_string())?;
            Ok((ch, mine, theirs))
        }) {
            Ok((channel, local, theirs)) => {
                let gone = req.reply.send(Ok(theirs)).is_err();
                self.tunnels.push(Tunnel {
                    channel,
                    local,
                    down: Vec::new(),
                    up: Vec::new(),
                    remote_eof: false,
                    local_eof: false,
                    closing: gone,
                });
            }
            Err(why) => {
                self.shared.load.fetch_sub(1, Ordering::SeqCst);
                let _ = req.reply.send(Err(channel_refused(
                    &self.shared.name,
                    &req.host,
                    req.port,
                    &why,
                )));
            }
        }
        Ok(true)
    }

    fn died(&mut self, why: &str) -> DeviceError {
        tracing::warn!("session to jump host {} ended: {why}", self.shared.name);
        for r in self.waiting.drain(..).chain(self.opening.take()) {
            let _ = r.reply.send(Err(self.shared.lost()));
        }
        self.shared.lost()
    }
}

impl Drop for Runner<'_> {
    fn drop(&mut self) {
        // The devices' sessions see their connection end; the bastion session is dropped
        // without waiting on the network (see `Connection`).
        for t in &self.tunnels {
            let _ = t.local.shutdown(std::net::Shutdown::Both);
        }
        self.shared.load.store(0, Ordering::SeqCst);
    }
}

impl Tunnel {
    /// Move what can be moved each way without blocking. True when something moved.
    fn step(&mut self, scratch: &mut [u8], drained: &mut bool, local_ready: bool) -> bool {
        let mut progress = false;
        // Bastion → device.
        while self.down.is_empty() && !self.remote_eof {
            if *drained && self.channel.read_window().available == 0 && !self.channel.eof() {
                break;
            }
            *drained = true;
            match self.channel.read(scratch) {
                Ok(0) => {
                    if self.channel.eof() {
                        self.remote_eof = true;
                        let _ = self.local.shutdown(std::net::Shutdown::Write);
                        progress = true;
                    }
                    break;
                }
                Ok(n) => {
                    progress = true;
                    match write_some(&self.local, &scratch[..n]) {
                        Ok(w) => self.down.extend_from_slice(&scratch[w..n]),
                        Err(_) => {
                            self.closing = true;
                            return true;
                        }
                    }
                }
                Err(e) if e.kind() == IoKind::WouldBlock => break,
                Err(_) => {
                    self.closing = true;
                    return true;
                }
            }
        }
        if !self.down.is_empty() {
            match write_some(&self.local, &self.down) {
                Ok(0) => {}
                Ok(w) => {
                    self.down.drain(..w);
                    progress = true;
                }
                Err(_) => {
                    self.closing = true;
                    return true;
                }
            }
        }
        // Device → bastion.
        if self.up.is_empty() && !self.local_eof && local_ready {
            match (&self.local).read(scratch) {
                Ok(0) => {
                    self.local_eof = true;
                    progress = true;
                }
                Ok(n) => {
                    self.up.extend_from_slice(&scratch[..n]);
                    progress = true;
                }
                Err(e) if e.kind() == IoKind::WouldBlock || e.kind() == IoKind::Interrupted => {}
                Err(_) => {
                    self.closing = true;
                    return true;
                }
            }
        }
        while !self.up.is_empty() {
            match self.channel.write(&self.up) {
                Ok(n) => {
                    self.up.drain(..n);
                    progress = true;
                }
                Err(e) if e.kind() == IoKind::WouldBlock => break,
                Err(_) => {
                    self.closing = true;
                    return true;
                }
            }
        }
        // The device side is done (its session was dropped) and all it sent has gone out.
        if self.local_eof && self.up.is_empty() {
            self.closing = true;
            progress = true;
        }
        progress
    }
}

/// Why a bastion did not open a channel to a device. The bastion refusing to forward at all
/// (sshd's `AllowTcpForwarding no`, `DisableForwarding`, a `restrict` key) is the bastion's
/// failure, kind `jump`; a device it cannot connect to is `connect`. libssh2 gives the same
/// error code for every reason the server sends and names the reason only in its message
/// (channel.c, one fixed text per RFC 4254 reason code), so the message is what tells them
/// apart.
fn channel_refused(bastion: &str, host: &str, port: u16, why: &str) -> DeviceError {
    if why.contains("administratively prohibited") {
        DeviceError::new(
            ErrorKind::Jump,
            format!(
                "jump host {bastion} refused to forward a connection to {host}:{port} \
                 (TCP forwarding is not allowed there: sshd's AllowTcpForwarding, \
                 DisableForwarding or the key's restrictions): {why}"
            ),
        )
    } else {
        DeviceError::new(
            ErrorKind::Connect,
            format!("jump host {bastion} could not open a connection to {host}:{port}: {why}"),
        )
    }
}

/// Write what the socket takes now; 0 when it takes nothing.
fn write_some(s: &UnixStream, data: &[u8]) -> std::io::Result<usize> {
    match (&*s).write(data) {
        Ok(n) => Ok(n),
        Err(e) if e.kind() == IoKind::WouldBlock || e.kind() == IoKind::Interrupted => Ok(0),
        Err(e) => Err(e),
    }
}

/// The session's connection is gone: nothing more can go over it.
fn is_socket_error(e: &ssh2::Error) -> bool {
    matches!(
        e.code(),
        ssh2::ErrorCode::Session(
            LIBSSH2_ERROR_SOCKET_DISCONNECT | LIBSSH2_ERROR_SOCKET_RECV | LIBSSH2_ERROR_SOCKET_SEND
        )
    )
}

fn pollfd(fd: i32, events: i16) -> libc::pollfd {
    libc::pollfd {
        fd,
        events,
        revents: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hop(user: Option<&str>, host: &str, port: Option<u16>) -> Hop {
        Hop {
            user: user.map(String::from),
            host: host.into(),
            port,
        }
    }

    #[test]
    fn jump_specs_read_as_ssh_j_reads_them() {
        let r = JumpRoute::parse("ops@bastion1:2222, bastion2 ,[2001:db8::1]:22,fe80::1").unwrap();
        assert_eq!(
            r.hops(),
            &[
                hop(Some("ops"), "bastion1", Some(2222)),
                hop(None, "bastion2", None),
                hop(None, "2001:db8::1", Some(22)),
                hop(None, "fe80::1", None),
            ]
        );
        assert_eq!(
            r.to_string(),
            "ops@bastion1:2222,bastion2,[2001:db8::1]:22,fe80::1"
        );
        assert!(JumpRoute::parse("none").unwrap().is_direct());
        assert!(JumpRoute::parse("NONE").unwrap().is_direct());
    }

    #[test]
    fn bad_jump_specs_say_what_is_wrong() {
        for (spec, says) in [
            ("", "empty"),
            ("a,,b", "empty"),
            ("@host", "no user"),
            ("host:0", "1-65535"),
            ("host:ssh", "1-65535"),
            ("[::1", "without ']'"),
            ("[::1]x", "only ':port'"),
            ("ho st", "not a host"),
            ("user@:22", "no host"),
        ] {
            let err = JumpRoute::parse(spec).unwrap_err();
            assert!(err.contains(says), "{spec:?}: {err}");
        }
    }
}
