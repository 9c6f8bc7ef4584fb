//! Huawei VRP (S/CE switches, AR/NE routers, stacks): its description and `display version` parser.

use super::text::{facts_for, normalise, value};
use super::{ExecSupport, Facts, Member, Platform, Spec};

pub static VRP: Spec = Spec {
    platform: Platform::Huawei,
    name: "huawei",
    aliases: &["huawei_vrp", "vrp"],
    spellings: &["huaweivrp", "huaweivrpv8", "vrp", "vrpv8"],
    vendor: "Huawei",
    os: "VRP",
    version_command: "display version",
    exec: ExecSupport::ShellOnly,
    prompt: r"^(<(?-u:[\w.:/@()-]){1,63}>|\[[~*]?(?-u:[\w.:/@()-]){1,63}(-[\w.:/-]+)?\])\s*$",
    prompt_shapes: &[r"^(<[^<>\s]+>|\[[~*]?[^\]\s@]+\])\s*$"],
    signature: r"(?i-u:huawei versatile routing platform|vrp \(r\) software)|(?m)^<[\w.:/@()-]+>\s*$",
    banner_hints: &[],
    paging_off: &["screen-length 0 temporary"],
    pager: &[r"-+ ?More ?-+\s*$"],
    errors: &[
        r"(?m)^\s*Error: Unrecognized command",
        r"(?m)^\s*Error: Wrong parameter",
        r"(?m)^\s*Error: Incomplete command",
    ],
    enable: None,
    parse: parse_vrp,
};
use regex::Regex;
use std::sync::LazyLock;

use super::builtin_regex as re;

/// `VRP (R) software, Version 5.170 (S5720 V200R019C10SPC800)`: the release is the last word
/// in the brackets (the product family may precede it).
static RELEASE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?m)^[^\n]*(?i-u:vrp \(r\) software),\s*Version\s+[\d.]+\s*\(([^)\n]*)\)")
});
/// `HUAWEI S5720-28X-SI-AC Routing Switch uptime is 1 week, ...`
static MODEL_UPTIME: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?m)^\s*(?:HUAWEI|Huawei|Quidway)\s+(\S+)[^\n]*?\buptime is\s+([^\n]+?)\s*$")
});
/// Stack units: `ES5D2S28S000 0(Master) : uptime is ...` (board type, slot) or
/// `CE6850-48S6Q-HI(Master) 1 : uptime is ...` (model, slot).
static UNIT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?m)^[ \t]*(?:\S+[ \t]+(\d+)\((?:Master|Standby|Slave|Backup)\)|(\S+)\((?:Master|Standby|Slave|Backup)\)[ \t]+(\d+))[ \t]*:[ \t]*uptime is",
    )
});
static UNIT_SOFTWARE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?m)^\s*Software\s+Version\s*:[^\n]*\(([^)\n]*)\)"));

pub fn parse_vrp(output: &str) -> Facts {
    let text = normalise(output);
    let text = text.as_ref();
    let mut f = facts_for(Platform::Huawei);
    f.version = release(&RELEASE, text);
    if let Some(c) = MODEL_UPTIME.captures(text) {
        f.model = c.get(1).and_then(|m| value(m.as_str()));
        f.uptime = c.get(2).and_then(|m| value(m.as_str()));
    }
    f.members = units(text);
    f
}

/// The last word of the first capture: `S5720 V200R019C10SPC800` → `V200R019C10SPC800`.
fn release(re: &Regex, text: &str) -> Option<String> {
    let c = re.captures(text)?;
    c.get(1)?
        .as_str()
        .split_whitespace()
        .last()
        .map(str::to_string)
}

fn units(text: &str) -> Vec<Member> {
    let marks: Vec<(usize, Member)> = UNIT
        .captures_iter(text)
        .filter_map(|c| {
            let start = c.get(0)?.end();
            let id = c.get(1).or(c.get(3)).map(|m| m.as_str().to_string());
            let model = c.get(2).map(|m| m.as_str().to_string());
            Some((
                start,
                Member {
                    id,
                    model,
                    ..Member::default()
                },
            ))
        })
        .collect();
    if marks.len() < 2 {
        return Vec::new();
    }
    let ends: Vec<usize> = marks
        .iter()
        .skip(1)
        .map(|(start, _)| *start)
        .chain(std::iter::once(text.len()))
        .collect();
    marks
        .into_iter()
        .zip(ends)
        .map(|((start, mut m), end)| {
            m.version = release(&UNIT_SOFTWARE, &text[start..end]);
            m
        })
        .collect()
}
