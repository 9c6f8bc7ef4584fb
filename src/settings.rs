//! The shared, fixed-once part of a run: credentials, port, timeouts, commands, mode, host-key policy.
//!
//! Like `functools.partial`, everything that is the same for every device is resolved here, before
//! any connection; a worker only adds the device.

use crate::inventory::Device;
use crate::secret::Secret;
use crate::ssh::algorithms::Choice;
use crate::ssh::hostkeys::{HostKeyPolicy, HostKeyRule};
use crate::ssh::jump::{JumpLogin, JumpRoute};
use crate::ssh::proxy::{expand, Tokens};
use crate::ssh_config::{HostConfig, SshConfig};
use std::borrow::Cow;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The environment variable holding the SSH password.
pub const ENV_PASSWORD: &str = "NETINV_PASSWORD";
/// The environment variable holding the key's passphrase.
pub const ENV_KEY_PASSPHRASE: &str = "NETINV_KEY_PASSPHRASE";
/// The environment variable holding the enable secret.
pub const ENV_ENABLE_SECRET: &str = "NETINV_ENABLE_SECRET";

/// How to run commands on a device: exec, the interactive shell, or exec falling back to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The platform's preferred way; falls back to the shell when exec is refused.
    Auto,
    /// The SSH exec channel only.
    Exec,
    /// An interactive shell with prompt detection and paging disabled.
    Shell,
}

impl Mode {
    /// Every mode, in the order `--help` lists them.
    pub const ALL: [Mode; 3] = [Mode::Auto, Mode::Exec, Mode::Shell];

    /// Its name on the command line, in the config file, in reports and on the wire to runners.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Auto => "auto",
            Mode::Exec => "exec",
            Mode::Shell => "shell",
        }
    }
}

/// A private key for public-key auth.
#[derive(Debug, Clone)]
pub struct KeyFile {
    /// The private key file.
    pub path: PathBuf,
    /// Its passphrase, if it is encrypted.
    pub passphrase: Option<Secret>,
}

impl KeyFile {
    /// A key whose passphrase, if any, is in env `NETINV_KEY_PASSPHRASE`.
    pub fn new(path: PathBuf) -> KeyFile {
        KeyFile {
            path,
            passphrase: env_secret(ENV_KEY_PASSPHRASE),
        }
    }
}

/// How, if at all, to enter privileged mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnableSetting {
    /// Stay in the mode the login gives.
    Off,
    /// Enter privileged mode, with this secret (`None`: an empty answer).
    On(Option<Secret>),
}

/// Where host keys are checked and recorded.
#[derive(Debug, Clone)]
pub struct HostKeys {
    /// What to do with unknown and changed keys.
    pub policy: HostKeyPolicy,
    /// The known_hosts file; `None` = the default.
    pub file: Option<PathBuf>,
    /// `--host-key-policy` was given: it wins over ssh_config's `StrictHostKeyChecking`.
    pub policy_given: bool,
    /// `--known-hosts` was given: it wins over ssh_config's `UserKnownHostsFile`.
    pub file_given: bool,
}

/// Everything shared by all devices of a run. Built once; read-only afterwards.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The login name, unless each row has its own.
    pub username: Option<String>,
    /// The SSH password.
    pub password: Option<Secret>,
    /// The private key to log in with.
    pub key: Option<KeyFile>,
    /// Offer the keys of a running ssh-agent.
    pub agent: bool,
    /// Answer banners that wait to be acknowledged (`--accept-banner`).
    pub accept_banner: bool,
    /// Whether to enter privileged mode.
    pub enable: EnableSetting,
    /// The SSH port for rows that name none.
    pub port: u16,
    /// `-p` was given (not only the config file's `port`): it wins over ssh_config's `Port`.
    pub port_given: bool,
    /// Each device's whole budget, connection included.
    pub timeout: Duration,
    /// The budget for the TCP connection and the SSH handshake.
    pub connect_timeout: Duration,
    /// `--connect-timeout` was given: it wins over ssh_config's `ConnectTimeout`.
    pub connect_timeout_given: bool,
    /// `-u`/`NETINV_USERNAME` was given: it wins over ssh_config's `User`.
    pub username_given: bool,
    /// `--key` was given: it wins over ssh_config's `IdentityFile`.
    pub key_given: bool,
    /// Empty: each device runs its platform's version command.
    pub commands: Vec<String>,
    /// Exec, shell, or exec falling back to the shell.
    pub mode: Mode,
    /// Extra attempts after a transient failure.
    pub retries: u32,
    /// New connections per second across all workers; 0 = unlimited.
    pub rate: f64,
    /// Bytes kept per command's output.
    pub max_output: usize,
    /// Where host keys are checked and recorded.
    pub host_keys: HostKeys,
    /// Devices collected at once.
    pub workers: usize,
    /// The approved-software policy every collected version is judged against.
    pub policy: Option<std::sync::Arc<crate::audit::policy::Policy>>,
    /// Offer the legacy algorithms to every device (rows may still say `legacy=no`).
    pub legacy_algorithms: bool,
    /// Jump hosts for rows whose `jump` cell is empty (`-J`).
    pub jump: Option<JumpRoute>,
    /// The bastions' own password (`NETINV_JUMP_PASSWORD`); never sent to a device.
    pub jump_password: Option<Secret>,
    /// The user's ssh_config, below the command line and the inventory.
    pub ssh_config: Option<Arc<SshConfig>>,
}

