//! `netinv demo`: a small simulated fleet served in-process, collected with the real pipeline
//! (inventory reader, settings, pool, SSH, reports), then checked against what the simulator
//! says each device should have produced.

use crate::cli::{CollectArgs, DemoArgs, LogArgs, LogFormat};
use crate::collect::{Outcome, Record};
use crate::exit::Exit;
use crate::inventory::Device;
use crate::job;
use crate::plan::{prepare_process, Plan};
use anyhow::Context as _;
use netinv_sim::{parse_faults, Fleet, FleetConfig};

/// A few of every fault a real fleet has, so the demo shows failures reported honestly.
const DEMO_FAULTS: &str =
    "auth:2%,silent:2%,hang:2%,disconnect:2%,refuse-exec:5%,pager-stuck:5%,slow-banner:2%";

/// Serves a simulated fleet, collects from it and writes the reports; returns the exit code.
pub fn run(args: &DemoArgs) -> anyhow::Result<Exit> {
    prepare_process(&LogArgs {
        log_format: LogFormat::Text,
        log_file: None,
        quiet: true,
        verbose: 0,
    })?;
    let password = demo_password();
    let mut cfg = FleetConfig::new(args.devices);
    cfg.password = password.clone();
    cfg.faults = parse_faults(DEMO_FAULTS).map_err(anyhow::Error::msg)?;
    cfg.seed = 7;
    let fleet = Fleet::start(cfg).context("starting the simulated fleet")?;

    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let inventory_path = args.out.join("inventory.csv");
    fleet
        .write_inventory(&inventory_path)
        .with_context(|| format!("writing {}", inventory_path.display()))?;
    let inventory_name = inventory_path.display().to_string();
    // The same plan as `collect` builds, from the options a user would give: the fleet is on
    // loopback with a new host key every run (nothing to verify, nothing in the user's
    // ssh_config or config file about it), and its password is this run's only.
    let password_file = tempfile::NamedTempFile::new().context("creating the password file")?;
    std::fs::write(password_file.path(), &password).context("writing the password file")?;
    let out = |name: &str| args.out.join(name).display().to_string();
    let mut words: Vec<String> = [
        "-i",
        &inventory_name,
        "--config",
        "none",
        "--ssh-config",
        "none",
        "-u",
        "admin",
        "--no-agent",
        "--host-key-policy",
        "off",
        "-t",
        "4s",
        "--connect-timeout",
        "2s",
        "-w",
        &args.workers.to_string(),
        "--json",
        &out("report.json"),
        "--csv",
        &out("report.csv"),
        "--out-dir",
        &out("raw"),
    ]
    .map(String::from)
    .into();
    words.push("--password-file".into());
    words.push(password_file.path().display().to_string());
    if args.no_progress {
        words.push("--no-progress".into());
    }
    let mut collect_args = CollectArgs::from_words(&words)?;
    // NETINV_NATS may be set for the user's real runs: the demo's fleet is here.
    collect_args.nats.url = None;
    let plan = Plan::build(&collect_args)?;
    drop(password_file);
    eprintln!(
        "netinv demo: {} simulated devices of {} platforms on 127.0.0.1 (inventory: {})",
        plan.devices.len(),
        crate::platform::Platform::ALL.len(),
        inventory_name
    );
    let devices = plan.devices.clone();
    let finished = job::run(plan, crate::collect::start)?;
    fleet.stop();
    if finished.interrupted {
        return Ok(Exit::Interrupted);
    }

    let surprises: Vec<String> = devices
        .iter()
        .zip(&finished.records)
        .filter_map(|(d, r)| surprise(d, r))
        .collect();
    if surprises.is_empty() {
        eprintln!(
            "\nnetinv demo: every device behaved as the simulator said it would — healthy ones \
             collected with the right facts, faulty ones failed with the right kind.\n\
             Reports: {}/report.json, {}/report.csv, raw outputs in {}/raw/",
            args.out.display(),
            args.out.display(),
            args.out.display()
        );
        Ok(Exit::Ok)
    } else {
        eprintln!(
            "\nnetinv demo: {} device(s) did not behave as expected:",
            surprises.len()
        );
        for s in &surprises {
            eprintln!("  {s}");
        }
        Ok(Exit::SomeFailed)
    }
}

/// A password for this run only, so the demo never teaches a fixed credential.
fn demo_password() -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("demo-{:x}-{}", t, std::process::id())
}

fn field<'a>(d: &'a Device, name: &str) -> &'a str {
    d.fields
        .iter()
        .find(|(k, _)| &**k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// What differs between the simulator's expectation for a device and what netinv reported.
pub fn surprise(d: &Device, r: &Record) -> Option<String> {
    let expect = field(d, "expect");
    match (&r.outcome, expect) {
        (Outcome::Failed(e), want) if want != "ok" => {
            (e.kind.as_str() != want).then(|| format!("{}: expected {want}, got {e}", d.name))
        }
        (Outcome::Failed(e), _) => Some(format!("{}: expected ok, got {e}", d.name)),
        (Outcome::Collected { .. }, want) if want != "ok" => {
            Some(format!("{}: expected {want}, but it was collected", d.name))
        }
        (Outcome::Collected { facts, .. }, _) => {
            let facts = facts.as_deref().cloned().unwrap_or_default();
            let checks = [
                ("hostname", facts.hostname),
                ("version", facts.version),
                ("model", facts.model),
                ("serial", facts.serial),
                ("uptime", facts.uptime),
            ];
            let wrong: Vec<String> = checks
                .into_iter()
                .filter_map(|(what, got)| {
                    let want = field(d, &format!("expect_{what}"));
                    (!want.is_empty() && got.as_deref() != Some(want))
                        .then(|| format!("{what} {got:?} (expected {want:?})"))
                })
                .collect();
            (!wrong.is_empty()).then(|| format!("{}: {}", d.name, wrong.join(", ")))
        }
    }
}
