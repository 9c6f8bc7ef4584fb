//! Huawei VRP: CloudEngine and S switches, AR routers.

use super::{plural, Drawn, Profile};
use crate::console::{Cmd, Mode};
use crate::devices::{Behaviour, Erase, Identity};
use crate::rng::Rng;
use crate::template::render;

pub static PROFILE: Profile = Profile {
    behaviour: Behaviour {
        server_id: "SSH-2.0-HUAWEI-1.5",
        exec: false,
        enable: false,
        pager: "  ---- More ----",
        erase: Erase::AnsiLeft,
        exec_crlf: true,
        abbreviations: true,
    },
    roles: &["agg", "access"],
    draw: |r| Drawn::picked(r, MODELS, VERSIONS),
    shows_hostname: false,
    reported_version: super::as_printed,
    uptime,
    version_output,
    banner: |_| include_str!("../../templates/huawei_banner.txt").to_string(),
    prompt: |d, _, mode| match mode {
        Mode::Config => format!("[{}]", d.hostname),
        _ => format!("<{}>", d.hostname),
    },
    commands: &[&[
        ("display version", Cmd::Version),
        ("screen-length <n> temporary", Cmd::PageLen),
        ("screen-width <n>", Cmd::Width),
        ("system-view", Cmd::ConfigEnter),
        ("return", Cmd::End),
        ("quit", Cmd::Exit),
    ]],
    rejected: |r| {
        format!(
            "{}Error: Unrecognized command found at '^' position.\n",
            r.caret
        )
    },
};

const MODELS: &[&str] = &["CE6850-48T6Q-HI", "S5720-28X-SI-AC", "AR2220"];
const VERSIONS: &[&str] = &[
    "V200R019C10SPC800",
    "V200R020C10SPC500",
    "V200R021C00SPC100",
    "V200R010C00SPC600",
];

fn uptime(d: &Identity) -> String {
    let u = d.uptime;
    if d.model.starts_with("CE") {
        format!(
            "{}, {}, {}",
            plural(u.total_days(), "day"),
            plural(u.hours, "hour"),
            plural(u.minutes, "minute")
        )
    } else {
        format!(
            "{} {}, {}, {}, {}",
            u.weeks,
            if u.weeks > 1 { "weeks" } else { "week" },
            plural(u.days, "day"),
            plural(u.hours, "hour"),
            plural(u.minutes, "minute")
        )
    }
}

fn version_output(d: &Identity, r: &mut Rng) -> String {
    let ce = d.model.starts_with("CE");
    let (vrp, default_series) = if ce {
        ("8.180", "CE6850")
    } else {
        ("5.170", "S5720")
    };
    let series = d.model.split('-').next().unwrap_or(default_series);
    let (copyright, chassis) = if ce {
        (
            "Copyright (C) 2012-2020 Huawei Technologies Co., Ltd.",
            format!("HUAWEI {}", d.model),
        )
    } else if d.model.starts_with('S') {
        (
            "Copyright (C) 2000-2020 HUAWEI TECH Co., Ltd.",
            format!("HUAWEI {} Routing Switch", d.model),
        )
    } else {
        (
            "Copyright (C) 2011-2020 HUAWEI TECH CO., LTD",
            format!("Huawei {} Router", d.model),
        )
    };
    let slots: String = (0..3)
        .map(|slot| {
            let pcb = format!(
                "{}VER {}",
                if ce { "CEM48T6QP02 " } else { "" },
                r.pick(&["A", "B", "C"])
            );
            let poe = r.pick(&["Yes", "No"]);
            let mcpu = r.pick(&["ST16", "P12", "HI1381"]);
            let cpld = r.range(0, 9);
            let bios = r.range(100, 400);
            render(
                include_str!("../../templates/huawei_slot.txt"),
                &[
                    ("slot", &slot),
                    ("pcb", &pcb),
                    ("poe", poe),
                    ("model", &d.model),
                    ("mcpu", mcpu),
                    ("cpld", &cpld),
                    ("bios", &bios),
                ],
            )
        })
        .collect();
    render(
        include_str!("../../templates/huawei.txt"),
        &[
            ("vrp", &vrp),
            ("series", &series),
            ("version", &d.version),
            ("copyright", &copyright),
            ("chassis", &chassis),
            ("uptime", &d.expect_uptime()),
            ("slots", &slots),
        ],
    )
}
