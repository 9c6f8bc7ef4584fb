//! The device inventory: CSV → `Vec<Device>`, with every problem named by file, line and column.
//!
//! Decisions beyond DESIGN §4, each because the csv layer or real exports force one:
//! - Values are trimmed of surrounding whitespace, quoted or not (the csv crate does not say
//!   which fields were quoted; stray spaces from spreadsheets are never meant). Inner spaces stay.
//! - Blank lines, whitespace-only lines and rows of empty cells (`,,,` from spreadsheets) are
//!   skipped; a comment is a line whose first byte is `#` (not indented).
//! - An empty header cell (a trailing comma) is allowed while its values stay empty.
//! - Names are unique byte for byte (`R1` and `r1` are two devices); names and usernames may not
//!   hold control characters, which catches a misplaced quote swallowing a line.
//! - Any header problem leaves `devices` empty, but rows are still judged so that one run lists
//!   every problem; a missing `host` column stops there.
//! - A problem's line is the line its row starts on, also for rows spanning several lines.
//!   Lines end at `\n`, `\r\n` or a lone `\r` (old Mac files; read as `\n`, also in values).

use crate::platform::PlatformChoice;
use crate::secret::Secret;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::net::IpAddr;
use std::sync::Arc;

/// One inventory row that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// 1-based line number in the source file, for messages.
    pub line: usize,
    /// Unique within the inventory; defaults to `host`.
    pub name: String,
    pub host: String,
    /// Row override of the shared port.
    pub port: Option<u16>,
    pub platform: PlatformChoice,
    /// Row override of the shared username.
    pub username: Option<String>,
    /// Row override of the shared password (a `password` column). Never carried into reports.
    pub password: Option<Secret>,
    /// Row override of the shared enable secret (a `secret` column), used with `--enable`.
    pub secret: Option<Secret>,
    /// Every other column, in header order, carried into reports untouched. Column names are
    /// shared by all rows: a fleet of 10,000 rows with ten extra columns holds ten names.
    pub fields: Vec<(Arc<str>, String)>,
}

/// A problem with one row (or the header), named the way compilers name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub source: String,
    pub line: usize,
    /// Column name, when the problem is in one field.
    pub column: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(c) => write!(f, "{}:{}: {}: {}", self.source, self.line, c, self.message),
            None => write!(f, "{}:{}: {}", self.source, self.line, self.message),
        }
    }
}

/// The result of reading an inventory: the good rows and all problems found.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    /// The file name as given (`<stdin>` for `-`).
    pub source: String,
    pub devices: Vec<Device>,
    pub problems: Vec<Problem>,
}

/// Reading failed before any row could be judged (file missing, unreadable).
#[derive(Debug)]
pub struct ReadError {
    pub source: String,
    pub error: std::io::Error,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: cannot read inventory: {}", self.source, self.error)
    }
}

impl std::error::Error for ReadError {}

/// Read an inventory from a path, or stdin for `-`.
///
/// The whole input is read before parsing, so an unreadable file (missing, a directory, a read
/// error half-way) is a `ReadError` and never a half-judged inventory.
pub fn read_path(path: &str) -> Result<Inventory, ReadError> {
    if path == "-" {
        let source = "<stdin>";
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map_err(|error| ReadError {
                source: source.to_string(),
                error,
            })?;
        return Ok(parse(&bytes, source));
    }
    let bytes = std::fs::read(path).map_err(|error| ReadError {
        source: path.to_string(),
        error,
    })?;
    Ok(parse(&bytes, path))
}

/// Read an inventory from any reader; `source` names it in problems.
///
/// A reader that fails part-way yields one problem at the line where reading stopped and no
/// devices: judging half a file would silently drop the rest of the fleet.
pub fn read(mut reader: impl Read, source: &str) -> Inventory {
    let mut bytes = Vec::new();
    match reader.read_to_end(&mut bytes) {
        Ok(_) => parse(&bytes, source),
        Err(e) => {
            let line = 1 + bytes.iter().filter(|&&b| b == b'\n').count();
            Inventory {
                source: source.to_string(),
                devices: Vec::new(),
                problems: vec![Problem {
                    source: source.to_string(),
                    line,
                    column: None,
                    message: format!("cannot read inventory: {e}"),
                }],
            }
        }
    }
}

