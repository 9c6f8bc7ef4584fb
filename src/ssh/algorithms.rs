//! Which SSH algorithms a device is offered: the modern set by default, the SHA-1/DSA/3DES ones
//! only for devices that opted in, and OpenSSH-style edits (`+`, `-`, `^`) from ssh_config.
//!
//! The build compiles the legacy algorithms into libssh2, and libssh2 offers everything compiled
//! in unless told otherwise, so every list is set explicitly on every session.

use crate::deadline::Deadline;
use ssh2::{MethodType, Session};
use std::fmt;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::OnceLock;

/// The four negotiated things an audit cares about, named as OpenSSH names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// Key exchange.
    Kex,
    /// Host key type.
    HostKey,
    /// Cipher.
    Cipher,
    /// Message authentication code.
    Mac,
}

impl Category {
    /// Every category, in the order SSH negotiates them.
    pub const ALL: [Category; 4] = [
        Category::Kex,
        Category::HostKey,
        Category::Cipher,
        Category::Mac,
    ];

    /// The ssh_config keyword that edits this list.
    pub fn keyword(self) -> &'static str {
        match self {
            Category::Kex => "KexAlgorithms",
            Category::HostKey => "HostKeyAlgorithms",
            Category::Cipher => "Ciphers",
            Category::Mac => "MACs",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Category::Kex => "key exchange",
            Category::HostKey => "host key algorithm",
            Category::Cipher => "cipher",
            Category::Mac => "MAC",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// The libssh2 method type whose list this is (ciphers and MACs have one per direction).
    fn method(self) -> MethodType {
        match self {
            Category::Kex => MethodType::Kex,
            Category::HostKey => MethodType::HostKey,
            Category::Cipher => MethodType::CryptCs,
            Category::Mac => MethodType::MacCs,
        }
    }

    /// Algorithms that old devices need and that netinv offers only when asked: SHA-1 key
    /// exchange, SHA-1 RSA signatures, DSA, 3DES and hmac-sha1. In the order they are appended.
    pub fn legacy(self) -> &'static [&'static str] {
        match self {
            Category::Kex => &[
                "diffie-hellman-group14-sha1",
                "diffie-hellman-group-exchange-sha1",
                "diffie-hellman-group1-sha1",
            ],
            Category::HostKey => &["ssh-rsa", "ssh-dss"],
            Category::Cipher => &["3des-cbc"],
            Category::Mac => &["hmac-sha1", "hmac-sha1-96"],
        }
    }

    /// Names libssh2 may have compiled in that are never offered by default, though they are
    /// not in `legacy`: host certificates, which netinv cannot verify against known_hosts
    /// (a server with a certificate also has its plain key), and a MAC no device needs where
    /// hmac-sha1 would not do.
    fn withheld(self, name: &str) -> bool {
        match self {
            Category::HostKey => name.ends_with("-cert-v01@openssh.com"),
            Category::Mac => name == "hmac-sha1-etm@openssh.com",
            _ => false,
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.noun())
    }
}

/// What this build of libssh2 can speak, per category, in libssh2's order of preference.
pub struct Supported {
    lists: [Vec<&'static str>; 4],
}

impl Supported {
    /// Asked of libssh2 once per process.
    pub fn get() -> &'static Supported {
        static SUPPORTED: OnceLock<Supported> = OnceLock::new();
        SUPPORTED.get_or_init(|| {
            let session = Session::new().ok();
            let list = |c: Category| {
                session
                    .as_ref()
                    .and_then(|s| s.supported_algs(c.method()).ok())
                    .unwrap_or_default()
            };
            Supported {
                lists: Category::ALL.map(list),
            }
        })
    }

    /// The algorithms offered for `c`, preferred first.
    pub fn list(&self, c: Category) -> &[&'static str] {
        &self.lists[c.index()]
    }

    /// Whether `name` is offered for `c`.
    pub fn has(&self, c: Category, name: &str) -> bool {
        self.list(c).contains(&name)
    }

    /// libssh2's list without the legacy and withheld names: what every device is offered.
    pub fn modern(&self, c: Category) -> Vec<&'static str> {
        self.list(c)
            .iter()
            .copied()
            .filter(|n| !c.legacy().contains(n) && !c.withheld(n))
            .collect()
    }
}

