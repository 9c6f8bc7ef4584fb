//! The shell path against an SSH server we did not write: OpenSSH sshd whose ForceCommand is a
//! small IOS-like CLI (tests/support/fake_cli.py) on a real PTY.

mod support;

use std::path::Path;
use support::*;

fn fake_cli() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/support/fake_cli.py")
        .display()
        .to_string()
}

fn expected_version(hostname: &str) -> String {
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(format!(
            "import sys; sys.path.insert(0, {dir:?}); import fake_cli; \
             sys.stdout.write('\\n'.join(fake_cli.version_text({hostname:?})) + '\\n')",
            dir = Path::new(&fake_cli())
                .parent()
                .unwrap()
                .display()
                .to_string()
        ))
        .output()
        .unwrap();
    assert!(out.status.success());
    text(&out.stdout)
}

fn collect_shell(
    sshd: &Sshd,
    extra: &[&str],
    secret: Option<&str>,
) -> (i32, serde_json::Value, String) {
    let dir = TempDir::new("shell-sshd");
    let inv = dir.join("inv.csv");
    std::fs::write(
        &inv,
        format!(
            "name,host,port,platform\nR1,127.0.0.1,{},cisco_ios\n",
            sshd.port
        ),
    )
    .unwrap();
    let json = dir.join("r.json");
    let key = sshd.client_key.display().to_string();
    let mut cmd = netinv();
    cmd.arg("collect")
        .arg("-i")
        .arg(&inv)
        .args([
            "-u",
            user(),
            "--key",
            &key,
            "--host-key-policy",
            "off",
            "-t",
            "15s",
            "--json",
        ])
        .arg(&json)
        .args(extra);
    if let Some(s) = secret {
        cmd.env("NETINV_ENABLE_SECRET", s);
    }
    let out = run(&mut cmd);
    let report = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    (out.status.code().unwrap_or(-1), report, text(&out.stderr))
}

#[test]
fn shell_mode_with_enable_collects_exactly_the_device_output_from_a_real_sshd() {
    require_sshd();
    require_python3();
    let sshd = Sshd::start_with(&format!(
        "ForceCommand python3 {} --hostname R1",
        fake_cli()
    ));
    let (code, report, err) = collect_shell(&sshd, &["--mode", "shell", "--enable"], Some("cisco"));
    assert_eq!(code, 0, "{err}\n{report}");
    let d = &report["devices"][0];
    assert_eq!(d["output"].as_str().unwrap(), expected_version("R1"));
    assert_eq!(d["facts"]["hostname"], "R1");
}

#[test]
fn a_pager_that_ignores_terminal_length_is_answered_and_leaves_no_debris() {
    require_sshd();
    require_python3();
    let sshd = Sshd::start_with(&format!(
        "ForceCommand python3 {} --hostname R1 --ignore-terminal-length",
        fake_cli()
    ));
    let (code, report, err) = collect_shell(&sshd, &["--mode", "shell"], None);
    assert_eq!(code, 0, "{err}\n{report}");
    assert_eq!(
        report["devices"][0]["output"].as_str().unwrap(),
        expected_version("R1")
    );
}

#[test]
fn a_wrong_enable_secret_is_an_auth_failure() {
    require_sshd();
    require_python3();
    let sshd = Sshd::start_with(&format!(
        "ForceCommand python3 {} --hostname R1",
        fake_cli()
    ));
    let (code, report, _) = collect_shell(&sshd, &["--mode", "shell", "--enable"], Some("wrong"));
    assert_eq!(code, 1);
    assert_eq!(report["devices"][0]["error"]["kind"], "auth");
}
