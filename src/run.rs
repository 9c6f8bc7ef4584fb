//! Subcommand dispatch, and the one place where errors become messages and exit codes.

use crate::audit::policy::Policy;
use crate::cli::{CheckArgs, Cli, CollectArgs, Command, ManArgs, ParseArgs};
use crate::exit::Exit;
use crate::history::{History, HistoryError};
use crate::inventory::{self, Inventory};
use crate::job::{self, Outputs, SummaryWhen, Ui};
use crate::platform::{self, PlatformChoice};
use crate::settings::Settings;
use crate::ssh::hostkeys::{HostKeyPolicy, HostKeyStore};
use clap::FromArgMatches;
use std::fmt;
use std::io::Read;
use std::path::Path;

/// Everything that stops netinv before or outside the per-device work.
#[derive(Debug)]
pub enum AppError {
    /// Inventory problems; each already names file, line and column.
    Inventory(Vec<String>),
    /// A usage error, with the fix.
    Usage(String),
    /// Another run is using the same history.
    HistoryLocked(String),
    /// A file could not be read or written.
    Io {
        /// What was being done.
        what: String,
        /// The underlying error.
        error: std::io::Error,
    },
    /// Anything else.
    Other(anyhow::Error),
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::Inventory(problems) => {
                for p in problems {
                    writeln!(f, "{p}")?;
                }
                write!(
                    f,
                    "{} inventory problem(s); nothing was contacted (fix them, or --skip-invalid)",
                    problems.len()
                )
            }
            AppError::Usage(m) | AppError::HistoryLocked(m) => f.write_str(m),
            AppError::Io { what, error } => write!(f, "{what}: {error}"),
            AppError::Other(e) => write!(f, "{e:#}"),
        }
    }
}

impl std::error::Error for AppError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AppError::Io { error, .. } => Some(error),
            AppError::Other(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}

impl AppError {
    fn exit_code(&self) -> Exit {
        match self {
            AppError::Inventory(_) | AppError::Usage(_) | AppError::Io { .. } => Exit::Usage,
            AppError::HistoryLocked(_) => Exit::HistoryLocked,
            AppError::Other(_) => Exit::SomeFailed,
        }
    }
}

/// Parse arguments, run, and turn the outcome into an exit code.
pub fn main() -> i32 {
    // The matches are kept: the config file fills in only what they did not give.
    let parsed = <Cli as clap::CommandFactory>::command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, m)));
    let (cli, matches) = match parsed {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Exit::Usage
            } else {
                Exit::Ok
            }
            .code();
        }
    };
    match dispatch(cli, &matches) {
        Ok(exit) => exit.code(),
        Err(e) => {
            crate::logging::say(tracing::Level::ERROR, &format!("netinv: error: {e}"));
            e.exit_code().code()
        }
    }
}

fn dispatch(cli: Cli, matches: &clap::ArgMatches) -> Result<Exit, AppError> {
    match cli.command {
        Command::Collect(mut args) => {
            crate::config::apply(&mut args, matches.subcommand_matches("collect"))
                .map_err(AppError::Usage)?;
            collect(&args)
        }
        Command::Check(args) => check(&args),
        Command::Parse(args) => parse(&args),
        Command::Sim(args) => crate::sim::run(&args)
            .map(|()| Exit::Ok)
            .map_err(|e| AppError::Usage(format!("{e:#}"))),
        Command::Demo(args) => crate::demo::run(&args).map_err(AppError::Other),
        Command::Audit(args) => {
            crate::files::set_file_mode(args.file_mode);
            crate::audit::saved::audit(&args)
        }
        Command::Diff(args) => {
            crate::files::set_file_mode(args.file_mode);
            crate::diff::run(&args)
        }
        Command::Completions(args) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(args.shell, &mut cmd, "netinv", &mut std::io::stdout());
            Ok(Exit::Ok)
        }
        Command::Man(args) => man(&args),
        Command::Runner(args) => {
            crate::remote::runner::run(&args, matches.subcommand_matches("runner"))
        }
        Command::Runners(args) => crate::remote::list(&args),
    }
}

/// The man pages, generated from the same clap definitions as `--help`, so they cannot drift.
fn man(args: &ManArgs) -> Result<Exit, AppError> {
    let cmd = <Cli as clap::CommandFactory>::command();
    let written = match &args.out_dir {
        Some(dir) => clap_mangen::generate_to(cmd, dir).map_err(|error| AppError::Io {
            what: format!("cannot write man pages to {}", dir.display()),
            error,
        }),
        None => clap_mangen::Man::new(cmd)
            .render(&mut std::io::stdout().lock())
            .map_err(|error| AppError::Io {
                what: "cannot write the man page".into(),
                error,
            }),
    };
    written.map(|()| Exit::Ok)
}

fn load_inventory(path: &str, columns: Option<&str>) -> Result<Inventory, AppError> {
    let options =
        inventory::Options::with_columns(columns.unwrap_or("")).map_err(AppError::Usage)?;
    inventory::read_path_with(path, &options).map_err(|e| AppError::Usage(e.to_string()))
}