/// Judge an inventory already in memory. `read` and `read_path` end here.
pub fn parse(bytes: &[u8], source: &str) -> Inventory {
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    // The csv layer ends comments only at '\n', so an old-Mac file (lone '\r' line ends)
    // would vanish into its first comment: read every lone '\r' as '\n'.
    let has_lone_cr = bytes.contains(&b'\r') && (0..bytes.len()).any(|i| is_lone_cr(bytes, i));
    let normalized: Cow<[u8]> = if has_lone_cr {
        let lf = |(i, &b): (usize, &u8)| if is_lone_cr(bytes, i) { b'\n' } else { b };
        Cow::Owned(bytes.iter().enumerate().map(lf).collect())
    } else {
        Cow::Borrowed(bytes)
    };
    let bytes = &normalized[..];
    let mut parser = Parser {
        source,
        problems: Vec::new(),
    };
    let mut records = Records::new(bytes);

    let mut devices = Vec::new();
    let header = match records.next_row() {
        Ok(Some(row)) => parser.header(&records.record, row),
        Ok(None) => {
            parser.problem(
                1,
                None,
                "empty inventory: no header row (a 'host' column is required)",
            );
            None
        }
        Err(e) => {
            parser.problem(e.line, None, e.message);
            None
        }
    };
    if let Some(header) = header {
        // A header problem makes every column suspect: rows are still judged so that all
        // problems are listed at once, but none of them becomes a device.
        let header_ok = parser.problems.is_empty();
        let mut names: HashMap<String, usize> = HashMap::new();
        loop {
            match records.next_row() {
                Ok(Some(row)) => {
                    if let Some(device) = parser.row(&header, &records.record, row, &mut names) {
                        if header_ok {
                            devices.push(device);
                        }
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    parser.problem(e.line, None, e.message);
                    devices.clear();
                    break;
                }
            }
        }
    }
    Inventory {
        source: source.to_string(),
        devices,
        problems: parser.problems,
    }
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Where one CSV record sits in the file: the lines it starts and ends on.
#[derive(Debug, Clone, Copy)]
struct Row {
    line: usize,
    last_line: usize,
    /// The row runs to the end of the file inside a quoted field.
    unclosed_quote: bool,
}

/// A failure of the CSV layer itself (only I/O, which in-memory input never has).
struct RecordError {
    line: usize,
    message: String,
}

/// The csv reader plus the bookkeeping it lacks: the real line a record starts on.
///
/// Expects input whose lines all end in `\n` (`parse` turns lone `\r` into `\n`).
struct Records<'a> {
    bytes: &'a [u8],
    csv: csv::Reader<&'a [u8]>,
    record: csv::ByteRecord,
    /// `bytes[..counted]` holds `breaks` line breaks.
    counted: usize,
    breaks: usize,
}

fn is_lone_cr(bytes: &[u8], i: usize) -> bool {
    bytes.get(i) == Some(&b'\r') && bytes.get(i + 1) != Some(&b'\n')
}

impl<'a> Records<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Records {
            bytes,
            // Headers are found by hand (comments may come first); ragged rows are reported
            // by hand, so the csv layer must accept any record length.
            csv: csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .comment(Some(b'#'))
                .from_reader(bytes),
            record: csv::ByteRecord::new(),
            counted: 0,
            breaks: 0,
        }
    }

    /// 1-based line number of the line that byte `end` is on.
    fn line_at(&mut self, end: usize) -> usize {
        let end = end.min(self.bytes.len());
        if end > self.counted {
            // Input is normalised by `parse`: every line ends in '\n'.
            self.breaks += self.bytes[self.counted..end]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            self.counted = end;
        }
        1 + self.breaks
    }

    /// The next record that is not blank, with its line span.
    fn next_row(&mut self) -> Result<Option<Row>, RecordError> {
        loop {
            let previous_end = self.csv.position().byte() as usize;
            match self.csv.read_byte_record(&mut self.record) {
                Ok(false) => return Ok(None),
                Ok(true) => {}
                Err(e) => {
                    let at = self.csv.position().byte() as usize;
                    return Err(RecordError {
                        line: self.line_at(at),
                        message: format!("cannot read inventory: {e}"),
                    });
                }
            }
            // The csv crate stamps a record with the position where the previous one ended,
            // which is before the blank and comment lines it skipped; skip them here too.
            let start = record_start(self.bytes, previous_end);
            let end = (self.csv.position().byte() as usize).min(self.bytes.len());
            let line = self.line_at(start);
            // The break that ends the record (or, when swallowed, its last field) does not
            // start a line of the row.
            let ended_by_break = end > start && self.bytes.get(end - 1) == Some(&b'\n');
            let last_line = self
                .line_at(end)
                .saturating_sub(usize::from(ended_by_break))
                .max(line);
            // Only the last record can run into the end of the file inside quotes.
            let unclosed_quote = end == self.bytes.len()
                && self.bytes.get(start..end).is_some_and(ends_inside_quotes);
            if self.record.iter().all(|f| f.trim_ascii().is_empty()) {
                // Whitespace-only lines and spreadsheet rows of bare commas are blank lines.
                continue;
            }
            return Ok(Some(Row {
                line,
                last_line,
                unclosed_quote,
            }));
        }
    }
}

