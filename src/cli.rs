//! Command-line interface: the clap definitions of every subcommand and option.

use crate::settings::Mode;
use crate::ssh::hostkeys::HostKeyPolicy;
use clap::builder::PossibleValue;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "netinv",
    version,
    about = "Collect `show version` (or any show command) over SSH from a fleet of network devices",
    long_about = None,
    propagate_version = true
)]
/// The command line: one subcommand and its arguments.
pub struct Cli {
    /// The subcommand to run.
    #[command(subcommand)]
    pub command: Command,
}

// One value per process, parsed once: its size does not matter, and boxing the collect
// arguments would only add noise to every use.
/// The subcommands.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a command on every device of an inventory and write reports (the main job)
    Collect(CollectArgs),
    /// Validate an inventory and print every problem; contacts nothing
    Check(CheckArgs),
    /// Parse a saved version-command output and print the facts as JSON
    Parse(ParseArgs),
    /// Serve a simulated fleet of SSH network devices on loopback
    Sim(SimArgs),
    /// Start a small simulated fleet and collect from it: the first thing to run
    Demo(DemoArgs),
    /// Judge a saved JSON report against an approved-software policy; contacts nothing
    Audit(AuditArgs),
    /// Compare two saved JSON reports: devices added, removed, upgraded, replaced, failing
    Diff(DiffArgs),
    /// Serve one region from a NATS JetStream broker: take its devices' jobs, collect each
    /// with this machine's credentials, send back the results (until SIGTERM, which drains)
    Runner(RunnerArgs),
    /// List the live runners a NATS broker knows, with their state
    Runners(RunnersArgs),
    /// Print a shell completion script, e.g. `netinv completions bash > ~/.local/share/bash-completion/completions/netinv`
    Completions(CompletionsArgs),
    /// Print the man page netinv(1), or write one page per subcommand with --out-dir
    Man(ManArgs),
}

/// Arguments of `netinv completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Arguments of `netinv man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write netinv.1 and netinv-SUBCOMMAND.1 into this existing directory
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

// The run's own types, with the values and help `--mode` and `--host-key-policy` show: the
// names are the domain's (reports carry them too), the help is the command line's.
impl ValueEnum for Mode {
    fn value_variants<'a>() -> &'a [Self] {
        &Mode::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let help = match self {
            Mode::Auto => {
                "The platform's preferred way; falls back to the shell when exec is refused"
            }
            Mode::Exec => "The SSH exec channel only",
            Mode::Shell => "An interactive shell with prompt detection and paging disabled",
        };
        Some(PossibleValue::new(self.as_str()).help(help))
    }
}

impl ValueEnum for HostKeyPolicy {
    fn value_variants<'a>() -> &'a [Self] {
        &HostKeyPolicy::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let help = match self {
            HostKeyPolicy::Strict => "Only hosts already in known_hosts",
            HostKeyPolicy::AcceptNew => "Record unknown hosts; a changed key always fails",
            HostKeyPolicy::Off => "No checking at all (lab use)",
        };
        Some(PossibleValue::new(self.as_str()).help(help))
    }
}

/// The format of log lines on stderr: lines for people, or one JSON object per line.
// Clap would print variant docs as help text, which `--log-format` never had.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Parses a duration such as `30s`, `500ms` or `2m`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s.trim())
        .map_err(|e| format!("{e} (examples: 500ms, 30s, 2m)"))?;
    if d.is_zero() {
        return Err("must be greater than zero".into());
    }
    Ok(d)
}

/// Parses a worker count (at least 1).
pub fn parse_workers(s: &str) -> Result<usize, String> {
    let max = crate::sys::MAX_WORKERS;
    match s.parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "must be a whole number from 1 to {max} (the most threads netinv's logging can hold)"
        )),
    }
}

/// Parses a TCP port (1-65535).
pub fn parse_port(s: &str) -> Result<u16, String> {
    match s.parse::<u16>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err("must be a whole number from 1 to 65535".into()),
    }
}

/// New connections per second: a whole number or a fraction (`0.5` = one every two seconds).
pub fn parse_rate(s: &str) -> Result<f64, String> {
    const WHAT: &str =
        "must be a number of new connections per second, e.g. 20 or 0.5 (0 = unlimited)";
    match s.trim().parse::<f64>() {
        Ok(r) if r == 0.0 || (0.001..=1_000_000.0).contains(&r) => Ok(r),
        Ok(_) => Err(format!("{WHAT}; from 0.001 to 1000000")),
        Err(_) => Err(WHAT.to_string()),
    }
}