/// A setting that cannot be used; no device is contacted (exit 2).
#[derive(Debug)]
pub enum SettingsError {
    /// The password file cannot be read.
    PasswordFile(PathBuf, std::io::Error),
    /// The password prompt failed.
    PasswordPrompt(std::io::Error),
    /// The commands file cannot be read.
    CommandsFile(PathBuf, std::io::Error),
    /// A command given is empty.
    EmptyCommand,
    /// The commands file holds no command.
    NoCommandsInFile(PathBuf),
    /// The key file cannot be read.
    KeyFile(PathBuf, std::io::Error),
    /// The passphrase given does not decrypt the key: every device would refuse the login.
    KeyPassphrase(PathBuf),
    /// The key is encrypted and no passphrase was given.
    KeyEncrypted(PathBuf),
    /// No username for a device that needs one.
    NoUsername {
        /// The first such device.
        first_device: String,
        /// Its inventory line.
        line: usize,
    },
    /// A password or secret that is there but empty; `what` says where it came from.
    EmptySecret(String),
    /// No password, key or agent for a device.
    NoCredentials {
        /// The first such device.
        first_device: String,
        /// Its inventory line.
        line: usize,
    },
    /// `--enable` without any enable secret for a device.
    EnableWithoutSecret {
        /// The first such device.
        first_device: String,
        /// Its inventory line.
        line: usize,
    },
    /// The ssh_config file cannot be read or parsed (the message names it).
    SshConfig(String),
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingsError::PasswordFile(p, e) => {
                write!(f, "cannot read password file {}: {e}", p.display())
            }
            SettingsError::PasswordPrompt(e) if no_terminal(e) => write!(
                f,
                "--ask-password needs a terminal to prompt on, and there is none (cron, a pipe, \
                 a service?): give the password in env {ENV_PASSWORD} or with --password-file FILE"
            ),
            SettingsError::PasswordPrompt(e) => write!(f, "cannot prompt for the password: {e}"),
            SettingsError::CommandsFile(p, e) => {
                write!(f, "cannot read commands file {}: {e}", p.display())
            }
            SettingsError::EmptyCommand => write!(f, "a command given with -c/--command is empty"),
            SettingsError::NoCommandsInFile(p) => write!(
                f,
                "commands file {} has no command in it (only blank lines or # comments): \
                 put one command per line",
                p.display()
            ),
            SettingsError::KeyFile(p, e) => write!(f, "cannot read key file {}: {e}", p.display()),
            SettingsError::KeyPassphrase(p) => write!(
                f,
                "the passphrase in {ENV_KEY_PASSPHRASE} does not decrypt key file {}: set the \
                 key's passphrase there (no device was contacted)",
                p.display()
            ),
            SettingsError::KeyEncrypted(p) => write!(
                f,
                "key file {} is encrypted and no passphrase was given: set \
                 {ENV_KEY_PASSPHRASE}, or load the key into an ssh-agent",
                p.display()
            ),
            SettingsError::NoUsername { first_device, line } => write!(
                f,
                "no username for device '{first_device}' (line {line}): give -u/--username, \
                 set NETINV_USERNAME, or add a `username` column"
            ),
            SettingsError::EmptySecret(what) => write!(
                f,
                "{what}: fill it in, or pass --allow-empty-password if the devices really take \
                 an empty one"
            ),
            SettingsError::NoCredentials { first_device, line } => write!(
                f,
                "no way to log in to device '{first_device}' (line {line}): no password, no key \
                 and no ssh-agent; set {ENV_PASSWORD} (or --password-file FILE, --ask-password), \
                 give --key FILE, start an ssh-agent (SSH_AUTH_SOCK), or add a `password` column"
            ),
            SettingsError::SshConfig(why) => f.write_str(why),
            SettingsError::EnableWithoutSecret { first_device, line } => write!(
                f,
                "--enable needs the enable secret, and there is none for device '{first_device}' \
                 (line {line}): set {ENV_ENABLE_SECRET}, or add a `secret` column"
            ),
        }
    }
}

