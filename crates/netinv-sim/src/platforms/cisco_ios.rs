//! Cisco IOS (classic): ISR routers and Catalyst switches.

use super::{cisco_tail, pick_str, plural, Drawn, Profile, Rejected};
use crate::console::{Cmd, Mode};
use crate::devices::{Behaviour, Erase, Identity, Uptime};
use crate::rng::Rng;
use crate::template::render;

pub static PROFILE: Profile = Profile {
    behaviour: BEHAVIOUR,
    roles: &["wan", "access", "edge"],
    draw,
    shows_hostname: true,
    reported_version: super::as_printed,
    uptime: |d| uptime(d.uptime),
    version_output,
    banner,
    prompt,
    commands: ALL_COMMANDS,
    rejected,
};

/// IOS-XE's too: the same SSH server and terminal.
pub const BEHAVIOUR: Behaviour = Behaviour {
    server_id: "SSH-2.0-Cisco-1.25",
    exec: true,
    enable: true,
    pager: " --More-- ",
    erase: Erase::Backspaces,
    exec_crlf: true,
    abbreviations: true,
};

fn draw(r: &mut Rng) -> Drawn {
    let (model, versions): (&str, &[&str]) = *r.pick(&[
        ("CISCO2911/K9", &["15.2(4)M7", "15.7(3)M8", "15.9(3)M6"][..]),
        ("CISCO3945/K9", &["15.4(3)M10", "15.7(3)M5"][..]),
        ("WS-C2960X-48FPD-L", &["15.2(7)E4", "15.2(4)E10"][..]),
        ("WS-C3750X-48P-S", &["15.0(2)SE11", "15.2(4)E10"][..]),
    ]);
    let prefix = if model.starts_with("WS-") {
        "FOC"
    } else {
        "FTX"
    };
    let version = pick_str(r, versions);
    let serial = format!("{prefix}{}{}", r.digits(4), r.upper_alnum(4));
    Drawn::new(model.to_string(), version, serial)
}

/// `1 year, 3 weeks, 2 days, 11 hours, 12 minutes`: IOS and IOS-XE.
pub fn uptime(u: Uptime) -> String {
    let mut parts = Vec::new();
    if u.weeks >= 52 {
        parts.push(plural(u.weeks / 52, "year"));
        if !u.weeks.is_multiple_of(52) {
            parts.push(plural(u.weeks % 52, "week"));
        }
    } else if u.weeks > 0 {
        parts.push(plural(u.weeks, "week"));
    }
    parts.push(plural(u.days, "day"));
    parts.push(plural(u.hours, "hour"));
    parts.push(plural(u.minutes, "minute"));
    parts.join(", ")
}

