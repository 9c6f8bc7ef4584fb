//! Cisco IOS-XR: ASR 9000, NCS 5500, 8000 routers.

use super::{pick_str, plural, Drawn, Profile};
use crate::devices::{Behaviour, Erase, Identity};
use crate::rng::Rng;
use crate::template::render;
use std::fmt::Write as _;

pub static PROFILE: Profile = Profile {
    behaviour: Behaviour {
        server_id: "SSH-2.0-Cisco-2.0",
        exec: true,
        enable: false,
        pager: " --More-- ",
        erase: Erase::Backspaces,
        exec_crlf: true,
        abbreviations: true,
    },
    roles: &["pe", "p", "bng"],
    draw,
    shows_hostname: false,
    reported_version: super::as_printed,
    uptime,
    version_output,
};

fn draw(r: &mut Rng) -> Drawn {
    let model = pick_str(r, &["ASR9K", "NCS-5500", "8000"]);
    let version = pick_str(r, &["7.1.3", "7.3.2", "7.5.2", "7.7.2"]);
    Drawn {
        model,
        version,
        serial: String::new(),
        virtual_chassis: false,
    }
}

fn uptime(d: &Identity) -> String {
    let u = d.uptime;
    let mut s = String::new();
    if u.weeks > 0 {
        let _ = write!(s, "{} ", plural(u.weeks, "week"));
    }
    let _ = write!(
        s,
        "{} {} {}",
        plural(u.days, "day"),
        plural(u.hours, "hour"),
        plural(u.minutes, "minute")
    );
    s
}

fn version_output(d: &Identity, r: &mut Rng) -> String {
    let timestamp = format!(
        "{} {} {:>2} {:02}:{:02}:{:02}.{:03} UTC",
        r.pick(&["Mon", "Tue", "Wed", "Thu", "Fri"]),
        r.pick(&["Jan", "Feb", "Mar", "Apr", "May"]),
        r.range(1, 28),
        r.range(0, 23),
        r.range(0, 59),
        r.range(0, 59),
        r.range(0, 999)
    );
    let built_day = r.range(0, 9);
    let built_host = r.range(10, 99);
    let arch = match d.model.as_str() {
        "ASR9K" => "asr9k-x64",
        "8000" => "8000",
        _ => "ncs5500",
    };
    render(
        include_str!("../../templates/cisco_xr.txt"),
        &[
            ("timestamp", &timestamp),
            ("version", &d.version),
            ("built_day", &built_day),
            ("built_host", &built_host),
            ("arch", &arch),
            ("model", &d.model),
            ("uptime", &d.expect_uptime()),
        ],
    )
}
