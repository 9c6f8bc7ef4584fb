//! Cisco IOS, IOS-XE, NX-OS, IOS-XR and ASA: their descriptions and `show version` parsers
//! (IOS and IOS-XE switch stacks included).

use super::text::{capture, facts_for, find_kv, normalise, value};
use super::{
    Enable, ExecSupport, Facts, Member, Platform, Spec, CISCO_STYLE_ERRORS, MORE_PAGER, SHAPE_HOST,
};

/// What IOS, IOS-XE, NX-OS, IOS-XR and ASA share; each of them states how it differs.
const IOS_FAMILY: Spec = Spec {
    platform: Platform::CiscoIos,
    name: "cisco_ios",
    aliases: &["ios", "cisco_ios_ssh"],
    spellings: &["ciscoios", "iosclassic"],
    vendor: "Cisco",
    os: "IOS",
    version_command: "show version",
    exec: ExecSupport::Preferred,
    prompt: r"^(?-u:[\w.:/@()-]){1,63}(\(config[^)]*\))?[>#]\s*$",
    prompt_shapes: &[SHAPE_HOST],
    signature: r"Cisco IOS Software|(?m)^IOS \(tm\)|Cisco Internetwork Operating System",
    banner_hints: &[],
    paging_off: &["terminal length 0", "terminal width 511"],
    pager: MORE_PAGER,
    errors: CISCO_STYLE_ERRORS,
    enable: Some(Enable {
        user_prompt: r">\s*$",
        command: "enable",
    }),
    parse: parse_ios,
};

/// Classic IOS: also what an IOS-XE device is taken for when its text does not say XE.
pub static IOS: Spec = IOS_FAMILY;

/// IOS-XE: IOS's CLI, told apart by its version text.
pub static XE: Spec = Spec {
    platform: Platform::CiscoXe,
    name: "cisco_xe",
    aliases: &["ios_xe", "iosxe"],
    spellings: &["ciscoiosxe", "iosxe", "ciscoxe"],
    os: "IOS-XE",
    signature: r"(?i-u:ios-xe|ios xe software|ios xe version)|_IOSXE\b|\bIOSXE\b",
    parse: parse_xe,
    ..IOS_FAMILY
};

pub static NXOS: Spec = Spec {
    platform: Platform::CiscoNxos,
    name: "cisco_nxos",
    aliases: &["nxos", "cisco_nxos_ssh"],
    spellings: &["cisconxos", "nxos", "nxosssh"],
    os: "NX-OS",
    prompt: r"^(?-u:[\w.:/@()-]){1,63}(\(config[^)]*\))?#\s*$",
    signature: r"Cisco Nexus Operating System|\bNX-OS\b|(?m)^\s*NXOS: version|(?m)^\s*NXOS image file|(?m)^\s*cisco Nexus ?\d+ .*Chassis",
    enable: None,
    parse: parse_nxos,
    ..IOS_FAMILY
};

pub static XR: Spec = Spec {
    platform: Platform::CiscoXr,
    name: "cisco_xr",
    aliases: &["iosxr", "ios_xr"],
    spellings: &["ciscoiosxr", "ciscoxr", "iosxr"],
    os: "IOS-XR",
    prompt: r"^(RP|LC)/\d+/[\w]+/CPU\d+:(?-u:[\w.:/@()-]){1,63}(\(config[^)]*\))?#\s*$",
    prompt_shapes: &[r"^(RP|LC)/\d+/\w+/CPU\d+:\S+#\s*$"],
    signature: r"Cisco IOS XR Software|\bIOS-XR\b|\bIOS XR\b",
    enable: None,
    parse: parse_xr,
    ..IOS_FAMILY
};

