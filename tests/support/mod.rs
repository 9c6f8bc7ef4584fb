//! Test support: a real OpenSSH sshd on 127.0.0.1 with its own config, host key and user,
//! stopped (by PID) when the handle drops; and helpers to run the netinv binary.
#![allow(dead_code)]

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A scratch directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "netinv-test-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Why a test that needs sshd cannot run here, if it cannot.
pub fn sshd_unavailable() -> Option<String> {
    if !Path::new("/usr/sbin/sshd").exists() {
        return Some("no /usr/sbin/sshd (install openssh-server; .ci/run does)".into());
    }
    if unsafe { libc_geteuid() } != 0 {
        return Some("not root: cannot create the test user".into());
    }
    None
}

/// Tests that need sshd fail when it cannot run here, saying what is missing: a test that returns
/// early would count as passed.
pub fn require_sshd() {
    if let Some(why) = sshd_unavailable() {
        panic!("this test needs a real sshd and cannot run: {why}");
    }
}

/// Tests that drive a terminal or a fake device CLI need python3 (.ci/run installs it).
pub fn require_python3() {
    let ok = Command::new("python3")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "this test needs python3 and cannot run without it (.ci/run installs it)"
    );
}

extern "C" {
    #[link_name = "geteuid"]
    fn libc_geteuid() -> u32;
}

fn run_ok(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The account the sshd tests log in as: made for this test binary with a random name and a
/// random password on first use, removed (with its home and its processes) when the binary exits.
/// Nothing lasts: an account left by a binary that was killed is removed by the next one.
pub struct TestUser {
    pub name: String,
    pub password: String,
}

const USER_PREFIX: &str = "nvtest-";

pub fn test_user() -> &'static TestUser {
    USER.get_or_init(create_user)
}

/// The test account's name.
pub fn user() -> &'static str {
    &test_user().name
}

/// The test account's password.
pub fn password() -> &'static str {
    &test_user().password
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom").unwrap(), &mut buf).unwrap();
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// useradd and userdel refuse to run while another one holds /etc/passwd ("try again later"),
/// so test binaries running at once take turns. /etc itself is locked because the tools replace
/// /etc/passwd by a new file, and a lock on the old one would not hold the next caller back.
struct AccountsLock(std::fs::File);

impl AccountsLock {
    fn take() -> AccountsLock {
        let f = std::fs::File::open("/etc").unwrap();
        unsafe { flock(std::os::unix::io::AsRawFd::as_raw_fd(&f), 2) };
        AccountsLock(f)
    }
}

impl Drop for AccountsLock {
    fn drop(&mut self) {
        unsafe { flock(std::os::unix::io::AsRawFd::as_raw_fd(&self.0), 8) };
    }
}

fn create_user() -> TestUser {
    let _lock = AccountsLock::take();
    remove_stale_users();
    let name = format!("{USER_PREFIX}{}-{}", std::process::id(), random_hex(3));
    let password = format!("Pw-{}", random_hex(12));
    run_ok(Command::new("useradd").args(["-m", "-s", "/bin/sh", &name]));
    // Registered before anything else can fail, so a half-made account goes too.
    unsafe { atexit(remove_user_at_exit) };
    // A new account is locked until it has a password, and sshd refuses locked accounts even
    // for keys; the password is random, so it opens nothing once the account is gone.
    let out = run_with_stdin(
        &mut Command::new("chpasswd"),
        format!("{name}:{password}\n").as_bytes(),
    );
    assert!(
        out.status.success(),
        "chpasswd failed: {}",
        text(&out.stderr)
    );
    TestUser { name, password }
}

static USER: std::sync::OnceLock<TestUser> = std::sync::OnceLock::new();

extern "C" fn remove_user_at_exit() {
    // Must not unwind into libc.
    let _ = std::panic::catch_unwind(|| {
        if let Some(u) = USER.get() {
            let _lock = AccountsLock::take();
            remove_user(&u.name);
        }
    });
}

/// The account's processes (sessions sshd left running, e.g. a `sleep` a test cut off) are ended
/// by PID first: userdel refuses an account that is still in use.
fn remove_user(name: &str) {
    if let Some(uid) = uid_of(name) {
        for pid in pids_of_uid(uid) {
            unsafe { kill(pid, 9) };
        }
    }
    let home = std::path::PathBuf::from("/home").join(name);
    let _ = Command::new("userdel")
        .args(["-f", "-r", name])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let _ = std::fs::remove_dir_all(home);
}

