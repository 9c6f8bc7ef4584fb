//! The device inventory: CSV → `Vec<Device>`, with every problem named by file, line and column.
//!
//! Decisions beyond "a CSV with a header row, `host` required", each because the csv layer or real exports force one:
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
//!
//! Inventories as other tools export them (NetBox, Nornir, Netmiko, spreadsheets):
//! - Columns are found by name, then by a built-in alias (`ip`, `mgmt_ip`, `IPv4 Address`,
//!   `device_type`, …), or as mapped with `--columns role=COLUMN`; a mapping wins over both.
//! - The delimiter is the one of `,` `;` tab that occurs most in the header row (an Excel
//!   `sep=X` first line names it outright); ties go to `,`.
//! - UTF-16 is recognised by its BOM (or a NUL in the first two bytes); a file that is not
//!   UTF-8 and holds no UTF-8 sequence at all is Windows-1252. A file mixing valid UTF-8 with
//!   bad bytes stays UTF-8, and each bad value is a problem: it is corrupt, not another encoding.
//! - Hosts may carry a prefix length (`10.0.0.1/24`, dropped) or IPv6 brackets (`[::1]`);
//!   platforms may be spelled the vendor's way (`Cisco IOS`, `NX-OS`, `PAN-OS`).

use crate::platform::PlatformChoice;
use crate::secret::Secret;
use crate::ssh::jump::JumpRoute;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Arc;

/// Longest inventory value accepted: a name, host or site of kilobytes is a broken file, and a
/// 100 MB device name would be copied into every report and log line.
pub const MAX_FIELD_BYTES: usize = 4096;

/// One inventory row that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// 1-based line number in the source file, for messages.
    pub line: usize,
    /// Unique within the inventory; defaults to `host`.
    pub name: String,
    /// The address to connect to (IP or DNS name).
    pub host: String,
    /// Row override of the shared port.
    pub port: Option<u16>,
    /// The platform the row names, or detect it.
    pub platform: PlatformChoice,
    /// Row override of the shared username.
    pub username: Option<String>,
    /// Row override of the shared password (a `password` column). Never carried into reports.
    pub password: Option<Secret>,
    /// Row override of the shared enable secret (a `secret` column), used with `--enable`.
    pub secret: Option<Secret>,
    /// Row override of `--legacy-algorithms` (column `legacy`, yes/no).
    pub legacy: Option<bool>,
    /// Row override of `--jump` (column `jump`; `none` = direct).
    pub jump: Option<JumpRoute>,
    /// Every other column, in header order, carried into reports untouched. Column names are
    /// shared by all rows: a fleet of 10,000 rows with ten extra columns holds ten names.
    pub fields: Vec<(Arc<str>, String)>,
}

/// A problem with one row (or the header), named the way compilers name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The inventory file.
    pub source: String,
    /// The line the problem is on.
    pub line: usize,
    /// Column name, when the problem is in one field.
    pub column: Option<String>,
    /// What is wrong and how to fix it.
    pub message: String,
    /// What to change so the problem goes away.
    pub fix: Option<String>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.source, self.line)?;
        if let Some(c) = &self.column {
            write!(f, "{c}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(fix) = &self.fix {
            write!(f, " (fix: {fix})")?;
        }
        Ok(())
    }
}

/// The result of reading an inventory: the good rows and all problems found.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    /// The file name as given (`<stdin>` for `-`).
    pub source: String,
    /// The usable rows, in file order.
    pub devices: Vec<Device>,
    /// The rows that cannot be used, and why.
    pub problems: Vec<Problem>,
    /// The encoding the file was decoded from, when it was not UTF-8.
    pub encoding: Option<&'static str>,
    /// The field delimiter found in the header row.
    pub delimiter: u8,
}

/// Reading failed before any row could be judged (file missing, unreadable).
#[derive(Debug)]
pub struct ReadError {
    /// The inventory file.
    pub source: String,
    /// The underlying error.
    pub error: std::io::Error,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: cannot read inventory: {}", self.source, self.error)
    }
}

impl std::error::Error for ReadError {}

/// How to read an inventory beyond the defaults: which column plays which part.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// `(role, column)` pairs from `--columns`; an empty column means "none of the columns".
    columns: Vec<(Role, String)>,
}

