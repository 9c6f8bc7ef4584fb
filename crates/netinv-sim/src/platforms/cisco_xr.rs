//! Cisco IOS-XR: ASR 9000, NCS 5500, 8000 routers.

use super::{cisco_ios, Drawn, Profile};
use crate::console::{Cmd, Mode};
use crate::devices::{Behaviour, Identity};
use crate::rng::Rng;
use crate::template::render;

pub static PROFILE: Profile = Profile {
    behaviour: Behaviour {
        server_id: "SSH-2.0-Cisco-2.0",
        enable: false,
        ..cisco_ios::BEHAVIOUR
    },
    roles: &["pe", "p", "bng"],
    draw: |r| Drawn::picked(r, MODELS, VERSIONS),
    shows_hostname: false,
    reported_version: super::as_printed,
    uptime,
    version_output,
    banner: |_| "\n".to_string(),
    prompt,
    commands: &[
        cisco_ios::SHOW_AND_TERMINAL,
        &[("terminal exec prompt no-timestamp", Cmd::Quiet)],
        cisco_ios::CONFIG_AND_EXIT,
    ],
    rejected: cisco_ios::rejected,
};

const MODELS: &[&str] = &["ASR9K", "NCS-5500", "8000"];
const VERSIONS: &[&str] = &["7.1.3", "7.3.2", "7.5.2", "7.7.2"];

/// `2 weeks 3 days 11 hours 12 minutes`.
fn uptime(d: &Identity) -> String {
    super::spelt_out(d.uptime, " ", " ", " ")
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

/// `RP/0/RSP0/CPU0:host#`: the route processor's slot, then the name.
fn prompt(d: &Identity, _: &str, mode: Mode) -> String {
    let slot = if d.model == "ASR9K" { "RSP0" } else { "RP0" };
    let h = &d.hostname;
    match mode {
        Mode::Config => format!("RP/0/{slot}/CPU0:{h}(config)#"),
        _ => format!("RP/0/{slot}/CPU0:{h}#"),
    }
}
