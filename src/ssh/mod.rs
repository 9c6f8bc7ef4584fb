//! SSH transport on ssh2 (libssh2): connect, handshake, host key, auth and channels, every step
//! under the device's one `Deadline`, with cleanup that never blocks.

pub mod algorithms;
pub mod channel_io;
pub mod exec;
pub mod hostkeys;
pub mod jump;
pub mod proxy;
pub mod shell;
pub mod text;
pub mod wait;

use crate::deadline::Deadline;
use crate::error::{DeviceError, ErrorKind};
use crate::secret::Secret;
use crate::settings::{KeyFile, Target};
use algorithms::{Negotiated, Supported};
use hostkeys::{HostKeyStore, PresentedKey};
use jump::Jumps;
use ssh2::{ErrorCode, HashType, Session};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::mpsc;
use std::time::Duration;
use tracing::debug;

// libssh2 error codes (libssh2.h) this module tells apart.
const LIBSSH2_ERROR_SOCKET_SEND: i32 = -7;
const LIBSSH2_ERROR_KEX_FAILURE: i32 = -5;
const LIBSSH2_ERROR_TIMEOUT: i32 = -9;
const LIBSSH2_ERROR_SOCKET_DISCONNECT: i32 = -13;
const LIBSSH2_ERROR_FILE: i32 = -16;
const LIBSSH2_ERROR_AUTHENTICATION_FAILED: i32 = -18;
const LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED: i32 = -19;
const LIBSSH2_ERROR_CHANNEL_FAILURE: i32 = -21;
const LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED: i32 = -22;
const LIBSSH2_ERROR_EAGAIN: i32 = -37;
const LIBSSH2_ERROR_SOCKET_RECV: i32 = -43;

/// The credentials a device may be tried with, borrowed from the settings.
#[derive(Debug, Clone, Copy)]
pub struct Credentials<'a> {
    /// The password to offer.
    pub password: Option<&'a Secret>,
    /// The private key to offer.
    pub key: Option<&'a KeyFile>,
    /// Offer the keys of a running ssh-agent.
    pub agent: bool,
    /// Answer acknowledgement prompts in keyboard-interactive auth with "yes".
    pub accept_banner: bool,
}

/// What an SSH session runs over: a TCP connection to the device, or one end of a socket pair
/// whose other end a jump host's channel is pumped into.
enum Socket {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Socket {
    fn try_clone(&self) -> std::io::Result<Socket> {
        Ok(match self {
            Socket::Tcp(s) => Socket::Tcp(s.try_clone()?),
            Socket::Unix(s) => Socket::Unix(s.try_clone()?),
        })
    }

    fn shutdown(&self) {
        let _ = match self {
            Socket::Tcp(s) => s.shutdown(Shutdown::Both),
            Socket::Unix(s) => s.shutdown(Shutdown::Both),
        };
    }

    /// The device's address, when connected to it directly.
    fn peer_addr(&self) -> Option<SocketAddr> {
        match self {
            Socket::Tcp(s) => s.peer_addr().ok(),
            Socket::Unix(_) => None,
        }
    }
}

impl AsRawFd for Socket {
    fn as_raw_fd(&self) -> RawFd {
        match self {
            Socket::Tcp(s) => s.as_raw_fd(),
            Socket::Unix(s) => s.as_raw_fd(),
        }
    }
}

/// An authenticated SSH session. Dropping it never blocks: the socket is shut down first.
pub struct Connection {
    // Field order matters: `Drop::drop` runs first and shuts the socket down, so freeing the
    // session and its channels afterwards cannot wait on the network: libssh2's frees block
    // for a whole timeout on a silent peer.
    socket: Socket,
    session: Session,
    /// The ProxyCommand the connection runs over, if any: killed once the session is gone.
    proxy: Option<proxy::ProxyProcess>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.session.set_blocking(false);
        let _ = self.session.disconnect(None, "netinv done", None);
        self.socket.shutdown();
    }
}

