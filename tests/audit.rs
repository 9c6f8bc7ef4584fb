//! The version audit as a workflow, against the simulated fleet: a policy judged during
//! `collect` and again by `audit` on the saved report, and `diff` between two runs of a fleet
//! that went through an upgrade wave and some RMAs the simulator knows of.

mod support;

use netinv_sim::{Fleet, FleetConfig, Platform, SimDevice, Wave};
use serde_json::Value;
use std::collections::BTreeMap;
use support::*;

const PASSWORD: &str = "audit-pw";

fn fleet(platforms: &[Platform], per_platform: usize, wave: Wave) -> Fleet {
    let mut cfg = FleetConfig::new(platforms.len() * per_platform);
    cfg.platforms = platforms.to_vec();
    cfg.password = PASSWORD.into();
    cfg.seed = 11;
    cfg.wave = wave;
    Fleet::start(cfg).expect("fleet starts")
}

/// `netinv collect` with the given extra arguments; (exit code, JSON report if written, stderr).
fn collect(dir: &TempDir, inventory: &str, args: &[&str]) -> (i32, Option<Value>, String) {
    let inv = dir.join("inventory.csv");
    std::fs::write(&inv, inventory).unwrap();
    let json = dir.join("report.json");
    let _ = std::fs::remove_file(&json);
    let out = run(netinv()
        .arg("collect")
        .arg("-i")
        .arg(&inv)
        .args([
            "-u",
            "admin",
            "--host-key-policy",
            "off",
            "-t",
            "10s",
            "--json",
        ])
        .arg(&json)
        .args(args)
        .env("NETINV_PASSWORD", PASSWORD));
    let report = std::fs::read_to_string(&json)
        .ok()
        .map(|t| serde_json::from_str(&t).unwrap());
    (out.status.code().unwrap_or(-1), report, text(&out.stderr))
}

fn verdicts(report: &Value) -> BTreeMap<String, String> {
    report["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap().to_string(),
                d["compliance"]["verdict"]
                    .as_str()
                    .unwrap_or("<none>")
                    .to_string(),
            )
        })
        .collect()
}

fn first_of(fleet: &Fleet, p: Platform) -> &SimDevice {
    fleet.devices().iter().find(|d| d.platform == p).unwrap()
}

/// A policy built from what the simulator says its devices run, with every kind of rule, and
/// the verdict each device must get from it, said device by device.
fn policy_and_expectations(fleet: &Fleet) -> (String, BTreeMap<String, String>) {
    let ios = first_of(fleet, Platform::CiscoIos);
    let xr = first_of(fleet, Platform::CiscoXr);
    let policy = format!(
        r#"# what the team approved
rules:
  - name: ios at {site}
    platform: cisco_ios
    approved: ["{ios_version}"]
    where: {{ site: "{site}" }}
  - name: ios elsewhere
    platform: cisco_ios
    approved: ["0.0(0)NONE"]
    preferred: "15.9(3)M6"
  - name: nxos floor
    platform: cisco_nxos
    minimum: "7.0(3)I7(1)"
  - name: xr floor
    platform: cisco_xr
    minimum: "99.0.0"
    preferred: "99.1.0"
  - name: eos retired
    platform: arista_eos
    minimum: "1.0"
    until: 2001-01-01
exemptions:
  - device: {xr_name}
    reason: lab chassis, TAC case 699123456
"#,
        site = ios.site,
        ios_version = ios.version,
        xr_name = xr.name,
    );
    let expect = fleet
        .devices()
        .iter()
        .map(|d| {
            let v = match d.platform {
                Platform::CiscoIos if d.site == ios.site && d.version == ios.version => "compliant",
                Platform::CiscoIos => "non_compliant",
                Platform::CiscoNxos => "compliant",
                Platform::CiscoXr if d.name == xr.name => "exempt",
                Platform::CiscoXr => "non_compliant",
                _ => "no_rule",
            };
            (d.name.clone(), v.to_string())
        })
        .collect();
    (policy, expect)
}

