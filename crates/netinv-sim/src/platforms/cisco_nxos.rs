//! Cisco NX-OS: Nexus 9000 switches.

use super::{cisco_ios, pick_str, Drawn, Profile};
use crate::console::Cmd;
use crate::devices::{Behaviour, Identity};
use crate::rng::Rng;
use crate::template::render;

pub static PROFILE: Profile = Profile {
    behaviour: Behaviour {
        server_id: "SSH-2.0-OpenSSH_8.3",
        enable: false,
        ..cisco_ios::BEHAVIOUR
    },
    roles: &["leaf", "spine"],
    draw,
    shows_hostname: true,
    reported_version: super::as_printed,
    uptime: |d| {
        let u = d.uptime;
        format!(
            "{} day(s), {} hour(s), {} minute(s), {} second(s)",
            u.total_days(),
            u.hours,
            u.minutes,
            u.seconds
        )
    },
    version_output,
    banner: |_| include_str!("../../templates/cisco_nxos_banner.txt").to_string(),
    prompt: cisco_ios::prompt,
    commands: &[
        cisco_ios::SHOW_AND_TERMINAL,
        &[("terminal session-timeout <n>", Cmd::Quiet)],
        cisco_ios::CONFIG_AND_EXIT,
    ],
    rejected: |r| format!("{}% Invalid command at '^' marker.\n\n", r.caret),
};

const MODELS: &[&str] = &["C93180YC-EX", "C9336C-FX2", "C93240YC-FX2", "C9364C"];
const VERSIONS: &[&str] = &["7.0(3)I7(9)", "9.3(8)", "9.3(10)", "10.2(5)"];

fn draw(r: &mut Rng) -> Drawn {
    let model = pick_str(r, MODELS);
    let version = pick_str(r, VERSIONS);
    let serial = format!("FDO{}{}", r.digits(5), r.upper_alnum(3));
    Drawn::new(model, version, serial)
}

fn version_output(d: &Identity, r: &mut Rng) -> String {
    let dotted = d
        .version
        .replace(['(', ')'], ".")
        .trim_end_matches('.')
        .replace("..", ".");
    let image = if d.version.starts_with("10.") {
        format!("nxos64-cs.{dotted}.M.bin")
    } else {
        format!("nxos.{dotted}.bin")
    };
    let bios = r.range(0, 7);
    let compiled_hour = r.range(0, 3);
    let memory = r.range(16_000_000, 32_000_000);
    let bootflash = r.range(50_000_000, 120_000_000);
    render(
        include_str!("../../templates/cisco_nxos.txt"),
        &[
            ("bios", &bios),
            ("version", &d.version),
            ("image", &image),
            ("compiled_hour", &compiled_hour),
            ("model", &d.model),
            ("memory", &memory),
            ("serial", &d.serial),
            ("hostname", &d.hostname),
            ("bootflash", &bootflash),
            ("uptime", &d.expect_uptime()),
        ],
    )
}
