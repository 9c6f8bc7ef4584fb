//! Subcommand dispatch, and the one place where errors become messages and exit codes.

use crate::audit::policy::PolicyError;
use crate::cli::{CheckArgs, Cli, CollectArgs, Command, ManArgs, ParseArgs};
use crate::exit::Exit;
use crate::history::HistoryError;
use crate::inventory::ReadError;
use crate::job;
use crate::plan::{load_inventory, prepare_process, Plan};
use crate::platform::{self, PlatformChoice};
use crate::settings::SettingsError;
use clap::FromArgMatches;
use std::fmt;
use std::io::Read;

/// Everything that stops netinv before or outside the per-device work.
#[derive(Debug)]
pub enum AppError {
    /// Inventory problems; each already names file, line and column.
    Inventory(Vec<String>),
    /// The inventory file cannot be read at all (missing, unreadable, no header).
    InventoryFile(ReadError),
    /// The policy file cannot be read or is not a valid policy.
    Policy(PolicyError),
    /// A usage error, with the fix.
    Usage(String),
    /// A setting cannot be used (a file, a secret, a missing login for a device).
    Settings(SettingsError),
    /// The history cannot be used: another run holds it, or it cannot be read or written.
    History(HistoryError),
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
            AppError::InventoryFile(e) => write!(f, "{e}"),
            AppError::Policy(e) => write!(f, "{e}"),
            AppError::Usage(m) => f.write_str(m),
            AppError::Settings(e) => write!(f, "{e}"),
            AppError::History(e) => write!(f, "{e}"),
            AppError::Io { what, error } => write!(f, "{what}: {error}"),
            AppError::Other(e) => write!(f, "{e:#}"),
        }
    }
}

impl std::error::Error for AppError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AppError::Io { error, .. } => Some(error),
            // Their messages are these variants' own: what is under them is theirs.
            AppError::Settings(e) => e.source(),
            AppError::History(e) => e.source(),
            AppError::Other(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}

impl AppError {
    fn exit_code(&self) -> Exit {
        match self {
            AppError::Inventory(_)
            | AppError::InventoryFile(_)
            | AppError::Policy(_)
            | AppError::Usage(_)
            | AppError::Io { .. }
            | AppError::Settings(_)
            | AppError::History(HistoryError::Io { .. }) => Exit::Usage,
            AppError::History(HistoryError::Locked { .. }) => Exit::HistoryLocked,
            AppError::Other(_) => Exit::SomeFailed,
        }
    }
}

impl From<SettingsError> for AppError {
    fn from(e: SettingsError) -> Self {
        AppError::Settings(e)
    }
}

impl From<ReadError> for AppError {
    fn from(e: ReadError) -> Self {
        AppError::InventoryFile(e)
    }
}

impl From<PolicyError> for AppError {
    fn from(e: PolicyError) -> Self {
        AppError::Policy(e)
    }
}

impl From<HistoryError> for AppError {
    fn from(e: HistoryError) -> Self {
        AppError::History(e)
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
            crate::files::set_file_mode(args.out.file_mode);
            crate::audit::saved::audit(&args)
        }
        Command::Diff(args) => {
            crate::files::set_file_mode(args.out.file_mode);
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

fn collect(args: &CollectArgs) -> Result<Exit, AppError> {
    // Before the log file is created: it is one of the files --file-mode is for.
    crate::files::set_file_mode(args.file_mode);
    prepare_process(&args.log)?;
    let mut plan = Plan::build(args)?;
    let finished = match plan.remote.take() {
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
            job::run(plan, |d, c| remote.start(d, c))
        }
        None => job::run(plan, crate::collect::start),
    }
    .map_err(|error| AppError::Io {
        what: "cannot prepare the output directory".into(),
        error,
    })?;
    Ok(finished.exit_code())
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
