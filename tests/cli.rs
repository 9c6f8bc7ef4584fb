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
