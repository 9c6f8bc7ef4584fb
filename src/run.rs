//! Dispatch of subcommands and the one place errors become messages and exit codes.

pub fn main() -> i32 {
    0
}