fn version_output(d: &Identity, r: &mut Rng) -> String {
    let switch = d.model.starts_with("WS-");
    let image = if switch {
        let fam = d
            .model
            .trim_start_matches("WS-")
            .split('-')
            .next()
            .unwrap_or("C2960X");
        format!("{fam}-UNIVERSALK9-M")
    } else {
        let digit = d
            .model
            .trim_start_matches("CISCO")
            .chars()
            .next()
            .unwrap_or('2');
        format!("C{digit}900-UNIVERSALK9-M")
    };
    let family = image.split('-').next().unwrap_or("C2900");
    let copyright = r.range(16, 22);
    let compiled = [r.range(1, 9), r.range(6, 9), r.range(1, 9), r.range(0, 9)];
    let restart = [r.range(1, 9), r.range(0, 9), r.range(0, 9), r.range(10, 28)];
    let memory = r.range(400, 900) * 1024;
    let io_memory = r.range(30, 70) * 1024;
    let (tail, the_box) = if switch {
        let tail = cisco_tail(r, &[("Virtual Ethernet", 1), ("Gigabit Ethernet", 52)]);
        let mac = format!(
            "{:02X}:{:02X}:{:02X}",
            r.range(0, 255),
            r.range(0, 255),
            r.range(0, 255)
        );
        let board = r.digits(4);
        let board_revision = r.range(1, 9);
        let the_box = render(
            include_str!("../../templates/cisco_ios_switch.txt"),
            &[
                ("mac", &mac),
                ("board", &board),
                ("board_revision", &board_revision),
                ("model", &d.model),
                ("serial", &d.serial),
                ("version", &d.version),
                ("image", &image),
            ],
        );
        (tail, the_box)
    } else {
        let tail = cisco_tail(r, &[("Gigabit Ethernet", 3), ("terminal line", 1)]);
        let the_box = render(
            include_str!("../../templates/cisco_ios_router.txt"),
            &[("model", &d.model), ("serial", &d.serial)],
        );
        (tail, the_box)
    };
    render(
        include_str!("../../templates/cisco_ios.txt"),
        &[
            ("family", &family),
            ("image", &image),
            ("version", &d.version),
            ("copyright", &copyright),
            ("compiled_day", &compiled[0]),
            ("compiled_year", &compiled[1]),
            ("compiled_hour", &compiled[2]),
            ("compiled_minute", &compiled[3]),
            ("hostname", &d.hostname),
            ("uptime", &d.expect_uptime()),
            ("restart_hour", &restart[0]),
            ("restart_minute", &restart[1]),
            ("restart_second", &restart[2]),
            ("restart_day", &restart[3]),
            ("image_file", &image.trim_end_matches("-M").to_lowercase()),
            ("image_version", &compact_version(&d.version)),
            ("model", &d.model),
            ("memory", &memory),
            ("io_memory", &io_memory),
            ("serial", &d.serial),
            ("tail", &tail),
            ("box", &the_box),
        ],
    )
}

/// `15.2(4)M7` as IOS image file names spell it: `152-4.M7`.
fn compact_version(v: &str) -> String {
    match v.split_once('(') {
        Some((train, rest)) => {
            let (rebuild, tail) = rest.split_once(')').unwrap_or((rest, ""));
            format!("{}-{rebuild}.{tail}", train.replace('.', ""))
        }
        None => v.to_string(),
    }
}

/// The version command and the terminal settings IOS, NX-OS, IOS-XR, EOS and ProCurve share.
pub const SHOW_AND_TERMINAL: &[(&str, Cmd)] = &[
    ("show version", Cmd::Version),
    ("terminal length <n>", Cmd::PageLen),
    ("terminal width <n>", Cmd::Width),
];

/// Configuration mode and leaving, as the Cisco-like CLIs have them.
pub const CONFIG_AND_EXIT: &[(&str, Cmd)] = &[
    ("configure terminal", Cmd::ConfigEnter),
    ("end", Cmd::End),
    ("exit", Cmd::Exit),
    ("logout", Cmd::Exit),
];

/// IOS's and IOS-XE's command table.
pub const ALL_COMMANDS: &[&[(&str, Cmd)]] = &[SHOW_AND_TERMINAL, COMMANDS, CONFIG_AND_EXIT];

/// Before `CONFIG_AND_EXIT`: `en` is `enable`, not `end`.
const COMMANDS: &[(&str, Cmd)] = &[
    ("terminal monitor", Cmd::Quiet),
    ("terminal no monitor", Cmd::Quiet),
    ("enable", Cmd::Enable),
    ("disable", Cmd::Disable),
    ("quit", Cmd::Exit),
];

/// The login banner IOS, IOS-XE and ASA devices are configured with here.
pub fn banner(_: &Identity) -> String {
    include_str!("../../templates/cisco_ios_banner.txt").to_string()
}

/// `host>`, `host#`, `host(config)#`: IOS, IOS-XE, NX-OS, ASA, EOS.
pub fn prompt(d: &Identity, _: &str, mode: Mode) -> String {
    let h = &d.hostname;
    match mode {
        Mode::Config => format!("{h}(config)#"),
        Mode::User => format!("{h}>"),
        Mode::Privileged => format!("{h}#"),
    }
}

/// IOS, IOS-XE and IOS-XR: a caret under the bad word, then the message.
pub fn rejected(r: &Rejected) -> String {
    format!("{}% Invalid input detected at '^' marker.\n\n", r.caret)
}
