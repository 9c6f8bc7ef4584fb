//! The platforms the simulator emulates, named by Netmiko's `device_type`: the simulator's own
//! list, kept apart from the client's, since the simulator is the oracle the client is tested
//! against.

use std::fmt;
use std::str::FromStr;

/// A simulated platform, named as Netmiko's `device_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    /// `cisco_ios`: ISR routers and Catalyst switches on classic IOS.
    CiscoIos,
    /// `cisco_xe`: Catalyst 9000, ISR 4000, CSR1000V, Catalyst 8000.
    CiscoXe,
    /// `cisco_nxos`: Nexus 9000 switches.
    CiscoNxos,
    /// `cisco_xr`: ASR 9000, NCS 5500, 8000 routers.
    CiscoXr,
    /// `cisco_asa`: ASA firewalls.
    CiscoAsa,
    /// `arista_eos`: Arista switches.
    AristaEos,
    /// `juniper_junos`: MX, EX, SRX, QFX.
    JuniperJunos,
    /// `hp_procurve`: ProCurve and ArubaOS-Switch switches.
    HpProcurve,
    /// `huawei`: VRP on CloudEngine, S switches, AR routers.
    Huawei,
    /// `paloalto_panos`: PAN-OS firewalls.
    PaloaltoPanos,
    /// `fortinet`: FortiGate firewalls.
    Fortinet,
    /// `mikrotik_routeros`: RouterBOARD, CCR, CRS.
    MikrotikRouteros,
    /// `linux`: Ubuntu, Debian and Rocky servers.
    Linux,
    /// `aruba_aoscx`: AOS-CX switches.
    ArubaAoscx,
    /// `dell_os10`: Dell OS10 data-centre switches.
    DellOs10,
}

impl Platform {
    /// Every simulated platform, in the order a fleet deals them out (the client's order).
    pub const ALL: [Platform; 15] = {
        use Platform::*;
        [
            CiscoIos,
            CiscoXe,
            CiscoNxos,
            CiscoXr,
            CiscoAsa,
            AristaEos,
            JuniperJunos,
            HpProcurve,
            Huawei,
            PaloaltoPanos,
            Fortinet,
            MikrotikRouteros,
            Linux,
            ArubaAoscx,
            DellOs10,
        ]
    };

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
            Platform::DellOs10 => &["dell_os10", "os10"],
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
