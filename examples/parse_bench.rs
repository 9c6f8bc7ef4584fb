//! Parse 10,000 version outputs (the test fixtures, cycled) and report outputs/s.
//!
//! `cargo run --release --example parse_bench [N]`

use netinv::platform::{detect, Platform};
use std::path::Path;
use std::time::Instant;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut inputs: Vec<(Platform, String)> = Vec::new();
    for p in Platform::ALL {
        let Ok(dir) = std::fs::read_dir(root.join(p.name())) else {
            continue;
        };
        for entry in dir.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|x| x == "txt") {
                if let Ok(text) = std::fs::read_to_string(&path) {
                    inputs.push((p, text));
                }
            }
        }
    }
    if inputs.is_empty() {
        eprintln!("no fixtures under {}", root.display());
        std::process::exit(2);
    }
    let bytes: usize = inputs.iter().map(|(_, t)| t.len()).sum();
    // Warm up the lazily compiled regexes so the figure is the steady state.
    for (p, text) in &inputs {
        std::hint::black_box(p.parse(text));
    }

    let start = Instant::now();
    let mut found = 0usize;
    for (p, text) in inputs.iter().cycle().take(n) {
        let facts = std::hint::black_box(p.parse(text));
        found += usize::from(facts.version.is_some());
    }
    let parse = start.elapsed();

    let start = Instant::now();
    let mut detected = 0usize;
    for (p, text) in inputs.iter().cycle().take(n) {
        detected += usize::from(std::hint::black_box(detect(text)) == Some(*p));
    }
    let detect_time = start.elapsed();

    println!("fixtures: {} ({} bytes); outputs: {n}", inputs.len(), bytes);
    println!(
        "parse:  {:>10.0} outputs/s, total {:.3} s ({found} with a version)",
        n as f64 / parse.as_secs_f64(),
        parse.as_secs_f64()
    );
    println!(
        "detect: {:>10.0} outputs/s, total {:.3} s ({detected} right)",
        n as f64 / detect_time.as_secs_f64(),
        detect_time.as_secs_f64()
    );
}