pub static ASA: Spec = Spec {
    platform: Platform::CiscoAsa,
    name: "cisco_asa",
    aliases: &["asa"],
    spellings: &["ciscoasa", "asa"],
    os: "ASA",
    exec: ExecSupport::ShellOnly,
    prompt: r"^(?-u:[\w.:/@()-]){1,63}(/[\w-]+)*(\(config[^)]*\))?[>#]\s*$",
    signature: r"Cisco Adaptive Security Appliance Software|(?m)^Hardware:\s+ASA",
    paging_off: &["terminal pager 0"],
    pager: &[r"<--- More --->\s*$", r"-+ ?[Mm]ore ?-*\s*$"],
    errors: &[
        r"(?m)^\s*ERROR: % Invalid input detected",
        r"(?m)^\s*ERROR: % Incomplete command",
        r"(?m)^\s*% Invalid input detected",
    ],
    parse: parse_asa,
    ..IOS_FAMILY
};
use regex::Regex;
use std::sync::LazyLock;

use super::builtin_regex as re;

/// `Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(4)E7, RELEASE`:
/// the version after the image name is the IOS (or IOS-XE 16+ train) version.
static IOS_VERSION: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?m)^[^\n]*\bSoftware\b[^\n]*\),\s*Version\s+([^\s,]+)"));
/// Fallback: `Cisco IOS XE Software, Version 16.09.04` and other `... Software, Version X`.
static ANY_SOFTWARE_VERSION: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?m)^(?:Cisco )?IOS[^\n]*?\bSoftware\b[^\n]*?,?\s+Version\s+([^\s,\[]+)")
});
/// `<host> uptime is <text>`; the host may be a placeholder such as `System` on some trains.
static HOST_UPTIME: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?m)^(\S+)[ \t]+uptime is[ \t]+([^\n]+?)[ \t]*$"));
static IMAGE: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?m)^\s*System image file is\s+"([^"\n]+)""#));
/// `cisco WS-C2960X-48FPD-L (APM86XXX) processor ...`, `Cisco CISCO2911/K9 (revision 1.0) with
/// 479232K/45056K bytes of memory.`
static PROCESSOR_MODEL: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?m)^[Cc]isco\s+(\S+)\s+(?:\([^\n)]*\)\s*)*(?:processor|with\s+\d+K)"));
static BOARD_ID: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?m)^\s*Processor [Bb]oard ID\s+([^\s,]+)"));
static STACK_HEADER: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?m)^\s*Switch\s+Ports\s+Model\s+SW Version\s+SW Image"));
/// `*    1 52    WS-C2960X-48FPD-L         15.2(4)E7             C2960X-UNIVERSALK9-M`
static STACK_ROW: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*(\*)?\s*(\d+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(\S+)"));
/// `Switch 02` followed by a dashed line: the start of one stack member's details.
static MEMBER_SECTION: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?m)^\s*Switch\s+0*(\d+)\s*\n\s*-{3,}\s*$"));

/// Classic IOS and IOS-XE (the platform table points both variants here): the text says which,
/// so `os` follows it.
pub fn parse_ios(output: &str) -> Facts {
    let text = normalise(output);
    let platform = if super::detect(&text) == Some(Platform::CiscoXe) {
        Platform::CiscoXe
    } else {
        Platform::CiscoIos
    };
    parse_ios_family(&text, platform)
}

/// IOS-XE when the platform is already known to be XE, whatever the text says.
pub fn parse_xe(output: &str) -> Facts {
    parse_ios_family(&normalise(output), Platform::CiscoXe)
}

fn parse_ios_family(text: &str, platform: Platform) -> Facts {
    let mut f = facts_for(platform);
    f.version = ios_version(text);
    if let Some((host, uptime)) = host_uptime(text) {
        f.hostname = host;
        f.uptime = Some(uptime);
    }
    f.image = capture(&IMAGE, text);
    f.model = find_kv(text, &["Model number"]).or_else(|| capture(&PROCESSOR_MODEL, text));
    f.serial = find_kv(text, &["System serial number"]).or_else(|| capture(&BOARD_ID, text));
    f.members = stack_members(text, f.model.as_deref(), f.serial.as_deref());
    if let Some(first) = f.members.first() {
        f.model = first.model.clone().or(f.model);
        f.serial = first.serial.clone().or(f.serial);
    }
    f
}

