//! Arista EOS: its description and the parser of its `show version`.

use super::text::{facts_for, find_kv, normalise};
use super::{
    Enable, ExecSupport, Facts, Platform, Spec, CISCO_STYLE_ERRORS, MORE_PAGER, SHAPE_HOST,
};

pub static EOS: Spec = Spec {
    platform: Platform::AristaEos,
    name: "arista_eos",
    aliases: &["eos", "arista"],
    spellings: &["aristaeos", "eos"],
    vendor: "Arista",
    os: "EOS",
    version_command: "show version",
    exec: ExecSupport::Preferred,
    prompt: r"^(?-u:[\w.:/@()-]){1,63}(\(config[^)]*\))?[>#]\s*$",
    prompt_shapes: &[SHAPE_HOST],
    signature: r"(?m)^Arista \S+|(?m)^Software image version:|Arista Networks EOS",
    banner_hints: &[],
    paging_off: &["terminal length 0", "terminal width 32767"],
    pager: MORE_PAGER,
    errors: CISCO_STYLE_ERRORS,
    enable: Some(Enable {
        user_prompt: r">\s*$",
        command: "enable",
    }),
    parse: parse_eos,
};

pub fn parse_eos(output: &str) -> Facts {
    let text = normalise(output);
    let text = text.as_ref();
    let mut f = facts_for(Platform::AristaEos);
    // The first line names the model: `Arista DCS-7050SX3-48YC8-F`, `Arista vEOS-lab`.
    f.model = text.lines().find_map(|l| {
        let model = l.trim().strip_prefix("Arista ")?.trim();
        (!model.is_empty() && !model.contains(char::is_whitespace)).then(|| model.to_string())
    });
    f.serial = find_kv(text, &["Serial number"]);
    // `4.21.1F (engineering build)`: the version is the first word.
    f.version = find_kv(text, &["Software image version"])
        .and_then(|v| v.split_whitespace().next().map(str::to_string));
    f.uptime = find_kv(text, &["Uptime"]);
    f
}