/// An ssh_config algorithm list as written: `a,b` replaces, `+a,b` appends, `-a*` removes
/// (wildcards allowed), `^a,b` puts first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// Offer exactly these.
    Replace(Vec<String>),
    /// Offer these after the defaults (`+`).
    Append(Vec<String>),
    /// Offer the defaults but these (`-`).
    Remove(Vec<String>),
    /// Offer these before the defaults (`^`).
    Prepend(Vec<String>),
}

impl Edit {
    /// Reads an algorithm list as ssh_config writes it (`+a,b`, `-a`, `^a`, `a,b`).
    pub fn parse(text: &str) -> Result<Edit, String> {
        let text = text.trim();
        let (make, rest): (fn(Vec<String>) -> Edit, &str) = match text.as_bytes().first() {
            Some(b'+') => (Edit::Append, &text[1..]),
            Some(b'-') => (Edit::Remove, &text[1..]),
            Some(b'^') => (Edit::Prepend, &text[1..]),
            _ => (Edit::Replace, text),
        };
        let names: Vec<String> = rest
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(String::from)
            .collect();
        if names.is_empty() {
            return Err(format!("'{text}' names no algorithm"));
        }
        Ok(make(names))
    }
}

/// How one device's lists differ from the default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Choice {
    /// Append every legacy algorithm (`--legacy-algorithms`, inventory `legacy=yes`).
    pub legacy: bool,
    /// ssh_config edits, per category.
    pub edits: [Option<Edit>; 4],
}

impl Choice {
    /// The edit asked for `c`, if any.
    pub fn edit(&self, c: Category) -> Option<&Edit> {
        self.edits[c.index()].as_ref()
    }

    /// The list offered for `c`: modern, then legacy if opted in, then the ssh_config edit.
    /// Names this build cannot speak are left out (libssh2 would ignore them anyway).
    pub fn list(&self, c: Category, supported: &Supported) -> Vec<&'static str> {
        let mut list = supported.modern(c);
        if self.legacy {
            list.extend(c.legacy().iter().filter(|n| supported.has(c, n)));
        }
        let known = |names: &[String]| -> Vec<&'static str> {
            names
                .iter()
                .filter_map(|n| supported.list(c).iter().copied().find(|s| s == n))
                .collect()
        };
        match self.edit(c) {
            None => {}
            Some(Edit::Replace(names)) => list = known(names),
            Some(Edit::Append(names)) => {
                for n in known(names) {
                    if !list.contains(&n) {
                        list.push(n);
                    }
                }
            }
            Some(Edit::Prepend(names)) => {
                let first = known(names);
                list.retain(|n| !first.contains(n));
                list.splice(0..0, first);
            }
            Some(Edit::Remove(patterns)) => {
                list.retain(|n| !patterns.iter().any(|p| wildcard_match(p, n)));
            }
        }
        if c == Category::Kex {
            // Pseudo-algorithms (strict key exchange against Terrapin, extension negotiation)
            // stay whatever the user's list says: they are not key exchanges to choose.
            for pseudo in supported
                .list(c)
                .iter()
                .filter(|n| n.starts_with("ext-info-") || n.starts_with("kex-strict-"))
            {
                if !list.contains(pseudo) {
                    list.push(pseudo);
                }
            }
        }
        list
    }

    /// Set every list on a session before its handshake. `host_keys`: when some keys of this
    /// host are known, the host key algorithms that can verify them (asked for first, alone).
    pub fn apply(&self, session: &Session, host_keys: Option<&[String]>) -> Result<(), String> {
        let supported = Supported::get();
        for c in Category::ALL {
            let mut list = self.list(c, supported);
            if c == Category::HostKey {
                if let Some(known) = host_keys {
                    let usable: Vec<&'static str> = list
                        .iter()
                        .copied()
                        .filter(|n| known.iter().any(|k| k == n))
                        .collect();
                    // None of the known keys can be verified with what this device is offered:
                    // take any key, and the host-key check says what changed.
                    if !usable.is_empty() {
                        list = usable;
                    }
                }
            }
            if list.is_empty() || list.iter().all(|n| is_pseudo(n)) {
                return Err(format!(
                    "no {} left to offer: the ssh_config `{}` list names none this build supports \
                     (supported: {})",
                    c,
                    c.keyword(),
                    supported.list(c).join(",")
                ));
            }
            let text = list.join(",");
            let types: &[MethodType] = match c {
                Category::Cipher => &[MethodType::CryptCs, MethodType::CryptSc],
                Category::Mac => &[MethodType::MacCs, MethodType::MacSc],
                _ => &[c.method()],
            };
            for t in types {
                session
                    .method_pref(*t, &text)
                    .map_err(|e| format!("cannot set the {c} list '{text}': {}", e.message()))?;
            }
        }
        Ok(())
    }
}

