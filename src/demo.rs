//! `netinv demo`: a small simulated fleet served in-process, collected with the real pipeline
//! (inventory reader, settings, pool, SSH, reports), then checked against what the simulator
//! says each device should have produced.

use crate::cli::{DemoArgs, LogArgs, LogFormat};
use crate::collect::{Outcome, Record};
use crate::exit::Exit;
use crate::inventory::Device;
use crate::job::{self, Outputs, Ui};
use crate::secret::Secret;
use crate::settings::{EnableSetting, HostKeys, Mode, Settings};
use crate::ssh::hostkeys::{HostKeyPolicy, HostKeyStore};
use anyhow::Context as _;
use netinv_sim::{parse_faults, Fleet, FleetConfig};
use std::time::Duration;

/// A few of every fault a real fleet has, so the demo shows failures reported honestly.
const DEMO_FAULTS: &str =
    "auth:2%,silent:2%,hang:2%,disconnect:2%,refuse-exec:5%,pager-stuck:5%,slow-banner:2%";

/// Serves a simulated fleet, collects from it and writes the reports; returns the exit code.
pub fn run(args: &DemoArgs) -> anyhow::Result<Exit> {
    crate::logging::init(&LogArgs {
        log_format: LogFormat::Text,
        log_file: None,
        quiet: true,
        verbose: 0,
    })?;
    crate::sys::raise_nofile_limit();
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
    let inv = crate::inventory::read_path(&inventory_name)?;
    anyhow::ensure!(
        inv.problems.is_empty(),
        "the simulator wrote an inventory with problems: {:?}",
        inv.problems
    );
    eprintln!(
        "netinv demo: {} simulated devices of {} platforms on 127.0.0.1 (inventory: {})",
        inv.devices.len(),
        crate::platform::Platform::ALL.len(),
        inventory_name
    );

    let settings = Settings {
        username: Some("admin".into()),
        password: Some(Secret::new(password)),
        key: None,
        agent: false,
        accept_banner: false,
        enable: EnableSetting::Off,
        port: 22,
        port_given: false,
        timeout: Duration::from_secs(4),
        connect_timeout: Duration::from_secs(2),
        connect_timeout_given: true,
        username_given: true,
        key_given: false,
        commands: Vec::new(),
        mode: Mode::Auto,
        retries: 0,
        rate: 0.0,
        max_output: 16 << 20,
        // The fleet makes a new host key every run: nothing to verify in a lab.
        host_keys: HostKeys {
            policy: HostKeyPolicy::Off,
            file: None,
            policy_given: true,
            file_given: true,
        },
        workers: args.workers,
        policy: None,
        legacy_algorithms: false,
        jump: None,
        jump_password: None,
        // The demo fleet is on loopback: nothing in the user's ssh_config is about it.
        ssh_config: None,
    };
    let host_keys = HostKeyStore::load(HostKeyPolicy::Off, None)?;
    let outputs = Outputs {
        json: Some(args.out.join("report.json").display().to_string()),
        csv: Some(args.out.join("report.csv").display().to_string()),
        out_dir: Some(args.out.join("raw")),
        prometheus: None,
        html: None,
        xlsx: None,
        history: None,
        csv_raw: false,
    };
    let ui = Ui {
        progress: !args.no_progress && crate::sys::stderr_is_terminal(),
        summary: crate::job::SummaryWhen::Always,
    };
    let devices = inv.devices.clone();
    let finished = job::run(inv.devices, settings, host_keys, &outputs, ui, Vec::new())?;
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
