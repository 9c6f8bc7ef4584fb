//! The simulated fleet seen from outside, through the ssh2 crate (and plain TCP, and the
//! OpenSSH client when installed): platforms, shell, paging, errors, faults, inventory, stop.

use netinv_sim::{parse_faults, Fault, Fleet, FleetConfig, Platform, SimDevice};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const PASSWORD: &str = "s1m-pass";

fn fleet(platforms: &[Platform], faults: &str) -> Fleet {
    let mut cfg = FleetConfig::new(platforms.len().max(1));
    cfg.platforms = platforms.to_vec();
    cfg.password = PASSWORD.into();
    cfg.faults = parse_faults(faults).unwrap();
    Fleet::start(cfg).unwrap()
}

fn login(d: &SimDevice) -> ssh2::Session {
    let tcp = TcpStream::connect((d.host, d.port)).unwrap();
    let mut s = ssh2::Session::new().unwrap();
    s.set_tcp_stream(tcp);
    s.set_timeout(10_000);
    s.handshake().unwrap();
    s.userauth_password("admin", PASSWORD).unwrap();
    s
}

/// Run `cmd` on the exec channel: Err if the device refuses exec, else (output, exit status).
fn exec(s: &ssh2::Session, cmd: &str) -> Result<(String, i32), ssh2::Error> {
    let mut ch = s.channel_session()?;
    ch.exec(cmd)?;
    let mut out = String::new();
    ch.read_to_string(&mut out).unwrap();
    ch.wait_close().unwrap();
    Ok((out, ch.exit_status().unwrap()))
}

/// An interactive shell with a 24-row PTY.
struct Shell {
    ch: ssh2::Channel,
    sess: ssh2::Session,
    buf: String,
}

impl Shell {
    fn open(d: &SimDevice) -> Shell {
        let sess = login(d);
        let mut ch = sess.channel_session().unwrap();
        ch.request_pty("vt100", None, Some((80, 24, 0, 0))).unwrap();
        ch.shell().unwrap();
        sess.set_timeout(100);
        Shell {
            ch,
            sess,
            buf: String::new(),
        }
    }

    fn send(&mut self, s: &str) {
        self.sess.set_timeout(2_000);
        self.ch.write_all(s.as_bytes()).unwrap();
        self.ch.flush().unwrap();
        self.sess.set_timeout(100);
    }

    /// Read until `done(buffer)` or the time is up; returns (buffer, done?). Clears the buffer.
    fn until(&mut self, within: Duration, done: impl Fn(&str) -> bool) -> (String, bool) {
        let start = Instant::now();
        let mut chunk = [0u8; 16384];
        let mut ok = done(&self.buf);
        while !ok && start.elapsed() < within {
            match self.ch.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => self.buf.push_str(&String::from_utf8_lossy(&chunk[..n])),
                Err(_) => {} // timeout: nothing yet
            }
            ok = done(&self.buf);
        }
        (std::mem::take(&mut self.buf), ok)
    }

    fn prompt(&mut self, name: &str) -> String {
        let (out, ok) = self.until(Duration::from_secs(5), |b| at_prompt(b, name));
        assert!(ok, "no prompt for {name}; got:\n{out}");
        out
    }

    fn closed(&mut self) -> bool {
        let (_, _) = self.until(Duration::from_secs(3), |_| false);
        self.ch.eof()
    }
}

fn strip_ansi(s: &str) -> String {
    let re = regex::Regex::new(r"\x1b\[[0-9;?]*[A-Za-z]").unwrap();
    re.replace_all(s, "").into_owned()
}

/// The buffer ends at this device's prompt.
fn at_prompt(buf: &str, name: &str) -> bool {
    let plain = strip_ansi(buf);
    let last = plain.rsplit('\n').next().unwrap_or("");
    let t = last.trim_end();
    last.contains(name) && (t.ends_with('#') || t.ends_with('>') || t.ends_with('$'))
}

/// What netinv sends for the simulated platform of the same Netmiko name.
fn version_command(p: Platform) -> &'static str {
    let client: netinv::platform::Platform = p.name().parse().expect("netinv knows the platform");
    client.spec().version_command
}

