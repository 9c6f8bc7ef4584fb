//! Per-platform knowledge. Each `<vendor>.rs` holds one declarative `Spec` per platform (names,
//! prompts, detection, paging, errors, enable, version command, parser); this module keeps the
//! types, the registry in detection order, and the one cache of their compiled patterns.

mod arista;
mod aruba;
mod cisco;
mod dell;
mod fortinet;
mod hp;
mod huawei;
mod juniper;
mod linux;
mod mikrotik;
mod paloalto;
pub mod text;

use regex::Regex;
use serde::Serialize;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

/// The platforms netinv knows, named as Netmiko's `device_type` so inventories carry over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    /// Cisco IOS (classic).
    CiscoIos,
    /// Cisco IOS-XE.
    CiscoXe,
    /// Cisco NX-OS.
    CiscoNxos,
    /// Cisco IOS-XR.
    CiscoXr,
    /// Cisco ASA.
    CiscoAsa,
    /// Arista EOS.
    AristaEos,
    /// Juniper Junos.
    JuniperJunos,
    /// HP ProCurve / ArubaOS-Switch.
    HpProcurve,
    /// Huawei VRP.
    Huawei,
    /// Palo Alto PAN-OS.
    PaloaltoPanos,
    /// Fortinet FortiOS.
    Fortinet,
    /// MikroTik RouterOS.
    MikrotikRouteros,
    /// Linux (any distribution).
    Linux,
    /// Aruba AOS-CX.
    ArubaAoscx,
    /// Dell OS10.
    DellOs10,
}

/// Every platform's description, in detection order: the most specific signature first (XR
/// and XE before plain IOS, everything before Linux, whose output can quote anything).
pub static REGISTRY: [&Spec; Platform::ALL.len()] = [
    &cisco::ASA,
    &cisco::NXOS,
    &cisco::XR,
    &cisco::XE,
    &cisco::IOS,
    &arista::EOS,
    &juniper::JUNOS,
    &huawei::VRP,
    &hp::PROCURVE,
    &aruba::AOSCX,
    &dell::OS10,
    &paloalto::PANOS,
    &fortinet::FORTIOS,
    &mikrotik::ROUTEROS,
    &linux::LINUX,
];

impl Platform {
    /// Every platform, in the order names are listed and fleets are assigned.
    pub const ALL: [Platform; 15] = [
        Platform::CiscoIos,
        Platform::CiscoXe,
        Platform::CiscoNxos,
        Platform::CiscoXr,
        Platform::CiscoAsa,
        Platform::AristaEos,
        Platform::JuniperJunos,
        Platform::HpProcurve,
        Platform::Huawei,
        Platform::PaloaltoPanos,
        Platform::Fortinet,
        Platform::MikrotikRouteros,
        Platform::Linux,
        Platform::ArubaAoscx,
        Platform::DellOs10,
    ];

