//! MikroTik RouterOS.

use super::{weeks, Drawn, Profile};
use crate::console::Cmd;
use crate::devices::{Behaviour, Erase, Identity};
use crate::rng::Rng;
use crate::template::render;

pub static PROFILE: Profile = Profile {
    behaviour: Behaviour {
        server_id: "SSH-2.0-ROSSSH",
        exec: true,
        enable: false,
        pager: "-- [Q quit|D dump|down]",
        erase: Erase::CarriageReturn,
        exec_crlf: true,
        abbreviations: false,
    },
    roles: &["cpe"],
    draw: |r| Drawn::picked(r, MODELS, VERSIONS),
    shows_hostname: false,
    reported_version: super::as_printed,
    uptime,
    version_output,
    banner: |d| {
        render(
            include_str!("../../templates/mikrotik_routeros_banner.txt"),
            &[("version", &d.version)],
        )
    },
    prompt: |d, user, _| format!("[{user}@{}] > ", d.hostname),
    commands: &[&[
        ("/system resource print", Cmd::Version),
        ("system resource print", Cmd::Version),
        ("/system identity print", Cmd::Identity),
        ("system identity print", Cmd::Identity),
        ("/quit", Cmd::Exit),
        ("quit", Cmd::Exit),
    ]],
    rejected: |r| format!("bad command name {} (line 1 column 1)\n", r.first()),
};

const MODELS: &[&str] = &[
    "RB2011UiAS",
    "RB4011iGS+",
    "CCR1036-12G-4S",
    "CRS326-24G-2S+",
];
const VERSIONS: &[&str] = &["6.47.10", "6.48.6", "6.49.7", "7.6", "7.11.2"];

/// `4w2d11h12m13s`.
fn uptime(d: &Identity) -> String {
    let u = d.uptime;
    let w = weeks(u, |w| format!("{w}w"));
    format!("{w}{}d{}h{}m{}s", u.days, u.hours, u.minutes, u.seconds)
}

/// `/system resource print`.
fn version_output(d: &Identity, r: &mut Rng) -> String {
    let channel = if d.version.starts_with('6') {
        "long-term"
    } else {
        "stable"
    };
    let (cpu, architecture) = match d.model.as_str() {
        "RB2011UiAS" => ("MIPS 74Kc V4.12", "mipsbe"),
        "RB4011iGS+" => ("ARM", "arm"),
        "CCR1036-12G-4S" => ("tilegx", "tile"),
        _ => ("MIPS 24Kc V7.4", "mipsbe"),
    };
    let build_day = r.range(0, 9);
    let free_memory = format!("{}.{}", r.range(100, 800), r.range(0, 9));
    let cpu_count = *r.pick(&["1", "4", "36"]);
    let cpu_frequency = *r.pick(&["650", "1400", "1200"]);
    let cpu_load = r.range(0, 40);
    let free_hdd = format!("{}.{}", r.range(10, 100), r.range(0, 9));
    let writes = r.range(100, 99999);
    let writes_total = r.range(100_000, 9_999_999);
    render(
        include_str!("../../templates/mikrotik_routeros.txt"),
        &[
            ("uptime", &d.expect_uptime()),
            ("version", &d.version),
            ("channel", &channel),
            ("build_day", &build_day),
            ("free_memory", &free_memory),
            ("cpu", &cpu),
            ("cpu_count", &cpu_count),
            ("cpu_frequency", &cpu_frequency),
            ("cpu_load", &cpu_load),
            ("free_hdd", &free_hdd),
            ("writes", &writes),
            ("writes_total", &writes_total),
            ("architecture", &architecture),
            ("model", &d.model),
        ],
    )
}
