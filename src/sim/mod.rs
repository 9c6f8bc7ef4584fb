//! The simulated fleet: an SSH server (russh) emulating network platforms, latency and faults.

use crate::cli::SimArgs;

/// Serve a fleet until SIGINT/SIGTERM (`netinv sim`).
pub fn run(args: &SimArgs) -> anyhow::Result<()> {
    let _ = args;
    anyhow::bail!("the simulator is not built yet")
}
