//! The shell driver against scripted devices: realistic CLI behaviour (echo, banners, pagers,
//! enable, prompts of every platform) delivered in arbitrary chunks with real delays.

use netinv::deadline::Deadline;
use netinv::error::ErrorKind;
use netinv::platform::Platform;
use netinv::secret::Secret;
use netinv::ssh::shell::{self, Enable, ShellIo, ShellOutcome, ShellRequest};
use std::collections::VecDeque;
use std::io;
use std::time::{Duration, Instant};

/// How a scripted device answers the byte after a pager prompt.
#[derive(Clone)]
struct Pager {
    text: &'static str,
    erase: &'static str,
    lines: usize,
}

const CISCO_MORE: Pager = Pager {
    text: " --More-- ",
    erase:
        "\x08\x08\x08\x08\x08\x08\x08\x08\x08\x08          \x08\x08\x08\x08\x08\x08\x08\x08\x08\x08",
    lines: 8,
};
const JUNOS_MORE: Pager = Pager {
    text: "---(more 42%)---",
    erase: "\r                                        \r",
    lines: 5,
};
const HUAWEI_MORE: Pager = Pager {
    text: "  ---- More ----",
    erase: "\x1b[16D                \x1b[16D",
    lines: 6,
};
const ASA_MORE: Pager = Pager {
    text: "<--- More --->",
    erase: "\r              \r",
    lines: 7,
};
const PROCURVE_MORE: Pager = Pager {
    text: "-- MORE --, next page: Space, next line: Enter, quit: Control-C",
    erase: "\x1b[2K\r",
    lines: 9,
};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Line,
    Password,
    Paged,
    AnyKey,
    Dead,
}

/// A scripted network CLI behind a PTY: echoes input, prints banners, prompts and paged output.
#[derive(Clone)]
struct Device {
    banner: String,
    /// Pause between the banner and the first prompt.
    banner_gap: Duration,
    /// More banner after the pause, just before the prompt.
    late_banner: String,
    press_any_key: bool,
    user_prompt: String,
    priv_prompt: Option<String>,
    /// Printed on its own lines above every prompt (Junos `{master:0}`).
    context: Option<&'static str>,
    /// `Some(secret)`: `enable` asks `Password:` and wants this.
    enable_secret: Option<String>,
    /// Ask the password again after a wrong one (IOS) instead of `% Access denied`.
    reask: bool,
    echo: bool,
    commands: Vec<(String, String)>,
    paging_off: Vec<String>,
    pager: Option<Pager>,
    error: String,
    /// Close the connection halfway through this command's output.
    eof_in: Option<String>,
    /// Never print the prompt after this command.
    hang_in: Option<String>,
    /// Never print any prompt at all.
    silent: bool,
    latency: Duration,
    /// Pause before every read returns data (a device that drips its output).
    drip: Duration,
    /// Largest read (each read takes a pseudo-random size up to this).
    chunk: usize,
    seed: u64,
    // --- state ---
    pending: VecDeque<(Instant, Option<Vec<u8>>)>,
    last_ready: Instant,
    mode: Mode,
    privileged: bool,
    paging: bool,
    input: Vec<u8>,
    page_rest: VecDeque<String>,
    page_tail: String,
    /// Everything the driver wrote, as it arrived.
    written: Vec<Vec<u8>>,
}

impl Device {
    fn new(prompt: &str) -> Self {
        Device {
            banner: String::new(),
            banner_gap: Duration::ZERO,
            late_banner: String::new(),
            press_any_key: false,
            user_prompt: prompt.to_string(),
            priv_prompt: None,
            context: None,
            enable_secret: None,
            reask: false,
            echo: true,
            commands: Vec::new(),
            paging_off: Vec::new(),
            pager: None,
            error: "% Invalid input detected at '^' marker.".to_string(),
            eof_in: None,
            hang_in: None,
            silent: false,
            latency: Duration::from_millis(2),
            drip: Duration::ZERO,
            chunk: 4096,
            seed: 7,
            pending: VecDeque::new(),
            last_ready: Instant::now(),
            mode: Mode::Line,
            privileged: false,
            paging: true,
            input: Vec::new(),
            page_rest: VecDeque::new(),
            page_tail: String::new(),
            written: Vec::new(),
        }
    }

    fn command(mut self, cmd: &str, output: &str) -> Self {
        self.commands.push((cmd.to_string(), output.to_string()));
        self
    }

    /// Starts the session: the banner, then the prompt (or "Press any key").
    fn login(mut self) -> Self {
        self.last_ready = Instant::now();
        let banner = self.banner.clone();
        self.emit(&banner, self.latency);
        if self.press_any_key {
            self.emit("Press any key to continue", self.banner_gap);
            self.mode = Mode::AnyKey;
        } else if !self.silent {
            let mut gap = self.banner_gap;
            if !self.late_banner.is_empty() {
                let late = self.late_banner.clone();
                self.emit(&late, gap);
                gap = Duration::ZERO;
            }
            self.emit_prompt(gap);
        }
        self
    }

