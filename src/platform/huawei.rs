//! Parser for huawei version output (placeholder until the parsers land).

use super::Facts;

pub fn parse_vrp(_output: &str) -> Facts {
    Facts::default()
}