    /// The Netmiko `device_type` name.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// This platform's description.
    pub fn spec(self) -> &'static Spec {
        match self {
            Platform::CiscoIos => &cisco::IOS,
            Platform::CiscoXe => &cisco::XE,
            Platform::CiscoNxos => &cisco::NXOS,
            Platform::CiscoXr => &cisco::XR,
            Platform::CiscoAsa => &cisco::ASA,
            Platform::AristaEos => &arista::EOS,
            Platform::JuniperJunos => &juniper::JUNOS,
            Platform::HpProcurve => &hp::PROCURVE,
            Platform::Huawei => &huawei::VRP,
            Platform::PaloaltoPanos => &paloalto::PANOS,
            Platform::Fortinet => &fortinet::FORTIOS,
            Platform::MikrotikRouteros => &mikrotik::ROUTEROS,
            Platform::Linux => &linux::LINUX,
            Platform::ArubaAoscx => &aruba::AOSCX,
            Platform::DellOs10 => &dell::OS10,
        }
    }

    /// Parse a version command's output into facts; fields not present are `None`, never guessed.
    pub fn parse(self, output: &str) -> Facts {
        (self.spec().parse)(output)
    }

    /// The compiled `prompt` pattern.
    pub fn prompt(self) -> &'static Regex {
        &compiled(self, Kind::Prompt)[0]
    }

    /// The compiled `prompt_shapes`.
    pub fn prompt_shapes(self) -> &'static [Regex] {
        compiled(self, Kind::Shapes)
    }

    /// The compiled `pager` patterns.
    pub fn pagers(self) -> &'static [Regex] {
        compiled(self, Kind::Pager)
    }

    /// The compiled user-mode prompt of `enable`, for platforms that have one.
    pub fn user_prompt(self) -> Option<&'static Regex> {
        compiled(self, Kind::UserPrompt).first()
    }

    /// The first line of `output` that shows the device rejected the command, if any: the
    /// earliest place any of the platform's `errors` matches.
    pub fn rejection(self, output: &str) -> Option<&str> {
        let at = compiled(self, Kind::Errors)
            .iter()
            .filter_map(|re| re.find(output))
            .map(|m| m.start())
            .min()?;
        let start = output[..at].rfind('\n').map_or(0, |i| i + 1);
        let end = output[at..].find('\n').map_or(output.len(), |i| at + i);
        Some(output[start..end].trim())
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Platform {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// The error for a platform name netinv does not know; lists the names it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPlatform(pub String);

impl fmt::Display for UnknownPlatform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let known: Vec<&str> = Platform::ALL.iter().map(|p| p.name()).collect();
        write!(
            f,
            "unknown platform '{}' (known: {}, or autodetect)",
            self.0,
            known.join(", ")
        )
    }
}

impl std::error::Error for UnknownPlatform {}

impl FromStr for Platform {
    type Err = UnknownPlatform;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        Platform::ALL
            .iter()
            .copied()
            .find(|p| p.name() == wanted || p.spec().aliases.contains(&wanted.as_str()))
            .ok_or_else(|| UnknownPlatform(s.trim().to_string()))
    }
}

/// What the inventory asked for: a known platform, or detect it from what the device says.
/// Empty and `autodetect` both mean `Detect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlatformChoice {
    /// This platform.
    Known(Platform),
    /// Detect it from what the device says.
    Detect,
}

impl PlatformChoice {
    /// Reads an inventory's platform value; empty and `autodetect` mean `Detect`.
    pub fn parse(s: &str) -> Result<Self, UnknownPlatform> {
        let t = s.trim();
        if t.is_empty() || t.eq_ignore_ascii_case("autodetect") {
            Ok(PlatformChoice::Detect)
        } else {
            t.parse().map(PlatformChoice::Known)
        }
    }

    /// The platform, when it is known.
    pub fn known(self) -> Option<Platform> {
        match self {
            PlatformChoice::Known(p) => Some(p),
            PlatformChoice::Detect => None,
        }
    }
}

/// How a platform treats the SSH exec channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecSupport {
    /// Exec works and is the cheapest way in.
    Preferred,
    /// The real devices refuse or mangle exec: use the interactive shell.
    ShellOnly,
}

/// How to get from user mode to privileged mode, for platforms that have the distinction.
#[derive(Debug)]
pub struct Enable {
    /// Regex a user-mode prompt matches (e.g. ends in `>`).
    pub user_prompt: &'static str,
    /// The command that enters privileged mode.
    pub command: &'static str,
}

