//! The command-line interpreter of one simulated session: modes, prompts, paging settings,
//! session-prep commands, `enable`, the version command and the platform's real error texts.

use super::devices::{self, Identity};
use super::faults::Fault;
use crate::platform::Platform;
use crate::platforms::{linux, profile, Rejected};
use std::fmt::Write as _;
use std::sync::Arc;

/// The CLI's mode: what the prompt shows and which commands are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    User,
    Privileged,
    Config,
}

/// What the session does after a line has been interpreted.
#[derive(Debug, PartialEq, Eq)]
pub enum Reply {
    /// Print this (`\n` line endings); `output` marks real command output, which the
    /// output faults (hang, drip, disconnect, huge) act on.
    Text { text: String, output: bool },
    /// Ask for the enable secret (`Password: `, no echo) and hand the answer to `secret`.
    Password,
    /// Close the session (`exit`, `logout`, `quit`).
    Close,
}

impl Reply {
    fn say(s: impl Into<String>) -> Reply {
        Reply::Text {
            text: s.into(),
            output: false,
        }
    }
    fn output(s: impl Into<String>) -> Reply {
        Reply::Text {
            text: s.into(),
            output: true,
        }
    }
}

/// What a command of a platform's command table does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Version,
    /// `terminal length N`-like: the number is the page length, 0 = no paging.
    PageLen,
    PagingOff,
    PagingOn,
    Width,
    /// Accepted and answered with the prompt only.
    Quiet,
    Enable,
    Disable,
    ConfigEnter,
    End,
    Exit,
    Identity,
    /// FortiOS `get system console` / `show full-configuration system console`.
    ConsoleState,
}

/// The platform's command table, group after group.
fn commands(p: Platform) -> impl Iterator<Item = &'static (&'static str, Cmd)> {
    profile(p).commands.iter().flat_map(|group| group.iter())
}

/// Does `input` name `pattern`? Words may be abbreviated where the platform allows it.
/// Returns the first captured number, if any.
fn matches(input: &[&str], pattern: &str, abbreviate: bool) -> Option<Option<u32>> {
    let pat: Vec<&str> = pattern.split_whitespace().collect();
    if pat.len() != input.len() {
        return None;
    }
    let mut number = None;
    for (word, want) in input.iter().zip(&pat) {
        match *want {
            "<n>" => number = Some(word.parse::<u32>().ok()?),
            "<w>" => {}
            lit => {
                let w = word.to_ascii_lowercase();
                let ok = w == lit || (abbreviate && w.len() >= 2 && lit.starts_with(&w));
                if !ok {
                    return None;
                }
            }
        }
    }
    Some(number)
}

/// One session's CLI state.
pub struct Console {
    id: Arc<Identity>,
    user: String,
    fault: Option<Fault>,
    secret: Option<String>,
    mode: Mode,
    /// Rows of the client's terminal (24 without a PTY size).
    rows: usize,
    /// What the session asked for: `None` = the terminal's rows, `Some(0)` = no paging.
    page_len: Option<usize>,
    bad_secrets: u8,
    no_more: bool,
}

impl Console {
    pub fn new(
        id: Arc<Identity>,
        user: &str,
        fault: Option<Fault>,
        secret: Option<String>,
    ) -> Self {
        let starts_in_user_mode =
            fault == Some(Fault::UserMode) && devices::behaviour(id.platform).enable;
        Console {
            id,
            user: user.to_string(),
            fault,
            secret,
            mode: if starts_in_user_mode {
                Mode::User
            } else {
                Mode::Privileged
            },
            rows: 24,
            page_len: None,
            bad_secrets: 0,
            no_more: false,
        }
    }

    pub fn platform(&self) -> Platform {
        self.id.platform
    }

    pub fn set_rows(&mut self, rows: u32) {
        if rows > 0 {
            self.rows = rows as usize;
        }
    }

    /// Lines per page, or `None` when output runs straight through.
    pub fn page_len(&self) -> Option<usize> {
        if self.id.platform == Platform::Linux {
            return None;
        }
        let configured = if self.fault == Some(Fault::PagerStuck) {
            None
        } else {
            self.page_len
        };
        match configured.unwrap_or(self.rows) {
            0 => None,
            // The pager prompt takes the last row of the page.
            n => Some(n.saturating_sub(1).max(1)),
        }
    }

    /// What the shell prints between login and the first prompt.
    pub fn banner(&self) -> String {
        if self.fault == Some(Fault::HashBanner) {
            return hash_banner(&self.id.hostname);
        }
        (profile(self.id.platform).banner)(&self.id)
    }

