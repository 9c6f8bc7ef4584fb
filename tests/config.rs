//! The config file for collect's defaults: where it is looked for, what it may set, and that the
//! command line and the environment win over it, against the simulated fleet.

mod support;

use netinv_sim::{Fleet, FleetConfig};
use serde_json::Value;
use std::path::Path;
use std::process::Output;
use support::*;

const PASSWORD: &str = "config-pw";

fn fleet() -> Fleet {
    let mut cfg = FleetConfig::new(2);
    cfg.password = PASSWORD.into();
    cfg.seed = 61;
    cfg.platforms = vec!["cisco_ios".parse().unwrap()];
    Fleet::start(cfg).unwrap()
}

/// `netinv collect` on the fleet with only the inventory, the report and `args` on the command
/// line; `NETINV_CONFIG` is left unset unless `args` says otherwise.
fn collect(dir: &TempDir, fleet: &Fleet, args: &[&str], env: &[(&str, &str)]) -> (Output, Value) {
    let inv = dir.join("inventory.csv");
    std::fs::write(&inv, fleet.inventory_csv()).unwrap();
    let json = dir.join("report.json");
    let _ = std::fs::remove_file(&json);
    let mut cmd = netinv();
    cmd.env_remove("NETINV_CONFIG")
        .env("XDG_CONFIG_HOME", dir.join("xdg"))
        .env("NETINV_PASSWORD", PASSWORD)
        .arg("collect")
        .arg("-i")
        .arg(&inv)
        .arg("--json")
        .arg(&json)
        .args(args)
        .envs(env.iter().copied());
    let out = run(&mut cmd);
    let report = std::fs::read_to_string(&json)
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or(Value::Null);
    (out, report)
}

fn write(path: &Path, text: &str) -> String {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    path.display().to_string()
}

const SETTINGS: &str = "\
# what the nightly job always uses
username = \"admin\"
host-key-policy = \"off\"
workers = 3
mode = \"shell\"
timeout = \"20s\"
";

#[test]
fn the_config_file_in_xdg_config_home_sets_the_defaults() {
    let (fleet, dir) = (fleet(), TempDir::new("config-xdg"));
    write(&dir.join("xdg/netinv/config.toml"), SETTINGS);
    let (out, report) = collect(&dir, &fleet, &[], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let s = &report["settings"];
    assert_eq!(s["username"], "admin");
    assert_eq!(s["workers"], 3);
    assert_eq!(s["mode"], "shell");
    assert_eq!(s["timeout_ms"], 20_000);
    assert_eq!(s["host_key_policy"], "off");
    assert_eq!(report["devices"][0]["transport"], "shell");
}

#[test]
fn the_command_line_and_the_environment_win_over_the_config_file() {
    let (fleet, dir) = (fleet(), TempDir::new("config-override"));
    let file = write(
        &dir.join("nightly.toml"),
        &SETTINGS.replace("\"admin\"", "\"nobody\""),
    );
    let (out, report) = collect(
        &dir,
        &fleet,
        &["--config", &file, "-w", "5", "--mode", "exec"],
        &[("NETINV_USERNAME", "admin")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let s = &report["settings"];
    assert_eq!(
        (s["workers"].as_u64(), s["mode"].as_str()),
        (Some(5), Some("exec"))
    );
    assert_eq!(s["username"], "admin", "env NETINV_USERNAME beats the file");
    assert_eq!(s["timeout_ms"], 20_000, "what the command line left alone");
}

#[test]
fn netinv_config_names_the_file_and_none_turns_it_off() {
    let (fleet, dir) = (fleet(), TempDir::new("config-env"));
    let file = write(&dir.join("elsewhere.toml"), SETTINGS);
    let (out, report) = collect(&dir, &fleet, &[], &[("NETINV_CONFIG", &file)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(report["settings"]["workers"], 3);

    write(&dir.join("xdg/netinv/config.toml"), "no-such-key = 1\n");
    let (out, report) = collect(
        &dir,
        &fleet,
        &[
            "--config",
            "none",
            "-u",
            "admin",
            "--host-key-policy",
            "off",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        report["settings"]["workers"], 32,
        "the default, not the file's"
    );
}

#[test]
fn an_unknown_key_is_refused_naming_the_file_the_line_and_the_valid_keys() {
    let (fleet, dir) = (fleet(), TempDir::new("config-unknown"));
    let file = write(&dir.join("c.toml"), "workers = 3\n\nworkrs = 4\n");
    let (out, report) = collect(&dir, &fleet, &["--config", &file], &[]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("{file}:3: unknown key `workrs`")),
        "{err}"
    );
    assert!(err.contains("valid keys: workers, timeout,"), "{err}");
    assert_eq!(report, Value::Null, "no device was contacted");
}

#[test]
fn a_password_in_the_config_file_is_refused_with_where_it_goes_instead() {
    let (fleet, dir) = (fleet(), TempDir::new("config-password"));
    for key in ["password", "secret"] {
        let file = write(
            &dir.join("c.toml"),
            &format!("username = \"admin\"\n{key} = \"hunter2\"\n"),
        );
        let (out, _) = collect(&dir, &fleet, &["--config", &file], &[]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(&format!("{file}:2: `{key}`")), "{err}");
        assert!(err.contains("NETINV_PASSWORD"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }
}

#[test]
fn a_bad_value_names_the_file_the_line_and_the_key() {
    let (fleet, dir) = (fleet(), TempDir::new("config-bad-value"));
    let file = write(&dir.join("c.toml"), "timeout = \"soon\"\n");
    let (out, _) = collect(&dir, &fleet, &["--config", &file], &[]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("{file}:1: timeout: ")), "{err}");
}

#[test]
fn no_config_file_in_the_default_place_is_fine_but_a_named_one_must_exist() {
    let (fleet, dir) = (fleet(), TempDir::new("config-missing"));
    let flags = ["-u", "admin", "--host-key-policy", "off"];
    let (out, _) = collect(&dir, &fleet, &flags, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let missing = dir.join("missing.toml").display().to_string();
    let (out, _) = collect(
        &dir,
        &fleet,
        &[&flags[..], &["--config", &missing]].concat(),
        &[],
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&missing), "{err}");
}

#[test]
fn without_xdg_config_home_the_file_is_in_the_home_directory() {
    let (fleet, dir) = (fleet(), TempDir::new("config-home"));
    write(&dir.join("home/.config/netinv/config.toml"), SETTINGS);
    let home = dir.join("home").display().to_string();
    let inv = dir.join("inventory.csv");
    std::fs::write(&inv, fleet.inventory_csv()).unwrap();
    let json = dir.join("report.json");
    let out = run(netinv()
        .env_remove("NETINV_CONFIG")
        .env_remove("XDG_CONFIG_HOME")
        .env("HOME", &home)
        .env("NETINV_PASSWORD", PASSWORD)
        .arg("collect")
        .arg("-i")
        .arg(&inv)
        .arg("--json")
        .arg(&json));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["settings"]["workers"], 3);
}
