//! ssh_config's `ProxyCommand`, the escape hatch: a command whose stdin and stdout carry the
//! device's SSH connection (`socat - TCP:%h:%p`, `ssh -W %h:%p bastion`, a vendor's console
//! server client …).
//!
//! As ssh runs it: `/bin/sh -c "exec COMMAND"` with `%h`, `%p`, `%r`, `%n` and `%%` expanded.
//! Its stdin and stdout are one end of a socket pair; the other end is the SSH session's
//! socket, so libssh2 neither knows nor cares. What it writes to stderr is kept (bounded) to
//! explain a failure. It runs in a process group of its own, which is killed and the command
//! reaped when the connection ends, whatever the command started; netinv's secrets are taken
//! out of its environment.

use crate::deadline::Deadline;
use crate::error::{DeviceError, ErrorKind};
use std::io::Read;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// What is kept of the command's stderr for an error message.
const STDERR_KEPT: usize = 4096;
/// What of it an error message quotes.
const STDERR_QUOTED: usize = 400;

/// The values `%h`, `%p`, `%r`, `%n` stand for.
#[derive(Debug, Clone, Copy)]
pub struct Tokens<'a> {
    /// The host connected to (ssh_config's `HostName`, else the inventory host).
    pub host: &'a str,
    /// The port of the device, for the command's `%p`.
    pub port: u16,
    /// The user logging in to the device.
    pub user: &'a str,
    /// The host as the inventory names it.
    pub original: &'a str,
}

/// `template` with its tokens expanded, as ssh expands them. Host and user names go into a
/// shell command line, so one that holds anything but letters, digits and `.-_:@[]` is refused
/// (ssh refuses them too, since 9.6), as is a `%` token ssh has but netinv does not fill in.
pub fn expand(template: &str, t: &Tokens<'_>) -> Result<String, String> {
    expand_with(template, t, true)
}

/// `template` with its tokens expanded; `%d` (the home directory) and `%u` (the local user)
/// too, and names are checked for shell characters only when `shell` says it goes to a shell.
pub fn expand_with(template: &str, t: &Tokens<'_>, shell: bool) -> Result<String, String> {
    let safe = |what: &str, v: &str| {
        if !shell
            || v.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-_:@[]".contains(c))
        {
            Ok(v.to_string())
        } else {
            Err(format!(
                "the {what} '{}' would go into the command's shell line (%{}) and holds \
                 characters a shell treats specially",
                v.escape_debug(),
                match what {
                    "user" => 'r',
                    "inventory host" => 'n',
                    _ => 'h',
                }
            ))
        }
    };
    let mut out = String::with_capacity(template.len() + 32);
    let mut chars = template.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('h') => out.push_str(&safe("host", t.host)?),
            Some('p') => out.push_str(&t.port.to_string()),
            Some('r') => out.push_str(&safe("user", t.user)?),
            Some('n') => out.push_str(&safe("inventory host", t.original)?),
            Some('d') if !shell => out.push_str(&env_or_empty("HOME")),
            Some('u') if !shell => out.push_str(&env_or_empty("USER")),
            Some(other) => {
                return Err(format!(
                    "token %{other} is not one netinv fills in (it has %h %p %r %n {}%%)",
                    if shell { "" } else { "%d %u " }
                ))
            }
            None => return Err("a lone % at the end (write %% for a percent sign)".into()),
        }
    }
    Ok(out)
}

fn env_or_empty(var: &str) -> String {
    std::env::var(var).unwrap_or_default()
}

/// The environment variables holding netinv's own secrets: a proxy command has no use for them.
const SECRET_ENV: [&str; 4] = [
    crate::settings::ENV_PASSWORD,
    crate::settings::ENV_KEY_PASSPHRASE,
    crate::settings::ENV_ENABLE_SECRET,
    super::jump::ENV_JUMP_PASSWORD,
];

/// A running proxy command. Dropping it kills its process group and reaps it.
pub struct ProxyProcess {
    command: String,
    child: Child,
    stderr: Arc<Stderr>,
}

/// The command's stderr as read so far, and whether it has ended.
#[derive(Default)]
struct Stderr {
    state: Mutex<(Vec<u8>, bool)>,
    ended: Condvar,
}