/// Accounts of test binaries that did not get to exit (killed by a timeout, say).
fn remove_stale_users() {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    for name in passwd.lines().filter_map(|l| l.split(':').next()) {
        let Some(rest) = name.strip_prefix(USER_PREFIX) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            remove_user(name);
        }
    }
}

fn uid_of(name: &str) -> Option<u32> {
    std::fs::read_to_string("/etc/passwd")
        .ok()?
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.len() > 2 && f[0] == name)
        .and_then(|f| f[2].parse().ok())
}

fn pids_of_uid(uid: u32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/status"))
                .ok()
                .and_then(|s| {
                    s.lines()
                        .find_map(|l| l.strip_prefix("Uid:"))
                        .and_then(|v| v.split_whitespace().next()?.parse::<u32>().ok())
                })
                == Some(uid)
        })
        .collect()
}

extern "C" {
    fn atexit(f: extern "C" fn()) -> i32;
    fn kill(pid: i32, sig: i32) -> i32;
    fn flock(fd: i32, op: i32) -> i32;
}

/// A private sshd on 127.0.0.1 for one test.
pub struct Sshd {
    pub port: u16,
    pub dir: TempDir,
    child: Child,
    pub client_key: PathBuf,
    /// The server's private host key; its public half is beside it (`.pub`).
    pub host_key: PathBuf,
}

impl Sshd {
    pub fn start() -> Sshd {
        Self::start_with("")
    }

    /// Start with extra sshd_config lines. Retries on another port if the chosen one was taken.
    pub fn start_with(extra_config: &str) -> Sshd {
        Self::start_with_host_key("ed25519", extra_config)
    }

    /// Start with a host key of `key_type` (`ed25519`, `rsa`, `dsa`, `ecdsa`) and extra config.
    pub fn start_with_host_key(key_type: &str, extra_config: &str) -> Sshd {
        Self::start_full(key_type, extra_config, None)
    }

    /// Start inside a network namespace, on its loopback: unreachable from the host.
    pub fn start_in(netns: &Netns, extra_config: &str) -> Sshd {
        Self::start_full("ed25519", extra_config, Some(netns))
    }

    fn start_full(key_type: &str, extra_config: &str, netns: Option<&Netns>) -> Sshd {
        test_user();
        let dir = TempDir::new("sshd");
        std::fs::create_dir_all("/run/sshd").unwrap();
        let host_key = dir.join(&format!("host_{key_type}"));
        keygen_type(&host_key, key_type);
        let client_key = dir.join("client_ed25519");
        keygen(&client_key);
        let pubkey = std::fs::read_to_string(client_key.with_extension("pub")).unwrap();
        std::fs::write(dir.join("authorized_keys"), pubkey).unwrap();
        let mut last_err = String::new();
        for _ in 0..5 {
            let port = free_port();
            let cfg = dir.join("sshd_config");
            std::fs::write(
                &cfg,
                format!(
                    "Port {port}\nListenAddress 127.0.0.1\nHostKey {hk}\nPidFile none\n\
                     AuthorizedKeysFile {ak}\nStrictModes no\nUsePAM yes\n\
                     PasswordAuthentication yes\nKbdInteractiveAuthentication yes\n\
                     PubkeyAuthentication yes\nPermitRootLogin no\nMaxStartups 1000:30:1000\n\
                     MaxSessions 100\nLoginGraceTime 30\n{log}PrintMotd no\n\
                     AllowUsers {user}\n{extra_config}\n",
                    user = user(),
                    // sshd takes the first value of a keyword: a test's own LogLevel wins only
                    // where there is no default before it.
                    log = if extra_config.contains("LogLevel") {
                        ""
                    } else {
                        "LogLevel ERROR\n"
                    },
                    hk = host_key.display(),
                    ak = dir.join("authorized_keys").display(),
                ),
            )
            .unwrap();
            let mut child = match netns {
                Some(ns) => ns.command("/usr/sbin/sshd"),
                None => Command::new("/usr/sbin/sshd"),
            };
            let mut child = child
                .args(["-D", "-e", "-f"])
                .arg(&cfg)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::from(
                    std::fs::File::create(dir.join("sshd.log")).unwrap(),
                ))
                .spawn()
                .expect("start sshd");
            let up = match netns {
                Some(ns) => ns.run_in(|| wait_listening(&mut child, port)),
                None => wait_listening(&mut child, port),
            };
            if up {
                return Sshd {
                    port,
                    dir,
                    child,
                    client_key,
                    host_key,
                };
            }
            let _ = child.kill();
            let _ = child.wait();
            last_err = std::fs::read_to_string(dir.join("sshd.log")).unwrap_or_default();
        }
        panic!("sshd did not start: {last_err}")
    }

    /// How many logins the server accepted (needs `LogLevel VERBOSE` or more).
    pub fn logins(&self) -> usize {
        std::fs::read_to_string(self.dir.join("sshd.log"))
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("Accepted "))
            .count()
    }

    /// A known_hosts line for this server's real key.
    pub fn known_hosts_line(&self) -> String {
        let pubkey = std::fs::read_to_string(self.host_key.with_extension("pub")).unwrap();
        let mut it = pubkey.split_whitespace();
        let (kind, key) = (it.next().unwrap(), it.next().unwrap());
        format!("[127.0.0.1]:{} {kind} {key}\n", self.port)
    }
}