fn is_pseudo(name: &str) -> bool {
    name.starts_with("ext-info-") || name.starts_with("kex-strict-")
}

/// OpenSSH's pattern match: `*` any run, `?` one character.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi].eq_ignore_ascii_case(&t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// What a session negotiated, for the device record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Negotiated {
    /// The key exchange agreed.
    pub kex: String,
    /// The host key type agreed.
    pub host_key: String,
    /// The cipher agreed.
    pub cipher: String,
    /// The MAC agreed.
    pub mac: String,
}

impl Negotiated {
    /// What `session` negotiated.
    pub fn of(session: &Session) -> Negotiated {
        let m = |t| session.methods(t).unwrap_or("").to_string();
        Negotiated {
            kex: m(MethodType::Kex),
            host_key: m(MethodType::HostKey),
            cipher: m(MethodType::CryptCs),
            mac: m(MethodType::MacCs),
        }
    }
}

/// The algorithm lists of a server's KEXINIT, per category (client-to-server for ciphers and MACs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// What the device offered, per category.
    pub lists: [Vec<String>; 4],
}

impl Offer {
    /// What the device offered for `c`.
    pub fn list(&self, c: Category) -> &[String] {
        &self.lists[c.index()]
    }

    /// Parse an SSH_MSG_KEXINIT payload (RFC 4253 §7.1).
    pub fn from_kexinit(payload: &[u8]) -> Option<Offer> {
        const SSH_MSG_KEXINIT: u8 = 20;
        if payload.first() != Some(&SSH_MSG_KEXINIT) {
            return None;
        }
        let mut rest = payload.get(17..)?; // message code + 16-byte cookie
        let mut next = || -> Option<Vec<String>> {
            let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
            let bytes = rest.get(4..4usize.checked_add(len)?)?;
            rest = &rest[4 + len..];
            let text = String::from_utf8_lossy(bytes);
            Some(
                text.split(',')
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect(),
            )
        };
        let kex = next()?;
        let host_key = next()?;
        let cipher = next()?;
        let _cipher_sc = next()?;
        let mac = next()?;
        Some(Offer {
            lists: [kex, host_key, cipher, mac],
        })
    }