    fn emit(&mut self, text: &str, delay: Duration) {
        self.emit_bytes(text.replace('\n', "\r\n").into_bytes(), delay);
    }

    fn emit_bytes(&mut self, bytes: Vec<u8>, delay: Duration) {
        if bytes.is_empty() {
            return;
        }
        let at = self.last_ready.max(Instant::now()) + delay;
        self.last_ready = at;
        self.pending.push_back((at, Some(bytes)));
    }

    fn emit_eof(&mut self) {
        let at = self.last_ready.max(Instant::now()) + self.latency;
        self.pending.push_back((at, None));
        self.mode = Mode::Dead;
    }

    fn prompt(&self) -> String {
        match (&self.priv_prompt, self.privileged) {
            (Some(p), true) => p.clone(),
            _ => self.user_prompt.clone(),
        }
    }

    fn emit_prompt(&mut self, delay: Duration) {
        if self.silent {
            return;
        }
        let mut text = String::new();
        if let Some(ctx) = self.context {
            text.push_str(&format!("\n{ctx}\n"));
        }
        text.push_str(&self.prompt());
        self.emit(&text, delay);
    }

    fn next_chunk_len(&mut self) -> usize {
        // xorshift: reproducible "arbitrary" chunking per seed.
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        1 + (self.seed as usize) % self.chunk.max(1)
    }

    fn on_line(&mut self, line: &str) {
        let line = line.trim();
        if self.hang_in.as_deref() == Some(line) {
            return;
        }
        if line.is_empty() {
            self.emit_prompt(self.latency);
        } else if line == "enable" && self.enable_secret.is_some() {
            self.emit("Password: ", self.latency);
            self.mode = Mode::Password;
        } else if line == "exit" {
            self.emit_eof();
        } else if self.paging_off.iter().any(|c| c == line) {
            self.paging = false;
            self.emit_prompt(self.latency);
        } else if let Some((_, out)) = self.commands.iter().find(|(c, _)| c == line).cloned() {
            if self.eof_in.as_deref() == Some(line) {
                let half = &out[..out.len() / 2];
                self.emit(half, self.latency);
                self.emit_eof();
                return;
            }
            match (&self.pager, self.paging) {
                (Some(p), true) => {
                    let p = p.clone();
                    self.page_rest = out.lines().map(|l| format!("{l}\n")).collect();
                    self.page_tail = if out.ends_with('\n') { "" } else { "\n" }.to_string();
                    self.next_page(&p, false);
                }
                _ => {
                    self.emit(&out, self.latency);
                    self.emit_prompt(self.latency);
                }
            }
        } else {
            let err = self.error.clone();
            self.emit(&format!("{}^\n{err}\n\n", " ".repeat(5)), self.latency);
            self.emit_prompt(self.latency);
        }
    }

    fn next_page(&mut self, p: &Pager, erase_first: bool) {
        let mut text = String::new();
        if erase_first {
            text.push_str(p.erase);
        }
        for _ in 0..p.lines {
            match self.page_rest.pop_front() {
                Some(l) => text.push_str(&l),
                None => break,
            }
        }
        if self.page_rest.is_empty() {
            self.emit(&text, self.latency);
            self.emit_prompt(self.latency);
            self.mode = Mode::Line;
        } else {
            text.push_str(p.text);
            self.emit(&text, self.latency);
            self.mode = Mode::Paged;
        }
    }
}

impl ShellIo for Device {
    fn read(&mut self, buf: &mut [u8], deadline: Deadline) -> io::Result<usize> {
        loop {
            let now = Instant::now();
            let ready = match self.pending.front() {
                Some((ready, _)) => *ready,
                None => {
                    std::thread::sleep(deadline.remaining());
                    return Err(io::ErrorKind::TimedOut.into());
                }
            };
            if ready > deadline.instant() {
                std::thread::sleep(deadline.remaining());
                return Err(io::ErrorKind::TimedOut.into());
            }
            if ready > now {
                std::thread::sleep(ready - now);
                continue;
            }
            if !self.drip.is_zero() {
                if now + self.drip > deadline.instant() {
                    std::thread::sleep(deadline.remaining());
                    return Err(io::ErrorKind::TimedOut.into());
                }
                std::thread::sleep(self.drip);
            }
            let want = self.next_chunk_len().min(buf.len());
            let Some((_, Some(bytes))) = self.pending.front_mut() else {
                return Ok(0);
            };
            let n = want.min(bytes.len());
            buf[..n].copy_from_slice(&bytes[..n]);
            bytes.drain(..n);
            if bytes.is_empty() {
                self.pending.pop_front();
            }
            return Ok(n);
        }
    }