fn wait_listening(child: &mut Child, port: u16) -> bool {
    let end = Instant::now() + Duration::from_secs(10);
    while Instant::now() < end {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn keygen(path: &Path) {
    keygen_type(path, "ed25519")
}

/// A new key pair of `key_type` at `path` (and `path.pub`), no passphrase.
pub fn keygen_type(path: &Path, key_type: &str) {
    let _ = std::fs::remove_file(path);
    let _ = std::fs::remove_file(path.with_extension("pub"));
    let bits: &[&str] = if key_type == "rsa" {
        &["-b", "2048"]
    } else {
        &[]
    };
    run_ok(
        Command::new("ssh-keygen")
            .args(["-q", "-t", key_type])
            .args(bits)
            .args(["-N", "", "-C", "netinv-test", "-f"])
            .arg(path),
    );
}

/// The netinv binary under test.
pub fn netinv() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_netinv"));
    // A config file of the machine's own must not change what a test runs.
    c.env("NETINV_CONFIG", "none")
        // Nor can their ~/.ssh/config; a test that wants one names it.
        .env("NETINV_SSH_CONFIG", "none")
        .env_remove("NETINV_PASSWORD")
        .env_remove("NETINV_USERNAME")
        .env_remove("SSH_AUTH_SOCK")
        .stdin(Stdio::null());
    c
}

/// `netinv_on_tty` steps for Ctrl-C twice: the first once the progress line reads `progress`
/// and says the run is waiting on the device `straggler` (and for how long), the second once
/// netinv says it is letting running devices finish.
pub fn ctrl_c_twice_once_waiting_on(progress: &str, straggler: &str) -> serde_json::Value {
    let waiting = format!(
        r"{} · waiting on {} \(\d+\.\ds\)",
        regex::escape(progress),
        regex::escape(straggler)
    );
    serde_json::json!([
        [waiting, "\u{3}"],
        ["letting running devices finish", "\u{3}"],
    ])
}

/// The netinv binary under test on a new pseudo-terminal `columns` wide
/// (tests/support/on_tty.py), with the environment `netinv()` gives it: for each
/// `[regex, keys]` of `steps`, the keys are typed once the terminal shows the regex.
pub fn netinv_on_tty(columns: u16, steps: serde_json::Value) -> Command {
    let mut c = Command::new("python3");
    c.arg(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/support/on_tty.py"
    ))
    .arg(columns.to_string())
    .arg(env!("CARGO_BIN_EXE_netinv"))
    .env("TTY_STEPS", steps.to_string())
    .env("NETINV_CONFIG", "none")
    .env("NETINV_SSH_CONFIG", "none")
    .env_remove("NETINV_PASSWORD")
    .env_remove("NETINV_USERNAME")
    .env_remove("SSH_AUTH_SOCK")
    .stdin(Stdio::null());
    c
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run netinv")
}