impl Connection {
    /// Resolve, connect (directly, through the target's jump hosts or its ProxyCommand),
    /// handshake, check the host key and authenticate, all before `deadline`.
    pub fn open(
        target: Target<'_>,
        creds: Credentials<'_>,
        host_keys: &HostKeyStore,
        jumps: &Jumps,
        connect_timeout: Duration,
        deadline: Deadline,
    ) -> Result<Connection, DeviceError> {
        let connect_timeout = target.connect_timeout.unwrap_or(connect_timeout);
        let mut proxy = None;
        let socket = match (target.jump.as_deref(), &target.proxy_command) {
            (Some(route), _) if !route.is_direct() => Socket::Unix(jumps.stream(
                route,
                &target.host,
                target.port,
                host_keys,
                connect_timeout,
                deadline,
            )?),
            (_, Some(Err(why))) => {
                return Err(DeviceError::new(
                    ErrorKind::Connect,
                    format!("ssh_config's ProxyCommand: {why}"),
                ))
            }
            (_, Some(Ok(command))) => {
                let (process, stream) = proxy::ProxyProcess::spawn(command)?;
                proxy = Some(process);
                Socket::Unix(stream)
            }
            _ => Socket::Tcp(tcp_connect(
                &target.host,
                target.port,
                connect_timeout,
                deadline,
            )?),
        };
        // Asks the device again, the same way, what it offers: to explain a failed key
        // exchange.
        let (host, port) = (target.host.to_string(), target.port);
        let route = target.jump.as_deref().filter(|r| !r.is_direct()).cloned();
        let command = match &target.proxy_command {
            Some(Ok(c)) => Some(c.clone()),
            _ => None,
        };
        let probe = move |addr: Option<SocketAddr>, d: Deadline| match (&route, &command) {
            (Some(route), _) => jumps
                .stream(route, &host, port, host_keys, connect_timeout, d)
                .ok()
                .and_then(|s| algorithms::probe_over(s, d)),
            (None, Some(command)) => {
                let (process, stream) = proxy::ProxyProcess::spawn(command).ok()?;
                let offer = algorithms::probe_over(stream, d);
                drop(process);
                offer
            }
            (None, None) => direct_probe(addr, d),
        };
        Self::open_over(socket, proxy, target, creds, host_keys, deadline, &probe)
    }

    /// Handshake, host key and auth over a socket that is already connected to the server.
    fn open_over(
        socket: Socket,
        proxy: Option<proxy::ProxyProcess>,
        target: Target<'_>,
        creds: Credentials<'_>,
        host_keys: &HostKeyStore,
        deadline: Deadline,
        probe: &Probe<'_>,
    ) -> Result<Connection, DeviceError> {
        let keep = socket
            .try_clone()
            .map_err(|e| DeviceError::new(ErrorKind::Connect, format!("socket clone: {e}")))?;

        let mut session = Session::new()
            .map_err(|e| DeviceError::new(ErrorKind::Protocol, format!("libssh2 init: {e}")))?;
        session.set_tcp_stream(socket);
        let conn_socket = keep;
        let creds = Credentials {
            key: target.key.as_ref().or(creds.key),
            ..creds
        };
        let known_types =
            host_keys.preferred_algorithms(&target.host, target.port, &target.host_keys);
        target
            .algorithms
            .apply(&session, known_types.as_deref())
            .map_err(|e| DeviceError::new(ErrorKind::Protocol, e))?;
        let conn = Connection {
            socket: conn_socket,
            session,
            proxy,
        };

        conn.arm(deadline);
        let mut session = conn.session.clone();
        if let Err(e) = session.handshake() {
            let kex_failed = matches!(e.code(), ErrorCode::Session(LIBSSH2_ERROR_KEX_FAILURE));
            let err = ssh_error(e, "SSH handshake", deadline);
            return Err(match (kex_failed, &conn.proxy) {
                (true, _) => {
                    let addr = conn.socket.peer_addr();
                    drop(conn);
                    let offer = probe(addr, deadline);
                    explain_kex_failure(offer, &target, known_types.as_deref(), err)
                }
                (false, Some(p)) => p.explain(err, deadline),
                _ => err,
            });
        }
        debug!("ssh handshake done");

        let (blob, _) = conn
            .session
            .host_key()
            .ok_or_else(|| DeviceError::new(ErrorKind::Protocol, "server sent no host key"))?;
        let key = PresentedKey::new(blob, conn.session.host_key_hash(HashType::Sha256));
        host_keys.verify(&target.host, target.port, &key, &target.host_keys)?;

        conn.authenticate(&target.username, creds, deadline)?;
        debug!("authenticated");
        Ok(conn)
    }

