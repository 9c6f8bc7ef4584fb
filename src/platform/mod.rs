//! Per-platform knowledge: one small declarative description per platform (prompt, paging,
//! version command, exec support, enable, errors) and the parser that turns output into `Facts`.

mod arista;
mod cisco;
mod fortinet;
mod hp;
mod huawei;
mod juniper;
mod linux;
mod mikrotik;
mod paloalto;
pub mod text;

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// The platforms netinv knows, named as Netmiko's `device_type` so inventories carry over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    CiscoIos,
    CiscoXe,
    CiscoNxos,
    CiscoXr,
    CiscoAsa,
    AristaEos,
    JuniperJunos,
    HpProcurve,
    Huawei,
    PaloaltoPanos,
    Fortinet,
    MikrotikRouteros,
    Linux,
}

impl Platform {
    pub const ALL: [Platform; 13] = [
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
    ];

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn spec(self) -> &'static Spec {
        &SPECS[self as usize]
    }

    /// Parse a version command's output into facts; fields not present are `None`, never guessed.
    pub fn parse(self, output: &str) -> Facts {
        (self.spec().parse)(output)
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
    Known(Platform),
    Detect,
}

impl PlatformChoice {
    pub fn parse(s: &str) -> Result<Self, UnknownPlatform> {
        let t = s.trim();
        if t.is_empty() || t.eq_ignore_ascii_case("autodetect") {
            Ok(PlatformChoice::Detect)
        } else {
            t.parse().map(PlatformChoice::Known)
        }
    }

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
    pub command: &'static str,
}

/// One platform's declarative description, in the spirit of Oxidized's model files.
pub struct Spec {
    pub platform: Platform,
    /// Netmiko device_type name.
    pub name: &'static str,
    /// Other names accepted in inventories.
    pub aliases: &'static [&'static str],
    pub vendor: &'static str,
    pub os: &'static str,
    pub version_command: &'static str,
    pub exec: ExecSupport,
    /// Regex matching the whole last line of the buffer when the device waits for input
    /// (after ANSI codes are stripped).
    pub prompt: &'static str,
    /// Commands that turn paging off for this session, in order; output is read up to the prompt.
    pub paging_off: &'static [&'static str],
    /// Regexes of pager prompts that need a keypress; the driver answers with a space.
    pub pager: &'static [&'static str],
    /// Regexes that mean the device rejected the command (→ `command` error).
    pub errors: &'static [&'static str],
    pub enable: Option<Enable>,
    pub parse: fn(&str) -> Facts,
}

impl fmt::Debug for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Spec").field("name", &self.name).finish()
    }
}

/// Compiles a pattern written into netinv itself (parsers, prompt and pager tables). Every such
/// pattern is compiled by the tests, so one that does not compile is a bug caught there, never
/// something input can cause.
pub fn builtin_regex(pattern: &str) -> regex::Regex {
    regex::Regex::new(pattern)
        .unwrap_or_else(|e| panic!("built-in pattern {pattern:?} does not compile: {e}"))
}

/// What a version command's output says about a device. Absent values stay `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Facts {
    pub vendor: Option<String>,
    pub os: Option<String>,
    pub version: Option<String>,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub hostname: Option<String>,
    pub uptime: Option<String>,
    pub image: Option<String>,
    /// Stack / virtual-chassis / multi-RE members, first one first; empty for a single unit.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Member>,
}

/// One unit of a stack or virtual chassis.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Member {
    pub id: Option<String>,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub version: Option<String>,
}

impl Spec {
    /// The first line of `output` that shows the device rejected the command, if any.
    pub fn rejection<'t>(&self, output: &'t str) -> Option<&'t str> {
        let set = &ERROR_SETS[self.platform as usize];
        for re in set {
            if let Some(m) = re.find(output) {
                let start = output[..m.start()].rfind('\n').map_or(0, |i| i + 1);
                let end = output[m.start()..]
                    .find('\n')
                    .map_or(output.len(), |i| m.start() + i);
                return Some(output[start..end].trim());
            }
        }
        None
    }
}

static ERROR_SETS: std::sync::LazyLock<Vec<Vec<regex::Regex>>> = std::sync::LazyLock::new(|| {
    SPECS
        .iter()
        .map(|s| s.errors.iter().map(|re| builtin_regex(re)).collect())
        .collect()
});

/// Guess the platform from a version command's output (and/or a banner or prompt) alone.
pub fn detect(output: &str) -> Option<Platform> {
    text::detect(output)
}

const CISCO_ERRORS: &[&str] = &[
    r"(?m)^\s*% ?Invalid input",
    r"(?m)^\s*% ?Incomplete command",
    r"(?m)^\s*% ?Ambiguous command",
    r"(?m)^\s*% ?Unknown command",
    r"(?m)^\s*% ?Invalid command",
    r"(?m)^\s*% ?Bad secret",
];
const MORE: &[&str] = &[r"-+ ?\(?[Mm][Oo][Rr][Ee]\)? ?-*\s*$"];