fn ios_version(text: &str) -> Option<String> {
    // ROM/BOOTLDR lines also carry versions (of the boot loader): skip them.
    let software = text
        .lines()
        .filter(|l| !l.starts_with("ROM:") && !l.starts_with("BOOTLDR:"));
    for line in software.clone() {
        if let Some(v) = capture(&IOS_VERSION, line) {
            return Some(v);
        }
    }
    software
        .into_iter()
        .find_map(|line| capture(&ANY_SOFTWARE_VERSION, line))
}

/// `(hostname, uptime)` from the first `<host> uptime is ...` line; placeholders that are not
/// a host name give no hostname.
fn host_uptime(text: &str) -> Option<(Option<String>, String)> {
    HOST_UPTIME.captures_iter(text).find_map(|c| {
        let host = c.get(1)?.as_str();
        let uptime = value(c.get(2)?.as_str())?;
        let placeholder = ["System", "Kernel", "Switch", "Chassis"].contains(&host);
        Some(((!placeholder).then(|| host.to_string()), uptime))
    })
}

/// Members from the `Switch Ports Model SW Version SW Image` table, with serials from the
/// top section (the unit marked `*`, the one answering) and the `Switch 0N` sections.
/// A single unit is not a stack: no members.
fn stack_members(text: &str, top_model: Option<&str>, top_serial: Option<&str>) -> Vec<Member> {
    let Some(header) = STACK_HEADER.find(text) else {
        return Vec::new();
    };
    let rows: Vec<(bool, Member)> = text[header.end()..]
        .lines()
        .skip(1)
        .skip_while(|l| l.trim().is_empty() || l.trim_start().starts_with('-'))
        .map_while(|l| STACK_ROW.captures(l))
        .map(|c| {
            let get = |i| c.get(i).map(|m| m.as_str().to_string());
            let member = Member {
                id: get(2),
                model: get(4),
                serial: None,
                version: get(5),
            };
            (c.get(1).is_some(), member)
        })
        .collect();
    if rows.len() < 2 {
        return Vec::new();
    }
    let sections = member_sections(text);
    rows.into_iter()
        .map(|(active, mut m)| {
            let section = sections
                .iter()
                .find(|(id, _)| Some(id.as_str()) == m.id.as_deref());
            m.serial = match section {
                Some((_, body)) => find_kv(body, &["System serial number"]),
                None if active => top_serial.map(str::to_string),
                None => None,
            };
            if m.model.is_none() && active {
                m.model = top_model.map(str::to_string);
            }
            m
        })
        .collect()
}

/// `(member id, section text)` for every `Switch 0N` section, id without leading zeros.
fn member_sections(text: &str) -> Vec<(String, &str)> {
    let starts: Vec<(String, usize, usize)> = MEMBER_SECTION
        .captures_iter(text)
        .filter_map(|c| {
            let whole = c.get(0)?;
            Some((c.get(1)?.as_str().to_string(), whole.start(), whole.end()))
        })
        .collect();
    starts
        .iter()
        .enumerate()
        .map(|(i, (id, _, body_start))| {
            let end = starts.get(i + 1).map_or(text.len(), |next| next.1);
            (id.clone(), &text[*body_start..end])
        })
        .collect()
}