const PLATFORMS: &[Platform] = &[
    Platform::CiscoIos,
    Platform::CiscoNxos,
    Platform::CiscoXr,
    Platform::AristaEos,
    Platform::JuniperJunos,
];

#[test]
fn every_device_gets_the_verdict_the_simulators_versions_imply() {
    let fleet = fleet(PLATFORMS, 4, Wave::default());
    let dir = TempDir::new("audit-verdicts");
    let (policy, mut expect) = policy_and_expectations(&fleet);
    std::fs::write(dir.join("policy.yaml"), &policy).unwrap();
    // One more row that cannot be reached: it is judged `not_collected`, never guessed.
    let dead = free_port();
    let inventory = format!(
        "{}dead-router,127.0.0.1,{dead},cisco_ios,{},x,,,,,,,\n",
        fleet.inventory_csv(),
        first_of(&fleet, Platform::CiscoIos).site
    );
    expect.insert("dead-router".into(), "not_collected".into());

    let policy_path = dir.join("policy.yaml").display().to_string();
    let (code, report, stderr) = collect(&dir, &inventory, &["--policy", &policy_path]);
    let report = report.unwrap_or_else(|| panic!("no report: {stderr}"));
    assert_eq!(verdicts(&report), expect, "{stderr}");
    assert_eq!(
        code, 1,
        "a failed device wins over non-compliance: {stderr}"
    );

    // The summary counts the verdicts per platform, and the terminal names what to move to.
    let xr = &report["summary"]["compliance"]["cisco_xr"];
    assert_eq!(xr["exempt"], 1, "{xr}");
    assert_eq!(xr["non_compliant"], 3, "{xr}");
    assert!(stderr.contains("move to 99.1.0"), "{stderr}");
    let xr_rows: Vec<&Value> = report["devices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["platform"] == "cisco_xr" && d["compliance"]["verdict"] == "non_compliant")
        .collect();
    for d in xr_rows {
        assert_eq!(d["compliance"]["rule"], "xr floor");
        assert_eq!(d["compliance"]["preferred"], "99.1.0");
    }

    // `audit` re-judges the saved report without contacting anything, with the same verdicts.
    drop(fleet);
    let out = run(netinv()
        .args(["audit", "--policy", &policy_path, "--json", "-"])
        .arg(dir.join("report.json")));
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let judged: Value = serde_json::from_slice(&out.stdout).unwrap();
    let again: BTreeMap<String, String> = judged["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap().to_string(),
                d["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(again, expect);
}

#[test]
fn exit_3_means_complete_but_off_policy_and_0_means_all_approved() {
    let fleet = fleet(&[Platform::CiscoXr], 3, Wave::default());
    let dir = TempDir::new("audit-exit");
    std::fs::write(
        dir.join("strict.yaml"),
        "rules:\n  - platform: cisco_xr\n    minimum: \"99.0\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("lenient.yaml"),
        "rules:\n  - platform: cisco_xr\n    minimum: \"6.0.0\"\n",
    )
    .unwrap();
    let strict = dir.join("strict.yaml").display().to_string();
    let lenient = dir.join("lenient.yaml").display().to_string();
    let (code, _, stderr) = collect(&dir, &fleet.inventory_csv(), &["--policy", &strict]);
    assert_eq!(code, 3, "{stderr}");
    let (code, report, stderr) = collect(&dir, &fleet.inventory_csv(), &["--policy", &lenient]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        report.unwrap()["summary"]["compliance"]["cisco_xr"]["compliant"],
        3
    );
}

#[test]
fn a_bad_policy_is_refused_with_its_line_before_any_device_is_contacted() {
    let dir = TempDir::new("audit-bad");
    std::fs::write(
        dir.join("policy.yaml"),
        "rules:\n  - platform: cisco_ios\n    minimum: 15.2\n",
    )
    .unwrap();
    // A listener that records whether anybody connected.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let policy = dir.join("policy.yaml").display().to_string();
    let (code, report, stderr) = collect(
        &dir,
        &format!("host,port\n127.0.0.1,{port}\n"),
        &["--policy", &policy],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("policy.yaml:3: "), "{stderr}");
    assert!(stderr.contains("quotes"), "the fix is named: {stderr}");
    assert!(report.is_none());
    assert!(listener.accept().is_err(), "a device was contacted");
}

#[test]
fn diff_reports_exactly_the_upgrades_and_rmas_the_simulator_made() {
    let dir = TempDir::new("audit-diff");
    let before = fleet(PLATFORMS, 6, Wave::default());
    let (_, old, stderr) = collect(&dir, &before.inventory_csv(), &[]);
    std::fs::rename(dir.join("report.json"), dir.join("old.json")).unwrap();
    let old = old.unwrap_or_else(|| panic!("{stderr}"));
    let was: Vec<SimDevice> = before.devices().to_vec();
    drop(before);

    let wave = Wave {
        upgrade: 0.3,
        rma: 0.2,
        seed: 5,
    };
    let after = fleet(PLATFORMS, 6, wave);
    let (_, new, stderr) = collect(&dir, &after.inventory_csv(), &[]);
    let new = new.unwrap_or_else(|| panic!("{stderr}"));
    assert_eq!(old["summary"]["ok"], new["summary"]["ok"]);

    // What the simulator changed, device by device.
    let mut want: Vec<(String, &str, String, String)> = Vec::new();
    for (a, b) in was.iter().zip(after.devices()) {
        assert_eq!(a.name, b.name);
        if a.version != b.version && !a.version.is_empty() {
            want.push((
                a.name.clone(),
                "version",
                a.version.clone(),
                b.version.clone(),
            ));
        }
        if a.serial != b.serial && !a.serial.is_empty() {
            want.push((a.name.clone(), "serial", a.serial.clone(), b.serial.clone()));
        }
    }
    assert!(
        want.len() >= 5,
        "the wave changed too little to test: {want:?}"
    );

    let out = run(netinv()
        .args(["diff", "--json", "-"])
        .arg(dir.join("old.json"))
        .arg(dir.join("report.json")));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let diff: Value = serde_json::from_slice(&out.stdout).unwrap();
    let got: Vec<(String, &str, String, String)> = diff["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let field = match c["field"].as_str() {
                Some("version") => "version",
                Some("serial") => "serial",
                other => panic!("a change the simulator did not make: {other:?} {c}"),
            };
            let kind = c["change"].as_str().unwrap();
            match field {
                "version" => assert!(kind == "upgraded" || kind == "downgraded", "{c}"),
                _ => assert_eq!(kind, "replaced", "{c}"),
            }
            (
                c["device"].as_str().unwrap().to_string(),
                field,
                c["old"].as_str().unwrap().to_string(),
                c["new"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(got, want);

    // The text form says the same, one line per change.
    let out = run(netinv()
        .arg("diff")
        .arg(dir.join("old.json"))
        .arg(dir.join("report.json")));
    let shown = text(&out.stdout);
    assert_eq!(shown.lines().count(), want.len() + 1, "{shown}");
}

#[test]
fn the_prometheus_textfile_passes_promtool_and_says_what_the_json_says() {
    let fleet = fleet(PLATFORMS, 2, Wave::default());
    let dir = TempDir::new("audit-prom");
    let (policy, _) = policy_and_expectations(&fleet);
    std::fs::write(dir.join("policy.yaml"), &policy).unwrap();
    // A column name that is no valid label, and a value that needs escaping.
    let inventory = fleet
        .inventory_csv()
        .replacen("expect_uptime", "expect uptime", 1);
    let inventory = format!(
        "{inventory}dead \"quoted\",127.0.0.1,{},cisco_ios,a\\b,x,,,,,,,\n",
        free_port()
    );
    let prom = dir.join("metrics.prom");
    let policy_path = dir.join("policy.yaml").display().to_string();
    let prom_path = prom.display().to_string();
    let (_, report, stderr) = collect(
        &dir,
        &inventory,
        &["--policy", &policy_path, "--prometheus", &prom_path],
    );
    let report = report.unwrap_or_else(|| panic!("{stderr}"));
    let metrics = std::fs::read_to_string(&prom).unwrap();

    let check = run_with_stdin(
        std::process::Command::new("promtool").args(["check", "metrics"]),
        metrics.as_bytes(),
    );
    assert!(
        check.status.success(),
        "promtool: {}{}\n{metrics}",
        text(&check.stdout),
        text(&check.stderr)
    );

    let series = |name: &str, value: &str| {
        metrics
            .lines()
            .filter(|l| l.starts_with(&format!("{name}{{")) && l.ends_with(&format!(" {value}")))
            .count()
    };
    let s = &report["summary"];
    let devices = report["devices"].as_array().unwrap();
    assert_eq!(series("netinv_device_info", "1"), devices.len());
    assert_eq!(
        series("netinv_device_up", "1") as u64,
        s["ok"].as_u64().unwrap()
    );
    assert_eq!(
        series("netinv_device_up", "0") as u64,
        s["failed"].as_u64().unwrap()
    );
    let verdict_count = |v: &str| {
        devices
            .iter()
            .filter(|d| d["compliance"]["verdict"] == v)
            .count()
    };
    assert_eq!(
        series("netinv_device_compliant", "1"),
        verdict_count("compliant") + verdict_count("exempt")
    );
    assert_eq!(
        series("netinv_device_compliant", "0"),
        verdict_count("non_compliant")
    );
    assert!(metrics.contains(&format!(
        "netinv_run_devices{{status=\"ok\"}} {}\n",
        s["ok"]
    )));
    assert!(
        metrics.contains("name=\"dead \\\"quoted\\\"\""),
        "{metrics}"
    );
    assert!(metrics.contains("site=\"a\\\\b\""), "{metrics}");
    assert!(metrics.contains("expect_uptime=\""), "{metrics}");
    assert!(metrics.contains("netinv_run_last_success_timestamp_seconds "));
}

/// `collect --history DIR` from `inventory`; (exit code, stderr).
fn collect_into_history(dir: &TempDir, inventory: &str, extra: &[&str]) -> (i32, String) {
    let inv = dir.join("inventory.csv");
    std::fs::write(&inv, inventory).unwrap();
    let out = run(netinv()
        .arg("collect")
        .arg("-i")
        .arg(&inv)
        .args([
            "-u",
            "admin",
            "--host-key-policy",
            "off",
            "-t",
            "10s",
            "--history",
        ])
        .arg(dir.join("history"))
        .args(extra)
        .env("NETINV_PASSWORD", PASSWORD));
    (out.status.code().unwrap_or(-1), text(&out.stderr))
}

fn dated_reports(dir: &TempDir) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("history"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().into_string().unwrap())
        .filter(|n| n.starts_with("netinv-") && n.ends_with(".json"))
        .collect();
    names.sort();
    names
}

fn read_json(path: std::path::PathBuf) -> Value {
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

#[test]
fn a_history_keeps_every_run_and_says_what_changed_since_the_last() {
    let dir = TempDir::new("audit-history");
    let before = fleet(PLATFORMS, 2, Wave::default());
    let (code, stderr) = collect_into_history(&dir, &before.inventory_csv(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("nothing to compare with"), "{stderr}");
    let was: Vec<SimDevice> = before.devices().to_vec();
    drop(before);

    let after = fleet(
        PLATFORMS,
        2,
        Wave {
            upgrade: 0.5,
            rma: 0.0,
            seed: 3,
        },
    );
    let (code, stderr) = collect_into_history(&dir, &after.inventory_csv(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let upgraded: Vec<&str> = was
        .iter()
        .zip(after.devices())
        .filter(|(a, b)| a.version != b.version && !a.version.is_empty())
        .map(|(a, _)| a.name.as_str())
        .collect();
    assert!(!upgraded.is_empty());

    let reports = dated_reports(&dir);
    assert_eq!(reports.len(), 2, "{reports:?}");
    let latest = read_json(dir.join("history/latest.json"));
    assert_eq!(latest, read_json(dir.join("history").join(&reports[1])));
    // The changes are saved beside the report, and told on the terminal: those the wave made.
    let stem = reports[1].trim_end_matches(".json");
    let saved =
        std::fs::read_to_string(dir.join("history").join(format!("{stem}.changes.txt"))).unwrap();
    let changed: Vec<&str> = saved
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().nth(1).unwrap().trim_end_matches(':'))
        .collect();
    assert_eq!(changed, upgraded, "{saved}");
    assert!(stderr.contains("since the previous run"), "{stderr}");
    for name in &upgraded {
        assert!(stderr.contains(name), "{name} not told: {stderr}");
    }
}

#[test]
fn a_device_that_fails_keeps_its_last_known_facts_and_when_they_were_seen() {
    let dir = TempDir::new("audit-lastseen");
    let fleet = fleet(&[Platform::CiscoNxos], 2, Wave::default());
    let inventory = fleet.inventory_csv();
    let (code, stderr) = collect_into_history(&dir, &inventory, &[]);
    assert_eq!(code, 0, "{stderr}");
    let first = read_json(dir.join("history/latest.json"));
    let seen = first["started_at"].as_str().unwrap().to_string();
    assert_eq!(first["devices"][0]["last_seen"], seen.as_str());

    // The same inventory, the first device now unreachable.
    let d0 = &fleet.devices()[0];
    let gone = inventory.replacen(&format!(",{},", d0.port), &format!(",{},", free_port()), 1);
    let (code, stderr) = collect_into_history(&dir, &gone, &[]);
    assert_eq!(code, 1, "{stderr}");
    let second = read_json(dir.join("history/latest.json"));
    let dev = &second["devices"][0];
    assert_eq!(dev["status"], "failed");
    assert_eq!(dev["last_seen"], seen.as_str(), "{dev}");
    assert_eq!(
        dev["facts"]["version"],
        first["devices"][0]["facts"]["version"]
    );
    assert_eq!(dev["facts"]["serial"], d0.serial.as_str());
    // The other device was seen now.
    assert_eq!(second["devices"][1]["last_seen"], second["started_at"]);
    assert!(stderr.contains("newly_failing"), "{stderr}");
}

#[test]
fn keep_n_keeps_the_newest_n_reports() {
    let dir = TempDir::new("audit-keep");
    let fleet = fleet(&[Platform::AristaEos], 1, Wave::default());
    let mut all = Vec::new();
    for _ in 0..3 {
        let (code, stderr) = collect_into_history(&dir, &fleet.inventory_csv(), &["--keep", "2"]);
        assert_eq!(code, 0, "{stderr}");
        all = [all, dated_reports(&dir)].concat();
        all.sort();
        all.dedup();
    }
    assert_eq!(all.len(), 3);
    assert_eq!(dated_reports(&dir), all[1..].to_vec());
    let changes = std::fs::read_dir(dir.join("history"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".changes.txt"))
        .count();
    assert_eq!(changes, 2);
}

#[test]
fn a_second_run_on_the_same_history_is_refused_while_the_first_runs() {
    let dir = TempDir::new("audit-lock");
    // The first run waits on a device that never answers, holding the history meanwhile.
    let silent = SilentListener::start();
    let inv = dir.join("slow.csv");
    std::fs::write(&inv, format!("host,port\n127.0.0.1,{}\n", silent.port)).unwrap();
    let mut first = netinv()
        .arg("collect")
        .arg("-i")
        .arg(&inv)
        .args([
            "-u",
            "admin",
            "--host-key-policy",
            "off",
            "-t",
            "20s",
            "--history",
        ])
        .arg(dir.join("history"))
        .env("NETINV_PASSWORD", PASSWORD)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let lock = dir.join("history/.netinv.lock");
    let mine = format!("pid {} ", first.id());
    let started = std::time::Instant::now();
    while !std::fs::read_to_string(&lock).is_ok_and(|t| t.starts_with(&mine)) {
        assert!(
            started.elapsed().as_secs() < 15,
            "the first run never took the lock"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }

    let t = std::time::Instant::now();
    let (code, stderr) = collect_into_history(&dir, "host\n127.0.0.1\n", &[]);
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("another netinv run"), "{stderr}");
    assert!(stderr.contains(&mine.trim_end().to_string()), "{stderr}");
    assert!(
        t.elapsed().as_secs() < 5,
        "refused at once, not after waiting"
    );

    let _ = first.kill();
    let _ = first.wait();
    drop(silent);
    // The lock the killed run left is taken over by the next run.
    let fleet = fleet(&[Platform::Linux], 1, Wave::default());
    let (code, stderr) = collect_into_history(&dir, &fleet.inventory_csv(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("taking it over"), "{stderr}");
}

/// Headless Chromium, as a person's browser would open the page; (DOM after scripts ran, stderr).
fn chromium(dir: &TempDir, page: &std::path::Path, extra: &[&str]) -> (String, String) {
    let profile = dir.join("chromium-profile");
    let out = run(std::process::Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1200,1600",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display())));
    (text(&out.stdout), text(&out.stderr))
}

/// The number inside `<b id="ID">N</b>` of the rendered page.
fn figure(dom: &str, id: &str) -> u64 {
    let at = dom
        .find(&format!("id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no #{id} in the page"));
    let rest = &dom[at + id.len() + 6..];
    rest[..rest.find('<').unwrap()].trim().parse().unwrap()
}

#[test]
fn the_html_page_opens_in_a_browser_without_errors_and_shows_the_reports_counts() {
    let fleet = fleet(PLATFORMS, 2, Wave::default());
    let dir = TempDir::new("audit-html");
    let (policy, _) = policy_and_expectations(&fleet);
    std::fs::write(dir.join("policy.yaml"), &policy).unwrap();
    // A hostile name must stay text, and an unreachable device gives a failure to group.
    let inventory = format!(
        "{}<script>alert(1)</script>,127.0.0.1,{},cisco_ios,ams,x,,,,,,,\n",
        fleet.inventory_csv(),
        free_port()
    );
    let page = dir.join("report.html");
    let policy_path = dir.join("policy.yaml").display().to_string();
    let page_path = page.display().to_string();
    let (_, report, stderr) = collect(
        &dir,
        &inventory,
        &["--policy", &policy_path, "--html", &page_path],
    );
    let report = report.unwrap_or_else(|| panic!("{stderr}"));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(!html.contains("<script>alert"), "device text became markup");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "the page needs no network"
    );

    let (dom, err) = chromium(&dir, &page, &["--dump-dom"]);
    assert!(
        dom.contains("data-ready=\"yes\""),
        "the page's script did not finish: {err}\n{dom}"
    );
    assert!(
        dom.contains("<pre id=\"script-errors\" hidden=\"\"></pre>"),
        "script errors: {dom}"
    );
    let s = &report["summary"];
    assert_eq!(figure(&dom, "total"), s["total"].as_u64().unwrap());
    assert_eq!(figure(&dom, "ok"), s["ok"].as_u64().unwrap());
    assert_eq!(figure(&dom, "failed"), s["failed"].as_u64().unwrap());
    assert_eq!(figure(&dom, "shown"), s["total"].as_u64().unwrap());
    let off = report["devices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["compliance"]["verdict"] == "non_compliant")
        .count() as u64;
    assert_eq!(figure(&dom, "non-compliant"), off);
    for (kind, n) in s["by_error"].as_object().unwrap() {
        if kind != "parse" {
            assert!(
                dom.contains(&format!("data-kind=\"{kind}\" data-count=\"{n}\"")),
                "{kind} ×{n} not shown"
            );
        }
    }
    // Filters were filled in by the page's script from the table itself.
    assert!(
        dom.contains("<option value=\"cisco_xr\">cisco_xr</option>"),
        "{dom}"
    );

    let shot = dir.join("page.png");
    let arg = format!("--screenshot={}", shot.display());
    let _ = chromium(&dir, &page, &[&arg]);
    let png = std::fs::read(&shot).expect("a screenshot was taken");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{} bytes",
        png.len()
    );
}

/// The text of a cell as the workbook holds it; numbers as JSON numbers.
fn cell_json(c: &calamine::Data) -> Value {
    match c {
        calamine::Data::Empty => Value::Null,
        calamine::Data::String(s) => Value::String(s.clone()),
        calamine::Data::Float(f) => serde_json::json!(f),
        calamine::Data::Int(i) => serde_json::json!(i),
        other => panic!("a cell of an unexpected type: {other:?}"),
    }
}

/// A sheet's rows as header → value maps.
fn sheet_rows(
    book: &mut calamine::Xlsx<std::io::BufReader<std::fs::File>>,
    name: &str,
) -> Vec<BTreeMap<String, Value>> {
    use calamine::Reader;
    let range = book.worksheet_range(name).unwrap();
    let mut rows = range.rows();
    let header: Vec<String> = rows.next().unwrap().iter().map(|c| c.to_string()).collect();
    rows.map(|r| {
        header
            .iter()
            .cloned()
            .zip(r.iter().map(cell_json))
            .collect()
    })
    .collect()
}

#[test]
fn the_workbook_and_the_page_say_what_the_json_says_with_the_changes_since_the_last_run() {
    use calamine::Reader;
    let dir = TempDir::new("audit-xlsx");
    let before = fleet(PLATFORMS, 2, Wave::default());
    let (policy, _) = policy_and_expectations(&before);
    std::fs::write(dir.join("policy.yaml"), &policy).unwrap();
    let (code, stderr) = collect_into_history(&dir, &before.inventory_csv(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let was: Vec<SimDevice> = before.devices().to_vec();
    drop(before);

    let after = fleet(
        PLATFORMS,
        2,
        Wave {
            upgrade: 0.5,
            rma: 0.2,
            seed: 3,
        },
    );
    // A device that cannot be reached, named like a formula: a failure to list, and a cell
    // that must stay text.
    let inventory = format!(
        "{}=HYPERLINK(\"x\"),127.0.0.1,{},cisco_ios,ams,x,,,,,,,\n",
        after.inventory_csv(),
        free_port()
    );
    let (book_path, page, json) = (
        dir.join("report.xlsx"),
        dir.join("report.html"),
        dir.join("report.json"),
    );
    let policy_path = dir.join("policy.yaml");
    let (code, stderr) = collect_into_history(
        &dir,
        &inventory,
        &[
            "--policy",
            policy_path.to_str().unwrap(),
            "--xlsx",
            book_path.to_str().unwrap(),
            "--html",
            page.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "the unreachable device failed: {stderr}");
    assert_eq!(
        std::fs::read(&json).unwrap(),
        std::fs::read(dir.join("history/latest.json")).unwrap(),
        "the history keeps exactly the --json report"
    );
    let report = read_json(json);
    let devices = report["devices"].as_array().unwrap();

    // What the simulator changed, as `diff` names it.
    let mut changed: Vec<(String, String)> = Vec::new();
    for (a, b) in was.iter().zip(after.devices()) {
        if a.version != b.version && !a.version.is_empty() {
            changed.push((a.name.clone(), "version".into()));
        }
        if a.serial != b.serial && !a.serial.is_empty() {
            changed.push((a.name.clone(), "serial".into()));
        }
    }
    changed.push(("=HYPERLINK(\"x\")".into(), "added".into()));
    assert!(
        changed.len() >= 4,
        "the wave changed too little: {changed:?}"
    );

    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&book_path).unwrap();
    assert_eq!(
        book.sheet_names(),
        ["Devices", "Compliance", "Failures", "Changes"]
    );
    for sheet in book.sheet_names() {
        let formulas = book.worksheet_formula(&sheet).unwrap();
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "{sheet} holds a formula"
        );
    }

    let rows = sheet_rows(&mut book, "Devices");
    assert_eq!(rows.len(), devices.len(), "every inventory row once");
    for (row, d) in rows.iter().zip(devices) {
        assert_eq!(row["name"], d["name"]);
        assert_eq!(row["status"], d["status"]);
        assert_eq!(
            row["port"],
            serde_json::json!(d["port"].as_u64().unwrap() as f64)
        );
        assert_eq!(
            row["elapsed_ms"],
            serde_json::json!(d["elapsed_ms"].as_u64().unwrap() as f64)
        );
        assert_eq!(
            row["attempts"],
            serde_json::json!(d["attempts"].as_u64().unwrap() as f64)
        );
        for fact in ["version", "model", "serial", "hostname"] {
            assert_eq!(row[fact], d["facts"][fact], "{} {fact}", d["name"]);
        }
        assert_eq!(
            row["site"], d["fields"]["site"],
            "inventory columns as text"
        );
    }

    let rows = sheet_rows(&mut book, "Compliance");
    let got: Vec<(Value, Value)> = rows
        .iter()
        .map(|r| (r["name"].clone(), r["verdict"].clone()))
        .collect();
    let want: Vec<(Value, Value)> = devices
        .iter()
        .map(|d| (d["name"].clone(), d["compliance"]["verdict"].clone()))
        .collect();
    assert_eq!(got, want);

    let rows = sheet_rows(&mut book, "Failures");
    let failed: Vec<&Value> = devices.iter().filter(|d| d["status"] != "ok").collect();
    assert_eq!(rows.len(), failed.len());
    for (row, d) in rows.iter().zip(&failed) {
        assert_eq!(row["name"], d["name"]);
        assert_eq!(row["kind"], d["error"]["kind"]);
        assert_eq!(row["message"], d["error"]["message"]);
    }

    let rows = sheet_rows(&mut book, "Changes");
    let mut got: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            let what = r["field"]
                .as_str()
                .unwrap_or_else(|| r["change"].as_str().unwrap());
            (r["device"].as_str().unwrap().to_string(), what.to_string())
        })
        .collect();
    got.sort();
    changed.sort();
    assert_eq!(got, changed);

    // Header frozen and filters on, in every sheet (read with Python's zipfile, not ours).
    let out = run(std::process::Command::new("python3").arg("-c").arg(
        "import sys, zipfile\n\
         z = zipfile.ZipFile(sys.argv[1])\n\
         for n in sorted(z.namelist()):\n\
         \x20   if n.startswith('xl/worksheets/sheet'):\n\
         \x20       x = z.read(n).decode()\n\
         \x20       print(n, 'state=\"frozen\"' in x and 'ySplit=\"1\"' in x, '<autoFilter ref=\"A1:' in x)\n",
    ).arg(&book_path));
    let shown = text(&out.stdout);
    assert_eq!(shown.lines().count(), 4, "{shown}{}", text(&out.stderr));
    assert!(shown.lines().all(|l| l.ends_with("True True")), "{shown}");

    // The page shows the same changes, counted by kind.
    let (dom, err) = chromium(&dir, &page, &["--dump-dom"]);
    assert!(dom.contains("data-ready=\"yes\""), "{err}");
    assert!(
        dom.contains(&format!(
            "<section id=\"changes\" data-count=\"{}\">",
            changed.len()
        )),
        "{dom}"
    );
    assert!(
        dom.contains("data-kind=\"added\" data-count=\"1\""),
        "{dom}"
    );
}
