//! MikroTik RouterOS: its description and the parser of `/system resource print` and
//! `/system routerboard print`, either or both.

use super::text::{facts_for, find_kv, normalise};
use super::{ExecSupport, Facts, Platform, Spec};

pub static ROUTEROS: Spec = Spec {
    platform: Platform::MikrotikRouteros,
    name: "mikrotik_routeros",
    aliases: &["routeros", "mikrotik"],
    spellings: &["mikrotikrouteros", "routeros"],
    vendor: "MikroTik",
    os: "RouterOS",
    version_command: "/system resource print",
    exec: ExecSupport::Preferred,
    prompt: r"^\[[\w.-]+@(?-u:[\w.:/()-]){1,63}\] (/[\w/-]+ )?>\s*$",
    prompt_shapes: &[r"^\[[^\]\s@]+@[^\]\s]+\] (/\S+ )?>\s*$"],
    signature: r"(?m)^\s*(board-name|architecture-name|factory-software|routerboard|current-firmware):\s|MikroTik RouterOS|(?m)^\[[\w.-]+@[^\]]+\] >",
    banner_hints: &[],
    paging_off: &[],
    pager: &[r"-- \[Q quit\|D dump\|down\]\s*$"],
    errors: &[
        r"(?m)^\s*bad command name",
        r"(?m)^\s*syntax error \(line",
        r"(?m)^\s*expected end of command",
    ],
    enable: None,
    parse: parse_routeros,
};

pub fn parse_routeros(output: &str) -> Facts {
    let text = normalise(output);
    let text = text.as_ref();
    let mut f = facts_for(Platform::MikrotikRouteros);
    f.uptime = find_kv(text, &["uptime"]);
    // `6.48.6 (long-term)`, `7.8 (stable)`: the channel in brackets is not part of the version.
    // `current-firmware` is the RouterBOOT loader, not RouterOS: never a stand-in.
    f.version =
        find_kv(text, &["version"]).and_then(|v| v.split_whitespace().next().map(str::to_string));
    f.model = find_kv(text, &["board-name"]).or_else(|| find_kv(text, &["model"]));
    f.serial = find_kv(text, &["serial-number"]);
    f
}
