//! HP ProCurve / ArubaOS-Switch.

use super::{pick_str, Drawn, Profile};
use crate::devices::{Behaviour, Erase, Identity};
use crate::rng::Rng;
use crate::template::render;

pub static PROFILE: Profile = Profile {
    behaviour: Behaviour {
        server_id: "SSH-2.0-Mocana SSH 6.3",
        exec: false,
        enable: true,
        pager: "-- MORE --, next page: Space, next line: Enter, quit: Control-C",
        erase: Erase::CarriageReturn,
        exec_crlf: true,
        abbreviations: true,
    },
    roles: &["sw"],
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
            "WB.16.10.0012",
            "KB.16.08.0001",
            "YA.16.11.0005",
            "K.15.18.0013",
            "WC.16.11.0008",
        ],
    );
    Drawn {
        model: String::new(),
        version,
        serial: String::new(),
        virtual_chassis: false,
    }
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
