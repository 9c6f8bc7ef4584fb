//! Inventory reader throughput: parse a generated 100,000-row inventory and print rows/s.
//!
//! Run with `cargo run --release --example inventory_bench [ROWS]`.

use std::fmt::Write as _;
use std::time::Instant;

const PLATFORMS: [&str; 6] = [
    "cisco_ios",
    "juniper_junos",
    "",
    "arista_eos",
    "autodetect",
    "linux",
];

fn main() {
    let rows: usize = match std::env::args().nth(1) {
        None => 100_000,
        Some(arg) => match arg.parse() {
            Ok(n) => n,
            Err(_) => {
                eprintln!("usage: inventory_bench [ROWS]   (ROWS must be a number, got {arg:?})");
                std::process::exit(2);
            }
        },
    };

    // A realistic mix: names, IPs and DNS names, some ports and users, quoted extra columns.
    let mut text = String::with_capacity(rows * 96);
    text.push_str("# generated fleet\nname,host,port,platform,username,site,role,notes\n");
    for i in 0..rows {
        let host = if i % 3 == 0 {
            format!("sw{i}.dc{}.example.net", i % 7)
        } else {
            format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255)
        };
        let port = if i % 5 == 0 { "2222" } else { "" };
        let user = if i % 4 == 0 { "netops" } else { "" };
        let _ = writeln!(
            text,
            "dev{i},{host},{port},{},{user},\"Site {}, Hall {}\",access,\"rack {} \"\"A\"\"\"",
            PLATFORMS[i % PLATFORMS.len()],
            i % 40,
            i % 3,
            i % 90
        );
    }

    let cpu_before = cpu_seconds();
    let start = Instant::now();
    let inventory = netinv::inventory::read(text.as_bytes(), "bench.csv");
    let elapsed = start.elapsed();
    // CPU time too: on a loaded machine wall time mostly measures the other processes.
    let cpu = cpu_seconds() - cpu_before;

    if !inventory.problems.is_empty() || inventory.devices.len() != rows {
        eprintln!(
            "unexpected result: {} devices, {} problems (first: {:?})",
            inventory.devices.len(),
            inventory.problems.len(),
            inventory.problems.first().map(|p| p.to_string())
        );
        std::process::exit(1);
    }
    let secs = elapsed.as_secs_f64();
    println!(
        "{rows} rows ({:.1} MiB) in {:.1} ms wall, {:.1} ms CPU: {:.0} rows/s",
        text.len() as f64 / (1024.0 * 1024.0),
        secs * 1e3,
        cpu * 1e3,
        rows as f64 / secs.max(1e-9)
    );
}

/// User + system CPU seconds of this process so far.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes into the zeroed struct we pass.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(usage.ru_utime) + tv(usage.ru_stime)
}
