//! Parser for juniper version output (placeholder until the parsers land).

use super::Facts;

pub fn parse_junos(_output: &str) -> Facts {
    Facts::default()
}
