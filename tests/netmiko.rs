//! Interop proof: Netmiko (the tool our users come from) drives `netinv sim` devices through its
//! own session preparation and `send_command("show version")` (tests/netmiko_interop.py).

mod support;

#[test]
fn netmiko_connects_and_collects_from_the_simulator() {
    let Some(python) = std::env::var_os("NETINV_NETMIKO_PYTHON") else {
        eprintln!("SKIPPED: set NETINV_NETMIKO_PYTHON to a python with netmiko (.ci/run does)");
        return;
    };
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/netmiko_interop.py");
    let out = std::process::Command::new(python)
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_netinv"))
        .output()
        .expect("run the netmiko interop script");
    assert!(
        out.status.success(),
        "netmiko interop failed:\n{}\n{}",
        support::text(&out.stdout),
        support::text(&out.stderr)
    );
}
