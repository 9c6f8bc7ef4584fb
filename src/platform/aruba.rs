//! Aruba AOS-CX (CX 4100i–10000 series switches): its description and `show version` parser.

use super::text::{facts_for, find_kv, normalise};
use super::{Enable, ExecSupport, Facts, Platform, Spec, SHAPE_HOST};

pub static AOSCX: Spec = Spec {
    platform: Platform::ArubaAoscx,
    name: "aruba_aoscx",
    aliases: &["aoscx", "aos_cx", "arubaos_cx"],
    spellings: &["arubaoscx", "aoscx", "arubaaoscx", "hpearubaoscx"],
    vendor: "Aruba",
    os: "AOS-CX",
    version_command: "show version",
    // Netmiko drives AOS-CX through the interactive shell only; so does netinv.
    exec: ExecSupport::ShellOnly,
    prompt: r"^(?-u:[\w.:/@()-]){1,63}(\(config[^)]*\))?[>#]\s*$",
    prompt_shapes: &[SHAPE_HOST],
    // The banner line of `show version` (renamed from ArubaOS-CX to AOS-CX in 10.13) and the
    // build ID that repeats it.
    signature: r"(?m)^\s*(ArubaOS-CX|AOS-CX)\s*$|(?m)^\s*Build ID\s*:\s*(ArubaOS-CX|AOS-CX):",
    banner_hints: &[],
    paging_off: &["no page"],
    pager: &[r"-- MORE --, next page: Space.*$"],
    errors: &[
        r"(?m)^\s*Invalid input: ",
        r"(?m)^\s*% Command incomplete",
        r"(?m)^\s*% Unknown command",
    ],
    // Operator context ends in `>`, manager context in `#`.
    enable: Some(Enable {
        user_prompt: r">\s*$",
        command: "enable",
    }),
    parse: parse_aoscx,
};

/// `show version` names the release only (`FL.10.09.1031`); model and serial are in
/// `show system`, which this parser is not given.
pub fn parse_aoscx(output: &str) -> Facts {
    let text = normalise(output);
    let mut f = facts_for(Platform::ArubaAoscx);
    f.version = find_kv(&text, &["Version"]);
    f
}
