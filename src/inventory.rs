//! The device inventory: CSV → `Vec<Device>`, with every problem named by file, line and column.

use crate::platform::PlatformChoice;
use std::fmt;

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
    /// Every other column, in header order, carried into reports untouched.
    pub fields: Vec<(String, String)>,
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
pub fn read_path(path: &str) -> Result<Inventory, ReadError> {
    let _ = path;
    todo!("inventory reader")
}

/// Read an inventory from any reader; `source` names it in problems.
pub fn read(reader: impl std::io::Read, source: &str) -> Inventory {
    let _ = (reader, source);
    todo!("inventory reader")
}
