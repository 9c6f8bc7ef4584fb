//! Output normalisation: ANSI escapes, carriage returns, backspaces and CRLF, for exec and shell output.

use std::borrow::Cow;

const ESC: char = '\x1b';
const CSI_C1: char = '\u{9b}';

/// One escape sequence recognised at the start of a char stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Escape {
    /// `ESC [ params final` (or the 8-bit CSI): params kept for cursor handling.
    Csi { final_byte: char, n1: Option<usize> },
    /// OSC, DCS, charset selection and the like: nothing a text renderer needs.
    Other,
}

/// Parses the escape sequence that starts at `chars` (whose first char is ESC or 8-bit CSI),
/// consuming it. An escape cut short by the end of input is consumed whole, so a half-received
/// sequence never leaks into text.
fn parse_escape(first: char, chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Escape {
    let is_csi = if first == CSI_C1 {
        true
    } else {
        match chars.peek().copied() {
            Some('[') => {
                chars.next();
                true
            }
            Some(']') | Some('P') | Some('_') | Some('^') | Some('X') => {
                // String sequences end with BEL or ST (ESC \).
                chars.next();
                while let Some(c) = chars.next() {
                    if c == '\x07' {
                        break;
                    }
                    if c == ESC {
                        if chars.peek() == Some(&'\\') {
                            chars.next();
                        }
                        break;
                    }
                }
                return Escape::Other;
            }
            Some(c) if ('\x20'..='\x2f').contains(&c) => {
                // ESC intermediates final, e.g. `ESC ( B` (charset selection).
                while let Some(&c) = chars.peek() {
                    chars.next();
                    if !('\x20'..='\x2f').contains(&c) {
                        break;
                    }
                }
                return Escape::Other;
            }
            Some(_) => {
                // Two-char escapes: `ESC 7`, `ESC =`, `ESC M`, ...
                chars.next();
                return Escape::Other;
            }
            None => return Escape::Other,
        }
    };
    debug_assert!(is_csi);
    let mut n1: Option<usize> = None;
    let mut first_param = true;
    while let Some(&c) = chars.peek() {
        chars.next();
        match c {
            '0'..='9' if first_param => {
                let d = c as usize - '0' as usize;
                n1 = Some(n1.unwrap_or(0).saturating_mul(10).saturating_add(d));
            }
            ';' => first_param = false,
            '\x20'..='\x3f' => {}
            '\x40'..='\x7e' => return Escape::Csi { final_byte: c, n1 },
            // Anything else aborts the sequence; the char is dropped with it.
            _ => return Escape::Other,
        }
    }
    Escape::Other
}

/// Removes ANSI/VT100 escape sequences (colours, cursor moves, titles, charset switches).
pub fn strip_ansi(s: &str) -> Cow<'_, str> {
    if !s.contains([ESC, CSI_C1]) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ESC || c == CSI_C1 {
            parse_escape(c, &mut chars);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// CRLF, CR CR LF and lone CR all become LF.
pub fn normalize_newlines(s: &str) -> Cow<'_, str> {
    if !s.contains('\r') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            while chars.peek() == Some(&'\r') {
                chars.next();
            }
            if chars.peek() == Some(&'\n') {
                chars.next();
            }
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Applies backspaces: each one erases the char before it on the same line
/// (a backspace at the start of a line erases nothing).
pub fn apply_backspaces(s: &str) -> Cow<'_, str> {
    if !s.contains('\x08') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '\x08' {
            if !out.is_empty() && !out.ends_with('\n') {
                out.pop();
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Exec-channel output as text: lossy UTF-8, ANSI stripped, backspaces applied, CRLF/CR → LF.
pub fn clean_exec_output(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let text = strip_ansi(&text);
    let text = normalize_newlines(&text);
    apply_backspaces(&text).into_owned()
}

/// Output as netinv saves it in every mode: leading and trailing blank lines dropped (devices
/// differ in the blank lines they put around output and before the prompt), exactly one final
/// LF when anything is left. Blank lines inside the output are kept. Works in place: outputs
/// can be many megabytes.
pub fn trim_blank_edges(mut s: String) -> String {
    let is_blank = |l: &str| l.trim().is_empty();
    // End of the last line with content.
    let mut end = s.len();
    loop {
        let start = s[..end].rfind('\n').map_or(0, |i| i + 1);
        if !is_blank(&s[start..end]) {
            break;
        }
        if start == 0 {
            s.clear();
            return s;
        }
        end = start - 1;
    }
    s.truncate(end);
    // Start of the first line with content.
    let mut begin = 0;
    while let Some(i) = s[begin..].find('\n') {
        if !is_blank(&s[begin..begin + i]) {
            break;
        }
        begin += i + 1;
    }
    s.drain(..begin);
    s.push('\n');
    s
}

/// What a terminal would show for `s`, line by line: CR returns to column 0 and later text
/// overwrites, backspace and `ESC[nD` move left, `ESC[nC` right, `ESC[K` erases to end of line,
/// `ESC[2K` clears the line, every other escape and control char is dropped. LF ends a line.
/// Terminal width (auto-wrap) is not modelled: a device's own line breaks are kept as sent.
///
/// Cursor moves past the end of a line pad it with spaces, and a hostile device could make
/// every 7 bytes (`ESC[4096C` and a char) cost 16 KiB. The padding of all lines together is
/// therefore limited to the length of the input: rendered text is never more than twice the
/// input, whatever it holds; moves beyond that stop at the end of the line.
pub fn render(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut line: Vec<char> = Vec::new();
    let mut col = 0usize;
    let mut padding = s.len();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => {
                out.extend(line.drain(..));
                out.push('\n');
                col = 0;
            }
            '\r' => col = 0,
            '\x08' => col = col.saturating_sub(1),
            ESC | CSI_C1 => {
                if let Escape::Csi { final_byte, n1 } = parse_escape(c, &mut chars) {
                    let n = n1.unwrap_or(1).max(1);
                    match final_byte {
                        'D' => col = col.saturating_sub(n),
                        'C' => col = col.saturating_add(n).min(line.len() + 4096),
                        'G' => col = (n - 1).min(line.len() + 4096),
                        'K' => match n1.unwrap_or(0) {
                            0 => line.truncate(col),
                            1 => {
                                for cell in line.iter_mut().take(col + 1) {
                                    *cell = ' ';
                                }
                            }
                            _ => line.clear(),
                        },
                        _ => {}
                    }
                }
            }
            '\t' => put(&mut line, &mut col, c, &mut padding),
            c if c.is_control() => {}
            c => put(&mut line, &mut col, c, &mut padding),
        }
    }
    out.extend(line.drain(..));
    out
}

fn put(line: &mut Vec<char>, col: &mut usize, c: char, padding: &mut usize) {
    if *col > line.len() {
        let gap = (*col - line.len()).min(*padding);
        *padding -= gap;
        *col = line.len() + gap;
    }
    if *col < line.len() {
        line[*col] = c;
    } else {
        line.resize(*col, ' ');
        line.push(c);
    }
    *col += 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_lines_at_the_edges_go_and_inner_ones_stay() {
        let t = |s: &str| trim_blank_edges(s.to_string());
        assert_eq!(t("\n\nA\n\nB\n\n  \n"), "A\n\nB\n");
        assert_eq!(t("A"), "A\n");
        assert_eq!(t("\n \n"), "");
        assert_eq!(t(""), "");
        assert_eq!(t("  x \r\n"), "  x \r\n");
        assert_eq!(t("\n\n  indented\n"), "  indented\n");
    }

    #[test]
    fn colour_codes_titles_and_charset_switches_disappear() {
        let s = "\x1b[1;32mR1\x1b[0m#\x1b]0;R1: ~\x07 \x1b(Bok\x1b[?2004h";
        assert_eq!(strip_ansi(s), "R1# ok");
    }

    #[test]
    fn text_without_escapes_is_borrowed_untouched() {
        assert!(matches!(strip_ansi("plain"), Cow::Borrowed("plain")));
        assert!(matches!(normalize_newlines("a\nb"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_sequence_cut_off_at_the_end_of_input_never_leaks() {
        assert_eq!(strip_ansi("abc\x1b[3"), "abc");
        assert_eq!(strip_ansi("abc\x1b"), "abc");
    }

    #[test]
    fn every_newline_convention_becomes_lf() {
        assert_eq!(normalize_newlines("a\r\nb\r\r\nc\rd\n"), "a\nb\nc\nd\n");
    }

    #[test]
    fn backspaces_erase_within_a_line_only() {
        assert_eq!(apply_backspaces("abx\x08c\n\x08d"), "abc\nd");
    }

    #[test]
    fn exec_output_is_cleaned_of_every_terminal_artifact() {
        let raw = b"\x1b[32mVersion 1.2\x1b[0m\r\nline\xff2\r\n";
        assert_eq!(clean_exec_output(raw), "Version 1.2\nline\u{fffd}2\n");
    }

    #[test]
    fn rendering_follows_terminal_overwrite_semantics() {
        assert_eq!(render("abcdef\rXY\n"), "XYcdef\n");
        assert_eq!(render("abc\x08\x08Z\n"), "aZc\n");
        assert_eq!(
            render("  ---- More ----\x1b[16D                \x1b[16Dnext\n"),
            "next            \n"
        );
        assert_eq!(render("junk\r\x1b[Kline\r\n"), "line\n");
        assert_eq!(render("junk\x1b[2K\rline"), "line");
    }

    proptest::proptest! {
        #[test]
        fn cleaning_any_bytes_never_panics_and_leaves_no_escape(raw in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let cleaned = clean_exec_output(&raw);
            proptest::prop_assert!(!cleaned.contains(['\x1b', '\r', '\x08']));
            let text = String::from_utf8_lossy(&raw);
            let rendered = render(&text);
            proptest::prop_assert!(!rendered.contains(['\x1b', '\r', '\x08']));
        }
    }

    #[test]
    fn cursor_moves_cannot_make_rendered_text_larger_than_twice_the_input() {
        let bomb = "x\x1b[4096C".repeat(100_000);
        let rendered = render(&bomb);
        assert!(rendered.len() <= 2 * bomb.len(), "{} bytes", rendered.len());
        assert!(rendered.starts_with('x'));
        assert_eq!(render("ab\x1b[3Cc\n"), "ab   c\n", "real padding is kept");
        let lines = "x\x1b[4096Cy\n".repeat(50_000);
        assert!(render(&lines).len() <= 2 * lines.len());
    }

    #[test]
    fn rendering_never_panics_on_hostile_cursor_moves() {
        let s = "\x1b[99999999999999999999999C\x1b[0G\x1b[99999Dx\x08\x08\x08\x1b[1K";
        let _ = render(s);
    }
}
