//! `netinv demo`: a small simulated fleet in-process, collected with the real pipeline.

use crate::cli::DemoArgs;

pub fn run(_args: &DemoArgs) -> anyhow::Result<i32> {
    anyhow::bail!("the demo needs the simulator, which is not built yet")
}
