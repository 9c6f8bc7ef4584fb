//! Parser for fortinet version output (placeholder until the parsers land).

use super::Facts;

pub fn parse_fortios(_output: &str) -> Facts {
    Facts::default()
}