impl std::error::Error for SettingsError {}

/// What opening the terminal fails with when the process has none.
fn no_terminal(e: &std::io::Error) -> bool {
    e.raw_os_error() == Some(libc::ENXIO) || e.kind() == std::io::ErrorKind::NotFound
}

impl Settings {
    /// Every device must end up with a username; say which one does not before contacting any.
    pub fn check_usernames(&self, devices: &[Device]) -> Result<(), SettingsError> {
        if self.username.is_some() {
            return Ok(());
        }
        match devices
            .iter()
            .find(|d| d.username.is_none() && self.ssh_host(d).user.is_none())
        {
            Some(d) => Err(SettingsError::NoUsername {
                first_device: d.name.clone(),
                line: d.line,
            }),
            None => Ok(()),
        }
    }

    /// Every device must have a way to log in, and with `--enable` an enable secret: say which
    /// one has not before contacting any, instead of failing each of them on its own.
    pub fn check_credentials(&self, devices: &[Device]) -> Result<(), SettingsError> {
        let shared_login = self.password.is_some() || self.key.is_some() || self.agent;
        if !shared_login {
            if let Some(d) = devices
                .iter()
                .find(|d| d.password.is_none() && self.ssh_host(d).identity_file.is_none())
            {
                return Err(SettingsError::NoCredentials {
                    first_device: d.name.clone(),
                    line: d.line,
                });
            }
        }
        if let EnableSetting::On(None) = &self.enable {
            if let Some(d) = devices.iter().find(|d| d.secret.is_none()) {
                return Err(SettingsError::EnableWithoutSecret {
                    first_device: d.name.clone(),
                    line: d.line,
                });
            }
        }
        Ok(())
    }

    /// What ssh_config says about this device's host (nothing without a file).
    pub fn ssh_host(&self, device: &Device) -> Arc<HostConfig> {
        match &self.ssh_config {
            Some(c) => c.host(&device.host),
            None => Arc::default(),
        }
    }

    /// The port the row or `-p` fixes, before ssh_config's `Port` and the default: what a job
    /// carries to a runner, which settles the rest with its own ssh_config.
    pub fn fixed_port(&self, device: &Device) -> Option<u16> {
        device.port.or(self.port_given.then_some(self.port))
    }

    /// What to connect to for one device: the shared values with the row's overrides applied,
    /// and ssh_config below both (command line > inventory row > ssh_config > defaults; a
    /// row's own `username`, `legacy` and `jump` also win over the command line's).
    pub fn target<'a>(&'a self, device: &'a Device) -> Target<'a> {
        let ssh = self.ssh_host(device);
        let port = self.fixed_port(device).or(ssh.port).unwrap_or(self.port);
        let host = match &ssh.host_name {
            Some(h) => Cow::Owned(h.clone()),
            None => Cow::Borrowed(device.host.as_str()),
        };
        let username = match (&device.username, &ssh.user) {
            (Some(u), _) => Cow::Borrowed(u.as_str()),
            (None, Some(u)) if !self.username_given => Cow::Owned(u.clone()),
            (None, _) => Cow::Borrowed(self.username.as_deref().unwrap_or("")),
        };
        // A jump route from the row or the command line (even `none`) wins over ssh_config's
        // ProxyCommand as over its ProxyJump.
        let own_jump = device.jump.as_ref().or(self.jump.as_ref());
        let proxy_command = match own_jump {
            Some(_) => None,
            None => self
                .proxy_command(&ssh, device, &host, port, &username)
                .transpose(),
        };
        let host_keys = ssh.host_key_rule(
            self.host_keys.policy_given,
            self.host_keys.file_given,
            &Tokens {
                host: &host,
                port,
                user: &username,
                original: &device.host,
            },
        );
        Target {
            host_keys,
            host,
            port,
            username,
            proxy_command,
            algorithms: Choice {
                legacy: device.legacy.unwrap_or(self.legacy_algorithms),
                edits: ssh.edits.clone(),
            },
            // A row's own `jump` (even `none`) wins over `--jump`.
            jump: match own_jump {
                Some(j) => Some(Cow::Borrowed(j)),
                None => ssh.proxy_jump.clone().map(Cow::Owned),
            },
            key: match self.key_given {
                true => None,
                false => ssh.identity_file.clone().map(KeyFile::new),
            },
            connect_timeout: match (self.connect_timeout_given, ssh.connect_timeout) {
                (false, Some(t)) => Some(t.min(self.timeout)),
                _ => None,
            },
        }
    }

