//! Where ssh_config stands among the other sources of a setting, against a real sshd:
//! command line > environment > inventory row > ssh_config > config file > defaults.

mod support;

use serde_json::Value;
use support::*;

fn collect(dir: &TempDir, inventory: &str, args: &[&str]) -> Value {
    let inv = dir.join("inventory.csv");
    std::fs::write(&inv, inventory).unwrap();
    let json = dir.join("report.json");
    let _ = std::fs::remove_file(&json);
    let out = run(netinv()
        .arg("collect")
        .arg("-i")
        .arg(&inv)
        .args([
            "--mode",
            "exec",
            "-c",
            "echo in",
            "--host-key-policy",
            "off",
        ])
        .args(["--retries", "0", "--json"])
        .arg(&json)
        .args(args)
        .env("NETINV_PASSWORD", password())
        .env("NETINV_CONFIG", dir.join("config.toml")));
    serde_json::from_str(
        &std::fs::read_to_string(&json)
            .unwrap_or_else(|e| panic!("no report ({e}): {}", text(&out.stderr))),
    )
    .unwrap()
}

#[test]
fn ssh_config_wins_over_the_config_file_and_loses_to_the_command_line_and_the_row() {
    require_sshd();
    let sshd = Sshd::start();
    let dir = TempDir::new("sshprec");
    let ssh_config = dir.join("ssh_config");
    std::fs::write(
        &ssh_config,
        format!(
            "Host dev\n  HostName 127.0.0.1\n  Port {}\n  User {}\n",
            sshd.port,
            user()
        ),
    )
    .unwrap();
    // The config file's user and port would reach nothing.
    std::fs::write(
        dir.join("config.toml"),
        "username = \"nobody-here\"\nport = 1\n",
    )
    .unwrap();
    let cfg = ["--ssh-config", ssh_config.to_str().unwrap()];
    let outcome = |report: &Value| {
        let d = &report["devices"][0];
        match d["status"].as_str() {
            Some("ok") => "ok".to_string(),
            _ => format!("{}: {}", d["error"]["kind"], d["error"]["message"]),
        }
    };

    let report = collect(&dir, "host\ndev\n", &cfg);
    assert_eq!(outcome(&report), "ok", "ssh_config over the config file");
    assert_eq!(
        report["devices"][0]["port"], sshd.port,
        "the report names the port collected on"
    );

    let free = free_port().to_string();
    let report = collect(&dir, "host\ndev\n", &[&cfg[..], &["-p", &free]].concat());
    assert!(
        outcome(&report).starts_with("\"connect\""),
        "-p over ssh_config: {}",
        outcome(&report)
    );
    let report = collect(&dir, &format!("host,port\ndev,{free}\n"), &cfg);
    assert!(
        outcome(&report).starts_with("\"connect\""),
        "the row's port over ssh_config: {}",
        outcome(&report)
    );
    let report = collect(
        &dir,
        "host\ndev\n",
        &[&cfg[..], &["-u", "nobody-here"]].concat(),
    );
    assert!(
        outcome(&report).starts_with("\"auth\""),
        "-u over ssh_config: {}",
        outcome(&report)
    );
}
