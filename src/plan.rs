//! The run plan: everything `collect` and `demo` decide before the first device is contacted,
//! built once from the arguments and then executed by `job::run`. Every check that can refuse a
//! run (exit 2, nothing contacted) happens here, in one order for both.

use crate::audit::policy::Policy;
use crate::cli::{CollectArgs, LogArgs};
use crate::history::History;
use crate::inventory::{self, Device, Inventory};
use crate::remote::collect::Remote;
use crate::run::AppError;
use crate::secret::Secret;
use crate::settings::{
    check_key_decrypts, default_known_hosts, env_secret, EnableSetting, HostKeys, KeyFile,
    Settings, SettingsError, DEFAULT_CONNECT_TIMEOUT, ENV_ENABLE_SECRET, ENV_KEY_PASSPHRASE,
    ENV_PASSWORD,
};
use crate::ssh::hostkeys::{HostKeyPolicy, HostKeyStore};
use crate::ssh::jump::ENV_JUMP_PASSWORD;
use crate::ssh_config::SshConfig;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One run, decided: what to collect, how, and where the results go.
pub struct Plan {
    /// The inventory's valid rows, in inventory order.
    pub devices: Vec<Device>,
    /// Invalid rows left out under `--skip-invalid`, each reported as skipped.
    pub skipped: Vec<SkippedRow>,
    /// What every device shares, resolved once.
    pub settings: Settings,
    /// The known host keys, read once.
    pub host_keys: HostKeyStore,
    /// The reports, the raw-output directory and the history.
    pub outputs: Outputs,
    /// What the operator sees while it runs.
    pub ui: Ui,
    /// With `--nats`: the runners collect instead of this machine's workers.
    pub remote: Option<Remote>,
}

/// Where the results go.
#[derive(Debug, Default, Clone)]
pub struct Outputs {
    /// Where the JSON report goes (`-` = stdout).
    pub json: Option<String>,
    /// Where the CSV report goes (`-` = stdout).
    pub csv: Option<String>,
    /// A directory for one output file per device.
    pub out_dir: Option<PathBuf>,
    /// node_exporter textfile.
    pub prometheus: Option<String>,
    /// A page for people.
    pub html: Option<String>,
    /// A workbook for people who use spreadsheets.
    pub xlsx: Option<String>,
    /// Every run's report kept, with the changes since the previous run.
    pub history: Option<Arc<crate::history::History>>,
    /// CSV cells exactly as collected, without the spreadsheet-formula guard.
    pub csv_raw: bool,
}

impl Outputs {
    /// Every report file asked for, with what the summary calls it.
    pub(crate) fn reports(&self) -> [(&Option<String>, &'static str); 5] {
        [
            (&self.json, "json"),
            (&self.csv, "csv"),
            (&self.prometheus, "prometheus"),
            (&self.html, "html"),
            (&self.xlsx, "xlsx"),
        ]
    }
}

/// What the operator sees.
#[derive(Debug, Clone, Copy)]
pub struct Ui {
    /// Show the progress line.
    pub progress: bool,
    /// When to print the summary.
    pub summary: SummaryWhen,
}

/// When the end-of-run summary goes to stderr. It is the one place failures are listed, so a
/// run under cron mails one compact message instead of a line per device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SummaryWhen {
    /// After every run.
    Always,
    /// `-q`: silence when everything went well; the summary still tells about what did not.
    IfNotClean,
}

/// An inventory row that was not valid, as the reports show it.
#[derive(Debug, Clone)]
pub struct SkippedRow {
    /// The row's line in the inventory file.
    pub line: usize,
    /// What the reports call the row (`FILE:LINE`: it has no valid name of its own).
    pub name: String,
    /// Every problem of the row.
    pub reason: String,
}

/// What every run does to the process first: logging (`--log-*`, `-q`, `-v`), then the limits a
/// large fleet needs. The log file's error is the run's.
pub fn prepare_process(log: &LogArgs) -> Result<(), AppError> {
    crate::logging::init(log).map_err(|error| AppError::Io {
        what: "cannot open the log file".into(),
        error,
    })?;
    crate::sys::raise_nofile_limit();
    crate::sys::tune_allocator();
    Ok(())
}

