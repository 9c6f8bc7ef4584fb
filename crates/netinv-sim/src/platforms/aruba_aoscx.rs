//! Aruba AOS-CX switches (ArubaOS-CX before release 10.13).

use super::{pick_str, Drawn, Profile};
use crate::devices::{Behaviour, Erase, Identity};
use crate::rng::Rng;
use crate::template::render;

pub static PROFILE: Profile = Profile {
    behaviour: Behaviour {
        server_id: "SSH-2.0-OpenSSH_8.4",
        exec: false,
        enable: true,
        pager: "-- MORE --, next page: Space, next line: Enter, quit: Control-C",
        erase: Erase::CarriageReturn,
        exec_crlf: true,
        abbreviations: true,
    },
    roles: &["access", "core"],
    draw,
    shows_hostname: false,
    reported_version: super::as_printed,
    uptime: super::no_uptime,
    version_output,
};

fn draw(r: &mut Rng) -> Drawn {
    let version = pick_str(
        r,
        &[
            "FL.10.09.1031",
            "FL.10.10.1040",
            "GL.10.11.1021",
            "HL.10.15.1020",
            "PL.10.13.1005",
        ],
    );
    Drawn {
        model: String::new(),
        version,
        serial: String::new(),
        virtual_chassis: false,
    }
}

/// `show version`: the release, its build and the boot images; nothing of the box.
fn version_output(d: &Identity, r: &mut Rng) -> String {
    let train = d.version.split('.').next().unwrap_or("FL");
    let sha: String = (0..40)
        .map(|_| char::from(b"0123456789abcdef"[r.range(0, 15) as usize]))
        .collect();
    let (year, month, day) = (2020 + r.range(0, 5), r.range(1, 12), r.range(1, 28));
    // Renamed from ArubaOS-CX in release 10.13.
    let minor: u32 = d
        .version
        .split('.')
        .nth(2)
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    let banner = if minor >= 13 { "AOS-CX" } else { "ArubaOS-CX" };
    let image = if r.range(0, 1) == 0 {
        "primary"
    } else {
        "secondary"
    };
    render(
        include_str!("../../templates/aruba_aoscx.txt"),
        &[
            ("banner", &banner),
            ("year", &year),
            ("version", &d.version),
            (
                "build_date",
                &format!("{year}-{month:02}-{day:02} 04:21:23 UTC"),
            ),
            (
                "build_id",
                &format!(
                    "{banner}:{}:{}:{year}{month:02}{day:02}0343",
                    d.version,
                    &sha[..12]
                ),
            ),
            ("sha", &sha),
            ("image", &image),
            ("train", &train),
        ],
    )
}