/// Octal permission bits for created files: read and write for the owner (netinv reads its
/// history back), never execute or set-id bits (these are data files).
pub fn parse_file_mode(s: &str) -> Result<u32, String> {
    let fix = "give octal read/write bits that include the owner's, like 600, 640 or 644";
    let mode =
        u32::from_str_radix(s.trim(), 8).map_err(|_| format!("'{s}' is not octal: {fix}"))?;
    if mode & !0o666 != 0 || mode & 0o600 != 0o600 {
        return Err(format!(
            "{mode:o}: {fix} (no execute or set-id bits, and the owner must read and write)"
        ));
    }
    Ok(mode)
}

/// A byte size like `16MiB`, `512k`, `1000000`.
pub fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: usize = num
        .parse()
        .map_err(|_| format!("'{s}' is not a size (e.g. 16MiB)"))?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(format!("'{s}': unknown unit (use B, KiB, MiB or GiB)")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("'{s}' is too large"))
}

/// Arguments of `netinv collect`.
#[derive(Debug, Args)]
pub struct CollectArgs {
    /// Inventory CSV (`-` = stdin); `host` is the only required column
    #[arg(short, long, value_name = "FILE")]
    pub inventory: String,

    /// Defaults for these options from a TOML file (`none`: no file); without it,
    /// $XDG_CONFIG_HOME/netinv/config.toml or ~/.config/netinv/config.toml when there is one
    #[arg(long, value_name = "FILE|none", env = "NETINV_CONFIG")]
    pub config: Option<String>,

    /// Which inventory column plays which part, e.g. host=mgmt_ip,name=hostname
    #[arg(long, value_name = "ROLE=COLUMN,...")]
    pub columns: Option<String>,

    /// Username, password file, key, agent, banners and port, as for `runner`.
    #[command(flatten)]
    pub login: LoginArgs,

    /// Prompt for the password on the terminal, without echo
    #[arg(long, conflicts_with = "password_file")]
    pub ask_password: bool,

    /// Enter privileged mode (`enable`) when the prompt shows user mode; secret from env NETINV_ENABLE_SECRET
    #[arg(long)]
    pub enable: bool,

    /// Devices worked on at once (at most 4000)
    #[arg(short, long, default_value = "32", value_parser = parse_workers)]
    pub workers: usize,

    /// Per-device deadline for connect + auth + command(s), e.g. 500ms, 30s, 2m
    #[arg(short, long, default_value = "30s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Deadline for the TCP connect alone, never longer than --timeout (default: ssh_config's
    /// `ConnectTimeout`, else 10s)
    #[arg(long, value_parser = parse_duration)]
    pub connect_timeout: Option<Duration>,

    /// Command to run; repeat for several (default: the platform's version command)
    #[arg(short, long = "command", value_name = "CMD")]
    pub commands: Vec<String>,

    /// File with one command per line (blank lines and # comments skipped)
    #[arg(long, value_name = "FILE")]
    pub commands_file: Option<PathBuf>,

    /// How to run the command
    #[arg(long, value_enum, default_value = "auto")]
    pub mode: Mode,

    /// Extra attempts for transient failures (connect, timeout, protocol)
    #[arg(long, default_value = "0")]
    pub retries: u32,

    /// At most this many new connections per second, e.g. 20 or 0.5 (0 = unlimited)
    #[arg(long, default_value = "0", value_parser = parse_rate)]
    pub rate: f64,

    /// Cap on captured output per device and command; the rest is dropped and marked
    #[arg(long, default_value = "16MiB", value_parser = parse_size)]
    pub max_output: usize,

    /// Write the JSON report here (`-` = stdout)
    #[arg(long, value_name = "FILE")]
    pub json: Option<String>,

    /// Write the CSV report here (`-` = stdout)
    #[arg(long, value_name = "FILE")]
    pub csv: Option<String>,

    /// Write Prometheus metrics here, in node_exporter's textfile format
    #[arg(long, value_name = "FILE")]
    pub prometheus: Option<String>,
    /// CSV cells exactly as collected: no `'` before cells a spreadsheet would run as a formula
    #[arg(long)]
    pub csv_raw: bool,
    /// Permission bits (octal) of the files netinv creates: reports, raw outputs, log, history (600; e.g. 640 to share with the group; the umask still applies)
    #[arg(long, value_name = "MODE", default_value = "600", value_parser = parse_file_mode)]
    pub file_mode: u32,