/// The vendors' own paging-off commands.
fn paging_off(p: Platform) -> &'static [&'static str] {
    use Platform::*;
    match p {
        CiscoIos | CiscoXe | CiscoNxos | CiscoXr | AristaEos | DellOs10 => &["terminal length 0"],
        CiscoAsa => &["terminal pager 0"],
        JuniperJunos => &["set cli screen-length 0"],
        Huawei => &["screen-length 0 temporary"],
        HpProcurve | ArubaAoscx => &["no page"],
        PaloaltoPanos => &["set cli pager off"],
        Fortinet => &["config system console", "set output standard", "end"],
        MikrotikRouteros | Linux => &[],
    }
}

fn pager_shown(out: &str) -> bool {
    [
        "--More--",
        "---(more)---",
        "-- MORE --",
        "<--- More --->",
        "---- More ----",
        "--more--",
        "lines 1-23",
    ]
    .iter()
    .any(|p| out.contains(p))
}

const EXEC_PLATFORMS: [Platform; 9] = [
    Platform::CiscoIos,
    Platform::CiscoXe,
    Platform::CiscoNxos,
    Platform::CiscoXr,
    Platform::AristaEos,
    Platform::JuniperJunos,
    Platform::Fortinet,
    Platform::MikrotikRouteros,
    Platform::Linux,
];

#[test]
fn exec_is_accepted_where_the_real_platform_accepts_it_and_refused_elsewhere() {
    let f = fleet(&Platform::ALL, "");
    for d in f.devices() {
        let s = login(d);
        let result = exec(&s, version_command(d.platform));
        if EXEC_PLATFORMS.contains(&d.platform) {
            let (out, status) =
                result.unwrap_or_else(|e| panic!("{}: exec refused: {e}", d.platform));
            assert_eq!(status, 0, "{}", d.platform);
            for want in [&d.version, &d.hostname, &d.model, &d.serial, &d.uptime] {
                assert!(
                    out.contains(want.as_str()),
                    "{}: {want:?} not in exec output:\n{out}",
                    d.platform
                );
            }
            let (err, status) = exec(&s, "foo bar").unwrap();
            assert_ne!(
                status, 0,
                "{}: unknown command must fail: {err}",
                d.platform
            );
        } else {
            assert!(result.is_err(), "{} must refuse exec", d.platform);
        }
    }
    f.stop();
}

#[test]
fn every_platform_shell_shows_its_prompt_pages_until_paging_is_off_and_knows_its_errors() {
    use Platform::*;
    let paging = [
        CiscoIos,
        CiscoXe,
        CiscoNxos,
        CiscoAsa,
        JuniperJunos,
        Huawei,
        PaloaltoPanos,
        Fortinet,
    ];
    let errors: &[(Platform, &str)] = &[
        (CiscoIos, "% Invalid input detected at '^' marker."),
        (CiscoXe, "% Invalid input detected at '^' marker."),
        (CiscoNxos, "% Invalid command at '^' marker."),
        (CiscoXr, "% Invalid input detected at '^' marker."),
        (CiscoAsa, "ERROR: % Invalid input detected at '^' marker."),
        (AristaEos, "% Invalid input"),
        (JuniperJunos, "unknown command."),
        (HpProcurve, "Invalid input: foo"),
        (Huawei, "Error: Unrecognized command found at '^' position."),
        (PaloaltoPanos, "Unknown command: foo"),
        (Fortinet, "Unknown action 0"),
        (MikrotikRouteros, "bad command name foo (line 1 column 1)"),
        (Linux, "bash: foo: command not found"),
        (ArubaAoscx, "Invalid input: foo"),
        (DellOs10, "% Error: Unrecognized command."),
    ];
    let f = fleet(&Platform::ALL, "");
    for d in f.devices() {
        let p = d.platform;
        let mut sh = Shell::open(d);
        if p == HpProcurve {
            let (out, ok) = sh.until(Duration::from_secs(5), |b| {
                b.contains("Press any key to continue")
            });
            assert!(ok, "procurve asks for a key first: {out}");
            sh.send(" ");
        }
        sh.prompt(&d.name);

        // Paging is on by default: the version command stops at the pager, `q` ends it.
        sh.send(&format!("{}\n", version_command(p)));
        if paging.contains(&p) {
            let (out, ok) = sh.until(Duration::from_secs(5), pager_shown);
            assert!(ok, "{p}: no pager before paging was disabled:\n{out}");
            sh.send("q");
        }
        sh.prompt(&d.name);

        for cmd in paging_off(p) {
            sh.send(&format!("{cmd}\n"));
            sh.prompt(&d.name);
        }
        sh.send(&format!("{}\n", version_command(p)));
        let out = sh.prompt(&d.name);
        assert!(
            !pager_shown(&out),
            "{p}: pager still shown after disabling it:\n{out}"
        );
        assert!(out.contains(&d.version), "{p}: version missing:\n{out}");
        assert!(out.contains(&d.uptime), "{p}: uptime missing:\n{out}");
        assert!(out.contains("\r\n"), "{p}: shell lines end in CRLF");
        assert!(
            out.starts_with(version_command(p)),
            "{p}: the command is echoed:\n{out}"
        );

        sh.send("foo\n");
        let out = sh.prompt(&d.name);
        let want = errors.iter().find(|(q, _)| *q == p).unwrap().1;
        assert!(out.contains(want), "{p}: expected {want:?}, got:\n{out}");

        let exit = if p == Huawei {
            "quit\n"
        } else if p == MikrotikRouteros {
            "/quit\n"
        } else {
            "exit\n"
        };
        sh.send(exit);
        assert!(sh.closed(), "{p}: exit must close the session");
    }
    f.stop();
}

