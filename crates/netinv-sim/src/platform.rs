//! The platforms the simulator emulates, named by Netmiko's `device_type`: the simulator's own
//! list, kept apart from the client's, since the simulator is the oracle the client is tested
//! against.

use std::fmt;
use std::str::FromStr;

/// A simulated platform, named as Netmiko's `device_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    /// Cisco IOS (classic).
    CiscoIos,
    /// Cisco IOS-XE.
    CiscoXe,
    /// Cisco NX-OS.
    CiscoNxos,
    /// Cisco IOS-XR.
    CiscoXr,
    /// Cisco ASA.
    CiscoAsa,
    /// Arista EOS.
    AristaEos,
    /// Juniper Junos.
    JuniperJunos,
    /// HP ProCurve / ArubaOS-Switch.
    HpProcurve,
    /// Huawei VRP.
    Huawei,
    /// Palo Alto PAN-OS.
    PaloaltoPanos,
    /// Fortinet FortiOS.
    Fortinet,
    /// MikroTik RouterOS.
    MikrotikRouteros,
    /// A Linux server.
    Linux,
    /// Aruba AOS-CX.
    ArubaAoscx,
}

impl Platform {
    /// Every simulated platform, in the order a fleet deals them out.
    pub const ALL: [Platform; 14] = [
        Platform::CiscoIos,
        Platform::CiscoXe,
        Platform::CiscoNxos,
        Platform::CiscoXr,
        Platform::CiscoAsa,
        Platform::AristaEos,
        Platform::JuniperJunos,
        Platform::HpProcurve,
        Platform::Huawei,
        Platform::PaloaltoPanos,
        Platform::Fortinet,
        Platform::MikrotikRouteros,
        Platform::Linux,
        Platform::ArubaAoscx,
    ];

    /// The Netmiko `device_type` name.
    pub fn name(self) -> &'static str {
        self.names()[0]
    }

    /// The name first, then the other names `--platforms` accepts for it.
    fn names(self) -> &'static [&'static str] {
        match self {
            Platform::CiscoIos => &["cisco_ios", "ios", "cisco_ios_ssh"],
            Platform::CiscoXe => &["cisco_xe", "ios_xe", "iosxe"],
            Platform::CiscoNxos => &["cisco_nxos", "nxos", "cisco_nxos_ssh"],
            Platform::CiscoXr => &["cisco_xr", "iosxr", "ios_xr"],
            Platform::CiscoAsa => &["cisco_asa", "asa"],
            Platform::AristaEos => &["arista_eos", "eos", "arista"],
            Platform::JuniperJunos => &["juniper_junos", "junos", "juniper"],
            Platform::HpProcurve => &["hp_procurve", "procurve", "aruba_os", "aruba_procurve"],
            Platform::Huawei => &["huawei", "huawei_vrp", "vrp"],
            Platform::PaloaltoPanos => &["paloalto_panos", "panos", "paloalto"],
            Platform::Fortinet => &["fortinet", "fortios", "fortigate"],
            Platform::MikrotikRouteros => &["mikrotik_routeros", "routeros", "mikrotik"],
            Platform::Linux => &["linux", "linux_ssh"],
            Platform::ArubaAoscx => &["aruba_aoscx", "aoscx", "aos_cx", "arubaos_cx"],
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name no simulated platform has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPlatform(pub String);

impl fmt::Display for UnknownPlatform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let known: Vec<&str> = Platform::ALL.iter().map(|p| p.name()).collect();
        // Worded as the client's inventory error, so `netinv sim --platforms` reads the same.
        write!(
            f,
            "unknown platform '{}' (known: {}, or autodetect)",
            self.0,
            known.join(", ")
        )
    }
}

impl std::error::Error for UnknownPlatform {}

impl FromStr for Platform {
    type Err = UnknownPlatform;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        Platform::ALL
            .iter()
            .copied()
            .find(|p| p.names().contains(&wanted.as_str()))
            .ok_or_else(|| UnknownPlatform(s.trim().to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_and_alias_round_trips_and_none_is_shared() {
        let mut seen = std::collections::HashSet::new();
        for p in Platform::ALL {
            assert_eq!(p.name().to_uppercase().parse::<Platform>(), Ok(p));
            for n in p.names() {
                assert_eq!(n.parse::<Platform>(), Ok(p));
                assert!(seen.insert(*n), "{n} names two platforms");
            }
        }
        assert!("cisco_nope".parse::<Platform>().is_err());
    }
}
