//! Parser for linux version output (placeholder until the parsers land).

use super::Facts;

pub fn parse_linux(_output: &str) -> Facts {
    Facts::default()
}