impl Options {
    /// Read a column mapping like `host=mgmt_ip,name=hostname` (roles: host, name, port,
    /// platform, username, password, secret). `platform=` says no column is the platform.
    pub fn with_columns(spec: &str) -> Result<Options, String> {
        let mut columns: Vec<(Role, String)> = Vec::new();
        for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((role, column)) = pair.split_once('=') else {
                return Err(format!(
                    "--columns: '{pair}' is not ROLE=COLUMN (e.g. host=mgmt_ip,name=hostname)"
                ));
            };
            let role_name = role.trim().to_ascii_lowercase();
            let role = Role::MAPPABLE
                .iter()
                .find(|r| r.key() == role_name)
                .copied()
                .ok_or_else(|| {
                    let known: Vec<&str> = Role::MAPPABLE.iter().map(|r| r.key()).collect();
                    format!(
                        "--columns: unknown role '{}' (known: {})",
                        role.trim(),
                        known.join(", ")
                    )
                })?;
            if columns.iter().any(|(r, _)| *r == role) {
                return Err(format!("--columns: {role_name} is mapped twice"));
            }
            columns.push((role, column.trim().to_string()));
        }
        Ok(Options { columns })
    }
}

/// Read an inventory from a path, or stdin for `-`.
///
/// The whole input is read before parsing, so an unreadable file (missing, a directory, a read
/// error half-way) is a `ReadError` and never a half-judged inventory.
pub fn read_path(path: &str) -> Result<Inventory, ReadError> {
    read_path_with(path, &Options::default())
}

/// `read_path` with a column mapping.
pub fn read_path_with(path: &str, options: &Options) -> Result<Inventory, ReadError> {
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
        return Ok(parse_with(&bytes, source, options));
    }
    let bytes = std::fs::read(path).map_err(|error| ReadError {
        source: path.to_string(),
        error,
    })?;
    Ok(parse_with(&bytes, path, options))
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
                    fix: None,
                }],
                encoding: None,
                delimiter: b',',
            }
        }
    }
}

/// Judge an inventory already in memory. `read` and `read_path` end here.
pub fn parse(bytes: &[u8], source: &str) -> Inventory {
    parse_with(bytes, source, &Options::default())
}

/// The text of an inventory file as UTF-8 bytes (invalid sequences kept, to be reported
/// per value), and the encoding it came from when that was not UTF-8.
pub fn decode(bytes: &[u8]) -> (Cow<'_, [u8]>, Option<&'static str>) {
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return (Cow::Borrowed(rest), None);
    }
    let utf16 = match bytes {
        [0xFF, 0xFE, ..] | [_, 0, ..] => Some(encoding_rs::UTF_16LE),
        [0xFE, 0xFF, ..] | [0, _, ..] => Some(encoding_rs::UTF_16BE),
        _ => None,
    };
    if let Some(enc) = utf16 {
        // `decode` honours and strips a BOM; malformed pairs become U+FFFD, which the host
        // and name checks then name on their line.
        let (text, enc, _) = enc.decode(bytes);
        return (Cow::Owned(text.into_owned().into_bytes()), Some(enc.name()));
    }
    if std::str::from_utf8(bytes).is_ok() || has_utf8_sequence(bytes) {
        return (Cow::Borrowed(bytes), None);
    }
    let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
    (
        Cow::Owned(text.into_owned().into_bytes()),
        Some(encoding_rs::WINDOWS_1252.name()),
    )
}

/// Whether `bytes` holds at least one well-formed multi-byte UTF-8 sequence.
fn has_utf8_sequence(bytes: &[u8]) -> bool {
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => return !s.is_ascii(),
            Err(e) => {
                if !rest[..e.valid_up_to()].is_ascii() {
                    return true;
                }
                let skip = e.valid_up_to() + e.error_len().unwrap_or(rest.len() - e.valid_up_to());
                rest = &rest[skip..];
            }
        }
    }
}