/// Where the csv layer really starts a record when resuming at `from`: past empty lines and
/// `#` comment lines (which end only at '\n'), as its record-start state does.
fn record_start(bytes: &[u8], mut from: usize) -> usize {
    loop {
        match bytes.get(from) {
            Some(b'\r' | b'\n') => from += 1,
            Some(b'#') => match bytes[from..].iter().position(|&b| b == b'\n') {
                Some(nl) => from += nl + 1,
                None => return bytes.len(),
            },
            _ => return from,
        }
    }
}

/// Whether a record's raw bytes end inside a quoted field, i.e. a quote is never closed.
/// A quote opens a field only as its first byte; inside, `""` is a literal quote.
fn ends_inside_quotes(raw: &[u8]) -> bool {
    let mut in_quotes = false;
    let mut field_start = true;
    let mut i = 0;
    while let Some(&b) = raw.get(i) {
        if in_quotes {
            if b == b'"' {
                if raw.get(i + 1) == Some(&b'"') {
                    i += 2;
                    continue;
                }
                in_quotes = false;
            }
        } else if b == b'"' && field_start {
            in_quotes = true;
        }
        field_start = !in_quotes && b == b',';
        i += 1;
    }
    in_quotes
}

/// What a header column means to netinv.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Host,
    Name,
    Port,
    Platform,
    Username,
    /// Credentials: used for the login or `enable`, never carried into reports or messages.
    Password,
    Secret,
    /// Carried into `Device::fields` untouched.
    Extra,
    /// An empty header cell (e.g. a trailing comma); its values must be empty.
    Unnamed,
    /// A second column with an already used name (a header problem); ignored in rows.
    Duplicate,
}

impl Role {
    fn of(name: &str) -> Role {
        match name.to_ascii_lowercase().as_str() {
            "" => Role::Unnamed,
            "host" => Role::Host,
            "name" => Role::Name,
            "port" => Role::Port,
            "platform" => Role::Platform,
            "username" => Role::Username,
            "password" => Role::Password,
            "secret" => Role::Secret,
            _ => Role::Extra,
        }
    }
}

#[derive(Debug)]
struct Column {
    /// As written in the header, trimmed; the key of extra fields.
    name: Arc<str>,
    role: Role,
}

#[derive(Debug)]
struct Header {
    columns: Vec<Column>,
}

impl Header {
    /// The label of column `i` in problems: its name, or its position when it has none.
    fn label(&self, i: usize) -> String {
        match self.columns.get(i) {
            Some(c) if !c.name.is_empty() => c.name.to_string(),
            _ => format!("column {}", i + 1),
        }
    }
}

struct Parser<'s> {
    source: &'s str,
    problems: Vec<Problem>,
}