impl Plan {
    /// Reads the inventory and resolves the settings, the host keys, the outputs and the UI
    /// from the arguments (after the config file's values are applied).
    pub fn build(args: &CollectArgs) -> Result<Plan, AppError> {
        let inv = load_inventory(&args.inventory, args.columns.as_deref())?;
        let mut skipped = Vec::new();
        if !inv.problems.is_empty() {
            let problems: Vec<String> = inv.problems.iter().map(|p| p.to_string()).collect();
            if !args.skip_invalid || inv.devices.is_empty() {
                return Err(AppError::Inventory(problems));
            }
            skipped = skipped_rows(&inv);
            // Listed once, in the summary and the reports, with their reasons.
            crate::logging::say(
                tracing::Level::WARN,
                &format!(
                    "netinv: skipping {} invalid inventory row(s); the reports list them as skipped",
                    skipped.len()
                ),
            );
        }
        if inv.devices.is_empty() && inv.problems.is_empty() {
            return Err(AppError::Usage(format!(
                "{}: no device rows, only a header: nothing to collect (add one row per device)",
                inv.source
            )));
        }
        check_destinations(args)?;
        let mut settings = Settings::from_args(args)?;
        // On runners, the runners log in with their own credentials and workers.
        let remote = match args.nats.url {
            Some(_) => Some(crate::remote::collect::prepare(args, &inv)?),
            None => None,
        };
        let threads = settings.workers.min(inv.devices.len().max(1));
        if let Some(why) = crate::sys::workers_unavailable(threads).filter(|_| remote.is_none()) {
            return Err(AppError::Usage(why));
        }
        if let Some(path) = &args.policy {
            let policy = Policy::load(path)?;
            settings.policy = Some(Arc::new(policy));
        }
        // Logins happen on the runners, with their own credentials and ssh_config.
        if remote.is_none() {
            settings
                .check_usernames(&inv.devices)
                .and_then(|()| settings.check_credentials(&inv.devices))
                .and_then(|()| settings.check_proxy_commands(&inv.devices))
                .and_then(|()| settings.check_identity_files(&inv.devices))?;
        }
        if remote.is_none()
            && settings.host_keys.policy != HostKeyPolicy::Off
            && settings.host_keys.file.is_none()
        {
            return Err(AppError::Usage(
                "HOME is not set, so there is no ~/.ssh/known_hosts to check host keys against \
                 or record them in: give --known-hosts FILE (or --host-key-policy off in a lab)"
                    .into(),
            ));
        }
        // Taken last of the checks and held until the run ends: a refused run changes nothing.
        let history = match &args.history {
            Some(dir) => {
                let h = History::open(dir, args.keep.map(|k| k as usize))?;
                if let Some(holder) = &h.took_over {
                    crate::logging::say(
                        tracing::Level::WARN,
                        &format!(
                            "netinv: the history lock of an earlier run ({holder}) was left \
                             behind; that run is gone, taking it over"
                        ),
                    );
                }
                Some(Arc::new(h))
            }
            None => None,
        };
        let host_keys =
            HostKeyStore::load(settings.host_keys.policy, settings.host_keys.file.clone())
                .map_err(|error| AppError::Io {
                    what: "cannot read known_hosts".into(),
                    error,
                })?;
        let outputs = Outputs {
            json: args.json.clone(),
            csv: args.csv.clone(),
            out_dir: args.out_dir.clone(),
            prometheus: args.prometheus.clone(),
            html: args.html.clone(),
            xlsx: args.xlsx.clone(),
            history,
            csv_raw: args.csv_raw,
        };
        let quiet = args.log.quiet;
        let ui = Ui {
            progress: !quiet && !args.no_progress && crate::sys::stderr_is_terminal(),
            summary: if quiet {
                SummaryWhen::IfNotClean
            } else {
                SummaryWhen::Always
            },
        };
        Ok(Plan {
            devices: inv.devices,
            skipped,
            settings,
            host_keys,
            outputs,
            ui,
            remote,
        })
    }
}

