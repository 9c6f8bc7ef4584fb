//! Dell OS10 (Dell EMC Networking OS10, later SmartFabric OS10, on the S- and Z-series
//! data-centre switches): its description and `show version` parser.

use super::text::{facts_for, find_kv, normalise};
use super::{Enable, ExecSupport, Facts, Platform, Spec, MORE_PAGER, SHAPE_HOST};

pub static OS10: Spec = Spec {
    platform: Platform::DellOs10,
    name: "dell_os10",
    aliases: &["os10"],
    spellings: &[
        "dellos10",
        "os10",
        "dellemcos10",
        "dellemcnetworkingos10",
        "dellsmartfabricos10",
    ],
    vendor: "Dell",
    os: "OS10",
    version_command: "show version",
    // Netmiko and Oxidized drive OS10 through the interactive CLI only; so does netinv.
    exec: ExecSupport::ShellOnly,
    // `OS10#`, `OS10(config)#`, `OS10(conf-if-eth1/1/1)#`.
    prompt: r"^(?-u:[\w.:/@()-]){1,63}(\(conf[^)]*\))?[>#]\s*$",
    prompt_shapes: &[SHAPE_HOST],
    // The first line of `show version`, renamed twice: `Dell EMC Networking OS10-Enterprise`
    // (10.4), `Dell EMC Networking OS10 Enterprise` (10.5.0, 10.5.1), `Dell SmartFabric OS10
    // Enterprise` (later releases).
    signature: r"(?m)^\s*Dell (EMC )?(Networking|SmartFabric) OS10[- ]Enterprise",
    // The login banner repeats that line.
    banner_hints: &["OS10-Enterprise", "OS10 Enterprise"],
    // OS10 has no `terminal width`: it answers `% Error: Unrecognized command.`.
    paging_off: &["terminal length 0"],
    pager: MORE_PAGER,
    // No caret line: `% Error: Unrecognized command.`, `% Error: Incomplete command.`.
    errors: &[r"(?m)^\s*% Error: "],
    // Privilege levels exist since 10.4.3; a user below 15 raises theirs with `enable`.
    enable: Some(Enable {
        user_prompt: r">\s*$",
        command: "enable",
    }),
    parse: parse_os10,
};

/// `show version` names release, model and uptime; the serial is in `show system` and the
/// hostname only in the prompt, which this parser is not given.
pub fn parse_os10(output: &str) -> Facts {
    let text = normalise(output);
    let text = text.as_ref();
    let mut f = facts_for(Platform::DellOs10);
    f.version = find_kv(text, &["OS Version"]);
    f.model = find_kv(text, &["System Type"]);
    f.uptime = find_kv(text, &["Up Time"]);
    f
}
