//! The user's OpenSSH client configuration (`~/.ssh/config` by default, `--ssh-config FILE`,
//! `--ssh-config none`), read with the ssh2-config crate the way ssh reads it: `Host` patterns
//! (with `!`), `Include`, and for each host the first value given wins. netinv takes from it
//! what it has settings for: `HostName`, `User`, `Port`, `IdentityFile`, `ProxyJump`,
//! `ProxyCommand`, `ConnectTimeout`, the four algorithm lists, `StrictHostKeyChecking` and
//! `UserKnownHostsFile`; each only where neither the command line nor the inventory row says
//! otherwise.

use crate::ssh::algorithms::{Category, Edit, Supported};
use crate::ssh::hostkeys::HostKeyPolicy;
use crate::ssh::hostkeys::HostKeyRule;
use crate::ssh::jump::JumpRoute;
use crate::ssh::proxy::{expand_with, Tokens};
use ssh2_config::{DefaultAlgorithms, ParseRule};
use std::collections::HashMap;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What ssh_config says about one host, as netinv uses it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostConfig {
    /// `HostName`: the address to connect to.
    pub host_name: Option<String>,
    /// `User`: the login name.
    pub user: Option<String>,
    /// `Port`: the port.
    pub port: Option<u16>,
    /// The first `IdentityFile` (netinv offers one key per device).
    pub identity_file: Option<PathBuf>,
    /// `ProxyJump`; `none` is a direct route.
    pub proxy_jump: Option<JumpRoute>,
    /// `ProxyCommand`, tokens not yet expanded; never together with `proxy_jump` (ssh takes
    /// whichever of the two it reads first), and `ProxyCommand none` is no command.
    pub proxy_command: Option<String>,
    /// `ConnectTimeout`: the connection budget.
    pub connect_timeout: Option<Duration>,
    /// `KexAlgorithms`, `HostKeyAlgorithms`, `Ciphers`, `MACs`, by `Category::index`.
    pub edits: [Option<Edit>; 4],
    /// `StrictHostKeyChecking`, as one of netinv's policies.
    pub strict_host_key_checking: Option<HostKeyPolicy>,
    /// `UserKnownHostsFile`, as written (`~` and tokens not yet expanded).
    pub user_known_hosts_files: Option<Vec<String>>,
}

impl HostConfig {
    /// The host-key rule for this host: ssh_config's policy unless the command line gave one
    /// (`policy_given`), its files unless the command line named one (`files_given`).
    pub fn host_key_rule(
        &self,
        policy_given: bool,
        files_given: bool,
        tokens: &Tokens<'_>,
    ) -> HostKeyRule {
        HostKeyRule {
            policy: self.strict_host_key_checking.filter(|_| !policy_given),
            files: match (&self.user_known_hosts_files, files_given) {
                (Some(files), false) => Some(
                    files
                        .iter()
                        // Checked when the file was loaded: only the shell check could fail,
                        // and paths are not given to a shell.
                        .filter_map(|f| expand_path(f, tokens).ok())
                        .collect(),
                ),
                _ => None,
            },
        }
    }
}

/// `~` and `%` tokens of a `UserKnownHostsFile` path, as ssh expands them.
fn expand_path(path: &str, tokens: &Tokens<'_>) -> Result<PathBuf, String> {
    let expanded = expand_with(path, tokens, false)?;
    let home = || {
        std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default()
    };
    Ok(match expanded.strip_prefix('~') {
        Some("") => home(),
        Some(rest) if rest.starts_with('/') => home().join(&rest[1..]),
        _ => PathBuf::from(expanded),
    })
}

/// ssh's `StrictHostKeyChecking` values as netinv's policies: `ask` is strict, since netinv
/// never asks; `no`/`off` is netinv's `off` (ssh would also record new keys).
fn policy_of(value: &str) -> Option<HostKeyPolicy> {
    match value.to_ascii_lowercase().as_str() {
        "yes" | "true" | "ask" => Some(HostKeyPolicy::Strict),
        "accept-new" => Some(HostKeyPolicy::AcceptNew),
        "no" | "false" | "off" => Some(HostKeyPolicy::Off),
        _ => None,
    }
}