/// The delimiter of a file: named by an Excel `sep=X` first line, else the most frequent of
/// `,` `;` tab (outside quotes) in the first line that is not blank or a comment.
fn sniff_delimiter(bytes: &[u8]) -> (u8, bool) {
    let first = bytes.split(|&b| b == b'\n').next().unwrap_or(&[]);
    if let [b's' | b'S', b'e' | b'E', b'p' | b'P', b'=', d, rest @ ..] = first {
        if rest.iter().all(|b| b.is_ascii_whitespace()) && !d.is_ascii_alphanumeric() {
            return (*d, true);
        }
    }
    let header = bytes
        .split(|&b| b == b'\n')
        .find(|l| !l.trim_ascii().is_empty() && !l.starts_with(b"#"))
        .unwrap_or(&[]);
    let mut counts = [0usize; 3];
    let mut in_quotes = false;
    for &b in header {
        match b {
            b'"' => in_quotes = !in_quotes,
            b',' if !in_quotes => counts[0] += 1,
            b';' if !in_quotes => counts[1] += 1,
            b'\t' if !in_quotes => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).rev().max_by_key(|&i| counts[i]).unwrap_or(0);
    let delimiter = if counts[best] == 0 {
        b','
    } else {
        [b',', b';', b'\t'][best]
    };
    (delimiter, false)
}

/// `parse` with a column mapping.
pub fn parse_with(bytes: &[u8], source: &str, options: &Options) -> Inventory {
    let (decoded, encoding) = decode(bytes);
    let bytes = &decoded[..];
    // The csv layer ends comments only at '\n', so an old-Mac file (lone '\r' line ends)
    // would vanish into its first comment: read every lone '\r' as '\n'.
    let has_lone_cr = bytes.contains(&b'\r') && (0..bytes.len()).any(|i| is_lone_cr(bytes, i));
    let mut normalized: Cow<[u8]> = if has_lone_cr {
        let lf = |(i, &b): (usize, &u8)| if is_lone_cr(bytes, i) { b'\n' } else { b };
        Cow::Owned(bytes.iter().enumerate().map(lf).collect())
    } else {
        Cow::Borrowed(bytes)
    };
    let (delimiter, sep_line) = sniff_delimiter(&normalized);
    if sep_line {
        // Excel's `sep=;` line is not the header: make it a comment, which keeps line numbers.
        normalized.to_mut()[0] = b'#';
    }
    let bytes = &normalized[..];
    let mut parser = Parser {
        source,
        problems: Vec::new(),
        delimiter,
    };
    let mut records = Records::new(bytes, delimiter);

    let mut devices = Vec::new();
    let header = match records.next_row() {
        Ok(Some(row)) => parser.header(&records.record, row, options),
        Ok(None) => {
            parser.problem_fix(
                1,
                None,
                "empty inventory: no header row (a 'host' column is required)",
                "start the file with a header row, e.g. `name,host,platform`",
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
        encoding,
        delimiter,
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
    delimiter: u8,
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
    fn new(bytes: &'a [u8], delimiter: u8) -> Self {
        Records {
            bytes,
            delimiter,
            // Headers are found by hand (comments may come first); ragged rows are reported
            // by hand, so the csv layer must accept any record length.
            csv: csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(delimiter)
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
                && self
                    .bytes
                    .get(start..end)
                    .is_some_and(|raw| ends_inside_quotes(raw, self.delimiter));
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
fn ends_inside_quotes(raw: &[u8], delimiter: u8) -> bool {
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
        field_start = !in_quotes && b == delimiter;
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
    /// Whether to offer this device the legacy SSH algorithms (yes/no).
    Legacy,
    /// Jump hosts to reach the device through.
    Jump,
    /// Carried into `Device::fields` untouched.
    Extra,
    /// An empty header cell (e.g. a trailing comma); its values must be empty.
    Unnamed,
    /// A second column with an already used name (a header problem); ignored in rows.
    Duplicate,
}

impl Role {
    /// The roles a column can be mapped to, in the order columns are looked for: the host
    /// first, so that `hostname` is the address where nothing else is (Nornir) and the name
    /// where an `ip` column is the address.
    const MAPPABLE: [Role; 9] = [
        Role::Host,
        Role::Name,
        Role::Port,
        Role::Platform,
        Role::Username,
        Role::Password,
        Role::Secret,
        Role::Legacy,
        Role::Jump,
    ];

    /// The role's name in `--columns` and in the canonical header.
    fn key(self) -> &'static str {
        match self {
            Role::Host => "host",
            Role::Name => "name",
            Role::Port => "port",
            Role::Platform => "platform",
            Role::Username => "username",
            Role::Password => "password",
            Role::Secret => "secret",
            Role::Legacy => "legacy",
            Role::Jump => "jump",
            Role::Extra | Role::Unnamed | Role::Duplicate => "",
        }
    }

    /// Header names (normalised by `alias_key`) that mean this role, best first: netinv's
    /// own, then Netmiko's and Nornir's, then NetBox's export column titles, then the names
    /// spreadsheets use.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Role::Host => &[
                "host",
                "mgmt_ip",
                "management_ip",
                "mgmt_address",
                "management_address",
                "ip",
                "ip_address",
                "ipaddress",
                "host_ip",
                "address",
                // NetBox: `IP Address` (primary_ip) above, then the per-family columns.
                "primary_ip",
                "primary_ip4",
                "primary_ipv4",
                "ipv4_address",
                "ipv4",
                "primary_ip6",
                "primary_ipv6",
                "ipv6_address",
                "ipv6",
                // Nornir: `hostname` is what to connect to.
                "hostname",
                "fqdn",
            ],
            Role::Name => &[
                "name",
                "device",
                "device_name",
                "devicename",
                "hostname",
                "sysname",
            ],
            Role::Port => &["port", "ssh_port"],
            // Netmiko calls the platform `device_type`.
            Role::Platform => &["platform", "device_type", "network_os", "os"],
            Role::Username => &["username", "user", "login"],
            Role::Password => &["password"],
            Role::Secret => &["secret", "enable_secret", "enable_password"],
            Role::Legacy => &["legacy", "legacy_algorithms", "legacy_ssh"],
            Role::Jump => &["jump", "jump_host", "proxyjump", "proxy_jump", "bastion"],
            Role::Extra | Role::Unnamed | Role::Duplicate => &[],
        }
    }
}

/// A header name as aliases are written: lower case, runs of spaces, `-` and `.` as one `_`.
fn alias_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len());
    for c in name.trim().chars() {
        if c == ' ' || c == '-' || c == '.' || c == '_' {
            if !key.ends_with('_') {
                key.push('_');
            }
        } else {
            key.extend(c.to_lowercase());
        }
    }
    key.trim_matches('_').to_string()
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

    /// The column playing `role`, for hints.
    fn column_of(&self, role: Role) -> Option<&str> {
        self.columns
            .iter()
            .find(|c| c.role == role)
            .map(|c| &*c.name)
    }
}

struct Parser<'s> {
    source: &'s str,
    problems: Vec<Problem>,
    delimiter: u8,
}

