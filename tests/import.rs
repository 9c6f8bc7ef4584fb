//! Inventories as people bring them, end to end against the simulated fleet: per-row
//! credentials that never leave the process, and exports of other tools collected as they are.

mod support;

use netinv_sim::{parse_faults, Fleet, FleetConfig};
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

#[test]
fn a_netbox_export_saved_by_excel_is_collected_as_it_is() {
    let mut cfg = FleetConfig::new(3);
    cfg.password = ROW_PASSWORD.into();
    cfg.platforms = vec![
        "cisco_ios".parse().unwrap(),
        "juniper_junos".parse().unwrap(),
    ];
    let fleet = Fleet::start(cfg).unwrap();
    // NetBox's column titles and display names, a custom `SSH Port` field, addresses with
    // their prefix length; saved by Excel in a German locale: `;`, CRLF, Windows-1252.
    let mut csv = String::from("Name;Status;Site;Platform;IPv4 Address;SSH Port\r\n");
    for d in fleet.devices() {
        let platform = match d.platform.name() {
            "cisco_ios" => "Cisco IOS",
            _ => "Juniper Junos",
        };
        csv.push_str(&format!(
            "{};Active;Zürich;{platform};{}/32;{}\r\n",
            d.name, d.host, d.port
        ));
    }
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&csv);
    let dir = TempDir::new("import-netbox");
    let inv = dir.join("netbox_devices.csv");
    std::fs::write(&inv, &bytes).unwrap();

    let check = run(netinv()
        .args(["check", "--columns", "port=SSH Port", "-i"])
        .arg(&inv));
    assert_eq!(check.status.code(), Some(0), "{}", text_of(&check));
    assert!(
        text(&check.stdout)
            .contains("3 device(s), 0 problem(s) (decoded from windows-1252, ';'-separated)"),
        "{}",
        text_of(&check)
    );

    let json = dir.join("report.json");
    let out = run(netinv()
        .args(["collect", "--columns", "port=SSH Port", "-u", "admin"])
        .args(["--host-key-policy", "off", "-i"])
        .arg(&inv)
        .arg("--json")
        .arg(&json)
        .env("NETINV_PASSWORD", ROW_PASSWORD));
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    for (d, sim) in report["devices"]
        .as_array()
        .unwrap()
        .iter()
        .zip(fleet.devices())
    {
        assert_eq!(d["name"], sim.name.as_str());
        assert_eq!(d["host"], sim.host.to_string());
        assert_eq!(d["platform"], sim.platform.name());
        assert_eq!(d["facts"]["version"], sim.version.as_str(), "{d}");
        assert_eq!(d["fields"]["Site"], "Zürich");
    }
}

#[test]
fn a_column_mapping_that_cannot_be_read_is_bad_usage_naming_the_fix() {
    let dir = TempDir::new("import-columns");
    let inv = dir.join("inv.csv");
    std::fs::write(&inv, "device,mgmt\nr1,127.0.0.1\n").unwrap();
    let out = run(netinv()
        .args(["check", "--columns", "adress=mgmt", "-i"])
        .arg(&inv));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("unknown role 'adress' (known: host, name,"),
        "{}",
        text_of(&out)
    );

    let out = run(netinv().args(["check", "-i"]).arg(&inv));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stdout).contains("or map it with --columns host=COLUMN"),
        "{}",
        text_of(&out)
    );

    let out = run(netinv()
        .args(["check", "--columns", "host=MGMT", "-i"])
        .arg(&inv));
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
}

fn text_of(out: &std::process::Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    )
}
