//! Small text helpers shared by the parsers, and platform detection from output alone.

use super::Platform;

/// Placeholder until the parsers land: detect nothing.
pub fn detect(_output: &str) -> Option<Platform> {
    None
}
