//! The simulated fleet: an SSH server (russh) emulating network platforms, latency and faults,
//! served on consecutive loopback ports from one tokio runtime (`netinv sim`, tests, demo).
//! It knows nothing of the netinv client: it is the oracle the client is tested against.

#![warn(missing_docs)]

mod console;
mod devices;
mod faults;
mod platform;
mod platforms;
mod rng;
mod server;
mod template;
mod wave;

pub use faults::{parse_faults, Fault};
pub use platform::{Platform, UnknownPlatform};
pub use wave::Wave;

use anyhow::{bail, Context as _};
use devices::Identity;
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::PrivateKey;
use russh::{MethodKind, MethodSet, SshId};
use server::DeviceRt;
use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// What fleet to serve. `FleetConfig::new(n)` gives sensible defaults.
#[derive(Debug, Clone)]
pub struct FleetConfig {
    /// How many devices to serve.
    pub devices: usize,
    /// Must be a loopback address.
    pub bind: IpAddr,
    /// First port; 0 = find a free consecutive range.
    pub base_port: u16,
    /// Assigned round-robin; empty = every platform.
    pub platforms: Vec<Platform>,
    /// The login name every device accepts.
    pub username: String,
    /// The password every device accepts.
    pub password: String,
    /// Secret for `enable`; `None` = `enable` needs no secret.
    pub enable_secret: Option<String>,
    /// Delay before every answer (not the SSH banner).
    pub latency: Duration,
    /// Random extra delay, up to this much.
    pub jitter: Duration,
    /// Faults and their shares of the fleet (0..1).
    pub faults: Vec<(Fault, f64)>,
    /// Seeds the devices' facts and which ones get faults.
    pub seed: u64,
    /// What changed since the run without a wave: upgrades, RMAs.
    pub wave: Wave,
}

impl FleetConfig {
    /// A fleet of `devices` with the defaults: every platform, no latency, no faults.
    pub fn new(devices: usize) -> Self {
        FleetConfig {
            devices,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            base_port: 0,
            platforms: Vec::new(),
            username: "admin".into(),
            password: "admin".into(),
            enable_secret: None,
            latency: Duration::ZERO,
            jitter: Duration::ZERO,
            faults: Vec::new(),
            seed: 1,
            wave: Wave::default(),
        }
    }
}

/// One simulated device as the inventory describes it. `hostname`, `version`, `model`,
/// `serial` and `uptime` are what a parser should extract from the version command's
/// output, exactly; empty where the real platform's output does not say (e.g. Arista's
/// `show version` has no hostname). `name` is the configured hostname shown in the prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimDevice {
    /// The device's inventory name.
    pub name: String,
    /// The address it listens on.
    pub host: IpAddr,
    /// The port it listens on.
    pub port: u16,
    /// The platform it simulates.
    pub platform: Platform,
    /// Its fault, if it has one.
    pub fault: Option<Fault>,
    /// The site column of the inventory.
    pub site: String,
    /// The role column of the inventory.
    pub role: String,
    /// The hostname its output shows.
    pub hostname: String,
    /// The version its output shows.
    pub version: String,
    /// The model its output shows ("" where none).
    pub model: String,
    /// The serial its output shows ("" where none).
    pub serial: String,
    /// The uptime its output shows ("" where none).
    pub uptime: String,
}

impl SimDevice {
    /// `ok`, or the error kind a correct client reports for this device.
    pub fn expect(&self) -> &'static str {
        self.fault.and_then(|f| f.expected_error()).unwrap_or("ok")
    }
}

/// A running fleet. Stops (listeners and sessions closed) on `stop()` or drop.
pub struct Fleet {
    rt: Option<tokio::runtime::Runtime>,
    devices: Vec<SimDevice>,
    identities: Vec<Arc<Identity>>,
}

impl std::fmt::Debug for Fleet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fleet")
            .field("devices", &self.devices.len())
            .finish()
    }
}

/// The columns of the inventory the simulator writes.
pub const INVENTORY_HEADER: [&str; 13] = [
    "name",
    "host",
    "port",
    "platform",
    "site",
    "role",
    "fault",
    "expect",
    "expect_hostname",
    "expect_version",
    "expect_model",
    "expect_serial",
    "expect_uptime",
];

