//! Host-key checking against an OpenSSH known_hosts file, shared by all workers of a run.
//!
//! The file is read once into memory (libssh2's own reader would re-read it per device) and new
//! keys are appended under a lock, so ten thousand devices cost one read and one append each.

use super::sha1::hmac_sha1;
use crate::cli::HostKeyPolicy;
use crate::error::{DeviceError, ErrorKind};
use std::collections::{HashMap, HashSet};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

/// A host key as the server presented it.
pub struct PresentedKey<'a> {
    /// Key type name from the key blob, e.g. `ssh-ed25519`.
    pub kind: String,
    pub blob: &'a [u8],
    /// "SHA256:..." as OpenSSH prints it.
    pub fingerprint: String,
}

impl<'a> PresentedKey<'a> {
    pub fn new(blob: &'a [u8], sha256: Option<&[u8]>) -> Self {
        PresentedKey {
            kind: key_type_of(blob).unwrap_or_else(|| "unknown".into()),
            blob,
            fingerprint: format!(
                "SHA256:{}",
                sha256.map(base64_nopad).unwrap_or_else(|| "?".into())
            ),
        }
    }
}

/// The run's view of known hosts.
pub struct HostKeyStore {
    policy: HostKeyPolicy,
    file: Option<PathBuf>,
    known: Mutex<Known>,
}

/// (key type, base64 key)
type KeyEntry = (String, String);

#[derive(Default)]
struct Known {
    /// host pattern (`host` or `[host]:port`) → its keys.
    plain: HashMap<String, Vec<KeyEntry>>,
    /// Hashed entries (OpenSSH's `HashKnownHosts yes`, the default on Debian and Ubuntu), not yet
    /// matched to a pattern: each has its own salt, so a pattern is tried against all of them.
    hashed: Vec<HashedEntry>,
    /// Patterns already tried against `hashed` (their matches moved into `plain`).
    resolved: HashSet<String>,
    /// The line of the file each key was read from, so a changed key can be pointed at.
    lines: HashMap<KeyEntry, usize>,
}

struct HashedEntry {
    salt: Vec<u8>,
    hash: [u8; 20],
    key: KeyEntry,
}

impl Known {
    /// The keys recorded for `pat`, plain or hashed.
    fn entries(&mut self, pat: &str) -> Option<&Vec<KeyEntry>> {
        if !self.hashed.is_empty() && self.resolved.insert(pat.to_string()) {
            let matched: Vec<KeyEntry> = self
                .hashed
                .iter()
                .filter(|h| hmac_sha1(&h.salt, pat.as_bytes()) == h.hash)
                .map(|h| h.key.clone())
                .collect();
            if !matched.is_empty() {
                self.plain
                    .entry(pat.to_string())
                    .or_default()
                    .extend(matched);
            }
        }
        self.plain.get(pat)
    }
}

