//! Small text helpers shared by the parsers.

use super::{Facts, Platform};
use regex::Regex;
use std::borrow::Cow;

/// Output as the parsers want it: no carriage returns, no ANSI escape sequences (a title's
/// text included), no backspace overstrikes. Borrowed when there is nothing to strip (the
/// common case). The same terminal handling as the session's own, so the two cannot disagree.
pub fn normalise(output: &str) -> Cow<'_, str> {
    use crate::ssh::text::{apply_backspaces, strip_ansi};
    if !output.contains(['\r', '\x1b', '\x08', '\u{9b}']) {
        return Cow::Borrowed(output);
    }
    let stripped = strip_ansi(output);
    let no_cr = stripped.replace('\r', "");
    Cow::Owned(apply_backspaces(&no_cr).into_owned())
}

/// A trimmed, non-empty value, or `None`.
pub fn value(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// The first capture group of the first match, trimmed and non-empty.
pub fn capture(re: &Regex, text: &str) -> Option<String> {
    re.captures_iter(text)
        .find_map(|c| c.get(1).and_then(|m| value(m.as_str())))
}

/// Split `key : value` at the first colon; the key is trimmed, the value too.
pub fn key_value(line: &str) -> Option<(&str, &str)> {
    let (k, v) = line.split_once(':')?;
    Some((k.trim(), v.trim()))
}

/// The value of the first `key: value` line whose key is one of `keys` (ASCII case and
/// surrounding spaces ignored) and whose value is not empty.
pub fn find_kv(text: &str, keys: &[&str]) -> Option<String> {
    text.lines().find_map(|line| {
        let (k, v) = key_value(line)?;
        if keys.iter().any(|want| k.eq_ignore_ascii_case(want)) {
            value(v)
        } else {
            None
        }
    })
}

/// Facts with `vendor` and `os` filled from the platform table (known once the platform is).
pub fn facts_for(platform: Platform) -> Facts {
    let spec = platform.spec();
    Facts {
        vendor: Some(spec.vendor.to_string()),
        os: Some(spec.os.to_string()),
        ..Facts::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_drops_carriage_returns_ansi_escapes_and_overstrikes() {
        assert_eq!(normalise("a\r\nb\x1b[0;32mc\x1b[0m\n"), "a\nbc\n");
        assert_eq!(normalise("ab\x08c"), "ac");
        assert!(matches!(normalise("plain\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_terminal_title_sequence_leaves_none_of_its_text_behind() {
        assert_eq!(
            normalise("\x1b]0;R1: admin\x07Version 1.2\n"),
            "Version 1.2\n"
        );
    }

    #[test]
    fn find_kv_ignores_key_case_and_empty_values() {
        let t = "Serial number: \nSERIAL NUMBER : X1\n";
        assert_eq!(find_kv(t, &["serial number"]), Some("X1".into()));
    }
}