impl Fleet {
    /// Bind every port, start serving, and return once all of them listen.
    pub fn start(cfg: FleetConfig) -> anyhow::Result<Fleet> {
        if !cfg.bind.is_loopback() {
            bail!(
                "the simulator only listens on loopback addresses, not {}",
                cfg.bind
            );
        }
        if cfg.devices == 0 {
            bail!("a fleet needs at least one device");
        }
        if cfg.devices > 60_000 {
            bail!(
                "at most 60000 devices fit in the port space, not {}",
                cfg.devices
            );
        }
        raise_fd_limit(cfg.devices);
        let platforms = if cfg.platforms.is_empty() {
            Platform::ALL.to_vec()
        } else {
            cfg.platforms.clone()
        };
        let faults =
            faults::assign(cfg.devices, &cfg.faults, cfg.seed).map_err(anyhow::Error::msg)?;
        let listeners = bind_range(cfg.bind, cfg.base_port, cfg.devices)?;

        let key = host_key(cfg.seed);
        let configs: Vec<Arc<russh::server::Config>> = Platform::ALL
            .iter()
            .map(|p| Arc::new(server_config(*p, key.clone(), false)))
            .collect();
        let kbd_only: Vec<Arc<russh::server::Config>> = if faults.contains(&Some(Fault::KbdAck)) {
            Platform::ALL
                .iter()
                .map(|p| Arc::new(server_config(*p, key.clone(), true)))
                .collect()
        } else {
            configs.clone()
        };

        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("netinv-sim")
            .enable_all()
            .build()
            .context("cannot start the simulator's runtime")?;

        let mut devices = Vec::with_capacity(cfg.devices);
        let mut identities = Vec::with_capacity(cfg.devices);
        {
            let _guard = rt.enter();
            for (i, listener) in listeners.into_iter().enumerate() {
                let platform = platforms[i % platforms.len()];
                let (identity, site, role) = Identity::generate(platform, i, cfg.seed);
                let mut identity = cfg.wave.apply(identity, i, cfg.seed);
                if faults[i] == Some(Fault::OddPrompt) {
                    identity.hostname = odd_hostname(platform, &identity.hostname);
                }
                let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
                listener
                    .set_nonblocking(true)
                    .context("cannot make a listener non-blocking")?;
                let listener = tokio::net::TcpListener::from_std(listener)
                    .context("cannot register a listener with the runtime")?;
                devices.push(SimDevice {
                    name: identity.hostname.clone(),
                    host: cfg.bind,
                    port,
                    platform,
                    fault: faults[i],
                    site,
                    role,
                    hostname: identity.expect_hostname(),
                    version: identity.expect_version(),
                    model: identity.expect_model(),
                    serial: identity.expect_serial(),
                    uptime: identity.expect_uptime(),
                });
                let identity = Arc::new(identity);
                identities.push(Arc::clone(&identity));
                let rt_dev = Arc::new(DeviceRt {
                    identity,
                    fault: faults[i],
                    username: cfg.username.clone(),
                    password: cfg.password.clone(),
                    enable_secret: cfg.enable_secret.clone(),
                    latency: cfg.latency,
                    jitter: cfg.jitter,
                    config: if faults[i] == Some(Fault::KbdAck) {
                        kbd_only[platform as usize].clone()
                    } else {
                        configs[platform as usize].clone()
                    },
                });
                rt.spawn(server::serve(listener, rt_dev));
            }
        }
        Ok(Fleet {
            rt: Some(rt),
            devices,
            identities,
        })
    }

    /// The devices served, in port order.
    pub fn devices(&self) -> &[SimDevice] {
        &self.devices
    }

    /// Exactly what device `index` prints for its platform's version command (LF line ends):
    /// what a collector's saved output must equal.
    pub fn version_output(&self, index: usize) -> Option<String> {
        self.identities.get(index).map(|i| i.version_output())
    }

    /// The fleet as an inventory CSV (`INVENTORY_HEADER` columns), ready for `netinv collect`.
    pub fn inventory_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(INVENTORY_HEADER);
        for d in &self.devices {
            let port = d.port.to_string();
            let host = d.host.to_string();
            let _ = w.write_record([
                d.name.as_str(),
                host.as_str(),
                port.as_str(),
                d.platform.name(),
                d.site.as_str(),
                d.role.as_str(),
                d.fault.map(|f| f.name()).unwrap_or(""),
                d.expect(),
                d.hostname.as_str(),
                d.version.as_str(),
                d.model.as_str(),
                d.serial.as_str(),
                d.uptime.as_str(),
            ]);
        }
        let bytes = w.into_inner().unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }

    /// Writes the fleet's inventory CSV to `path`.
    pub fn write_inventory(&self, path: &Path) -> std::io::Result<()> {
        std::fs::write(path, self.inventory_csv())
    }

    /// Stop serving: listeners and open sessions are closed when this returns.
    pub fn stop(self) {
        drop(self);
    }

    /// Block until SIGINT or SIGTERM.
    pub fn wait_for_signal(&self) -> anyhow::Result<()> {
        let Some(rt) = &self.rt else { return Ok(()) };
        rt.block_on(async {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .context("cannot listen for SIGTERM")?;
            tokio::select! {
                r = tokio::signal::ctrl_c() => r.context("cannot listen for SIGINT"),
                _ = term.recv() => Ok(()),
            }
        })
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                // Blocking inside another runtime would panic; let the workers wind down.
                rt.shutdown_background();
            } else {
                rt.shutdown_timeout(Duration::from_secs(2));
            }
        }
    }
}

/// The odd-prompt quirk's hostname: where the quirk is not a prompt shape of its own, a very
/// long configured name (which the prompt then shows whole).
fn odd_hostname(platform: Platform, hostname: &str) -> String {
    match platform {
        Platform::CiscoNxos | Platform::CiscoXr | Platform::CiscoAsa => hostname.to_string(),
        _ => format!("{hostname}-distribution-aggregation-stack-member-01"),
    }
}

