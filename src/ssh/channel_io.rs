//! `ShellIo` over an ssh2 channel with a PTY: non-blocking reads and writes that wait in poll()
//! and never past the deadline.

use super::shell::ShellIo;
use super::wait::{self, Waited};
use super::{ssh_error, Connection};
use crate::deadline::Deadline;
use crate::error::DeviceError;
use ssh2::{Channel, Session};
use std::io::{self, ErrorKind, Read, Write};
use std::time::Duration;

const POLL_CAP: Duration = Duration::from_millis(250);

/// An interactive shell channel, ready for the driver.
pub struct ChannelIo {
    session: Session,
    channel: Channel,
}

impl ChannelIo {
    /// Open a session channel, ask for a wide PTY and a shell.
    pub fn open(conn: &Connection, deadline: Deadline) -> Result<ChannelIo, DeviceError> {
        let session = conn.session().clone();
        session.set_blocking(true);
        conn.arm(deadline);
        let mut channel = session
            .channel_session()
            .map_err(|e| ssh_error(e, "opening a session channel", deadline))?;
        conn.arm(deadline);
        // Wide, so devices do not wrap long lines; 24 rows like a real terminal (paging is
        // turned off by command, which is what works on every platform).
        channel
            .request_pty("vt100", None, Some((511, 24, 0, 0)))
            .map_err(|e| ssh_error(e, "requesting a PTY", deadline))?;
        conn.arm(deadline);
        channel
            .shell()
            .map_err(|e| ssh_error(e, "starting a shell", deadline))?;
        session.set_blocking(false);
        Ok(ChannelIo { session, channel })
    }
}

impl ShellIo for ChannelIo {
    fn read(&mut self, buf: &mut [u8], deadline: Deadline) -> io::Result<usize> {
        loop {
            match self.channel.read(buf) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    if self.channel.eof() {
                        return Ok(0);
                    }
                    if wait::socket(&self.session, deadline, POLL_CAP) == Waited::DeadlinePassed {
                        return Err(io::Error::new(ErrorKind::TimedOut, "deadline passed"));
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn write_all(&mut self, mut data: &[u8], deadline: Deadline) -> io::Result<()> {
        while !data.is_empty() {
            match self.channel.write(data) {
                Ok(0) => return Err(io::Error::new(ErrorKind::WriteZero, "channel closed")),
                Ok(n) => data = &data[n..],
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    if wait::socket(&self.session, deadline, POLL_CAP) == Waited::DeadlinePassed {
                        return Err(io::Error::new(ErrorKind::TimedOut, "deadline passed"));
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}