impl ProxyProcess {
    /// Start `command` (already expanded); the stream returned is the SSH connection.
    pub fn spawn(command: &str) -> Result<(ProxyProcess, UnixStream), DeviceError> {
        let failed = |e: std::io::Error| {
            DeviceError::new(
                ErrorKind::Connect,
                format!("cannot start ProxyCommand `{command}`: {e}"),
            )
        };
        let (ours, theirs) = UnixStream::pair().map_err(failed)?;
        let theirs_out = theirs.try_clone().map_err(failed)?;
        let mut child = {
            // The command (and with it netinv's copies of the child's ends) is dropped right
            // after the spawn: while netinv held them, the command's exit would not show as
            // the end of the connection.
            let mut cmd = Command::new("/bin/sh");
            cmd.arg("-c")
                .arg(format!("exec {command}"))
                .stdin(Stdio::from(OwnedFd::from(theirs)))
                .stdout(Stdio::from(OwnedFd::from(theirs_out)))
                .stderr(Stdio::piped())
                .process_group(0);
            for var in SECRET_ENV {
                cmd.env_remove(var);
            }
            cmd.spawn().map_err(failed)?
        };
        let stderr = Arc::new(Stderr::default());
        if let Some(mut pipe) = child.stderr.take() {
            let sink = Arc::clone(&stderr);
            let reader = std::thread::Builder::new()
                .name("proxy-stderr".into())
                .stack_size(64 * 1024)
                .spawn(move || {
                    let mut buf = [0u8; 1024];
                    loop {
                        match pipe.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                let mut st = sink.state.lock().unwrap_or_else(|e| e.into_inner());
                                let room = STDERR_KEPT.saturating_sub(st.0.len());
                                st.0.extend_from_slice(&buf[..n.min(room)]);
                            }
                        }
                    }
                    sink.state.lock().unwrap_or_else(|e| e.into_inner()).1 = true;
                    sink.ended.notify_all();
                });
            if let Err(e) = reader {
                drop(ProxyProcess {
                    command: command.to_string(),
                    child,
                    stderr,
                });
                return Err(failed(e));
            }
        }
        tracing::debug!(pid = child.id(), "ProxyCommand started");
        Ok((
            ProxyProcess {
                command: command.to_string(),
                child,
                stderr,
            },
            ours,
        ))
    }

    /// The connection failed before the SSH handshake finished: say what the command did.
    /// A command that exited is why (kind `connect`: the way to the device failed); one that
    /// still runs only adds what it said to `err`.
    pub fn explain(&self, err: DeviceError, deadline: Deadline) -> DeviceError {
        let mut exited = None;
        if err.kind != ErrorKind::Timeout {
            // The connection ended: if the command exited, its stderr is closed by now, or
            // will be in a moment (it could also have left a child holding it: not waited for
            // long).
            let st = self.stderr.state.lock().unwrap_or_else(|e| e.into_inner());
            let wait = deadline.min_with(Duration::from_secs(1)).remaining();
            drop(
                self.stderr
                    .ended
                    .wait_timeout_while(st, wait, |s| !s.1)
                    .unwrap_or_else(|e| e.into_inner()),
            );
            let until = deadline.min_with(Duration::from_millis(200));
            exited = loop {
                match self.exited() {
                    None if !until.expired() => std::thread::sleep(Duration::from_millis(2)),
                    e => break e,
                }
            };
        }
        let said = self.said();
        let said = if said.is_empty() {
            "it wrote nothing to stderr".to_string()
        } else {
            format!("it said: {said}")
        };
        match exited {
            Some(how) => DeviceError::new(
                ErrorKind::Connect,
                format!(
                    "ProxyCommand `{}` {how} before the SSH handshake finished; {said}",
                    self.command
                ),
            ),
            None => DeviceError::new(
                err.kind,
                format!(
                    "{} (through ProxyCommand `{}`; {said})",
                    err.message, self.command
                ),
            ),
        }
    }

    /// How the command ended, if it has; it stays a zombie (not reaped) so that its process
    /// group cannot be another's by the time it is killed.
    fn exited(&self) -> Option<String> {
        // SAFETY: waitid fills in `info`, a plain C struct, for our own child; WNOWAIT leaves
        // it to be reaped by `Drop`.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let rc = unsafe {
            libc::waitid(
                libc::P_PID,
                self.child.id(),
                &mut info,
                libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
            )
        };
        // SAFETY: after a successful waitid with WEXITED, these fields are the ones it set.
        if rc != 0 || unsafe { info.si_pid() } == 0 {
            return None;
        }
        let status = unsafe { info.si_status() };
        Some(match info.si_code {
            libc::CLD_EXITED => format!("exited with status {status}"),
            _ => format!("was killed by signal {status}"),
        })
    }

    /// Its stderr, on one line, cut short.
    fn said(&self) -> String {
        let st = self.stderr.state.lock().unwrap_or_else(|e| e.into_inner());
        let text = String::from_utf8_lossy(&st.0);
        let one_line = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" | ");
        match one_line.char_indices().nth(STDERR_QUOTED) {
            Some((at, _)) => format!("{}…", &one_line[..at]),
            None => one_line,
        }
    }

    /// The process id of the command (its process group's too).
    pub fn id(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ProxyProcess {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the process group this process started, whose leader is not
        // reaped yet (so its id is nobody else's); no memory involved.
        unsafe { libc::kill(-(self.child.id() as libc::pid_t), libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> Tokens<'static> {
        Tokens {
            host: "10.1.1.1",
            port: 2222,
            user: "netops",
            original: "core-1",
        }
    }

    #[test]
    fn tokens_expand_as_ssh_expands_them() {
        assert_eq!(
            expand("ssh -W %h:%p -l %r jump # %n 100%%", &tokens()).unwrap(),
            "ssh -W 10.1.1.1:2222 -l netops jump # core-1 100%"
        );
    }

    #[test]
    fn unknown_tokens_and_shell_characters_in_names_are_refused() {
        assert!(expand("nc %h %C", &tokens()).unwrap_err().contains("%C"));
        assert!(expand("nc %h 22%", &tokens())
            .unwrap_err()
            .contains("lone %"));
        let evil = Tokens {
            host: "a;reboot",
            ..tokens()
        };
        assert!(expand("nc %h %p", &evil)
            .unwrap_err()
            .contains("'a;reboot'"));
        let evil = Tokens {
            user: "$(id)",
            ..tokens()
        };
        assert!(expand("x %r", &evil).unwrap_err().contains("%r"));
        // A name that is not expanded is not checked.
        assert_eq!(expand("nc %h %p", &evil).unwrap(), "nc 10.1.1.1 2222");
    }
}