fn collect(args: &CollectArgs) -> Result<Exit, AppError> {
    crate::files::set_file_mode(args.file_mode);
    crate::logging::init(&args.log).map_err(|error| AppError::Io {
        what: "cannot open the log file".into(),
        error,
    })?;
    crate::sys::raise_nofile_limit();
    crate::sys::tune_allocator();
    let inv = load_inventory(&args.inventory, args.columns.as_deref())?;
    let mut skipped = Vec::new();
    if !inv.problems.is_empty() {
        let problems: Vec<String> = inv.problems.iter().map(|p| p.to_string()).collect();
        if !args.skip_invalid {
            return Err(AppError::Inventory(problems));
        }
        if inv.devices.is_empty() {
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
    let mut settings = Settings::from_args(args).map_err(|e| AppError::Usage(e.to_string()))?;
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
        let policy = Policy::load(path).map_err(|e| AppError::Usage(e.to_string()))?;
        settings.policy = Some(std::sync::Arc::new(policy));
    }
    // Logins happen on the runners, with their own credentials and ssh_config.
    if remote.is_none() {
        settings
            .check_usernames(&inv.devices)
            .and_then(|()| settings.check_credentials(&inv.devices))
            .and_then(|()| settings.check_proxy_commands(&inv.devices))
            .and_then(|()| settings.check_identity_files(&inv.devices))
            .map_err(|e| AppError::Usage(e.to_string()))?;
    }
    if remote.is_none()
        && settings.host_keys.policy != HostKeyPolicy::Off
        && settings.host_keys.file.is_none()
    {
        return Err(AppError::Usage(
            "HOME is not set, so there is no ~/.ssh/known_hosts to check host keys against or \
             record them in: give --known-hosts FILE (or --host-key-policy off in a lab)"
                .into(),
        ));
    }
    // Taken last of the checks and held until the run ends: a refused run changes nothing.
    let history = match &args.history {
        Some(dir) => {
            let keep = args.keep.map(|k| k as usize);
            let h = History::open(dir, keep).map_err(|e| match e {
                HistoryError::Locked { .. } => AppError::HistoryLocked(e.to_string()),
                HistoryError::Io { .. } => AppError::Usage(e.to_string()),
            })?;
            if let Some(holder) = &h.took_over {
                crate::logging::say(
                    tracing::Level::WARN,
                    &format!(
                        "netinv: the history lock of an earlier run ({holder}) was left behind; \
                         that run is gone, taking it over"
                    ),
                );
            }
            Some(std::sync::Arc::new(h))
        }
        None => None,
    };
    let host_keys = HostKeyStore::load(settings.host_keys.policy, settings.host_keys.file.clone())
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
    let finished = match remote {
        Some(remote) => {
            if !args.log.quiet {
                crate::logging::say(
                    tracing::Level::INFO,
                    &format!(
                        "netinv: run id {} (to resume it: --run-id {0})",
                        remote.run_id()
                    ),
                );
            }
            job::run_from(
                inv.devices,
                settings,
                host_keys,
                &outputs,
                ui,
                skipped,
                |d, c| remote.start(d, c),
            )
        }
        None => job::run(inv.devices, settings, host_keys, &outputs, ui, skipped),
    }
    .map_err(|error| AppError::Io {
        what: "cannot prepare the output directory".into(),
        error,
    })?;
    Ok(finished.exit_code())
}

/// One record per invalid row (a row may have several problems), in file order.
fn skipped_rows(inv: &Inventory) -> Vec<job::SkippedRow> {
    let mut rows: std::collections::BTreeMap<usize, job::SkippedRow> = Default::default();
    for p in &inv.problems {
        rows.entry(p.line)
            .and_modify(|r| {
                r.reason.push_str("; ");
                r.reason.push_str(&p.to_string());
            })
            .or_insert_with(|| job::SkippedRow {
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

fn check(args: &CheckArgs) -> Result<Exit, AppError> {
    let inv = load_inventory(&args.inventory, args.columns.as_deref())?;
    for p in &inv.problems {
        println!("{p}");
    }
    // How the file was read, when it was not plain comma-separated UTF-8: a surprise here
    // explains odd values.
    let mut read_as = Vec::new();
    if let Some(encoding) = inv.encoding {
        read_as.push(format!("decoded from {encoding}"));
    }
    match inv.delimiter {
        b';' => read_as.push("';'-separated".to_string()),
        b'\t' => read_as.push("tab-separated".to_string()),
        _ => {}
    }
    let read_as = if read_as.is_empty() {
        String::new()
    } else {
        format!(" ({})", read_as.join(", "))
    };
    println!(
        "{}: {} device(s), {} problem(s){read_as}",
        inv.source,
        inv.devices.len(),
        inv.problems.len()
    );
    Ok(if inv.problems.is_empty() {
        Exit::Ok
    } else {
        Exit::Usage
    })
}

fn parse(args: &ParseArgs) -> Result<Exit, AppError> {
    let choice =
        PlatformChoice::parse(&args.platform).map_err(|e| AppError::Usage(e.to_string()))?;
    let mut raw = Vec::new();
    let read = if args.file == "-" {
        std::io::stdin().read_to_end(&mut raw)
    } else {
        std::fs::File::open(&args.file).and_then(|mut f| f.read_to_end(&mut raw))
    };
    read.map_err(|error| AppError::Io {
        what: format!("cannot read {}", args.file),
        error,
    })?;
    let text = crate::ssh::text::clean_exec_output(&raw);
    let platform = choice.known().or_else(|| platform::detect(&text));
    let facts = platform.map(|p| p.parse(&text)).unwrap_or_default();
    let mut obj = serde_json::Map::new();
    obj.insert(
        "platform".into(),
        platform
            .map(|p| p.name().into())
            .unwrap_or(serde_json::Value::Null),
    );
    if let serde_json::Value::Object(f) =
        serde_json::to_value(&facts).map_err(|e| AppError::Other(e.into()))?
    {
        obj.extend(f);
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&obj).map_err(|e| AppError::Other(e.into()))?
    );
    if platform.is_none() {
        eprintln!(
            "netinv: warning: could not detect the platform of {}",
            args.file
        );
    }
    Ok(Exit::Ok)
}