impl Parser<'_> {
    fn problem(&mut self, line: usize, column: Option<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            source: self.source.to_string(),
            line,
            column,
            message: message.into(),
            fix: None,
        });
    }

    fn problem_fix(
        &mut self,
        line: usize,
        column: Option<String>,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) {
        self.problems.push(Problem {
            source: self.source.to_string(),
            line,
            column,
            message: message.into(),
            fix: Some(fix.into()),
        });
    }

    fn delimiter_name(&self) -> &'static str {
        match self.delimiter {
            b',' => "','",
            b';' => "';'",
            b'\t' => "tab",
            _ => "the delimiter",
        }
    }

    /// Judge the header row. `None` when rows cannot be read against it at all.
    fn header(&mut self, record: &csv::ByteRecord, row: Row, options: &Options) -> Option<Header> {
        if row.unclosed_quote {
            self.problem_fix(
                row.line,
                None,
                "a quote opened in the header row is never closed, so there are no rows",
                "close the quote, or remove it",
            );
            return None;
        }
        let mut columns: Vec<Column> = Vec::with_capacity(record.len());
        // Lower-cased name → its first column: one lookup per column, not a scan (a header of
        // 200,000 columns took 27 s).
        let mut seen: std::collections::HashMap<String, usize> = Default::default();
        for (i, raw) in record.iter().enumerate() {
            let name = match std::str::from_utf8(raw) {
                Ok(s) => s.trim().to_string(),
                Err(_) => {
                    let name = String::from_utf8_lossy(raw).trim().to_string();
                    self.problem_fix(
                        row.line,
                        Some(format!("column {}", i + 1)),
                        format!("column name '{}' is not valid UTF-8", name.escape_debug()),
                        "save the file as UTF-8 (UTF-16 and Windows-1252 are read too)",
                    );
                    name
                }
            };
            let mut role = if name.is_empty() {
                Role::Unnamed
            } else {
                Role::Extra
            };
            if role != Role::Unnamed {
                if let Some(&first) = seen.get(&name.to_ascii_lowercase()) {
                    self.problem_fix(
                        row.line,
                        Some(name.clone()),
                        format!(
                            "duplicate column (columns {} and {}; names are case-insensitive)",
                            first + 1,
                            i + 1
                        ),
                        "rename or remove one of them",
                    );
                    role = Role::Duplicate;
                }
            }
            if role != Role::Unnamed && role != Role::Duplicate {
                seen.insert(name.to_ascii_lowercase(), i);
            }
            columns.push(Column {
                name: name.into(),
                role,
            });
        }
        let found = {
            let found: Vec<String> = columns_found(&columns);
            if found.is_empty() {
                "none".to_string()
            } else {
                found.join(", ")
            }
        };

        // A mapping first, then netinv's names and the aliases, each column taking one role.
        let mut unmapped: Vec<Role> = Vec::new();
        for &(role, ref wanted) in &options.columns {
            if wanted.is_empty() {
                unmapped.push(role);
                continue;
            }
            match columns
                .iter()
                .position(|c| c.role == Role::Extra && c.name.eq_ignore_ascii_case(wanted))
            {
                Some(i) => columns[i].role = role,
                None => {
                    let message = format!(
                        "--columns maps {} to '{}', but the header has no such column \
                         (columns found: {})",
                        role.key(),
                        wanted.escape_debug(),
                        found
                    );
                    self.problem_fix(
                        row.line,
                        None,
                        message,
                        "name a column of this header in --columns (case-insensitive)",
                    );
                }
            }
        }
        for role in Role::MAPPABLE {
            let mapped = options.columns.iter().any(|(r, _)| *r == role);
            if mapped || unmapped.contains(&role) {
                continue;
            }
            let keys: Vec<String> = columns.iter().map(|c| alias_key(&c.name)).collect();
            let pick = role.aliases().iter().find_map(|alias| {
                (0..columns.len()).find(|&i| columns[i].role == Role::Extra && keys[i] == *alias)
            });
            if let Some(i) = pick {
                columns[i].role = role;
            }
        }

        if !columns.iter().any(|c| c.role == Role::Host) {
            if options.columns.iter().any(|(r, _)| *r == Role::Host) {
                // Already reported as a mapping problem.
                return None;
            }
            let message = format!(
                "no 'host' column in the header row (columns found: {})",
                found
            );
            self.problem_fix(
                row.line,
                None,
                message,
                "name the column with the address to connect to `host` (or `ip`, `mgmt_ip`, \
                 `IPv4 Address`), or map it with --columns host=COLUMN; the first row that is \
                 not blank or a comment must name the columns",
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
            self.problem_fix(
                row.line,
                None,
                format!(
                    "a quote opened in this row is never closed: it swallows lines {}-{}",
                    row.line, row.last_line
                ),
                "close the quote, or write a quote inside a quoted value as \"\"",
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
            let fix = format!(
                "give every row as many fields as the header, separated by {}; quote a value \
                 that holds the separator",
                self.delimiter_name()
            );
            self.problem_fix(
                row.line,
                None,
                format!(
                    "row has {} field{}, the header has {}{span}",
                    record.len(),
                    if record.len() == 1 { "" } else { "s" },
                    header.columns.len()
                ),
                fix,
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
        let mut legacy = None;
        let mut jump = None;
        let mut fields = Vec::new();

        for (i, (raw, column)) in record.iter().zip(&header.columns).enumerate() {
            if raw.len() > MAX_FIELD_BYTES {
                self.problem_fix(
                    row.line,
                    Some(header.label(i)),
                    format!(
                        "value is {} bytes long; at most {MAX_FIELD_BYTES} are accepted",
                        raw.len()
                    ),
                    "shorten the value (is the file an inventory?)",
                );
                continue;
            }
            let value = match std::str::from_utf8(raw) {
                Ok(s) => s.trim(),
                Err(e) => {
                    self.problem_fix(
                        row.line,
                        Some(header.label(i)),
                        format!(
                            "value is not valid UTF-8 (bad byte at offset {} of the value)",
                            e.valid_up_to()
                        ),
                        "the file mixes UTF-8 with other bytes: save it again as UTF-8",
                    );
                    continue;
                }
            };
            let label = || Some(column.name.to_string());
            let outcome = match column.role {
                Role::Host => match host_of(value) {
                    Ok(h) => {
                        host = Some((h, &*column.name));
                        Ok(())
                    }
                    Err((message, fix)) => {
                        let fix = if !value.is_empty() {
                            fix
                        } else if column.name.eq_ignore_ascii_case("host") {
                            "fill in the address".to_string()
                        } else {
                            format!(
                                "fill in the address, or map another column with \
                                 --columns host=COLUMN ('{}' is read as the host)",
                                column.name.escape_debug()
                            )
                        };
                        Err((message, fix))
                    }
                },
                Role::Name => check_plain(value).map(|()| {
                    if !value.is_empty() {
                        name = Some((value, &*column.name));
                    }
                }),
                Role::Port => parse_port(value).map(|p| port = p),
                Role::Platform => platform_of(value).map(|p| platform = p),
                Role::Username => check_plain(value).map(|()| {
                    if !value.is_empty() {
                        username = Some(value.to_string());
                    }
                }),
                // Only emptiness is judged: any other check would have to quote the value.
                Role::Password => {
                    if !value.is_empty() {
                        password = Some(Secret::new(value));
                    }
                    Ok(())
                }
                Role::Secret => {
                    if !value.is_empty() {
                        secret = Some(Secret::new(value));
                    }
                    Ok(())
                }
                Role::Legacy => parse_yes_no(value).map(|v| legacy = v),
                Role::Jump if value.is_empty() => Ok(()),
                Role::Jump => match JumpRoute::parse(value) {
                    Ok(r) => {
                        jump = Some(r);
                        Ok(())
                    }
                    Err(e) => Err((
                        e,
                        "write [user@]host[:port], several separated by commas, or none to \
                         connect directly; leave it empty for -J/--jump"
                            .to_string(),
                    )),
                },
                Role::Unnamed if !value.is_empty() => {
                    let message = format!(
                        "value '{}' is under a column with no name in the header",
                        value.escape_debug()
                    );
                    self.problem_fix(
                        row.line,
                        Some(header.label(i)),
                        message,
                        "name the column in the header, or remove the value",
                    );
                    Ok(())
                }
                Role::Unnamed => Ok(()),
                Role::Extra => {
                    fields.push((Arc::clone(&column.name), value.to_string()));
                    Ok(())
                }
                // Reported once with the header; the first column of that name counts.
                Role::Duplicate => Ok(()),
            };
            if let Err((message, fix)) = outcome {
                self.problem_fix(row.line, label(), message, fix);
            }
        }

        // The name defaults to the host; a row whose name cannot be known claims none.
        // A duplicate is reported in the column the name came from.
        let effective = name.or(host);
        if let Some((n, from)) = effective {
            match names.get(n) {
                Some(&first) => {
                    let fix = match header.column_of(Role::Name) {
                        Some(_) => "give every row a name of its own".to_string(),
                        None => "list each device once, or add a `name` column".to_string(),
                    };
                    self.problem_fix(
                        row.line,
                        Some(from.to_string()),
                        format!(
                            "duplicate name '{}' (first used on line {first})",
                            n.escape_debug()
                        ),
                        fix,
                    )
                }
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
            legacy,
            jump,
            fields,
        })
    }
}

/// A problem's message and its fix.
type Bad = (String, String);

/// The header's column names, quoted, for messages.
fn columns_found(columns: &[Column]) -> Vec<String> {
    columns
        .iter()
        .filter(|c| c.role != Role::Unnamed)
        .map(|c| format!("'{}'", c.name.escape_debug()))
        .collect()
}

/// Names and usernames end up in logs, reports and file names: no line breaks or other
/// control characters (a line break there usually means a misplaced quote).
fn check_plain(value: &str) -> Result<(), Bad> {
    match value.chars().find(|c| c.is_control()) {
        Some(c) => Err((
            format!(
                "'{}' contains the control character {:?}",
                value.escape_debug(),
                c
            ),
            "remove it; a line break here usually means a quote is misplaced".to_string(),
        )),
        None => Ok(()),
    }
}

/// `Ok(None)` for an empty cell (use the shared port).
/// A yes/no cell; empty means "as the run says".
fn parse_yes_no(value: &str) -> Result<Option<bool>, Bad> {
    match value.to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "yes" | "y" | "true" | "1" | "on" => Ok(Some(true)),
        "no" | "n" | "false" | "0" | "off" => Ok(Some(false)),
        _ => Err((
            format!("'{}' is not yes or no", value.escape_debug()),
            "write yes to offer this device the SHA-1/DSA/3DES algorithms, no or nothing otherwise"
                .to_string(),
        )),
    }
}

fn parse_port(value: &str) -> Result<Option<u16>, Bad> {
    if value.is_empty() {
        return Ok(None);
    }
    let shown = value.escape_debug();
    let fix = || "write a port from 1 to 65535, or leave it empty for -p/--port".to_string();
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err((format!("port '{shown}' is not a number (1-65535)"), fix()));
    }
    match value.parse::<u32>() {
        Ok(p @ 1..=65535) => Ok(Some(p as u16)),
        _ => Err((format!("port '{shown}' is out of range (1-65535)"), fix())),
    }
}

/// A platform as written in an inventory: a Netmiko name or alias, or a vendor spelling.
fn platform_of(value: &str) -> Result<PlatformChoice, Bad> {
    let unknown = match PlatformChoice::parse(value) {
        Ok(p) => return Ok(p),
        Err(e) => e,
    };
    let key: String = value
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if let Some(p) = crate::platform::by_spelling(&key) {
        return Ok(PlatformChoice::Known(p));
    }
    Err((
        unknown.to_string(),
        "write one of those Netmiko device_type names (vendor spellings like 'Cisco IOS' or \
         'NX-OS' work too), leave it empty to detect, or map another column with \
         --columns platform=COLUMN (platform= for none)"
            .to_string(),
    ))
}

/// The address to connect to: `value` without IPv6 brackets (`[::1]`) or a prefix length
/// (`10.0.0.1/24`, as NetBox exports addresses), checked by `check_host`.
fn host_of(value: &str) -> Result<&str, Bad> {
    let mut host = value;
    if let Some((address, bits)) = host.rsplit_once('/') {
        let address = unbracket(address);
        let max = match address.parse::<IpAddr>() {
            Ok(IpAddr::V4(_)) => 32,
            Ok(IpAddr::V6(_)) => 128,
            Err(_) => 0,
        };
        if max > 0 && bits.bytes().all(|b| b.is_ascii_digit()) {
            if bits.parse::<u32>().is_ok_and(|b| b <= max) {
                host = address;
            } else {
                return Err((
                    format!(
                        "host '{}': prefix length /{bits} is out of range (0-{max})",
                        value.escape_debug()
                    ),
                    "write the address alone, or with a valid prefix length".to_string(),
                ));
            }
        }
    }
    let host = unbracket(host);
    check_host(host).map(|()| host)
}

/// `[v6]` → `v6` when the inside is an IPv6 address; anything else unchanged.
fn unbracket(value: &str) -> &str {
    match value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
        Some(inner) if inner.parse::<Ipv6Addr>().is_ok() => inner,
        _ => value,
    }
}