#[test]
fn a_pager_key_press_shows_the_next_page_and_the_prompt_is_erased() {
    let f = fleet(&[Platform::CiscoIos], "");
    let d = &f.devices()[0];
    let mut sh = Shell::open(d);
    sh.prompt(&d.name);
    sh.send("show version\n");
    let (first, ok) = sh.until(Duration::from_secs(5), pager_shown);
    assert!(ok);
    // 23 lines of output, the echo line and the pager on the 24th row.
    assert_eq!(first.matches("\r\n").count(), 24, "{first}");
    sh.send(" ");
    let rest = sh.prompt(&d.name);
    assert!(
        rest.starts_with("\x08\x08\x08\x08\x08\x08\x08\x08\x08\x08          \x08"),
        "{rest:?}"
    );
    assert!(rest.contains("Configuration register is"));
    f.stop();
}

#[test]
fn enable_with_a_secret_leaves_user_mode_and_a_wrong_secret_is_refused() {
    let mut cfg = FleetConfig::new(1);
    cfg.platforms = vec![Platform::CiscoIos];
    cfg.password = PASSWORD.into();
    cfg.enable_secret = Some("en-secret".into());
    cfg.faults = vec![(Fault::UserMode, 1.0)];
    let f = Fleet::start(cfg).unwrap();
    let d = &f.devices()[0];
    let mut sh = Shell::open(d);
    let out = sh.prompt(&d.name);
    assert!(out.trim_end().ends_with(&format!("{}>", d.name)), "{out}");
    sh.send("enable\n");
    let (out, ok) = sh.until(Duration::from_secs(3), |b| b.ends_with("Password: "));
    assert!(ok, "{out}");
    sh.send("wrong\n");
    sh.until(Duration::from_secs(3), |b| b.ends_with("Password: "));
    sh.send("wrong\n");
    sh.until(Duration::from_secs(3), |b| b.ends_with("Password: "));
    sh.send("wrong\n");
    let out = sh.prompt(&d.name);
    assert!(out.contains("% Bad secrets"), "{out}");
    assert!(!out.contains("wrong"), "secrets are not echoed");
    sh.send("enable\n");
    sh.until(Duration::from_secs(3), |b| b.ends_with("Password: "));
    sh.send("en-secret\n");
    let out = sh.prompt(&d.name);
    assert!(out.trim_end().ends_with(&format!("{}#", d.name)), "{out}");
    f.stop();
}

#[test]
fn auth_fault_rejects_the_right_password_and_others_accept_it() {
    let f = fleet(&[Platform::CiscoIos, Platform::CiscoIos], "auth:50%");
    for d in f.devices() {
        let tcp = TcpStream::connect((d.host, d.port)).unwrap();
        let mut s = ssh2::Session::new().unwrap();
        s.set_tcp_stream(tcp);
        s.set_timeout(5_000);
        s.handshake().unwrap();
        let right = s.userauth_password("admin", PASSWORD).is_ok();
        assert_eq!(right, d.fault != Some(Fault::Auth), "{:?}", d.fault);
        assert_eq!(d.expect(), if right { "ok" } else { "auth" });
    }
    // A wrong password is refused everywhere, quickly.
    let d = &f.devices()[0];
    let tcp = TcpStream::connect((d.host, d.port)).unwrap();
    let mut s = ssh2::Session::new().unwrap();
    s.set_tcp_stream(tcp);
    s.set_timeout(5_000);
    s.handshake().unwrap();
    let t = Instant::now();
    assert!(s.userauth_password("admin", "nope").is_err());
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "{:?}",
        t.elapsed()
    );
    f.stop();
}

