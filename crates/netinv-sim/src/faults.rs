//! Faults and quirks a simulated device can have, how a spec like `auth:2%` is read, and
//! how they are dealt out to a fleet (deterministically from the seed, exact counts).

use super::rng::Rng;
use std::fmt;

/// Something wrong (or merely odd) about one device. Quirks (`UserMode`, `HashBanner`,
/// `AnsiPrompt`) are legal device behaviour a careful client must cope with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// Rejects the right password.
    Auth,
    /// Accepts the TCP connection, then never sends a byte.
    Silent,
    /// Answers the login and session set-up, then nothing after the command.
    Hang,
    /// The output trickles at about one byte per 200 ms and never ends.
    Drip,
    /// Closes the TCP connection in the middle of the output.
    Disconnect,
    /// 20 MB of output, then a normal end.
    Huge,
    /// About 1 MiB of `x ESC[4096C` after the output: cursor moves that a naive terminal
    /// renderer turns into gigabytes of spaces. Then a normal end.
    AnsiBomb,
    /// Streams log lines without end and never shows a prompt (or, in exec, never ends).
    StreamNoPrompt,
    /// A pager that ignores the paging-disable command (interactive shell only).
    PagerStuck,
    /// Refuses the exec channel even where the platform accepts it.
    RefuseExec,
    /// Waits about 1.5 s before sending the SSH banner.
    SlowBanner,
    /// The shell starts at the user-mode prompt (`R1>`) and needs `enable`.
    UserMode,
    /// A MOTD made of `#` lines and lines ending in `#` or `>`, which look like prompts.
    HashBanner,
    /// The prompt is wrapped in ANSI colour codes.
    AnsiPrompt,
    /// Closes the whole SSH connection when an exec channel ends, as IOS and IOS-XR do: a
    /// second channel on that connection never gets a chance.
    ExecCloses,
    /// Refuses exec; any channel opened after that on the same connection is accepted and then
    /// never answers (a client must start again on a fresh connection).
    OneChannel,
    /// Asks `Username:` and `Password:` inside the session after SSH auth (wireless controllers,
    /// some access switches); no exec.
    InbandLogin,
    /// A login banner that waits for `a` ("(Press 'a' to accept):", FortiGate); any other key
    /// ends the session; no exec.
    AckBanner,
    /// Keyboard-interactive asks to acknowledge a notice (yes/no) before the password, and
    /// password auth is off (PAN-OS).
    KbdAck,
    /// "Your password has expired ... Change now? [Y/N]:" before the first prompt (Huawei);
    /// `N` goes on, anything else asks for a new password and ends the session; no exec.
    PasswordExpired,
    /// "% Authorization failed." right after login, then the session closes; no exec.
    AuthzFailed,
    /// Enter is CR only: an LF is not a line end (some device CLIs).
    CrOnly,
    /// A prompt of a shape the platform's usual pattern does not expect: NX-OS `host>` or
    /// `host(maint-mode)#`, IOS-XR `host#` or a timestamp line above it, ASA `host/context#` or
    /// `host/pri/act#`, a very long hostname elsewhere.
    OddPrompt,
}

impl Fault {
    /// Every fault and quirk, as `--faults` lists them.
    pub const ALL: [Fault; 23] = [
        Fault::Auth,
        Fault::Silent,
        Fault::Hang,
        Fault::Drip,
        Fault::Disconnect,
        Fault::Huge,
        Fault::AnsiBomb,
        Fault::StreamNoPrompt,
        Fault::PagerStuck,
        Fault::RefuseExec,
        Fault::SlowBanner,
        Fault::UserMode,
        Fault::HashBanner,
        Fault::AnsiPrompt,
        Fault::ExecCloses,
        Fault::OneChannel,
        Fault::InbandLogin,
        Fault::AckBanner,
        Fault::KbdAck,
        Fault::PasswordExpired,
        Fault::AuthzFailed,
        Fault::CrOnly,
        Fault::OddPrompt,
    ];

