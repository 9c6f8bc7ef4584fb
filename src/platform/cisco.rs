//! Parser for cisco version output (placeholder until the parsers land).

use super::Facts;

pub fn parse_ios(_output: &str) -> Facts {
    Facts::default()
}

pub fn parse_nxos(_output: &str) -> Facts {
    Facts::default()
}

pub fn parse_xr(_output: &str) -> Facts {
    Facts::default()
}

pub fn parse_asa(_output: &str) -> Facts {
    Facts::default()
}
