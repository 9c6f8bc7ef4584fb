//! netinv against the simulated fleet: every platform, every fault, exec and shell, checked
//! against what the simulator recorded for each device (its `expect*` inventory columns and the
//! exact version output it prints).

mod support;

use netinv_sim::{parse_faults, Fleet, FleetConfig};
use serde_json::Value;
use std::time::Instant;
use support::*;

const PASSWORD: &str = "fleet-pw";

fn fleet(devices: usize, faults: &str, seed: u64) -> Fleet {
    let mut cfg = FleetConfig::new(devices);
    cfg.password = PASSWORD.into();
    cfg.enable_secret = Some("en-secret".into());
    cfg.faults = parse_faults(faults).unwrap();
    cfg.seed = seed;
    Fleet::start(cfg).expect("fleet starts")
}

/// Collect from an inventory text; returns the exit code and the JSON report.
fn collect(inventory: &str, args: &[&str]) -> (i32, Value) {
    let dir = TempDir::new("fleet");
    let inv = dir.join("inventory.csv");
    std::fs::write(&inv, inventory).unwrap();
    let json = dir.join("report.json");
    let out = run(netinv()
        .arg("collect")
        .arg("-i")
        .arg(&inv)
        .args(["-u", "admin", "--host-key-policy", "off", "--json"])
        .arg(&json)
        .args(args)
        .env("NETINV_PASSWORD", PASSWORD)
        .env("NETINV_ENABLE_SECRET", "en-secret"));
    let report = serde_json::from_str(
        &std::fs::read_to_string(&json)
            .unwrap_or_else(|e| panic!("no report ({e}): {}", text(&out.stderr))),
    )
    .unwrap();
    (out.status.code().unwrap_or(-1), report)
}

/// Every way a device's record differs from the simulator's expectation.
fn surprises(report: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for d in report["devices"].as_array().unwrap() {
        let name = d["name"].as_str().unwrap();
        let f = &d["fields"];
        let expect = f["expect"].as_str().unwrap();
        let got = if d["status"] == "ok" {
            "ok"
        } else {
            d["error"]["kind"].as_str().unwrap()
        };
        if got != expect {
            out.push(format!(
                "{name} ({} {}): expected {expect}, got {got}: {}",
                f["fault"], d["platform"], d["error"]["message"]
            ));
            continue;
        }
        if expect != "ok" {
            continue;
        }
        for fact in ["hostname", "version", "model", "serial", "uptime"] {
            let want = f[format!("expect_{fact}")].as_str().unwrap();
            if !want.is_empty() && d["facts"][fact].as_str() != Some(want) {
                out.push(format!(
                    "{name} ({}): {fact} {} (expected {want:?})",
                    d["platform"], d["facts"][fact]
                ));
            }
        }
    }
    out
}

/// Saved outputs that are not exactly what the device printed.
fn output_debris(fleet: &Fleet, report: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (i, d) in report["devices"].as_array().unwrap().iter().enumerate() {
        if d["fields"]["expect"] != "ok" {
            continue;
        }
        let want = netinv::ssh::text::trim_blank_edges(fleet.version_output(i).unwrap());
        let got = d["output"].as_str().unwrap_or("<none>");
        if got != want {
            let at = got
                .bytes()
                .zip(want.bytes())
                .position(|(a, b)| a != b)
                .unwrap_or(got.len().min(want.len()));
            out.push(format!(
                "{} ({}): differs at byte {at}: got {:?} expected {:?}",
                d["name"],
                d["platform"],
                &got[at.saturating_sub(20)..(at + 40).min(got.len())],
                &want[at.saturating_sub(20)..(at + 40).min(want.len())]
            ));
        }
    }
    out
}