    /// Write a self-contained HTML page: figures, version charts, device table, failures
    #[arg(long, value_name = "FILE")]
    pub html: Option<String>,

    /// Write a spreadsheet workbook: Devices, Compliance, Failures and Changes sheets, typed cells
    /// (never a formula), header frozen, filters on
    #[arg(long, value_name = "FILE")]
    pub xlsx: Option<String>,

    /// Keep every run's JSON report here under a dated name, with latest.json and the changes
    /// since the previous run; one run at a time
    #[arg(long, value_name = "DIR")]
    pub history: Option<PathBuf>,

    /// With --history: keep only the newest N reports
    #[arg(long, value_name = "N", requires = "history", value_parser = clap::value_parser!(u32).range(1..))]
    pub keep: Option<u32>,

    /// Write each device's raw output to DIR/<name>.txt
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,

    /// Host keys, algorithms, jump hosts and ssh_config.
    #[command(flatten)]
    pub ssh: SshArgs,

    /// The options (long names) whose value came from the config file: those that ssh_config
    /// can also set (username, port, connect-timeout, key, known-hosts, host-key-policy) rank
    /// below ssh_config.
    #[arg(skip)]
    pub from_config: Vec<String>,

    /// Skip inventory rows with problems (they are listed) instead of refusing to start
    #[arg(long)]
    pub skip_invalid: bool,

    /// Judge every device's version against this approved-software policy (YAML)
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// Logging options.
    #[command(flatten)]
    pub log: LogArgs,

    /// Do not show the progress bar
    #[arg(long)]
    pub no_progress: bool,

    /// NATS options (`--nats`).
    #[command(flatten)]
    pub nats: NatsArgs,

    /// With --nats: the inventory column naming each device's region (default `site`, or
    /// `region` when there is no `site` column)
    #[arg(long, value_name = "COL", requires = "nats")]
    pub region_column: Option<String>,

    /// With --nats: this run's id (letters, digits, `-`, `_`); run again with the same id to
    /// resume from the results already sent back (default: a new id, logged at the start)
    #[arg(long, value_name = "ID", requires = "nats")]
    pub run_id: Option<String>,
}

impl CollectArgs {
    /// `collect`'s arguments from words as a user would type them after `netinv collect`
    /// (nothing from the config file), for the runs netinv sets up itself.
    pub fn from_words<S: AsRef<str>>(words: &[S]) -> Result<CollectArgs, clap::Error> {
        #[derive(Parser)]
        struct Wrap {
            #[command(flatten)]
            args: CollectArgs,
        }
        let argv = std::iter::once("netinv collect").chain(words.iter().map(AsRef::as_ref));
        Wrap::try_parse_from(argv).map(|w| w.args)
    }
}

/// Where the NATS JetStream broker is, and how to log in to it.
#[derive(Debug, Clone, Args)]
pub struct NatsArgs {
    /// The NATS broker, e.g. nats://broker.example:4222 (several: comma-separated); with
    /// `collect`, the devices are collected by the runners of their regions
    #[arg(id = "nats", long = "nats", value_name = "URL", env = "NETINV_NATS")]
    pub url: Option<String>,

    /// NATS credentials file (JWT and NKey seed, as `nsc` writes them)
    #[arg(long, value_name = "FILE", env = "NETINV_NATS_CREDS")]
    pub nats_creds: Option<PathBuf>,

    /// CA certificate (PEM) to verify the broker's TLS certificate with; TLS is then required
    #[arg(long, value_name = "FILE", env = "NETINV_NATS_TLS_CA")]
    pub nats_tls_ca: Option<PathBuf>,

    /// The central broker's JetStream domain (its `jetstream { domain: ... }`), for a host that
    /// reaches it through a NATS leaf node
    #[arg(long, value_name = "DOMAIN", env = "NETINV_NATS_JS_DOMAIN")]
    pub nats_js_domain: Option<String>,
}

/// Arguments of `netinv runners`.
#[derive(Debug, Clone, Args)]
pub struct RunnersArgs {
    /// NATS options.
    #[command(flatten)]
    pub nats: NatsArgs,

    /// One JSON array instead of a table
    #[arg(long)]
    pub json: bool,
}

