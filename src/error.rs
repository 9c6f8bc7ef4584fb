//! Why a device failed: the stable error kinds of reports and exit codes, with context.

use serde::Serialize;
use std::fmt;

/// The stable failure categories written into reports. Their strings are a contract with
/// scripts that read the reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The name does not resolve.
    Dns,
    /// The TCP connection was refused or the address is unreachable.
    Connect,
    /// The device's deadline passed.
    Timeout,
    /// The host key is unknown under a strict policy, or changed.
    HostKey,
    /// The credentials or the enable secret were rejected.
    Auth,
    /// SSH failed or the device hung up.
    Protocol,
    /// The device rejected the command, or it exited non-zero.
    Command,
    /// Collected, but no facts could be read (a warning).
    Parse,
    /// The run was stopped before the device was reached.
    Cancelled,
    /// A jump host (bastion) on the way to the device failed: unreachable, login or host key.
    Jump,
    /// An invalid inventory row left out under `--skip-invalid`: never contacted.
    Skipped,
    /// `collect --nats`: no runner of the device's region took its job in time (none alive,
    /// or none taking jobs); the device was not contacted.
    NoRunner,
}

impl ErrorKind {
    /// Every kind, in report order.
    pub const ALL: [ErrorKind; 12] = [
        ErrorKind::Dns,
        ErrorKind::Connect,
        ErrorKind::Timeout,
        ErrorKind::HostKey,
        ErrorKind::Auth,
        ErrorKind::Protocol,
        ErrorKind::Command,
        ErrorKind::Parse,
        ErrorKind::Cancelled,
        ErrorKind::Skipped,
        ErrorKind::Jump,
        ErrorKind::NoRunner,
    ];

    /// The kind's stable string in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Dns => "dns",
            ErrorKind::Connect => "connect",
            ErrorKind::Timeout => "timeout",
            ErrorKind::HostKey => "host_key",
            ErrorKind::Auth => "auth",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Command => "command",
            ErrorKind::Parse => "parse",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Skipped => "skipped",
            ErrorKind::Jump => "jump",
            ErrorKind::NoRunner => "no_runner",
        }
    }

    /// Kinds worth another attempt: the network or the device may behave next time.
    /// Auth, host-key and command failures would only fail again (or lock an account).
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            ErrorKind::Connect | ErrorKind::Timeout | ErrorKind::Protocol
        )
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One device's failure: a kind for machines and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceError {
    /// The failure's category.
    pub kind: ErrorKind,
    /// What happened, for people (never a secret).
    pub message: String,
}

impl DeviceError {
    /// An error of `kind` saying `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        DeviceError {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for DeviceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for DeviceError {}