    /// The fault's name in `--faults`.
    pub fn name(&self) -> &'static str {
        match self {
            Fault::Auth => "auth",
            Fault::Silent => "silent",
            Fault::Hang => "hang",
            Fault::Drip => "drip",
            Fault::Disconnect => "disconnect",
            Fault::Huge => "huge",
            Fault::AnsiBomb => "ansi-bomb",
            Fault::StreamNoPrompt => "stream-no-prompt",
            Fault::PagerStuck => "pager-stuck",
            Fault::RefuseExec => "refuse-exec",
            Fault::SlowBanner => "slow-banner",
            Fault::UserMode => "user-mode",
            Fault::HashBanner => "hash-banner",
            Fault::AnsiPrompt => "ansi-prompt",
            Fault::ExecCloses => "exec-closes",
            Fault::OneChannel => "one-channel",
            Fault::InbandLogin => "inband-login",
            Fault::AckBanner => "ack-banner",
            Fault::KbdAck => "kbd-ack",
            Fault::PasswordExpired => "password-expired",
            Fault::AuthzFailed => "authz-failed",
            Fault::CrOnly => "cr-only",
            Fault::OddPrompt => "odd-prompt",
        }
    }

    /// Read a fault name (`pager-stuck`; `pager_stuck` is accepted too).
    pub fn parse(s: &str) -> Result<Fault, String> {
        let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
        Fault::ALL
            .iter()
            .copied()
            .find(|f| f.name() == wanted)
            .ok_or_else(|| {
                let known: Vec<&str> = Fault::ALL.iter().map(|f| f.name()).collect();
                format!("unknown fault '{}' (known: {})", s.trim(), known.join(", "))
            })
    }

    /// The error kind a correct client reports for a device with this fault; `None` = collected.
    /// Banners that wait to be acknowledged fail `auth` unless the client was told to accept
    /// them (netinv's `--accept-banner`).
    pub fn expected_error(&self) -> Option<&'static str> {
        match self {
            Fault::Auth | Fault::AuthzFailed | Fault::AckBanner | Fault::KbdAck => Some("auth"),
            Fault::Silent | Fault::Hang | Fault::Drip | Fault::StreamNoPrompt => Some("timeout"),
            Fault::Disconnect => Some("protocol"),
            Fault::Huge
            | Fault::AnsiBomb
            | Fault::PagerStuck
            | Fault::RefuseExec
            | Fault::SlowBanner
            | Fault::UserMode
            | Fault::HashBanner
            | Fault::AnsiPrompt
            | Fault::ExecCloses
            | Fault::OneChannel
            | Fault::InbandLogin
            | Fault::PasswordExpired
            | Fault::CrOnly
            | Fault::OddPrompt => None,
        }
    }

    /// Quirks that happen on a terminal between login and the first prompt; such devices
    /// refuse exec, as the real ones do.
    pub(crate) fn terminal_only(&self) -> bool {
        matches!(
            self,
            Fault::OneChannel
                | Fault::InbandLogin
                | Fault::AckBanner
                | Fault::PasswordExpired
                | Fault::AuthzFailed
        )
    }

    /// Faults that spoil the command's output (as opposed to the login or the session set-up).
    pub(crate) fn hits_output(&self) -> bool {
        matches!(
            self,
            Fault::Hang | Fault::Drip | Fault::Disconnect | Fault::Huge | Fault::AnsiBomb
        )
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Read `auth:2%,silent:1%,user-mode:10%` (a share is `N%` or a fraction `0.02`).
/// A bare name means a share of 0 and is refused, so a typo cannot silently do nothing.
pub fn parse_faults(spec: &str) -> Result<Vec<(Fault, f64)>, String> {
    let mut out: Vec<(Fault, f64)> = Vec::new();
    for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (name, share) = item
            .split_once(':')
            .ok_or_else(|| format!("'{item}': expected NAME:SHARE, e.g. auth:2%"))?;
        let fault = Fault::parse(name)?;
        let share = parse_share(share).map_err(|e| format!("'{item}': {e}"))?;
        if out.iter().any(|(f, _)| *f == fault) {
            return Err(format!("'{}' is given twice", fault.name()));
        }
        out.push((fault, share));
    }
    let total: f64 = out.iter().map(|(_, s)| s).sum();
    if total > 1.0 + 1e-9 {
        return Err(format!(
            "the shares add up to {:.1}%, more than 100%",
            total * 100.0
        ));
    }
    Ok(out)
}

