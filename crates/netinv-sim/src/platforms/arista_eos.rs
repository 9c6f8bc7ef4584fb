//! Arista EOS switches.

use super::{cisco_ios, pick_str, Drawn, Profile};
use crate::console::Cmd;
use crate::devices::{Behaviour, Identity};
use crate::rng::Rng;
use crate::template::render;

pub static PROFILE: Profile = Profile {
    behaviour: Behaviour {
        server_id: "SSH-2.0-OpenSSH_7.8",
        ..cisco_ios::BEHAVIOUR
    },
    roles: &["leaf", "spine"],
    draw,
    shows_hostname: false,
    reported_version: super::as_printed,
    uptime,
    version_output,
    banner: |_| include_str!("../../templates/arista_eos_banner.txt").to_string(),
    prompt: cisco_ios::prompt,
    commands: &[
        cisco_ios::SHOW_AND_TERMINAL,
        COMMANDS,
        cisco_ios::CONFIG_AND_EXIT,
    ],
    rejected: |r| {
        let token = r.line[..r.word_at].split_whitespace().count() + 1;
        format!("% Invalid input (at token {token}: '{}')\n", r.bad())
    },
};

const MODELS: &[&str] = &[
    "DCS-7050SX3-48YC8-R",
    "DCS-7280SR-48C6-F",
    "DCS-7020TR-48-R",
    "CCS-720XP-48ZC2-F",
];
const VERSIONS: &[&str] = &["4.24.5M", "4.26.4M", "4.27.3F", "4.28.3M", "4.30.1F"];

fn draw(r: &mut Rng) -> Drawn {
    let model = pick_str(r, MODELS);
    let version = pick_str(r, VERSIONS);
    let serial = format!("JPE{}", r.digits(8));
    Drawn::new(model, version, serial)
}

/// `2 weeks, 3 days, 11 hours and 12 minutes`.
fn uptime(d: &Identity) -> String {
    super::spelt_out(d.uptime, ", ", ", ", " and ")
}

fn version_output(d: &Identity, r: &mut Rng) -> String {
    let hardware = [r.range(0, 2), r.range(0, 9)];
    let mac = format!("444c.a8{:02x}.{:04x}", r.range(0, 255), r.range(0, 65535));
    let build = r.digits(8);
    let build_id = format!(
        "{}-{}-{}-{}-{}",
        r.hex(8),
        r.hex(4),
        r.hex(4),
        r.hex(4),
        r.hex(12)
    );
    let total_memory = r.range(8_000_000, 32_000_000);
    render(
        include_str!("../../templates/arista_eos.txt"),
        &[
            ("model", &d.model),
            ("hardware_major", &hardware[0]),
            ("hardware_minor", &hardware[1]),
            ("serial", &d.serial),
            ("mac", &mac),
            ("version", &d.version),
            ("build", &build),
            ("compact_version", &d.version.replace('.', "")),
            ("build_id", &build_id),
            ("uptime", &d.expect_uptime()),
            ("total_memory", &total_memory),
            ("free_memory", &(total_memory / 3)),
        ],
    )
}

/// Before `CONFIG_AND_EXIT`: `en` is `enable`, not `end`.
const COMMANDS: &[(&str, Cmd)] = &[
    ("terminal monitor", Cmd::Quiet),
    ("enable", Cmd::Enable),
    ("disable", Cmd::Disable),
    ("configure", Cmd::ConfigEnter),
    ("quit", Cmd::Exit),
];