static NXOS_VERSION: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?m)^\s*(?:NXOS|system|System):?\s+version:?\s+(\S+)"));
static NXOS_IMAGE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?m)^\s*(?:NXOS|system) image file is:?\s+(\S+)"));
static NXOS_CHASSIS: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?m)^\s*cisco\s+([^\n"]+?)\s+[Cc]hassis\b"#));
static NXOS_UPTIME: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?m)^\s*Kernel uptime is\s+([^\n]+?)\s*$"));
static PARENS: LazyLock<Regex> = LazyLock::new(|| re(r"\s*\([^)]*\)"));

pub fn parse_nxos(output: &str) -> Facts {
    let text = normalise(output);
    let text = text.as_ref();
    let mut f = facts_for(Platform::CiscoNxos);
    f.version = capture(&NXOS_VERSION, text);
    f.image = capture(&NXOS_IMAGE, text);
    f.model = capture(&NXOS_CHASSIS, text).and_then(|c| nxos_model(&c));
    f.serial = capture(&BOARD_ID, text);
    f.hostname = find_kv(text, &["Device name"]);
    f.uptime = capture(&NXOS_UPTIME, text);
    f
}

/// `Nexus9000 C93180YC-EX` → `C93180YC-EX`; `Nexus7000 C7010 (10 Slot)` → `C7010`;
/// `Nexus 3048` and `Nexus5548` stay as they are (the family name is all there is).
fn nxos_model(chassis: &str) -> Option<String> {
    let cleaned = PARENS.replace_all(chassis, "");
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    match words.as_slice() {
        [family, rest @ ..]
            if !rest.is_empty()
                && family.len() > 5
                && family.starts_with("Nexus")
                && family[5..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            value(&rest.join(" "))
        }
        _ => value(&words.join(" ")),
    }
}

static XR_VERSION: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?m)^\s*Cisco IOS XR Software,?\s*Version\s+([^\s\[,]+)"));
static XR_MODEL: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?m)^\s*cisco\s+([^\n(]+?)\s*\([^\n]*\)\s*processor"));

/// IOS-XR `show version`, full (XR7 and classic) and brief forms.
pub fn parse_xr(output: &str) -> Facts {
    let text = normalise(output);
    let text = text.as_ref();
    let mut f = facts_for(Platform::CiscoXr);
    f.version = capture(&XR_VERSION, text).or_else(|| find_kv(text, &["Version"]));
    if let Some((host, uptime)) = host_uptime(text) {
        f.hostname = host;
        f.uptime = Some(uptime);
    }
    f.image = capture(&IMAGE, text);
    f.model = capture(&XR_MODEL, text).and_then(|m| value(m.trim_end_matches(" Series")));
    f.serial = capture(&BOARD_ID, text);
    f
}

static ASA_VERSION: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?m)^\s*Cisco Adaptive Security Appliance Software Version\s+([^\s,]+)"));
/// `fw-edge-01 up 1 year 23 days` (and not `failover cluster up ...`).
static ASA_UP: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?m)^(\S+)[ \t]+up[ \t]+([^\n]*\d[^\n]*?)[ \t]*$"));
static ASA_HARDWARE: LazyLock<Regex> = LazyLock::new(|| re(r"(?m)^\s*Hardware:\s+([^,\s]+)"));

pub fn parse_asa(output: &str) -> Facts {
    let text = normalise(output);
    let text = text.as_ref();
    let mut f = facts_for(Platform::CiscoAsa);
    f.version = capture(&ASA_VERSION, text);
    if let Some(c) = ASA_UP.captures(text) {
        f.hostname = c.get(1).and_then(|m| value(m.as_str()));
        f.uptime = c.get(2).and_then(|m| value(m.as_str()));
    }
    f.image = capture(&IMAGE, text);
    f.model = capture(&ASA_HARDWARE, text);
    f.serial = find_kv(text, &["Serial Number"]);
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nexus_family_prefixes_are_dropped_but_bare_families_kept() {
        assert_eq!(
            nxos_model("Nexus9000 C93180YC-EX").as_deref(),
            Some("C93180YC-EX")
        );
        assert_eq!(
            nxos_model("Nexus7000 C7010 (10 Slot)").as_deref(),
            Some("C7010")
        );
        assert_eq!(nxos_model("Nexus 3048").as_deref(), Some("Nexus 3048"));
        assert_eq!(nxos_model("Nexus5548").as_deref(), Some("Nexus5548"));
    }

    #[test]
    fn boot_loader_versions_are_not_the_software_version() {
        let t = "BOOTLDR: C2960X Boot Loader (C2960X-HBOOT-M), Version 15.2(3r)E1, RELEASE\n\
                 Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(4)E7, RELEASE\n";
        assert_eq!(ios_version(t).as_deref(), Some("15.2(4)E7"));
    }

    #[test]
    fn a_placeholder_before_uptime_is_not_a_hostname() {
        let (host, up) = host_uptime("System uptime is 1 week\n").unwrap();
        assert_eq!((host, up.as_str()), (None, "1 week"));
    }
}
