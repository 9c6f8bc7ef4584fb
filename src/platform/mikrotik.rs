//! Parser for mikrotik version output (placeholder until the parsers land).

use super::Facts;

pub fn parse_routeros(_output: &str) -> Facts {
    Facts::default()
}