/// A parsed ssh_config, and each host's answer once worked out.
pub struct SshConfig {
    path: PathBuf,
    config: ssh2_config::SshConfig,
    /// The same file with every algorithm as the defaults.
    full: ssh2_config::SshConfig,
    hosts: Mutex<HashMap<String, Arc<HostConfig>>>,
    /// `Host` lines (their patterns) of blocks that set both ProxyCommand and ProxyJump,
    /// mapped to whether ProxyCommand comes first: ssh2-config keeps no order in a block.
    command_first: HashMap<String, bool>,
}

impl std::fmt::Debug for SshConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SshConfig({})", self.path.display())
    }
}

/// The marker list handed to ssh2-config as "the defaults", so an algorithm line can be told
/// apart from no line at all, and `+`, `-`, `^` lines turned back into edits.
const UNSET: &str = "netinv-default";

impl SshConfig {
    /// `~/.ssh/config` when it exists (no file is no config).
    pub fn default_path() -> Option<PathBuf> {
        let p = PathBuf::from(std::env::var_os("HOME")?)
            .join(".ssh")
            .join("config");
        p.exists().then_some(p)
    }

    /// Reads and parses an ssh_config file (with its `Include`s).
    pub fn load(path: &Path) -> Result<SshConfig, String> {
        // Parsed twice: once with only a marker as "the defaults", which tells `+` and `^`
        // lines from others, and once with every algorithm this build has after the marker,
        // which tells what a `-` line took out.
        let marker = DefaultAlgorithms {
            ca_signature_algorithms: vec![UNSET.into()],
            ciphers: vec![UNSET.into()],
            host_key_algorithms: vec![UNSET.into()],
            kex_algorithms: vec![UNSET.into()],
            mac: vec![UNSET.into()],
            pubkey_accepted_algorithms: vec![UNSET.into()],
        };
        let supported = Supported::get();
        let with = |c: Category| {
            std::iter::once(UNSET.to_string())
                .chain(supported.list(c).iter().map(|n| n.to_string()))
                .collect::<Vec<_>>()
        };
        let full = DefaultAlgorithms {
            ciphers: with(Category::Cipher),
            host_key_algorithms: with(Category::HostKey),
            kex_algorithms: with(Category::Kex),
            mac: with(Category::Mac),
            ..marker.clone()
        };
        let config = SshConfig {
            path: path.to_path_buf(),
            config: parse(path, marker)?,
            full: parse(path, full)?,
            hosts: Mutex::default(),
            command_first: command_first(path),
        };
        config.check()?;
        Ok(config)
    }

    /// Values ssh2-config leaves to netinv, checked once for every block: a bad one stops
    /// the run before any device is contacted.
    fn check(&self) -> Result<(), String> {
        let sample = Tokens {
            host: "h",
            port: 22,
            user: "u",
            original: "h",
        };
        for block in self.config.get_hosts() {
            let fields = &block.params.unsupported_fields;
            if let Some(v) = fields.get("stricthostkeychecking") {
                let v = v.join(" ");
                if policy_of(&v).is_none() {
                    return Err(self.bad(
                        "StrictHostKeyChecking",
                        &v,
                        "write yes, accept-new, no, off or ask",
                    ));
                }
            }
            for f in fields.get("userknownhostsfile").into_iter().flatten() {
                if let Err(why) = expand_path(f, &sample) {
                    return Err(self.bad("UserKnownHostsFile", f, &why));
                }
            }
        }
        Ok(())
    }

    /// "ssh_config FILE:LINE: Keyword value: why", the line found by its keyword and value.
    fn bad(&self, keyword: &str, value: &str, why: &str) -> String {
        let at = line_of(&self.path, keyword, Some(value))
            .map(|n| format!(":{n}"))
            .unwrap_or_default();
        format!(
            "ssh_config {}{at}: {keyword} {value}: {why} (fix the file, or pass --ssh-config none)",
            self.path.display()
        )
    }

    /// The file read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What the file says for `host` (a name as given in the inventory or a jump spec).
    pub fn host(&self, host: &str) -> Arc<HostConfig> {
        let mut cache = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(h) = cache.get(host) {
            return Arc::clone(h);
        }
        let h = Arc::new(self.resolve(host));
        cache.insert(host.to_string(), Arc::clone(&h));
        h
    }