fn parse_share(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let (num, scale) = match t.strip_suffix('%') {
        Some(n) => (n.trim(), 100.0),
        None => (t, 1.0),
    };
    let v: f64 = num
        .parse()
        .map_err(|_| format!("'{t}' is not a share (use 2% or 0.02)"))?;
    let v = v / scale;
    if !(0.0..=1.0).contains(&v) || !v.is_finite() {
        return Err(format!("'{t}' is not between 0% and 100%"));
    }
    Ok(v)
}

/// Deal faults out to `n` devices: exactly `round(share * n)` devices per fault, chosen by a
/// shuffle seeded from `seed`, no device with two faults.
pub fn assign(n: usize, faults: &[(Fault, f64)], seed: u64) -> Result<Vec<Option<Fault>>, String> {
    let counts: Vec<(Fault, usize)> = faults
        .iter()
        .map(|(f, share)| (*f, (share * n as f64).round() as usize))
        .collect();
    let total: usize = counts.iter().map(|(_, c)| c).sum();
    if total > n {
        return Err(format!(
            "the fault shares need {total} devices but the fleet has {n}"
        ));
    }
    let mut order: Vec<usize> = (0..n).collect();
    Rng::derive(seed, 0xFA17, 0).shuffle(&mut order);
    let mut out = vec![None; n];
    let mut next = order.into_iter();
    for (fault, count) in counts {
        for idx in next.by_ref().take(count) {
            out[idx] = Some(fault);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_name_round_trips() {
        for f in Fault::ALL {
            assert_eq!(Fault::parse(f.name()), Ok(f));
        }
        assert_eq!(Fault::parse("PAGER_STUCK"), Ok(Fault::PagerStuck));
        assert!(Fault::parse("flaky").is_err());
    }

    #[test]
    fn a_fault_spec_reads_percentages_and_fractions() {
        let v = parse_faults("auth:2%, silent:0.01,user-mode:10%").unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(v[0].0, Fault::Auth);
        assert!((v[0].1 - 0.02).abs() < 1e-12);
        assert!((v[1].1 - 0.01).abs() < 1e-12);
        assert!(parse_faults("").unwrap().is_empty());
        assert!(parse_faults("auth").is_err());
        assert!(parse_faults("auth:200%").is_err());
        assert!(parse_faults("auth:60%,hang:60%").is_err());
        assert!(parse_faults("auth:1%,auth:2%").is_err());
    }

    #[test]
    fn assignment_gives_exact_counts_and_is_reproducible() {
        let spec = parse_faults("auth:10%,hang:5%,huge:1%").unwrap();
        let a = assign(200, &spec, 42).unwrap();
        let count = |f: Fault| a.iter().filter(|x| **x == Some(f)).count();
        assert_eq!(count(Fault::Auth), 20);
        assert_eq!(count(Fault::Hang), 10);
        assert_eq!(count(Fault::Huge), 2);
        assert_eq!(a, assign(200, &spec, 42).unwrap());
        assert_ne!(a, assign(200, &spec, 43).unwrap());
    }

    #[test]
    fn expected_errors_follow_the_contract() {
        assert_eq!(Fault::Auth.expected_error(), Some("auth"));
        assert_eq!(Fault::Drip.expected_error(), Some("timeout"));
        assert_eq!(Fault::Disconnect.expected_error(), Some("protocol"));
        assert_eq!(Fault::Huge.expected_error(), None);
    }
}
