//! Linux: its description and the parser of its version command (`uname -a`, /etc/os-release,
//! `hostname`, `uptime`).

use super::text::{capture, facts_for, normalise};
use super::{ExecSupport, Facts, Platform, Spec};

pub static LINUX: Spec = Spec {
    platform: Platform::Linux,
    name: "linux",
    aliases: &["linux_ssh"],
    spellings: &["linuxssh"],
    vendor: "Linux",
    os: "Linux",
    version_command: "uname -a; cat /etc/os-release 2>/dev/null; hostname; uptime",
    exec: ExecSupport::Preferred,
    prompt: r"^[^\s]*[\w.-]+@[\w.-]+[^\n]*[$#]\s*$",
    prompt_shapes: &[
        r"^\S+@[^\s:]+:\S*\s?[$#]\s*$",
        r"^\[\S+@\S+ [^\]]*\][$#]\s*$|^\S+@\S+\$\s*$",
    ],
    signature: r"(?m)^Linux \S+ \d+\.\d+|(?m)^PRETTY_NAME=|load average:|(?m)^[\w.-]+@[\w.-]+:[^\n]*[$#]\s*$",
    banner_hints: &[],
    paging_off: &["export TERM=dumb PAGER=cat", "unset PROMPT_COMMAND"],
    pager: &[],
    errors: &[r"(?m): command not found$"],
    enable: None,
    parse: parse_linux,
};
use regex::Regex;
use std::sync::LazyLock;

use super::builtin_regex as re;

/// `Linux web-01 5.15.0-86-generic #96-Ubuntu SMP ...`: node name, then kernel release.
static UNAME: LazyLock<Regex> = LazyLock::new(|| re(r"(?m)^Linux[ \t]+(\S+)[ \t]+(\d\S*)"));
/// ` 10:15:01 up 123 days,  4:05,  2 users,  load average: ...` (BusyBox omits the users).
static UPTIME: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?m)\bup[ \t]+([^\n]+?),[ \t]+(?:\d+[ \t]+users?,|load average:)"));
/// `uptime -p`: `up 2 weeks, 3 days, 4 hours`.
static UPTIME_PRETTY: LazyLock<Regex> = LazyLock::new(|| re(r"(?m)^up[ \t]+([^\n]+?)[ \t]*$"));
static UPTIME_LINE: LazyLock<Regex> = LazyLock::new(|| re(r"\bup[ \t]"));
static HOST_WORD: LazyLock<Regex> = LazyLock::new(|| re(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$"));

pub fn parse_linux(output: &str) -> Facts {
    let text = normalise(output);
    let text = text.as_ref();
    let mut f = facts_for(Platform::Linux);
    if let Some(c) = UNAME.captures(text) {
        f.hostname = c.get(1).map(|m| m.as_str().to_string());
        f.version = c.get(2).map(|m| m.as_str().to_string());
    }
    f.uptime = capture(&UPTIME, text).or_else(|| capture(&UPTIME_PRETTY, text));
    if f.hostname.is_none() {
        f.hostname = hostname_line(text);
    }
    f
}

/// Without `uname`, the `hostname` output is the lone word on the line before `uptime`'s.
fn hostname_line(text: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let at = lines.iter().position(|l| UPTIME_LINE.is_match(l))?;
    let candidate = lines.get(at.checked_sub(1)?)?.trim();
    (HOST_WORD.is_match(candidate) && candidate.contains(|c: char| c.is_ascii_alphabetic()))
        .then(|| candidate.to_string())
}