    fn resolve(&self, host: &str) -> HostConfig {
        let p = self.config.query(host);
        let full = self.full.query(host);
        let mut edits: [Option<Edit>; 4] = Default::default();
        for c in Category::ALL {
            let pick = |p: &ssh2_config::HostParams| match c {
                Category::Kex => p.kex_algorithms.clone(),
                Category::HostKey => p.host_key_algorithms.clone(),
                Category::Cipher => p.ciphers.clone(),
                Category::Mac => p.mac.clone(),
            };
            let (list, all) = (pick(&p), pick(&full));
            if list.is_default() {
                continue;
            }
            let names = list.algorithms();
            let others = |v: &[String]| -> Vec<String> {
                v.iter().filter(|n| *n != UNSET).cloned().collect()
            };
            edits[c.index()] = Some(match names.iter().position(|n| n == UNSET) {
                None => Edit::Replace(names.to_vec()),
                Some(0) if names.len() > 1 => Edit::Append(others(names)),
                // `^a,b`: these, then the defaults.
                Some(at) if at > 0 => Edit::Prepend(names[..at].to_vec()),
                Some(_) => {
                    // `-a,b`: what the same line took out of every algorithm there is.
                    let kept = all.algorithms();
                    Edit::Remove(
                        Supported::get()
                            .list(c)
                            .iter()
                            .filter(|n| !kept.iter().any(|k| k == *n))
                            .map(|n| n.to_string())
                            .collect(),
                    )
                }
            });
        }
        let (proxy_jump, proxy_command) = self.proxy(host);
        HostConfig {
            host_name: p.host_name.clone(),
            user: p.user.clone(),
            port: p.port,
            identity_file: p.identity_file.as_ref().and_then(|v| v.first().cloned()),
            proxy_jump,
            proxy_command,
            connect_timeout: p.connect_timeout,
            edits,
            strict_host_key_checking: p
                .unsupported_fields
                .get("stricthostkeychecking")
                .and_then(|v| v.first())
                .and_then(|v| policy_of(v)),
            user_known_hosts_files: p.unsupported_fields.get("userknownhostsfile").cloned(),
        }
    }
}

impl SshConfig {
    /// `ProxyJump` or `ProxyCommand`, whichever applies first: ssh reads the one that comes
    /// first and ignores the other (`none` included).
    fn proxy(&self, host: &str) -> (Option<JumpRoute>, Option<String>) {
        for block in self.config.intersecting_hosts(host) {
            let command = block.params.unsupported_fields.get("proxycommand");
            let pattern = block
                .pattern
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(" ");
            let jump_first = self.command_first.get(&pattern) != Some(&true);
            if let (Some(hops), true) = (&block.params.proxy_jump, command.is_none() || jump_first)
            {
                return (JumpRoute::parse(&hops.join(",")).ok(), None);
            }
            if let Some(words) = command {
                let command = words.join(" ");
                if command.eq_ignore_ascii_case("none") {
                    return (None, None);
                }
                return (None, Some(command));
            }
        }
        (None, None)
    }
}

/// For each `Host` block of the file (not of files it includes) that sets both ProxyCommand
/// and ProxyJump: its patterns, and whether ProxyCommand comes first.
fn command_first(path: &Path) -> HashMap<String, bool> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut found = HashMap::new();
    let mut block = "*".to_string();
    let mut first: Option<bool> = None;
    let mut seen = (false, false);
    for line in text.lines() {
        let line = line.trim();
        let (word, rest) = line
            .split_once(|c: char| c.is_whitespace() || c == '=')
            .unwrap_or((line, ""));
        let rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '=');
        match word.to_ascii_lowercase().as_str() {
            "host" | "match" => {
                if let (Some(f), (true, true)) = (first, seen) {
                    found.entry(block.clone()).or_insert(f);
                }
                block = rest.split_whitespace().collect::<Vec<_>>().join(" ");
                first = None;
                seen = (false, false);
            }
            "proxycommand" => {
                first.get_or_insert(true);
                seen.0 = true;
            }
            "proxyjump" => {
                first.get_or_insert(false);
                seen.1 = true;
            }
            _ => {}
        }
    }
    if let (Some(f), (true, true)) = (first, seen) {
        found.entry(block).or_insert(f);
    }
    found
}