#[test]
fn keyboard_interactive_login_works() {
    struct Answer;
    impl ssh2::KeyboardInteractivePrompt for Answer {
        fn prompt<'a>(&mut self, _u: &str, _i: &str, prompts: &[ssh2::Prompt<'a>]) -> Vec<String> {
            prompts.iter().map(|_| PASSWORD.to_string()).collect()
        }
    }
    let f = fleet(&[Platform::JuniperJunos], "");
    let d = &f.devices()[0];
    let tcp = TcpStream::connect((d.host, d.port)).unwrap();
    let mut s = ssh2::Session::new().unwrap();
    s.set_tcp_stream(tcp);
    s.set_timeout(5_000);
    s.handshake().unwrap();
    s.userauth_keyboard_interactive("admin", &mut Answer)
        .unwrap();
    assert!(s.authenticated());
    f.stop();
}

#[test]
fn silent_devices_accept_tcp_and_never_send_a_byte() {
    let f = fleet(&[Platform::CiscoIos], "silent:100%");
    let d = &f.devices()[0];
    let mut tcp = TcpStream::connect((d.host, d.port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_millis(700)))
        .unwrap();
    let mut b = [0u8; 64];
    let r = tcp.read(&mut b);
    assert!(r.is_err(), "got {r:?}");
    assert_eq!(d.expect(), "timeout");
    f.stop();
}