/// Run with `input` on standard input.
pub fn run_with_stdin(cmd: &mut Command, input: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A TCP listener that accepts connections and never sends a byte (a device stuck before SSH).
pub struct SilentListener {
    pub port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SilentListener {
    pub fn start() -> SilentListener {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        l.set_nonblocking(true).unwrap();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let s2 = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut held = Vec::new();
            while !s2.load(Ordering::SeqCst) {
                match l.accept() {
                    Ok((sock, _)) => held.push(sock),
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        SilentListener {
            port,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for SilentListener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The Python of the venv that holds Netmiko and FakeNOS (.ci/run makes it); tests that need it
/// are ignored by a plain `cargo test` and fail here when run without it.
pub fn venv_python() -> PathBuf {
    let p = PathBuf::from(std::env::var_os("NETINV_NETMIKO_PYTHON").expect(
        "NETINV_NETMIKO_PYTHON must name a python with netmiko and fakenos \
         (python3 -m venv V && V/bin/pip install 'netmiko>=4,<5' 'fakenos>=1.2,<1.3')",
    ));
    assert!(p.exists(), "NETINV_NETMIKO_PYTHON: no {}", p.display());
    p
}

/// FakeNOS (an SSH device emulator from PyPI we did not write) serving `hosts` (name and its
/// FakeNOS platform) on free loopback ports; stopped by PID on drop.
pub struct FakeNos {
    child: Child,
    _dir: TempDir,
    /// (name, port, FakeNOS platform) per host, in the order given.
    pub hosts: Vec<(String, u16, String)>,
}

pub const FAKENOS_USER: &str = "netinv";
pub const FAKENOS_PASSWORD: &str = "fake-pass-7";

impl FakeNos {
    pub fn start(python: &Path, hosts: &[(&str, &str)]) -> FakeNos {
        let dir = TempDir::new("fakenos");
        let hosts: Vec<(String, u16, String)> = hosts
            .iter()
            .map(|(name, platform)| (name.to_string(), free_port(), platform.to_string()))
            .collect();
        let mut inv = format!(
            "default:\n  username: {FAKENOS_USER}\n  password: {FAKENOS_PASSWORD}\n  server:\n    \
             plugin: ParamikoSshServer\n    configuration:\n      address: 127.0.0.1\n      \
             timeout: 1\nhosts:\n"
        );
        for (name, port, platform) in &hosts {
            inv.push_str(&format!(
                "  {name}:\n    port: {port}\n    platform: {platform}\n"
            ));
        }
        let file = dir.join("inventory.yaml");
        std::fs::write(&file, inv).unwrap();
        let fakenos = python.with_file_name("fakenos");
        let mut child = Command::new(&fakenos)
            .arg("-i")
            .arg(&file)
            .args(["-l", "WARNING"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::File::create(dir.join("fakenos.log")).unwrap(),
            ))
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", fakenos.display()));
        for (_, port, _) in &hosts {
            if !wait_listening(&mut child, *port) {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "FakeNOS did not listen on {port}: {}",
                    std::fs::read_to_string(dir.join("fakenos.log")).unwrap_or_default()
                );
            }
        }
        FakeNos {
            child,
            _dir: dir,
            hosts,
        }
    }
}

impl Drop for FakeNos {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A network namespace holding only a loopback interface (up), deleted on drop. Declare the
/// servers that run in it after it, so that they stop first.
pub struct Netns {
    pub name: String,
}

const NETNS_PREFIX: &str = "nvtest-";

impl Netns {
    pub fn new() -> Netns {
        static N: AtomicUsize = AtomicUsize::new(0);
        remove_stale_netns();
        let name = format!(
            "{NETNS_PREFIX}{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        let _ = Command::new("ip").args(["netns", "delete", &name]).output();
        run_ok(Command::new("ip").args(["netns", "add", &name]));
        let ns = Netns { name };
        run_ok(ns.command("ip").args(["link", "set", "lo", "up"]));
        ns
    }

    /// `program` to be run inside the namespace.
    pub fn command(&self, program: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name, program]);
        c
    }

    /// Run `f` on a thread that has entered the namespace: sockets it makes are the namespace's.
    pub fn run_in<T: Send>(&self, f: impl FnOnce() -> T + Send) -> T {
        let path = format!("/var/run/netns/{}", self.name);
        std::thread::scope(|s| {
            s.spawn(|| {
                let ns = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
                let rc = unsafe {
                    libc::setns(
                        std::os::unix::io::AsRawFd::as_raw_fd(&ns),
                        libc::CLONE_NEWNET,
                    )
                };
                assert_eq!(rc, 0, "setns {path}: {}", std::io::Error::last_os_error());
                f()
            })
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
        })
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "delete", &self.name])
            .output();
    }
}

/// Namespaces of test binaries that did not get to exit.
fn remove_stale_netns() {
    let Ok(entries) = std::fs::read_dir("/var/run/netns") else {
        return;
    };
    for name in entries.filter_map(|e| e.ok()?.file_name().into_string().ok()) {
        let Some(pid) = name
            .strip_prefix(NETNS_PREFIX)
            .and_then(|r| r.split('-').next())
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = Command::new("ip").args(["netns", "delete", &name]).output();
        }
    }
}

/// A TCP port of one namespace (`to`) made reachable on 127.0.0.1 of another (`from`; the
/// host's when None) through a Unix socket, which is no namespace's: socat on each side. Both
/// socats (and the ones they fork per connection) are stopped by process group on drop.
pub struct Bridge {
    /// The port to connect to on `from`'s loopback.
    pub port: u16,
    /// The Unix socket in between: connecting to it reaches `to_port` in `to`.
    pub sock: PathBuf,
    children: Vec<Child>,
    _dir: TempDir,
}

impl Bridge {
    pub fn new(from: Option<&Netns>, to: &Netns, to_port: u16) -> Bridge {
        use std::os::unix::process::CommandExt;
        let dir = TempDir::new("bridge");
        let sock = dir.join("port.sock");
        let mut children = Vec::new();
        let mut inner = to.command("socat");
        inner
            .arg(format!("UNIX-LISTEN:{},fork", sock.display()))
            .arg(format!("TCP:127.0.0.1:{to_port}"))
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        children.push(inner.spawn().expect("socat (apt-get install socat)"));
        let end = Instant::now() + Duration::from_secs(10);
        while !sock.exists() {
            assert!(
                Instant::now() < end,
                "socat did not listen on {}",
                sock.display()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        let port = match from {
            Some(ns) => ns.run_in(free_port),
            None => free_port(),
        };
        let mut outer = match from {
            Some(ns) => ns.command("socat"),
            None => Command::new("socat"),
        };
        outer
            .arg(format!("TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork"))
            .arg(format!("UNIX-CONNECT:{}", sock.display()))
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        children.push(outer.spawn().expect("socat"));
        let listening = || {
            let end = Instant::now() + Duration::from_secs(10);
            while Instant::now() < end {
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return true;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            false
        };
        let up = match from {
            Some(ns) => ns.run_in(listening),
            None => listening(),
        };
        let bridge = Bridge {
            port,
            sock,
            children,
            _dir: dir,
        };
        assert!(up, "socat did not listen on port {port}");
        bridge
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        for c in &mut self.children {
            unsafe { kill(-(c.id() as i32), 15) };
            let _ = c.wait();
        }
    }
}

/// `netinv collect` on `inventory` with `args`; the exit code, the JSON report and stderr.
pub fn collect(dir: &TempDir, inventory: &str, args: &[&str], envs: &[(&str, &str)]) -> Collected {
    let inv = dir.join("inventory.csv");
    std::fs::write(&inv, inventory).unwrap();
    let json = dir.join("report.json");
    let _ = std::fs::remove_file(&json);
    let started = Instant::now();
    let out = run(netinv()
        .arg("collect")
        .arg("-i")
        .arg(&inv)
        .arg("--json")
        .arg(&json)
        .args(args)
        .envs(envs.iter().copied()));
    let stderr = text(&out.stderr);
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&json).unwrap_or_else(|e| panic!("no report ({e}): {stderr}")),
    )
    .unwrap();
    Collected {
        code: out.status.code().unwrap_or(-1),
        report,
        stderr,
        took: started.elapsed(),
    }
}

pub struct Collected {
    pub code: i32,
    pub report: serde_json::Value,
    pub stderr: String,
    pub took: Duration,
}

impl Collected {
    pub fn devices(&self) -> &Vec<serde_json::Value> {
        self.report["devices"].as_array().unwrap()
    }

    /// Each device as "name: ok" or "name: kind: message".
    pub fn outcomes(&self) -> Vec<String> {
        self.devices()
            .iter()
            .map(|d| match d["status"].as_str() {
                Some("ok") => format!("{}: ok", d["name"].as_str().unwrap()),
                _ => format!(
                    "{}: {}: {}",
                    d["name"].as_str().unwrap(),
                    d["error"]["kind"].as_str().unwrap_or("?"),
                    d["error"]["message"].as_str().unwrap_or("?")
                ),
            })
            .collect()
    }
}

/// `netinv collect` of a one-device inventory with `ssh_config` as the user's ssh_config, which
/// must stop the run before any device is contacted (exit 2). The config's path and stderr.
pub fn refused_by_ssh_config(dir: &TempDir, ssh_config: &str, args: &[&str]) -> (PathBuf, String) {
    let config = dir.join("ssh_config");
    std::fs::write(&config, ssh_config).unwrap();
    let inv = dir.join("inventory.csv");
    std::fs::write(&inv, "host\n127.0.0.1\n").unwrap();
    let out = run(netinv()
        .arg("collect")
        .arg("-i")
        .arg(&inv)
        .arg("--ssh-config")
        .arg(&config)
        .args(args)
        .env("NETINV_PASSWORD", "x"));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    (config, stderr)
}
