//! Dell OS10 data-centre switches (Dell EMC Networking OS10, SmartFabric OS10 since 10.5.2).

use super::{plural, Drawn, Profile};
use crate::console::{Cmd, Mode};
use crate::devices::{Behaviour, Erase, Identity};
use crate::rng::Rng;
use crate::template::render;

pub static PROFILE: Profile = Profile {
    // A Debian system underneath: its OpenSSH, and a CLI that takes abbreviations.
    behaviour: Behaviour {
        server_id: "SSH-2.0-OpenSSH_7.9p1 Debian-10+deb10u2",
        exec: false,
        // Administrators land in EXEC mode at privilege 15.
        enable: false,
        pager: "--more--",
        erase: Erase::CarriageReturn,
        exec_crlf: false,
        abbreviations: true,
    },
    roles: &["leaf", "spine", "tor"],
    draw,
    shows_hostname: false,
    reported_version: super::as_printed,
    uptime,
    version_output,
    banner,
    prompt,
    commands: &[COMMANDS],
    // No caret line, and the same words whatever was mistyped.
    rejected: |_| "% Error: Unrecognized command.\n".to_string(),
};

const MODELS: &[&str] = &[
    "S4112F-ON",
    "S4128T-ON",
    "S4148F-ON",
    "S5248F-ON",
    "S5232F-ON",
    "S3048-ON",
    "Z9264F-ON",
];
const VERSIONS: &[&str] = &["10.4.3.4", "10.5.0.2P1", "10.5.1.4", "10.5.5.6", "10.6.0.1"];

/// The serial is in `show system`, not in `show version`.
fn draw(r: &mut Rng) -> Drawn {
    Drawn::picked(r, MODELS, VERSIONS)
}

/// `10.5.0.2P1` as `[10, 5, 0]`.
fn release(version: &str) -> Vec<u32> {
    version
        .split('.')
        .take(3)
        .map(|p| p.parse().unwrap_or(0))
        .collect()
}

/// The product line, as the first line of `show version` and the login banner name it.
fn brand(version: &str) -> &'static str {
    match release(version).as_slice() {
        [10, 4, ..] => "Dell EMC Networking OS10-Enterprise",
        [10, 5, 0 | 1] => "Dell EMC Networking OS10 Enterprise",
        _ => "Dell SmartFabric OS10 Enterprise",
    }
}

/// `00:13:36` on the first day, `2 days 03:54:07`, `9 weeks 5 days 05:17:33`.
fn uptime(d: &Identity) -> String {
    let u = d.uptime;
    let mut s = String::new();
    if u.weeks > 0 {
        s.push_str(&plural(u.weeks, "week"));
        s.push(' ');
    }
    if u.days > 0 {
        s.push_str(&plural(u.days, "day"));
        s.push(' ');
    }
    s + &format!("{:02}:{:02}:{:02}", u.hours, u.minutes, u.seconds)
}

/// The year a release was built in, which its copyright line ends with.
fn year(version: &str) -> u32 {
    match release(version).as_slice() {
        [10, 4, ..] => 2019,
        [10, 5, 0 | 1] => 2020,
        [10, 5, ..] => 2023,
        _ => 2024,
    }
}

fn version_output(d: &Identity, r: &mut Rng) -> String {
    let year = year(&d.version);
    let build = r.range(100, 699);
    let build_time = format!(
        "{year}-{:02}-{:02}T{:02}:{:02}:{:02}+0000",
        r.range(1, 12),
        r.range(1, 28),
        r.range(0, 23),
        r.range(0, 59),
        r.range(0, 59)
    );
    render(
        include_str!("../../templates/dell_os10.txt"),
        &[
            ("brand", &brand(&d.version)),
            ("year", &year),
            ("version", &d.version),
            ("build", &build),
            ("build_time", &build_time),
            ("model", &d.model),
            ("uptime", &d.expect_uptime()),
        ],
    )
}

fn banner(d: &Identity) -> String {
    let year = year(&d.version);
    render(
        include_str!("../../templates/dell_os10_banner.txt"),
        &[
            ("hostname", &d.hostname),
            ("kernel", &"4.19.0-18-amd64 #1 SMP Debian 4.19.208-1"),
            ("brand", &brand(&d.version)),
            ("year", &year),
        ],
    )
}

/// `leaf-1#`; configuration mode shows its context, `(config)` at the top.
fn prompt(d: &Identity, _: &str, mode: Mode) -> String {
    let h = &d.hostname;
    match mode {
        Mode::Config => format!("{h}(config)#"),
        Mode::User => format!("{h}>"),
        Mode::Privileged => format!("{h}#"),
    }
}

/// `terminal width` is not among them: OS10 sets the width with `system "stty cols N"`.
const COMMANDS: &[(&str, Cmd)] = &[
    ("show version", Cmd::Version),
    ("terminal length <n>", Cmd::PageLen),
    ("configure terminal", Cmd::ConfigEnter),
    ("end", Cmd::End),
    ("exit", Cmd::Exit),
];