/// The first line of the file that sets `keyword` (to `value`, when given): ssh2-config does
/// not say where in the file it found what it rejects.
fn line_of(path: &Path, keyword: &str, value: Option<&str>) -> Option<usize> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .position(|line| {
            let line = line.trim_start();
            let (word, rest) = match line.find(|c: char| c.is_whitespace() || c == '=') {
                Some(at) => line.split_at(at),
                None => (line, ""),
            };
            let rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '=');
            word.eq_ignore_ascii_case(keyword) && value.is_none_or(|v| rest.trim().contains(v))
        })
        .map(|i| i + 1)
}

fn parse(path: &Path, defaults: DefaultAlgorithms) -> Result<ssh2_config::SshConfig, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "cannot read ssh_config {}: {e} (give another with --ssh-config FILE, or \
                 --ssh-config none)",
            path.display()
        )
    })?;
    parse_text(&text, &defaults).map_err(|e| {
        // ssh2-config says what is wrong but not where: the first line without which the file
        // parses is the one (parsing is line by line, so a longer start fails as well).
        let lines: Vec<&str> = text.lines().collect();
        let fails = |n: usize| parse_text(&lines[..n].join("\n"), &defaults).is_err();
        let (mut good, mut bad) = (0, lines.len());
        while bad - good > 1 {
            let mid = (good + bad) / 2;
            if fails(mid) {
                bad = mid;
            } else {
                good = mid;
            }
        }
        let shown = lines
            .get(bad.wrapping_sub(1))
            .map(|l| l.trim())
            .unwrap_or("");
        let include = shown
            .split_whitespace()
            .next()
            .is_some_and(|w| w.eq_ignore_ascii_case("include"));
        format!(
            "ssh_config {}:{bad}: {e}{}: `{}` (fix the file, or pass --ssh-config none)",
            path.display(),
            if include {
                " (in a file it includes)"
            } else {
                ""
            },
            shown.escape_debug()
        )
    })
}

