//! The templates the version outputs are written in: text with `{name}` placeholders (or
//! `{name:<N}` / `{name:>N}`, padded to N characters), filled by `render`.

use std::fmt::{Display, Write as _};

/// `text` with every placeholder whose name `values` holds replaced by its value; anything
/// else, braces included, is copied as it is.
pub fn render(text: &str, values: &[(&str, &dyn Display)]) -> String {
    let mut out = String::with_capacity(text.len() + 256);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let filled = after.find('}').and_then(|close| {
            let (name, pad) = match after[..close].split_once(':') {
                Some((name, pad)) => (name, Some(pad)),
                None => (&after[..close], None),
            };
            let (_, value) = values.iter().find(|(n, _)| *n == name)?;
            let _ = match pad.and_then(|p| Some((p.get(..1)?, p.get(1..)?.parse::<usize>().ok()?)))
            {
                Some(("<", width)) => write!(out, "{:<width$}", value.to_string()),
                Some((">", width)) => write!(out, "{:>width$}", value.to_string()),
                _ => write!(out, "{value}"),
            };
            Some(close)
        });
        match filled {
            Some(close) => rest = &after[close + 1..],
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn placeholders_are_filled_padded_and_unknown_ones_kept() {
        let out = render(
            "{a} [{b:<4}] [{b:>4}] {c} {{a}} {",
            &[("a", &"x"), ("b", &7)],
        );
        assert_eq!(out, "x [7   ] [   7] {c} {x} {");
    }
}