#[test]
fn a_mixed_fleet_of_500_with_every_fault_is_reported_exactly_as_the_simulator_expects() {
    let fleet = fleet(
        500,
        "auth:2%,silent:1%,hang:1%,drip:1%,disconnect:1%,huge:0.4%,pager-stuck:2%,refuse-exec:5%,slow-banner:1%",
        11,
    );
    let started = Instant::now();
    // Generous: the huge devices move 20 MB each through SSH, on a loaded CI machine too.
    let (code, report) = collect(&fleet.inventory_csv(), &["-w", "100", "-t", "10s"]);
    assert_eq!(code, 1, "faulty devices fail, so the exit code is 1");
    let s = surprises(&report);
    assert!(s.is_empty(), "{} surprise(s):\n{}", s.len(), s.join("\n"));
    assert_eq!(report["summary"]["total"], 500);
    assert!(report["summary"]["ok"].as_u64().unwrap() >= 470);
    assert!(started.elapsed().as_secs() < 60);
    let huge: Vec<&Value> = report["devices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["fields"]["fault"] == "huge")
        .collect();
    assert!(!huge.is_empty());
    for d in huge {
        assert_eq!(
            d["truncated"], true,
            "20 MB of output is cut at the 16 MiB cap"
        );
        // The cap counts what the device sent: over exec, CRLF lines lose their CRs after
        // the cut, so a few percent less is kept than over the shell.
        let kept = d["output"].as_str().unwrap().len();
        assert!(
            (15 << 20..=16 << 20).contains(&kept),
            "{}: kept {kept} bytes",
            d["name"]
        );
    }
}

#[test]
fn shell_mode_on_every_platform_saves_exactly_the_device_output() {
    let fleet = fleet(26, "", 21);
    let (code, report) = collect(
        &fleet.inventory_csv(),
        &["--mode", "shell", "-w", "26", "-t", "15s"],
    );
    assert_eq!(surprises(&report), Vec::<String>::new());
    assert_eq!(output_debris(&fleet, &report), Vec::<String>::new());
    assert_eq!(code, 0);
}

#[test]
fn banners_of_hashes_ansi_prompts_user_mode_and_stuck_pagers_leave_no_debris() {
    let fleet = fleet(
        52,
        "hash-banner:25%,ansi-prompt:25%,user-mode:25%,pager-stuck:25%",
        31,
    );
    let (code, report) = collect(
        &fleet.inventory_csv(),
        &["--mode", "shell", "--enable", "-w", "52", "-t", "15s"],
    );
    assert_eq!(surprises(&report), Vec::<String>::new());
    assert_eq!(output_debris(&fleet, &report), Vec::<String>::new());
    assert_eq!(code, 0);
}

#[test]
fn auto_mode_falls_back_to_the_shell_when_every_device_refuses_exec() {
    let fleet = fleet(26, "refuse-exec:100%", 41);
    let (code, report) = collect(&fleet.inventory_csv(), &["-w", "26", "-t", "15s"]);
    assert_eq!(surprises(&report), Vec::<String>::new());
    assert_eq!(output_debris(&fleet, &report), Vec::<String>::new());
    assert_eq!(code, 0);
}

#[test]
fn autodetect_names_every_platform_and_parses_its_facts() {
    let fleet = fleet(26, "", 51);
    let csv = fleet.inventory_csv();
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    let col = header.split(',').position(|c| c == "platform").unwrap();
    let mut blanked = format!("{header},true_platform\n");
    for line in lines {
        let mut cells: Vec<&str> = line.split(',').collect();
        let truth = cells[col];
        cells[col] = if truth.len().is_multiple_of(2) {
            ""
        } else {
            "autodetect"
        };
        blanked.push_str(&format!("{},{truth}\n", cells.join(",")));
    }
    let (code, report) = collect(&blanked, &["-w", "26", "-t", "15s"]);
    assert_eq!(surprises(&report), Vec::<String>::new());
    for d in report["devices"].as_array().unwrap() {
        assert_eq!(d["platform"], d["fields"]["true_platform"], "{}", d["name"]);
        assert_eq!(d["platform_detected"], true);
    }
    assert_eq!(code, 0);
}

#[test]
fn a_device_that_never_returns_its_prompt_times_out_on_its_deadline() {
    let fleet = fleet(13, "hang:100%", 61);
    let (code, report) = collect(
        &fleet.inventory_csv(),
        &["--mode", "shell", "-w", "13", "-t", "3s"],
    );
    assert_eq!(code, 1);
    for d in report["devices"].as_array().unwrap() {
        assert_eq!(d["error"]["kind"], "timeout", "{}", d["name"]);
        let ms = d["elapsed_ms"].as_u64().unwrap();
        assert!(
            (2900..=3300).contains(&ms),
            "{} took {ms} ms for a 3 s deadline",
            d["name"]
        );
    }
}

#[test]
fn exec_mode_saves_exactly_the_device_output_where_the_platform_allows_exec() {
    let mut cfg = FleetConfig::new(18);
    cfg.password = PASSWORD.into();
    cfg.seed = 71;
    cfg.platforms = [
        "cisco_ios",
        "cisco_xe",
        "cisco_nxos",
        "cisco_xr",
        "arista_eos",
        "juniper_junos",
        "fortinet",
        "mikrotik_routeros",
        "linux",
    ]
    .iter()
    .map(|p| p.parse().unwrap())
    .collect();
    let fleet = Fleet::start(cfg).unwrap();
    let (code, report) = collect(
        &fleet.inventory_csv(),
        &["--mode", "exec", "-w", "18", "-t", "15s"],
    );
    assert_eq!(surprises(&report), Vec::<String>::new());
    assert_eq!(output_debris(&fleet, &report), Vec::<String>::new());
    assert_eq!(code, 0);
}

fn ios_fleet(devices: usize, seed: u64) -> Fleet {
    let mut cfg = FleetConfig::new(devices);
    cfg.password = PASSWORD.into();
    cfg.seed = seed;
    cfg.platforms = vec!["cisco_ios".parse().unwrap()];
    Fleet::start(cfg).unwrap()
}

#[test]
fn several_commands_run_in_one_session_and_are_kept_apart() {
    let fleet = ios_fleet(2, 81);
    for mode in ["exec", "shell"] {
        let (code, report) = collect(
            &fleet.inventory_csv(),
            &[
                "--mode",
                mode,
                "-c",
                "show version",
                "-c",
                "show version | include uptime",
            ],
        );
        assert_eq!(code, 0, "{mode}: {report}");
        for (i, d) in report["devices"].as_array().unwrap().iter().enumerate() {
            let full = netinv::ssh::text::trim_blank_edges(fleet.version_output(i).unwrap());
            let uptime_lines: String = full
                .lines()
                .filter(|l| l.contains("uptime"))
                .map(|l| format!("{l}\n"))
                .collect();
            assert_eq!(
                d["outputs"]["show version"],
                serde_json::json!({"output": full, "error": null}),
                "{mode}"
            );
            assert_eq!(
                d["outputs"]["show version | include uptime"],
                serde_json::json!({"output": uptime_lines, "error": null}),
                "{mode}"
            );
            assert_eq!(d["warnings"], serde_json::json!([]), "{mode}");
            assert_eq!(
                d["output"],
                full.as_str(),
                "`output` is the first command's"
            );
            assert!(
                d["facts"]["version"].is_string(),
                "facts come from the version command"
            );
        }
    }
}

#[test]
fn a_rejected_second_command_keeps_the_first_its_facts_and_raw_file_with_a_warning() {
    // The simulated devices reject every command they do not know; `show inventory` is one.
    let fleet = ios_fleet(2, 83);
    for mode in ["exec", "shell"] {
        let dir = TempDir::new("rejected-second");
        let (csv, raw) = (dir.join("report.csv"), dir.join("raw"));
        let (code, report) = collect(
            &fleet.inventory_csv(),
            &[
                "--mode",
                mode,
                "-c",
                "show version",
                "-c",
                "show inventory",
                "--csv",
                csv.to_str().unwrap(),
                "--out-dir",
                raw.to_str().unwrap(),
            ],
        );
        assert_eq!(code, 0, "{mode}: every device was collected: {report}");
        assert_eq!(report["summary"]["ok"], 2, "{mode}");
        assert_eq!(report["summary"]["warnings"], 2, "{mode}");
        let table = std::fs::read_to_string(&csv).unwrap();
        let mut rows = table.lines();
        let header: Vec<&str> = rows.next().unwrap().split(',').collect();
        assert_eq!(
            header.last(),
            Some(&"warnings"),
            "{mode}: the new column comes after every existing one"
        );
        assert_eq!(header[..4], ["name", "host", "port", "platform"]);
        for (i, d) in report["devices"].as_array().unwrap().iter().enumerate() {
            let name = d["name"].as_str().unwrap();
            let version = netinv::ssh::text::trim_blank_edges(fleet.version_output(i).unwrap());
            assert_eq!(d["status"], "ok", "{mode}: {d}");
            assert_eq!(d["error"], Value::Null, "{mode}");
            assert_eq!(
                d["facts"]["version"], d["fields"]["expect_version"],
                "{mode}"
            );
            assert_eq!(
                d["output"],
                version.as_str(),
                "{mode}: `output` is the first command's"
            );
            assert_eq!(
                d["outputs"]["show version"],
                serde_json::json!({"output": version, "error": null}),
                "{mode}"
            );
            let rejected = &d["outputs"]["show inventory"]["error"];
            assert_eq!(rejected["kind"], "command", "{mode}: {d}");
            assert!(
                rejected["message"]
                    .as_str()
                    .unwrap()
                    .contains("Invalid input"),
                "{mode}: {rejected}"
            );
            assert_eq!(
                d["warnings"],
                serde_json::json!([{
                    "command": "show inventory",
                    "kind": "command",
                    "message": rejected["message"],
                }]),
                "{mode}"
            );
            let file = std::fs::read_to_string(raw.join(format!("{name}.txt"))).unwrap();
            assert_eq!(
                file,
                format!("===== show version =====\n{version}"),
                "{mode}: the raw file holds what the device answered, and only that"
            );
            let row = rows.next().unwrap();
            assert!(
                row.starts_with(&format!("{name},"))
                    && row.ends_with("`show inventory` rejected by the device: % Invalid input detected at '^' marker."),
                "{mode}: {row}"
            );
        }
    }
}

#[test]
fn a_command_the_device_rejects_fails_as_command_in_exec_and_shell() {
    let fleet = ios_fleet(1, 91);
    for mode in ["exec", "shell"] {
        let (code, report) = collect(
            &fleet.inventory_csv(),
            &["--mode", mode, "-c", "show bogus"],
        );
        assert_eq!(code, 1);
        let e = &report["devices"][0]["error"];
        assert_eq!(e["kind"], "command", "{mode}: {e}");
        assert!(
            e["message"].as_str().unwrap().contains("Invalid input"),
            "{mode}: {e}"
        );
    }
}

/// The quirks of real devices between login and the first prompt, which a default run must
/// get through (or fail on at once as `auth`, with the device's words).
const LOGIN_QUIRKS: &str = "exec-closes:11%,one-channel:11%,inband-login:11%,password-expired:11%,\
     cr-only:11%,odd-prompt:11%,authz-failed:11%,ack-banner:11%,kbd-ack:11%";

#[test]
fn what_real_devices_do_between_login_and_the_prompt_is_handled_in_the_default_mode() {
    let fleet = fleet(99, LOGIN_QUIRKS, 101);
    let (code, report) = collect(&fleet.inventory_csv(), &["-w", "99", "-t", "20s"]);
    assert_eq!(surprises(&report), Vec::<String>::new());
    assert_eq!(output_debris(&fleet, &report), Vec::<String>::new());
    assert_eq!(
        code, 1,
        "the banners nobody accepted and the refused logins fail"
    );
    for d in report["devices"].as_array().unwrap() {
        if d["status"] == "ok" {
            continue;
        }
        // Each of these devices said why at once; waiting for the deadline would be a bug.
        let ms = d["elapsed_ms"].as_u64().unwrap();
        assert!(
            ms < 10_000,
            "{} took {ms} ms to fail: {}",
            d["name"],
            d["error"]
        );
        let message = d["error"]["message"].as_str().unwrap();
        let said = match d["fields"]["fault"].as_str().unwrap() {
            "authz-failed" => "Authorization failed",
            "ack-banner" => "Press 'a' to accept",
            "kbd-ack" => "acknowledge the statement above",
            other => panic!("{} ({other}) failed: {message}", d["name"]),
        };
        assert!(message.contains(said), "{}: {message}", d["name"]);
        assert!(
            message.contains("--accept-banner") || said == "Authorization failed",
            "{message}"
        );
    }
}

#[test]
fn banners_that_wait_for_acknowledgement_are_collected_with_accept_banner() {
    let fleet = fleet(22, "ack-banner:50%,kbd-ack:50%", 103);
    let (code, report) = collect(
        &fleet.inventory_csv(),
        &["--accept-banner", "-w", "22", "-t", "20s"],
    );
    let failed: Vec<String> = report["devices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["status"] != "ok")
        .map(|d| format!("{} ({}): {}", d["name"], d["fields"]["fault"], d["error"]))
        .collect();
    assert_eq!(failed, Vec::<String>::new());
    assert_eq!(code, 0);
    for (i, d) in report["devices"].as_array().unwrap().iter().enumerate() {
        let want = netinv::ssh::text::trim_blank_edges(fleet.version_output(i).unwrap());
        assert_eq!(d["output"], want.as_str(), "{}", d["name"]);
    }
}

#[test]
fn cr_only_clis_and_odd_prompts_are_collected_in_shell_mode_on_every_platform() {
    let fleet = fleet(44, "cr-only:50%,odd-prompt:50%", 107);
    let (code, report) = collect(
        &fleet.inventory_csv(),
        &["--mode", "shell", "-w", "44", "-t", "20s"],
    );
    assert_eq!(surprises(&report), Vec::<String>::new());
    assert_eq!(output_debris(&fleet, &report), Vec::<String>::new());
    assert_eq!(code, 0);
}

#[test]
fn on_a_terminal_the_progress_line_names_the_device_the_run_is_waiting_on() {
    require_python3();
    // Three devices, one of which answers the login and then never the command.
    let fleet = fleet(3, "hang:34%", 41);
    let hung = fleet
        .devices()
        .iter()
        .find(|d| d.fault == Some(netinv_sim::Fault::Hang))
        .expect("one device hangs")
        .name
        .clone();
    let dir = TempDir::new("progress-tty");
    let inv = dir.join("inventory.csv");
    std::fs::write(&inv, fleet.inventory_csv()).unwrap();
    // The hung device is given far longer than the test takes: the run is waiting on it, and
    // the line must say so, until Ctrl-C (twice: the first lets running devices finish).
    let steps = ctrl_c_twice_once_waiting_on("2/3 ok 2 failed 0 · 1 in flight", &hung);
    let out = netinv_on_tty(200, steps)
        .args([
            "collect",
            "-u",
            "admin",
            "--host-key-policy",
            "off",
            "-t",
            "10m",
            "-i",
        ])
        .arg(&inv)
        .arg("--json")
        .arg(dir.join("report.json"))
        .env("NETINV_PASSWORD", PASSWORD)
        .output()
        .expect("python3 runs");
    let terminal = text(&out.stdout);
    assert_eq!(out.status.code(), Some(130), "interrupted: {terminal}");
    let shown = regex::Regex::new(&format!(
        r"2/3 ok 2 failed 0 · 1 in flight · waiting on {} \((\d+\.\d)s\)",
        regex::escape(&hung)
    ))
    .unwrap();
    let seconds: Vec<f64> = shown
        .captures_iter(&terminal)
        .map(|c| c[1].parse().unwrap())
        .collect();
    assert!(!seconds.is_empty(), "{terminal}");
    assert!(
        seconds.windows(2).all(|w| w[0] <= w[1]),
        "the time it has been running only grows: {seconds:?}"
    );
}

#[test]
fn without_a_terminal_there_is_no_progress_line() {
    let fleet = ios_fleet(2, 42);
    let dir = TempDir::new("progress-cron");
    let inv = dir.join("inventory.csv");
    std::fs::write(&inv, fleet.inventory_csv()).unwrap();
    let out = run(netinv()
        .args(["collect", "-u", "admin", "--host-key-policy", "off", "-i"])
        .arg(&inv)
        .env("NETINV_PASSWORD", PASSWORD));
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("in flight"), "{err}");
}

#[test]
fn with_log_format_json_every_line_on_stderr_is_a_json_object() {
    let fleet = fleet(4, "auth:25%", 43);
    let refused = fleet
        .devices()
        .iter()
        .find(|d| d.fault == Some(netinv_sim::Fault::Auth))
        .expect("one device refuses the login")
        .name
        .clone();
    let dir = TempDir::new("log-json");
    let inv = dir.join("inventory.csv");
    // And a bad row, so that the run also has a note to make before it starts.
    let bad_row = format!("bad-row,127.0.0.1,0{}\n", ",".repeat(10));
    std::fs::write(&inv, fleet.inventory_csv() + &bad_row).unwrap();
    for verbosity in [&["-v"][..], &[], &["-q"]] {
        let out = run(netinv()
            .args(["collect", "-u", "admin", "--host-key-policy", "off"])
            .args(["--log-format", "json", "--skip-invalid", "-i"])
            .arg(&inv)
            .arg("--json")
            .arg(dir.join("report.json"))
            .args(verbosity)
            .env("NETINV_PASSWORD", PASSWORD));
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{verbosity:?}: {err}");
        let lines: Vec<Value> = err
            .lines()
            .map(|l| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("{verbosity:?}: not JSON ({e}): {l:?}\n{err}"))
            })
            .collect();
        for l in &lines {
            assert!(l["level"].is_string(), "{l}");
            assert!(l["fields"]["message"].is_string(), "{l}");
        }
        let summary: Vec<&Value> = lines
            .iter()
            .filter(|l| l["fields"]["summary"] == true)
            .collect();
        let [summary] = summary[..] else {
            panic!("{verbosity:?}: one summary line: {err}")
        };
        let f = &summary["fields"];
        assert_eq!(
            (f["total"].as_u64(), f["ok"].as_u64()),
            (Some(5), Some(3)),
            "{f}"
        );
        assert_eq!(
            (f["failed"].as_u64(), f["skipped"].as_u64()),
            (Some(1), Some(1)),
            "{f}"
        );
        assert_eq!(f["by_error"]["auth"], 1, "{f}");
        assert!(
            f["failures"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["device"] == refused.as_str() && x["kind"] == "auth"),
            "{f}"
        );
        assert!(
            f["message"].as_str().unwrap().starts_with("5 devices in "),
            "the text summary is the message: {f}"
        );
        let per_device = lines
            .iter()
            .any(|l| l["span"]["device"] == refused.as_str() && l["fields"]["kind"] == "auth");
        assert_eq!(
            per_device,
            verbosity == ["-v"],
            "a line per failed device with -v: {err}"
        );
    }
}

#[test]
fn quiet_still_tells_about_a_rejected_command_though_every_device_was_collected() {
    let fleet = ios_fleet(1, 85);
    let dir = TempDir::new("quiet-warning");
    let inv = dir.join("inventory.csv");
    std::fs::write(&inv, fleet.inventory_csv()).unwrap();
    let quiet = |commands: &[&str]| {
        let mut cmd = netinv();
        cmd.args([
            "collect",
            "-q",
            "-u",
            "admin",
            "--host-key-policy",
            "off",
            "-i",
        ])
        .arg(&inv)
        .env("NETINV_PASSWORD", PASSWORD);
        for c in commands {
            cmd.args(["-c", c]);
        }
        run(&mut cmd)
    };
    let out = quiet(&["show version", "show inventory"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "collected: {err}");
    assert!(err.contains("1 ok (1 with warnings), 0 failed"), "{err}");
    assert!(err.contains("warning: command"), "{err}");
    assert!(
        err.contains("`show inventory` rejected by the device"),
        "{err}"
    );

    let out = quiet(&["show version"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stderr), "", "nothing to tell");
}