fn parse_text(
    text: &str,
    defaults: &DefaultAlgorithms,
) -> Result<ssh2_config::SshConfig, ssh2_config::SshParserError> {
    let mut config = ssh2_config::SshConfig::default().default_algorithms(defaults.clone());
    if let Some(home) = std::env::var_os("HOME") {
        config = config.home_dir(home);
    }
    // Keywords netinv has no use for (ForwardAgent, ControlMaster, …) are no error.
    config.parse(
        &mut BufReader::new(text.as_bytes()),
        ParseRule::ALLOW_UNKNOWN_FIELDS | ParseRule::ALLOW_UNSUPPORTED_FIELDS,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> (tempfile::TempDir, SshConfig) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config"), text).unwrap();
        let c = SshConfig::load(&dir.path().join("config")).unwrap();
        (dir, c)
    }

    #[test]
    fn aliases_patterns_negation_and_the_first_value_given_as_ssh_reads_them() {
        let (_d, c) = config(
            "Host core-* !core-lab\n  HostName 10.9.9.9\n  User netops\n  Port 2222\n\
             \n  IdentityFile /keys/core\n  ProxyJump ops@bastion:2200,b2\n  ConnectTimeout 7\n\
             Host core-1\n  HostName 10.1.1.1\n\
             Host *\n  User fallback\n  Port 22\n",
        );
        let core = c.host("core-1");
        // The first value obtained wins: `core-*` comes first in the file.
        assert_eq!(core.host_name.as_deref(), Some("10.9.9.9"));
        assert_eq!(core.user.as_deref(), Some("netops"));
        assert_eq!(core.port, Some(2222));
        assert_eq!(core.identity_file, Some(PathBuf::from("/keys/core")));
        assert_eq!(
            core.proxy_jump.as_ref().map(|j| j.to_string()),
            Some("ops@bastion:2200,b2".into())
        );
        assert_eq!(core.connect_timeout, Some(Duration::from_secs(7)));
        let lab = c.host("core-lab");
        assert_eq!(lab.host_name, None, "negated");
        assert_eq!(lab.user.as_deref(), Some("fallback"));
        assert_eq!(c.host("elsewhere").port, Some(22));
        assert_eq!(c.host("elsewhere").proxy_jump, None);
    }

    #[test]
    fn proxycommand_or_proxyjump_whichever_comes_first_as_ssh_reads_them() {
        let (_d, c) = config(
            "Host both-cmd\n  ProxyCommand nc %h %p\n  ProxyJump b1\n\
             Host both-jump\n  ProxyJump b2\n  ProxyCommand nc %h %p\n\
             Host via-cmd\n  ProxyCommand socat - TCP:%h:%p\n\
             Host via-* !via-cmd\n  ProxyJump bastion\n\
             Host none-*\n  ProxyCommand none\n\
             Host *\n  ProxyCommand ssh -W %h:%p  gw\n",
        );
        let cmd = c.host("via-cmd");
        assert_eq!(cmd.proxy_command.as_deref(), Some("socat - TCP:%h:%p"));
        assert_eq!(cmd.proxy_jump, None);
        let jump = c.host("via-jump");
        assert_eq!(jump.proxy_command, None, "ProxyJump came first");
        assert_eq!(
            jump.proxy_jump.as_ref().map(|j| j.to_string()),
            Some("bastion".into())
        );
        let none = c.host("none-1");
        assert_eq!(
            (none.proxy_command.clone(), none.proxy_jump.clone()),
            (None, None)
        );
        assert_eq!(
            c.host("other").proxy_command.as_deref(),
            Some("ssh -W %h:%p gw")
        );
        // In one block, the line written first.
        let both = c.host("both-cmd");
        assert_eq!(
            (both.proxy_command.as_deref(), both.proxy_jump.clone()),
            (Some("nc %h %p"), None)
        );
        let both = c.host("both-jump");
        assert_eq!(both.proxy_command, None);
        assert_eq!(
            both.proxy_jump.as_ref().map(|j| j.to_string()),
            Some("b2".into())
        );
    }

    #[test]
    fn include_files_are_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("devices.conf"),
            "Host sw-*\n  User switchops\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("config"),
            format!("Include {}/*.conf\n", dir.path().display()),
        )
        .unwrap();
        let c = SshConfig::load(&dir.path().join("config")).unwrap();
        assert_eq!(c.host("sw-7").user.as_deref(), Some("switchops"));
    }

    #[test]
    fn algorithm_lines_become_edits_of_netinvs_own_lists() {
        let (_d, c) = config(
            "Host old\n  KexAlgorithms +diffie-hellman-group1-sha1\n  HostKeyAlgorithms ^ssh-rsa\n\
             \n  Ciphers aes128-ctr,aes256-ctr\n  MACs -hmac-sha2-512\n",
        );
        let old = c.host("old");
        let at = |cat: Category| old.edits[cat.index()].clone();
        assert_eq!(
            at(Category::Kex),
            Some(Edit::Append(vec!["diffie-hellman-group1-sha1".into()]))
        );
        assert_eq!(
            at(Category::HostKey),
            Some(Edit::Prepend(vec!["ssh-rsa".into()]))
        );
        assert_eq!(
            at(Category::Cipher),
            Some(Edit::Replace(vec![
                "aes128-ctr".into(),
                "aes256-ctr".into()
            ]))
        );
        assert_eq!(
            at(Category::Mac),
            Some(Edit::Remove(vec!["hmac-sha2-512".into()]))
        );
        assert!(c.host("new").edits.iter().all(Option::is_none));
    }

    #[test]
    fn a_value_ssh2_config_rejects_is_named_by_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(
            &path,
            "# lab\nHost a\n  Port 22\n\nHost b\n  User x\n  Port twenty-two\n  User y\n",
        )
        .unwrap();
        let err = SshConfig::load(&path).unwrap_err();
        assert!(
            err.starts_with(&format!("ssh_config {}:7: ", path.display()))
                && err.contains("port")
                && err.contains("`Port twenty-two`"),
            "{err}"
        );
        std::fs::write(dir.path().join("bad.conf"), "Host c\n  Port x\n").unwrap();
        std::fs::write(
            &path,
            format!(
                "Host a\n  User x\nInclude {}/bad.conf\n",
                dir.path().display()
            ),
        )
        .unwrap();
        let err = SshConfig::load(&path).unwrap_err();
        assert!(
            err.contains(":3: ") && err.contains("(in a file it includes)"),
            "{err}"
        );
    }

    #[test]
    fn a_file_that_cannot_be_read_is_named() {
        let err = SshConfig::load(Path::new("/nonexistent/ssh_config")).unwrap_err();
        assert!(err.contains("/nonexistent/ssh_config"), "{err}");
    }
}
