//! HP ProCurve / ArubaOS-Switch: its description and the parser of its `show version` and
//! `show system [information]`.

use super::text::{capture, facts_for, normalise};
use super::{Enable, ExecSupport, Facts, Platform, Spec, SHAPE_HOST};

pub static PROCURVE: Spec = Spec {
    platform: Platform::HpProcurve,
    name: "hp_procurve",
    aliases: &["procurve", "aruba_os", "aruba_procurve"],
    spellings: &[
        "hpprocurve",
        "hpeprocurve",
        "procurve",
        "arubaosswitch",
        "arubaprocurve",
    ],
    vendor: "HP",
    os: "ProCurve",
    version_command: "show version",
    exec: ExecSupport::ShellOnly,
    prompt: r"^(?-u:[\w.:/@()-]){1,63}(\(config[^)]*\))?[>#]\s*$",
    prompt_shapes: &[SHAPE_HOST],
    signature: r"(?m)^\s*Image stamp:|Status and Counters - General System Information|(?m)^\s*Software revision\s*:\s*[A-Z]{1,3}\.\d",
    banner_hints: &["Press any key to continue", "ProCurve"],
    paging_off: &["no page", "terminal width 511"],
    pager: &[
        r"-- MORE --, next page: Space.*$",
        r"Press any key to continue\s*$",
    ],
    errors: &[r"(?m)^\s*Invalid input: ", r"(?m)^\s*Ambiguous input: "],
    enable: Some(Enable {
        user_prompt: r">\s*$",
        command: "enable",
    }),
    parse: parse_procurve,
};
use regex::Regex;
use std::sync::LazyLock;

use super::builtin_regex as re;

/// `show system` prints two columns; a value is words separated by single spaces, and
/// columns are separated by two or more.
fn field(name: &str) -> Regex {
    re(&format!(
        r"(?m)(?:^|[ \t]{{2,}})[ \t]*{name}[ \t]*:[ \t]*(\S+(?: \S+)*)"
    ))
}

static REVISION: LazyLock<Regex> = LazyLock::new(|| field("Software revision"));
static NAME: LazyLock<Regex> = LazyLock::new(|| field("System Name"));
static SERIAL: LazyLock<Regex> = LazyLock::new(|| field("Serial Number"));
static UPTIME: LazyLock<Regex> = LazyLock::new(|| field("Up Time"));
/// In `show version` the release stands alone under `Image stamp:`: `KB.16.10.0010`,
/// `K.15.08.0012`.
static STAMP_RELEASE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?m)^[ \t]*([A-Z]{1,4}\.\d{1,2}\.\d{1,2}\.\d{3,4}\w*)[ \t]*$"));

pub fn parse_procurve(output: &str) -> Facts {
    let text = normalise(output);
    let text = text.as_ref();
    let mut f = facts_for(Platform::HpProcurve);
    f.version = capture(&REVISION, text).or_else(|| capture(&STAMP_RELEASE, text));
    f.hostname = capture(&NAME, text);
    f.serial = capture(&SERIAL, text);
    f.uptime = capture(&UPTIME, text);
    f
}
