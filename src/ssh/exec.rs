//! One command on an SSH exec channel: stdout and stderr read together, output capped,
//! exit status collected, every wait bounded by the device deadline.

use super::wait::{self, Waited};
use super::{is_request_denied, ssh_error, Connection};
use crate::deadline::Deadline;
use crate::error::{DeviceError, ErrorKind};
use std::io::{ErrorKind as IoKind, Read};
use std::time::Duration;

/// What one exec produced.
#[derive(Debug, Default)]
pub struct ExecOutput {
    /// What the command wrote to stdout, up to the cap.
    pub stdout: Vec<u8>,
    /// What the command wrote to stderr, up to the cap.
    pub stderr: Vec<u8>,
    /// The exit status, if the device sent one.
    pub exit_status: Option<i32>,
    /// More than `max_output` bytes came; the rest was read and dropped.
    pub truncated: bool,
}

/// Why an exec did not produce output.
#[derive(Debug)]
pub enum ExecError {
    /// The device refused the exec request: a shell may still work.
    Refused(DeviceError),
    /// Anything else that went wrong on the channel.
    Failed(DeviceError),
}

impl From<ExecError> for DeviceError {
    fn from(e: ExecError) -> Self {
        match e {
            ExecError::Refused(d) | ExecError::Failed(d) => d,
        }
    }
}

/// How long one poll may sleep before we look at the deadline again.
const POLL_CAP: Duration = Duration::from_millis(250);

/// Bytes taken from libssh2 per read call.
const READ_CHUNK: usize = 4096;

/// Runs `command` on an exec channel, keeping at most `max_output` bytes.
pub fn run(
    conn: &Connection,
    command: &str,
    max_output: usize,
    deadline: Deadline,
) -> Result<ExecOutput, ExecError> {
    let session = conn.session();
    session.set_blocking(true);
    conn.arm(deadline);
    let mut channel = session
        .channel_session()
        .map_err(|e| ExecError::Failed(ssh_error(e, "opening a session channel", deadline)))?;
    if let Err(e) = channel.exec(command) {
        return Err(if is_request_denied(&e) {
            ExecError::Refused(DeviceError::new(
                ErrorKind::Command,
                format!("the device refused to exec `{command}` (exec channel not supported)"),
            ))
        } else {
            ExecError::Failed(ssh_error(e, &format!("exec `{command}`"), deadline))
        });
    }
    tracing::debug!(command, "exec started");

    // From here on libssh2 never blocks; we wait in poll() with the deadline instead, so a
    // device that drips output forever is still cut off on time.
    session.set_blocking(false);
    let mut out = ExecOutput::default();
    // On the stack and small: a thousand workers each holding a zeroed 32 KiB heap buffer
    // cost 32 MB of RSS and a memset per device; libssh2 hands out what it has queued in
    // any size we ask for, so a bigger buffer saves nothing but calls.
    let mut buf = [0u8; READ_CHUNK];
    loop {
        let mut progressed = false;
        for stream_id in [0, 1] {
            loop {
                let mut stream = channel.stream(stream_id);
                match stream.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        progressed = true;
                        let (held_out, held_err) = (out.stdout.len(), out.stderr.len());
                        let sink = if stream_id == 0 {
                            &mut out.stdout
                        } else {
                            &mut out.stderr
                        };
                        // One cap for both streams together: what a report holds per command.
                        let held = held_out + held_err;
                        let room = max_output.saturating_sub(held);
                        if n > room {
                            out.truncated = true;
                        }
                        sink.extend_from_slice(&buf[..n.min(room)]);
                    }
                    Err(e) if e.kind() == IoKind::WouldBlock => break,
                    Err(e) => {
                        return Err(ExecError::Failed(DeviceError::new(
                            ErrorKind::Protocol,
                            format!(
                            "reading output of `{command}`: connection lost after {} bytes ({e})",
                            out.stdout.len() + out.stderr.len()
                        ),
                        )))
                    }
                }
            }
        }
        if channel.eof() {
            break;
        }
        if !progressed && wait::socket(session, deadline, POLL_CAP) == Waited::DeadlinePassed {
            return Err(ExecError::Failed(DeviceError::new(
                ErrorKind::Timeout,
                format!(
                    "`{command}` did not finish before the deadline ({} bytes received)",
                    out.stdout.len() + out.stderr.len()
                ),
            )));
        }
    }

    // The exit status arrives just before the close; give it until the deadline, but a device
    // that never closes the channel after EOF still counts as collected.
    loop {
        match channel.wait_close() {
            Ok(()) => {
                out.exit_status = channel.exit_status().ok();
                break;
            }
            Err(e) if super::is_eagain(&e) => {
                if wait::socket(session, deadline, POLL_CAP) == Waited::DeadlinePassed {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    Ok(out)
}