impl Parser<'_> {
    fn problem(&mut self, line: usize, column: Option<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            source: self.source.to_string(),
            line,
            column,
            message: message.into(),
        });
    }

    /// Judge the header row. `None` when rows cannot be read against it at all.
    fn header(&mut self, record: &csv::ByteRecord, row: Row) -> Option<Header> {
        if row.unclosed_quote {
            self.problem(
                row.line,
                None,
                "a quote opened in the header row is never closed, so there are no rows",
            );
            return None;
        }
        let mut columns: Vec<Column> = Vec::with_capacity(record.len());
        for (i, raw) in record.iter().enumerate() {
            let name = match std::str::from_utf8(raw) {
                Ok(s) => s.trim().to_string(),
                Err(_) => {
                    let name = String::from_utf8_lossy(raw).trim().to_string();
                    self.problem(
                        row.line,
                        Some(format!("column {}", i + 1)),
                        format!("column name '{}' is not valid UTF-8", name.escape_debug()),
                    );
                    name
                }
            };
            let mut role = Role::of(&name);
            if role != Role::Unnamed {
                if let Some(first) = columns
                    .iter()
                    .position(|c| c.name.eq_ignore_ascii_case(&name))
                {
                    self.problem(
                        row.line,
                        Some(name.clone()),
                        format!(
                            "duplicate column (columns {} and {}; names are case-insensitive)",
                            first + 1,
                            i + 1
                        ),
                    );
                    role = Role::Duplicate;
                }
            }
            columns.push(Column {
                name: name.into(),
                role,
            });
        }
        if !columns.iter().any(|c| c.role == Role::Host) {
            let found: Vec<String> = columns
                .iter()
                .filter(|c| c.role != Role::Unnamed)
                .map(|c| format!("'{}'", c.name.escape_debug()))
                .collect();
            let found = if found.is_empty() {
                "none".to_string()
            } else {
                found.join(", ")
            };
            self.problem(
                row.line,
                None,
                format!(
                    "no 'host' column in the header row (columns found: {found}); \
                     the first row that is not blank or a comment must name the columns"
                ),
            );
            return None;
        }
        Some(Header { columns })
    }

    /// Judge one data row; `names` maps every name seen so far to its first line.
    fn row(
        &mut self,
        header: &Header,
        record: &csv::ByteRecord,
        row: Row,
        names: &mut HashMap<String, usize>,
    ) -> Option<Device> {
        if row.unclosed_quote {
            self.problem(
                row.line,
                None,
                format!(
                    "a quote opened in this row is never closed: it swallows lines {}-{}",
                    row.line, row.last_line
                ),
            );
            return None;
        }
        if record.len() != header.columns.len() {
            let span = if row.last_line > row.line {
                format!(
                    "; the row spans lines {}-{}: is a closing quote missing?",
                    row.line, row.last_line
                )
            } else {
                String::new()
            };
            self.problem(
                row.line,
                None,
                format!(
                    "row has {} field{}, the header has {}{span}",
                    record.len(),
                    if record.len() == 1 { "" } else { "s" },
                    header.columns.len()
                ),
            );
            return None;
        }

        let before = self.problems.len();
        // (value, the column it came from), so a duplicate name is reported where it was set.
        let mut host: Option<(&str, &str)> = None;
        let mut name: Option<(&str, &str)> = None;
        let mut port = None;
        let mut platform = PlatformChoice::Detect;
        let mut username = None;
        let mut password = None;
        let mut secret = None;
        let mut fields = Vec::new();

        for (i, (raw, column)) in record.iter().zip(&header.columns).enumerate() {
            let value = match std::str::from_utf8(raw) {
                Ok(s) => s.trim(),
                Err(e) => {
                    self.problem(
                        row.line,
                        Some(header.label(i)),
                        format!(
                            "value is not valid UTF-8 (bad byte at offset {} of the value)",
                            e.valid_up_to()
                        ),
                    );
                    continue;
                }
            };
            match column.role {
                Role::Host => match check_host(value) {
                    Ok(()) => host = Some((value, &*column.name)),
                    Err(msg) => self.problem(row.line, Some(column.name.to_string()), msg),
                },
                Role::Name => match check_plain(value) {
                    Ok(()) if value.is_empty() => {}
                    Ok(()) => name = Some((value, &*column.name)),
                    Err(msg) => self.problem(row.line, Some(column.name.to_string()), msg),
                },
                Role::Port => match parse_port(value) {
                    Ok(p) => port = p,
                    Err(msg) => self.problem(row.line, Some(column.name.to_string()), msg),
                },
                Role::Platform => match PlatformChoice::parse(value) {
                    Ok(p) => platform = p,
                    Err(e) => self.problem(row.line, Some(column.name.to_string()), e.to_string()),
                },
                Role::Username => match check_plain(value) {
                    Ok(()) if value.is_empty() => {}
                    Ok(()) => username = Some(value.to_string()),
                    Err(msg) => self.problem(row.line, Some(column.name.to_string()), msg),
                },
                // Only emptiness is judged: any other check would have to quote the value.
                Role::Password if !value.is_empty() => password = Some(Secret::new(value)),
                Role::Secret if !value.is_empty() => secret = Some(Secret::new(value)),
                Role::Password | Role::Secret => {}
                Role::Unnamed => {
                    if !value.is_empty() {
                        self.problem(
                            row.line,
                            Some(header.label(i)),
                            format!(
                                "value '{}' is under a column with no name in the header",
                                value.escape_debug()
                            ),
                        );
                    }
                }
                Role::Extra => fields.push((Arc::clone(&column.name), value.to_string())),
                // Reported once with the header; the first column of that name counts.
                Role::Duplicate => {}
            }
        }

        // The name defaults to the host; a row whose name cannot be known claims none.
        // A duplicate is reported in the column the name came from.
        let effective = name.or(host);
        if let Some((n, from)) = effective {
            match names.get(n) {
                Some(&first) => self.problem(
                    row.line,
                    Some(from.to_string()),
                    format!(
                        "duplicate name '{}' (first used on line {first})",
                        n.escape_debug()
                    ),
                ),
                None => {
                    names.insert(n.to_string(), row.line);
                }
            }
        }

        if self.problems.len() > before {
            return None;
        }
        let (host, _) = host?;
        let (name, _) = effective?;
        Some(Device {
            line: row.line,
            name: name.to_string(),
            host: host.to_string(),
            port,
            platform,
            username,
            password,
            secret,
            fields,
        })
    }
}