/// A runner logs in to devices with its own credentials: the same options and environment
/// variables as `collect` (NETINV_USERNAME, NETINV_PASSWORD, NETINV_KEY_PASSPHRASE,
/// NETINV_ENABLE_SECRET, ...) and the same config file. What to run, and the per-device
/// deadline, come with each job from `collect`.
#[derive(Debug, Clone, Args)]
// The runner's help for the shared options has always been shorter than collect's (mut_args:
// mut_arg would move each one to the end of the completion scripts).
#[command(mut_args(runner_help))]
pub struct RunnerArgs {
    /// NATS options.
    #[command(flatten)]
    pub nats: NatsArgs,

    /// The region this runner serves: the value of the inventory's region column
    #[arg(long)]
    pub region: String,

    /// This runner's name in reports and `netinv runners` (default: host name and PID)
    #[arg(long)]
    pub name: Option<String>,

    /// Devices worked on at once (at most 4000)
    #[arg(short, long, default_value = "32", value_parser = parse_workers)]
    pub workers: usize,

    /// Defaults for these options from a TOML file, as for `collect`
    #[arg(long, value_name = "FILE|none", env = "NETINV_CONFIG")]
    pub config: Option<String>,

    /// Username, password file, key, agent, banners and port, as for `collect`.
    #[command(flatten)]
    pub login: LoginArgs,

    /// At most this many new connections per second (0 = unlimited)
    #[arg(long, default_value = "0", value_parser = parse_rate)]
    pub rate: f64,

    /// Host keys, algorithms, jump hosts and ssh_config, as for `collect`.
    #[command(flatten)]
    pub ssh: SshArgs,

    /// Logging options.
    #[command(flatten)]
    pub log: LogArgs,
}

/// How this machine logs in to devices: the options, environment variables and config-file
/// keys `collect` and `runner` share (what only one of them has stays with it).
#[derive(Debug, Clone, Args)]
pub struct LoginArgs {
    /// SSH username (or env NETINV_USERNAME; per-row `username` column overrides)
    #[arg(short, long, env = "NETINV_USERNAME")]
    pub username: Option<String>,

    /// Read the password from the first line of this file (or env NETINV_PASSWORD)
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,

    /// Accept an empty password or enable secret (refused otherwise: usually a variable that was never filled in)
    #[arg(long)]
    pub allow_empty_password: bool,

    /// Private key file for public-key auth (passphrase from env NETINV_KEY_PASSPHRASE)
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,

    /// Do not try keys from a running ssh-agent
    #[arg(long)]
    pub no_agent: bool,

    /// Acknowledge login banners that wait for it ("Press 'a' to accept", a yes/no notice in
    /// keyboard-interactive auth); without it such devices fail `auth`, naming the prompt
    #[arg(long)]
    pub accept_banner: bool,

    /// SSH port for rows without a `port` column value (default: ssh_config's `Port`, else 22)
    #[arg(short, long, value_parser = parse_port)]
    pub port: Option<u16>,
}

/// How devices are reached and trusted: host keys, algorithms, jump hosts and ssh_config. The
/// same options, environment variables and config-file keys for `collect` and `runner`.
#[derive(Debug, Clone, Args)]
pub struct SshArgs {
    /// known_hosts file (default: ssh_config's UserKnownHostsFile, else ~/.ssh/known_hosts)
    #[arg(long, value_name = "FILE")]
    pub known_hosts: Option<PathBuf>,

    /// What to do with host keys (default: ssh_config's StrictHostKeyChecking, else accept-new)
    #[arg(long, value_enum)]
    pub host_key_policy: Option<HostKeyPolicy>,

    /// Also offer the SHA-1 key exchanges, ssh-rsa (SHA-1) and ssh-dss host keys, 3des-cbc and
    /// hmac-sha1, after the modern algorithms, to every device (old IOS, ASA, NX-OS, ProCurve);
    /// the inventory column `legacy` (yes/no) decides per row
    #[arg(long)]
    pub legacy_algorithms: bool,

    /// Reach the devices through jump hosts, as `ssh -J`: `[user@]host[:port]`, several
    /// separated by commas for a chain (first hop first). Bastions log in with the same user,
    /// key and agent (a hop's `user@` overrides the user; a password only from env
    /// NETINV_JUMP_PASSWORD). The inventory column `jump` decides per row (`none`: direct)
    #[arg(short = 'J', long, value_name = "HOPS", value_parser = crate::ssh::jump::JumpRoute::parse)]
    pub jump: Option<crate::ssh::jump::JumpRoute>,

