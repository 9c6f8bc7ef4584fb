//! Arista EOS switches.

use super::{pick_str, plural, Drawn, Profile};
use crate::devices::{Behaviour, Erase, Identity};
use crate::rng::Rng;
use crate::template::render;
use std::fmt::Write as _;

pub static PROFILE: Profile = Profile {
    behaviour: Behaviour {
        server_id: "SSH-2.0-OpenSSH_7.8",
        exec: true,
        enable: true,
        pager: " --More-- ",
        erase: Erase::Backspaces,
        exec_crlf: true,
        abbreviations: true,
    },
    roles: &["leaf", "spine"],
    draw,
    shows_hostname: false,
    reported_version: super::as_printed,
    uptime,
    version_output,
};

fn draw(r: &mut Rng) -> Drawn {
    let model = pick_str(
        r,
        &[
            "DCS-7050SX3-48YC8-R",
            "DCS-7280SR-48C6-F",
            "DCS-7020TR-48-R",
            "CCS-720XP-48ZC2-F",
        ],
    );
    let version = pick_str(r, &["4.24.5M", "4.26.4M", "4.27.3F", "4.28.3M", "4.30.1F"]);
    let serial = format!("JPE{}", r.digits(8));
    Drawn {
        model,
        version,
        serial,
        virtual_chassis: false,
    }
}

fn uptime(d: &Identity) -> String {
    let u = d.uptime;
    let mut s = String::new();
    if u.weeks > 0 {
        let _ = write!(s, "{}, ", plural(u.weeks, "week"));
    }
    let _ = write!(
        s,
        "{}, {} and {}",
        plural(u.days, "day"),
        plural(u.hours, "hour"),
        plural(u.minutes, "minute")
    );
    s
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
