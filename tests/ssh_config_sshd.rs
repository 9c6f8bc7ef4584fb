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
        .args(["--mode", "exec", "-c", "echo in"])
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
    let cfg = [
        "--ssh-config",
        ssh_config.to_str().unwrap(),
        "--host-key-policy",
        "off",
    ];
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

/// A run whose default policy is strict (from the config file, which ranks below ssh_config),
/// with HOME in `dir`: the outcome of the first device, as "ok" or "kind: message".
fn host_key_outcome(dir: &TempDir, ssh_config: &str, args: &[&str]) -> String {
    let path = dir.join("ssh_config");
    std::fs::write(&path, ssh_config).unwrap();
    std::fs::write(
        dir.join("config.toml"),
        "host-key-policy = \"strict\"\nknown-hosts = \"empty_known_hosts\"\n",
    )
    .unwrap();
    let config = dir.join("config.toml");
    let home = dir.path().to_str().unwrap();
    let run = support::collect(
        dir,
        "host\ndev\n",
        &[
            &[
                "--ssh-config",
                path.to_str().unwrap(),
                "--mode",
                "exec",
                "-c",
                "echo in",
            ][..],
            args,
        ]
        .concat(),
        &[
            ("NETINV_PASSWORD", password()),
            ("NETINV_CONFIG", config.to_str().unwrap()),
            ("HOME", home),
        ],
    );
    let d = &run.devices()[0];
    match d["status"].as_str() {
        Some("ok") => "ok".into(),
        _ => format!("{}: {}", d["error"]["kind"], d["error"]["message"]),
    }
}

#[test]
fn strict_host_key_checking_and_user_known_hosts_file_are_taken_from_ssh_config() {
    require_sshd();
    let sshd = Sshd::start();
    let dir = TempDir::new("sshkh");
    let host = format!(
        "Host dev\n  HostName 127.0.0.1\n  Port {}\n  User {}\n",
        sshd.port,
        user()
    );
    let known = std::fs::read_to_string(sshd.host_key.with_extension("pub")).unwrap();
    let mut f = known.split_whitespace();
    let right = format!(
        "[127.0.0.1]:{} {} {}\n",
        sshd.port,
        f.next().unwrap(),
        f.next().unwrap()
    );
    let other = dir.join("other");
    keygen(&other);
    let other = std::fs::read_to_string(other.with_extension("pub")).unwrap();
    let mut f = other.split_whitespace();
    let wrong = format!(
        "[127.0.0.1]:{} {} {}\n",
        sshd.port,
        f.next().unwrap(),
        f.next().unwrap()
    );
    std::fs::create_dir_all(dir.join("kh.d")).unwrap();
    let per_host = dir.join(&format!("kh.d/127.0.0.1-{}", sshd.port));

    // The run is strict and the host unknown: refused, unless ssh_config says otherwise.
    let refused = host_key_outcome(&dir, &host, &[]);
    assert!(
        refused.starts_with("\"host_key\": ") && refused.contains("unknown host key"),
        "{refused}"
    );
    for no in ["no", "off"] {
        let config = format!("{host}  StrictHostKeyChecking {no}\n");
        assert_eq!(
            host_key_outcome(&dir, &config, &[]),
            "ok",
            "StrictHostKeyChecking {no}"
        );
        // The command line's policy wins over ssh_config's.
        let cli = host_key_outcome(&dir, &config, &["--host-key-policy", "strict"]);
        assert!(cli.starts_with("\"host_key\": "), "{cli}");
    }
    // `ask` is strict: netinv never asks.
    let ask = host_key_outcome(&dir, &format!("{host}  StrictHostKeyChecking ask\n"), &[]);
    assert!(ask.starts_with("\"host_key\": "), "{ask}");

    // Several files, `~` and tokens expanded: the right key in the second one is enough.
    let files = format!("{host}  UserKnownHostsFile /dev/null ~/kh.d/%h-%p\n");
    std::fs::write(&per_host, &right).unwrap();
    assert_eq!(host_key_outcome(&dir, &files, &[]), "ok");
    std::fs::write(&per_host, &wrong).unwrap();
    let changed = host_key_outcome(&dir, &files, &[]);
    assert!(
        changed.contains("HOST KEY CHANGED") && changed.contains(&per_host.display().to_string()),
        "{changed}"
    );
    // The command line's file wins over ssh_config's.
    let good = dir.join("good_known_hosts");
    std::fs::write(&good, &right).unwrap();
    assert_eq!(
        host_key_outcome(&dir, &files, &["--known-hosts", good.to_str().unwrap()]),
        "ok"
    );

    // accept-new from ssh_config records the key in the first of its files.
    let first = dir.join("recorded");
    let config = format!(
        "{host}  StrictHostKeyChecking accept-new\n  UserKnownHostsFile {} /dev/null\n",
        first.display()
    );
    assert_eq!(host_key_outcome(&dir, &config, &[]), "ok");
    assert_eq!(std::fs::read_to_string(&first).unwrap(), right);
}

#[test]
fn a_strict_host_key_checking_value_ssh_does_not_know_names_the_file_and_line() {
    let dir = TempDir::new("sshkhbad");
    let (config, stderr) = refused_by_ssh_config(
        &dir,
        "Host a\n  User x\n\nHost b\n  StrictHostKeyChecking maybe\n",
        &["-u", "x"],
    );
    assert!(
        stderr.contains(&format!(
            "ssh_config {}:5: StrictHostKeyChecking maybe",
            config.display()
        )) && stderr.contains("yes, accept-new, no, off or ask"),
        "{stderr}"
    );
}

#[test]
fn an_identity_file_from_ssh_config_that_will_not_decrypt_is_refused_once_before_any_device() {
    let dir = TempDir::new("sshkeypw");
    let key = dir.join("id_ed25519");
    let out = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "right-passphrase", "-f"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let config = dir.join("ssh_config");
    std::fs::write(
        &config,
        format!(
            "Host sw-*\n  IdentityFile {}\n  User netops\n",
            key.display()
        ),
    )
    .unwrap();
    let inv = dir.join("inventory.csv");
    std::fs::write(&inv, "host\nsw-1\nsw-2\nsw-3\n").unwrap();
    let attempt = |passphrase: Option<&str>| {
        let mut cmd = netinv();
        cmd.arg("collect")
            .arg("-i")
            .arg(&inv)
            .arg("--ssh-config")
            .arg(&config)
            .args(["--host-key-policy", "off"]);
        if let Some(p) = passphrase {
            cmd.env("NETINV_KEY_PASSPHRASE", p);
        }
        let out = run(&mut cmd);
        (out.status.code(), text(&out.stderr))
    };
    let (code, stderr) = attempt(Some("wrong-passphrase"));
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(
        stderr.matches("does not decrypt key file").count(),
        1,
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("IdentityFile ssh_config {}", config.display()))
            && stderr.contains("host 'sw-1'"),
        "{stderr}"
    );
    let (code, stderr) = attempt(None);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("is encrypted and no passphrase was given"),
        "{stderr}"
    );
}