    /// ProCurve stops after the banner until a key is pressed.
    pub fn press_any_key(&self) -> bool {
        self.id.platform == Platform::HpProcurve
    }

    /// The prompt as the device prints it (with the VC line and ANSI colours where they apply).
    pub fn prompt(&self) -> String {
        let core = self.plain_prompt();
        let mut s = String::new();
        if self.id.platform == Platform::JuniperJunos {
            if self.mode == Mode::Config {
                s.push_str("\n[edit]\n");
            }
            if self.id.virtual_chassis {
                s.push_str("{master:0}");
                if self.mode == Mode::Config {
                    s.push_str("[edit]");
                }
                s.push('\n');
            }
        }
        if self.fault == Some(Fault::AnsiPrompt) {
            let _ = write!(s, "\x1b[1;32m{core}\x1b[0m");
        } else {
            s.push_str(&core);
        }
        s
    }

    /// The prompt without decoration; its length places the `^` of error messages.
    pub fn plain_prompt(&self) -> String {
        if self.fault == Some(Fault::OddPrompt) && self.mode != Mode::Config {
            if let Some(p) = self.odd_prompt() {
                return p;
            }
        }
        (profile(self.id.platform).prompt)(&self.id, &self.user, self.mode)
    }

    /// The odd-prompt quirk's prompt shapes, one chosen per device; `None` = the usual prompt
    /// (on platforms where the quirk is a very long hostname instead).
    fn odd_prompt(&self) -> Option<String> {
        use Platform::*;
        let h = &self.id.hostname;
        let first = self.id.seed.is_multiple_of(2);
        let mark = if self.mode == Mode::User { ">" } else { "#" };
        Some(match self.id.platform {
            CiscoNxos if first => format!("{h}>"),
            CiscoNxos => format!("{h}(maint-mode){mark}"),
            CiscoXr if first => format!("{h}#"),
            CiscoAsa if first => format!("{h}/admin{mark}"),
            CiscoAsa => format!("{h}/pri/act{mark}"),
            _ => return None,
        })
    }