    /// The SSH session.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The server's SSH identification (`SSH-2.0-Cisco-1.25`): tells devices apart before
    /// their platform is known.
    pub fn server_banner(&self) -> Option<&str> {
        self.session.banner()
    }

    /// The algorithms this connection's handshake settled on.
    pub fn negotiated(&self) -> Negotiated {
        Negotiated::of(&self.session)
    }

    /// Bound the next blocking libssh2 call by the time left (0 would mean "forever").
    pub fn arm(&self, deadline: Deadline) {
        self.session.set_timeout(deadline.remaining_ms_nonzero());
    }

    /// One password login, bounded by the time left.
    fn password_login(
        &self,
        user: &str,
        password: &Secret,
        deadline: Deadline,
    ) -> Result<(), ssh2::Error> {
        self.arm(deadline);
        self.session.userauth_password(user, password.expose())
    }

    fn authenticate(
        &self,
        user: &str,
        creds: Credentials<'_>,
        deadline: Deadline,
    ) -> Result<(), DeviceError> {
        let mut tried: Vec<&'static str> = Vec::new();
        // One method's outcome: Ok(true) in, Ok(false) rejected (try the next method),
        // Err when the transport failed and no other method can help.
        let mut outcome = |what: &'static str, r: Result<(), ssh2::Error>| {
            tried.push(what);
            match r {
                Ok(()) => Ok(self.session.authenticated()),
                Err(e) => {
                    let err = ssh_error(e, what, deadline);
                    debug!(method = what, error = %err, "auth attempt failed");
                    if err.kind == ErrorKind::Auth {
                        Ok(false)
                    } else {
                        Err(err)
                    }
                }
            }
        };

        // With nothing but a password to offer, send it straight away: asking for the methods
        // first costs a round trip (and a latency period on a slow link) on every device.
        // Only when it is refused do we ask what the server offers and go on from there.
        let password_only = creds.key.is_none() && !creds.agent;
        if let (true, Some(password)) = (password_only, creds.password) {
            if outcome("password", self.password_login(user, password, deadline))? {
                return Ok(());
            }
        }

        self.arm(deadline);
        let offered = match self.session.auth_methods(user) {
            Ok(m) => m.to_string(),
            Err(_) if self.session.authenticated() => return Ok(()), // "none" auth accepted
            Err(e) => return Err(ssh_error(e, "asking for auth methods", deadline)),
        };
        let offers = |m: &str| offered.split(',').any(|o| o == m);

        if offers("publickey") && creds.agent {
            self.arm(deadline);
            if outcome("publickey (agent)", self.session.userauth_agent(user))? {
                return Ok(());
            }
        }
        if let (true, Some(key)) = (offers("publickey"), creds.key) {
            self.arm(deadline);
            let passphrase = key.passphrase.as_ref().map(|p| p.expose());
            let r = self
                .session
                .userauth_pubkey_file(user, None, &key.path, passphrase);
            if outcome("publickey", r)? {
                return Ok(());
            }
        }
        if let Some(password) = creds.password {
            if offers("password")
                && !password_only
                && outcome("password", self.password_login(user, password, deadline))?
            {
                return Ok(());
            }
            if offers("keyboard-interactive") {
                self.arm(deadline);
                let mut answer = PasswordPrompts {
                    password,
                    accept_banner: creds.accept_banner,
                    unanswered: None,
                };
                let r = self
                    .session
                    .userauth_keyboard_interactive(user, &mut answer);
                if outcome("keyboard-interactive", r)? {
                    return Ok(());
                }
                if let Some(asked) = answer.unanswered {
                    return Err(DeviceError::new(
                        ErrorKind::Auth,
                        format!(
                            "the device asks {asked:?} before login; pass --accept-banner to \
                             answer yes"
                        ),
                    ));
                }
            }
        }
        Err(DeviceError::new(
            ErrorKind::Auth,
            if tried.is_empty() {
                format!(
                    "no usable credentials for user '{user}': server offers {offered}; \
                     give a password (NETINV_PASSWORD, --password-file, --ask-password) or --key"
                )
            } else {
                format!(
                    "authentication failed for user '{user}' (tried {}; server offers {offered})",
                    tried.join(", ")
                )
            },
        ))
    }
}