// Here rather than in `settings`, so that the settings (and the SSH layer below them) do not
// depend on the command line.
impl Settings {
    /// Resolve every shared value from the arguments and the environment. Secrets come only
    /// from the environment, a file or a no-echo prompt — never from argv.
    pub fn from_args(args: &CollectArgs) -> Result<Settings, SettingsError> {
        let from_config = |option: &str| args.from_config.iter().any(|o| o == option);
        let (password, source) = if let Some(path) = &args.login.password_file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| SettingsError::PasswordFile(path.clone(), e))?;
            (
                Some(Secret::new(text.lines().next().unwrap_or("").to_string())),
                format!(
                    "the first line of password file {} is empty",
                    path.display()
                ),
            )
        } else if args.ask_password {
            let p = rpassword::prompt_password("SSH password: ")
                .map_err(SettingsError::PasswordPrompt)?;
            (
                Some(Secret::new(p)),
                "the password typed at the prompt is empty".to_string(),
            )
        } else {
            (
                env_secret(ENV_PASSWORD),
                format!("{ENV_PASSWORD} is set but empty"),
            )
        };
        // An empty value is nearly always a variable or file that was never filled in: trying
        // it on every device only locks accounts.
        if password.as_ref().is_some_and(|p| p.expose().is_empty())
            && !args.login.allow_empty_password
        {
            return Err(SettingsError::EmptySecret(source));
        }

        let agent = !args.login.no_agent && std::env::var_os("SSH_AUTH_SOCK").is_some();
        let key = match &args.login.key {
            Some(path) => {
                std::fs::metadata(path).map_err(|e| SettingsError::KeyFile(path.clone(), e))?;
                let passphrase = env_secret(ENV_KEY_PASSPHRASE);
                check_key_decrypts(path, passphrase.as_ref(), agent)?;
                Some(KeyFile {
                    path: path.clone(),
                    passphrase,
                })
            }
            None => None,
        };

        let mut commands: Vec<String> =
            args.commands.iter().map(|c| c.trim().to_string()).collect();
        if commands.iter().any(|c| c.is_empty()) {
            return Err(SettingsError::EmptyCommand);
        }
        if let Some(path) = &args.commands_file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| SettingsError::CommandsFile(path.clone(), e))?;
            let before = commands.len();
            commands.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .map(String::from),
            );
            // Running the default command instead would pass for success with the wrong output.
            if commands.len() == before {
                return Err(SettingsError::NoCommandsInFile(path.clone()));
            }
        }

        let enable = if args.enable {
            let secret = env_secret(ENV_ENABLE_SECRET);
            if secret.as_ref().is_some_and(|s| s.expose().is_empty())
                && !args.login.allow_empty_password
            {
                return Err(SettingsError::EmptySecret(format!(
                    "{ENV_ENABLE_SECRET} is set but empty"
                )));
            }
            EnableSetting::On(secret)
        } else {
            EnableSetting::Off
        };

        Ok(Settings {
            username: args.login.username.clone().filter(|u| !u.is_empty()),
            password,
            key,
            agent,
            accept_banner: args.login.accept_banner,
            enable,
            port: args.login.port.unwrap_or(22),
            port_given: args.login.port.is_some() && !from_config("port"),
            timeout: args.timeout,
            connect_timeout: args
                .connect_timeout
                .unwrap_or(DEFAULT_CONNECT_TIMEOUT)
                .min(args.timeout),
            connect_timeout_given: args.connect_timeout.is_some()
                && !from_config("connect-timeout"),
            username_given: args.login.username.is_some() && !from_config("username"),
            key_given: args.login.key.is_some() && !from_config("key"),
            commands,
            mode: args.mode,
            retries: args.retries,
            rate: args.rate,
            max_output: args.max_output,
            host_keys: HostKeys {
                policy: args.ssh.host_key_policy.unwrap_or(HostKeyPolicy::AcceptNew),
                file: args.ssh.known_hosts.clone().or_else(default_known_hosts),
                policy_given: args.ssh.host_key_policy.is_some() && !from_config("host-key-policy"),
                file_given: args.ssh.known_hosts.is_some() && !from_config("known-hosts"),
            },
            workers: args.workers,
            policy: None,
            legacy_algorithms: args.ssh.legacy_algorithms,
            jump: args.ssh.jump.clone(),
            jump_password: env_secret(ENV_JUMP_PASSWORD).filter(|p| !p.expose().is_empty()),
            ssh_config: match args.ssh.ssh_config.as_deref() {
                Some(p) if p.as_os_str() == "none" => None,
                Some(p) => Some(p.to_path_buf()),
                None => SshConfig::default_path(),
            }
            .map(|p| SshConfig::load(&p).map(Arc::new))
            .transpose()
            .map_err(SettingsError::SshConfig)?,
        })
    }
}

