//! Interop proof: Netmiko (the tool our users come from) drives `netinv sim` devices through its
//! own session preparation and `send_command("show version")` (tests/netmiko_interop.py).
//!
//! It needs a Python with Netmiko, named by NETINV_NETMIKO_PYTHON, so a plain `cargo test` lists
//! it as ignored; .ci/run installs Netmiko into a venv and runs it with `-- --ignored`.

mod support;

#[test]
#[ignore = "needs NETINV_NETMIKO_PYTHON naming a python with netmiko; .ci/run sets it and runs this with --ignored"]
fn netmiko_connects_and_collects_from_the_simulator() {
    let python = std::env::var_os("NETINV_NETMIKO_PYTHON").expect(
        "NETINV_NETMIKO_PYTHON must name a python with netmiko \
         (python3 -m venv V && V/bin/pip install 'netmiko>=4,<5')",
    );
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
