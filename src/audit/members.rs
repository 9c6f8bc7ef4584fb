//! A large JSON document read window by window: its top-level object split into members, and
//! one array member into its elements, each handed over as a slice for serde_json to parse.
//!
//! serde_json parses a slice several times faster than a reader (which it takes a byte at a
//! time), but a 100,000-device report is a quarter of a gigabyte, mostly device outputs that
//! the audit and `diff` never look at. Here only one element at a time has to be in memory.

use std::io::Read;

/// Why the document could not be split; `line` is 1-based.
#[derive(Debug)]
pub enum ScanError {
    Io(std::io::Error),
    Syntax { line: usize, message: String },
}

/// What a caller does with a member's value, or an element of the split array.
pub enum Value<'a> {
    /// The value of a top-level member other than the split array (`key`, JSON text, line).
    Member(&'a str, &'a [u8], usize),
    /// One element of the split array (JSON text, line it starts on).
    Element(&'a [u8], usize),
}

const WINDOW: usize = 1 << 20;

/// Reads `reader`'s top-level object and calls `each` for every member, and for every element
/// of the array member named `split` instead of for that member as a whole. Returns whether
/// there was such an array.
pub fn scan<R: Read, E>(
    reader: R,
    split: &str,
    each: impl FnMut(Value<'_>) -> Result<(), E>,
) -> Result<bool, Scanned<E>> {
    scan_by(reader, WINDOW, split, each)
}

fn scan_by<R: Read, E>(
    reader: R,
    window: usize,
    split: &str,
    mut each: impl FnMut(Value<'_>) -> Result<(), E>,
) -> Result<bool, Scanned<E>> {
    let mut s = Scanner {
        reader,
        window,
        buf: Vec::with_capacity(window),
        pos: 0,
        eof: false,
        line: 1,
    };
    let mut split_seen = false;
    s.expect(b'{')?;
    if s.peek_after_ws()? == Some(b'}') {
        s.pos += 1;
        s.end()?;
        return Ok(split_seen);
    }
    loop {
        s.skip_ws()?;
        let (start, end) = s.extent()?;
        let key: String = serde_json::from_slice(&s.buf[start..end])
            .map_err(|_| s.syntax("a member name is not a string"))?;
        s.expect(b':')?;
        if key == split && s.peek_after_ws()? == Some(b'[') {
            s.pos += 1;
            split_seen = true;
            s.elements(&mut each)?;
        } else {
            s.skip_ws()?;
            let line = s.line;
            let (start, end) = s.extent()?;
            each(Value::Member(&key, &s.buf[start..end], line)).map_err(Scanned::Caller)?;
        }
        match s.peek_after_ws()? {
            Some(b',') => s.pos += 1,
            Some(b'}') => {
                s.pos += 1;
                s.end()?;
                return Ok(split_seen);
            }
            _ => return Err(s.syntax("expected `,` or `}` after a member").into()),
        }
    }
}

/// A scan stopped by the document or by the caller.
#[derive(Debug)]
pub enum Scanned<E> {
    Document(ScanError),
    Caller(E),
}

impl<E> From<ScanError> for Scanned<E> {
    fn from(e: ScanError) -> Self {
        Scanned::Document(e)
    }
}

struct Scanner<R> {
    reader: R,
    /// How much is read at a time (more when one value is bigger).
    window: usize,
    buf: Vec<u8>,
    /// Next unread byte in `buf`.
    pos: usize,
    eof: bool,
    /// Line of `buf[pos]`.
    line: usize,
}

impl<R: Read> Scanner<R> {
    fn syntax(&self, message: &str) -> ScanError {
        ScanError::Syntax {
            line: self.line,
            message: message.to_string(),
        }
    }

    /// Read more, keeping `buf[keep..]`; false at the end of the input.
    fn fill(&mut self, keep: usize) -> Result<bool, ScanError> {
        if self.eof {
            return Ok(false);
        }
        self.buf.drain(..keep);
        self.pos -= keep;
        let had = self.buf.len();
        let want = self.buf.len().max(self.window);
        self.buf.resize(had + want, 0);
        let n = loop {
            match self.reader.read(&mut self.buf[had..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.buf.truncate(had);
                    return Err(ScanError::Io(e));
                }
            }
        };
        self.buf.truncate(had + n);
        if n == 0 {
            self.eof = true;
        }
        Ok(n > 0)
    }

    fn skip_ws(&mut self) -> Result<(), ScanError> {
        loop {
            while let Some(&b) = self.buf.get(self.pos) {
                match b {
                    b'\n' => self.line += 1,
                    b' ' | b'\t' | b'\r' => {}
                    _ => return Ok(()),
                }
                self.pos += 1;
            }
            if !self.fill(self.pos)? {
                return Ok(());
            }
        }
    }

    fn peek_after_ws(&mut self) -> Result<Option<u8>, ScanError> {
        self.skip_ws()?;
        Ok(self.buf.get(self.pos).copied())
    }

    fn expect(&mut self, b: u8) -> Result<(), ScanError> {
        if self.peek_after_ws()? == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.syntax(&format!("expected `{}`", b as char)))
        }
    }

    fn end(&mut self) -> Result<(), ScanError> {
        match self.peek_after_ws()? {
            None => Ok(()),
            Some(_) => Err(self.syntax("text after the end of the document")),
        }
    }

    fn elements<E>(
        &mut self,
        each: &mut impl FnMut(Value<'_>) -> Result<(), E>,
    ) -> Result<(), Scanned<E>> {
        if self.peek_after_ws()? == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.skip_ws()?;
            let line = self.line;
            let (start, end) = self.extent()?;
            each(Value::Element(&self.buf[start..end], line)).map_err(Scanned::Caller)?;
            match self.peek_after_ws()? {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.syntax("expected `,` or `]` after an element").into()),
            }
        }
    }

    /// The extent of the value starting at `pos` (a string, an object, an array or a scalar),
    /// read in whole; `pos` moves past it. Only strings and nesting are tracked: what is inside
    /// is for serde_json to check.
    fn extent(&mut self) -> Result<(usize, usize), ScanError> {
        // Offsets are from `pos`, the value's first byte: `fill` moves it to the front.
        let Some(first) = self.peek_after_ws()? else {
            return Err(self.syntax("the document ends where a value was expected"));
        };
        // Only the value's own kind of bracket is counted: what is inside is for serde_json to
        // check when it parses the piece, so a document that only looks balanced here fails there.
        let (open, close) = match first {
            b'{' => (b'{', b'}'),
            b'[' => (b'[', b']'),
            _ => (0, 0),
        };
        let mut off = 0;
        let mut depth = 0usize;
        let mut in_string = false;
        loop {
            let at = self.pos + off;
            if at >= self.buf.len() {
                if !self.fill(self.pos)? {
                    return Err(self.syntax("the document ends inside a value"));
                }
                continue;
            }
            let rest = &self.buf[at..];
            if in_string {
                match memchr::memchr2(b'"', b'\\', rest) {
                    // Past the backslash and the byte it escapes (which may be in the next window).
                    Some(k) if rest[k] == b'\\' => off += k + 2,
                    Some(k) => {
                        off += k + 1;
                        in_string = false;
                        if depth == 0 {
                            break;
                        }
                    }
                    None => off += rest.len(),
                }
                continue;
            }
            if open != 0 {
                match memchr::memchr3(b'"', open, close, rest) {
                    Some(k) => {
                        off += k + 1;
                        match rest[k] {
                            b'"' => in_string = true,
                            b if b == open => depth += 1,
                            _ => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                        }
                    }
                    None => off += rest.len(),
                }
                continue;
            }
            // A string or a scalar (number, true, false, null).
            match rest[0] {
                b'"' if off == 0 => in_string = true,
                b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n' => break,
                _ => {}
            }
            off += 1;
        }
        if off == 0 {
            return Err(self.syntax("expected a value"));
        }
        let (start, end) = (self.pos, self.pos + off);
        self.line += memchr::memchr_iter(b'\n', &self.buf[start..end]).count();
        self.pos = end;
        Ok((start, end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the scan handed over, as text: members as `key=value@line`, elements as `value@line`.
    fn pieces(doc: &str, window: usize) -> Result<(bool, Vec<String>), String> {
        let mut out = Vec::new();
        let seen = scan_by(doc.as_bytes(), window, "devices", |v| {
            out.push(match v {
                Value::Member(k, text, line) => {
                    format!("{k}={}@{line}", std::str::from_utf8(text).unwrap())
                }
                Value::Element(text, line) => {
                    format!("{}@{line}", std::str::from_utf8(text).unwrap())
                }
            });
            Ok::<(), ()>(())
        })
        .map_err(|e| match e {
            Scanned::Document(ScanError::Syntax { line, message }) => format!("{line}: {message}"),
            other => format!("{other:?}"),
        })?;
        Ok((seen, out))
    }

    const TRICKY: &str = r#"{
  "netinv_version": "0.1.0",
  "odd \"key\"": [1, {"]": "}"}, "\\"],
  "n": -1.5e3,
  "t": true,
  "devices": [
    {"name": "a", "output": "brackets ] } [ { and \"quotes\" and \\ and \u00e9"},
    {"name": "b\\", "facts": {"version": "15.2(7)E3"}, "nested": [[], {}]},
    "x",
    7
  ],
  "after": null
}
"#;

    #[test]
    fn members_and_elements_come_out_whole_whatever_the_window() {
        let (seen, whole) = pieces(TRICKY, 1 << 20).unwrap();
        assert!(seen);
        assert_eq!(
            whole,
            [
                r#"netinv_version="0.1.0"@2"#,
                r#"odd "key"=[1, {"]": "}"}, "\\"]@3"#,
                "n=-1.5e3@4",
                "t=true@5",
                r#"{"name": "a", "output": "brackets ] } [ { and \"quotes\" and \\ and \u00e9"}@7"#,
                r#"{"name": "b\\", "facts": {"version": "15.2(7)E3"}, "nested": [[], {}]}@8"#,
                r#""x"@9"#,
                "7@10",
                "after=null@12",
            ]
        );
        // Every window size splits values, strings and escapes at every possible byte.
        for window in 1..64 {
            assert_eq!(
                pieces(TRICKY, window).unwrap(),
                (true, whole.clone()),
                "window {window}"
            );
        }
    }

    #[test]
    fn every_element_is_valid_json_that_serde_reads() {
        let mut n = 0;
        scan_by(TRICKY.as_bytes(), 7, "devices", |v| {
            if let Value::Element(text, _) = v {
                serde_json::from_slice::<serde_json::Value>(text).unwrap();
                n += 1;
            }
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!(n, 4);
    }

    #[test]
    fn a_document_without_the_array_says_so() {
        assert_eq!(pieces("{}", 4).unwrap(), (false, vec![]));
        assert_eq!(
            pieces(r#"{"devices": {"a": 1}}"#, 4).unwrap(),
            (false, vec![r#"devices={"a": 1}@1"#.to_string()]),
            "not a list: handed over as a member, for the caller to refuse"
        );
        assert_eq!(pieces(r#"{"devices": []}"#, 4).unwrap(), (true, vec![]));
    }

    #[test]
    fn broken_documents_are_refused_with_their_line() {
        for (doc, want) in [
            ("", "1: expected `{`"),
            ("[1, 2]", "1: expected `{`"),
            (
                "{\n\"devices\": [\n{\"name\": \"a\"",
                "3: the document ends inside a value",
            ),
            (
                "{\n\"devices\": [\n{\"name\": \"a\"}\n",
                "4: expected `,` or `]` after an element",
            ),
            (r#"{"a" 1}"#, "1: expected `:`"),
            (
                r#"{"a": 1 "b": 2}"#,
                "1: expected `,` or `}` after a member",
            ),
            ("{\"a\": 1}\nxyz", "2: text after the end of the document"),
            (
                r#"{"a": "unterminated}"#,
                "1: the document ends inside a value",
            ),
            ("{1: 2}", "1: a member name is not a string"),
            (r#"{"a": }"#, "1: expected a value"),
        ] {
            assert_eq!(pieces(doc, 3).unwrap_err(), want, "{doc:?}");
        }
    }
}