    fn write_all(&mut self, data: &[u8], _deadline: Deadline) -> io::Result<()> {
        self.written.push(data.to_vec());
        for &b in data {
            match self.mode {
                Mode::Dead => return Err(io::ErrorKind::BrokenPipe.into()),
                Mode::AnyKey => {
                    self.mode = Mode::Line;
                    self.emit("\x1b[2K\r", self.latency);
                    self.emit_prompt(self.latency);
                }
                Mode::Paged => {
                    if let Some(p) = self.pager.clone() {
                        self.next_page(&p, true);
                    }
                }
                Mode::Password => {
                    if b == b'\n' || b == b'\r' {
                        let given = String::from_utf8_lossy(&self.input).to_string();
                        self.input.clear();
                        self.emit("\n", self.latency);
                        if Some(&given) == self.enable_secret.as_ref() {
                            self.privileged = true;
                            self.mode = Mode::Line;
                            self.emit_prompt(self.latency);
                        } else if self.reask {
                            self.emit("Password: ", self.latency);
                        } else {
                            self.mode = Mode::Line;
                            self.emit("% Access denied\n\n", self.latency);
                            self.emit_prompt(self.latency);
                        }
                    } else {
                        self.input.push(b);
                    }
                }
                Mode::Line => {
                    if b == b'\n' || b == b'\r' {
                        if self.echo {
                            self.emit("\n", Duration::ZERO);
                        }
                        let line = String::from_utf8_lossy(&self.input).to_string();
                        self.input.clear();
                        self.on_line(&line);
                    } else {
                        self.input.push(b);
                        if self.echo {
                            self.emit_bytes(vec![b], Duration::ZERO);
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

fn run(
    dev: &mut Device,
    platform: Option<Platform>,
    commands: &[&str],
) -> Result<ShellOutcome, netinv::error::DeviceError> {
    let commands: Vec<String> = commands.iter().map(|c| c.to_string()).collect();
    let req = ShellRequest {
        platform,
        commands: &commands,
        enable: Enable::No,
        max_output: 1 << 20,
        ..Default::default()
    };
    shell::run(dev, &req, Deadline::after(Duration::from_secs(10)))
}

fn only_output(outcome: &ShellOutcome) -> &str {
    assert_eq!(outcome.outputs.len(), 1, "{outcome:?}");
    &outcome.outputs[0].output
}

/// A realistic IOS `show version`, 40 lines.
fn ios_version() -> String {
    let mut s = String::from(
        "Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E4, RELEASE SOFTWARE (fc2)\n\
         Technical Support: http://www.cisco.com/techsupport\n\
         Copyright (c) 1986-2021 by Cisco Systems, Inc.\n\
         \n\
         ROM: Bootstrap program is C2960X boot loader\n\
         BOOTLDR: C2960X Boot Loader (C2960X-HBOOT-M) Version 15.2(7r)E, RELEASE SOFTWARE (fc1)\n\
         \n\
         R1 uptime is 1 year, 2 weeks, 3 days, 4 hours, 5 minutes\n\
         System image file is \"flash:c2960x-universalk9-mz.152-7.E4.bin\"\n",
    );
    for i in 0..28 {
        s.push_str(&format!(
            "  Interface line {i:02}: GigabitEthernet1/0/{i}   up\n"
        ));
    }
    s.push_str("Model number                    : WS-C2960X-48FPD-L\n");
    s.push_str("System serial number            : FOC1234X0AB\n");
    s.push_str("Configuration register is 0xF\n");
    s
}

fn cisco(prompt: &str) -> Device {
    let mut d = Device::new(prompt).command("show version", &ios_version());
    d.paging_off = vec!["terminal length 0".into(), "terminal width 511".into()];
    d.pager = Some(CISCO_MORE);
    d
}

#[test]
fn cisco_output_equals_the_device_text_in_every_chunking() {
    for chunk in [1, 2, 3, 7, 64, 4096] {
        for seed in [1, 99] {
            let mut dev = cisco("R1#");
            dev.chunk = chunk;
            dev.seed = seed;
            let mut dev = dev.login();
            let out = run(&mut dev, Some(Platform::CiscoIos), &[]).expect("collected");
            assert_eq!(
                only_output(&out),
                ios_version(),
                "chunk {chunk} seed {seed}"
            );
            assert_eq!(out.outputs[0].command, "show version");
            assert!(!out.outputs[0].truncated);
        }
    }
}

#[test]
fn paging_is_disabled_so_no_pager_is_ever_answered() {
    let mut dev = cisco("R1#").login();
    let out = run(&mut dev, Some(Platform::CiscoIos), &[]).expect("collected");
    assert_eq!(only_output(&out), ios_version());
    assert!(!dev.paging);
    assert!(
        !dev.written.iter().any(|w| w == b" "),
        "a pager was answered"
    );
}

#[test]
fn a_pager_that_ignores_the_disable_command_is_answered_and_erased() {
    let styles = [
        ("R1#", Platform::CiscoIos, CISCO_MORE),
        ("user@r1> ", Platform::JuniperJunos, JUNOS_MORE),
        ("<R1>", Platform::Huawei, HUAWEI_MORE),
        ("fw1# ", Platform::CiscoAsa, ASA_MORE),
        ("sw1# ", Platform::HpProcurve, PROCURVE_MORE),
    ];
    for (prompt, platform, pager) in styles {
        for chunk in [1, 5, 4096] {
            let cmd = platform.spec().version_command;
            let mut dev = Device::new(prompt).command(cmd, &ios_version());
            dev.pager = Some(pager.clone());
            dev.chunk = chunk;
            let mut dev = dev.login();
            let out = run(&mut dev, Some(platform), &[]).expect("collected");
            assert_eq!(only_output(&out), ios_version(), "{platform} chunk {chunk}");
            let spaces = dev.written.iter().filter(|w| *w == b" ").count();
            assert_eq!(spaces, 40_usize.div_ceil(pager.lines) - 1, "{platform}");
        }
    }
}

#[test]
fn pager_lines_that_start_with_spaces_keep_their_indentation() {
    let text = "a\n  indented b\n    c\n  d\ne\n  f\n";
    let mut dev = Device::new("R1#").command("show x", text);
    dev.pager = Some(Pager {
        lines: 1,
        ..CISCO_MORE
    });
    let mut dev = dev.login();
    let out = run(&mut dev, Some(Platform::CiscoIos), &["show x"]).expect("collected");
    assert_eq!(only_output(&out), text);
}

#[test]
fn every_platform_prompt_style_is_found_given_or_detected() {
    let linux_out = "Linux host 6.1.0-18-amd64 #1 SMP x86_64 GNU/Linux\n";
    let cases: Vec<(&str, Platform, &str)> = vec![
        ("R1>", Platform::CiscoIos, "show version"),
        ("R1#", Platform::CiscoIos, "show version"),
        ("RP/0/RSP0/CPU0:R1#", Platform::CiscoXr, "show version"),
        ("user@r1> ", Platform::JuniperJunos, "show version"),
        ("<R1>", Platform::Huawei, "display version"),
        ("[~R1]", Platform::Huawei, "display version"),
        (
            "[admin@R1] > ",
            Platform::MikrotikRouteros,
            "/system resource print",
        ),
        ("FGT-1 # ", Platform::Fortinet, "get system status"),
        ("FGT-1 (root) # ", Platform::Fortinet, "get system status"),
        (
            "admin@PA-1(active)> ",
            Platform::PaloaltoPanos,
            "show system info",
        ),
        (
            "user@host:~$ ",
            Platform::Linux,
            Platform::Linux.spec().version_command,
        ),
    ];
    for (prompt, platform, cmd) in cases {
        // What a device says it runs outranks its prompt's shape, so each says nothing else.
        let text = match platform {
            Platform::Linux => linux_out.to_string(),
            Platform::CiscoIos | Platform::CiscoXr => ios_version(),
            _ => "Software version 1.0\n".to_string(),
        };
        for given in [Some(platform), None] {
            let mut dev = Device::new(prompt).command(cmd, &text);
            dev.chunk = 3;
            let mut dev = dev.login();
            let out = run(&mut dev, given, &[])
                .unwrap_or_else(|e| panic!("{prompt:?} given {given:?}: {e}"));
            assert_eq!(out.platform, Some(platform), "{prompt:?}");
            assert_eq!(only_output(&out), text, "{prompt:?} given {given:?}");
            assert_eq!(out.outputs[0].command, cmd);
        }
    }
}

#[test]
fn panos_without_ha_state_is_told_from_junos_by_its_answer_to_show_version() {
    let info = "hostname: PA-1\nsw-version: 10.2.4\n";
    let mut dev = Device::new("admin@PA-1> ").command("show system info", info);
    dev.error = "Invalid syntax.".to_string();
    let mut dev = dev.login();
    let out = run(&mut dev, None, &[]).expect("collected");
    assert_eq!(out.platform, Some(Platform::PaloaltoPanos));
    assert_eq!(only_output(&out), info);
}

#[test]
fn junos_context_lines_above_the_prompt_are_not_output() {
    let text = "Hostname: r1\nModel: mx960\nJunos: 21.4R3-S2\n";
    let mut dev = Device::new("user@r1> ").command("show version", text);
    dev.context = Some("{master:0}");
    dev.pager = Some(JUNOS_MORE);
    dev.paging_off = vec!["set cli screen-length 0".into()];
    let mut dev = dev.login();
    let out = run(&mut dev, None, &[]).expect("collected");
    assert_eq!(out.platform, Some(Platform::JuniperJunos));
    assert_eq!(only_output(&out), text);
}

#[test]
fn xr_timestamp_line_is_the_device_output_and_kept() {
    let text = "Thu Jan  4 10:00:00.123 UTC\nCisco IOS XR Software, Version 7.3.2\n";
    let mut dev = Device::new("RP/0/RSP0/CPU0:R1#").command("show version", text);
    dev.chunk = 2;
    let mut dev = dev.login();
    let out = run(&mut dev, Some(Platform::CiscoXr), &[]).expect("collected");
    assert_eq!(only_output(&out), text);
}

#[test]
fn a_banner_full_of_hashes_and_prompt_like_lines_is_never_taken_for_the_prompt() {
    let mut dev = cisco("R1#");
    dev.banner = "\n####################################\n# Authorised access only.          #\n#\nR9#\nWelcome>\n####################################\n\n".into();
    // The banner goes quiet well before the prompt comes.
    dev.banner_gap = Duration::from_millis(400);
    dev.chunk = 11;
    let mut dev = dev.login();
    let out = run(&mut dev, Some(Platform::CiscoIos), &["show version"]).expect("collected");
    assert_eq!(only_output(&out), ios_version());
}

#[test]
fn a_banner_pausing_on_a_line_just_like_a_prompt_still_gives_exact_output() {
    // The one shape the short prompt settle can mistake: the banner stops, for longer than the
    // settle, on a line that looks exactly like an IOS prompt. The paging command typed ahead
    // then meets the real prompt, which takes over.
    let mut dev = cisco("R1#");
    dev.banner = "Lab switch, property of ACME\nR9#".into();
    dev.banner_gap = Duration::from_millis(200);
    dev.late_banner = "\nAuthorised access only\n".into();
    let mut dev = dev.login();
    let out = run(&mut dev, Some(Platform::CiscoIos), &["show version"]).expect("collected");
    assert_eq!(only_output(&out), ios_version());
}

#[test]
fn leftover_prompts_from_newline_nudges_do_not_end_a_command_early() {
    let mut dev = cisco("R1#");
    dev.banner = "Last login: today\n".into();
    // Long enough that the driver nudges (several times) before the first prompt appears.
    dev.banner_gap = Duration::from_millis(1400);
    let mut dev = dev.login();
    let out = run(&mut dev, None, &["show version"]).expect("collected");
    assert_eq!(only_output(&out), ios_version());
    // Nudged with Enter, which a terminal sends as CR.
    assert!(dev.written.iter().filter(|w| *w == b"\r").count() >= 2);
}

#[test]
fn prompts_printed_back_to_back_for_typed_ahead_enters_are_one_prompt() {
    // A CLI that was still starting got the driver's Enters: its terminal echoed them at once,
    // and the CLI printed a prompt for each later, on one line.
    let mut dev = cisco("R1>");
    dev.banner = "Last login: today\n".into();
    dev.late_banner = "R1>R1>R1>".into();
    let mut dev = dev.login();
    let out = run(&mut dev, None, &["show version"]).expect("collected");
    assert_eq!(only_output(&out), ios_version());
}

#[test]
fn a_device_that_shows_nothing_until_a_newline_is_nudged() {
    let mut dev = cisco("R1#");
    dev.silent = true;
    let mut dev = dev.login();
    dev.silent = false;
    let out = run(&mut dev, Some(Platform::CiscoIos), &[]).expect("collected");
    assert_eq!(only_output(&out), ios_version());
}

#[test]
fn ansi_coloured_prompts_are_recognised_given_or_detected() {
    for given in [Some(Platform::CiscoIos), None] {
        let mut dev = cisco("\x1b[1;32mR1\x1b[0m#\x1b[0m ");
        dev.chunk = 4;
        let mut dev = dev.login();
        let out = run(&mut dev, given, &[]).expect("collected");
        assert_eq!(out.platform, Some(Platform::CiscoIos));
        assert_eq!(only_output(&out), ios_version());
    }
}

#[test]
fn linux_shell_titles_and_bracketed_paste_codes_are_not_output() {
    let prompt =
        "\x1b]0;user@host: ~\x07\x1b[?2004h\x1b[01;32muser@host\x1b[00m:\x1b[01;34m~\x1b[00m$ ";
    let cmd = Platform::Linux.spec().version_command;
    let text = "Linux host 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC x86_64 GNU/Linux\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nhost\n 10:00:00 up 3 days,  2:01,  1 user,  load average: 0.00, 0.01, 0.05\n";
    let mut dev = Device::new(prompt).command(cmd, text);
    dev.chunk = 5;
    let mut dev = dev.login();
    let out = run(&mut dev, None, &[]).expect("collected");
    assert_eq!(out.platform, Some(Platform::Linux));
    assert_eq!(only_output(&out), text);
}

#[test]
fn procurve_press_any_key_is_answered() {
    let mut dev = Device::new("sw1# ").command("show version", "Image stamp: WC.16.10.0009\n");
    dev.banner = "HP J9729A 2920-48G-POE+ Switch\nSoftware revision WC.16.10.0009\n\n".into();
    dev.press_any_key = true;
    let mut dev = dev.login();
    let out = run(&mut dev, None, &[]).expect("collected");
    assert_eq!(out.platform, Some(Platform::HpProcurve));
    assert_eq!(only_output(&out), "Image stamp: WC.16.10.0009\n");
}

fn run_enable(
    dev: &mut Device,
    secret: Option<&Secret>,
) -> Result<ShellOutcome, netinv::error::DeviceError> {
    let commands = vec!["show version".to_string()];
    let req = ShellRequest {
        platform: Some(Platform::CiscoIos),
        commands: &commands,
        enable: Enable::Yes(secret),
        max_output: 1 << 20,
        ..Default::default()
    };
    shell::run(dev, &req, Deadline::after(Duration::from_secs(10)))
}

fn enable_device(secret: &str) -> Device {
    let mut dev = cisco("R1>");
    dev.priv_prompt = Some("R1#".into());
    dev.enable_secret = Some(secret.into());
    dev.chunk = 3;
    dev
}

#[test]
fn enable_with_a_secret_reaches_the_privileged_prompt() {
    let mut dev = enable_device("s3cret").login();
    let secret = Secret::new("s3cret");
    let out = run_enable(&mut dev, Some(&secret)).expect("collected");
    assert!(dev.privileged);
    assert_eq!(only_output(&out), ios_version());
}

#[test]
fn enable_without_a_secret_answers_the_password_prompt_with_an_empty_line() {
    let mut dev = enable_device("").login();
    let out = run_enable(&mut dev, None).expect("collected");
    assert!(dev.privileged);
    assert_eq!(only_output(&out), ios_version());
}

#[test]
fn a_wrong_enable_secret_is_an_auth_error_that_never_shows_the_secret() {
    for reask in [false, true] {
        let mut dev = enable_device("right");
        dev.reask = reask;
        let mut dev = dev.login();
        let wrong = Secret::new("wr0ngpass");
        let err = run_enable(&mut dev, Some(&wrong)).expect_err("refused");
        assert_eq!(err.kind, ErrorKind::Auth, "{err}");
        assert!(err.message.contains("enable"), "{err}");
        assert!(!err.message.contains("wr0ngpass"), "{err}");
    }
}

#[test]
fn enable_is_skipped_when_already_privileged() {
    let mut dev = enable_device("x");
    dev.user_prompt = "R1#".into();
    let mut dev = dev.login();
    let out = run_enable(&mut dev, None).expect("collected");
    assert!(!dev.written.iter().any(|w| w == b"enable\n"));
    assert_eq!(only_output(&out), ios_version());
}

#[test]
fn a_device_that_never_shows_a_prompt_times_out_on_time() {
    let mut dev = cisco("R1#");
    dev.silent = true;
    dev.banner = "Welcome\n".into();
    let mut dev = dev.login();
    let budget = Duration::from_millis(1200);
    let started = Instant::now();
    let req = ShellRequest {
        platform: Some(Platform::CiscoIos),
        commands: &[],
        enable: Enable::No,
        max_output: 1 << 20,
        ..Default::default()
    };
    let err = shell::run(&mut dev, &req, Deadline::after(budget)).expect_err("no prompt");
    let took = started.elapsed();
    assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
    assert!(err.message.starts_with("no prompt within"), "{err}");
    assert!(err.message.contains("Welcome"), "{err}");
    assert!(took >= budget, "{took:?}");
    assert!(took < budget + Duration::from_millis(250), "{took:?}");
}

#[test]
fn a_command_that_hangs_times_out_on_time_naming_the_command() {
    let mut dev = cisco("R1#");
    dev.hang_in = Some("show version".into());
    let mut dev = dev.login();
    let budget = Duration::from_millis(1500);
    let started = Instant::now();
    let req = ShellRequest {
        platform: Some(Platform::CiscoIos),
        commands: &[],
        enable: Enable::No,
        max_output: 1 << 20,
        ..Default::default()
    };
    let err = shell::run(&mut dev, &req, Deadline::after(budget)).expect_err("hangs");
    let took = started.elapsed();
    assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
    assert!(
        err.message.contains("no prompt after `show version`"),
        "{err}"
    );
    assert!(took < budget + Duration::from_millis(250), "{took:?}");
}

#[test]
fn eof_in_the_middle_of_output_is_a_protocol_error() {
    let mut dev = cisco("R1#");
    dev.eof_in = Some("show version".into());
    let mut dev = dev.login();
    let err = run(&mut dev, Some(Platform::CiscoIos), &[]).expect_err("closed");
    assert_eq!(err.kind, ErrorKind::Protocol, "{err}");
    assert!(
        err.message
            .starts_with("connection closed while waiting for the prompt after `show version`"),
        "{err}"
    );
}

#[test]
fn an_error_pattern_in_the_output_is_that_commands_error_quoting_the_line() {
    let mut dev = cisco("R1#").login();
    let out = run(
        &mut dev,
        Some(Platform::CiscoIos),
        &["show verison", "show version"],
    )
    .expect("the session goes on after a rejected command");
    assert_eq!(out.outputs[1].output, ios_version());
    assert_eq!(out.outputs[1].error, None);
    let err = out.outputs[0].error.as_ref().expect("rejected");
    assert_eq!(err.kind, ErrorKind::Command, "{err}");
    assert!(err.message.contains("`show verison`"), "{err}");
    assert!(
        err.message
            .contains("% Invalid input detected at '^' marker."),
        "{err}"
    );
}

#[test]
fn several_commands_give_separate_outputs_in_order() {
    let mut dev = cisco("R1#")
        .command("show clock", "*10:00:00.000 UTC Thu Jan 4 2024\n")
        .command(
            "show inventory",
            "NAME: \"1\", DESCR: \"WS-C2960X-48FPD-L\"\n",
        )
        .command("clear counters", "");
    dev.chunk = 6;
    let mut dev = dev.login();
    let out = run(
        &mut dev,
        Some(Platform::CiscoIos),
        &[
            "show clock",
            "clear counters",
            "show inventory",
            "show version",
        ],
    )
    .expect("collected");
    let got: Vec<(&str, &str)> = out
        .outputs
        .iter()
        .map(|o| (o.command.as_str(), o.output.as_str()))
        .collect();
    let version = ios_version();
    assert_eq!(
        got,
        vec![
            ("show clock", "*10:00:00.000 UTC Thu Jan 4 2024\n"),
            ("clear counters", ""),
            (
                "show inventory",
                "NAME: \"1\", DESCR: \"WS-C2960X-48FPD-L\"\n"
            ),
            ("show version", version.as_str()),
        ]
    );
}

#[test]
fn output_beyond_max_output_is_dropped_but_read_to_the_prompt() {
    let big: String = (0..5000)
        .map(|i| format!("line {i:05} of a long table\n"))
        .collect();
    let mut dev = cisco("R1#").command("show big", &big);
    dev.chunk = 1000;
    let mut dev = dev.login();
    let commands = vec!["show big".to_string(), "show version".to_string()];
    let req = ShellRequest {
        platform: Some(Platform::CiscoIos),
        commands: &commands,
        enable: Enable::No,
        max_output: 2000,
        ..Default::default()
    };
    let out = shell::run(&mut dev, &req, Deadline::after(Duration::from_secs(10))).expect("ok");
    assert!(out.outputs[0].truncated);
    assert_eq!(out.outputs[0].output, big[..2000]);
    // The next command still starts cleanly at the prompt.
    assert_eq!(out.outputs[1].output, ios_version());
    assert!(!out.outputs[1].truncated);
}

#[test]
fn a_device_that_does_not_echo_still_yields_exact_output() {
    let mut dev = cisco("R1#");
    dev.echo = false;
    let mut dev = dev.login();
    let out = run(&mut dev, Some(Platform::CiscoIos), &["show version"]).expect("collected");
    assert_eq!(only_output(&out), ios_version());
}

#[test]
fn a_slow_device_dripping_output_is_read_to_the_end() {
    let mut dev = cisco("R1#");
    dev.drip = Duration::from_millis(100);
    dev.chunk = 400;
    let mut dev = dev.login();
    let out = run(&mut dev, Some(Platform::CiscoIos), &[]).expect("collected");
    assert_eq!(only_output(&out), ios_version());
}

/// The driver against `tests/support/fake_cli.py` on a real PTY: the kernel's line discipline
/// does the echo and LF → CRLF, as it does behind an SSH server's PTY.
mod on_a_pty {
    use super::*;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::process::{Child, Command, Stdio};

    struct Pty {
        master: OwnedFd,
        child: Child,
    }

    impl Pty {
        /// Spawns the fake CLI on a new PTY. Without python3 the test fails saying so: a
        /// skipped test must not count as passed (.ci/run installs python3).
        fn spawn(args: &[&str]) -> Pty {
            assert!(
                Command::new("python3").arg("--version").output().is_ok(),
                "this test needs python3 for the fake CLI and cannot run without it"
            );
            let (mut master, mut slave) = (-1, -1);
            // SAFETY: openpty writes two fds into the provided ints; null name/termios/winsize.
            let rc = unsafe {
                libc::openpty(
                    &mut master,
                    &mut slave,
                    std::ptr::null_mut(),
                    std::ptr::null(),
                    std::ptr::null(),
                )
            };
            assert_eq!(rc, 0, "openpty: {}", io::Error::last_os_error());
            // SAFETY: both fds were just returned by openpty and are owned by nobody else.
            let (master, slave) =
                unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
            let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/fake_cli.py");
            let child = Command::new("python3")
                .arg(script)
                .args(args)
                .stdin(Stdio::from(slave.try_clone().expect("dup")))
                .stdout(Stdio::from(slave.try_clone().expect("dup")))
                .stderr(Stdio::from(slave))
                .spawn()
                .expect("spawn python3");
            Pty { master, child }
        }
    }

    impl Drop for Pty {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    impl ShellIo for Pty {
        fn read(&mut self, buf: &mut [u8], deadline: Deadline) -> io::Result<usize> {
            let mut pfd = libc::pollfd {
                fd: self.master.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            let ms = deadline.remaining().as_millis().min(i32::MAX as u128) as i32;
            // SAFETY: one valid pollfd.
            let n = unsafe { libc::poll(&mut pfd, 1, ms) };
            if n < 0 {
                return Err(io::Error::last_os_error());
            }
            if n == 0 {
                return Err(io::ErrorKind::TimedOut.into());
            }
            // SAFETY: buf is valid for buf.len() bytes.
            let r = unsafe { libc::read(pfd.fd, buf.as_mut_ptr().cast(), buf.len()) };
            if r < 0 {
                let e = io::Error::last_os_error();
                // Linux reports a PTY whose other side has closed as EIO: that is EOF.
                return if e.raw_os_error() == Some(libc::EIO) {
                    Ok(0)
                } else {
                    Err(e)
                };
            }
            Ok(r as usize)
        }

        fn write_all(&mut self, mut data: &[u8], _deadline: Deadline) -> io::Result<()> {
            while !data.is_empty() {
                // SAFETY: data is valid for data.len() bytes.
                let r = unsafe {
                    libc::write(self.master.as_raw_fd(), data.as_ptr().cast(), data.len())
                };
                if r < 0 {
                    return Err(io::Error::last_os_error());
                }
                data = &data[r as usize..];
            }
            Ok(())
        }
    }

    fn collect(
        pty: &mut Pty,
        platform: Option<Platform>,
        enable: Enable,
    ) -> Result<ShellOutcome, netinv::error::DeviceError> {
        let commands = vec!["show version".to_string(), "show clock".to_string()];
        let req = ShellRequest {
            platform,
            commands: &commands,
            enable,
            max_output: 1 << 20,
            ..Default::default()
        };
        shell::run(pty, &req, Deadline::after(Duration::from_secs(15)))
    }

    fn assert_is_the_fake_version(output: &str) {
        assert!(
            output.starts_with("Cisco IOS Software, C2960X"),
            "{output:?}"
        );
        assert!(
            output.ends_with("\n\nConfiguration register is 0xF\n"),
            "{output:?}"
        );
        assert_eq!(output.lines().count(), 40, "{output:?}");
        assert!(!output.contains(['\r', '\x08', '\x1b']), "{output:?}");
        assert!(!output.contains("More"), "{output:?}");
    }

    #[test]
    fn the_fake_cli_is_collected_with_enable_and_paging_off() {
        let mut pty = Pty::spawn(&[]);
        let secret = Secret::new("cisco");
        let out = collect(
            &mut pty,
            Some(Platform::CiscoIos),
            Enable::Yes(Some(&secret)),
        )
        .expect("collected");
        assert_is_the_fake_version(&out.outputs[0].output);
        assert_eq!(out.outputs[1].output, "*10:00:00.000 UTC Thu Jan 4 2024\n");
    }

    #[test]
    fn a_pager_that_ignores_terminal_length_gives_the_same_text_as_no_pager() {
        let mut paged = Pty::spawn(&["--ignore-terminal-length", "--page-lines", "7"]);
        let mut plain = Pty::spawn(&[]);
        let a = collect(&mut paged, None, Enable::No).expect("paged");
        let b = collect(&mut plain, None, Enable::No).expect("plain");
        assert_eq!(a.platform, Some(Platform::CiscoIos));
        assert_is_the_fake_version(&a.outputs[0].output);
        assert_eq!(a.outputs, b.outputs);
    }

    #[test]
    fn a_wrong_enable_secret_on_the_fake_cli_is_an_auth_error() {
        let mut pty = Pty::spawn(&[]);
        let wrong = Secret::new("nope-not-it");
        let err = collect(
            &mut pty,
            Some(Platform::CiscoIos),
            Enable::Yes(Some(&wrong)),
        )
        .expect_err("refused");
        assert_eq!(err.kind, ErrorKind::Auth, "{err}");
        assert!(!err.message.contains("nope-not-it"), "{err}");
    }
}

/// Whatever a device sends, the driver returns (Ok or Err) and never panics.
mod any_input {
    use super::*;
    use proptest::prelude::*;

    struct Replay {
        data: Vec<u8>,
        chunk: usize,
    }

    impl ShellIo for Replay {
        fn read(&mut self, buf: &mut [u8], _deadline: Deadline) -> io::Result<usize> {
            let n = self.chunk.min(self.data.len()).min(buf.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data.drain(..n);
            Ok(n) // 0 once drained: EOF
        }
        fn write_all(&mut self, _data: &[u8], _deadline: Deadline) -> io::Result<()> {
            Ok(())
        }
    }

    fn piece() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..40),
            prop::sample::select(vec![
                "R1#",
                "R1>",
                "\r\n",
                "\n",
                "\r",
                "\x08",
                "\x1b[",
                "\x1b[16D",
                "\x1b]0;t\x07",
                " --More-- ",
                "---(more)---",
                "Password: ",
                "% Access denied\n",
                "show version",
                "<R1>",
                "[admin@R1] > ",
                "user@r1> ",
                "{master:0}\n",
                "Press any key to continue",
                "\u{fffd}",
                "\u{9b}",
                "% Invalid input detected\n",
            ])
            .prop_map(|s| s.as_bytes().to_vec()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]
        #[test]
        fn any_byte_stream_ends_in_a_result_not_a_panic(
            pieces in prop::collection::vec(piece(), 0..60),
            chunk in 1usize..50,
            detect in any::<bool>(),
        ) {
            let mut io = Replay { data: pieces.concat(), chunk };
            let commands = vec!["show version".to_string()];
            let req = ShellRequest {
                platform: if detect { None } else { Some(Platform::CiscoIos) },
                commands: &commands,
                enable: Enable::Yes(None),
                max_output: 64,
                ..Default::default()
            };
            let started = Instant::now();
            let _ = shell::run(&mut io, &req, Deadline::after(Duration::from_secs(2)));
            prop_assert!(started.elapsed() < Duration::from_millis(2300));
        }
    }
}
