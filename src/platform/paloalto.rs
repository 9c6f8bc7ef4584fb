//! Parser for paloalto version output (placeholder until the parsers land).

use super::Facts;

pub fn parse_panos(_output: &str) -> Facts {
    Facts::default()
}