/// Names and usernames end up in logs, reports and file names: no line breaks or other
/// control characters (a line break there usually means a misplaced quote).
fn check_plain(value: &str) -> Result<(), String> {
    match value.chars().find(|c| c.is_control()) {
        Some(c) => Err(format!(
            "'{}' contains the control character {:?}",
            value.escape_debug(),
            c
        )),
        None => Ok(()),
    }
}

/// `Ok(None)` for an empty cell (use the shared port).
fn parse_port(value: &str) -> Result<Option<u16>, String> {
    if value.is_empty() {
        return Ok(None);
    }
    let shown = value.escape_debug();
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("port '{shown}' is not a number (1-65535)"));
    }
    match value.parse::<u32>() {
        Ok(p @ 1..=65535) => Ok(Some(p as u16)),
        _ => Err(format!("port '{shown}' is out of range (1-65535)")),
    }
}

/// Accept an IPv4/IPv6 address or a syntactically plausible DNS name (RFC 1123 labels;
/// underscores allowed because internal zones use them). Names are not resolved here.
fn check_host(host: &str) -> Result<(), String> {
    let shown = host.escape_debug();
    if host.is_empty() {
        return Err("host is empty".to_string());
    }
    if host.parse::<IpAddr>().is_ok() {
        return Ok(());
    }
    let bad = |why: &str| {
        Err(format!(
            "host '{shown}' is not an IP address or DNS name: {why}"
        ))
    };
    if host.chars().any(char::is_whitespace) {
        return bad("it contains whitespace");
    }
    if let Some((before, after)) = host.rsplit_once(':') {
        if !before.contains(':') && !after.is_empty() && after.bytes().all(|b| b.is_ascii_digit()) {
            return bad("a port goes in the 'port' column");
        }
        return bad("':' is only allowed in an IPv6 address");
    }
    if host.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return bad("digits and dots only, but not a valid IPv4 address");
    }
    let name = host.strip_suffix('.').unwrap_or(host);
    if name.len() > 253 {
        return bad("longer than 253 characters");
    }
    for label in name.split('.') {
        if label.is_empty() {
            return bad("it has an empty label ('..' or a leading dot)");
        }
        if label.len() > 63 {
            return bad("a label is longer than 63 characters");
        }
        if let Some(c) = label
            .chars()
            .find(|&c| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        {
            return bad(&format!("illegal character '{}'", c.escape_debug()));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return bad("a label starts or ends with '-'");
        }
    }
    Ok(())
}