/// Accept an IPv4/IPv6 address or a syntactically plausible DNS name (RFC 1123 labels;
/// underscores allowed because internal zones use them). Names are not resolved here.
fn check_host(host: &str) -> Result<(), Bad> {
    let shown = host.escape_debug();
    if host.is_empty() {
        return Err(("host is empty".to_string(), String::new()));
    }
    if host.parse::<IpAddr>().is_ok() {
        return Ok(());
    }
    let bad = |why: &str, fix: &str| {
        Err((
            format!("host '{shown}' is not an IP address or DNS name: {why}"),
            fix.to_string(),
        ))
    };
    let plain = "write an IP address (a prefix length like /24 is dropped; IPv6 may be in \
                 brackets) or a DNS name";
    if host.chars().any(char::is_whitespace) {
        return bad(
            "it contains whitespace",
            "remove the spaces, or put one address per row",
        );
    }
    if let Some((before, after)) = host.rsplit_once(':') {
        if !after.is_empty()
            && after.bytes().all(|b| b.is_ascii_digit())
            && (!before.contains(':') || unbracket(before) != before)
        {
            return bad(
                "a port goes in the 'port' column",
                "move the port into a `port` column (or -p/--port)",
            );
        }
        return bad("':' is only allowed in an IPv6 address", plain);
    }
    if host.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return bad("digits and dots only, but not a valid IPv4 address", plain);
    }
    let name = host.strip_suffix('.').unwrap_or(host);
    if name.len() > 253 {
        return bad("longer than 253 characters", plain);
    }
    for label in name.split('.') {
        if label.is_empty() {
            return bad("it has an empty label ('..' or a leading dot)", plain);
        }
        if label.len() > 63 {
            return bad("a label is longer than 63 characters", plain);
        }
        if let Some(c) = label
            .chars()
            .find(|&c| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        {
            return bad(&format!("illegal character '{}'", c.escape_debug()), plain);
        }
        if label.starts_with('-') || label.ends_with('-') {
            return bad("a label starts or ends with '-'", plain);
        }
    }
    Ok(())
}