static SPECS: [Spec; 13] = [
    Spec {
        platform: Platform::CiscoIos,
        name: "cisco_ios",
        aliases: &["ios", "cisco_ios_ssh"],
        vendor: "Cisco",
        os: "IOS",
        version_command: "show version",
        exec: ExecSupport::Preferred,
        prompt: r"^(?-u:[\w.:/@()-]){1,63}(\(config[^)]*\))?[>#]\s*$",
        paging_off: &["terminal length 0", "terminal width 511"],
        pager: MORE,
        errors: CISCO_ERRORS,
        enable: Some(Enable {
            user_prompt: r">\s*$",
            command: "enable",
        }),
        parse: cisco::parse_ios,
    },
    Spec {
        platform: Platform::CiscoXe,
        name: "cisco_xe",
        aliases: &["ios_xe", "iosxe"],
        vendor: "Cisco",
        os: "IOS-XE",
        version_command: "show version",
        exec: ExecSupport::Preferred,
        prompt: r"^(?-u:[\w.:/@()-]){1,63}(\(config[^)]*\))?[>#]\s*$",
        paging_off: &["terminal length 0", "terminal width 511"],
        pager: MORE,
        errors: CISCO_ERRORS,
        enable: Some(Enable {
            user_prompt: r">\s*$",
            command: "enable",
        }),
        parse: cisco::parse_xe,
    },
    Spec {
        platform: Platform::CiscoNxos,
        name: "cisco_nxos",
        aliases: &["nxos", "cisco_nxos_ssh"],
        vendor: "Cisco",
        os: "NX-OS",
        version_command: "show version",
        exec: ExecSupport::Preferred,
        prompt: r"^(?-u:[\w.:/@()-]){1,63}(\(config[^)]*\))?#\s*$",
        paging_off: &["terminal length 0", "terminal width 511"],
        pager: MORE,
        errors: CISCO_ERRORS,
        enable: None,
        parse: cisco::parse_nxos,
    },
    Spec {
        platform: Platform::CiscoXr,
        name: "cisco_xr",
        aliases: &["iosxr", "ios_xr"],
        vendor: "Cisco",
        os: "IOS-XR",
        version_command: "show version",
        exec: ExecSupport::Preferred,
        prompt: r"^(RP|LC)/\d+/[\w]+/CPU\d+:(?-u:[\w.:/@()-]){1,63}(\(config[^)]*\))?#\s*$",
        paging_off: &["terminal length 0", "terminal width 511"],
        pager: MORE,
        errors: CISCO_ERRORS,
        enable: None,
        parse: cisco::parse_xr,
    },
    Spec {
        platform: Platform::CiscoAsa,
        name: "cisco_asa",
        aliases: &["asa"],
        vendor: "Cisco",
        os: "ASA",
        version_command: "show version",
        exec: ExecSupport::ShellOnly,
        prompt: r"^(?-u:[\w.:/@()-]){1,63}(/[\w-]+)*(\(config[^)]*\))?[>#]\s*$",
        paging_off: &["terminal pager 0"],
        pager: &[r"<--- More --->\s*$", r"-+ ?[Mm]ore ?-*\s*$"],
        errors: &[
            r"(?m)^\s*ERROR: % Invalid input detected",
            r"(?m)^\s*ERROR: % Incomplete command",
            r"(?m)^\s*% Invalid input detected",
        ],
        enable: Some(Enable {
            user_prompt: r">\s*$",
            command: "enable",
        }),
        parse: cisco::parse_asa,
    },
    Spec {
        platform: Platform::AristaEos,
        name: "arista_eos",
        aliases: &["eos", "arista"],
        vendor: "Arista",
        os: "EOS",
        version_command: "show version",
        exec: ExecSupport::Preferred,
        prompt: r"^(?-u:[\w.:/@()-]){1,63}(\(config[^)]*\))?[>#]\s*$",
        paging_off: &["terminal length 0", "terminal width 32767"],
        pager: MORE,
        errors: CISCO_ERRORS,
        enable: Some(Enable {
            user_prompt: r">\s*$",
            command: "enable",
        }),
        parse: arista::parse_eos,
    },
    Spec {
        platform: Platform::JuniperJunos,
        name: "juniper_junos",
        aliases: &["junos", "juniper"],
        vendor: "Juniper",
        os: "Junos",
        version_command: "show version",
        exec: ExecSupport::Preferred,
        prompt: r"^([\w.-]+@)?(?-u:[\w.:/()-]){1,63}[>#%]\s*$",
        paging_off: &["set cli screen-length 0", "set cli screen-width 0"],
        pager: &[r"---\(more( \d+%)?\)---\s*$"],
        errors: &[
            r"(?m)^\s*unknown command\.",
            r"(?m)^\s*syntax error",
            r"(?m)^error: ",
        ],
        enable: None,
        parse: juniper::parse_junos,
    },
    Spec {
        platform: Platform::HpProcurve,
        name: "hp_procurve",
        aliases: &["procurve", "aruba_os", "aruba_procurve"],
        vendor: "HP",
        os: "ProCurve",
        version_command: "show version",
        exec: ExecSupport::ShellOnly,
        prompt: r"^(?-u:[\w.:/@()-]){1,63}(\(config[^)]*\))?[>#]\s*$",
        paging_off: &["no page", "terminal width 511"],
        pager: &[
            r"-- MORE --, next page: Space.*$",
            r"Press any key to continue\s*$",
        ],
        errors: &[r"(?m)^\s*Invalid input: ", r"(?m)^\s*Ambiguous input: "],
        enable: Some(Enable {
            user_prompt: r">\s*$",
            command: "enable",
        }),
        parse: hp::parse_procurve,
    },
    Spec {
        platform: Platform::Huawei,
        name: "huawei",
        aliases: &["huawei_vrp", "vrp"],
        vendor: "Huawei",
        os: "VRP",
        version_command: "display version",
        exec: ExecSupport::ShellOnly,
        prompt: r"^(<(?-u:[\w.:/@()-]){1,63}>|\[[~*]?(?-u:[\w.:/@()-]){1,63}(-[\w.:/-]+)?\])\s*$",
        paging_off: &["screen-length 0 temporary"],
        pager: &[r"-+ ?More ?-+\s*$"],
        errors: &[
            r"(?m)^\s*Error: Unrecognized command",
            r"(?m)^\s*Error: Wrong parameter",
            r"(?m)^\s*Error: Incomplete command",
        ],
        enable: None,
        parse: huawei::parse_vrp,
    },
    Spec {
        platform: Platform::PaloaltoPanos,
        name: "paloalto_panos",
        aliases: &["panos", "paloalto"],
        vendor: "Palo Alto Networks",
        os: "PAN-OS",
        version_command: "show system info",
        exec: ExecSupport::ShellOnly,
        prompt: r"^[\w.-]+@(?-u:[\w.:/()-]){1,63}(\(active|\(passive|\(suspended)?[^>#]*[>#]\s*$",
        paging_off: &["set cli pager off", "set cli scripting-mode on"],
        pager: &[r"lines \d+-\d+( \(END\))?\s*$", r"^:\s*$"],
        errors: &[r"(?m)^\s*Unknown command: ", r"(?m)^\s*Invalid syntax\."],
        enable: None,
        parse: paloalto::parse_panos,
    },
    Spec {
        platform: Platform::Fortinet,
        name: "fortinet",
        aliases: &["fortios", "fortigate"],
        vendor: "Fortinet",
        os: "FortiOS",
        version_command: "get system status",
        exec: ExecSupport::Preferred,
        prompt: r"^(?-u:[\w.:/@()-]){1,63}( \([\w.-]+\))? [#$]\s*$",
        paging_off: &[],
        pager: &[r"--More--\s*$"],
        errors: &[r"(?m)^\s*Unknown action 0", r"(?m)^\s*command parse error"],
        enable: None,
        parse: fortinet::parse_fortios,
    },
    Spec {
        platform: Platform::MikrotikRouteros,
        name: "mikrotik_routeros",
        aliases: &["routeros", "mikrotik"],
        vendor: "MikroTik",
        os: "RouterOS",
        version_command: "/system resource print",
        exec: ExecSupport::Preferred,
        prompt: r"^\[[\w.-]+@(?-u:[\w.:/()-]){1,63}\] (/[\w/-]+ )?>\s*$",
        paging_off: &[],
        pager: &[r"-- \[Q quit\|D dump\|down\]\s*$"],
        errors: &[
            r"(?m)^\s*bad command name",
            r"(?m)^\s*syntax error \(line",
            r"(?m)^\s*expected end of command",
        ],
        enable: None,
        parse: mikrotik::parse_routeros,
    },
    Spec {
        platform: Platform::Linux,
        name: "linux",
        aliases: &["linux_ssh"],
        vendor: "Linux",
        os: "Linux",
        version_command: "uname -a; cat /etc/os-release 2>/dev/null; hostname; uptime",
        exec: ExecSupport::Preferred,
        prompt: r"^[^\s]*[\w.-]+@[\w.-]+[^\n]*[$#]\s*$",
        paging_off: &["export TERM=dumb PAGER=cat", "unset PROMPT_COMMAND"],
        pager: &[],
        errors: &[r"(?m): command not found$"],
        enable: None,
        parse: linux::parse_linux,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_table_is_indexed_by_the_enum() {
        for p in Platform::ALL {
            assert_eq!(p.spec().platform, p, "SPECS out of order at {}", p.name());
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
            Platform::CiscoIos.spec().rejection(out),
            Some("% Invalid input detected at '^' marker.")
        );
        assert_eq!(
            Platform::CiscoIos.spec().rejection("Cisco IOS Software\n"),
            None
        );
    }

    #[test]
    fn every_pattern_in_the_table_compiles() {
        for p in Platform::ALL {
            let s = p.spec();
            let all = std::iter::once(s.prompt)
                .chain(s.pager.iter().copied())
                .chain(s.errors.iter().copied())
                .chain(s.enable.iter().map(|e| e.user_prompt));
            for re in all {
                regex::Regex::new(re).unwrap_or_else(|e| panic!("{}: {re}: {e}", s.name));
            }
        }
    }
}
