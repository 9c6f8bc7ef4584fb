//! Juniper Junos: its description and the parser of its `show version` (single RE, virtual
//! chassis `fpc0:`, multi-RE `re0:`).

use super::text::{capture, facts_for, find_kv, normalise};
use super::{ExecSupport, Facts, Member, Platform, Spec, SHAPE_USER_AT_HOST};

pub static JUNOS: Spec = Spec {
    platform: Platform::JuniperJunos,
    name: "juniper_junos",
    aliases: &["junos", "juniper"],
    spellings: &["juniperjunos", "junos", "junosos"],
    vendor: "Juniper",
    os: "Junos",
    version_command: "show version",
    exec: ExecSupport::Preferred,
    prompt: r"^([\w.-]+@)?(?-u:[\w.:/()-]){1,63}[>#%]\s*$",
    prompt_shapes: &[SHAPE_USER_AT_HOST],
    signature: r"(?m)^Junos: |(?m)^JUNOS |(?m)^\{(master|backup|linecard|primary|secondary)(:\d+)?\}|--- JUNOS ",
    banner_hints: &["JUNOS"],
    paging_off: &["set cli screen-length 0", "set cli screen-width 0"],
    pager: &[r"---\(more( \d+%)?\)---\s*$"],
    errors: &[
        r"(?m)^\s*unknown command\.",
        r"(?m)^\s*syntax error",
        r"(?m)^error: ",
    ],
    enable: None,
    parse: parse_junos,
};
use regex::Regex;
use std::sync::LazyLock;

use super::builtin_regex as re;

/// `fpc0:` / `re1:` / `node0:` / `lcc0-re0:` alone on a line (a dashed rule usually follows).
static SECTION: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?m)^[ \t]*((?:fpc|re|node|member|lcc|sfc)\d+(?:-re\d+)?):[ \t]*$"));
/// Before 15.1 the release is only in package lines: `JUNOS Software Release [12.1X44-D45.2]`,
/// `JUNOS Base OS boot [12.3R12.4]`.
static PACKAGE_RELEASE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?m)^\s*JUNOS (?:Software Release|Base OS boot|EX\s+Software Suite|Base OS Software Suite)\s*\[([^\]\s]+)\]",
    )
});

pub fn parse_junos(output: &str) -> Facts {
    let text = normalise(output);
    let text = text.as_ref();
    let mut f = facts_for(Platform::JuniperJunos);
    let sections = sections(text);
    let first = sections.first().map_or(text, |(_, body)| body);
    f.hostname = find_kv(first, &["Hostname"]);
    f.model = find_kv(first, &["Model"]);
    f.version = version(first);
    if sections.len() >= 2 {
        f.members = sections
            .iter()
            .map(|(id, body)| Member {
                id: Some(id.to_string()),
                model: find_kv(body, &["Model"]),
                serial: None,
                version: version(body),
            })
            .collect();
    }
    f
}

fn version(text: &str) -> Option<String> {
    find_kv(text, &["Junos"]).or_else(|| capture(&PACKAGE_RELEASE, text))
}

/// `(label, body)` for every `fpc0:`-style section, in order; empty for a single unit.
fn sections(text: &str) -> Vec<(&str, &str)> {
    let marks: Vec<(&str, usize, usize)> = SECTION
        .captures_iter(text)
        .filter_map(|c| {
            let whole = c.get(0)?;
            Some((c.get(1)?.as_str(), whole.start(), whole.end()))
        })
        .collect();
    marks
        .iter()
        .enumerate()
        .map(|(i, (label, _, body_start))| {
            let end = marks.get(i + 1).map_or(text.len(), |next| next.1);
            (*label, &text[*body_start..end])
        })
        .collect()
}