/// libssh2 says only that the key exchange failed. Ask the device what it offers (a second,
/// unencrypted peek at its KEXINIT) and say what is missing and which option would reach it.
fn explain_kex_failure(
    offer: Option<algorithms::Offer>,
    target: &Target<'_>,
    known_types: Option<&[String]>,
    err: DeviceError,
) -> DeviceError {
    let Some(offer) = offer else {
        return err;
    };
    if let Some(why) = offer.explain(&target.algorithms, Supported::get()) {
        return DeviceError::new(ErrorKind::Protocol, format!("SSH handshake: {why}"));
    }
    if let Some(known) = known_types {
        let theirs = offer.list(algorithms::Category::HostKey);
        if !theirs.iter().any(|n| known.contains(n)) {
            return DeviceError::new(
                ErrorKind::HostKey,
                format!(
                    "known_hosts has keys for {} only of types the device no longer offers \
                     ({}); it offers {}: its host key may have been replaced — verify it, then \
                     remove the old entry",
                    hostkeys::pattern(&target.host, target.port),
                    known.join(","),
                    theirs.join(",")
                ),
            );
        }
    }
    err
}

/// Asks a device what it offers over a fresh connection (given the address a direct one
/// reached, if it was direct), before the deadline.
pub(crate) type Probe<'a> = dyn Fn(Option<SocketAddr>, Deadline) -> Option<algorithms::Offer> + 'a;

/// The probe for a device connected to directly.
pub(crate) fn direct_probe(
    addr: Option<SocketAddr>,
    deadline: Deadline,
) -> Option<algorithms::Offer> {
    algorithms::probe_offer(addr?, deadline)
}

/// Answers keyboard-interactive prompts that ask for a password; an acknowledgement (PAN-OS
/// "Do you accept and acknowledge the statement above? (yes/no)") gets "yes" only when the user
/// allowed it; anything else gets an empty answer.
struct PasswordPrompts<'a> {
    password: &'a Secret,
    accept_banner: bool,
    /// An acknowledgement left unanswered, to name in the error.
    unanswered: Option<String>,
}

/// Whether a keyboard-interactive prompt asks to acknowledge something rather than for a secret.
fn asks_acknowledgement(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    t.contains("(yes/no)")
        || t.contains("[yes/no]")
        || t.contains("(y/n)")
        || t.contains("[y/n]")
        || t.contains("accept")
        || t.contains("acknowledge")
}

impl ssh2::KeyboardInteractivePrompt for PasswordPrompts<'_> {
    fn prompt<'b>(
        &mut self,
        _username: &str,
        _instructions: &str,
        prompts: &[ssh2::Prompt<'b>],
    ) -> Vec<String> {
        prompts
            .iter()
            .map(|p| {
                if p.echo && asks_acknowledgement(&p.text) {
                    if self.accept_banner {
                        return "yes".to_string();
                    }
                    self.unanswered = Some(p.text.trim().to_string());
                    String::new()
                } else if !p.echo || p.text.to_ascii_lowercase().contains("password") {
                    self.password.expose().to_string()
                } else {
                    String::new()
                }
            })
            .collect()
    }
}

/// Name resolution under the deadline: getaddrinfo has no timeout of its own, so a
/// name runs on a helper thread and we stop waiting at the deadline.
fn resolve(host: &str, port: u16, deadline: Deadline) -> Result<Vec<SocketAddr>, DeviceError> {
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let (tx, rx) = mpsc::channel();
    let name = host.to_string();
    std::thread::Builder::new()
        .name("resolve".into())
        .stack_size(64 * 1024)
        .spawn(move || {
            let _ = tx.send(
                (name.as_str(), port)
                    .to_socket_addrs()
                    .map(|a| a.collect::<Vec<_>>()),
            );
        })
        .map_err(|e| DeviceError::new(ErrorKind::Dns, format!("cannot start resolver: {e}")))?;
    match rx.recv_timeout(deadline.remaining()) {
        Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        Ok(Ok(_)) => Err(DeviceError::new(
            ErrorKind::Dns,
            format!("'{host}' has no addresses"),
        )),
        Ok(Err(e)) => Err(DeviceError::new(
            ErrorKind::Dns,
            format!("cannot resolve '{host}': {e}"),
        )),
        Err(_) => Err(DeviceError::new(
            ErrorKind::Timeout,
            format!("resolving '{host}' did not finish before the deadline"),
        )),
    }
}

