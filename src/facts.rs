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

    let version_at = outputs.iter().position(|o| {
        commands.is_empty()
            || platform.is_some_and(|p| o.command.eq_ignore_ascii_case(p.spec().version_command))
    });
    // The command facts come from decides whether the device was collected; with none among
    // the commands, any command that ran does. The other commands' rejections are warnings.
    let failed = match version_at {
        Some(i) => outputs[i].error.clone(),
        None if outputs.iter().all(|o| o.error.is_some()) => {
            outputs.first().and_then(|o| o.error.clone())
        }
        None => None,
    };
    if let Some(e) = failed {
        record.outcome = Outcome::Failed(e);
        return;
    }
    let version_output = version_at.map(|i| &outputs[i]);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::CommandOutput;
    use std::time::Duration;

    const IOS: &str = "Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E9, RELEASE SOFTWARE (fc1)\n";

    fn answered(command: &str, output: &str) -> CommandOutput {
        CommandOutput {
            command: command.into(),
            output: output.into(),
            truncated: false,
            error: None,
        }
    }

    fn rejected(command: &str) -> CommandOutput {
        CommandOutput {
            error: Some(DeviceError::new(
                ErrorKind::Command,
                format!("`{command}` rejected by the device: % Invalid input"),
            )),
            ..answered(command, "% Invalid input detected at '^' marker.\n")
        }
    }

    /// A worker's record for a cisco_ios device that ran `outputs`, completed by `read`.
    fn read_ios(outputs: Vec<CommandOutput>) -> Record {
        let commands: Vec<String> = outputs.iter().map(|o| o.command.clone()).collect();
        let mut r = Record::cancelled(0, Some(Platform::CiscoIos));
        r.outcome = Outcome::Collected {
            outputs,
            facts: None,
            warning: None,
        };
        r.elapsed = Duration::from_millis(1);
        read(&mut r, PlatformChoice::Known(Platform::CiscoIos), &commands);
        r
    }

    #[test]
    fn a_device_whose_version_command_answered_is_collected_and_the_other_rejections_are_warnings()
    {
        let r = read_ios(vec![
            answered("show version", IOS),
            rejected("show inventory"),
        ]);
        assert!(r.is_ok());
        assert_eq!(r.error(), None);
        let Outcome::Collected { facts, .. } = &r.outcome else {
            unreachable!()
        };
        assert_eq!(
            facts.as_ref().unwrap().version.as_deref(),
            Some("15.2(7)E9")
        );
        let warned: Vec<&str> = r.command_warnings().map(|(c, _)| c).collect();
        assert_eq!(warned, ["show inventory"]);
    }

    #[test]
    fn a_device_whose_version_command_was_rejected_fails_even_when_another_command_answered() {
        let r = read_ios(vec![
            answered("show clock", "10:00\n"),
            rejected("show version"),
        ]);
        assert_eq!(r.status(), "failed");
        let e = r.error().unwrap();
        assert_eq!(e.kind, ErrorKind::Command);
        assert!(e.message.starts_with("`show version` rejected"), "{e}");
    }

    #[test]
    fn without_a_version_command_any_command_that_answered_collects_the_device() {
        let r = read_ios(vec![
            rejected("show inventory"),
            answered("show clock", "10:00\n"),
        ]);
        assert!(r.is_ok());
        assert_eq!(r.command_warnings().count(), 1);
        let r = read_ios(vec![
            rejected("show inventory"),
            rejected("show ip int brief"),
        ]);
        assert_eq!(r.status(), "failed");
        assert!(r.error().unwrap().message.contains("show inventory"));
    }
}
