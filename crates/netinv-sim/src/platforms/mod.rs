//! One file per simulated platform, each holding what the platform is: its SSH behaviour, how
//! its devices' identities are drawn, what its version output shows and the output itself (from
//! the templates in `templates/`).

use crate::devices::{Behaviour, Identity};
use crate::platform::Platform;
use crate::rng::Rng;
use crate::template::render;
use std::fmt::Write as _;

mod arista_eos;
mod aruba_aoscx;
mod cisco_asa;
mod cisco_ios;
mod cisco_nxos;
mod cisco_xe;
mod cisco_xr;
mod fortinet;
mod hp_procurve;
mod huawei;
mod juniper_junos;
pub(crate) mod linux;
mod mikrotik_routeros;
mod paloalto_panos;

/// A device's hardware and software as drawn for its identity.
pub struct Drawn {
    /// The model ("" where the version output shows none).
    pub model: String,
    /// The version as the platform spells it.
    pub version: String,
    /// The serial ("" where the version output shows none).
    pub serial: String,
    /// Juniper EX virtual chassis.
    pub virtual_chassis: bool,
}

/// Everything one simulated platform is, apart from its command-line interpreter.
pub struct Profile {
    /// The SSH and terminal behaviour.
    pub behaviour: Behaviour,
    /// The roles its devices are given (the second word of their hostnames).
    pub roles: &'static [&'static str],
    /// Draws model, version and serial, in that order, from the device's generator.
    pub draw: fn(&mut Rng) -> Drawn,
    /// Whether the version output shows the configured hostname.
    pub shows_hostname: bool,
    /// The version as the common collectors report it.
    pub reported_version: fn(&str) -> String,
    /// The uptime exactly as the version output prints it ("" where it does not).
    pub uptime: fn(&Identity) -> String,
    /// The version command's output, `\n` line endings; draws its cosmetic numbers from the
    /// generator.
    pub version_output: fn(&Identity, &mut Rng) -> String,
}

/// The profile of `platform`.
pub fn profile(platform: Platform) -> &'static Profile {
    use Platform::*;
    match platform {
        CiscoIos => &cisco_ios::PROFILE,
        CiscoXe => &cisco_xe::PROFILE,
        CiscoNxos => &cisco_nxos::PROFILE,
        CiscoXr => &cisco_xr::PROFILE,
        CiscoAsa => &cisco_asa::PROFILE,
        AristaEos => &arista_eos::PROFILE,
        JuniperJunos => &juniper_junos::PROFILE,
        HpProcurve => &hp_procurve::PROFILE,
        Huawei => &huawei::PROFILE,
        PaloaltoPanos => &paloalto_panos::PROFILE,
        Fortinet => &fortinet::PROFILE,
        MikrotikRouteros => &mikrotik_routeros::PROFILE,
        Linux => &linux::PROFILE,
        ArubaAoscx => &aruba_aoscx::PROFILE,
    }
}

/// One of `items`, as an owned string.
fn pick_str(r: &mut Rng, items: &[&str]) -> String {
    (*r.pick(items)).to_string()
}

/// The version as the platform prints it: what most collectors report.
fn as_printed(version: &str) -> String {
    version.to_string()
}

/// For platforms whose version output shows no uptime.
fn no_uptime(_: &Identity) -> String {
    String::new()
}

/// `1 day`, `2 days`.
fn plural(n: u32, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// What every long Cisco output carries after the identity: interfaces, memory.
fn cisco_tail(r: &mut Rng, interfaces: &[(&str, u32)]) -> String {
    let mut lines = String::new();
    for (name, count) in interfaces {
        let _ = writeln!(lines, "{count} {name} interfaces");
    }
    let nvram = r.range(256, 2048);
    let memory = r.range(2, 16) * 1_048_576;
    let flash = r.range(1, 16) * 1_000_000 + 7;
    render(
        include_str!("../../templates/cisco_tail.txt"),
        &[
            ("interfaces", &lines),
            ("nvram", &nvram),
            ("memory", &memory),
            ("flash", &flash),
        ],
    )
}