/// A TCP connection to `host:port`, resolved and connected under the deadline.
fn tcp_connect(
    host: &str,
    port: u16,
    connect_timeout: Duration,
    deadline: Deadline,
) -> Result<TcpStream, DeviceError> {
    let addrs = resolve(host, port, deadline)?;
    let socket = connect_any(&addrs, connect_timeout, deadline)?;
    let _ = socket.set_nodelay(true);
    Ok(socket)
}

fn connect_any(
    addrs: &[SocketAddr],
    connect_timeout: Duration,
    deadline: Deadline,
) -> Result<TcpStream, DeviceError> {
    let mut last = None;
    for addr in addrs {
        let limit = deadline.min_with(connect_timeout);
        let budget = limit.remaining();
        if budget.is_zero() {
            break;
        }
        match TcpStream::connect_timeout(addr, budget) {
            Ok(s) => {
                debug!(%addr, "tcp connected");
                return Ok(s);
            }
            Err(e) => {
                let err = match e.kind() {
                    std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                        if deadline.expired() {
                            DeviceError::new(
                                ErrorKind::Timeout,
                                format!("TCP connect to {addr} did not finish before the deadline"),
                            )
                        } else {
                            DeviceError::new(
                                ErrorKind::Connect,
                                format!(
                                    "no answer to TCP connect to {addr} within {} (unreachable or filtered)",
                                    humantime::format_duration(budget_round(budget))
                                ),
                            )
                        }
                    }
                    std::io::ErrorKind::ConnectionRefused => DeviceError::new(
                        ErrorKind::Connect,
                        format!("connection refused by {addr} (no SSH server on that port)"),
                    ),
                    _ => DeviceError::new(
                        ErrorKind::Connect,
                        format!("cannot connect to {addr}: {e}"),
                    ),
                };
                last = Some(err);
            }
        }
    }
    Err(last.unwrap_or_else(|| {
        DeviceError::new(
            ErrorKind::Timeout,
            "no time left to connect before the deadline",
        )
    }))
}

fn budget_round(d: Duration) -> Duration {
    Duration::from_millis(d.as_millis() as u64)
}

/// Map a libssh2 error to a device error by its code, never by its message text.
pub fn ssh_error(e: ssh2::Error, doing: &str, deadline: Deadline) -> DeviceError {
    let code = match e.code() {
        ErrorCode::Session(n) => n,
        ErrorCode::SFTP(n) => n,
    };
    let (kind, what) = match code {
        LIBSSH2_ERROR_TIMEOUT => (ErrorKind::Timeout, "no answer before the deadline"),
        LIBSSH2_ERROR_AUTHENTICATION_FAILED | LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED => {
            (ErrorKind::Auth, "rejected")
        }
        LIBSSH2_ERROR_FILE => (ErrorKind::Auth, "cannot use the key file"),
        LIBSSH2_ERROR_KEX_FAILURE => (
            ErrorKind::Protocol,
            "key exchange failed (no algorithm in common?)",
        ),
        LIBSSH2_ERROR_SOCKET_DISCONNECT | LIBSSH2_ERROR_SOCKET_RECV | LIBSSH2_ERROR_SOCKET_SEND => {
            (ErrorKind::Protocol, "connection closed by the device")
        }
        LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED | LIBSSH2_ERROR_CHANNEL_FAILURE => {
            (ErrorKind::Command, "refused by the device")
        }
        _ if deadline.expired() => (ErrorKind::Timeout, "deadline passed"),
        _ => (ErrorKind::Protocol, "failed"),
    };
    DeviceError::new(kind, format!("{doing}: {what} ({})", e.message()))
}

/// True when a non-blocking libssh2 call would have blocked.
pub fn is_eagain(e: &ssh2::Error) -> bool {
    matches!(e.code(), ErrorCode::Session(LIBSSH2_ERROR_EAGAIN))
}

/// True when libssh2 said the server refused a channel request (exec, pty, shell).
pub fn is_request_denied(e: &ssh2::Error) -> bool {
    matches!(
        e.code(),
        ErrorCode::Session(LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED)
            | ErrorCode::Session(LIBSSH2_ERROR_CHANNEL_FAILURE)
    )
}