    /// What the odd-prompt quirk prints above the first prompt: IOS-XR's timestamp line.
    pub fn above_first_prompt(&self) -> Option<&'static str> {
        (self.fault == Some(Fault::OddPrompt)
            && self.id.platform == Platform::CiscoXr
            && self.id.seed % 2 == 1)
            .then_some("\nMon Mar  6 10:11:12.345 UTC\n")
    }

    /// Interpret one line typed at the prompt.
    pub fn line(&mut self, line: &str) -> Reply {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            return Reply::say("");
        }
        if self.id.platform == Platform::Linux {
            return self.linux(trimmed);
        }
        let (trimmed, filters) = match trimmed.split_once('|') {
            Some((cmd, rest)) => (cmd.trim(), Some(rest)),
            None => (trimmed, None),
        };
        let words: Vec<&str> = trimmed.split_whitespace().collect();
        let abbreviate = devices::behaviour(self.id.platform).abbreviations;
        let mut found = None;
        for (pattern, cmd) in commands(self.id.platform) {
            if let Some(n) = matches(&words, pattern, abbreviate) {
                found = Some((*cmd, n));
                break;
            }
        }
        let Some((cmd, number)) = found else {
            return Reply::say(self.unknown(trimmed, true));
        };
        let reply = self.run(cmd, number, trimmed);
        let reply = match reply {
            // Junos leaves a blank line between any output and the next prompt.
            Reply::Text { mut text, output }
                if self.id.platform == Platform::JuniperJunos && !text.is_empty() =>
            {
                if !text.ends_with("\n\n") {
                    text.push('\n');
                }
                Reply::Text { text, output }
            }
            other => other,
        };
        match (filters, reply) {
            (Some(filters), Reply::Text { text, output }) => match self.filter(&text, filters) {
                Some(text) => Reply::Text { text, output },
                None => Reply::say(self.unknown(line.trim(), true)),
            },
            (_, reply) => reply,
        }
    }

    /// Output modifiers after `|`: include/exclude/begin (Cisco, EOS, VRP), match/except/
    /// no-more/count (Junos), grep [-v] (FortiOS). `None` = not a modifier this CLI knows.
    fn filter(&mut self, text: &str, filters: &str) -> Option<String> {
        let mut out = text.to_string();
        for stage in filters.split('|').map(str::trim) {
            let (verb, arg) = stage.split_once(char::is_whitespace).unwrap_or((stage, ""));
            let arg = arg.trim().trim_matches('"');
            let verb = verb.to_ascii_lowercase();
            let keep = |out: &str, want: bool| -> String {
                out.lines()
                    .filter(|l| l.contains(arg) == want)
                    .map(|l| format!("{l}\n"))
                    .collect()
            };
            out = match (self.id.platform, verb.as_str()) {
                (Platform::Fortinet, "grep") => match arg.strip_prefix("-v ") {
                    Some(a) => out
                        .lines()
                        .filter(|l| !l.contains(a.trim()))
                        .map(|l| format!("{l}\n"))
                        .collect(),
                    None => keep(&out, true),
                },
                (Platform::JuniperJunos, "match") => keep(&out, true),
                (Platform::JuniperJunos, "except") => keep(&out, false),
                (Platform::JuniperJunos, "no-more") => {
                    self.no_more = true;
                    out
                }
                (Platform::JuniperJunos, "count") => {
                    format!("Count: {} lines\n", out.lines().count())
                }
                (
                    Platform::Fortinet
                    | Platform::JuniperJunos
                    | Platform::MikrotikRouteros
                    | Platform::Linux,
                    _,
                ) => return None,
                (_, "include" | "inc" | "in" | "i") => keep(&out, true),
                (_, "exclude" | "exc" | "ex" | "e") => keep(&out, false),
                (_, "begin" | "beg" | "be" | "b") => {
                    let from = out
                        .lines()
                        .position(|l| l.contains(arg))
                        .unwrap_or(usize::MAX);
                    out.lines().skip(from).map(|l| format!("{l}\n")).collect()
                }
                _ => return None,
            };
        }
        Some(out)
    }

    /// A `| no-more` on the last command turns the pager off for that command only.
    pub fn take_no_more(&mut self) -> bool {
        std::mem::take(&mut self.no_more)
    }

    fn run(&mut self, cmd: Cmd, number: Option<u32>, line: &str) -> Reply {
        use Platform::*;
        let p = self.id.platform;
        match cmd {
            Cmd::Version => Reply::output(self.version_text()),
            Cmd::PageLen => {
                let n = number.unwrap_or(0) as usize;
                self.page_len = Some(n);
                Reply::say(match p {
                    AristaEos if n == 0 => "Pagination disabled.\n".to_string(),
                    JuniperJunos => format!("Screen length set to {n}\n"),
                    Huawei => "Info: The configuration takes effect on the current user terminal interface only.\n".to_string(),
                    _ => String::new(),
                })
            }
            Cmd::PagingOff => {
                if p == Fortinet && self.mode != Mode::Config {
                    return Reply::say(self.unknown(line, true));
                }
                self.page_len = Some(0);
                Reply::say("")
            }
            Cmd::PagingOn => {
                if p == Fortinet && self.mode != Mode::Config {
                    return Reply::say(self.unknown(line, true));
                }
                self.page_len = None;
                Reply::say("")
            }
            Cmd::Width => Reply::say(match p {
                AristaEos => format!("Width set to {} columns.\n", number.unwrap_or(80)),
                JuniperJunos => format!("Screen width set to {}\n", number.unwrap_or(80)),
                _ => String::new(),
            }),
            Cmd::Quiet => Reply::say(match (p, line.to_ascii_lowercase().as_str()) {
                (JuniperJunos, l) if l.contains("complete-on-space off") => {
                    "Disabling complete-on-space\n"
                }
                (JuniperJunos, l) if l.contains("complete-on-space on") => {
                    "Enabling complete-on-space\n"
                }
                _ => "",
            }),
            Cmd::Enable => {
                if self.mode != Mode::User {
                    return Reply::say("");
                }
                if self.secret.is_some() {
                    Reply::Password
                } else {
                    self.mode = Mode::Privileged;
                    Reply::say("")
                }
            }
            Cmd::Disable => {
                self.mode = Mode::User;
                Reply::say("")
            }
            Cmd::ConfigEnter => {
                if self.mode == Mode::User {
                    return Reply::say(self.unknown(line, true));
                }
                self.mode = Mode::Config;
                Reply::say(match p {
                    CiscoIos | CiscoXe | CiscoAsa => {
                        "Enter configuration commands, one per line.  End with CNTL/Z.\n"
                    }
                    CiscoNxos => "Enter configuration commands, one per line. End with CNTL/Z.\n",
                    JuniperJunos | PaloaltoPanos => "Entering configuration mode\n",
                    Huawei => "Enter system view, return user view with return command.\n",
                    _ => "",
                })
            }
            Cmd::End => {
                if self.mode == Mode::Config {
                    self.mode = Mode::Privileged;
                    Reply::say("")
                } else {
                    Reply::say(self.unknown(line, true))
                }
            }
            Cmd::Exit => {
                if self.mode == Mode::Config {
                    self.mode = Mode::Privileged;
                    Reply::say(match p {
                        JuniperJunos => "Exiting configuration mode\n",
                        _ => "",
                    })
                } else {
                    Reply::Close
                }
            }
            Cmd::Identity => Reply::output(format!("  name: {}\n", self.id.hostname)),
            Cmd::ConsoleState => {
                let mode = if self.page_len == Some(0) {
                    "standard"
                } else {
                    "more"
                };
                Reply::say(if line.starts_with("show") {
                    format!("config system console\n    set output {mode}\nend\n")
                } else {
                    format!("output              : {mode}\nlogin-timeout       : 300\n")
                })
            }
        }
    }

    /// The answer to a secret typed after `enable`.
    pub fn secret(&mut self, typed: &str) -> Reply {
        if self.secret.as_deref() == Some(typed) {
            self.mode = Mode::Privileged;
            self.bad_secrets = 0;
            return Reply::say("");
        }
        self.bad_secrets += 1;
        match self.id.platform {
            Platform::CiscoIos | Platform::CiscoXe => {
                if self.bad_secrets < 3 {
                    Reply::Password
                } else {
                    self.bad_secrets = 0;
                    Reply::say("% Bad secrets\n\n")
                }
            }
            Platform::CiscoAsa | Platform::HpProcurve => {
                self.bad_secrets = 0;
                Reply::say("Invalid password\n")
            }
            _ => {
                self.bad_secrets = 0;
                Reply::say("% Access denied\n")
            }
        }
    }

    fn version_text(&self) -> String {
        self.id.version_output()
    }

    /// The platform's error for a line it does not know. `at_prompt` places the caret
    /// under the prompt line as the device does on a terminal.
    fn unknown(&self, line: &str, at_prompt: bool) -> String {
        // The caret sits under the first word the device did not understand.
        let word_at = self.bad_word_offset(line);
        let indent = if at_prompt {
            self.plain_prompt().chars().count()
        } else {
            0
        } + word_at;
        (profile(self.id.platform).rejected)(&Rejected {
            line,
            word_at,
            caret: format!("{}^\n", " ".repeat(indent)),
        })
    }

    /// Byte offset of the first word that matches no known command's word at that place.
    fn bad_word_offset(&self, line: &str) -> usize {
        let abbreviate = devices::behaviour(self.id.platform).abbreviations;
        let mut offset = 0;
        let mut prefix: Vec<&str> = Vec::new();
        for word in line.split_whitespace() {
            let at = line[offset..]
                .find(word)
                .map(|i| i + offset)
                .unwrap_or(offset);
            prefix.push(word);
            let known = commands(self.id.platform).any(|(pattern, _)| {
                let pat: Vec<&str> = pattern.split_whitespace().collect();
                pat.len() >= prefix.len()
                    && prefix.iter().zip(&pat).all(|(w, p)| {
                        let w = w.to_ascii_lowercase();
                        p.starts_with('<')
                            || w == *p
                            || (abbreviate && w.len() >= 2 && p.starts_with(&w))
                    })
            });
            if !known {
                return at;
            }
            offset = at + word.len();
        }
        offset.min(line.len())
    }

    /// Linux: a tiny shell that knows the commands of the version command and nothing else.
    fn linux(&mut self, line: &str) -> Reply {
        let mut out = String::new();
        let mut any_output = false;
        for part in line.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            let cmd = part.trim_end_matches("2>/dev/null").trim();
            let d = &*self.id;
            match cmd {
                "exit" | "logout" => return Reply::Close,
                "uname -a" => out.push_str(&linux::uname(d)),
                "uname -r" => {
                    out.push_str(&d.version);
                    out.push('\n');
                }
                "uname" => out.push_str("Linux\n"),
                "cat /etc/os-release" => out.push_str(&linux::os_release(d)),
                "hostname" => {
                    out.push_str(&d.hostname);
                    out.push('\n');
                }
                "uptime" => out.push_str(&linux::uptime_line(d)),
                "true" | ":" => {}
                c if c.starts_with("export ")
                    || c.starts_with("unset ")
                    || c.starts_with("stty ") => {}
                c if c.starts_with("echo") => {
                    out.push_str(c.trim_start_matches("echo").trim());
                    out.push('\n');
                }
                other => {
                    let first = other.split_whitespace().next().unwrap_or(other);
                    let _ = writeln!(out, "bash: {first}: command not found");
                    return Reply::Text {
                        text: out,
                        output: any_output,
                    };
                }
            }
            any_output = true;
        }
        Reply::Text {
            text: out,
            output: any_output,
        }
    }

    /// Run a command given on the exec channel: (output, exit status, is it command output).
    pub fn exec(&mut self, command: &str) -> (String, u32, bool) {
        let trimmed = command.trim();
        if self.id.platform == Platform::Linux {
            return match self.linux(trimmed) {
                Reply::Text { text, output } => {
                    let status = if text.contains(": command not found") {
                        127
                    } else {
                        0
                    };
                    (text, status, output)
                }
                _ => (String::new(), 0, false),
            };
        }
        match self.line(trimmed) {
            Reply::Text { text, output } => {
                let rejected = !output && self.is_error(&text);
                if rejected {
                    (self.unknown(trimmed, false), 1, false)
                } else {
                    (text, 0, output)
                }
            }
            Reply::Password | Reply::Close => (String::new(), 0, false),
        }
    }

    fn is_error(&self, text: &str) -> bool {
        [
            "% Invalid",
            "ERROR: %",
            "unknown command.",
            "Error: Unrecognized",
            "Invalid input:",
            "Unknown command:",
            "Unknown action",
            "command parse error",
            "bad command name",
        ]
        .iter()
        .any(|m| text.contains(m))
    }
}

