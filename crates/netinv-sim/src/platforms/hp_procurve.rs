//! HP ProCurve / ArubaOS-Switch.

use super::{cisco_ios, pick_str, Drawn, Profile, Rejected};
use crate::console::{Cmd, Mode};
use crate::devices::{Behaviour, Erase, Identity};
use crate::rng::Rng;
use crate::template::render;

pub static PROFILE: Profile = Profile {
    behaviour: BEHAVIOUR,
    roles: &["sw"],
    draw,
    shows_hostname: false,
    reported_version: super::as_printed,
    uptime: super::no_uptime,
    version_output,
    banner: |d| {
        render(
            include_str!("../../templates/hp_procurve_banner.txt"),
            &[("version", &d.version)],
        )
    },
    prompt,
    commands: &[
        cisco_ios::SHOW_AND_TERMINAL,
        COMMANDS,
        cisco_ios::CONFIG_AND_EXIT,
    ],
    rejected,
};

/// AOS-CX's too, but for the SSH server.
pub const BEHAVIOUR: Behaviour = Behaviour {
    server_id: "SSH-2.0-Mocana SSH 6.3",
    exec: false,
    enable: true,
    pager: "-- MORE --, next page: Space, next line: Enter, quit: Control-C",
    erase: Erase::CarriageReturn,
    exec_crlf: true,
    abbreviations: true,
};

const VERSIONS: &[&str] = &[
    "WB.16.10.0012",
    "KB.16.08.0001",
    "YA.16.11.0005",
    "K.15.18.0013",
    "WC.16.11.0008",
];

fn draw(r: &mut Rng) -> Drawn {
    let version = pick_str(r, VERSIONS);
    Drawn::new(String::new(), version, String::new())
}

fn version_output(d: &Identity, r: &mut Rng) -> String {
    let built_day = r.range(10, 28);
    let built_hour = r.range(0, 9);
    let build = r.range(100, 2000);
    let rom = r.range(1, 9);
    render(
        include_str!("../../templates/hp_procurve.txt"),
        &[
            ("built_day", &built_day),
            ("built_hour", &built_hour),
            ("version", &d.version),
            ("build", &build),
            ("train", &d.version.split('.').next().unwrap_or("WB")),
            ("rom", &rom),
        ],
    )
}

/// Before `CONFIG_AND_EXIT`: `en` is `enable`, not `end`.
const COMMANDS: &[(&str, Cmd)] = &[
    ("no page", Cmd::PagingOff),
    ("page", Cmd::PagingOn),
    ("enable", Cmd::Enable),
    ("disable", Cmd::Disable),
    ("configure", Cmd::ConfigEnter),
];

/// `host> `, `host# `, `host(config)# `: ProCurve and AOS-CX.
pub fn prompt(d: &Identity, _: &str, mode: Mode) -> String {
    let h = &d.hostname;
    match mode {
        Mode::Config => format!("{h}(config)# "),
        Mode::User => format!("{h}> "),
        Mode::Privileged => format!("{h}# "),
    }
}

/// ProCurve and AOS-CX name the word they did not understand.
pub fn rejected(r: &Rejected) -> String {
    format!("Invalid input: {}\n", r.bad())
}