    /// ssh_config's ProxyCommand for the device, its tokens expanded (None: there is none).
    fn proxy_command(
        &self,
        ssh: &HostConfig,
        device: &Device,
        host: &str,
        port: u16,
        user: &str,
    ) -> Result<Option<String>, String> {
        let Some(template) = &ssh.proxy_command else {
            return Ok(None);
        };
        let tokens = Tokens {
            host,
            port,
            user,
            original: &device.host,
        };
        expand(template, &tokens).map(Some)
    }

    /// Every ProxyCommand must expand: say which one does not before contacting any device.
    pub fn check_proxy_commands(&self, devices: &[Device]) -> Result<(), SettingsError> {
        let Some(config) = &self.ssh_config else {
            return Ok(());
        };
        for d in devices {
            if let Some(Err(why)) = self.target(d).proxy_command {
                return Err(SettingsError::SshConfig(format!(
                    "ssh_config {}: the ProxyCommand for host '{}' (device '{}', line {}): {why}",
                    config.path().display(),
                    d.host,
                    d.name,
                    d.line
                )));
            }
        }
        Ok(())
    }

    /// An `IdentityFile` from ssh_config that the passphrase does not decrypt (or that is
    /// encrypted, with no passphrase and no agent) would fail every device that uses it, as a
    /// refused login each: said once, before any device is contacted. Bastions' too. A file
    /// that is not there is skipped, as ssh skips it.
    pub fn check_identity_files(&self, devices: &[Device]) -> Result<(), SettingsError> {
        let Some(config) = self.ssh_config.as_ref().filter(|_| !self.key_given) else {
            return Ok(());
        };
        let passphrase = env_secret(ENV_KEY_PASSPHRASE);
        let mut seen = std::collections::HashSet::new();
        for d in devices {
            let route = d.jump.as_ref().or(self.jump.as_ref()).cloned();
            let route = route.or_else(|| self.ssh_host(d).proxy_jump.clone());
            let hosts = std::iter::once(d.host.as_str()).chain(
                route
                    .iter()
                    .flat_map(|r| r.hops().iter().map(|h| h.host.as_str())),
            );
            for host in hosts {
                let Some(path) = config.host(host).identity_file.clone() else {
                    continue;
                };
                if !path.exists() || !seen.insert(path.clone()) {
                    continue;
                }
                check_key_decrypts(&path, passphrase.as_ref(), self.agent).map_err(|e| {
                    SettingsError::SshConfig(format!(
                        "{e} — it is the IdentityFile ssh_config {} gives host '{host}' (for \
                         device '{}', line {})",
                        config.path().display(),
                        d.name,
                        d.line
                    ))
                })?;
            }
        }
        Ok(())
    }

    /// How bastions are logged in to.
    pub fn jump_login(&self) -> JumpLogin {
        JumpLogin {
            username: self.username.clone(),
            password: self.jump_password.clone(),
            key: self.key.clone(),
            agent: self.agent,
            ssh_config: self.ssh_config.clone(),
            username_given: self.username_given,
            key_given: self.key_given,
            host_key_policy_given: self.host_keys.policy_given,
            known_hosts_given: self.host_keys.file_given,
        }
    }
}

