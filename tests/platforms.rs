//! The platform registry is complete: every registered platform has version-output fixtures,
//! a detection signature that names it from its own outputs, and a simulator entry whose
//! output the client detects and parses. A platform added without one of them fails here.

use netinv::platform::{detect, Platform, REGISTRY};
use std::path::Path;

#[test]
fn the_registry_holds_every_platform_once() {
    for p in Platform::ALL {
        let n = REGISTRY.iter().filter(|s| s.platform == p).count();
        assert_eq!(n, 1, "{} is registered {n} times", p.name());
    }
    assert_eq!(REGISTRY.len(), Platform::ALL.len());
}

#[test]
fn every_registered_platform_has_fixtures_with_expectations() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for spec in REGISTRY {
        let dir = root.join(spec.name);
        let texts: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: no fixtures at {}: {e}", spec.name, dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect();
        assert!(!texts.is_empty(), "{}: no .txt fixture", spec.name);
        for t in texts {
            assert!(
                t.with_extension("json").is_file(),
                "{}: {} has no .json expectation",
                spec.name,
                t.display()
            );
        }
    }
}

#[test]
fn every_registered_platform_has_a_signature_and_version_command() {
    for spec in REGISTRY {
        assert!(!spec.signature.is_empty(), "{}: no signature", spec.name);
        assert!(
            !spec.version_command.is_empty(),
            "{}: no version command",
            spec.name
        );
        assert!(!spec.prompt.is_empty(), "{}: no prompt", spec.name);
        assert!(
            !spec.prompt_shapes.is_empty(),
            "{}: no prompt shape",
            spec.name
        );
    }
}

#[test]
fn every_registered_platform_is_simulated_and_the_client_reads_the_simulation() {
    for spec in REGISTRY {
        for index in 0..8 {
            // The simulator has its own platform list: the same Netmiko names.
            let simulated: netinv_sim::Platform = spec.name.parse().unwrap_or_else(|e| {
                panic!("{}: no simulated platform of that name: {e}", spec.name)
            });
            let (output, version) = netinv_sim::version_output(simulated, index, 7);
            assert_eq!(
                detect(&output),
                Some(spec.platform),
                "{}: the simulator's device {index} is not detected as it:\n{output}",
                spec.name
            );
            let facts = spec.platform.parse(&output);
            assert_eq!(
                facts.version.as_deref(),
                Some(version.as_str()),
                "{}: device {index}",
                spec.name
            );
        }
    }
}

#[test]
fn the_simulator_simulates_exactly_the_registered_platforms() {
    let simulated: Vec<&str> = netinv_sim::Platform::ALL.iter().map(|p| p.name()).collect();
    let registered: Vec<&str> = REGISTRY.iter().map(|s| s.name).collect();
    let mut a = simulated.clone();
    let mut b = registered.clone();
    a.sort_unstable();
    b.sort_unstable();
    assert_eq!(a, b, "simulated and registered platforms differ");
}
