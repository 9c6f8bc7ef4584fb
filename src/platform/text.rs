//! Small text helpers shared by the parsers, and platform detection from output alone.

use super::{Facts, Platform};
use regex::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;

/// Output as the parsers want it: no carriage returns, no ANSI escape sequences (a title's
/// text included), no backspace overstrikes. Borrowed when there is nothing to strip (the
/// common case). The same terminal handling as the session's own, so the two cannot disagree.
pub fn normalise(output: &str) -> Cow<'_, str> {
    use crate::ssh::text::{apply_backspaces, strip_ansi};
    if !output.contains(['\r', '\x1b', '\x08', '\u{9b}']) {
        return Cow::Borrowed(output);
    }
    let stripped = strip_ansi(output);
    let no_cr = stripped.replace('\r', "");
    Cow::Owned(apply_backspaces(&no_cr).into_owned())
}

/// A trimmed, non-empty value, or `None`.
pub fn value(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// The first capture group of the first match, trimmed and non-empty.
pub fn capture(re: &Regex, text: &str) -> Option<String> {
    re.captures_iter(text)
        .find_map(|c| c.get(1).and_then(|m| value(m.as_str())))
}

/// Split `key : value` at the first colon; the key is trimmed, the value too.
pub fn key_value(line: &str) -> Option<(&str, &str)> {
    let (k, v) = line.split_once(':')?;
    Some((k.trim(), v.trim()))
}

/// The value of the first `key: value` line whose key is one of `keys` (ASCII case and
/// surrounding spaces ignored) and whose value is not empty.
pub fn find_kv(text: &str, keys: &[&str]) -> Option<String> {
    text.lines().find_map(|line| {
        let (k, v) = key_value(line)?;
        if keys.iter().any(|want| k.eq_ignore_ascii_case(want)) {
            value(v)
        } else {
            None
        }
    })
}

/// Facts with `vendor` and `os` filled from the platform table (known once the platform is).
pub fn facts_for(platform: Platform) -> Facts {
    let spec = platform.spec();
    Facts {
        vendor: Some(spec.vendor.to_string()),
        os: Some(spec.os.to_string()),
        ..Facts::default()
    }
}

/// One signature: a platform and a regex that only its output (or banner/prompt) matches.
struct Sign {
    platform: Platform,
    re: &'static str,
}

/// Checked in order: the most specific first (XR and XE before plain IOS, everything before
/// Linux, whose output can quote anything).
const SIGNS: &[Sign] = &[
    Sign {
        platform: Platform::CiscoAsa,
        re: r"Cisco Adaptive Security Appliance Software|(?m)^Hardware:\s+ASA",
    },
    Sign {
        platform: Platform::CiscoNxos,
        re: r"Cisco Nexus Operating System|\bNX-OS\b|(?m)^\s*NXOS: version|(?m)^\s*NXOS image file|(?m)^\s*cisco Nexus ?\d+ .*Chassis",
    },
    Sign {
        platform: Platform::CiscoXr,
        re: r"Cisco IOS XR Software|\bIOS-XR\b|\bIOS XR\b",
    },
    Sign {
        platform: Platform::CiscoXe,
        re: r"(?i-u:ios-xe|ios xe software|ios xe version)|_IOSXE\b|\bIOSXE\b",
    },
    Sign {
        platform: Platform::CiscoIos,
        re: r"Cisco IOS Software|(?m)^IOS \(tm\)|Cisco Internetwork Operating System",
    },
    Sign {
        platform: Platform::AristaEos,
        re: r"(?m)^Arista \S+|(?m)^Software image version:|Arista Networks EOS",
    },
    Sign {
        platform: Platform::JuniperJunos,
        re: r"(?m)^Junos: |(?m)^JUNOS |(?m)^\{(master|backup|linecard|primary|secondary)(:\d+)?\}|--- JUNOS ",
    },
    Sign {
        platform: Platform::Huawei,
        re: r"(?i-u:huawei versatile routing platform|vrp \(r\) software)|(?m)^<[\w.:/@()-]+>\s*$",
    },
    Sign {
        platform: Platform::HpProcurve,
        re: r"(?m)^\s*Image stamp:|Status and Counters - General System Information|(?m)^\s*Software revision\s*:\s*[A-Z]{1,3}\.\d",
    },
    Sign {
        platform: Platform::PaloaltoPanos,
        re: r"(?m)^sw-version:\s|(?m)^devicename:\s|(?m)^[\w.-]+@[\w.-]+\((active|passive|suspended|non-functional)\)>\s*$",
    },
    Sign {
        platform: Platform::Fortinet,
        re: r"(?m)^Version:\s*Forti|(?m)^Serial-Number:\s*F|(?m)^BIOS version:\s*\d+\s*$",
    },
    Sign {
        platform: Platform::MikrotikRouteros,
        re: r"(?m)^\s*(board-name|architecture-name|factory-software|routerboard|current-firmware):\s|MikroTik RouterOS|(?m)^\[[\w.-]+@[^\]]+\] >",
    },
    Sign {
        platform: Platform::Linux,
        re: r"(?m)^Linux \S+ \d+\.\d+|(?m)^PRETTY_NAME=|load average:|(?m)^[\w.-]+@[\w.-]+:[^\n]*[$#]\s*$",
    },
];

static SIGNS_RE: LazyLock<Vec<(Platform, Regex)>> = LazyLock::new(|| {
    SIGNS
        .iter()
        .map(|s| (s.platform, super::builtin_regex(s.re)))
        .collect()
});

/// Guess the platform from a version command's output (or a login banner and prompt).
pub fn detect(output: &str) -> Option<Platform> {
    let text = normalise(output);
    SIGNS_RE
        .iter()
        .find(|(_, re)| re.is_match(&text))
        .map(|(p, _)| *p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_signature_compiles() {
        for s in SIGNS {
            Regex::new(s.re).unwrap_or_else(|e| panic!("{}: {e}", s.re));
        }
    }

    #[test]
    fn normalise_drops_carriage_returns_ansi_escapes_and_overstrikes() {
        assert_eq!(normalise("a\r\nb\x1b[0;32mc\x1b[0m\n"), "a\nbc\n");
        assert_eq!(normalise("ab\x08c"), "ac");
        assert!(matches!(normalise("plain\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_terminal_title_sequence_leaves_none_of_its_text_behind() {
        assert_eq!(
            normalise("\x1b]0;R1: admin\x07Version 1.2\n"),
            "Version 1.2\n"
        );
    }

    #[test]
    fn find_kv_ignores_key_case_and_empty_values() {
        let t = "Serial number: \nSERIAL NUMBER : X1\n";
        assert_eq!(find_kv(t, &["serial number"]), Some("X1".into()));
    }

    #[test]
    fn detect_names_nothing_for_unrelated_text() {
        assert_eq!(detect("hello world\n"), None);
        assert_eq!(detect(""), None);
    }
}