/// One device's connection parameters, from the device row, the settings and ssh_config.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    /// What to connect to: ssh_config's `HostName` for the inventory's host, or the host.
    pub host: Cow<'a, str>,
    /// The port to connect to.
    pub port: u16,
    /// The login name.
    pub username: Cow<'a, str>,
    /// Which algorithms to offer this device.
    pub algorithms: Choice,
    /// The jump hosts on the way to it, if any.
    pub jump: Option<Cow<'a, JumpRoute>>,
    /// ssh_config's `IdentityFile` when `--key` is not given: it wins over the shared key
    /// (one from the config file).
    pub key: Option<KeyFile>,
    /// ssh_config's `ConnectTimeout`, when `--connect-timeout` is not given.
    pub connect_timeout: Option<Duration>,
    /// ssh_config's `ProxyCommand`, expanded (or why it cannot be), when no jump route was
    /// given: the connection runs over its stdin and stdout.
    pub proxy_command: Option<Result<String, String>>,
    /// ssh_config's `StrictHostKeyChecking` and `UserKnownHostsFile`, where the command line
    /// does not set them.
    pub host_keys: HostKeyRule,
}

/// A wrong passphrase is the operator's mistake, the same for every device: found here, once,
/// instead of as a refused login on each device (libssh2 reports it as a failed
/// authentication). Only what is certain refuses the run: an OpenSSH-format key (what
/// ssh-keygen writes) whose check values do not match after decryption, a PEM or PKCS#8 key
/// that the passphrase does not decrypt, or an encrypted key with no passphrase and no agent to
/// fall back on. Formats and ciphers the check cannot read are left to libssh2.
pub(crate) fn check_key_decrypts(
    path: &std::path::Path,
    passphrase: Option<&Secret>,
    agent: bool,
) -> Result<(), SettingsError> {
    use russh::keys::ssh_key::{Cipher, Error, PrivateKey};
    let decryptable = |c: Cipher| {
        matches!(
            c,
            Cipher::Aes128Ctr
                | Cipher::Aes192Ctr
                | Cipher::Aes256Ctr
                | Cipher::Aes128Cbc
                | Cipher::Aes192Cbc
                | Cipher::Aes256Cbc
                | Cipher::Aes128Gcm
                | Cipher::Aes256Gcm
                | Cipher::ChaCha20Poly1305
        )
    };
    // A key file is a few kilobytes; anything else is not worth reading into memory here.
    const MAX_KEY_FILE: u64 = 1 << 20;
    let file = std::fs::File::open(path).map_err(|e| SettingsError::KeyFile(path.into(), e))?;
    let mut text = String::new();
    if std::io::Read::read_to_string(&mut std::io::Read::take(file, MAX_KEY_FILE), &mut text)
        .is_err()
    {
        return Ok(());
    }
    let legacy_encrypted = text.contains("Proc-Type: 4,ENCRYPTED")
        || text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----");
    let key = match PrivateKey::from_openssh(&text) {
        Ok(key) => key,
        Err(_) if legacy_encrypted && passphrase.is_none() && !agent => {
            return Err(SettingsError::KeyEncrypted(path.into()))
        }
        Err(_) => {
            let fits = passphrase
                .and_then(|p| crate::keyfile::pem_passphrase_fits(&text, p.expose().as_bytes()));
            return match fits {
                Some(false) => Err(SettingsError::KeyPassphrase(path.into())),
                _ => Ok(()),
            };
        }
    };
    if !key.is_encrypted() {
        return Ok(());
    }
    match passphrase {
        None if agent => Ok(()),
        None => Err(SettingsError::KeyEncrypted(path.into())),
        // The check values mismatch (or the AEAD tag fails) only with the wrong passphrase,
        // for ciphers that are compiled in; an unsupported one fails with the same error.
        Some(p) => match key.decrypt(p.expose()) {
            Err(Error::Crypto) if decryptable(key.cipher()) => {
                Err(SettingsError::KeyPassphrase(path.into()))
            }
            _ => Ok(()),
        },
    }
}

/// `--connect-timeout` when neither it nor ssh_config's `ConnectTimeout` is given.
pub(crate) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A secret from an environment variable, if it is set.
pub(crate) fn env_secret(var: &str) -> Option<Secret> {
    std::env::var(var).ok().map(Secret::new)
}

/// `~/.ssh/known_hosts`, when HOME is set.
pub(crate) fn default_known_hosts() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".ssh").join("known_hosts"))
}