    /// Why `choice` found nothing in common with this offer, and what would reach the device.
    /// None when every category has an algorithm in common (the failure was something else).
    pub fn explain(&self, choice: &Choice, supported: &Supported) -> Option<String> {
        let mut parts = Vec::new();
        for c in Category::ALL {
            let ours = choice.list(c, supported);
            let theirs: Vec<&str> = self
                .list(c)
                .iter()
                .map(String::as_str)
                .filter(|n| !is_pseudo(n))
                .collect();
            // AEAD ciphers carry their own MAC: a server offering only such ciphers needs no MAC.
            if theirs.iter().any(|n| ours.contains(n)) || (c == Category::Mac && theirs.is_empty())
            {
                continue;
            }
            let reachable: Vec<&str> = theirs
                .iter()
                .copied()
                .filter(|n| supported.has(c, n))
                .collect();
            let how = if reachable.is_empty() {
                "netinv cannot speak any of them"
            } else if reachable.iter().any(|n| c.legacy().contains(n)) && !choice.legacy {
                "reach it with --legacy-algorithms or inventory column legacy=yes"
            } else {
                "netinv does not offer them"
            };
            parts.push(format!(
                "no {c} in common: the device offers {} ({how})",
                theirs.join(",")
            ));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// Ask a server what it offers: connect again, send an identification line and read its
/// KEXINIT, which comes before anything is encrypted. Used only to explain a failed key
/// exchange (libssh2 does not say what the server offered). None if the server does not say
/// before the deadline.
pub fn probe_offer(addr: SocketAddr, deadline: Deadline) -> Option<Offer> {
    let budget = deadline.remaining();
    if budget.is_zero() {
        return None;
    }
    probe_over(TcpStream::connect_timeout(&addr, budget).ok()?, deadline)
}

/// A connection a probe can be sent over: TCP to the device, or a stream through a jump host
/// or a ProxyCommand.
pub trait ProbeStream: Read + Write {
    /// Sets the socket's read timeout.
    fn set_read_timeout(&self, t: Option<std::time::Duration>) -> std::io::Result<()>;
    /// Closes the socket both ways.
    fn shutdown(&self);
}

impl ProbeStream for TcpStream {
    fn set_read_timeout(&self, t: Option<std::time::Duration>) -> std::io::Result<()> {
        TcpStream::set_read_timeout(self, t)
    }
    fn shutdown(&self) {
        let _ = TcpStream::shutdown(self, Shutdown::Both);
    }
}

impl ProbeStream for std::os::unix::net::UnixStream {
    fn set_read_timeout(&self, t: Option<std::time::Duration>) -> std::io::Result<()> {
        std::os::unix::net::UnixStream::set_read_timeout(self, t)
    }
    fn shutdown(&self) {
        let _ = std::os::unix::net::UnixStream::shutdown(self, Shutdown::Both);
    }
}

/// `probe_offer` over a connection already made.
pub fn probe_over<S: ProbeStream>(mut socket: S, deadline: Deadline) -> Option<Offer> {
    let read_kexinit = |socket: &mut S| -> Option<Offer> {
        socket.write_all(b"SSH-2.0-netinv_probe\r\n").ok()?;
        let mut reader = BoundedReader {
            inner: socket,
            deadline,
        };
        // Lines before the identification are allowed (RFC 4253 §4.2); 64 KiB of them is plenty.
        let mut seen = 0usize;
        loop {
            let line = reader.line(1024)?;
            seen += line.len() + 1;
            if line.starts_with(b"SSH-") {
                break;
            }
            if seen > 64 * 1024 {
                return None;
            }
        }
        let mut head = [0u8; 5];
        reader.exact(&mut head)?;
        let len = u32::from_be_bytes(head[..4].try_into().ok()?) as usize;
        let padding = head[4] as usize;
        if !(1 + padding..=256 * 1024).contains(&len) {
            return None;
        }
        let mut packet = vec![0u8; len - 1];
        reader.exact(&mut packet)?;
        Offer::from_kexinit(&packet[..len - 1 - padding])
    };
    let offer = read_kexinit(&mut socket);
    ProbeStream::shutdown(&socket);
    offer
}

/// Reads from a socket, never past the deadline.
struct BoundedReader<'a, S> {
    inner: &'a mut S,
    deadline: Deadline,
}

impl<S: ProbeStream> BoundedReader<'_, S> {
    fn byte(&mut self) -> Option<u8> {
        let mut b = [0u8; 1];
        self.exact(&mut b)?;
        Some(b[0])
    }

    fn exact(&mut self, buf: &mut [u8]) -> Option<()> {
        let left = self.deadline.remaining();
        if left.is_zero() {
            return None;
        }
        ProbeStream::set_read_timeout(&*self.inner, Some(left)).ok()?;
        self.inner.read_exact(buf).ok()
    }

    /// One line without its CR LF; None past `max` bytes.
    fn line(&mut self, max: usize) -> Option<Vec<u8>> {
        let mut line = Vec::new();
        loop {
            match self.byte()? {
                b'\n' => break,
                b => line.push(b),
            }
            if line.len() > max {
                return None;
            }
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        Some(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn legacy_algorithms_are_offered_only_when_asked_for_and_after_the_modern_ones() {
        let s = Supported::get();
        for c in Category::ALL {
            let default = Choice::default().list(c, s);
            for legacy in c.legacy() {
                assert!(!default.contains(legacy), "{legacy} offered by default");
            }
            let opted = Choice {
                legacy: true,
                ..Choice::default()
            }
            .list(c, s);
            let modern = s.modern(c);
            assert!(opted.starts_with(&modern[..modern.len().min(1)]));
            for legacy in c.legacy() {
                let at = opted.iter().position(|n| n == legacy);
                let at = at.unwrap_or_else(|| panic!("{legacy} not offered with the opt-in"));
                let last_modern = modern
                    .iter()
                    .filter(|n| !is_pseudo(n))
                    .filter_map(|m| opted.iter().position(|n| n == m))
                    .max()
                    .unwrap_or(0);
                assert!(at > last_modern, "{legacy} must come after the modern list");
            }
        }
    }

    #[test]
    fn every_legacy_algorithm_netinv_offers_is_compiled_into_libssh2() {
        let s = Supported::get();
        for c in Category::ALL {
            for name in c.legacy() {
                assert!(
                    s.has(c, name),
                    "{name} is not compiled into libssh2 (supported {c}: {:?}); \
                     the build must define the LIBSSH2_*_ENABLE flags",
                    s.list(c)
                );
            }
        }
    }

    #[test]
    fn ssh_config_edits_append_remove_and_prepend_like_openssh() {
        let s = Supported::get();
        let with = |c: Category, e: &str| {
            let mut choice = Choice::default();
            choice.edits[c.index()] = Some(Edit::parse(e).unwrap());
            choice.list(c, s)
        };
        let kex = with(Category::Kex, "+diffie-hellman-group1-sha1");
        assert_eq!(
            kex.iter().rfind(|n| !is_pseudo(n)).copied(),
            Some("diffie-hellman-group1-sha1")
        );
        let ciphers = with(Category::Cipher, "^3des-cbc");
        assert_eq!(ciphers[0], "3des-cbc");
        let macs = with(Category::Mac, "-hmac-sha2-512*");
        assert!(macs.iter().all(|n| !n.starts_with("hmac-sha2-512")));
        assert!(macs.contains(&"hmac-sha2-256"));
        let only = with(Category::HostKey, "ssh-ed25519,no-such-alg");
        assert_eq!(only, vec!["ssh-ed25519"]);
        // Strict key exchange stays on whatever the list says.
        let kex = with(Category::Kex, "curve25519-sha256");
        assert!(kex.iter().any(|n| n.starts_with("kex-strict-")), "{kex:?}");
        assert!(Edit::parse("+").is_err());
    }

    #[test]
    fn wildcards_match_as_in_openssh() {
        assert!(wildcard_match("hmac-sha1*", "hmac-sha1-96"));
        assert!(wildcard_match("*-cbc", "3des-cbc"));
        assert!(wildcard_match("aes1?8-ctr", "aes128-ctr"));
        assert!(!wildcard_match("aes1?8-ctr", "aes256-ctr"));
        assert!(!wildcard_match("ssh-rsa", "ssh-rsa-cert-v01@openssh.com"));
    }

    #[test]
    fn a_kexinit_offer_explains_what_is_missing_and_which_option_reaches_it() {
        let mut payload = vec![20u8];
        payload.extend([0u8; 16]);
        for list in [
            "diffie-hellman-group1-sha1",
            "ssh-rsa",
            "aes128-cbc,3des-cbc",
            "aes128-cbc,3des-cbc",
            "hmac-sha1",
            "hmac-sha1",
            "none",
            "none",
            "",
            "",
        ] {
            payload.extend((list.len() as u32).to_be_bytes());
            payload.extend(list.as_bytes());
        }
        payload.extend([0u8; 5]);
        let offer = Offer::from_kexinit(&payload).expect("parsed");
        assert_eq!(offer.list(Category::HostKey), &names(&["ssh-rsa"])[..]);
        let s = Supported::get();
        let why = offer
            .explain(&Choice::default(), s)
            .expect("nothing in common");
        assert!(
            why.contains("no key exchange in common: the device offers diffie-hellman-group1-sha1"),
            "{why}"
        );
        assert!(why.contains("--legacy-algorithms"), "{why}");
        assert!(why.contains("no host key algorithm in common: the device offers ssh-rsa (reach it with --legacy-algorithms"), "{why}");
        assert!(
            why.contains(
                "no MAC in common: the device offers hmac-sha1 (reach it with --legacy-algorithms"
            ),
            "{why}"
        );
        // aes128-cbc is in common, so ciphers are not the problem.
        assert!(!why.contains("cipher in common"), "{why}");
        let legacy = Choice {
            legacy: true,
            ..Choice::default()
        };
        assert_eq!(offer.explain(&legacy, s), None);
        assert_eq!(Offer::from_kexinit(&payload[..30]), None);
    }
}