#[test]
fn slow_banner_devices_wait_before_the_ssh_banner() {
    let f = fleet(&[Platform::CiscoIos], "slow-banner:100%");
    let d = &f.devices()[0];
    let mut tcp = TcpStream::connect((d.host, d.port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let t = Instant::now();
    let mut b = [0u8; 64];
    let n = tcp.read(&mut b).unwrap();
    assert!(
        t.elapsed() >= Duration::from_millis(1300),
        "{:?}",
        t.elapsed()
    );
    assert!(b[..n].starts_with(b"SSH-2.0-"));
    drop(tcp);
    let s = login(d);
    assert_eq!(exec(&s, "show version").unwrap().1, 0);
    f.stop();
}

#[test]
fn hang_devices_answer_nothing_after_the_command() {
    let f = fleet(&[Platform::CiscoIos], "hang:100%");
    let d = &f.devices()[0];
    let s = login(d);
    let mut ch = s.channel_session().unwrap();
    ch.exec("show version").unwrap();
    s.set_timeout(1_000);
    let mut b = [0u8; 64];
    assert!(ch.read(&mut b).is_err(), "expected a timeout, nothing read");
    assert!(!ch.eof());
    // The shell: session set-up works, the command hangs.
    let mut sh = Shell::open(d);
    sh.prompt(&d.name);
    sh.send("terminal length 0\n");
    sh.prompt(&d.name);
    sh.send("show version\n");
    let (out, done) = sh.until(Duration::from_secs(1), |b| {
        b.len() > "show version\r\n".len()
    });
    assert!(!done, "output after the command: {out:?}");
    f.stop();
}

#[test]
fn drip_devices_trickle_output_slowly() {
    let f = fleet(&[Platform::CiscoIos], "drip:100%");
    let d = &f.devices()[0];
    let s = login(d);
    let mut ch = s.channel_session().unwrap();
    ch.exec("show version").unwrap();
    s.set_timeout(100);
    let start = Instant::now();
    let mut got = 0;
    let mut b = [0u8; 1024];
    while start.elapsed() < Duration::from_millis(1500) {
        if let Ok(n) = ch.read(&mut b) {
            got += n;
        }
    }
    assert!((3..=12).contains(&got), "{got} bytes in 1.5 s");
    assert!(!ch.eof());
    f.stop();
}

#[test]
fn disconnect_devices_drop_the_connection_mid_output() {
    let f = fleet(&[Platform::CiscoXe], "disconnect:100%");
    let d = &f.devices()[0];
    let s = login(d);
    let mut ch = s.channel_session().unwrap();
    ch.exec("show version").unwrap();
    let mut out = Vec::new();
    let r = ch.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out);
    assert!(!out.is_empty(), "some output arrives first");
    assert!(
        !text.contains("Configuration register"),
        "the output is cut: {text}"
    );
    // The session is gone: the read failed, or a new channel cannot be opened.
    assert!(r.is_err() || s.channel_session().is_err());
    assert_eq!(d.expect(), "protocol");
    f.stop();
}

#[test]
fn huge_devices_send_twenty_megabytes_then_end_normally() {
    let f = fleet(&[Platform::AristaEos], "huge:100%");
    let d = &f.devices()[0];
    let s = login(d);
    s.set_timeout(60_000);
    let (out, status) = exec(&s, "show version").unwrap();
    assert_eq!(status, 0);
    assert!(out.len() >= 20 * 1024 * 1024, "{} bytes", out.len());
    assert!(out.contains(&d.version));
    assert_eq!(d.expect(), "ok");
    f.stop();
}

#[test]
fn pager_stuck_devices_keep_paging_after_the_disable_command() {
    let f = fleet(&[Platform::CiscoIos], "pager-stuck:100%");
    let d = &f.devices()[0];
    let mut sh = Shell::open(d);
    sh.prompt(&d.name);
    sh.send("terminal length 0\n");
    sh.prompt(&d.name);
    sh.send("show version\n");
    let (out, ok) = sh.until(Duration::from_secs(5), pager_shown);
    assert!(ok, "{out}");
    // A client that answers the pager still gets everything.
    sh.send(" ");
    let out = sh.prompt(&d.name);
    assert!(out.contains("Configuration register"), "{out}");
    f.stop();
}

#[test]
fn refuse_exec_devices_refuse_exec_but_serve_a_shell() {
    let f = fleet(&[Platform::CiscoIos], "refuse-exec:100%");
    let d = &f.devices()[0];
    let s = login(d);
    assert!(exec(&s, "show version").is_err());
    let mut sh = Shell::open(d);
    sh.prompt(&d.name);
    f.stop();
}

#[test]
fn exec_closes_devices_drop_the_connection_once_an_exec_has_ended() {
    let f = fleet(&[Platform::CiscoXr], "exec-closes:100%");
    let d = &f.devices()[0];
    let s = login(d);
    let (out, status) = exec(&s, version_command(d.platform)).unwrap();
    assert_eq!(status, 0);
    assert_eq!(out.replace("\r\n", "\n"), f.version_output(0).unwrap());
    // The output came whole; the connection did not survive it.
    assert!(
        exec(&s, version_command(d.platform)).is_err(),
        "a second channel on the same connection must fail"
    );
    // A fresh connection works as before.
    assert!(exec(&login(d), version_command(d.platform)).is_ok());
    f.stop();
}

#[test]
fn one_channel_devices_refuse_exec_and_then_never_answer_on_that_connection() {
    let f = fleet(&[Platform::CiscoNxos], "one-channel:100%");
    let d = &f.devices()[0];
    let mut sh = Shell::open(d);
    assert!(exec(&sh.sess, "show version").is_err(), "exec is refused");
    // A shell opened before the refusal is fine; one opened after it stays silent.
    sh.send("\r");
    sh.prompt(&d.name);
    let sess = login(d);
    assert!(exec(&sess, "show version").is_err());
    let mut ch = sess.channel_session().unwrap();
    ch.request_pty("vt100", None, Some((80, 24, 0, 0))).unwrap();
    ch.shell().unwrap();
    sess.set_timeout(1_500);
    let mut buf = [0u8; 256];
    match ch.read(&mut buf) {
        Ok(n) => assert!(n == 0, "the second channel said {:?}", &buf[..n]),
        Err(e) => assert!(e.to_string().to_lowercase().contains("timed out"), "{e}"),
    }
    f.stop();
}

#[test]
fn inband_login_devices_ask_for_the_login_inside_the_session_and_refuse_exec() {
    let f = fleet(&[Platform::CiscoIos], "inband-login:100%");
    let d = &f.devices()[0];
    assert!(exec(&login(d), "show version").is_err());
    let mut sh = Shell::open(d);
    let (out, ok) = sh.until(Duration::from_secs(5), |b| b.ends_with("Username: "));
    assert!(ok, "{out:?}");
    sh.send("admin\r");
    let (out, ok) = sh.until(Duration::from_secs(5), |b| b.ends_with("Password: "));
    assert!(ok, "{out:?}");
    sh.send("wrong\r");
    let (out, ok) = sh.until(Duration::from_secs(5), |b| b.ends_with("Username: "));
    assert!(ok && out.contains("% Login invalid"), "{out:?}");
    sh.send("admin\r");
    sh.until(Duration::from_secs(5), |b| b.ends_with("Password: "));
    sh.send(&format!("{PASSWORD}\r"));
    sh.prompt(&d.name);
    f.stop();
}

#[test]
fn devices_that_ask_before_the_prompt_go_on_only_on_the_right_answer() {
    let f = fleet(
        &[
            Platform::Huawei,
            Platform::Huawei,
            Platform::Fortinet,
            Platform::Fortinet,
        ],
        "password-expired:50%,ack-banner:50%",
    );
    for d in f.devices() {
        let (question, right, wrong) = match d.fault {
            Some(Fault::PasswordExpired) => ("Change now? [Y/N]:", "N\r", "Y\r"),
            Some(Fault::AckBanner) => ("(Press 'a' to accept):", "a", "x"),
            other => panic!("unexpected fault {other:?}"),
        };
        let mut sh = Shell::open(d);
        let (out, ok) = sh.until(Duration::from_secs(5), |b| b.ends_with(question));
        assert!(ok, "{out:?}");
        sh.send(right);
        sh.prompt(&d.name);
        let mut sh = Shell::open(d);
        sh.until(Duration::from_secs(5), |b| b.ends_with(question));
        sh.send(wrong);
        assert!(sh.closed(), "{}: a wrong answer ends the session", d.name);
    }
    f.stop();
}

#[test]
fn authz_failed_devices_say_so_and_close() {
    let f = fleet(&[Platform::CiscoIos], "authz-failed:100%");
    let mut sh = Shell::open(&f.devices()[0]);
    assert!(sh.closed());
    f.stop();
}

#[test]
fn kbd_ack_devices_want_the_notice_acknowledged_before_the_password() {
    struct Answers(&'static str, Vec<String>);
    impl ssh2::KeyboardInteractivePrompt for Answers {
        fn prompt<'a>(&mut self, _u: &str, _i: &str, prompts: &[ssh2::Prompt<'a>]) -> Vec<String> {
            prompts
                .iter()
                .map(|p| {
                    self.1.push(p.text.to_string());
                    if p.echo {
                        self.0.to_string()
                    } else {
                        PASSWORD.to_string()
                    }
                })
                .collect()
        }
    }
    let f = fleet(&[Platform::PaloaltoPanos], "kbd-ack:100%");
    let d = &f.devices()[0];
    let connect = || {
        let mut s = ssh2::Session::new().unwrap();
        s.set_tcp_stream(TcpStream::connect((d.host, d.port)).unwrap());
        s.set_timeout(10_000);
        s.handshake().unwrap();
        s
    };
    let s = connect();
    assert!(
        s.userauth_password("admin", PASSWORD).is_err(),
        "no password auth"
    );
    let s = connect();
    let mut yes = Answers("yes", Vec::new());
    s.userauth_keyboard_interactive("admin", &mut yes).unwrap();
    assert!(s.authenticated());
    assert!(
        yes.1[0].contains("acknowledge the statement above? (yes/no)"),
        "{:?}",
        yes.1
    );
    assert!(yes.1[1].contains("Password"), "{:?}", yes.1);
    let s = connect();
    let mut no = Answers("no", Vec::new());
    assert!(s.userauth_keyboard_interactive("admin", &mut no).is_err());
    f.stop();
}