/// A MOTD whose lines look like prompts: rows of `#`, lines ending in `#` or `>`.
fn hash_banner(hostname: &str) -> String {
    let bar = "#".repeat(66);
    format!(
        "\n{bar}\n#{:64}#\n#  {:<62}#\n#  {:<62}#\n#{:64}#\n{bar}\nUse of {hostname} is monitored >\nContact noc@example.net before making changes #\n\n",
        "",
        "WARNING: authorised access only.",
        "Disconnect now if you are not an authorised user.",
        ""
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn console(p: Platform) -> Console {
        let (id, _, _) = Identity::generate(p, 0, 1);
        Console::new(Arc::new(id), "admin", None, Some("s3cret".into()))
    }

    #[test]
    fn abbreviated_cisco_commands_are_understood() {
        let mut c = console(Platform::CiscoIos);
        assert!(matches!(c.line("sh ver"), Reply::Text { output: true, .. }));
        assert_eq!(c.line("term len 0"), Reply::say(""));
        assert_eq!(c.page_len(), None);
    }

    #[test]
    fn unknown_commands_get_the_platform_error_with_the_caret_under_the_bad_word() {
        let mut c = console(Platform::CiscoIos);
        let prompt_len = c.plain_prompt().len();
        let Reply::Text { text, output } = c.line("show foo") else {
            panic!()
        };
        assert!(!output);
        let caret = text.lines().next().unwrap();
        assert_eq!(caret.len(), prompt_len + 5 + 1, "{text:?}");
        assert!(text.contains("% Invalid input detected at '^' marker."));
        let mut j = console(Platform::JuniperJunos);
        let Reply::Text { text, .. } = j.line("foo") else {
            panic!()
        };
        assert!(text.contains("unknown command."));
    }

    #[test]
    fn enable_asks_for_the_secret_and_a_wrong_one_is_refused() {
        let (id, _, _) = Identity::generate(Platform::CiscoIos, 0, 1);
        let mut c = Console::new(
            Arc::new(id),
            "admin",
            Some(Fault::UserMode),
            Some("s3cret".into()),
        );
        assert!(c.prompt().ends_with('>'));
        assert_eq!(c.line("enable"), Reply::Password);
        assert_eq!(c.secret("nope"), Reply::Password);
        assert_eq!(c.secret("nope"), Reply::Password);
        assert_eq!(c.secret("nope"), Reply::say("% Bad secrets\n\n"));
        assert!(c.prompt().ends_with('>'));
        assert_eq!(c.line("enable"), Reply::Password);
        assert_eq!(c.secret("s3cret"), Reply::say(""));
        assert!(c.prompt().ends_with('#'));
    }

    #[test]
    fn pager_stuck_ignores_the_disable_command() {
        let (id, _, _) = Identity::generate(Platform::CiscoIos, 0, 1);
        let mut c = Console::new(Arc::new(id), "admin", Some(Fault::PagerStuck), None);
        c.line("terminal length 0");
        assert_eq!(c.page_len(), Some(23));
    }

    #[test]
    fn linux_runs_the_version_command_itself() {
        let mut c = console(Platform::Linux);
        let (out, status, output) =
            c.exec("uname -a; cat /etc/os-release 2>/dev/null; hostname; uptime");
        assert_eq!(status, 0);
        assert!(output);
        assert!(out.starts_with("Linux "));
        assert!(out.contains("PRETTY_NAME="));
        let (out, status, _) = c.exec("foo");
        assert_eq!(
            (out.as_str(), status),
            ("bash: foo: command not found\n", 127)
        );
    }
}