    /// OpenSSH client configuration to take HostName, User, Port, IdentityFile, ProxyJump,
    /// ProxyCommand, ConnectTimeout, the algorithm lists, StrictHostKeyChecking and
    /// UserKnownHostsFile from, per host (default ~/.ssh/config when it exists; `none` for no
    /// file). The command line and inventory columns win over it
    #[arg(long, value_name = "FILE|none", env = "NETINV_SSH_CONFIG")]
    pub ssh_config: Option<PathBuf>,
}

/// `runner`'s own help for options it shares with `collect`.
fn runner_help(arg: clap::Arg) -> clap::Arg {
    let help = match arg.get_id().as_str() {
        "username" => "SSH username (or env NETINV_USERNAME; a job's `username` column overrides)",
        "allow_empty_password" => "Accept an empty password or enable secret",
        "accept_banner" => "Acknowledge login banners that wait for it",
        "port" => {
            "SSH port for devices whose row gives none (default: ssh_config's `Port`, else 22)"
        }
        "known_hosts" => "known_hosts file (default ~/.ssh/known_hosts)",
        "legacy_algorithms" => "Also offer old devices' algorithms to every device",
        "jump" => "Reach the devices through jump hosts, as `ssh -J`",
        "ssh_config" => {
            "OpenSSH client configuration (default ~/.ssh/config when it exists; `none` for none)"
        }
        _ => return arg,
    };
    arg.help(help)
}

/// Logging options shared by the subcommands.
#[derive(Debug, Clone, Args)]
pub struct LogArgs {
    /// Log line format
    #[arg(long, value_enum, default_value = "text")]
    pub log_format: LogFormat,

    /// Write logs to this file instead of stderr
    #[arg(long, value_name = "FILE")]
    pub log_file: Option<PathBuf>,

    /// Quiet for cron: nothing on stderr when every device was collected; otherwise errors and the summary
    #[arg(short, long)]
    pub quiet: bool,

    /// More detail in logs (-v: debug, -vv: trace)
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// Arguments of `netinv audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The approved-software policy (YAML)
    #[arg(long, value_name = "FILE")]
    pub policy: PathBuf,

    /// A JSON report written by `netinv collect --json`
    #[arg(value_name = "REPORT.json")]
    pub report: PathBuf,

    /// Where the verdicts go.
    #[command(flatten)]
    pub out: FindingsOut,
}

/// Where `audit` and `diff` write what they found, besides their summary on stderr or stdout.
#[derive(Debug, Args)]
pub struct FindingsOut {
    /// Write every device's verdict as JSON here (`-` = stdout)
    #[arg(long, value_name = "FILE")]
    pub json: Option<String>,

    /// Write every device's verdict as CSV here (`-` = stdout)
    #[arg(long, value_name = "FILE")]
    pub csv: Option<String>,

    /// Permission bits (octal) of the files written (600; e.g. 640 to share with the group; the umask still applies)
    #[arg(long, value_name = "MODE", default_value = "600", value_parser = parse_file_mode)]
    pub file_mode: u32,
}

/// `diff`'s own help for the options it shares with `audit`.
fn diff_help(arg: clap::Arg) -> clap::Arg {
    let help = match arg.get_id().as_str() {
        "json" => "Write the changes as JSON here (`-` = stdout) instead of text on stdout",
        "csv" => "Write the changes as CSV here (`-` = stdout), one row per change",
        _ => return arg,
    };
    arg.help(help)
}

/// Arguments of `netinv diff`.
#[derive(Debug, Args)]
#[command(mut_args(diff_help))]
pub struct DiffArgs {
    /// The earlier JSON report
    #[arg(value_name = "OLD.json")]
    pub old: PathBuf,

    /// The later JSON report
    #[arg(value_name = "NEW.json")]
    pub new: PathBuf,

    /// Where the changes go.
    #[command(flatten)]
    pub out: FindingsOut,
}

/// Arguments of `netinv check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Inventory CSV (`-` = stdin)
    #[arg(short, long, value_name = "FILE")]
    pub inventory: String,

    /// Which inventory column plays which part, e.g. host=mgmt_ip,name=hostname
    #[arg(long, value_name = "ROLE=COLUMN,...")]
    pub columns: Option<String>,
}

/// Arguments of `netinv parse`.
#[derive(Debug, Args)]
pub struct ParseArgs {
    /// Platform of the output (a Netmiko device_type name, or `autodetect`)
    #[arg(long, default_value = "autodetect")]
    pub platform: String,