/// One platform's declarative description, in the spirit of Oxidized's model files. Every
/// pattern is a regex, compiled once on first use (see `compiled`).
pub struct Spec {
    /// The platform this describes.
    pub platform: Platform,
    /// Netmiko device_type name.
    pub name: &'static str,
    /// Other names accepted in inventories.
    pub aliases: &'static [&'static str],
    /// Vendor and tool spellings an imported inventory may use (NetBox platform names and
    /// slugs, NAPALM drivers, Scrapli and Ansible names), as lower-case letters and digits.
    pub spellings: &'static [&'static str],
    /// The vendor, as reports name it.
    pub vendor: &'static str,
    /// The operating system, as reports name it.
    pub os: &'static str,
    /// The command whose output `parse` reads.
    pub version_command: &'static str,
    /// Whether to use the exec channel.
    pub exec: ExecSupport,
    /// Regex matching the whole last line of the buffer when the device waits for input
    /// (after ANSI codes are stripped).
    pub prompt: &'static str,
    /// Looser regexes of the prompt's shape, used to guess the platform from a prompt alone. A
    /// shape several platforms share (`SHAPE_HOST`) names them all; the fewer platforms a shape
    /// names, the sooner it is tried.
    pub prompt_shapes: &'static [&'static str],
    /// Regex that only this platform's version output (or banner, or prompt) matches; tried in
    /// `REGISTRY` order.
    pub signature: &'static str,
    /// Phrases of a login banner that name this platform outright.
    pub banner_hints: &'static [&'static str],
    /// Commands that turn paging off for this session, in order; output is read up to the prompt.
    pub paging_off: &'static [&'static str],
    /// Regexes of pager prompts that need a keypress; the driver answers with a space.
    pub pager: &'static [&'static str],
    /// Regexes that mean the device rejected the command (→ `command` error).
    pub errors: &'static [&'static str],
    /// How to enter privileged mode, for platforms that have one.
    pub enable: Option<Enable>,
    /// Turns the version command's output into facts.
    pub parse: fn(&str) -> Facts,
}

impl fmt::Debug for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Spec").field("name", &self.name).finish()
    }
}

impl Spec {
    /// The first line of `output` that shows the device rejected the command, if any.
    pub fn rejection<'t>(&self, output: &'t str) -> Option<&'t str> {
        self.platform.rejection(output)
    }
}

/// The prompt shape of most CLIs: a host name, maybe a mode in brackets, then `>` or `#`.
pub const SHAPE_HOST: &str = r"^[\w.:/@()-]+[>#]\s*$";
/// `user@host>`: Junos, and PAN-OS outside a cluster.
pub const SHAPE_USER_AT_HOST: &str = r"^[\w.-]+@[\w.-]+[>#%]\s*$";
/// The error lines of Cisco's CLI dialect, which others (Arista) speak too.
pub const CISCO_STYLE_ERRORS: &[&str] = &[
    r"(?m)^\s*% ?Invalid input",
    r"(?m)^\s*% ?Incomplete command",
    r"(?m)^\s*% ?Ambiguous command",
    r"(?m)^\s*% ?Unknown command",
    r"(?m)^\s*% ?Invalid command",
    r"(?m)^\s*% ?Bad secret",
];
/// The ` --More-- ` pager of Cisco-style CLIs.
pub const MORE_PAGER: &[&str] = &[r"-+ ?\(?[Mm][Oo][Rr][Ee]\)? ?-*\s*$"];

/// Compiles a pattern written into netinv itself (parsers, prompt and pager tables). Every such
/// pattern is compiled by the tests, so one that does not compile is a bug caught there, never
/// something input can cause.
pub fn builtin_regex(pattern: &str) -> Regex {
    Regex::new(pattern)
        .unwrap_or_else(|e| panic!("built-in pattern {pattern:?} does not compile: {e}"))
}

/// Which of a spec's pattern lists.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Prompt,
    Shapes,
    Signature,
    Pager,
    Errors,
    UserPrompt,
}

const KINDS: usize = 6;

/// The one cache of compiled spec patterns, per platform and list, each compiled on first use:
/// a Unicode `\w` under `{1,63}` costs ~60 ms to compile, so a run that talks to one platform
/// should not pay for all of them, and detection should not pay for prompts.
static COMPILED: [[OnceLock<Vec<Regex>>; KINDS]; Platform::ALL.len()] =
    [const { [const { OnceLock::new() }; KINDS] }; Platform::ALL.len()];

fn compiled(p: Platform, kind: Kind) -> &'static [Regex] {
    COMPILED[p as usize][kind as usize].get_or_init(|| {
        let s = p.spec();
        let patterns: Vec<&str> = match kind {
            Kind::Prompt => vec![s.prompt],
            Kind::Shapes => s.prompt_shapes.to_vec(),
            Kind::Signature => vec![s.signature],
            Kind::Pager => s.pager.to_vec(),
            Kind::Errors => s.errors.to_vec(),
            Kind::UserPrompt => s.enable.iter().map(|e| e.user_prompt).collect(),
        };
        patterns.into_iter().map(builtin_regex).collect()
    })
}

