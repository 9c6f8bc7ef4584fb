//! Facts from collected outputs: the platform (detected when the inventory left it open), the
//! parsed `show version` facts, and the `parse` warning when none could be read.
//!
//! This runs on the main thread as records arrive, not in the workers: parsing takes
//! microseconds, and one thread keeps one set of regex caches for the whole run where a
//! thousand workers would grow a set each.

use crate::collect::{Outcome, Record};
use crate::error::{DeviceError, ErrorKind};
use crate::platform::{Platform, PlatformChoice};

/// Complete a worker's record: which platform it is, and what its version output says.
/// `choice` is the inventory's platform column; `commands` the user's `-c` commands, if any.
pub fn read(record: &mut Record, choice: PlatformChoice, commands: &[String]) {
    let Outcome::Collected {
        outputs,
        facts,
        warning,
    } = &mut record.outcome
    else {
        return;
    };
    let first = outputs.first().map(|o| o.output.as_str()).unwrap_or("");
    let (platform, detected) = match (record.platform, choice) {
        (Some(p), PlatformChoice::Known(k)) => (Some(p), p != k),
        (Some(p), PlatformChoice::Detect) => (Some(p), true),
        (None, _) => match crate::platform::detect(first) {
            Some(p) => (Some(p), true),
            None => (None, false),
        },
    };
    record.platform = platform;
    record.platform_detected = detected;

    let version_output = outputs.iter().find(|o| {
        commands.is_empty()
            || platform.is_some_and(|p| o.command.eq_ignore_ascii_case(p.spec().version_command))
    });
    match (platform, version_output) {
        // The user's own commands on an unknown platform: nothing to parse, nothing to warn about.
        (None, _) if !commands.is_empty() => {}
        (None, _) => {
            *warning = Some(DeviceError::new(
                ErrorKind::Parse,
                "could not tell the platform from the output; set the `platform` column",
            ))
        }
        (Some(_), None) => {}
        (Some(p), Some(o)) => {
            let mut parsed = p.parse(&o.output);
            parsed
                .vendor
                .get_or_insert_with(|| p.spec().vendor.to_string());
            parsed.os.get_or_insert_with(|| p.spec().os.to_string());
            if parsed.version.is_none() {
                *warning = Some(no_version(p, &o.command));
            }
            *facts = Some(Box::new(parsed));
        }
    }
}

fn no_version(p: Platform, command: &str) -> DeviceError {
    DeviceError::new(
        ErrorKind::Parse,
        format!(
            "no {} version found in the output of `{command}`",
            p.spec().os
        ),
    )
}