    /// Saved output (`-` = stdin)
    pub file: String,
}

/// Arguments of `netinv sim`.
#[derive(Debug, Clone, Args)]
pub struct SimArgs {
    /// Number of simulated devices, one per port
    #[arg(long, default_value = "10")]
    pub devices: usize,

    /// First port; devices listen on consecutive ports from here (0 = any free ports)
    #[arg(long, default_value = "0")]
    pub base_port: u16,

    /// Loopback address to listen on
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,

    /// Comma-separated platforms, assigned round-robin (default: all)
    #[arg(long, value_delimiter = ',')]
    pub platforms: Vec<String>,

    /// Username the devices accept
    #[arg(long, default_value = "admin")]
    pub username: String,

    /// Name of the environment variable holding the password the devices accept
    #[arg(long, default_value = "NETINV_PASSWORD")]
    pub password_env: String,

    /// Name of the environment variable holding the `enable` secret (default: enable needs none)
    #[arg(long, value_name = "VAR")]
    pub enable_secret_env: Option<String>,

    /// Latency before every answer, e.g. 50ms
    #[arg(long, value_parser = humantime::parse_duration)]
    pub latency: Option<Duration>,

    /// Random extra latency up to this much
    #[arg(long, value_parser = humantime::parse_duration)]
    pub jitter: Option<Duration>,

    /// Faults and quirks with shares, e.g. auth:2%,silent:1%,hang:1%,drip:1%,disconnect:1%,huge:1%,pager-stuck:1%,refuse-exec:5%,slow-banner:1%;
    /// quirks: user-mode, hash-banner, ansi-prompt, exec-closes, one-channel, inband-login,
    /// ack-banner, kbd-ack, password-expired, authz-failed, cr-only, odd-prompt
    #[arg(long, default_value = "")]
    pub faults: String,

    /// Seed for per-device facts and fault choice (same seed, same fleet)
    #[arg(long, default_value = "1")]
    pub seed: u64,

    /// Write an inventory CSV of the fleet here
    #[arg(long, value_name = "FILE")]
    pub write_inventory: Option<PathBuf>,

    /// Share of devices that moved to another release since the run without it, e.g. 10%
    #[arg(long, value_parser = parse_share, value_name = "SHARE")]
    pub upgrade: Option<f64>,

    /// Share of devices whose chassis was replaced (a new serial), e.g. 2%
    #[arg(long, value_parser = parse_share, value_name = "SHARE")]
    pub rma: Option<f64>,

    /// Chooses which devices --upgrade and --rma change (same seed, same devices)
    #[arg(long, default_value = "1")]
    pub wave_seed: u64,
}

/// `10%` or `0.1`: a share of the fleet.
fn parse_share(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|v| v / 100.0),
        None => t.parse::<f64>(),
    }
    .map_err(|_| format!("'{s}' is not a share: write e.g. 10% or 0.1"))?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("'{s}' is not between 0% and 100%"))
    }
}

/// Arguments of `netinv demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Number of simulated devices
    #[arg(long, default_value = "60")]
    pub devices: usize,

    /// Where reports go
    #[arg(long, default_value = "netinv-demo")]
    pub out: PathBuf,

    /// Devices worked on at once
    #[arg(short, long, default_value = "16", value_parser = parse_workers)]
    pub workers: usize,

    /// Do not show the progress bar
    #[arg(long)]
    pub no_progress: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn sizes_and_durations_read_like_people_write_them() {
        assert_eq!(parse_size("16MiB"), Ok(16 << 20));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert!(parse_size("lots").is_err());
        assert_eq!(parse_file_mode("640"), Ok(0o640));
        assert_eq!(parse_file_mode("0600"), Ok(0o600));
        for bad in ["755", "400", "1600", "9", "rw"] {
            assert!(parse_file_mode(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert!(parse_duration("0s").is_err());
    }

    #[test]
    fn a_rate_may_be_a_fraction_and_a_bad_one_says_what_is_expected() {
        assert_eq!(parse_rate("0.5"), Ok(0.5));
        assert_eq!(parse_rate("20"), Ok(20.0));
        assert_eq!(parse_rate("0"), Ok(0.0));
        for bad in ["fast", "-1", "NaN", "inf", "0.0000001"] {
            let e = parse_rate(bad).unwrap_err();
            assert!(e.contains("connections per second"), "{bad}: {e}");
        }
    }
}
