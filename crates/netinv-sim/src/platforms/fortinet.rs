//! Fortinet FortiOS: FortiGate firewalls.

use super::{pick_str, Drawn, Profile};
use crate::console::{Cmd, Mode};
use crate::devices::{Behaviour, Erase, Identity};
use crate::rng::Rng;
use crate::template::render;

pub static PROFILE: Profile = Profile {
    behaviour: Behaviour {
        server_id: "SSH-2.0-xYfbYz9rM",
        exec: true,
        enable: false,
        pager: "--More-- ",
        erase: Erase::CarriageReturn,
        exec_crlf: true,
        abbreviations: false,
    },
    roles: &["fgt"],
    draw,
    shows_hostname: true,
    // Collectors report FortiOS's version without its `v`.
    reported_version: |v| v.trim_start_matches('v').to_string(),
    uptime: super::no_uptime,
    version_output,
    banner: |_| String::new(),
    prompt: |d, _, mode| match mode {
        Mode::Config => format!("{} (console) # ", d.hostname),
        _ => format!("{} # ", d.hostname),
    },
    commands: &[COMMANDS],
    rejected: |r| {
        if r.word_at == 0 {
            "Unknown action 0\n".to_string()
        } else {
            format!(
                "command parse error before '{}'\nCommand fail. Return code -61\n",
                r.bad()
            )
        }
    },
};

const VERSIONS: &[&str] = &["v6.4.11", "v7.0.7", "v7.2.4", "v7.4.1"];

fn draw(r: &mut Rng) -> Drawn {
    let (model, prefix) = *r.pick(&[
        ("FortiGate-60F", "FGT60F"),
        ("FortiGate-100F", "FG100F"),
        ("FortiGate-600E", "FG6H0E"),
        ("FortiGate-VM64", "FGVM02"),
    ]);
    let serial = format!("{prefix}TK{}{}", r.digits(4), r.upper_alnum(4));
    let version = pick_str(r, VERSIONS);
    Drawn::new(model.to_string(), version, serial)
}

/// `get system status`.
fn version_output(d: &Identity, r: &mut Rng) -> String {
    let build = r.range(100, 999);
    let build_year = r.range(1, 3);
    let virus_major = r.range(0, 9);
    let virus_minor = r.range(1000, 9999);
    let ml_model = r.range(1000, 9999);
    let bios = r.range(1, 9);
    let part = r.digits(4);
    let part_revision = r.range(1, 9);
    let branch = r.range(100, 999);
    render(
        include_str!("../../templates/fortinet.txt"),
        &[
            ("model", &d.model),
            ("version", &d.version),
            ("build", &build),
            ("build_year", &build_year),
            ("virus_major", &virus_major),
            ("virus_minor", &virus_minor),
            ("ml_model", &ml_model),
            ("serial", &d.serial),
            ("bios", &bios),
            ("part", &part),
            ("part_revision", &part_revision),
            ("hostname", &d.hostname),
            ("branch", &branch),
        ],
    )
}

const COMMANDS: &[(&str, Cmd)] = &[
    ("get system status", Cmd::Version),
    ("config system console", Cmd::ConfigEnter),
    ("set output standard", Cmd::PagingOff),
    ("set output more", Cmd::PagingOn),
    ("get system console", Cmd::ConsoleState),
    ("show full-configuration system console", Cmd::ConsoleState),
    ("end", Cmd::End),
    ("exit", Cmd::Exit),
];