/// Guess the platform from a version command's output (and/or a banner or prompt) alone.
pub fn detect(output: &str) -> Option<Platform> {
    let text = text::normalise(output);
    REGISTRY
        .iter()
        .map(|s| s.platform)
        .find(|p| compiled(*p, Kind::Signature)[0].is_match(&text))
}

/// The platforms a prompt line may belong to, most likely first; empty = not a prompt of any.
/// Shapes are tried from the one that names the fewest platforms; a shape counts only for the
/// platforms whose own `prompt` agrees.
pub fn by_prompt(line: &str) -> Vec<Platform> {
    let line = line.trim_start();
    let mut shapes: Vec<(&str, Vec<Platform>)> = Vec::new();
    for p in Platform::ALL {
        for shape in p.spec().prompt_shapes {
            match shapes.iter_mut().find(|(s, _)| s == shape) {
                Some((_, ps)) => ps.push(p),
                None => shapes.push((shape, vec![p])),
            }
        }
    }
    let most = shapes.iter().map(|(_, ps)| ps.len()).max().unwrap_or(0);
    let by_count = (1..=most).flat_map(|n| shapes.iter().filter(move |(_, ps)| ps.len() == n));
    for (shape, platforms) in by_count {
        let owner = platforms[0];
        let at = owner.spec().prompt_shapes.iter().position(|s| s == shape);
        let matches = at.is_some_and(|i| owner.prompt_shapes()[i].is_match(line));
        if matches {
            let agreed: Vec<Platform> = platforms
                .iter()
                .copied()
                .filter(|p| p.prompt().is_match(line))
                .collect();
            if !agreed.is_empty() {
                return agreed;
            }
        }
    }
    Platform::ALL
        .iter()
        .copied()
        .filter(|p| p.prompt().is_match(line))
        .collect()
}

/// The platform a vendor or tool spelling names; `key` is lower-case letters and digits only.
pub fn by_spelling(key: &str) -> Option<Platform> {
    REGISTRY
        .iter()
        .find(|s| s.spellings.contains(&key))
        .map(|s| s.platform)
}

/// The first of `candidates` (in registry order) that a phrase of the login banner names.
pub fn by_banner(banner: &str, candidates: &[Platform]) -> Option<Platform> {
    REGISTRY
        .iter()
        .filter(|s| candidates.contains(&s.platform))
        .find(|s| s.banner_hints.iter().any(|h| banner.contains(h)))
        .map(|s| s.platform)
}

/// What a version command's output says about a device. Absent values stay `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Facts {
    /// The vendor.
    pub vendor: Option<String>,
    /// The operating system.
    pub os: Option<String>,
    /// The software version, as the device prints it.
    pub version: Option<String>,
    /// The hardware model.
    pub model: Option<String>,
    /// The chassis serial number.
    pub serial: Option<String>,
    /// The hostname the device reports.
    pub hostname: Option<String>,
    /// The uptime, as the device prints it.
    pub uptime: Option<String>,
    /// The software image file.
    pub image: Option<String>,
    /// Stack / virtual-chassis / multi-RE members, first one first; empty for a single unit.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Member>,
}

