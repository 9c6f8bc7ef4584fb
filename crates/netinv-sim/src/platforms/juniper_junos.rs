//! Juniper Junos: MX routers, EX switches (in virtual chassis), SRX firewalls, QFX switches.

use super::{pick_str, Drawn, Profile};
use crate::console::{Cmd, Mode};
use crate::devices::{Behaviour, Erase, Identity};
use crate::rng::Rng;
use crate::template::render;

pub static PROFILE: Profile = Profile {
    behaviour: Behaviour {
        server_id: "SSH-2.0-OpenSSH_7.5",
        exec: true,
        enable: false,
        pager: "---(more)---",
        erase: Erase::CarriageReturn,
        exec_crlf: false,
        abbreviations: true,
    },
    roles: &["pe", "sw", "edge"],
    draw,
    shows_hostname: true,
    reported_version: super::as_printed,
    uptime: super::no_uptime,
    version_output,
    banner: |d| {
        render(
            include_str!("../../templates/juniper_junos_banner.txt"),
            &[("version", &d.version)],
        )
    },
    prompt,
    commands: &[COMMANDS],
    rejected: |r| format!("{}unknown command.\n\n", r.caret),
};

const MODELS: &[&str] = &[
    "mx204",
    "mx240",
    "mx480",
    "ex4300-48p",
    "srx345",
    "qfx5100-48s-6q",
];
const VERSIONS: &[&str] = &[
    "18.4R3-S9",
    "19.4R3-S10",
    "20.4R3-S4",
    "21.4R3-S2.3",
    "22.2R3.15",
];

fn draw(r: &mut Rng) -> Drawn {
    let model = pick_str(r, MODELS);
    let version = pick_str(r, VERSIONS);
    Drawn {
        virtual_chassis: model.starts_with("ex"),
        model,
        version,
        serial: String::new(),
    }
}

/// One member's part: a virtual chassis prints it per member, each with its own build id.
fn body(d: &Identity, r: &mut Rng) -> String {
    let build = format!(
        "20221102.{}_builder_stable_12_{}",
        r.hex(7),
        d.version.get(..4).unwrap_or("214").replace(['.', 'R'], "")
    );
    render(
        include_str!("../../templates/juniper_junos.txt"),
        &[
            ("hostname", &d.hostname),
            ("model", &d.model),
            ("version", &d.version),
            ("build", &build),
        ],
    )
}

fn version_output(d: &Identity, r: &mut Rng) -> String {
    if !d.virtual_chassis {
        return body(d, r);
    }
    (0..2)
        .map(|member| {
            render(
                include_str!("../../templates/juniper_junos_member.txt"),
                &[("member", &member), ("body", &body(d, r))],
            )
        })
        .collect()
}

const COMMANDS: &[(&str, Cmd)] = &[
    ("show version", Cmd::Version),
    ("set cli screen-length <n>", Cmd::PageLen),
    ("set cli screen-width <n>", Cmd::Width),
    ("set cli complete-on-space off", Cmd::Quiet),
    ("set cli complete-on-space on", Cmd::Quiet),
    ("set cli terminal <w>", Cmd::Quiet),
    ("configure", Cmd::ConfigEnter),
    ("exit", Cmd::Exit),
    ("quit", Cmd::Exit),
];

/// `user@host> `, `user@host# ` in configuration mode: Junos and PAN-OS.
pub fn prompt(d: &Identity, user: &str, mode: Mode) -> String {
    let mark = if mode == Mode::Config { "#" } else { ">" };
    format!("{user}@{}{mark} ", d.hostname)
}
