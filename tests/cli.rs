//! The command line as users and scripts meet it: exit codes, messages naming file and line,
//! stdin, secrets kept out of argv, reports on stdout.

mod support;

use support::*;

#[test]
fn check_lists_every_problem_with_file_line_and_column_and_exits_2() {
    let dir = TempDir::new("check");
    let inv = dir.join("inv.csv");
    std::fs::write(
        &inv,
        "name,host,port,platform\nr1,10.0.0.1,22,cisco_ios\nr2,,22,cisco_ios\nr3,10.0.0.3,70000,cisco_ios\nr1,10.0.0.4,22,cisco_nope\n",
    )
    .unwrap();
    let out = run(netinv().arg("check").arg("-i").arg(&inv));
    assert_eq!(out.status.code(), Some(2));
    let stdout = text(&out.stdout);
    let f = inv.display().to_string();
    for needle in [
        format!("{f}:3: host:"),
        format!("{f}:4: port:"),
        format!("{f}:5: name:"),
        format!("{f}:5: platform:"),
    ] {
        assert!(stdout.contains(&needle), "missing {needle:?} in:\n{stdout}");
    }
}

#[test]
fn check_reads_stdin_for_a_dash_and_exits_0_on_a_good_inventory() {
    let out = run_with_stdin(
        netinv().args(["check", "-i", "-"]),
        b"host,site\n10.0.0.1,lab\n10.0.0.2,lab\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("<stdin>: 2 device(s), 0 problem(s)"));
}

#[test]
fn collect_refuses_a_bad_inventory_before_contacting_anything() {
    let dir = TempDir::new("refuse");
    let inv = dir.join("inv.csv");
    let silent = SilentListener::start();
    std::fs::write(
        &inv,
        format!(
            "name,host,port\nok,127.0.0.1,{}\nbad,127.0.0.1,0\n",
            silent.port
        ),
    )
    .unwrap();
    let json = dir.join("r.json");
    let out = run(netinv()
        .arg("collect")
        .arg("-i")
        .arg(&inv)
        .args(["-u", "x", "--json"])
        .arg(&json));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(":3: port:"),
        "{}",
        text(&out.stderr)
    );
    assert!(!json.exists(), "no report for a run that never started");
}