/// One unit of a stack or virtual chassis.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Member {
    /// The member's number or slot.
    pub id: Option<String>,
    /// The member's model.
    pub model: Option<String>,
    /// The member's serial number.
    pub serial: Option<String>,
    /// The member's software version.
    pub version: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_platform_is_described_by_its_own_spec_and_registered_once() {
        for p in Platform::ALL {
            assert_eq!(p.spec().platform, p, "{} points at another spec", p.name());
            let n = REGISTRY.iter().filter(|s| s.platform == p).count();
            assert_eq!(n, 1, "{} is in the registry {n} times", p.name());
        }
    }

    #[test]
    fn every_platform_name_round_trips_and_aliases_resolve() {
        for p in Platform::ALL {
            assert_eq!(p.name().parse::<Platform>(), Ok(p));
            assert_eq!(p.name().to_uppercase().parse::<Platform>(), Ok(p));
        }
        assert_eq!("junos".parse::<Platform>(), Ok(Platform::JuniperJunos));
        assert!("cisco_nope".parse::<Platform>().is_err());
    }

    #[test]
    fn no_two_platforms_share_a_name_or_alias() {
        let mut seen = std::collections::HashSet::new();
        for s in REGISTRY {
            for n in std::iter::once(&s.name).chain(s.aliases) {
                assert!(seen.insert(*n), "{n} names two platforms");
            }
        }
        let mut spelt = std::collections::HashSet::new();
        for s in REGISTRY {
            for k in s.spellings {
                assert!(spelt.insert(*k), "{k} spells two platforms");
                assert!(
                    k.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
                    "{}: spelling {k} is not lower-case letters and digits",
                    s.name
                );
            }
        }
    }

    #[test]
    fn empty_and_autodetect_mean_detect() {
        assert_eq!(PlatformChoice::parse(""), Ok(PlatformChoice::Detect));
        assert_eq!(
            PlatformChoice::parse(" AutoDetect "),
            Ok(PlatformChoice::Detect)
        );
    }

    #[test]
    fn a_rejected_command_is_recognised_by_its_error_line() {
        let out = "show verzion\n        ^\n% Invalid input detected at '^' marker.\n";
        assert_eq!(
            Platform::CiscoIos.rejection(out),
            Some("% Invalid input detected at '^' marker.")
        );
        assert_eq!(Platform::CiscoIos.rejection("Cisco IOS Software\n"), None);
    }

    #[test]
    fn of_two_rejection_lines_the_first_in_the_output_is_quoted() {
        let out = "% Incomplete command.\n% Invalid input detected\n";
        assert_eq!(
            Platform::CiscoIos.rejection(out),
            Some("% Incomplete command.")
        );
    }

    #[test]
    fn every_pattern_in_every_spec_compiles() {
        for s in REGISTRY {
            let all = [s.prompt, s.signature]
                .into_iter()
                .chain(s.prompt_shapes.iter().copied())
                .chain(s.pager.iter().copied())
                .chain(s.errors.iter().copied())
                .chain(s.enable.iter().map(|e| e.user_prompt));
            for re in all {
                Regex::new(re).unwrap_or_else(|e| panic!("{}: {re}: {e}", s.name));
            }
        }
    }

    #[test]
    fn detect_names_nothing_for_unrelated_text() {
        assert_eq!(detect("hello world\n"), None);
        assert_eq!(detect(""), None);
    }

    #[test]
    fn a_banner_names_a_platform_only_among_the_candidates() {
        let all = Platform::ALL;
        assert_eq!(
            by_banner("HP ProCurve Switch\n", &all),
            Some(Platform::HpProcurve)
        );
        assert_eq!(by_banner("--- JUNOS 21.4R3\n", &[Platform::CiscoIos]), None);
        assert_eq!(by_banner("Welcome\n", &all), None);
    }

    #[test]
    fn prompt_shapes_name_their_platforms() {
        let cases: &[(&str, Platform)] = &[
            ("RP/0/RSP0/CPU0:R1#", Platform::CiscoXr),
            ("[admin@R1] > ", Platform::MikrotikRouteros),
            ("<R1>", Platform::Huawei),
            ("[~R1]", Platform::Huawei),
            ("FGT-1 # ", Platform::Fortinet),
            ("FGT-1 (root) # ", Platform::Fortinet),
            ("admin@PA-1(active)> ", Platform::PaloaltoPanos),
            ("user@host:~$ ", Platform::Linux),
            ("[user@host ~]$ ", Platform::Linux),
            ("user@r1> ", Platform::JuniperJunos),
            ("R1#", Platform::CiscoIos),
            ("switch>", Platform::CiscoIos),
        ];
        for (line, want) in cases {
            assert_eq!(by_prompt(line).first(), Some(want), "{line:?}");
        }
    }

    #[test]
    fn banner_lines_are_not_prompts() {
        for line in [
            "##########################",
            "Welcome to R1#",
            "",
            "  ",
            "% Login OK >",
        ] {
            assert!(by_prompt(line).is_empty(), "{line:?}");
        }
    }
}
