//! Exit codes: a contract with scripts and cron (README's table), so a value never changes.

/// How a netinv process ends; `code` is its exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Every device collected (or the subcommand did what it was asked).
    Ok = 0,
    /// Some devices failed, or a report could not be written.
    SomeFailed = 1,
    /// The command line or a setting is unusable; nothing was contacted.
    Usage = 2,
    /// The run is complete and every device collected, but some run versions the policy does
    /// not approve (1 wins when devices also failed).
    NonCompliant = 3,
    /// Another run holds the `--history` lock: this one did not start.
    HistoryLocked = 4,
    /// Stopped by Ctrl-C or SIGTERM.
    Interrupted = 130,
}

impl Exit {
    /// The process's exit status.
    pub fn code(self) -> i32 {
        self as i32
    }
}

#[cfg(test)]
mod tests {
    use super::Exit;

    /// Scripts test for these numbers: changing one breaks them silently.
    #[test]
    fn the_exit_codes_keep_their_values() {
        let codes = [
            (Exit::Ok, 0),
            (Exit::SomeFailed, 1),
            (Exit::Usage, 2),
            (Exit::NonCompliant, 3),
            (Exit::HistoryLocked, 4),
            (Exit::Interrupted, 130),
        ];
        for (exit, code) in codes {
            assert_eq!(exit.code(), code, "{exit:?}");
        }
    }
}
