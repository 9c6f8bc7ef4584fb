//! Waiting on a non-blocking libssh2 session's socket, never past a deadline.

use crate::deadline::Deadline;
use ssh2::{BlockDirections, Session};
use std::os::unix::io::AsRawFd;
use std::time::Duration;

/// Outcome of one wait.
#[derive(Debug, PartialEq, Eq)]
pub enum Waited {
    /// The socket is ready.
    Ready,
    /// The deadline passed first.
    DeadlinePassed,
}

/// Block until the socket is ready in the direction libssh2 is waiting for, the deadline
/// passes, or `cap` elapses (so callers can look at other state now and then).
pub fn socket(session: &Session, deadline: Deadline, cap: Duration) -> Waited {
    let remaining = deadline.remaining();
    if remaining.is_zero() {
        return Waited::DeadlinePassed;
    }
    let events = match session.block_directions() {
        BlockDirections::Outbound => libc::POLLOUT,
        BlockDirections::Both => libc::POLLIN | libc::POLLOUT,
        // Nothing reported (or inbound): waiting for the peer is what we do.
        _ => libc::POLLIN,
    };
    let mut pfd = libc::pollfd {
        fd: session.as_raw_fd(),
        events,
        revents: 0,
    };
    let ms = remaining.min(cap).as_millis().clamp(1, i32::MAX as u128) as i32;
    // SAFETY: one valid pollfd, for the duration of the call.
    let rc = unsafe { libc::poll(&mut pfd, 1, ms) };
    if rc == 0 && deadline.expired() {
        Waited::DeadlinePassed
    } else {
        Waited::Ready
    }
}
