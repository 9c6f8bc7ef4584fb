//! Aruba AOS-CX switches (ArubaOS-CX before release 10.13).

use super::{hp_procurve, pick_str, Drawn, Profile};
use crate::console::Cmd;
use crate::devices::{Behaviour, Identity};
use crate::rng::Rng;
use crate::template::render;

pub static PROFILE: Profile = Profile {
    // ProCurve's terminal, on OpenSSH.
    behaviour: Behaviour {
        server_id: "SSH-2.0-OpenSSH_8.4",
        ..hp_procurve::BEHAVIOUR
    },
    roles: &["access", "core"],
    draw,
    shows_hostname: false,
    reported_version: super::as_printed,
    uptime: super::no_uptime,
    version_output,
    banner: |_| String::new(),
    prompt: hp_procurve::prompt,
    commands: &[&[
        ("show version", Cmd::Version),
        ("no page", Cmd::PagingOff),
        ("page", Cmd::PagingOn),
        ("enable", Cmd::Enable),
        ("disable", Cmd::Disable),
        ("configure terminal", Cmd::ConfigEnter),
        ("configure", Cmd::ConfigEnter),
        ("end", Cmd::End),
        ("exit", Cmd::Exit),
    ]],
    rejected: hp_procurve::rejected,
};

const VERSIONS: &[&str] = &[
    "FL.10.09.1031",
    "FL.10.10.1040",
    "GL.10.11.1021",
    "HL.10.15.1020",
    "PL.10.13.1005",
];

fn draw(r: &mut Rng) -> Drawn {
    let version = pick_str(r, VERSIONS);
    Drawn::new(String::new(), version, String::new())
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