impl HostKeyStore {
    /// Read the known_hosts file once. A missing file is fine (nothing known yet).
    pub fn load(policy: HostKeyPolicy, file: Option<PathBuf>) -> std::io::Result<Self> {
        let mut known = Known::default();
        if policy != HostKeyPolicy::Off {
            if let Some(path) = &file {
                match std::fs::read_to_string(path) {
                    Ok(text) => {
                        for (i, line) in text.lines().enumerate() {
                            let mut f = line.split_whitespace();
                            if let (Some(_), Some(kind), Some(key)) = (f.next(), f.next(), f.next())
                            {
                                known
                                    .lines
                                    .entry((kind.to_string(), key.to_string()))
                                    .or_insert(i + 1);
                            }
                        }
                        for (hosts, kind, key) in parse_known_hosts(&text) {
                            let entry = (kind.to_string(), key.to_string());
                            match hosts {
                                Hosts::Patterns(list) => {
                                    for h in list.split(',') {
                                        known
                                            .plain
                                            .entry(h.to_string())
                                            .or_default()
                                            .push(entry.clone());
                                    }
                                }
                                Hosts::Hashed { salt, hash } => known.hashed.push(HashedEntry {
                                    salt,
                                    hash,
                                    key: entry,
                                }),
                            }
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(HostKeyStore {
            policy,
            file,
            known: Mutex::new(known),
        })
    }

    pub fn policy(&self) -> HostKeyPolicy {
        self.policy
    }

    /// Key types already known for this host, in the names libssh2 uses for its host-key
    /// preference, so the server is asked for the type we can verify: libssh2 reports a key
    /// of another type as a mismatch.
    pub fn preferred_algorithms(&self, host: &str, port: u16) -> Option<Vec<String>> {
        if self.policy == HostKeyPolicy::Off {
            return None;
        }
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        let entries = known.entries(&pattern(host, port))?;
        let mut algs: Vec<&str> = Vec::new();
        for (kind, _) in entries {
            // An RSA key can sign with three algorithms; every other type names its own.
            let names: &[&str] = match kind.as_str() {
                "ssh-rsa" => &["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
                "ssh-ed25519"
                | "ecdsa-sha2-nistp256"
                | "ecdsa-sha2-nistp384"
                | "ecdsa-sha2-nistp521"
                | "ssh-dss" => &[kind.as_str()][..],
                _ => &[],
            };
            for n in names {
                if !algs.contains(n) {
                    algs.push(n);
                }
            }
        }
        (!algs.is_empty()).then(|| algs.into_iter().map(String::from).collect())
    }

    /// Judge the presented key; under accept-new, record an unknown one.
    pub fn verify(&self, host: &str, port: u16, key: &PresentedKey) -> Result<(), DeviceError> {
        if self.policy == HostKeyPolicy::Off {
            return Ok(());
        }
        let pat = pattern(host, port);
        let b64 = base64(key.blob);
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        let (exact, same_type, other_types) = match known.entries(&pat) {
            Some(entries) => {
                let mut types: Vec<String> = entries.iter().map(|(k, _)| k.to_string()).collect();
                types.dedup();
                (
                    entries.iter().any(|(k, v)| *k == key.kind && *v == b64),
                    entries.iter().find(|(k, _)| *k == key.kind).cloned(),
                    types,
                )
            }
            None => (false, None, Vec::new()),
        };
        if exact {
            return Ok(());
        }
        if let Some(old) = same_type {
            let file = self
                .file
                .as_ref()
                .map(|f| f.display().to_string())
                .unwrap_or_else(|| "known_hosts".into());
            let at = match known.lines.get(&old) {
                Some(n) => format!("{file} line {n}"),
                None => format!("{file} (recorded during this run)"),
            };
            return Err(DeviceError::new(
                ErrorKind::HostKey,
                format!(
                    "HOST KEY CHANGED for {pat}: the server presented {} {} which does not \
                     match the key recorded in {at}; possible man-in-the-middle — verify \
                     the new key, then remove the old entry (ssh-keygen -R '{pat}' -f {file})",
                    key.kind, key.fingerprint
                ),
            ));
        }
        // Known, but under other key types only: like a changed key, never recorded on first
        // sight (that would let anyone who can answer for the host add a key).
        if !other_types.is_empty() {
            return Err(DeviceError::new(
                ErrorKind::HostKey,
                format!(
                    "host key for {pat} not verifiable: known_hosts has only {} keys for it, \
                     the server presented {} {}; verify the new key, then replace the old entry",
                    other_types.join(","),
                    key.kind,
                    key.fingerprint
                ),
            ));
        }
        match self.policy {
            HostKeyPolicy::Strict => Err(DeviceError::new(
                ErrorKind::HostKey,
                format!(
                    "unknown host key for {pat} ({} {}); policy is strict — add it to known_hosts \
                     or use --host-key-policy accept-new",
                    key.kind, key.fingerprint
                ),
            )),
            _ => {
                known
                    .plain
                    .entry(pat.clone())
                    .or_default()
                    .push((key.kind.clone(), b64.clone()));
                if let Some(path) = &self.file {
                    append_line(path, &format!("{pat} {} {b64}\n", key.kind)).map_err(|e| {
                        DeviceError::new(
                            ErrorKind::HostKey,
                            format!("cannot record host key in {}: {e}", path.display()),
                        )
                    })?;
                }
                tracing::info!(fingerprint = %key.fingerprint, "recorded new host key");
                Ok(())
            }
        }
    }
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

/// Who a known_hosts line is for.
#[derive(Debug, PartialEq, Eq)]
enum Hosts<'t> {
    /// `host1,[host2]:2222`
    Patterns(&'t str),
    /// `|1|base64(salt)|base64(HMAC-SHA1(salt, pattern))`
    Hashed { salt: Vec<u8>, hash: [u8; 20] },
}

/// (hosts, key type, base64 key) for each entry. Markers (`@revoked`, `@cert-authority`),
/// comments and malformed hashed entries are skipped.
fn parse_known_hosts(text: &str) -> Vec<(Hosts<'_>, &str, &str)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('@'))
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            let (hosts, kind, key) = (it.next()?, it.next()?, it.next()?);
            let hosts = match hosts.strip_prefix("|1|") {
                Some(rest) => {
                    let (salt, hash) = rest.split_once('|')?;
                    Hosts::Hashed {
                        salt: base64_decode(salt)?,
                        hash: base64_decode(hash)?.try_into().ok()?,
                    }
                }
                None if hosts.starts_with('|') => return None,
                None => Hosts::Patterns(hosts),
            };
            Some((hosts, kind, key))
        })
        .collect()
}

/// Standard base64 with optional padding; None on anything else.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = B64.iter().position(|&b| b == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// The key type is the first length-prefixed string of an SSH public key blob.
fn key_type_of(blob: &[u8]) -> Option<String> {
    let len = u32::from_be_bytes(blob.get(..4)?.try_into().ok()?) as usize;
    let name = blob.get(4..4usize.checked_add(len)?)?;
    String::from_utf8(name.to_vec()).ok()
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding, as known_hosts stores keys.
pub fn base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Base64 without padding, as OpenSSH prints SHA256 fingerprints.
pub fn base64_nopad(data: &[u8]) -> String {
    base64(data).trim_end_matches('=').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_4648_test_vectors() {
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), enc);
        }
        assert_eq!(base64_nopad(b"f"), "Zg");
    }

    #[test]
    fn a_non_standard_port_is_never_matched_by_a_port_less_entry() {
        let store = HostKeyStore {
            policy: HostKeyPolicy::Strict,
            file: None,
            known: Mutex::new(Known {
                plain: HashMap::from([(
                    "10.0.0.1".to_string(),
                    vec![(
                        "ssh-ed25519".to_string(),
                        base64(b"\0\0\0\x0bssh-ed25519KEY"),
                    )],
                )]),
                ..Known::default()
            }),
        };
        let blob = b"\0\0\0\x0bssh-ed25519KEY";
        let key = PresentedKey::new(blob, Some(b"x"));
        assert!(store.verify("10.0.0.1", 22, &key).is_ok());
        let err = store.verify("10.0.0.1", 2222, &key).unwrap_err();
        assert_eq!(err.kind, ErrorKind::HostKey);
    }

    #[test]
    fn a_changed_key_fails_and_names_the_new_fingerprint() {
        let store = HostKeyStore {
            policy: HostKeyPolicy::AcceptNew,
            file: None,
            known: Mutex::new(Known::default()),
        };
        let old = PresentedKey::new(b"\0\0\0\x0bssh-ed25519OLD", Some(b"old"));
        let new = PresentedKey::new(b"\0\0\0\x0bssh-ed25519NEW", Some(b"new"));
        store
            .verify("r1", 22, &old)
            .expect("first sight is recorded");
        store.verify("r1", 22, &old).expect("same key matches");
        let err = store.verify("r1", 22, &new).unwrap_err();
        assert_eq!(err.kind, ErrorKind::HostKey);
        assert!(err.message.contains(&new.fingerprint), "{}", err.message);
    }

    #[test]
    fn malformed_hashed_entries_and_markers_are_skipped_not_misread() {
        let text = "|1|abc=|def= ssh-ed25519 AAAA\n|2|x|y ssh-rsa AAAD\n@revoked r1 ssh-rsa AAAB\n# c\nr2,r3 ssh-ed25519 AAAC\n";
        assert_eq!(
            parse_known_hosts(text),
            vec![(Hosts::Patterns("r2,r3"), "ssh-ed25519", "AAAC")]
        );
    }

    /// Written by `ssh-keygen -H` from `[127.0.0.1]:2222 KEY` and `router1.example.net KEY`.
    const HASHED_BY_SSH_KEYGEN: &str = "\
|1|+vTb36ysQ2851p20+K6K5IWasdA=|bVkMSTa9C9y/LMb+ZWfuWYOiXpM= ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKcvRyIY9Dj7OMysub1EccgBCnqknn/C+V65YVY6ys6d
|1|s/w5BgxeXY+J2UblFKxUlpoPniI=|UvfJGRAuuOfcaEH8iftcV+vt7ws= ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKcvRyIY9Dj7OMysub1EccgBCnqknn/C+V65YVY6ys6d
";

    #[test]
    fn hashed_entries_written_by_ssh_keygen_match_their_hosts_and_no_others() {
        let mut known = Known::default();
        for (hosts, kind, key) in parse_known_hosts(HASHED_BY_SSH_KEYGEN) {
            let Hosts::Hashed { salt, hash } = hosts else {
                panic!("expected hashed entries");
            };
            known.hashed.push(HashedEntry {
                salt,
                hash,
                key: (kind.to_string(), key.to_string()),
            });
        }
        for pat in ["[127.0.0.1]:2222", "router1.example.net"] {
            let found = known
                .entries(pat)
                .unwrap_or_else(|| panic!("{pat} not found"));
            assert_eq!(found.len(), 1, "{pat}");
            assert_eq!(found[0].0, "ssh-ed25519");
        }
        for pat in ["127.0.0.1", "[127.0.0.1]:2223", "router2.example.net"] {
            assert!(known.entries(pat).is_none(), "{pat} must not match");
        }
        // A second look at a pattern answers from what the first one found.
        assert_eq!(known.entries("router1.example.net").map(Vec::len), Some(1));
    }
}
