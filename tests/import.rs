//! Inventories as people bring them, end to end against the simulated fleet: per-row
//! credentials that never leave the process, and exports of other tools collected as they are.

mod support;

use netinv::sim::{parse_faults, Fleet, FleetConfig};
use serde_json::Value;
use std::path::Path;
use support::*;

const ROW_PASSWORD: &str = "row-pw-7f3a9c";
const ROW_SECRET: &str = "row-en-91c2d4";
const WRONG_ROW_PASSWORD: &str = "wrong-row-pw-55e1";
const SHARED_PASSWORD: &str = "shared-pw-66b0";

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn per_row_passwords_and_enable_secrets_are_used_and_appear_in_no_output() {
    // Devices start in user mode, so collecting needs the enable secret too.
    let mut cfg = FleetConfig::new(3);
    cfg.password = ROW_PASSWORD.into();
    cfg.enable_secret = Some(ROW_SECRET.into());
    cfg.platforms = vec!["cisco_ios".parse().unwrap()];
    cfg.faults = parse_faults("user-mode:100%").unwrap();
    let fleet = Fleet::start(cfg).unwrap();
    let d = fleet.devices();

    let dir = TempDir::new("import-creds");
    let inventory = format!(
        "name,host,port,platform,username,password,secret\n\
         {},{},{},cisco_ios,admin,{ROW_PASSWORD},{ROW_SECRET}\n\
         {},{},{},cisco_ios,admin,{WRONG_ROW_PASSWORD},{ROW_SECRET}\n\
         {},{},{},cisco_ios,admin,,{ROW_SECRET}\n",
        d[0].name,
        d[0].host,
        d[0].port,
        d[1].name,
        d[1].host,
        d[1].port,
        d[2].name,
        d[2].host,
        d[2].port,
    );
    let inv = dir.join("inventory.csv");
    std::fs::write(&inv, &inventory).unwrap();
    let out_dir = dir.join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let out = run(netinv()
        .arg("collect")
        .arg("-i")
        .arg(&inv)
        .args([
            "--host-key-policy",
            "off",
            "--mode",
            "shell",
            "--enable",
            "-vv",
        ])
        .arg("--json")
        .arg(out_dir.join("report.json"))
        .arg("--csv")
        .arg(out_dir.join("report.csv"))
        .arg("--out-dir")
        .arg(out_dir.join("raw"))
        .env_remove("NETINV_ENABLE_SECRET")
        // Rows without a password of their own fall back to the shared one, which is wrong here.
        .env("NETINV_PASSWORD", SHARED_PASSWORD));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");

    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("report.json")).unwrap())
            .unwrap();
    let devices = report["devices"].as_array().unwrap();
    let statuses: Vec<(&str, &str)> = devices
        .iter()
        .map(|d| {
            (
                d["status"].as_str().unwrap(),
                d["error"]["kind"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [("ok", ""), ("failed", "auth"), ("failed", "auth")],
        "the row's password and secret log in; a wrong row password is not rescued by the \
         shared one; an empty one falls back to it: {report}"
    );
    assert!(devices[0]["facts"]["version"].is_string(), "{report}");
    assert_eq!(devices[0]["fields"], serde_json::json!({}), "{report}");

    let secrets = [
        ROW_PASSWORD,
        ROW_SECRET,
        WRONG_ROW_PASSWORD,
        SHARED_PASSWORD,
    ];
    let mut outputs: Vec<(String, String)> = vec![
        ("stderr".into(), stderr.clone()),
        ("stdout".into(), text(&out.stdout)),
    ];
    let files = files_under(&out_dir);
    assert!(
        files.len() >= 3,
        "report.json, report.csv and raw files: {files:?}"
    );
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        outputs.push((
            f.display().to_string(),
            String::from_utf8_lossy(&bytes).into(),
        ));
    }
    for (what, body) in &outputs {
        for s in secrets {
            assert!(!body.contains(s), "{s} appears in {what}:\n{body}");
        }
    }
}
