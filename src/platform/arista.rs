//! Parser for arista version output (placeholder until the parsers land).

use super::Facts;

pub fn parse_eos(_output: &str) -> Facts {
    Facts::default()
}
