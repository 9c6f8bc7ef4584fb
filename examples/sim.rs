//! `cargo run --example sim -- --devices 13 ...`: the `netinv sim` command without the
//! subcommand dispatch, for trying the simulator on its own.

use clap::Parser;

#[derive(Parser)]
#[command(
    name = "sim",
    about = "Serve a simulated fleet of SSH network devices on loopback"
)]
struct Args {
    #[command(flatten)]
    sim: netinv::cli::SimArgs,
}

fn main() {
    let args = Args::parse();
    if let Err(e) = netinv::sim::run(&args.sim) {
        eprintln!("error: {e:#}");
        std::process::exit(2);
    }
}
