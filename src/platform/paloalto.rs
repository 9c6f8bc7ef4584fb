//! Palo Alto PAN-OS: its description and the parser of its `show system info`.

use super::text::{facts_for, find_kv, normalise};
use super::{ExecSupport, Facts, Platform, Spec, SHAPE_USER_AT_HOST};

pub static PANOS: Spec = Spec {
    platform: Platform::PaloaltoPanos,
    name: "paloalto_panos",
    aliases: &["panos", "paloalto"],
    spellings: &["paloaltopanos", "paloaltonetworkspanos", "panos"],
    vendor: "Palo Alto Networks",
    os: "PAN-OS",
    version_command: "show system info",
    exec: ExecSupport::ShellOnly,
    prompt: r"^[\w.-]+@(?-u:[\w.:/()-]){1,63}(\(active|\(passive|\(suspended)?[^>#]*[>#]\s*$",
    prompt_shapes: &[
        r"^[\w.-]+@[\w.-]+\((active|passive|suspended|non-functional)[^)]*\)[>#]\s*$",
        SHAPE_USER_AT_HOST,
    ],
    signature: r"(?m)^sw-version:\s|(?m)^devicename:\s|(?m)^[\w.-]+@[\w.-]+\((active|passive|suspended|non-functional)\)>\s*$",
    banner_hints: &[],
    paging_off: &["set cli pager off", "set cli scripting-mode on"],
    pager: &[r"lines \d+-\d+( \(END\))?\s*$", r"^:\s*$"],
    errors: &[r"(?m)^\s*Unknown command: ", r"(?m)^\s*Invalid syntax\."],
    enable: None,
    parse: parse_panos,
};

pub fn parse_panos(output: &str) -> Facts {
    let text = normalise(output);
    let text = text.as_ref();
    let mut f = facts_for(Platform::PaloaltoPanos);
    f.hostname = find_kv(text, &["hostname", "devicename"]);
    f.uptime = find_kv(text, &["uptime"]);
    f.model = known(find_kv(text, &["model"]));
    // An unlicensed VM says `serial: unknown`: that is no serial.
    f.serial = known(find_kv(text, &["serial"]));
    f.version = find_kv(text, &["sw-version"]);
    f
}

fn known(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.eq_ignore_ascii_case("unknown"))
}
