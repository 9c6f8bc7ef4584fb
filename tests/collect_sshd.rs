//! `netinv collect` against a real OpenSSH sshd on 127.0.0.1: auth methods, output and exit
//! status, every failure kind the network can produce, deadlines, reports and Ctrl-C.

mod support;

use serde_json::Value;
use std::time::{Duration, Instant};
use support::*;

/// Run collect on an inventory text; returns (exit code, JSON report, CSV text, stderr).
fn collect(
    dir: &TempDir,
    inventory: &str,
    args: &[&str],
    password: Option<&str>,
) -> (i32, Value, String, String) {
    let inv = dir.join("inventory.csv");
    std::fs::write(&inv, inventory).unwrap();
    let json = dir.join("report.json");
    let csv = dir.join("report.csv");
    let mut cmd = netinv();
    cmd.arg("collect")
        .arg("-i")
        .arg(&inv)
        .args(["-u", user(), "--json"])
        .arg(&json)
        .arg("--csv")
        .arg(&csv)
        .arg("--known-hosts")
        .arg(dir.join("known_hosts"))
        .args(args);
    if let Some(p) = password {
        cmd.env("NETINV_PASSWORD", p);
    }
    let out = run(&mut cmd);
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(&json)
            .unwrap_or_else(|e| panic!("no JSON report ({e}); stderr: {}", text(&out.stderr))),
    )
    .expect("the JSON report parses");
    let csv = std::fs::read_to_string(&csv).expect("a CSV report");
    (
        out.status.code().unwrap_or(-1),
        report,
        csv,
        text(&out.stderr),
    )
}

fn device<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("no device {name} in report"))
}

#[test]
fn key_auth_collects_the_output_of_the_command() {
    require_sshd();
    let sshd = Sshd::start();
    let dir = TempDir::new("key");
    let inv = format!("name,host,port,site\nr1,127.0.0.1,{},lab\n", sshd.port);
    let key = sshd.client_key.display().to_string();
    let (code, report, csv, err) = collect(
        &dir,
        &inv,
        &["--key", &key, "-c", "echo hello from $(whoami)"],
        None,
    );
    assert_eq!(code, 0, "stderr: {err}");
    let d = device(&report, "r1");
    assert_eq!(d["status"], "ok");
    assert_eq!(d["output"], format!("hello from {}\n", user()));
    assert_eq!(d["fields"]["site"], "lab");
    assert!(
        csv.lines().nth(1).unwrap().starts_with("r1,127.0.0.1,"),
        "{csv}"
    );
}

#[test]
fn password_auth_works_and_the_password_appears_nowhere() {
    require_sshd();
    let sshd = Sshd::start_with("KbdInteractiveAuthentication no");
    let dir = TempDir::new("pw");
    let inv = format!("host,port\n127.0.0.1,{}\n", sshd.port);
    let (code, report, csv, err) = collect(&dir, &inv, &["-c", "echo pw-ok"], Some(password()));
    assert_eq!(code, 0, "stderr: {err}");
    assert_eq!(device(&report, "127.0.0.1")["output"], "pw-ok\n");
    let all = format!("{report}{csv}{err}");
    assert!(
        !all.contains(password()),
        "the password leaked into a report or a log"
    );
}

#[test]
fn ask_password_takes_the_password_typed_at_the_terminal_without_showing_it() {
    require_sshd();
    require_python3();
    let sshd = Sshd::start_with("KbdInteractiveAuthentication no");
    let dir = TempDir::new("askpass");
    std::fs::write(
        dir.join("inventory.csv"),
        format!("host,port\n127.0.0.1,{}\n", sshd.port),
    )
    .unwrap();
    let json = dir.join("report.json");
    let steps = serde_json::json!([["SSH password: ", format!("{}\n", password()), "echo-off"]]);
    let out = netinv_on_tty(80, steps)
        .args([
            "collect",
            "-u",
            user(),
            "--ask-password",
            "-c",
            "echo typed-ok",
            "-i",
        ])
        .arg(dir.join("inventory.csv"))
        .arg("--json")
        .arg(&json)
        .arg("--known-hosts")
        .arg(dir.join("known_hosts"))
        .output()
        .expect("python3 runs");
    let terminal = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "terminal: {terminal}");
    assert!(terminal.contains("SSH password: "), "{terminal}");
    assert!(
        !terminal.contains(password()),
        "the password was echoed: {terminal}"
    );
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(device(&report, "127.0.0.1")["output"], "typed-ok\n");
}

