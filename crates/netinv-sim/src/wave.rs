//! Changes between two runs of the same fleet: an upgrade wave (devices move to another
//! release of their platform) and hardware replaced under RMA (a new serial), so that `diff`
//! and history can be tested against changes the simulator knows.

use super::devices::Identity;
use super::rng::Rng;

/// Which share of the fleet changed since the run with the same seed and no wave.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Wave {
    /// Share of devices (0..1) that run another version of their platform.
    pub upgrade: f64,
    /// Share of devices (0..1) whose chassis was replaced: a new serial, same everything else.
    pub rma: f64,
    /// Chooses the devices; the same seed picks the same ones.
    pub seed: u64,
}

impl Wave {
    /// Device `index`'s identity after the wave.
    pub fn apply(&self, mut id: Identity, index: usize, fleet_seed: u64) -> Identity {
        if self.upgrade <= 0.0 && self.rma <= 0.0 {
            return id;
        }
        let mut r = Rng::derive(self.seed, 0x5A7E, index as u64);
        if share(&mut r) < self.upgrade {
            // Another draw of the same device gives another release from its platform's list.
            for k in 1..=64u64 {
                let (other, _, _) =
                    Identity::generate(id.platform, index, fleet_seed.wrapping_add(k << 32));
                if other.version != id.version {
                    id.version = other.version;
                    break;
                }
            }
        }
        if share(&mut r) < self.rma && !id.serial.is_empty() {
            let keep = id.serial.len().min(3);
            let prefix: String = id.serial.chars().take(keep).collect();
            let rest = id.serial.chars().count() - prefix.chars().count();
            id.serial = format!("{prefix}{}", r.upper_alnum(rest.max(1)));
        }
        id
    }
}

/// A uniform draw in [0, 1).
fn share(r: &mut Rng) -> f64 {
    (r.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}