/// The inventory at `path` (`-` = stdin), its columns as `--columns` names them.
pub(crate) fn load_inventory(path: &str, columns: Option<&str>) -> Result<Inventory, AppError> {
    let options =
        inventory::Options::with_columns(columns.unwrap_or("")).map_err(AppError::Usage)?;
    Ok(inventory::read_path_with(path, &options)?)
}

/// One record per invalid row (a row may have several problems), in file order.
fn skipped_rows(inv: &Inventory) -> Vec<SkippedRow> {
    let mut rows: std::collections::BTreeMap<usize, SkippedRow> = Default::default();
    for p in &inv.problems {
        rows.entry(p.line)
            .and_modify(|r| {
                r.reason.push_str("; ");
                r.reason.push_str(&p.to_string());
            })
            .or_insert_with(|| SkippedRow {
                line: p.line,
                name: format!("{}:{}", inv.source, p.line),
                reason: p.to_string(),
            });
    }
    rows.into_values().collect()
}

/// Where the results go must work before any device is contacted, not after an hour of work:
/// one stream cannot carry two reports, two reports must not name one file (one would silently
/// replace the other), and what netinv creates (a report file, the raw output directory) goes
/// into a directory that exists and takes new files.
fn check_destinations(args: &CollectArgs) -> Result<(), AppError> {
    let reports: Vec<(&str, &str)> = [
        ("--json", &args.json),
        ("--csv", &args.csv),
        ("--prometheus", &args.prometheus),
        ("--html", &args.html),
        ("--xlsx", &args.xlsx),
    ]
    .into_iter()
    .filter_map(|(flag, d)| d.as_deref().map(|d| (flag, d)))
    .collect();
    let to_stdout: Vec<&str> = reports
        .iter()
        .filter(|(_, d)| *d == "-")
        .map(|(flag, _)| *flag)
        .collect();
    if to_stdout.len() > 1 {
        return Err(AppError::Usage(format!(
            "{} all write to stdout (`-`), where the reports would run into each other: give \
             all but one of them a file",
            to_stdout.join(" and ")
        )));
    }
    let files: Vec<(&str, &str)> = reports.into_iter().filter(|(_, d)| *d != "-").collect();
    for (n, (flag, dest)) in files.iter().enumerate() {
        if let Some((other, _)) = files[..n].iter().find(|(_, d)| same_file(d, dest)) {
            return Err(AppError::Usage(format!(
                "{other} and {flag} both name {dest}: one report would replace the other; give \
                 them different files"
            )));
        }
        check_writable_file(Path::new(dest))?;
    }
    if let Some(dir) = &args.out_dir {
        let what = format!("cannot write raw outputs to {}", dir.display());
        if dir.is_dir() {
            probe_directory(dir, &what)?;
        } else {
            let parent = crate::files::directory_of(dir);
            if !parent.is_dir() {
                return Err(AppError::Usage(format!(
                    "cannot create --out-dir {}: directory {} does not exist",
                    dir.display(),
                    parent.display()
                )));
            }
            probe_directory(parent, &what)?;
        }
    }
    Ok(())
}

/// Names one file, whichever way it was spelled (`r.out`, `./r.out`, through a symlinked
/// directory).
fn same_file(a: &str, b: &str) -> bool {
    let resolve = |p: &str| {
        let p = Path::new(p);
        let dir = crate::files::directory_of(p)
            .canonicalize()
            .unwrap_or_else(|_| crate::files::directory_of(p).to_path_buf());
        p.file_name().map(|n| dir.join(n))
    };
    resolve(a) == resolve(b)
}

fn check_writable_file(path: &Path) -> Result<(), AppError> {
    let what = format!("cannot write report {}", path.display());
    if path.is_dir() {
        return Err(AppError::Usage(format!(
            "{what}: it is a directory (give a file name, e.g. {}/report.json)",
            path.display()
        )));
    }
    let dir = crate::files::directory_of(path);
    if !dir.is_dir() {
        return Err(AppError::Usage(format!(
            "{what}: directory {} does not exist",
            dir.display()
        )));
    }
    probe_directory(dir, &what)
}

/// Creating a nameless file tells what permission bits do not: a read-only mount, an ACL, root
/// squashing on NFS.
fn probe_directory(dir: &Path, what: &str) -> Result<(), AppError> {
    tempfile::tempfile_in(dir).map(drop).map_err(|e| {
        AppError::Usage(format!(
            "{what}: directory {} is not writable: {e}",
            dir.display()
        ))
    })
}
