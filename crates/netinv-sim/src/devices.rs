//! A simulated device's identity, seeded per device: its configured name, version, model,
//! serial and uptime, what a parser should find in its version output, and that output (drawn
//! by its platform's file in `platforms/`).

use crate::platform::Platform;
use crate::platforms::profile;
use crate::rng::Rng;

/// How a platform's pager prompt is wiped once a key is pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Erase {
    /// Backspaces over the prompt, spaces, backspaces again (Cisco, Arista).
    Backspaces,
    /// Carriage return, spaces, carriage return (Junos, FortiOS, ProCurve, ASA).
    CarriageReturn,
    /// ANSI cursor-left, spaces, cursor-left (Huawei VRP).
    AnsiLeft,
}

/// The fixed, per-platform part of a simulated device's SSH and terminal behaviour.
#[derive(Debug)]
pub struct Behaviour {
    /// SSH identification string the real devices send.
    pub server_id: &'static str,
    /// Whether the real platform runs a command given on the exec channel.
    pub exec: bool,
    /// Whether the platform has a user mode below a privileged (`enable`) mode.
    pub enable: bool,
    /// The pager's prompt.
    pub pager: &'static str,
    /// How the pager's prompt is wiped.
    pub erase: Erase,
    /// Line endings of exec output (`\n` for the Unix-based systems).
    pub exec_crlf: bool,
    /// Command words may be abbreviated to a unique prefix (`sh ver`).
    pub abbreviations: bool,
}

/// The SSH and terminal behaviour of `p`.
pub fn behaviour(p: Platform) -> &'static Behaviour {
    &profile(p).behaviour
}

/// Uptime as the parts every vendor formats differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Uptime {
    pub weeks: u32,
    pub days: u32,
    pub hours: u32,
    pub minutes: u32,
    pub seconds: u32,
}

impl Uptime {
    /// Weeks and days, as days.
    pub fn total_days(&self) -> u32 {
        self.weeks * 7 + self.days
    }
}

/// One device's seeded identity. `hostname` is the configured name (the prompt); the
/// `expect_*` methods say what a parser can honestly extract from the version output.
#[derive(Debug, Clone)]
pub struct Identity {
    pub platform: Platform,
    pub hostname: String,
    pub version: String,
    pub model: String,
    pub serial: String,
    pub uptime: Uptime,
    /// Cosmetic numbers (memory sizes, build ids...) drawn once so outputs are stable.
    pub seed: u64,
    /// Juniper EX virtual chassis (`{master:0}` above the prompt, per-member output).
    pub virtual_chassis: bool,
}

const SITES: &[&str] = &[
    "ams1", "fra2", "lon3", "nyc1", "sjc2", "sin1", "syd1", "gru1", "par2", "tyo1",
];

impl Identity {
    /// The identity of device `index` of the fleet seeded with `seed`.
    pub fn generate(platform: Platform, index: usize, seed: u64) -> (Identity, String, String) {
        let profile = profile(platform);
        let mut r = Rng::derive(seed, 0xDE71CE, index as u64);
        let site = (*r.pick(SITES)).to_string();
        let role = (*r.pick(profile.roles)).to_string();
        let hostname = format!("{site}-{role}-{:04}", index + 1);
        let uptime = Uptime {
            weeks: r.range(0, 40),
            days: r.range(1, 6),
            hours: r.range(10, 23),
            minutes: r.range(10, 59),
            seconds: r.range(10, 59),
        };
        let drawn = (profile.draw)(&mut r);
        let id = Identity {
            platform,
            hostname,
            version: drawn.version,
            model: drawn.model,
            serial: drawn.serial,
            uptime,
            seed: r.next_u64(),
            virtual_chassis: drawn.virtual_chassis,
        };
        (id, site, role)
    }

    /// What a parser should extract as the hostname ("" where the output never says it).
    pub fn expect_hostname(&self) -> String {
        if profile(self.platform).shows_hostname {
            self.hostname.clone()
        } else {
            String::new()
        }
    }

    /// The version as the common collectors report it (ntc-templates, the examples):
    /// the plain IOS-XE form from the `Cisco IOS Software` line, FortiOS without its `v`.
    pub fn expect_version(&self) -> String {
        (profile(self.platform).reported_version)(&self.version)
    }

    pub fn expect_model(&self) -> String {
        self.model.clone()
    }

    pub fn expect_serial(&self) -> String {
        self.serial.clone()
    }

    /// The uptime exactly as the version output prints it ("" where it does not).
    pub fn expect_uptime(&self) -> String {
        (profile(self.platform).uptime)(self)
    }

    /// The platform's version-command output, `\n` line endings, ending with a newline.
    pub fn version_output(&self) -> String {
        (profile(self.platform).version_output)(self, &mut Rng::new(self.seed))
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_are_reproducible_and_vary_between_devices() {
        for p in Platform::ALL {
            let (a, _, _) = Identity::generate(p, 3, 9);
            let (b, _, _) = Identity::generate(p, 3, 9);
            assert_eq!(a.version_output(), b.version_output(), "{p}");
            let outputs: std::collections::HashSet<String> = (0..20)
                .map(|i| Identity::generate(p, i, 9).0.version_output())
                .collect();
            assert!(outputs.len() > 10, "{p}: outputs do not vary");
        }
    }

    #[test]
    fn every_expected_fact_appears_verbatim_in_the_version_output() {
        for p in Platform::ALL {
            for i in 0..30 {
                let (d, _, _) = Identity::generate(p, i, 5);
                let out = d.version_output();
                for v in [
                    d.expect_hostname(),
                    d.expect_version(),
                    d.expect_model(),
                    d.expect_serial(),
                    d.expect_uptime(),
                ] {
                    assert!(out.contains(&v), "{p}: '{v}' not in output:\n{out}");
                }
                assert!(
                    !d.expect_version().is_empty(),
                    "{p}: every platform prints its version"
                );
            }
        }
    }

    #[test]
    fn most_version_outputs_need_more_than_one_page() {
        let long = Platform::ALL
            .iter()
            .filter(|p| {
                Identity::generate(**p, 0, 1)
                    .0
                    .version_output()
                    .lines()
                    .count()
                    > 24
            })
            .count();
        assert!(long >= 8, "only {long} platforms page");
    }
}