#[test]
fn quirky_banners_and_prompts_still_end_at_a_real_prompt() {
    let f = fleet(
        &[Platform::CiscoIos, Platform::CiscoIos],
        "hash-banner:50%,ansi-prompt:50%",
    );
    for d in f.devices() {
        let mut sh = Shell::open(d);
        let out = sh.prompt(&d.name);
        match d.fault {
            Some(Fault::HashBanner) => {
                assert!(out.contains("##########"), "{out}");
                assert!(out.lines().any(|l| l.trim_end().ends_with('>')), "{out}");
            }
            Some(Fault::AnsiPrompt) => assert!(out.contains("\x1b[1;32m"), "{out:?}"),
            other => panic!("unexpected fault {other:?}"),
        }
    }
    f.stop();
}

#[test]
fn the_inventory_lists_every_device_with_its_expectations() {
    let f = fleet(&Platform::ALL, "auth:1%,silent:1%,hang:1%,drip:1%,disconnect:1%,huge:1%,pager-stuck:1%,refuse-exec:1%,slow-banner:1%,user-mode:1%,hash-banner:1%,ansi-prompt:1%");
    let csv = f.inventory_csv();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("name,host,port,platform,site,role,fault,expect,expect_hostname,expect_version,expect_model,expect_serial,expect_uptime")
    );
    let mut r = ::csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<::csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), Platform::ALL.len());
    for (row, d) in rows.iter().zip(f.devices()) {
        assert_eq!(&row[0], d.name);
        assert_eq!(row[2].parse::<u16>().unwrap(), d.port);
        assert_eq!(&row[3], d.platform.name());
        assert_eq!(&row[9], d.version);
        assert_eq!(&row[12], d.uptime);
        let want = match row[6].to_string().as_str() {
            "" => "ok",
            name => Fault::parse(name).unwrap().expected_error().unwrap_or("ok"),
        };
        assert_eq!(&row[7], want);
    }
    let ports: Vec<u16> = f.devices().iter().map(|d| d.port).collect();
    assert!(
        ports.windows(2).all(|w| w[1] == w[0] + 1),
        "consecutive ports: {ports:?}"
    );
    // 1% of one device per platform rounds to 0: no faults at all.
    assert!(f.devices().iter().all(|d| d.fault.is_none()));
    let names: std::collections::HashSet<&str> =
        f.devices().iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names.len(), Platform::ALL.len(), "names are unique");
    f.stop();
}

