//! Fortinet FortiOS: its description and the parser of its `get system status`.

use super::text::{facts_for, find_kv, normalise};
use super::{ExecSupport, Facts, Platform, Spec};

pub static FORTIOS: Spec = Spec {
    platform: Platform::Fortinet,
    name: "fortinet",
    aliases: &["fortios", "fortigate"],
    spellings: &["fortinetfortios", "fortios", "fortigate"],
    vendor: "Fortinet",
    os: "FortiOS",
    version_command: "get system status",
    exec: ExecSupport::Preferred,
    prompt: r"^(?-u:[\w.:/@()-]){1,63}( \([\w.-]+\))? [#$]\s*$",
    prompt_shapes: &[r"^[^\s@]+( \([\w.-]+\))? [#$]\s*$"],
    signature: r"(?m)^Version:\s*Forti|(?m)^Serial-Number:\s*F|(?m)^BIOS version:\s*\d+\s*$",
    banner_hints: &[],
    paging_off: &[],
    pager: &[r"--More--\s*$"],
    errors: &[r"(?m)^\s*Unknown action 0", r"(?m)^\s*command parse error"],
    enable: None,
    parse: parse_fortios,
};
use regex::Regex;
use std::sync::LazyLock;

/// `Version: FortiGate-100F v7.0.7,build0367,220802 (GA.F)`: model, then `v` and the version.
static VERSION_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^\s*Version:\s*(\S[^\n]*?)\s+v(\d[^\s,]*)").unwrap_or_else(|e| panic!("{e}"))
});

pub fn parse_fortios(output: &str) -> Facts {
    let text = normalise(output);
    let text = text.as_ref();
    let mut f = facts_for(Platform::Fortinet);
    if let Some(c) = VERSION_LINE.captures(text) {
        f.model = c.get(1).map(|m| m.as_str().to_string());
        f.version = c.get(2).map(|m| m.as_str().to_string());
    }
    f.serial = find_kv(text, &["Serial-Number", "Serial Number"]);
    f.hostname = find_kv(text, &["Hostname"]);
    f.uptime = find_kv(text, &["Uptime", "System uptime"]);
    f
}