/// An ssh-agent of the test's own, holding one key; stopped (by PID) when dropped.
struct Agent {
    child: std::process::Child,
    socket: std::path::PathBuf,
}

impl Agent {
    fn start(dir: &TempDir, key: &std::path::Path) -> Agent {
        let socket = dir.join("agent.sock");
        let child = std::process::Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("ssh-agent starts");
        let agent = Agent { child, socket };
        let t0 = Instant::now();
        while !agent.socket.exists() {
            assert!(t0.elapsed() < Duration::from_secs(10), "no agent socket");
            std::thread::sleep(Duration::from_millis(20));
        }
        let added = std::process::Command::new("ssh-add")
            .arg(key)
            .env("SSH_AUTH_SOCK", &agent.socket)
            .output()
            .expect("ssh-add runs");
        assert!(added.status.success(), "{}", text(&added.stderr));
        agent
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_key_held_by_ssh_agent_logs_in_with_no_key_file_or_password() {
    require_sshd();
    let sshd = Sshd::start();
    let dir = TempDir::new("agent");
    let agent = Agent::start(&dir, &sshd.client_key);
    std::fs::write(
        dir.join("inventory.csv"),
        format!("host,port\n127.0.0.1,{}\n", sshd.port),
    )
    .unwrap();
    let json = dir.join("report.json");
    let mut cmd = netinv();
    cmd.args(["collect", "-u", user(), "-c", "echo agent-ok", "-i"])
        .arg(dir.join("inventory.csv"))
        .arg("--json")
        .arg(&json)
        .arg("--known-hosts")
        .arg(dir.join("known_hosts"))
        .env("SSH_AUTH_SOCK", &agent.socket);
    let out = run(&mut cmd);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(device(&report, "127.0.0.1")["output"], "agent-ok\n");

    // Without the agent (and nothing else to log in with) the same run must fail.
    let mut cmd = netinv();
    cmd.args(["collect", "-u", user(), "-c", "true", "--no-agent", "-i"])
        .arg(dir.join("inventory.csv"))
        .arg("--known-hosts")
        .arg(dir.join("known_hosts"))
        .env("SSH_AUTH_SOCK", &agent.socket);
    assert_ne!(run(&mut cmd).status.code(), Some(0));
}

#[test]
fn keyboard_interactive_answers_the_password_prompt() {
    require_sshd();
    let sshd = Sshd::start_with("PasswordAuthentication no");
    let dir = TempDir::new("kbd");
    let inv = format!("host,port\n127.0.0.1,{}\n", sshd.port);
    let (code, report, _, err) = collect(&dir, &inv, &["-c", "echo kbd-ok"], Some(password()));
    assert_eq!(code, 0, "stderr: {err}");
    assert_eq!(device(&report, "127.0.0.1")["output"], "kbd-ok\n");
}

#[test]
fn a_wrong_password_is_an_auth_failure_with_the_methods_tried() {
    require_sshd();
    let sshd = Sshd::start();
    let dir = TempDir::new("badpw");
    let inv = format!("name,host,port\nr1,127.0.0.1,{}\n", sshd.port);
    let (code, report, csv, _) = collect(&dir, &inv, &["-c", "true"], Some("wrong-password"));
    assert_eq!(code, 1);
    let d = device(&report, "r1");
    assert_eq!(d["status"], "failed");
    assert_eq!(d["error"]["kind"], "auth");
    assert!(
        d["error"]["message"].as_str().unwrap().contains("password"),
        "{d}"
    );
    assert!(csv.contains(",failed,auth,"), "{csv}");
}

#[test]
fn exit_status_and_stderr_of_the_command_are_reported() {
    require_sshd();
    let sshd = Sshd::start();
    let dir = TempDir::new("exit");
    let inv = format!("name,host,port\nr1,127.0.0.1,{}\n", sshd.port);
    let key = sshd.client_key.display().to_string();
    let (code, report, _, _) = collect(
        &dir,
        &inv,
        &["--key", &key, "-c", "echo to-stderr >&2; exit 3"],
        None,
    );
    assert_eq!(code, 1);
    let e = &device(&report, "r1")["error"];
    assert_eq!(e["kind"], "command");
    let msg = e["message"].as_str().unwrap();
    assert!(
        msg.contains("status 3") && msg.contains("to-stderr"),
        "{msg}"
    );
}

#[test]
fn a_closed_port_is_a_connect_failure() {
    let dir = TempDir::new("closed");
    let inv = format!("name,host,port\nclosed,127.0.0.1,{}\n", free_port());
    let (code, report, _, _) = collect(&dir, &inv, &["-c", "true", "-t", "5s"], Some("x"));
    assert_eq!(code, 1);
    assert_eq!(device(&report, "closed")["error"]["kind"], "connect");
}

#[test]
fn a_device_that_accepts_and_never_speaks_times_out_on_its_deadline() {
    let silent = SilentListener::start();
    let dir = TempDir::new("silent");
    let inv = format!("name,host,port\nsilent,127.0.0.1,{}\n", silent.port);
    let (code, report, _, _) = collect(&dir, &inv, &["-c", "true", "-t", "2s"], Some("x"));
    assert_eq!(code, 1);
    let d = device(&report, "silent");
    assert_eq!(d["error"]["kind"], "timeout");
    let ms = d["elapsed_ms"].as_u64().unwrap();
    assert!(
        (1900..=2200).contains(&ms),
        "took {ms} ms for a 2 s deadline"
    );
}

#[test]
fn output_that_drips_forever_is_cut_off_at_the_deadline() {
    require_sshd();
    let sshd = Sshd::start();
    let dir = TempDir::new("drip");
    let inv = format!("name,host,port\ndrip,127.0.0.1,{}\n", sshd.port);
    let key = sshd.client_key.display().to_string();
    let started = Instant::now();
    let (code, report, _, _) = collect(
        &dir,
        &inv,
        &[
            "--key",
            &key,
            "-t",
            "3s",
            "-c",
            "while :; do printf x; sleep 0.2; done",
        ],
        None,
    );
    assert_eq!(code, 1);
    let d = device(&report, "drip");
    assert_eq!(d["error"]["kind"], "timeout");
    let ms = d["elapsed_ms"].as_u64().unwrap();
    assert!(
        (2900..=3300).contains(&ms),
        "took {ms} ms for a 3 s deadline"
    );
    assert!(started.elapsed() < Duration::from_secs(8));
}

/// Write a known_hosts in `dir` that records a freshly made key, not the server's, for the
/// server on `port`: what a man in the middle, or a rebuilt device, looks like.
fn record_another_key(dir: &TempDir, port: u16) {
    let other = dir.join("other_key");
    keygen(&other);
    let other_pub = std::fs::read_to_string(other.with_extension("pub")).unwrap();
    let mut it = other_pub.split_whitespace();
    let line = format!(
        "[127.0.0.1]:{port} {} {}\n",
        it.next().unwrap(),
        it.next().unwrap()
    );
    std::fs::write(dir.join("known_hosts"), line).unwrap();
}

#[test]
fn a_changed_host_key_fails_and_shows_the_new_fingerprint() {
    require_sshd();
    let sshd = Sshd::start();
    let dir = TempDir::new("hostkey");
    record_another_key(&dir, sshd.port);
    let fp = std::process::Command::new("ssh-keygen")
        .args(["-l", "-f"])
        .arg(sshd.dir.join("host_ed25519.pub"))
        .output()
        .unwrap();
    let real_fp = text(&fp.stdout)
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string();

    let inv = format!("name,host,port\nr1,127.0.0.1,{}\n", sshd.port);
    let key = sshd.client_key.display().to_string();
    let (code, report, _, _) = collect(&dir, &inv, &["--key", &key, "-c", "true"], None);
    assert_eq!(code, 1);
    let e = &device(&report, "r1")["error"];
    assert_eq!(e["kind"], "host_key");
    assert!(
        e["message"].as_str().unwrap().contains(&real_fp),
        "{e} should name {real_fp}"
    );
    let kh = format!("{} line 1", dir.join("known_hosts").display());
    assert!(
        e["message"].as_str().unwrap().contains(&kh),
        "{e} should point at {kh}"
    );
}

#[test]
fn a_run_where_no_device_gave_a_version_does_not_exit_0() {
    require_sshd();
    // Every command answers with text that holds no version, as a wrong platform column would.
    let sshd = Sshd::start_with("ForceCommand echo nothing to see here");
    let dir = TempDir::new("noversion");
    let inv = format!(
        "name,host,port,platform\nr1,127.0.0.1,{p},cisco_ios\nr2,127.0.0.1,{p},cisco_ios\n",
        p = sshd.port
    );
    let key = sshd.client_key.display().to_string();
    let (code, report, _, err) = collect(&dir, &inv, &["--key", &key, "--mode", "exec"], None);
    assert_eq!(report["summary"]["ok"], 2, "{err}");
    assert_eq!(report["summary"]["by_error"]["parse"], 2, "{err}");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no device gave a version"), "{err}");
}

#[test]
fn accept_new_records_an_unknown_key_and_strict_then_accepts_it() {
    require_sshd();
    let sshd = Sshd::start();
    let dir = TempDir::new("acceptnew");
    let inv = format!("name,host,port\nr1,127.0.0.1,{}\n", sshd.port);
    let key = sshd.client_key.display().to_string();

    let (code, _, _, _) = collect(
        &dir,
        &inv,
        &["--key", &key, "-c", "true", "--host-key-policy", "strict"],
        None,
    );
    assert_eq!(code, 1, "strict must refuse an unknown host");

    let (code, _, _, err) = collect(&dir, &inv, &["--key", &key, "-c", "true"], None);
    assert_eq!(code, 0, "{err}");
    let recorded = std::fs::read_to_string(dir.join("known_hosts")).unwrap();
    assert_eq!(recorded, sshd.known_hosts_line());

    let (code, _, _, err) = collect(
        &dir,
        &inv,
        &["--key", &key, "-c", "true", "--host-key-policy", "strict"],
        None,
    );
    assert_eq!(code, 0, "strict accepts the recorded key: {err}");
}

/// `ssh-keygen -H -f FILE`: hash every host in FILE, as `HashKnownHosts yes` (the Debian and
/// Ubuntu default) records them.
fn hash_known_hosts(file: &std::path::Path) {
    let out = std::process::Command::new("ssh-keygen")
        .arg("-H")
        .arg("-f")
        .arg(file)
        .output()
        .expect("ssh-keygen runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let hashed = std::fs::read_to_string(file).unwrap();
    assert!(hashed.starts_with("|1|"), "not hashed: {hashed}");
}

#[test]
fn hashed_known_hosts_entries_are_matched_and_still_catch_a_changed_key() {
    require_sshd();
    let sshd = Sshd::start();
    let dir = TempDir::new("hashedhosts");
    let inv = format!("name,host,port\nr1,127.0.0.1,{}\n", sshd.port);
    let key = sshd.client_key.display().to_string();
    let strict = ["--key", &key, "-c", "true", "--host-key-policy", "strict"];

    std::fs::write(dir.join("known_hosts"), sshd.known_hosts_line()).unwrap();
    hash_known_hosts(&dir.join("known_hosts"));
    let (code, _, _, err) = collect(&dir, &inv, &strict, None);
    assert_eq!(
        code, 0,
        "strict accepts a host known by its hashed entry: {err}"
    );

    record_another_key(&dir, sshd.port);
    hash_known_hosts(&dir.join("known_hosts"));
    let (code, report, _, _) = collect(&dir, &inv, &["--key", &key, "-c", "true"], None);
    assert_eq!(
        code, 1,
        "accept-new must not take a changed key for a new one"
    );
    assert_eq!(device(&report, "r1")["error"]["kind"], "host_key");
}

#[test]
fn three_hundred_rows_with_dead_devices_mixed_in_are_all_reported_in_inventory_order() {
    require_sshd();
    let sshd = Sshd::start();
    let silent = SilentListener::start();
    let closed = free_port();
    let dir = TempDir::new("300");
    let mut inv = String::from("name,host,port,row\n");
    for i in 0..300 {
        inv.push_str(&format!("dev{i:03},127.0.0.1,{},{i}\n", sshd.port));
        if i == 100 {
            inv.push_str(&format!("closed,127.0.0.1,{closed},x\n"));
        }
        if i == 200 {
            inv.push_str(&format!("silent,127.0.0.1,{},y\n", silent.port));
        }
    }
    let key = sshd.client_key.display().to_string();
    let (code, report, csv, err) = collect(
        &dir,
        &inv,
        &["--key", &key, "-w", "50", "-t", "20s", "-c", "echo ok"],
        None,
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(report["summary"]["total"], 302);
    assert_eq!(report["summary"]["ok"], 300, "{}", report["summary"]);
    assert_eq!(report["summary"]["by_error"]["connect"], 1);
    assert_eq!(report["summary"]["by_error"]["timeout"], 1);
    let names: Vec<&str> = report["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = inv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    assert_eq!(names, expected, "JSON rows are in inventory order");
    let csv_names: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(csv_names, expected, "CSV rows are in inventory order");
    let s = device(&report, "silent")["elapsed_ms"].as_u64().unwrap();
    assert!(
        s <= 22_000,
        "the silent device took {s} ms for a 20 s deadline"
    );
}

/// Start `netinv collect` in the background on `rows` copies of the sshd, running `command` with
/// `workers` workers and writing r.json and r.csv into `dir`, for tests that interrupt it.
fn spawn_collect(
    sshd: &Sshd,
    dir: &TempDir,
    rows: usize,
    workers: &str,
    command: &str,
) -> std::process::Child {
    let mut inv = String::from("name,host,port\n");
    for i in 0..rows {
        inv.push_str(&format!("d{i},127.0.0.1,{}\n", sshd.port));
    }
    let inv_path = dir.join("inventory.csv");
    std::fs::write(&inv_path, &inv).unwrap();
    let key = sshd.client_key.display().to_string();
    netinv()
        .arg("collect")
        .arg("-i")
        .arg(&inv_path)
        .args([
            "-u",
            user(),
            "--key",
            &key,
            "-w",
            workers,
            "-t",
            "60s",
            "-c",
            command,
        ])
        .arg("--json")
        .arg(dir.join("r.json"))
        .arg("--csv")
        .arg(dir.join("r.csv"))
        .arg("--known-hosts")
        .arg(dir.join("kh"))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn sigint_mid_run_writes_valid_partial_reports_with_cancelled_rows() {
    require_sshd();
    let sshd = Sshd::start();
    let dir = TempDir::new("sigint");
    let child = spawn_collect(&sshd, &dir, 40, "2", "sleep 1; echo done");
    let (json, csv) = (dir.join("r.json"), dir.join("r.csv"));
    std::thread::sleep(Duration::from_millis(1500));
    unsafe { kill(child.id() as i32, 2) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let devices = report["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 40);
    let cancelled = devices
        .iter()
        .filter(|d| d["error"]["kind"] == "cancelled")
        .count();
    let ok = devices.iter().filter(|d| d["status"] == "ok").count();
    assert!(ok >= 1 && cancelled >= 30, "ok {ok}, cancelled {cancelled}");
    assert_eq!(ok + cancelled, 40);
    let csv = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(csv.lines().count(), 41);
    assert_eq!(csv.matches(",cancelled,").count(), cancelled);
}

extern "C" {
    fn kill(pid: i32, sig: i32) -> i32;
}

#[test]
fn raw_outputs_land_in_out_dir_under_safe_names() {
    require_sshd();
    let sshd = Sshd::start();
    let dir = TempDir::new("outdir");
    let inv = format!(
        "name,host,port\ncore/sw1,127.0.0.1,{p}\n../escape,127.0.0.1,{p}\n",
        p = sshd.port
    );
    let key = sshd.client_key.display().to_string();
    let out_dir = dir.join("raw");
    let od = out_dir.display().to_string();
    let (code, _, _, err) = collect(
        &dir,
        &inv,
        &["--key", &key, "-c", "echo raw", "--out-dir", &od],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let mut files: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, vec!["_._escape.txt", "core_sw1.txt"]);
    assert_eq!(
        std::fs::read_to_string(out_dir.join("core_sw1.txt")).unwrap(),
        "raw\n"
    );
}

#[test]
fn every_log_line_about_a_device_carries_its_name() {
    require_sshd();
    let sshd = Sshd::start();
    let dir = TempDir::new("logs");
    let inv = format!("name,host,port\nedge-7,127.0.0.1,{}\n", sshd.port);
    let key = sshd.client_key.display().to_string();
    let log = dir.join("log.jsonl");
    let lf = log.display().to_string();
    let (code, _, _, err) = collect(
        &dir,
        &inv,
        &[
            "--key",
            &key,
            "-c",
            "true",
            "-vv",
            "--log-format",
            "json",
            "--log-file",
            &lf,
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each log line is JSON"))
        .collect();
    let ssh_lines: Vec<_> = lines
        .iter()
        .filter(|l| {
            l["fields"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("handshake"))
        })
        .collect();
    assert!(
        !ssh_lines.is_empty(),
        "debug lines from the SSH layer are logged"
    );
    // The report's own steps (timed at -vv) are about the run, not about a device.
    let report_steps = lines
        .iter()
        .filter(|l| !l["fields"]["report_step"].is_null())
        .count();
    assert!(report_steps > 0, "the report's steps are timed at -vv");
    for l in lines
        .iter()
        .filter(|l| l["fields"]["report_step"].is_null())
    {
        assert_eq!(
            l["span"]["device"], "edge-7",
            "a line without the device: {l}"
        );
    }
}

#[test]
fn transient_failures_are_retried_and_auth_failures_are_not() {
    require_sshd();
    let sshd = Sshd::start();
    let dir = TempDir::new("retry");
    let inv = format!(
        "name,host,port\nclosed,127.0.0.1,{}\nbadpw,127.0.0.1,{}\n",
        free_port(),
        sshd.port
    );
    let (code, report, _, _) =
        collect(&dir, &inv, &["-c", "true", "--retries", "2"], Some("wrong"));
    assert_eq!(code, 1);
    assert_eq!(device(&report, "closed")["attempts"], 3);
    assert_eq!(device(&report, "badpw")["attempts"], 1);
}

#[test]
fn a_second_sigint_stops_waiting_for_running_devices_and_still_writes_reports() {
    require_sshd();
    let sshd = Sshd::start();
    let dir = TempDir::new("sigint2");
    let child = spawn_collect(&sshd, &dir, 6, "3", "sleep 30");
    let json = dir.join("r.json");
    std::thread::sleep(Duration::from_millis(1500));
    unsafe { kill(child.id() as i32, 2) };
    std::thread::sleep(Duration::from_millis(300));
    let second = Instant::now();
    unsafe { kill(child.id() as i32, 2) };
    let out = child.wait_with_output().unwrap();
    assert!(
        second.elapsed() < Duration::from_secs(3),
        "took {:?} after the second Ctrl-C",
        second.elapsed()
    );
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let devices = report["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 6);
    assert!(
        devices.iter().all(|d| d["error"]["kind"] == "cancelled"),
        "{report}"
    );
    assert_eq!(report["interrupted"], true);
}
