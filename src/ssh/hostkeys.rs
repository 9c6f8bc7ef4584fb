//! Host-key checking against an OpenSSH known_hosts file, shared by all workers of a run.
//!
//! The file is read once into memory (libssh2's own reader would re-read it per device) and new
//! keys are appended under a lock, so ten thousand devices cost one read and one append each.
//! Lines mean what they mean to OpenSSH (sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT"): patterns with
//! `*`, `?` and `!`, `[host]:port`, hashed names, several keys per host, `@revoked` keys refused
//! whatever else the file says, and `@cert-authority` lines, which netinv cannot use (it does not
//! verify host certificates) and says so rather than ignoring them.

use super::algorithms::wildcard_match;
use crate::error::{DeviceError, ErrorKind};
use base64ct::{Base64Unpadded, Encoding};
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use ssh_key::known_hosts::{Entry, HostPatterns, Marker};
use ssh_key::PublicKey;
use std::collections::HashMap;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// What to do with a device's host key: check it, learn it, or ignore it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKeyPolicy {
    /// Only hosts already in known_hosts.
    Strict,
    /// Record unknown hosts; a changed key always fails.
    AcceptNew,
    /// No checking at all (lab use).
    Off,
}

impl HostKeyPolicy {
    /// Every policy, in the order `--help` lists them.
    pub const ALL: [HostKeyPolicy; 3] = [
        HostKeyPolicy::Strict,
        HostKeyPolicy::AcceptNew,
        HostKeyPolicy::Off,
    ];

    /// Its name on the command line, in the config file and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            HostKeyPolicy::Strict => "strict",
            HostKeyPolicy::AcceptNew => "accept-new",
            HostKeyPolicy::Off => "off",
        }
    }
}

/// A host key as the server presented it.
pub struct PresentedKey<'a> {
    /// Key type name from the key blob, e.g. `ssh-ed25519`.
    pub kind: String,
    /// The key as the server sent it.
    pub blob: &'a [u8],
    /// "SHA256:..." as OpenSSH prints it.
    pub fingerprint: String,
}

impl<'a> PresentedKey<'a> {
    /// A host key from its blob and its SHA-256 digest, if the SSH library gave one.
    pub fn new(blob: &'a [u8], sha256: Option<&[u8]>) -> Self {
        PresentedKey {
            kind: key_type_of(blob).unwrap_or_else(|| "unknown".into()),
            blob,
            fingerprint: format!(
                "SHA256:{}",
                sha256
                    .map(Base64Unpadded::encode_string)
                    .unwrap_or_else(|| "?".into())
            ),
        }
    }
}

/// The run's view of known hosts: its policy and file, and the other files ssh_config's
/// `UserKnownHostsFile` names for some hosts, each set of files read once, on first use.
pub struct HostKeyStore {
    policy: HostKeyPolicy,
    default_files: Vec<PathBuf>,
    sets: Mutex<HashMap<Vec<PathBuf>, Arc<KnownFiles>>>,
    /// Lines of the run's file that could not be used, for one warning at the start of the run.
    skipped: Vec<usize>,
}

/// What ssh_config says about one host's keys, where the command line does not say otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostKeyRule {
    /// `StrictHostKeyChecking`.
    pub policy: Option<HostKeyPolicy>,
    /// `UserKnownHostsFile`: all of them are read, new keys go into the first.
    pub files: Option<Vec<PathBuf>>,
}

/// The keys of one set of known_hosts files.
struct KnownFiles {
    files: Vec<PathBuf>,
    known: Mutex<Known>,
}

/// One usable known_hosts line.
#[derive(Debug)]
struct Line {
    /// Which of the set's files it is in.
    file: usize,
    /// 1-based line number in the file (0 for keys recorded during this run).
    number: usize,
    marker: Option<Marker>,
    hosts: Hosts,
    kind: String,
    blob: Vec<u8>,
}

#[derive(Debug)]
enum Hosts {
    Patterns(Vec<String>),
    /// `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`
    Hashed {
        salt: Vec<u8>,
        hash: [u8; 20],
    },
}