#[test]
fn a_missing_inventory_file_is_named_in_the_error() {
    let out = run(netinv().args(["collect", "-i", "/nonexistent/inv.csv", "-u", "x"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("/nonexistent/inv.csv"));
}

#[test]
fn there_is_no_way_to_put_a_password_on_the_command_line() {
    let out = run(netinv().args(["collect", "-i", "x.csv", "--password", "hunter2"]));
    assert_eq!(out.status.code(), Some(2));
    let help = text(&run(netinv().args(["collect", "--help"])).stdout);
    assert!(help.contains("NETINV_PASSWORD") && help.contains("--password-file"));
}

#[test]
fn a_report_directory_that_does_not_exist_is_refused_up_front() {
    let dir = TempDir::new("nodir");
    let inv = dir.join("inv.csv");
    std::fs::write(&inv, "host\n127.0.0.1\n").unwrap();
    let out = run(netinv()
        .arg("collect")
        .arg("-i")
        .arg(&inv)
        .args(["-u", "x", "--json", "/nonexistent-dir/r.json"])
        .env("NETINV_PASSWORD", "pw"));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("/nonexistent-dir"));
}

#[test]
fn json_to_stdout_keeps_stdout_clean_for_pipes() {
    let dir = TempDir::new("stdout");
    let inv = dir.join("inv.csv");
    std::fs::write(
        &inv,
        format!("name,host,port\nclosed,127.0.0.1,{}\n", free_port()),
    )
    .unwrap();
    let out = run(netinv()
        .arg("collect")
        .arg("-i")
        .arg(&inv)
        .args([
            "-u",
            "x",
            "-c",
            "true",
            "--host-key-policy",
            "off",
            "--json",
            "-",
        ])
        .env("NETINV_PASSWORD", "pw"));
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout is only the JSON report");
    assert_eq!(v["devices"][0]["error"]["kind"], "connect");
    assert!(
        text(&out.stderr).contains("1 failed"),
        "the summary goes to stderr"
    );
}

#[test]
fn parse_rejects_an_unknown_platform_and_an_unreadable_file_with_exit_2() {
    let out = run(netinv().args(["parse", "--platform", "cisco_nope", "/dev/null"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cisco_nope"));
    let out = run(netinv().args(["parse", "--platform", "cisco_ios", "/nonexistent"]));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn parse_prints_one_json_object_even_when_fields_are_missing() {
    let out = run_with_stdin(
        netinv().args(["parse", "--platform", "cisco_ios", "-"]),
        b"nothing useful here\n",
    );
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["platform"], "cisco_ios");
    assert!(v["version"].is_null());
}

/// `collect` of one row pointing at a closed loopback port, with `args` and `env`: a run that
/// got as far as a device would exit 1 (connect) and write the report.
fn collect_closed_port(
    args: &[&str],
    env: &[(&str, &str)],
) -> (Option<i32>, String, bool, TempDir) {
    let dir = TempDir::new("creds");
    let inv = dir.join("inv.csv");
    std::fs::write(
        &inv,
        format!("name,host,port\nr1,127.0.0.1,{}\n", free_port()),
    )
    .unwrap();
    let json = dir.join("r.json");
    let mut cmd = netinv();
    cmd.arg("collect")
        .arg("-i")
        .arg(&inv)
        .args(["-u", "netops", "--no-agent", "-t", "5s", "--json"])
        .arg(&json)
        .args(args)
        .env_remove("NETINV_ENABLE_SECRET");
    for (k, v) in env {
        cmd.env(k, v);
    }
    // No controlling terminal, as under cron: --ask-password must not find one to prompt on.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
            libc::setsid();
            Ok(())
        });
    }
    let out = run(&mut cmd);
    let wrote = json.exists();
    (out.status.code(), text(&out.stderr), wrote, dir)
}

#[test]
fn no_password_no_key_and_no_agent_is_refused_before_any_device_with_what_to_set() {
    let (code, err, wrote, _dir) = collect_closed_port(&[], &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(!wrote, "no device may be contacted, no report written");
    for needle in [
        "r1",
        "NETINV_PASSWORD",
        "--key",
        "ssh-agent",
        "password` column",
    ] {
        assert!(err.contains(needle), "{needle:?} missing from: {err}");
    }
}

#[test]
fn an_empty_password_is_refused_unless_allowed() {
    let (code, err, wrote, _dir) = collect_closed_port(&[], &[("NETINV_PASSWORD", "")]);
    assert_eq!(code, Some(2), "{err}");
    assert!(!wrote);
    assert!(
        err.contains("NETINV_PASSWORD is set but empty") && err.contains("--allow-empty-password"),
        "{err}"
    );

    // Allowed, the run goes ahead and reaches the (closed) device.
    let (code, err, wrote, _dir) =
        collect_closed_port(&["--allow-empty-password"], &[("NETINV_PASSWORD", "")]);
    assert_eq!(code, Some(1), "{err}");
    assert!(wrote);
}

#[test]
fn an_empty_password_file_is_refused_naming_the_file() {
    let dir = TempDir::new("emptypwfile");
    let file = dir.join("pw");
    std::fs::write(&file, "\n").unwrap();
    let f = file.display().to_string();
    let (code, err, wrote, _d) = collect_closed_port(&["--password-file", &f], &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(!wrote);
    assert!(err.contains(&f) && err.contains("empty"), "{err}");
}

#[test]
fn enable_without_a_secret_is_refused_saying_to_set_netinv_enable_secret() {
    let (code, err, wrote, _dir) = collect_closed_port(&["--enable"], &[("NETINV_PASSWORD", "pw")]);
    assert_eq!(code, Some(2), "{err}");
    assert!(!wrote);
    assert!(err.contains("NETINV_ENABLE_SECRET"), "{err}");

    let (code, err, _, _dir) = collect_closed_port(
        &["--enable"],
        &[("NETINV_PASSWORD", "pw"), ("NETINV_ENABLE_SECRET", "")],
    );
    assert_eq!(
        code,
        Some(2),
        "an empty enable secret is refused too: {err}"
    );
    assert!(
        err.contains("NETINV_ENABLE_SECRET is set but empty"),
        "{err}"
    );
}

#[test]
fn ask_password_without_a_terminal_says_so_and_what_to_use_instead() {
    let (code, err, wrote, _dir) = collect_closed_port(&["--ask-password"], &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(!wrote);
    assert!(
        err.contains("needs a terminal") && err.contains("--password-file"),
        "{err}"
    );
    assert!(!err.contains("os error"), "{err}");
}

/// `collect` as cron runs it (stderr a pipe, no terminal) over `inventory`, with `args`.
fn collect_as_cron(inventory: &str, args: &[&str]) -> (Option<i32>, String, TempDir) {
    let dir = TempDir::new("cron");
    let inv = dir.join("inv.csv");
    std::fs::write(&inv, inventory).unwrap();
    let out = run(netinv()
        .arg("collect")
        .arg("-i")
        .arg(&inv)
        .args(["-u", "netops", "--host-key-policy", "off", "-t", "5s"])
        .arg("--json")
        .arg(dir.join("r.json"))
        .args(args)
        .env("NETINV_PASSWORD", "pw"));
    (out.status.code(), text(&out.stderr), dir)
}

/// `n` rows, each on a closed loopback port: `n` connect failures.
fn closed_rows(n: usize) -> String {
    let port = free_port();
    let mut inv = String::from("name,host,port\n");
    for i in 0..n {
        inv.push_str(&format!("dead-{i:02},127.0.0.1,{port}\n"));
    }
    inv
}

#[test]
fn under_cron_failures_come_as_one_compact_summary_never_a_line_per_device() {
    let (code, err, _dir) = collect_as_cron(&closed_rows(30), &[]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("failed: connect (30)"),
        "counts by kind: {err}"
    );
    assert!(err.contains("... and 20 more"), "{err}");
    for i in 0..30 {
        let name = format!("dead-{i:02} ");
        assert!(
            err.matches(&name).count() <= 1,
            "{name} shown more than once:\n{err}"
        );
    }
    assert!(err.lines().count() < 25, "not compact:\n{err}");
}

#[test]
fn verbose_adds_a_log_line_per_failed_device() {
    let (code, err, _dir) = collect_as_cron(&closed_rows(3), &["-v"]);
    assert_eq!(code, Some(1), "{err}");
    for i in 0..3 {
        assert!(
            err.lines()
                .any(|l| l.contains(&format!("dead-{i:02}")) && l.contains("failed:")),
            "no log line for dead-{i:02}:\n{err}"
        );
    }
}

#[test]
fn quiet_still_prints_the_summary_when_something_failed() {
    let (code, err, _dir) = collect_as_cron(&closed_rows(2), &["-q"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("failed: connect (2)"), "{err}");
    assert!(err.contains("dead-00") && err.contains("dead-01"), "{err}");
}

#[test]
fn quiet_prints_nothing_at_all_when_every_device_was_collected() {
    let mut cfg = netinv_sim::FleetConfig::new(3);
    cfg.username = "netops".into();
    cfg.password = "pw".into();
    let fleet = netinv_sim::Fleet::start(cfg).expect("fleet starts");
    let inv = fleet.inventory_csv();
    let (code, err, _dir) = collect_as_cron(&inv, &["-q"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(err, "", "-q on a clean run prints nothing");
    let (code, err, _dir) = collect_as_cron(&inv, &[]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("3 ok, 0 failed"),
        "without -q the summary shows: {err}"
    );
}

#[test]
fn two_reports_on_stdout_are_refused() {
    let dir = TempDir::new("twostdout");
    let inv = dir.join("inv.csv");
    std::fs::write(&inv, closed_rows(1)).unwrap();
    let out = run(netinv()
        .arg("collect")
        .arg("-i")
        .arg(&inv)
        .args(["-u", "netops", "--json", "-", "--csv", "-"])
        .env("NETINV_PASSWORD", "pw"));
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--json and --csv") && err.contains("stdout"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "nothing was collected or written");
}

#[test]
fn out_dir_like_a_report_needs_its_parent_directory_to_exist() {
    let dir = TempDir::new("outdir-parent");
    let missing = dir.join("no-such-dir").join("raw");
    let m = missing.display().to_string();
    let (code, err, _d) = collect_as_cron(&closed_rows(1), &["--out-dir", &m]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no-such-dir"), "{err}");
    assert!(!dir.join("no-such-dir").exists(), "nothing created");

    // The directory itself is created, and the summary names it without a doubled slash.
    let raw = format!("{}/", dir.join("raw").display());
    let (code, err, _d) = collect_as_cron(&closed_rows(1), &["--out-dir", &raw]);
    assert_eq!(code, Some(1), "{err}");
    assert!(dir.join("raw").is_dir());
    assert!(err.contains(&format!("raw outputs: {raw}\n")), "{err}");
    assert!(!err.contains("//"), "{err}");
}

#[test]
fn a_fractional_rate_is_accepted_and_a_bad_one_is_explained() {
    let (code, err, _d) = collect_as_cron(&closed_rows(1), &["--rate", "0.5"]);
    assert_eq!(code, Some(1), "0.5/s is a valid rate: {err}");
    let (code, err, _d) = collect_as_cron(&closed_rows(1), &["--rate", "fast"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("connections per second"), "{err}");
    assert!(!err.contains("invalid digit"), "{err}");
}

#[test]
fn an_inventory_with_only_a_header_is_refused() {
    let (code, err, _d) = collect_as_cron("name,host,port\n", &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no device rows"), "{err}");
}

#[test]
fn a_commands_file_without_a_command_is_refused() {
    let dir = TempDir::new("emptycmds");
    let file = dir.join("cmds.txt");
    std::fs::write(&file, "# nothing yet\n\n").unwrap();
    let f = file.display().to_string();
    let (code, err, _d) = collect_as_cron(&closed_rows(1), &["--commands-file", &f]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains(&f) && err.contains("no command"), "{err}");
}

#[test]
fn without_home_accept_new_refuses_instead_of_recording_nothing() {
    let dir = TempDir::new("nohome");
    let inv = dir.join("inv.csv");
    std::fs::write(&inv, closed_rows(1)).unwrap();
    let base = || {
        let mut c = netinv();
        c.arg("collect")
            .arg("-i")
            .arg(&inv)
            .args(["-u", "netops", "-t", "5s"])
            .env("NETINV_PASSWORD", "pw")
            .env_remove("HOME");
        c
    };
    let out = run(&mut base());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("--known-hosts"));

    let out = run(base().arg("--known-hosts").arg(dir.join("kh")));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
}

#[test]
fn skip_invalid_rows_appear_in_every_report_as_skipped_and_the_run_is_not_complete() {
    let dir = TempDir::new("skipinvalid");
    let inv = dir.join("inv.csv");
    let port = free_port();
    std::fs::write(
        &inv,
        format!("name,host,port,site\na,127.0.0.1,{port},lab\nbad,127.0.0.1,0,lab\nc,127.0.0.1,{port},lab\n"),
    )
    .unwrap();
    let (json, csv) = (dir.join("r.json"), dir.join("r.csv"));
    let out = run(netinv()
        .arg("collect")
        .arg("-i")
        .arg(&inv)
        .args([
            "-u",
            "netops",
            "-t",
            "5s",
            "--host-key-policy",
            "off",
            "--skip-invalid",
        ])
        .arg("--json")
        .arg(&json)
        .arg("--csv")
        .arg(&csv)
        .env("NETINV_PASSWORD", "pw"));
    let err = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a run with skipped rows is not complete: {err}"
    );

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["summary"]["total"], 3, "{}", report["summary"]);
    assert_eq!(report["summary"]["skipped"], 1);
    let devices = report["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 3);
    assert_eq!(devices[0]["name"], "a");
    assert_eq!(devices[2]["name"], "c");
    let skipped = &devices[1];
    assert_eq!(skipped["status"], "skipped", "{skipped}");
    assert_eq!(skipped["error"]["kind"], "skipped");
    let f = inv.display().to_string();
    let reason = skipped["error"]["message"].as_str().unwrap();
    assert!(reason.contains(&format!("{f}:3: port")), "{reason}");
    assert_eq!(skipped["attempts"], 0);

    let csv = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[0].ends_with(",site,warnings"), "{csv}");
    assert!(lines[2].contains(",skipped,skipped,"), "{csv}");

    assert!(err.contains("1 skipped"), "the summary counts it: {err}");
    assert!(err.contains(&format!("{f}:3: port")), "and says why: {err}");
}

#[test]
fn a_bad_jump_spec_or_an_unreadable_ssh_config_is_refused_before_any_device() {
    let dir = TempDir::new("reachargs");
    let inv = dir.join("inv.csv");
    std::fs::write(&inv, "host\n127.0.0.1\n").unwrap();
    let collect = |args: &[&str]| {
        run(netinv()
            .arg("collect")
            .arg("-i")
            .arg(&inv)
            .args(["-u", "x"])
            .args(args)
            .env("NETINV_PASSWORD", "pw"))
    };
    let out = collect(&["-J", "ops@bastion:99999"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("port '99999' is not 1-65535"),
        "{}",
        text(&out.stderr)
    );
    let out = collect(&["--ssh-config", "/nonexistent/ssh_config"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("/nonexistent/ssh_config")
            && text(&out.stderr).contains("--ssh-config none"),
        "{}",
        text(&out.stderr)
    );
}
