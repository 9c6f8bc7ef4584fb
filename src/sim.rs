//! `netinv sim`: the command's arguments turned into a `netinv_sim` fleet, served until
//! SIGINT/SIGTERM. The simulator itself is the `netinv_sim` crate.

use crate::cli::SimArgs;
use anyhow::{bail, Context as _};
use netinv_sim::{parse_faults, Fleet, FleetConfig, Platform, Wave};
use std::io::Write as _;
use std::net::IpAddr;

/// `netinv sim`: serve a fleet until SIGINT/SIGTERM.
pub fn run(args: &SimArgs) -> anyhow::Result<()> {
    if !args.bind.is_loopback() {
        bail!(
            "--bind {} is not a loopback address: the simulator serves 127.0.0.0/8 and ::1 only",
            args.bind
        );
    }
    let password = std::env::var(&args.password_env).map_err(|_| {
        anyhow::anyhow!(
            "the environment variable {} (named by --password-env) is not set: it holds the password the devices accept",
            args.password_env
        )
    })?;
    let enable_secret = match &args.enable_secret_env {
        Some(var) => Some(std::env::var(var).map_err(|_| {
            anyhow::anyhow!(
                "the environment variable {var} (named by --enable-secret-env) is not set"
            )
        })?),
        None => None,
    };
    let platforms = args
        .platforms
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<Platform>())
        .collect::<Result<Vec<_>, _>>()
        .context("--platforms")?;
    let faults = parse_faults(&args.faults).map_err(|e| anyhow::anyhow!("--faults: {e}"))?;
    let cfg = FleetConfig {
        devices: args.devices,
        bind: args.bind,
        base_port: args.base_port,
        platforms,
        username: args.username.clone(),
        password,
        enable_secret,
        latency: args.latency.unwrap_or_default(),
        jitter: args.jitter.unwrap_or_default(),
        faults,
        seed: args.seed,
        wave: Wave {
            upgrade: args.upgrade.unwrap_or(0.0),
            rma: args.rma.unwrap_or(0.0),
            seed: args.wave_seed,
        },
    };
    let fleet = Fleet::start(cfg)?;
    if let Some(path) = &args.write_inventory {
        fleet
            .write_inventory(path)
            .with_context(|| format!("cannot write the inventory to {}", path.display()))?;
    }
    let first = fleet.devices().first().map(|d| d.port).unwrap_or(0);
    let last = fleet.devices().last().map(|d| d.port).unwrap_or(0);
    let host = match args.bind {
        IpAddr::V6(a) => format!("[{a}]"),
        IpAddr::V4(a) => a.to_string(),
    };
    {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "ready {} devices on {host}:{first}-{last}",
            fleet.devices().len()
        )?;
        out.flush()?;
    }
    fleet.wait_for_signal()?;
    fleet.stop();
    Ok(())
}