/// `kbd_only`: keyboard-interactive is the only way in (the kbd-ack quirk).
fn server_config(platform: Platform, key: PrivateKey, kbd_only: bool) -> russh::server::Config {
    let methods: &[MethodKind] = if kbd_only {
        &[MethodKind::KeyboardInteractive]
    } else {
        &[MethodKind::Password, MethodKind::KeyboardInteractive]
    };
    russh::server::Config {
        server_id: SshId::Standard(Cow::Borrowed(devices::behaviour(platform).server_id)),
        methods: MethodSet::from(methods),
        // Fail wrong passwords fast: the fleet is a test bed, not a target.
        auth_rejection_time: Duration::from_millis(50),
        auth_rejection_time_initial: Some(Duration::ZERO),
        keys: vec![key],
        inactivity_timeout: Some(Duration::from_secs(60)),
        nodelay: true,
        ..Default::default()
    }
}

/// One ed25519 host key per fleet, from the OS's randomness; the seed (and the clock) only if the
/// OS has none to give, since a test fleet's key need not be secret, only different per fleet.
fn host_key(seed: u64) -> PrivateKey {
    let mut bytes = [0u8; 32];
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        let mut r = rng::Rng::new(seed ^ nanos ^ u64::from(std::process::id()));
        for chunk in bytes.chunks_mut(8) {
            chunk.copy_from_slice(&r.next_u64().to_le_bytes()[..chunk.len()]);
        }
    }
    PrivateKey::from(Ed25519Keypair::from_seed(&bytes))
}

/// Raise the soft open-files limit to the hard one: every device is a listening socket.
fn raise_fd_limit(devices: usize) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read/write the struct we pass.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
    let _ = devices;
}

/// Bind `n` consecutive ports from `base` (or from a free range when `base` is 0).
fn bind_range(bind: IpAddr, base: u16, n: usize) -> anyhow::Result<Vec<std::net::TcpListener>> {
    let bind_all = |start: u32| -> Result<Vec<std::net::TcpListener>, (u32, std::io::Error)> {
        let mut out = Vec::with_capacity(n);
        for port in start..start + n as u32 {
            let p = u16::try_from(port).map_err(|_| {
                (
                    port,
                    std::io::Error::new(std::io::ErrorKind::InvalidInput, "port out of range"),
                )
            })?;
            match std::net::TcpListener::bind(SocketAddr::new(bind, p)) {
                Ok(l) => out.push(l),
                Err(e) => return Err((port, e)),
            }
        }
        Ok(out)
    };
    if base != 0 {
        let last = u32::from(base) + n as u32 - 1;
        if last > 65535 {
            bail!("{n} devices from port {base} would need ports up to {last}");
        }
        return bind_all(u32::from(base)).map_err(|(port, e)| {
            if e.kind() == std::io::ErrorKind::AddrInUse {
                anyhow::anyhow!("port {port} on {bind} is in use (devices need {base}-{last})")
            } else if e.raw_os_error() == Some(libc::EMFILE) {
                anyhow::anyhow!(
                    "out of file descriptors at port {port}: raise `ulimit -n` above {n}"
                )
            } else {
                anyhow::anyhow!("cannot listen on {bind}:{port}: {e}")
            }
        });
    }
    // Below the kernel's ephemeral range where it fits, so clients' own ports do not collide.
    let (lo, hi) = if n < 20_000 {
        (10_000u32, 32_000u32)
    } else {
        (1_024, 65_535)
    };
    let span = (hi - lo).saturating_sub(n as u32).max(1);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut r = rng::Rng::new(u64::from(nanos) ^ (u64::from(std::process::id()) << 32));
    let mut start = lo + r.below(u64::from(span)) as u32;
    for _ in 0..64 {
        if start + n as u32 - 1 > 65_535 {
            start = lo + r.below(u64::from(span)) as u32;
        }
        match bind_all(start) {
            Ok(v) => return Ok(v),
            Err((port, e)) if e.kind() == std::io::ErrorKind::AddrInUse => {
                // Skip past the busy port or jump elsewhere.
                start = if r.below(2) == 0 {
                    port + 1
                } else {
                    lo + r.below(u64::from(span)) as u32
                };
            }
            Err((port, e)) => {
                if e.raw_os_error() == Some(libc::EMFILE) {
                    bail!("out of file descriptors at port {port}: raise `ulimit -n` above {n}");
                }
                bail!("cannot listen on {bind}:{port}: {e}");
            }
        }
    }
    bail!("found no {n} consecutive free ports on {bind}")
}

/// What simulated device `index` of `platform`'s fleet (seeded with `seed`) answers to its
/// version command, and the version it runs: the simulator's entry for that platform.
pub fn version_output(platform: Platform, index: usize, seed: u64) -> (String, String) {
    let (identity, _, _) = Identity::generate(platform, index, seed);
    (identity.version_output(), identity.expect_version())
}