impl Hosts {
    /// OpenSSH's rule for a pattern list: a matching negated pattern rules the line out, else
    /// any matching positive pattern rules it in. Host names compare case-insensitively.
    fn matches(&self, name: &str) -> bool {
        match self {
            Hosts::Hashed { salt, hash } => {
                let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(salt) else {
                    return false;
                };
                mac.update(name.as_bytes());
                mac.verify_slice(hash).is_ok()
            }
            Hosts::Patterns(list) => {
                let mut any = false;
                for p in list {
                    match p.strip_prefix('!') {
                        Some(neg) if wildcard_match(neg, name) => return false,
                        Some(_) => {}
                        None => any |= wildcard_match(p, name),
                    }
                }
                any
            }
        }
    }

    /// The one name this line is for when it has no wildcard, negation or hash: such lines
    /// are found through an index instead of being tried one by one.
    fn exact(&self) -> Option<Vec<String>> {
        match self {
            Hosts::Patterns(list)
                if list
                    .iter()
                    .all(|p| !p.contains(['*', '?']) && !p.starts_with('!')) =>
            {
                Some(list.iter().map(|p| p.to_ascii_lowercase()).collect())
            }
            _ => None,
        }
    }
}

#[derive(Default)]
struct Known {
    lines: Vec<Line>,
    /// Lowercased exact name → indices into `lines`.
    exact: HashMap<String, Vec<usize>>,
    /// Lines with wildcards, negations or hashed names: tried against every name looked up.
    scanned: Vec<usize>,
    /// Name → the lines that apply to it, once worked out.
    cache: HashMap<String, Arc<[usize]>>,
}

impl Known {
    fn add(&mut self, line: Line) {
        let i = self.lines.len();
        match line.hosts.exact() {
            Some(names) => {
                for n in names {
                    self.cache.remove(&n);
                    self.exact.entry(n).or_default().push(i);
                }
            }
            None => {
                self.cache.clear();
                self.scanned.push(i);
            }
        }
        self.lines.push(line);
    }

    /// The lines that apply to `name` (`host` or `[host]:port`), in file order.
    fn lines_for(&mut self, name: &str) -> Arc<[usize]> {
        let key = name.to_ascii_lowercase();
        if let Some(hit) = self.cache.get(&key) {
            return Arc::clone(hit);
        }
        let mut found: Vec<usize> = self.exact.get(&key).cloned().unwrap_or_default();
        found.extend(
            self.scanned
                .iter()
                .copied()
                .filter(|&i| self.lines[i].hosts.matches(&key)),
        );
        found.sort_unstable();
        let found: Arc<[usize]> = found.into();
        self.cache.insert(key, Arc::clone(&found));
        found
    }
}

impl HostKeyStore {
    /// Read the run's known_hosts file once (when keys are checked at all). A missing file is
    /// fine (nothing known yet); lines that cannot be used (bad base64, unknown marker, bytes
    /// that are not UTF-8 in a key) are skipped, as OpenSSH skips them, and named once in a
    /// warning.
    pub fn load(policy: HostKeyPolicy, file: Option<PathBuf>) -> std::io::Result<Self> {
        let default_files: Vec<PathBuf> = file.into_iter().collect();
        let mut sets = HashMap::new();
        let mut skipped = Vec::new();
        if policy != HostKeyPolicy::Off {
            let (set, skips) = KnownFiles::read(default_files.clone())?;
            skipped = skips.into_iter().next().unwrap_or_default();
            sets.insert(default_files.clone(), Arc::new(set));
        }
        Ok(HostKeyStore {
            policy,
            default_files,
            sets: Mutex::new(sets),
            skipped,
        })
    }

    /// The run's own policy (`--host-key-policy`, or its default).
    pub fn policy(&self) -> HostKeyPolicy {
        self.policy
    }

    /// Line numbers of the run's known_hosts lines that could not be used.
    pub fn skipped_lines(&self) -> &[usize] {
        &self.skipped
    }

    /// The policy for a host: ssh_config's where it has one, else the run's.
    pub fn policy_for(&self, rule: &HostKeyRule) -> HostKeyPolicy {
        rule.policy.unwrap_or(self.policy)
    }

