//! Parser for hp version output (placeholder until the parsers land).

use super::Facts;

pub fn parse_procurve(_output: &str) -> Facts {
    Facts::default()
}
