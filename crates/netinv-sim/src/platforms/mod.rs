//! One file per simulated platform, each holding what the platform is: its SSH behaviour, how
//! its devices' identities are drawn, what its version output shows and the output itself, its
//! banner, prompt, command table and error message (the long texts from `templates/`).

use crate::console::{Cmd, Mode};
use crate::devices::{Behaviour, Identity, Uptime};
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
mod dell_os10;
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

impl Drawn {
    /// A device that is no virtual chassis.
    fn new(model: String, version: String, serial: String) -> Drawn {
        Drawn {
            model,
            version,
            serial,
            virtual_chassis: false,
        }
    }

    /// A model and a version drawn from these, no serial.
    fn picked(r: &mut Rng, models: &[&str], versions: &[&str]) -> Drawn {
        let model = pick_str(r, models);
        Drawn::new(model, pick_str(r, versions), String::new())
    }
}

/// Everything one simulated platform is: what the console and the SSH server do the same for
/// every platform is theirs.
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
    /// What its shell prints between login and the first prompt.
    pub banner: fn(&Identity) -> String,
    /// Its prompt in a mode (for the login name given), without decoration.
    pub prompt: fn(&Identity, &str, Mode) -> String,
    /// The commands its CLI knows, in groups (the order matters where an abbreviation could
    /// name two): patterns of literal words, `<n>` (a number) or `<w>` (any word).
    pub commands: &'static [&'static [(&'static str, Cmd)]],
    /// Its error for a line it does not understand.
    pub rejected: fn(&Rejected) -> String,
}

/// A line the CLI did not understand, as its error message needs it.
pub struct Rejected<'a> {
    /// The line as typed.
    pub line: &'a str,
    /// Byte offset of the first word no command has at that place.
    pub word_at: usize,
    /// The `^` line under that word.
    pub caret: String,
}

impl Rejected<'_> {
    /// The line's first word.
    pub fn first(&self) -> &str {
        self.line.split_whitespace().next().unwrap_or(self.line)
    }

    /// The first word the CLI did not understand.
    pub fn bad(&self) -> &str {
        self.line[self.word_at..]
            .split_whitespace()
            .next()
            .unwrap_or(self.first())
    }
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
        DellOs10 => &dell_os10::PROFILE,
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

/// `text` for an uptime's weeks, or nothing when there are none.
fn weeks(u: Uptime, text: impl FnOnce(u32) -> String) -> String {
    if u.weeks > 0 {
        text(u.weeks)
    } else {
        String::new()
    }
}

/// `2 weeks<after_weeks>3 days<between>11 hours<last>12 minutes`, the weeks only when there
/// are some: IOS-XR's and EOS's uptime.
fn spelt_out(u: Uptime, after_weeks: &str, between: &str, last: &str) -> String {
    format!(
        "{}{}{between}{}{last}{}",
        weeks(u, |w| format!("{}{after_weeks}", plural(w, "week"))),
        plural(u.days, "day"),
        plural(u.hours, "hour"),
        plural(u.minutes, "minute")
    )
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