    /// The known_hosts files that apply to a host, read on first use.
    fn set(&self, rule: &HostKeyRule) -> Result<Arc<KnownFiles>, DeviceError> {
        let files = rule.files.as_ref().unwrap_or(&self.default_files);
        let mut sets = self.sets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(set) = sets.get(files) {
            return Ok(Arc::clone(set));
        }
        let (set, _) = KnownFiles::read(files.clone()).map_err(|e| {
            DeviceError::new(
                ErrorKind::HostKey,
                format!(
                    "cannot read known_hosts {}: {e}",
                    files
                        .iter()
                        .map(|f| f.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        let set = Arc::new(set);
        sets.insert(files.clone(), Arc::clone(&set));
        Ok(set)
    }

    /// Host key algorithms that can verify the keys known for this host, in the names libssh2
    /// uses, so the server is asked for a type we can check. None when nothing is known.
    pub fn preferred_algorithms(
        &self,
        host: &str,
        port: u16,
        rule: &HostKeyRule,
    ) -> Option<Vec<String>> {
        if self.policy_for(rule) == HostKeyPolicy::Off {
            return None;
        }
        self.set(rule).ok()?.preferred_algorithms(host, port)
    }

    /// Judge the presented key under the host's policy; under accept-new, record an unknown
    /// one (in the first of its files).
    pub fn verify(
        &self,
        host: &str,
        port: u16,
        key: &PresentedKey,
        rule: &HostKeyRule,
    ) -> Result<(), DeviceError> {
        let policy = self.policy_for(rule);
        if policy == HostKeyPolicy::Off {
            return Ok(());
        }
        self.set(rule)?.verify(policy, host, port, key)
    }
}

impl KnownFiles {
    /// Every file of the set, in order (a missing one is empty); with each file's unusable
    /// line numbers, which are also logged.
    fn read(files: Vec<PathBuf>) -> std::io::Result<(KnownFiles, Vec<Vec<usize>>)> {
        let mut known = Known::default();
        let mut skipped_all = Vec::new();
        for (index, path) in files.iter().enumerate() {
            let mut skipped = Vec::new();
            match std::fs::read(path) {
                Ok(bytes) => {
                    for parsed in parse_known_hosts(&bytes) {
                        match parsed {
                            Ok(line) => known.add(Line {
                                file: index,
                                ..line
                            }),
                            Err(number) => skipped.push(number),
                        }
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
            if !skipped.is_empty() {
                tracing::warn!(
                    "{}: skipped unreadable known_hosts lines {}",
                    path.display(),
                    summarize(&skipped)
                );
            }
            skipped_all.push(skipped);
        }
        Ok((
            KnownFiles {
                files,
                known: Mutex::new(known),
            },
            skipped_all,
        ))
    }

    /// Host key algorithms that can verify the keys known for this host, in the names libssh2
    /// uses, so the server is asked for a type we can check. None when nothing is known.
    fn preferred_algorithms(&self, host: &str, port: u16) -> Option<Vec<String>> {
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        let found = known.lines_for(&pattern(host, port));
        let mut algs: Vec<String> = Vec::new();
        for line in found.iter().map(|&i| &known.lines[i]) {
            if line.marker.is_some() {
                continue;
            }
            // An RSA key can sign with three algorithms; every other type names its own.
            let names: &[&str] = match line.kind.as_str() {
                "ssh-rsa" => &["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
                "ssh-ed25519"
                | "ecdsa-sha2-nistp256"
                | "ecdsa-sha2-nistp384"
                | "ecdsa-sha2-nistp521"
                | "ssh-dss" => &[line.kind.as_str()][..],
                _ => &[],
            };
            for n in names {
                if !algs.iter().any(|a| a == n) {
                    algs.push(n.to_string());
                }
            }
        }
        (!algs.is_empty()).then_some(algs)
    }

    /// Judge the presented key; under accept-new, record an unknown one.
    fn verify(
        &self,
        policy: HostKeyPolicy,
        host: &str,
        port: u16,
        key: &PresentedKey,
    ) -> Result<(), DeviceError> {
        let pat = pattern(host, port);
        let presented = canonical_blob(key.blob);
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        let found = known.lines_for(&pat);
        let lines: Vec<&Line> = found.iter().map(|&i| &known.lines[i]).collect();
        let fail = |msg: String| Err(DeviceError::new(ErrorKind::HostKey, msg));
        let file_of = |l: &Line| {
            self.files
                .get(l.file)
                .map(|f| f.display().to_string())
                .unwrap_or_else(|| "known_hosts".into())
        };
        // Where a line came from, so the operator can go straight to it.
        let at = |l: &Line| match l.number {
            0 => format!("{} (recorded during this run)", file_of(l)),
            n => format!("{} line {n}", file_of(l)),
        };

        if let Some(l) = lines
            .iter()
            .find(|l| l.marker == Some(Marker::Revoked) && l.blob == presented)
        {
            return fail(format!(
                "host key for {pat} is REVOKED: the server presented {} {}, which {} marks \
                 @revoked; refusing it whatever the policy",
                key.kind,
                key.fingerprint,
                at(l)
            ));
        }
        let plain: Vec<&&Line> = lines.iter().filter(|l| l.marker.is_none()).collect();
        if plain.iter().any(|l| l.blob == presented) {
            return Ok(());
        }
        if let Some(old) = plain.iter().find(|l| l.kind == key.kind) {
            return fail(format!(
                "HOST KEY CHANGED for {pat}: the server presented {} {} which does not \
                 match the key recorded in {}; possible man-in-the-middle — verify \
                 the new key, then remove the old entry (ssh-keygen -R '{pat}' -f {})",
                key.kind,
                key.fingerprint,
                at(old),
                file_of(old)
            ));
        }
        // Known, but under other key types only: like a changed key, never recorded on first
        // sight (that would let anyone who can answer for the host add a key).
        if !plain.is_empty() {
            let mut types: Vec<&str> = plain.iter().map(|l| l.kind.as_str()).collect();
            types.dedup();
            return fail(format!(
                "host key for {pat} not verifiable: known_hosts has only {} keys for it, \
                 the server presented {} {}; verify the new key, then replace the old entry",
                types.join(","),
                key.kind,
                key.fingerprint
            ));
        }
        if let Some(l) = lines
            .iter()
            .find(|l| l.marker == Some(Marker::CertAuthority))
        {
            return fail(format!(
                "{pat} is trusted through a certificate authority ({}, \
                 @cert-authority), and netinv does not verify host certificates; add the host's \
                 own key ({} {}) to known_hosts after checking it",
                at(l),
                key.kind,
                key.fingerprint
            ));
        }
        if policy == HostKeyPolicy::Strict {
            return fail(format!(
                "unknown host key for {pat} ({} {}); policy is strict — add it to known_hosts \
                 or use --host-key-policy accept-new",
                key.kind, key.fingerprint
            ));
        }
        if let Some(path) = self.files.first() {
            let line = format!(
                "{pat} {} {}\n",
                key.kind,
                base64ct::Base64::encode_string(key.blob)
            );
            append_line(path, &line).map_err(|e| {
                DeviceError::new(
                    ErrorKind::HostKey,
                    format!("cannot record host key in {}: {e}", path.display()),
                )
            })?;
        }
        known.add(Line {
            file: 0,
            number: 0,
            marker: None,
            hosts: Hosts::Patterns(vec![pat]),
            kind: key.kind.clone(),
            blob: presented,
        });
        tracing::info!(fingerprint = %key.fingerprint, "recorded new host key");
        Ok(())
    }
}

/// A key blob as ssh-key would encode it, so that a presented key and a parsed line compare
/// equal whatever encoding details the server chose; the bytes as they are when ssh-key
/// cannot read the type.
fn canonical_blob(blob: &[u8]) -> Vec<u8> {
    PublicKey::from_bytes(blob)
        .and_then(|k| k.to_bytes())
        .unwrap_or_else(|_| blob.to_vec())
}

fn append_line(path: &std::path::Path, line: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir)?;
        }
    }
    let mut f = OpenOptions::new().create(true).append(true).open(path)?;
    f.write_all(line.as_bytes())
}

/// OpenSSH's host pattern: the bare host on port 22, `[host]:port` otherwise.
pub fn pattern(host: &str, port: u16) -> String {
    if port == 22 {
        host.to_string()
    } else {
        format!("[{host}]:{port}")
    }
}

/// Each line of the file: a usable entry, or the number of a line that cannot be used.
/// Comments and blank lines are neither. Bytes that are not UTF-8 are replaced before
/// parsing: in a comment they change nothing, in a pattern they match nothing, in a key they
/// make the line unusable — as with OpenSSH, which reads such files.
fn parse_known_hosts(bytes: &[u8]) -> Vec<Result<Line, usize>> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // ssh-key splits fields on single spaces; OpenSSH allows any run of blanks.
        let fields: Vec<&str> = line.split_whitespace().collect();
        let entry = fields
            .join(" ")
            .parse::<Entry>()
            .ok()
            .and_then(|e| line_of(i + 1, &e));
        out.push(entry.ok_or(i + 1));
    }
    out
}

fn line_of(number: usize, entry: &Entry) -> Option<Line> {
    let key = entry.public_key();
    Some(Line {
        file: 0,
        number,
        marker: entry.marker().copied(),
        hosts: match entry.host_patterns() {
            HostPatterns::Patterns(list) => Hosts::Patterns(list.clone()),
            HostPatterns::HashedName { salt, hash } => Hosts::Hashed {
                salt: salt.clone(),
                hash: *hash,
            },
        },
        kind: key.algorithm().as_str().to_string(),
        blob: key.to_bytes().ok()?,
    })
}

/// "3, 7-9, 12" for a sorted list of line numbers.
fn summarize(lines: &[usize]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let mut j = i;
        while j + 1 < lines.len() && lines[j + 1] == lines[j] + 1 {
            j += 1;
        }
        parts.push(if i == j {
            lines[i].to_string()
        } else {
            format!("{}-{}", lines[i], lines[j])
        });
        i = j + 1;
    }
    parts.join(", ")
}

/// The key type is the first length-prefixed string of an SSH public key blob.
fn key_type_of(blob: &[u8]) -> Option<String> {
    let len = u32::from_be_bytes(blob.get(..4)?.try_into().ok()?) as usize;
    let name = blob.get(4..4usize.checked_add(len)?)?;
    String::from_utf8(name.to_vec()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real keys (ssh-keygen -t ed25519), so ssh-key parses them as a server's would be.
    const K1: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIKcvRyIY9Dj7OMysub1EccgBCnqknn/C+V65YVY6ys6d";
    const K2: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIEL21+ycsg3oRvjKbhsqmwkngAvJ/wdEVHdi66SmewrY";

    fn blob(b64: &str) -> Vec<u8> {
        base64ct::Base64::decode_vec(b64).unwrap()
    }

    fn store(policy: HostKeyPolicy, text: &str) -> HostKeyStore {
        let mut known = Known::default();
        let mut skipped = Vec::new();
        for l in parse_known_hosts(text.as_bytes()) {
            match l {
                Ok(l) => known.add(l),
                Err(n) => skipped.push(n),
            }
        }
        let set = KnownFiles {
            files: Vec::new(),
            known: Mutex::new(known),
        };
        HostKeyStore {
            policy,
            default_files: Vec::new(),
            sets: Mutex::new(HashMap::from([(Vec::new(), Arc::new(set))])),
            skipped,
        }
    }

    fn check(s: &HostKeyStore, host: &str, port: u16, key: &str) -> Result<(), DeviceError> {
        let b = blob(key);
        s.verify(
            host,
            port,
            &PresentedKey::new(&b, Some(b"fp")),
            &HostKeyRule::default(),
        )
    }

    #[test]
    fn a_non_standard_port_is_never_matched_by_a_port_less_entry() {
        let s = store(
            HostKeyPolicy::Strict,
            &format!("10.0.0.1 ssh-ed25519 {K1}\n"),
        );
        assert!(check(&s, "10.0.0.1", 22, K1).is_ok());
        assert_eq!(
            check(&s, "10.0.0.1", 2222, K1).unwrap_err().kind,
            ErrorKind::HostKey
        );
    }

    #[test]
    fn a_changed_key_fails_and_names_the_new_fingerprint() {
        let s = store(HostKeyPolicy::AcceptNew, "");
        check(&s, "r1", 22, K1).expect("first sight is recorded");
        check(&s, "r1", 22, K1).expect("same key matches");
        let b = blob(K2);
        let new = PresentedKey::new(&b, Some(b"new"));
        let err = s
            .verify("r1", 22, &new, &HostKeyRule::default())
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::HostKey);
        assert!(err.message.contains(&new.fingerprint), "{}", err.message);
    }

    #[test]
    fn wildcards_negation_and_bracketed_ports_match_as_in_openssh() {
        let s = store(
            HostKeyPolicy::Strict,
            &format!(
                "*.lab,!bad.lab ssh-ed25519 {K1}\n10.0.0.? ssh-ed25519 {K1}\n\
                 [10.1.*]:2222 ssh-ed25519 {K1}\nRouter9 ssh-ed25519 {K1}\n"
            ),
        );
        for (host, port) in [
            ("sw1.lab", 22),
            ("10.0.0.7", 22),
            ("10.1.2.3", 2222),
            ("router9", 22),
        ] {
            assert!(check(&s, host, port, K1).is_ok(), "{host}:{port}");
        }
        for (host, port) in [
            ("bad.lab", 22),
            ("10.0.0.17", 22),
            ("10.1.2.3", 22),
            ("lab", 22),
        ] {
            assert!(check(&s, host, port, K1).is_err(), "{host}:{port}");
        }
    }

    #[test]
    fn several_keys_per_host_any_of_them_verifies() {
        let s = store(
            HostKeyPolicy::Strict,
            &format!("r1 ssh-ed25519 {K1}\nr1 ssh-ed25519 {K2}\n"),
        );
        assert!(check(&s, "r1", 22, K1).is_ok());
        assert!(check(&s, "r1", 22, K2).is_ok());
    }

    #[test]
    fn a_revoked_key_is_refused_even_when_also_listed_as_known_and_under_accept_new() {
        for policy in [HostKeyPolicy::Strict, HostKeyPolicy::AcceptNew] {
            let s = store(
                policy,
                &format!("r1 ssh-ed25519 {K1}\n@revoked * ssh-ed25519 {K1}\n"),
            );
            let err = check(&s, "r1", 22, K1).unwrap_err();
            assert!(err.message.contains("REVOKED"), "{}", err.message);
            let err = check(&s, "new-host", 22, K1).unwrap_err();
            assert!(err.message.contains("line 2"), "{}", err.message);
        }
    }

    #[test]
    fn a_cert_authority_line_is_named_as_unsupported_rather_than_ignored() {
        let s = store(
            HostKeyPolicy::AcceptNew,
            &format!("@cert-authority *.lab ssh-ed25519 {K2}\n"),
        );
        let err = check(&s, "sw1.lab", 22, K1).unwrap_err();
        assert!(err.message.contains("@cert-authority"), "{}", err.message);
        assert!(check(&s, "elsewhere", 22, K1).is_ok());
    }

    #[test]
    fn unusable_lines_and_bytes_that_are_not_utf8_are_skipped_not_fatal() {
        let mut text = format!("r1 ssh-ed25519 {K1} comment ").into_bytes();
        text.extend(b"\xff\nr2 ssh-ed25519 AAAA\xfe\n# c\n|1|abc=|def= ssh-ed25519 AAAA\n");
        text.extend(format!("@bogus r3 ssh-ed25519 {K1}\nr4\tssh-ed25519   {K2}\n").as_bytes());
        let lines = parse_known_hosts(&text);
        let bad: Vec<usize> = lines
            .iter()
            .filter_map(|l| l.as_ref().err())
            .copied()
            .collect();
        assert_eq!(bad, vec![2, 4, 5]);
        let good: Vec<usize> = lines
            .iter()
            .filter_map(|l| l.as_ref().ok())
            .map(|l| l.number)
            .collect();
        assert_eq!(good, vec![1, 6]);
        assert_eq!(summarize(&[2, 4, 5, 6, 9]), "2, 4-6, 9");
    }

    /// Written by `ssh-keygen -H` from `[127.0.0.1]:2222 KEY` and `router1.example.net KEY`.
    const HASHED_BY_SSH_KEYGEN: &str = "\
|1|+vTb36ysQ2851p20+K6K5IWasdA=|bVkMSTa9C9y/LMb+ZWfuWYOiXpM= ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKcvRyIY9Dj7OMysub1EccgBCnqknn/C+V65YVY6ys6d
|1|s/w5BgxeXY+J2UblFKxUlpoPniI=|UvfJGRAuuOfcaEH8iftcV+vt7ws= ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKcvRyIY9Dj7OMysub1EccgBCnqknn/C+V65YVY6ys6d
";

    #[test]
    fn hashed_entries_written_by_ssh_keygen_match_their_hosts_and_no_others() {
        let s = store(HostKeyPolicy::Strict, HASHED_BY_SSH_KEYGEN);
        assert!(check(&s, "127.0.0.1", 2222, K1).is_ok());
        assert!(check(&s, "router1.example.net", 22, K1).is_ok());
        for (host, port) in [
            ("127.0.0.1", 22),
            ("127.0.0.1", 2223),
            ("router2.example.net", 22),
        ] {
            assert!(check(&s, host, port, K1).is_err(), "{host}:{port}");
        }
    }
}