#[test]
fn the_same_seed_builds_the_same_fleet() {
    let a = fleet(&Platform::ALL, "auth:20%");
    let b = fleet(&Platform::ALL, "auth:20%");
    let strip = |f: &Fleet| -> Vec<(String, Option<Fault>, String, String)> {
        f.devices()
            .iter()
            .map(|d| (d.name.clone(), d.fault, d.version.clone(), d.serial.clone()))
            .collect()
    };
    assert_eq!(strip(&a), strip(&b));
    assert_eq!(
        a.devices()
            .iter()
            .filter(|d| d.fault == Some(Fault::Auth))
            .count(),
        3
    );
    a.stop();
    b.stop();
}

#[test]
fn stopping_the_fleet_closes_its_ports() {
    let f = fleet(&[Platform::CiscoIos, Platform::Linux], "");
    let addrs: Vec<_> = f.devices().iter().map(|d| (d.host, d.port)).collect();
    let _open = login(&f.devices()[0]);
    for a in &addrs {
        assert!(TcpStream::connect(a).is_ok());
    }
    f.stop();
    for a in &addrs {
        assert!(TcpStream::connect(a).is_err(), "{a:?} still listens");
    }
}

#[test]
fn a_non_loopback_bind_is_refused() {
    let mut cfg = FleetConfig::new(1);
    cfg.bind = "192.0.2.1".parse().unwrap();
    assert!(Fleet::start(cfg).is_err());
}

#[test]
fn the_openssh_client_can_exec_against_the_sim() {
    let ssh = std::path::Path::new("/usr/bin/ssh");
    if !ssh.exists() {
        eprintln!("skipped: no OpenSSH client at /usr/bin/ssh");
        return;
    }
    let f = fleet(&[Platform::CiscoNxos], "");
    let d = &f.devices()[0];
    let dir = std::env::temp_dir().join(format!("netinv-sim-askpass-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let askpass = dir.join("askpass.sh");
    std::fs::write(&askpass, format!("#!/bin/sh\necho '{PASSWORD}'\n")).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&askpass, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let out = std::process::Command::new(ssh)
        .args([
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
        ])
        .args([
            "-o",
            "ConnectTimeout=5",
            "-p",
            &d.port.to_string(),
            &format!("admin@{}", d.host),
            "show version",
        ])
        .env("SSH_ASKPASS", &askpass)
        .env("SSH_ASKPASS_REQUIRE", "force")
        .env("DISPLAY", ":0")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(&d.version), "{stdout}");
    f.stop();
}
