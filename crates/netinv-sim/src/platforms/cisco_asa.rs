//! Cisco ASA firewalls.

use super::{cisco_ios, pick_str, Drawn, Profile};
use crate::console::Cmd;
use crate::devices::{Behaviour, Erase, Identity};
use crate::rng::Rng;
use crate::template::render;
use std::fmt::Display;

pub static PROFILE: Profile = Profile {
    behaviour: Behaviour {
        server_id: "SSH-2.0-Cisco-1.25",
        exec: false,
        enable: true,
        pager: "<--- More --->",
        erase: Erase::CarriageReturn,
        exec_crlf: true,
        abbreviations: true,
    },
    roles: &["fw"],
    draw,
    shows_hostname: true,
    reported_version: super::as_printed,
    uptime: |d| format!("{} days {} hours", d.uptime.total_days(), d.uptime.hours),
    version_output,
    banner: cisco_ios::banner,
    prompt: cisco_ios::prompt,
    commands: &[COMMANDS, cisco_ios::CONFIG_AND_EXIT],
    rejected: |r| {
        format!(
            "{}ERROR: % Invalid input detected at '^' marker.\n",
            r.caret
        )
    },
};

const MODELS: &[&str] = &["ASA5516", "ASA5525", "ASA5545", "ASA5555"];
const VERSIONS: &[&str] = &["9.8(4)45", "9.12(4)37", "9.14(3)18", "9.16(3)19"];

fn draw(r: &mut Rng) -> Drawn {
    let model = pick_str(r, MODELS);
    let version = pick_str(r, VERSIONS);
    let serial = format!("JAD{}{}", r.digits(4), r.upper_alnum(4));
    Drawn::new(model, version, serial)
}

fn version_output(d: &Identity, r: &mut Rng) -> String {
    let ssp_major = r.range(6, 12);
    let ssp_minor = r.range(100, 300);
    let asdm = r.range(2, 8);
    let compiled_day = r.range(0, 9);
    let macs: Vec<String> = (0..8)
        .map(|_| format!("{:02x}.{:04x}", r.range(0, 255), r.range(0, 65535)))
        .collect();
    let image = d.version.replace(['(', ')', '.'], "-");
    let image = image.trim_end_matches('-');
    let uptime = d.expect_uptime();
    let mut values: Vec<(&str, &dyn Display)> = vec![
        ("version", &d.version),
        ("ssp_major", &ssp_major),
        ("ssp_minor", &ssp_minor),
        ("asdm", &asdm),
        ("compiled_day", &compiled_day),
        ("image", &image),
        ("hostname", &d.hostname),
        ("uptime", &uptime),
        ("model", &d.model),
        ("serial", &d.serial),
    ];
    const MAC: [&str; 8] = [
        "mac0", "mac1", "mac2", "mac3", "mac4", "mac5", "mac6", "mac7",
    ];
    values.extend(MAC.iter().zip(&macs).map(|(k, v)| (*k, v as &dyn Display)));
    render(include_str!("../../templates/cisco_asa.txt"), &values)
}

/// Before `CONFIG_AND_EXIT`: `en` is `enable`, not `end`.
const COMMANDS: &[(&str, Cmd)] = &[
    ("show version", Cmd::Version),
    ("terminal pager <n>", Cmd::PageLen),
    ("terminal pager lines <n>", Cmd::PageLen),
    ("terminal width <n>", Cmd::Width),
    ("enable", Cmd::Enable),
    ("disable", Cmd::Disable),
    ("quit", Cmd::Exit),
];
