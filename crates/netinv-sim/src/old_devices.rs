//! The simulator's devices as they were before the move to templates: only to check the new
//! outputs are the same bytes.
#![allow(dead_code, missing_docs)]

use super::rng::Rng;
use crate::platform::Platform;
use std::fmt::Write as _;

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

/// The fixed, per-platform part of a simulated device.
#[derive(Debug)]
pub struct Behaviour {
    /// SSH identification string the real devices send.
    pub server_id: &'static str,
    /// Whether the real platform runs a command given on the exec channel.
    pub exec: bool,
    /// Whether the platform has a user mode below a privileged (`enable`) mode.
    pub enable: bool,
    pub pager: &'static str,
    pub erase: Erase,
    /// Line endings of exec output (`\n` for the Unix-based systems).
    pub exec_crlf: bool,
    /// Command words may be abbreviated to a unique prefix (`sh ver`).
    pub abbreviations: bool,
}

pub fn behaviour(p: Platform) -> &'static Behaviour {
    use Platform::*;
    static IOS: Behaviour = Behaviour {
        server_id: "SSH-2.0-Cisco-1.25",
        exec: true,
        enable: true,
        pager: " --More-- ",
        erase: Erase::Backspaces,
        exec_crlf: true,
        abbreviations: true,
    };
    static NXOS: Behaviour = Behaviour {
        server_id: "SSH-2.0-OpenSSH_8.3",
        exec: true,
        enable: false,
        pager: " --More-- ",
        erase: Erase::Backspaces,
        exec_crlf: true,
        abbreviations: true,
    };
    static XR: Behaviour = Behaviour {
        server_id: "SSH-2.0-Cisco-2.0",
        exec: true,
        enable: false,
        pager: " --More-- ",
        erase: Erase::Backspaces,
        exec_crlf: true,
        abbreviations: true,
    };
    static ASA: Behaviour = Behaviour {
        server_id: "SSH-2.0-Cisco-1.25",
        exec: false,
        enable: true,
        pager: "<--- More --->",
        erase: Erase::CarriageReturn,
        exec_crlf: true,
        abbreviations: true,
    };
    static EOS: Behaviour = Behaviour {
        server_id: "SSH-2.0-OpenSSH_7.8",
        exec: true,
        enable: true,
        pager: " --More-- ",
        erase: Erase::Backspaces,
        exec_crlf: true,
        abbreviations: true,
    };
    static JUNOS: Behaviour = Behaviour {
        server_id: "SSH-2.0-OpenSSH_7.5",
        exec: true,
        enable: false,
        pager: "---(more)---",
        erase: Erase::CarriageReturn,
        exec_crlf: false,
        abbreviations: true,
    };
    static PROCURVE: Behaviour = Behaviour {
        server_id: "SSH-2.0-Mocana SSH 6.3",
        exec: false,
        enable: true,
        pager: "-- MORE --, next page: Space, next line: Enter, quit: Control-C",
        erase: Erase::CarriageReturn,
        exec_crlf: true,
        abbreviations: true,
    };
    static VRP: Behaviour = Behaviour {
        server_id: "SSH-2.0-HUAWEI-1.5",
        exec: false,
        enable: false,
        pager: "  ---- More ----",
        erase: Erase::AnsiLeft,
        exec_crlf: true,
        abbreviations: true,
    };
    static PANOS: Behaviour = Behaviour {
        server_id: "SSH-2.0-OpenSSH_8.0",
        exec: false,
        enable: false,
        pager: "lines 1-23 ",
        erase: Erase::CarriageReturn,
        exec_crlf: true,
        abbreviations: false,
    };
    static FORTIOS: Behaviour = Behaviour {
        server_id: "SSH-2.0-xYfbYz9rM",
        exec: true,
        enable: false,
        pager: "--More-- ",
        erase: Erase::CarriageReturn,
        exec_crlf: true,
        abbreviations: false,
    };
    static ROUTEROS: Behaviour = Behaviour {
        server_id: "SSH-2.0-ROSSSH",
        exec: true,
        enable: false,
        pager: "-- [Q quit|D dump|down]",
        erase: Erase::CarriageReturn,
        exec_crlf: true,
        abbreviations: false,
    };
    static LINUX: Behaviour = Behaviour {
        server_id: "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6",
        exec: true,
        enable: false,
        pager: "",
        erase: Erase::CarriageReturn,
        exec_crlf: false,
        abbreviations: false,
    };
    static AOSCX: Behaviour = Behaviour {
        server_id: "SSH-2.0-OpenSSH_8.4",
        exec: false,
        enable: true,
        pager: "-- MORE --, next page: Space, next line: Enter, quit: Control-C",
        erase: Erase::CarriageReturn,
        exec_crlf: true,
        abbreviations: true,
    };
    match p {
        CiscoIos | CiscoXe => &IOS,
        CiscoNxos => &NXOS,
        CiscoXr => &XR,
        CiscoAsa => &ASA,
        AristaEos => &EOS,
        JuniperJunos => &JUNOS,
        HpProcurve => &PROCURVE,
        Huawei => &VRP,
        PaloaltoPanos => &PANOS,
        Fortinet => &FORTIOS,
        MikrotikRouteros => &ROUTEROS,
        Linux => &LINUX,
        ArubaAoscx => &AOSCX,
    }
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
    fn total_days(&self) -> u32 {
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

fn pick_str(r: &mut Rng, items: &[&str]) -> String {
    (*r.pick(items)).to_string()
}

impl Identity {
    /// The identity of device `index` of the fleet seeded with `seed`.
    pub fn generate(platform: Platform, index: usize, seed: u64) -> (Identity, String, String) {
        use Platform::*;
        let mut r = Rng::derive(seed, 0xDE71CE, index as u64);
        let site = pick_str(&mut r, SITES);
        let role = pick_str(
            &mut r,
            match platform {
                CiscoIos => &["wan", "access", "edge"],
                CiscoXe => &["core", "dist", "access"],
                CiscoNxos | AristaEos => &["leaf", "spine"],
                CiscoXr => &["pe", "p", "bng"],
                CiscoAsa | PaloaltoPanos => &["fw"],
                JuniperJunos => &["pe", "sw", "edge"],
                HpProcurve => &["sw"],
                Huawei => &["agg", "access"],
                Fortinet => &["fgt"],
                MikrotikRouteros => &["cpe"],
                Linux => &["web", "db", "jump"],
                ArubaAoscx => &["access", "core"],
            },
        );
        let hostname = format!("{site}-{role}-{:04}", index + 1);
        let uptime = Uptime {
            weeks: r.range(0, 40),
            days: r.range(1, 6),
            hours: r.range(10, 23),
            minutes: r.range(10, 59),
            seconds: r.range(10, 59),
        };
        let mut virtual_chassis = false;
        let (model, version, serial) = match platform {
            CiscoIos => {
                let (model, versions): (&str, &[&str]) = *r.pick(&[
                    ("CISCO2911/K9", &["15.2(4)M7", "15.7(3)M8", "15.9(3)M6"][..]),
                    ("CISCO3945/K9", &["15.4(3)M10", "15.7(3)M5"][..]),
                    ("WS-C2960X-48FPD-L", &["15.2(7)E4", "15.2(4)E10"][..]),
                    ("WS-C3750X-48P-S", &["15.0(2)SE11", "15.2(4)E10"][..]),
                ]);
                let prefix = if model.starts_with("WS-") {
                    "FOC"
                } else {
                    "FTX"
                };
                (
                    model.to_string(),
                    pick_str(&mut r, versions),
                    format!("{prefix}{}{}", r.digits(4), r.upper_alnum(4)),
                )
            }
            CiscoXe => (
                pick_str(
                    &mut r,
                    &[
                        "C9300-48P",
                        "C9500-24Y4C",
                        "ISR4451-X/K9",
                        "ISR4331/K9",
                        "CSR1000V",
                        "C8300-1N1S-6T",
                    ],
                ),
                pick_str(
                    &mut r,
                    &["16.09.04", "16.12.05", "17.03.04a", "17.06.03", "17.09.04a"],
                ),
                format!("FOC{}{}", r.digits(4), r.upper_alnum(4)),
            ),
            CiscoNxos => (
                pick_str(
                    &mut r,
                    &["C93180YC-EX", "C9336C-FX2", "C93240YC-FX2", "C9364C"],
                ),
                pick_str(&mut r, &["7.0(3)I7(9)", "9.3(8)", "9.3(10)", "10.2(5)"]),
                format!("FDO{}{}", r.digits(5), r.upper_alnum(3)),
            ),
            CiscoXr => (
                pick_str(&mut r, &["ASR9K", "NCS-5500", "8000"]),
                pick_str(&mut r, &["7.1.3", "7.3.2", "7.5.2", "7.7.2"]),
                String::new(),
            ),
            CiscoAsa => (
                pick_str(&mut r, &["ASA5516", "ASA5525", "ASA5545", "ASA5555"]),
                pick_str(&mut r, &["9.8(4)45", "9.12(4)37", "9.14(3)18", "9.16(3)19"]),
                format!("JAD{}{}", r.digits(4), r.upper_alnum(4)),
            ),
            AristaEos => (
                pick_str(
                    &mut r,
                    &[
                        "DCS-7050SX3-48YC8-R",
                        "DCS-7280SR-48C6-F",
                        "DCS-7020TR-48-R",
                        "CCS-720XP-48ZC2-F",
                    ],
                ),
                pick_str(
                    &mut r,
                    &["4.24.5M", "4.26.4M", "4.27.3F", "4.28.3M", "4.30.1F"],
                ),
                format!("JPE{}", r.digits(8)),
            ),
            JuniperJunos => {
                let model = pick_str(
                    &mut r,
                    &[
                        "mx204",
                        "mx240",
                        "mx480",
                        "ex4300-48p",
                        "srx345",
                        "qfx5100-48s-6q",
                    ],
                );
                virtual_chassis = model.starts_with("ex");
                (
                    model,
                    pick_str(
                        &mut r,
                        &[
                            "18.4R3-S9",
                            "19.4R3-S10",
                            "20.4R3-S4",
                            "21.4R3-S2.3",
                            "22.2R3.15",
                        ],
                    ),
                    String::new(),
                )
            }
            HpProcurve => (
                String::new(),
                pick_str(
                    &mut r,
                    &[
                        "WB.16.10.0012",
                        "KB.16.08.0001",
                        "YA.16.11.0005",
                        "K.15.18.0013",
                        "WC.16.11.0008",
                    ],
                ),
                String::new(),
            ),
            Huawei => (
                pick_str(&mut r, &["CE6850-48T6Q-HI", "S5720-28X-SI-AC", "AR2220"]),
                pick_str(
                    &mut r,
                    &[
                        "V200R019C10SPC800",
                        "V200R020C10SPC500",
                        "V200R021C00SPC100",
                        "V200R010C00SPC600",
                    ],
                ),
                String::new(),
            ),
            PaloaltoPanos => {
                let model = pick_str(&mut r, &["PA-220", "PA-3220", "PA-5220", "PA-VM"]);
                let serial = if model == "PA-VM" {
                    format!("0079510{}", r.digits(8))
                } else {
                    format!("0128010{}", r.digits(5))
                };
                (
                    model,
                    pick_str(&mut r, &["9.1.14-h4", "10.1.6-h6", "10.2.4", "11.0.1"]),
                    serial,
                )
            }
            Fortinet => {
                let (model, prefix) = *r.pick(&[
                    ("FortiGate-60F", "FGT60F"),
                    ("FortiGate-100F", "FG100F"),
                    ("FortiGate-600E", "FG6H0E"),
                    ("FortiGate-VM64", "FGVM02"),
                ]);
                let serial = format!("{prefix}TK{}{}", r.digits(4), r.upper_alnum(4));
                (
                    model.to_string(),
                    pick_str(&mut r, &["v6.4.11", "v7.0.7", "v7.2.4", "v7.4.1"]),
                    serial,
                )
            }
            MikrotikRouteros => (
                pick_str(
                    &mut r,
                    &[
                        "RB2011UiAS",
                        "RB4011iGS+",
                        "CCR1036-12G-4S",
                        "CRS326-24G-2S+",
                    ],
                ),
                pick_str(&mut r, &["6.47.10", "6.48.6", "6.49.7", "7.6", "7.11.2"]),
                String::new(),
            ),
            ArubaAoscx => (
                String::new(),
                pick_str(
                    &mut r,
                    &[
                        "FL.10.09.1031",
                        "FL.10.10.1040",
                        "GL.10.11.1021",
                        "HL.10.15.1020",
                        "PL.10.13.1005",
                    ],
                ),
                String::new(),
            ),
            Linux => (
                String::new(),
                pick_str(
                    &mut r,
                    &[
                        "5.15.0-91-generic",
                        "5.4.0-169-generic",
                        "6.1.0-13-amd64",
                        "5.10.0-26-amd64",
                        "5.14.0-284.30.1.el9_2.x86_64",
                    ],
                ),
                String::new(),
            ),
        };
        let id = Identity {
            platform,
            hostname,
            version,
            model,
            serial,
            uptime,
            seed: r.next_u64(),
            virtual_chassis,
        };
        (id, site, role)
    }

    /// What a parser should extract as the hostname ("" where the output never says it).
    pub fn expect_hostname(&self) -> String {
        use Platform::*;
        match self.platform {
            CiscoXr | AristaEos | HpProcurve | Huawei | MikrotikRouteros | ArubaAoscx => {
                String::new()
            }
            _ => self.hostname.clone(),
        }
    }

    /// The version as the common collectors report it (ntc-templates, the examples):
    /// the plain IOS-XE form from the `Cisco IOS Software` line, FortiOS without its `v`.
    pub fn expect_version(&self) -> String {
        match self.platform {
            Platform::CiscoXe => xe_short_version(&self.version),
            Platform::Fortinet => self.version.trim_start_matches('v').to_string(),
            _ => self.version.clone(),
        }
    }

    pub fn expect_model(&self) -> String {
        self.model.clone()
    }

    pub fn expect_serial(&self) -> String {
        self.serial.clone()
    }

    /// The uptime exactly as the version output prints it ("" where it does not).
    pub fn expect_uptime(&self) -> String {
        use Platform::*;
        let u = self.uptime;
        match self.platform {
            CiscoIos | CiscoXe => ios_uptime(u),
            CiscoNxos => format!(
                "{} day(s), {} hour(s), {} minute(s), {} second(s)",
                u.total_days(),
                u.hours,
                u.minutes,
                u.seconds
            ),
            CiscoXr => {
                let mut s = String::new();
                if u.weeks > 0 {
                    let _ = write!(s, "{} ", plural(u.weeks, "week"));
                }
                let _ = write!(
                    s,
                    "{} {} {}",
                    plural(u.days, "day"),
                    plural(u.hours, "hour"),
                    plural(u.minutes, "minute")
                );
                s
            }
            CiscoAsa => format!("{} days {} hours", u.total_days(), u.hours),
            AristaEos => {
                let mut s = String::new();
                if u.weeks > 0 {
                    let _ = write!(s, "{}, ", plural(u.weeks, "week"));
                }
                let _ = write!(
                    s,
                    "{}, {} and {}",
                    plural(u.days, "day"),
                    plural(u.hours, "hour"),
                    plural(u.minutes, "minute")
                );
                s
            }
            Huawei => {
                if self.model.starts_with("CE") {
                    format!(
                        "{}, {}, {}",
                        plural(u.total_days(), "day"),
                        plural(u.hours, "hour"),
                        plural(u.minutes, "minute")
                    )
                } else {
                    format!(
                        "{} {}, {}, {}, {}",
                        u.weeks,
                        if u.weeks > 1 { "weeks" } else { "week" },
                        plural(u.days, "day"),
                        plural(u.hours, "hour"),
                        plural(u.minutes, "minute")
                    )
                }
            }
            PaloaltoPanos => format!(
                "{} days, {}:{:02}:{:02}",
                u.total_days(),
                u.hours,
                u.minutes,
                u.seconds
            ),
            MikrotikRouteros => {
                let mut s = String::new();
                if u.weeks > 0 {
                    let _ = write!(s, "{}w", u.weeks);
                }
                let _ = write!(s, "{}d{}h{}m{}s", u.days, u.hours, u.minutes, u.seconds);
                s
            }
            Linux => format!("{} days, {}:{:02}", u.total_days(), u.hours, u.minutes),
            JuniperJunos | HpProcurve | Fortinet | ArubaAoscx => String::new(),
        }
    }

    /// The platform's version-command output, `\n` line endings, ending with a newline.
    pub fn version_output(&self) -> String {
        use Platform::*;
        let mut r = Rng::new(self.seed);
        match self.platform {
            CiscoIos => ios_classic(self, &mut r),
            CiscoXe => ios_xe(self, &mut r),
            CiscoNxos => nxos(self, &mut r),
            CiscoXr => xr(self, &mut r),
            CiscoAsa => asa(self, &mut r),
            AristaEos => eos(self, &mut r),
            JuniperJunos => junos(self, &mut r),
            HpProcurve => procurve(self, &mut r),
            ArubaAoscx => aoscx(self, &mut r),
            Huawei => vrp(self, &mut r),
            PaloaltoPanos => panos(self, &mut r),
            Fortinet => fortios(self, &mut r),
            MikrotikRouteros => routeros(self, &mut r),
            Linux => {
                let mut s = linux_uname(self);
                s.push_str(&linux_os_release(self));
                s.push_str(&self.hostname);
                s.push('\n');
                s.push_str(&linux_uptime(self));
                s
            }
        }
    }
}

fn plural(n: u32, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

fn ios_uptime(u: Uptime) -> String {
    let mut parts = Vec::new();
    if u.weeks >= 52 {
        parts.push(plural(u.weeks / 52, "year"));
        if !u.weeks.is_multiple_of(52) {
            parts.push(plural(u.weeks % 52, "week"));
        }
    } else if u.weeks > 0 {
        parts.push(plural(u.weeks, "week"));
    }
    parts.push(plural(u.days, "day"));
    parts.push(plural(u.hours, "hour"));
    parts.push(plural(u.minutes, "minute"));
    parts.join(", ")
}

/// Lines every long Cisco output carries after the identity (licence, interfaces, memory).
fn cisco_tail(s: &mut String, r: &mut Rng, ifaces: &[(&str, u32)]) {
    s.push('\n');
    for (name, count) in ifaces {
        let _ = writeln!(s, "{count} {name} interfaces");
    }
    let _ = writeln!(
        s,
        "{}K bytes of non-volatile configuration memory.",
        r.range(256, 2048)
    );
    let _ = writeln!(
        s,
        "{}K bytes of physical memory.",
        r.range(2, 16) * 1_048_576
    );
    let _ = writeln!(
        s,
        "{}K bytes of flash memory at bootflash:.",
        r.range(1, 16) * 1_000_000 + 7
    );
    s.push('\n');
}

fn ios_classic(d: &Identity, r: &mut Rng) -> String {
    let switch = d.model.starts_with("WS-");
    let image = if switch {
        let fam = d
            .model
            .trim_start_matches("WS-")
            .split('-')
            .next()
            .unwrap_or("C2960X");
        format!("{fam}-UNIVERSALK9-M")
    } else {
        let digit = d
            .model
            .trim_start_matches("CISCO")
            .chars()
            .next()
            .unwrap_or('2');
        format!("C{digit}900-UNIVERSALK9-M")
    };
    let family = image.split('-').next().unwrap_or("C2900");
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Cisco IOS Software, {family} Software ({image}), Version {}, RELEASE SOFTWARE (fc2)",
        d.version
    );
    s.push_str("Technical Support: http://www.cisco.com/techsupport\n");
    let _ = writeln!(
        s,
        "Copyright (c) 1986-20{} by Cisco Systems, Inc.",
        r.range(16, 22)
    );
    let _ = writeln!(
        s,
        "Compiled Wed 0{}-Nov-1{} 0{}:3{} by prod_rel_team",
        r.range(1, 9),
        r.range(6, 9),
        r.range(1, 9),
        r.range(0, 9)
    );
    s.push('\n');
    s.push_str("ROM: System Bootstrap, Version 15.0(1r)M16, RELEASE SOFTWARE (fc1)\n\n");
    let _ = writeln!(s, "{} uptime is {}", d.hostname, d.expect_uptime());
    s.push_str("System returned to ROM by power-on\n");
    let _ = writeln!(
        s,
        "System restarted at 0{}:1{}:2{} UTC Mon Mar {} 2023",
        r.range(1, 9),
        r.range(0, 9),
        r.range(0, 9),
        r.range(10, 28)
    );
    let _ = writeln!(
        s,
        "System image file is \"flash:{}-mz.{}.bin\"",
        image.trim_end_matches("-M").to_lowercase(),
        compact_ios_version(&d.version)
    );
    s.push_str("Last reload type: Normal Reload\nLast reload reason: power-on\n\n");
    s.push_str("This product contains cryptographic features and is subject to United\n");
    s.push_str("States and local country laws governing import, export, transfer and\n");
    s.push_str("use. Delivery of Cisco cryptographic products does not imply\n");
    s.push_str("third-party authority to import, export, distribute or use encryption.\n\n");
    let _ = writeln!(
        s,
        "cisco {} (revision 1.0) with {}K/{}K bytes of memory.",
        d.model,
        r.range(400, 900) * 1024,
        r.range(30, 70) * 1024
    );
    let _ = writeln!(s, "Processor board ID {}", d.serial);
    if switch {
        cisco_tail(
            &mut s,
            r,
            &[("Virtual Ethernet", 1), ("Gigabit Ethernet", 52)],
        );
        let _ = writeln!(
            s,
            "Base ethernet MAC Address       : 70:DB:98:{:02X}:{:02X}:{:02X}",
            r.range(0, 255),
            r.range(0, 255),
            r.range(0, 255)
        );
        let _ = writeln!(
            s,
            "Motherboard assembly number     : 73-1{}-0{}",
            r.digits(4),
            r.range(1, 9)
        );
        let _ = writeln!(s, "Model number                    : {}", d.model);
        let _ = writeln!(s, "System serial number            : {}", d.serial);
        s.push('\n');
        s.push_str("Switch Ports Model                     SW Version            SW Image\n");
        s.push_str("------ ----- -----                     ----------            ----------\n");
        let _ = writeln!(
            s,
            "*    1 52    {:<26} {:<21} {}",
            d.model, d.version, image
        );
        s.push('\n');
    } else {
        cisco_tail(&mut s, r, &[("Gigabit Ethernet", 3), ("terminal line", 1)]);
        s.push_str(
            "License Info:\n\nLicense UDI:\n\n-------------------------------------------------\n",
        );
        s.push_str("Device#   PID                   SN\n-------------------------------------------------\n");
        let _ = writeln!(s, "*0        {:<21} {}", d.model, d.serial);
        s.push('\n');
    }
    s.push_str("Configuration register is 0x2102\n");
    s
}

/// `15.2(4)M7` as IOS image file names spell it: `152-4.M7`.
fn compact_ios_version(v: &str) -> String {
    match v.split_once('(') {
        Some((train, rest)) => {
            let (rebuild, tail) = rest.split_once(')').unwrap_or((rest, ""));
            format!("{}-{rebuild}.{tail}", train.replace('.', ""))
        }
        None => v.to_string(),
    }
}

fn xe_codename(version: &str) -> &'static str {
    match version.get(..5) {
        Some("16.09") => "Fuji",
        Some("16.12") => "Gibraltar",
        Some("17.03") => "Amsterdam",
        Some("17.06") => "Bengaluru",
        _ => "Cupertino",
    }
}

/// IOS-XE prints its version twice: zero-padded on the `Cisco IOS XE Software` line
/// (`17.03.04a`) and plain on the `Cisco IOS Software` line (`17.3.4a`).
fn xe_short_version(version: &str) -> String {
    version
        .split('.')
        .map(|p| {
            let t = p.trim_start_matches('0');
            if t.is_empty() || t.starts_with(|c: char| !c.is_ascii_digit()) {
                format!("0{t}")
            } else {
                t.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

fn ios_xe(d: &Identity, r: &mut Rng) -> String {
    let short = xe_short_version(&d.version);
    let (train, image, cpu) = if d.model.starts_with("C9") {
        ("Catalyst L3 Switch Software", "CAT9K_IOSXE", "X86")
    } else if d.model.starts_with("CSR") {
        (
            "Virtual XE Software",
            "X86_64_LINUX_IOSD-UNIVERSALK9-M",
            "VXE",
        )
    } else {
        ("ISR Software", "X86_64_LINUX_IOSD-UNIVERSALK9-M", "2RU")
    };
    let mut s = String::new();
    let _ = writeln!(s, "Cisco IOS XE Software, Version {}", d.version);
    let _ = writeln!(
        s,
        "Cisco IOS Software [{}], {train} ({image}), Version {short}, RELEASE SOFTWARE (fc{})",
        xe_codename(&d.version),
        r.range(1, 5)
    );
    s.push_str("Technical Support: http://www.cisco.com/techsupport\n");
    s.push_str("Copyright (c) 1986-2022 by Cisco Systems, Inc.\n");
    let _ = writeln!(
        s,
        "Compiled Tue 2{}-Jul-2{} 06:0{} by mcpre",
        r.range(0, 8),
        r.range(0, 2),
        r.range(0, 9)
    );
    s.push_str("\n\nCisco IOS-XE software, Copyright (c) 2005-2022 by cisco Systems, Inc.\n");
    s.push_str("All rights reserved.  Certain components of Cisco IOS-XE software are\n");
    s.push_str("licensed under the GNU General Public License (\"GPL\") Version 2.0.  The\n");
    s.push_str("software code licensed under GPL Version 2.0 is free software that comes\n");
    s.push_str("with ABSOLUTELY NO WARRANTY.  You can redistribute and/or modify such\n");
    s.push_str("GPL code under the terms of GPL Version 2.0.  For more details, see the\n");
    s.push_str("documentation or \"License Notice\" file accompanying the IOS-XE software,\n");
    s.push_str(
        "or the applicable URL provided on the flyer accompanying the IOS-XE\nsoftware.\n\n\n",
    );
    s.push_str("ROM: IOS-XE ROMMON\n");
    let _ = writeln!(
        s,
        "BOOTLDR: System Bootstrap, Version {short}r, RELEASE SOFTWARE (P)\n"
    );
    let _ = writeln!(s, "{} uptime is {}", d.hostname, d.expect_uptime());
    let _ = writeln!(
        s,
        "Uptime for this control processor is {}",
        d.expect_uptime()
    );
    s.push_str("System returned to ROM by Reload Command\n");
    s.push_str("System image file is \"bootflash:packages.conf\"\n");
    s.push_str("Last reload reason: Reload Command\n\n");
    s.push_str("This product contains cryptographic features and is subject to United\n");
    s.push_str("States and local country laws governing import, export, transfer and\n");
    s.push_str("use.\n\n");
    s.push_str("Technology Package License Information:\n\n");
    s.push_str("------------------------------------------------------------------------------\n");
    s.push_str("Technology-package                                     Technology-package\n");
    s.push_str("Current                        Type                       Next reboot\n");
    s.push_str("------------------------------------------------------------------------------\n");
    s.push_str("network-advantage      Smart License                    network-advantage\n\n");
    let _ = writeln!(
        s,
        "cisco {} ({cpu}) processor with {}K/6147K bytes of memory.",
        d.model,
        r.range(1_300_000, 7_900_000)
    );
    let _ = writeln!(s, "Processor board ID {}", d.serial);
    cisco_tail(
        &mut s,
        r,
        &[("Virtual Ethernet", 1), ("Gigabit Ethernet", 4)],
    );
    s.push_str("Configuration register is 0x102\n");
    s
}

fn nxos(d: &Identity, r: &mut Rng) -> String {
    let image = if d.version.starts_with("10.") {
        format!(
            "nxos64-cs.{}.M.bin",
            d.version
                .replace(['(', ')'], ".")
                .trim_end_matches('.')
                .replace("..", ".")
        )
    } else {
        format!(
            "nxos.{}.bin",
            d.version
                .replace(['(', ')'], ".")
                .trim_end_matches('.')
                .replace("..", ".")
        )
    };
    let mut s = String::new();
    s.push_str("Cisco Nexus Operating System (NX-OS) Software\n");
    s.push_str("TAC support: http://www.cisco.com/tac\n");
    s.push_str("Copyright (C) 2002-2022, Cisco and/or its affiliates.\n");
    s.push_str("All rights reserved.\n");
    s.push_str("The copyrights to certain works contained in this software are\n");
    s.push_str("owned by other third parties and used and distributed under their own\n");
    s.push_str("licenses, such as open source.  This software is provided \"as is,\" and unless\n");
    s.push_str("otherwise stated, there is no warranty, express or implied, including but not\n");
    s.push_str("limited to warranties of merchantability and fitness for a particular purpose.\n");
    s.push_str("Certain components of this software are licensed under\n");
    s.push_str("the GNU General Public License (GPL) version 2.0 or \n");
    s.push_str("GNU General Public License (GPL) version 3.0  or the GNU\n");
    s.push_str("Lesser General Public License (LGPL) Version 2.1 or \n");
    s.push_str("Lesser General Public License (LGPL) Version 2.0. \n\n");
    s.push_str("Software\n");
    let _ = writeln!(s, "  BIOS: version 05.4{}", r.range(0, 7));
    let _ = writeln!(s, " NXOS: version {}", d.version);
    s.push_str("  BIOS compile time:  05/17/2022\n");
    let _ = writeln!(s, "  NXOS image file is: bootflash:///{image}");
    let _ = writeln!(
        s,
        "  NXOS compile time:  8/18/2022 12:00:00 [08/18/2022 2{}:58:22]\n\n",
        r.range(0, 3)
    );
    s.push_str("Hardware\n");
    let _ = writeln!(s, "  cisco Nexus9000 {} Chassis ", d.model);
    let _ = writeln!(
        s,
        "  Intel(R) Xeon(R) CPU D-1528 @ 1.90GHz with {} kB of memory.",
        r.range(16_000_000, 32_000_000)
    );
    let _ = writeln!(s, "  Processor Board ID {}\n", d.serial);
    let _ = writeln!(s, "  Device name: {}", d.hostname);
    let _ = writeln!(s, "  bootflash: {} kB", r.range(50_000_000, 120_000_000));
    let _ = writeln!(s, "Kernel uptime is {}\n", d.expect_uptime());
    s.push_str("Last reset at 123456 usecs after Mon Mar  6 10:11:12 2023\n");
    s.push_str("  Reason: Reset Requested by CLI command reload\n");
    s.push_str("  System version: \n  Service: \n\n");
    s.push_str("plugin\n  Core Plugin, Ethernet Plugin\n\nActive Package(s):\n\n");
    s
}

fn xr(d: &Identity, r: &mut Rng) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}", timestamp(r));
    let _ = writeln!(s, "Cisco IOS XR Software, Version {}", d.version);
    s.push_str("Copyright (c) 2013-2022 by Cisco Systems, Inc.\n\n");
    s.push_str("Build Information:\n");
    s.push_str(" Built By     : ingunawa\n");
    let _ = writeln!(
        s,
        " Built On     : Thu Oct 1{} 10:22:59 PDT 2021",
        r.range(0, 9)
    );
    let _ = writeln!(s, " Built Host   : iox-ucs-0{}", r.range(10, 99));
    let arch = match d.model.as_str() {
        "ASR9K" => "asr9k-x64",
        "8000" => "8000",
        _ => "ncs5500",
    };
    let _ = writeln!(
        s,
        " Workspace    : /auto/srcarchive17/prod/{}/{arch}/ws",
        d.version
    );
    let _ = writeln!(s, " Version      : {}", d.version);
    s.push_str(" Location     : /opt/cisco/XR/packages/\n");
    let _ = writeln!(s, " Label        : {}\n", d.version);
    let _ = writeln!(s, "cisco {} () processor", d.model);
    let _ = writeln!(s, "System uptime is {}\n", d.expect_uptime());
    s
}

fn timestamp(r: &mut Rng) -> String {
    format!(
        "{} {} {:>2} {:02}:{:02}:{:02}.{:03} UTC",
        r.pick(&["Mon", "Tue", "Wed", "Thu", "Fri"]),
        r.pick(&["Jan", "Feb", "Mar", "Apr", "May"]),
        r.range(1, 28),
        r.range(0, 23),
        r.range(0, 59),
        r.range(0, 59),
        r.range(0, 999)
    )
}

fn asa(d: &Identity, r: &mut Rng) -> String {
    let mut s = String::new();
    s.push('\n');
    let _ = writeln!(
        s,
        "Cisco Adaptive Security Appliance Software Version {} ",
        d.version
    );
    let _ = writeln!(
        s,
        "SSP Operating System Version 2.{}(1.{})",
        r.range(6, 12),
        r.range(100, 300)
    );
    let _ = writeln!(s, "Device Manager Version 7.1{}(1)\n", r.range(2, 8));
    let _ = writeln!(
        s,
        "Compiled on Tue 1{}-Jun-22 11:20 GMT by builders",
        r.range(0, 9)
    );
    let _ = writeln!(
        s,
        "System image file is \"disk0:/asa{}-smp-k8.bin\"",
        d.version
            .replace(['(', ')', '.'], "-")
            .trim_end_matches('-')
    );
    s.push_str("Config file at boot was \"startup-config\"\n\n");
    let _ = writeln!(s, "{} up {}\n", d.hostname, d.expect_uptime());
    let _ = writeln!(
        s,
        "Hardware:   {}, 8192 MB RAM, CPU Lynnfield 2393 MHz, 1 CPU (4 cores)",
        d.model
    );
    s.push_str("            ASA: 4096 MB RAM, 1 CPU (1 core)\n");
    s.push_str("Internal ATA Compact Flash, 8192MB\n");
    s.push_str("BIOS Flash MX25L6445E @ 0xffbb0000, 8192KB\n\n");
    s.push_str(
        "Encryption hardware device : Cisco ASA Crypto on board accelerator (revision 0x1)\n\n",
    );
    let ifaces = [
        "GigabitEthernet0/0",
        "GigabitEthernet0/1",
        "GigabitEthernet0/2",
        "GigabitEthernet0/3",
        "GigabitEthernet0/4",
        "GigabitEthernet0/5",
        "Internal-Data0/0",
        "Management0/0",
    ];
    for (i, name) in ifaces.iter().enumerate() {
        let _ = writeln!(
            s,
            " {i}: Ext: {name:<20}: address is 00a3.8e{:02x}.{:04x}, irq 255",
            r.range(0, 255),
            r.range(0, 65535)
        );
    }
    s.push_str("\nLicensed features for this platform:\n");
    s.push_str("Maximum Physical Interfaces       : Unlimited      perpetual\n");
    s.push_str("Maximum VLANs                     : 300            perpetual\n");
    s.push_str("Inside Hosts                      : Unlimited      perpetual\n");
    s.push_str("Failover                          : Active/Active  perpetual\n\n");
    let _ = writeln!(s, "Serial Number: {}", d.serial);
    s.push_str("Configuration register is 0x1\n");
    s.push_str("Configuration last modified by enable_15 at 10:11:12.123 UTC Mon Mar 6 2023\n");
    s
}

fn eos(d: &Identity, r: &mut Rng) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Arista {}", d.model);
    let _ = writeln!(s, "Hardware version: 1{}.0{}", r.range(0, 2), r.range(0, 9));
    let _ = writeln!(s, "Serial number: {}", d.serial);
    let mac = format!("444c.a8{:02x}.{:04x}", r.range(0, 255), r.range(0, 65535));
    let _ = writeln!(s, "Hardware MAC address: {mac}");
    let _ = writeln!(s, "System MAC address: {mac}\n");
    let _ = writeln!(s, "Software image version: {}", d.version);
    s.push_str("Architecture: x86_64\n");
    let _ = writeln!(
        s,
        "Internal build version: {}-{}.{}",
        d.version,
        r.digits(8),
        d.version.replace('.', "")
    );
    let _ = writeln!(
        s,
        "Internal build ID: {}-{}-{}-{}-{}",
        r.hex(8),
        r.hex(4),
        r.hex(4),
        r.hex(4),
        r.hex(12)
    );
    s.push_str("Image format version: 1.0\n");
    s.push_str("Image optimization: Strata-4GB\n\n");
    let _ = writeln!(s, "Uptime: {}", d.expect_uptime());
    let total = r.range(8_000_000, 32_000_000);
    let _ = writeln!(s, "Total memory: {total} kB");
    let _ = writeln!(s, "Free memory: {} kB\n", total / 3);
    s
}

fn junos_body(d: &Identity, r: &mut Rng, s: &mut String) {
    let build = format!(
        "20221102.{}_builder_stable_12_{}",
        r.hex(7),
        d.version.get(..4).unwrap_or("214").replace(['.', 'R'], "")
    );
    let _ = writeln!(s, "Hostname: {}", d.hostname);
    let _ = writeln!(s, "Model: {}", d.model);
    let _ = writeln!(s, "Junos: {}", d.version);
    for pkg in [
        "Kernel 64-bit ",
        "libs",
        "runtime",
        "time zone information",
        "libs compat32",
        "32-bit compatibility",
        "crypto",
    ] {
        let _ = writeln!(s, "JUNOS OS {pkg} [{build}]");
    }
    let v = &d.version;
    for pkg in [
        "JUNOS network stack and utilities",
        "JUNOS libs",
        "JUNOS runtime",
        "JUNOS Packet Forwarding Engine Simulation Package",
        "JUNOS sflow mx",
        "JUNOS py extensions",
        "JUNOS py base",
        "JUNOS OS vmguest",
        "JUNOS OS crypto",
        "JUNOS na telemetry",
        "JUNOS Security Intelligence",
        "JUNOS mx libs compat32",
        "JUNOS mx runtime",
        "JUNOS RPD Telemetry Application",
        "JUNOS Routing Instance Common",
        "JUNOS Kernel Software Suite",
        "JUNOS Routing Software Suite",
        "JUNOS Online Documentation",
        "JUNOS Services URL Filter package",
        "JUNOS Services TLB Service PIC package",
    ] {
        let _ = writeln!(s, "{pkg} [{v}]");
    }
}

fn junos(d: &Identity, r: &mut Rng) -> String {
    let mut s = String::new();
    if d.virtual_chassis {
        for member in 0..2 {
            let _ = writeln!(s, "fpc{member}:");
            s.push_str(
                "--------------------------------------------------------------------------\n",
            );
            junos_body(d, r, &mut s);
            s.push('\n');
        }
    } else {
        junos_body(d, r, &mut s);
    }
    s
}

fn procurve(d: &Identity, r: &mut Rng) -> String {
    let mut s = String::new();
    s.push_str("Image stamp:    /ws/swbuildm/rel_yakima_qaoff/code/build/bom(swbuildm_rel_yakima_qaoff_rel_yakima)\n");
    let _ = writeln!(
        s,
        "                Nov {} 2021 1{}:24:49",
        r.range(10, 28),
        r.range(0, 9)
    );
    let _ = writeln!(s, "                {}", d.version);
    let _ = writeln!(s, "                {}", r.range(100, 2000));
    s.push_str("Boot Image:     Primary\n\n");
    let _ = writeln!(
        s,
        "Boot ROM Version:    {}.16.01.000{}",
        d.version.split('.').next().unwrap_or("WB"),
        r.range(1, 9)
    );
    s.push_str("Active Boot ROM:     Primary\n");
    s
}

/// AOS-CX `show version`: the release, its build and the boot images; nothing of the box.
fn aoscx(d: &Identity, r: &mut Rng) -> String {
    let rule = "-".repeat(77);
    let train = d.version.split('.').next().unwrap_or("FL");
    let sha: String = (0..40)
        .map(|_| char::from(b"0123456789abcdef"[r.range(0, 15) as usize]))
        .collect();
    let (year, month, day) = (2020 + r.range(0, 5), r.range(1, 12), r.range(1, 28));
    // Renamed from ArubaOS-CX in release 10.13.
    let minor: u32 = d
        .version
        .split('.')
        .nth(2)
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    let banner = if minor >= 13 { "AOS-CX" } else { "ArubaOS-CX" };
    let mut s = String::new();
    let _ = writeln!(s, "{rule}\n{banner}");
    let _ = writeln!(
        s,
        "(c) Copyright 2017-{year} Hewlett Packard Enterprise Development LP\n{rule}"
    );
    let _ = writeln!(s, "{:<77}", format!("Version      : {}", d.version));
    let _ = writeln!(
        s,
        "{:<77}",
        format!("Build Date   : {year}-{month:02}-{day:02} 04:21:23 UTC")
    );
    let _ = writeln!(
        s,
        "{:<77}",
        format!(
            "Build ID     : {banner}:{}:{}:{year}{month:02}{day:02}0343",
            d.version,
            &sha[..12]
        )
    );
    let _ = writeln!(s, "{:<77}", format!("Build SHA    : {sha}"));
    let _ = writeln!(
        s,
        "Active Image : {:<30}\n",
        if r.range(0, 1) == 0 {
            "primary"
        } else {
            "secondary"
        }
    );
    let _ = writeln!(s, "Service OS Version : {train}.01.09.0002");
    let _ = writeln!(s, "BIOS Version       : {train}.01.0002");
    s
}

fn vrp(d: &Identity, r: &mut Rng) -> String {
    let ce = d.model.starts_with("CE");
    let (vrp, series) = if ce {
        (
            "8.180",
            d.model.split('-').next().unwrap_or("CE6850").to_string(),
        )
    } else {
        (
            "5.170",
            d.model.split('-').next().unwrap_or("S5720").to_string(),
        )
    };
    let mut s = String::new();
    s.push_str("Huawei Versatile Routing Platform Software\n");
    let _ = writeln!(
        s,
        "VRP (R) software, Version {vrp} ({series} {})",
        d.version
    );
    if ce {
        s.push_str("Copyright (C) 2012-2020 Huawei Technologies Co., Ltd.\n");
        let _ = writeln!(s, "HUAWEI {} uptime is {}\n", d.model, d.expect_uptime());
    } else if d.model.starts_with('S') {
        s.push_str("Copyright (C) 2000-2020 HUAWEI TECH Co., Ltd.\n");
        let _ = writeln!(
            s,
            "HUAWEI {} Routing Switch uptime is {}\n",
            d.model,
            d.expect_uptime()
        );
    } else {
        s.push_str("Copyright (C) 2011-2020 HUAWEI TECH CO., LTD\n");
        let _ = writeln!(
            s,
            "Huawei {} Router uptime is {}\n",
            d.model,
            d.expect_uptime()
        );
    }
    for slot in 0..3 {
        let _ = writeln!(s, "BKP {slot} version information: ");
        let _ = writeln!(
            s,
            "1. PCB      Version  : {}VER {}",
            if ce { "CEM48T6QP02 " } else { "" },
            r.pick(&["A", "B", "C"])
        );
        let _ = writeln!(s, "2. If Supporting PoE : {}", r.pick(&["Yes", "No"]));
        let _ = writeln!(s, "3. Board    Type     : {}", d.model);
        let _ = writeln!(
            s,
            "4. MCPU     Version  : {}",
            r.pick(&["ST16", "P12", "HI1381"])
        );
        let _ = writeln!(s, "5. CPLD     Version  : 10{}", r.range(0, 9));
        let _ = writeln!(s, "6. BIOS     Version  : {}\n", r.range(100, 400));
    }
    s
}

fn panos(d: &Identity, r: &mut Rng) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "hostname: {}", d.hostname);
    let _ = writeln!(
        s,
        "ip-address: 10.{}.{}.{}",
        r.range(0, 255),
        r.range(0, 255),
        r.range(1, 254)
    );
    s.push_str("public-ip-address: unknown\nnetmask: 255.255.255.0\n");
    let _ = writeln!(
        s,
        "default-gateway: 10.{}.{}.1",
        r.range(0, 255),
        r.range(0, 255)
    );
    s.push_str("ip-assignment: static\nipv6-address: unknown\n");
    let _ = writeln!(
        s,
        "ipv6-link-local-address: fe80::21b:17ff:fe{:02x}:{:04x}/64",
        r.range(0, 255),
        r.range(0, 65535)
    );
    let _ = writeln!(
        s,
        "mac-address: 00:1b:17:{:02x}:{:02x}:{:02x}",
        r.range(0, 255),
        r.range(0, 255),
        r.range(0, 255)
    );
    s.push_str("time: Mon Mar  6 10:11:12 2023\n");
    let _ = writeln!(s, "uptime: {}", d.expect_uptime());
    let family = match d.model.as_str() {
        "PA-220" => "220",
        "PA-3220" => "3200",
        "PA-5220" => "5200",
        _ => "vm",
    };
    let _ = writeln!(s, "family: {family}");
    let _ = writeln!(s, "model: {}", d.model);
    let _ = writeln!(s, "serial: {}", d.serial);
    s.push_str("cloud-mode: non-cloud\n");
    let _ = writeln!(s, "sw-version: {}", d.version);
    s.push_str("global-protect-client-package-version: 0.0.0\n");
    let _ = writeln!(
        s,
        "device-dictionary-version: {}-{}",
        r.range(50, 90),
        r.range(200, 500)
    );
    let _ = writeln!(
        s,
        "app-version: {}-{}",
        r.range(8500, 8700),
        r.range(7000, 8000)
    );
    let _ = writeln!(
        s,
        "app-release-date: 2023/03/0{} 1{}:04:31 PST",
        r.range(1, 9),
        r.range(0, 9)
    );
    let _ = writeln!(
        s,
        "av-version: {}-{}",
        r.range(4300, 4400),
        r.range(4800, 4900)
    );
    let _ = writeln!(
        s,
        "threat-version: {}-{}",
        r.range(8500, 8700),
        r.range(7000, 8000)
    );
    let _ = writeln!(
        s,
        "wildfire-version: {}-{}",
        r.range(700000, 800000),
        r.range(700000, 800000)
    );
    let _ = writeln!(s, "url-db: paloaltonetworks");
    let _ = writeln!(
        s,
        "logdb-version: {}.0.{}",
        d.version.get(..4).unwrap_or("10.1"),
        r.range(1, 20)
    );
    s.push_str("platform-family: ");
    let _ = writeln!(s, "{family}");
    s.push_str("vpn-disable-mode: off\nmulti-vsys: off\noperational-mode: normal\n");
    s.push_str("advance-routing: off\ndevice-certificate-status: Valid\n");
    s
}

fn fortios(d: &Identity, r: &mut Rng) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Version: {} {},build0{},2{}0823 (GA.F)",
        d.model,
        d.version,
        r.range(100, 999),
        r.range(1, 3)
    );
    s.push_str("Firmware Signature: certified\n");
    let _ = writeln!(
        s,
        "Virus-DB: 9{}.0{}(2023-03-06 10:26)",
        r.range(0, 9),
        r.range(1000, 9999)
    );
    s.push_str("Extended DB: 1.00000(2018-04-09 18:07)\n");
    let _ = writeln!(
        s,
        "AV AI/ML Model: 2.0{}(2023-03-06 09:51)",
        r.range(1000, 9999)
    );
    s.push_str("IPS-DB: 6.00741(2015-12-01 02:30)\n");
    s.push_str("IPS-ETDB: 6.00741(2015-12-01 02:30)\n");
    s.push_str("APP-DB: 6.00741(2015-12-01 02:30)\n");
    s.push_str("INDUSTRIAL-DB: 6.00741(2015-12-01 02:30)\n");
    s.push_str("IPS Malicious URL Database: 1.00001(2015-01-01 01:01)\n");
    let _ = writeln!(s, "Serial-Number: {}", d.serial);
    let _ = writeln!(s, "BIOS version: 0500000{}", r.range(1, 9));
    let _ = writeln!(
        s,
        "System Part-Number: P2{}-0{}",
        r.digits(4),
        r.range(1, 9)
    );
    s.push_str("Log hard disk: Not available\n");
    let _ = writeln!(s, "Hostname: {}", d.hostname);
    s.push_str("Private Encryption: Disable\n");
    s.push_str("Operation Mode: NAT\n");
    s.push_str("Current virtual domain: root\n");
    s.push_str("Max number of virtual domains: 10\n");
    s.push_str("Virtual domains status: 1 in NAT mode, 0 in TP mode\n");
    s.push_str("Virtual domain configuration: disable\n");
    s.push_str("FIPS-CC mode: disable\n");
    s.push_str("Current HA mode: standalone\n");
    let _ = writeln!(s, "Branch point: 0{}", r.range(100, 999));
    s.push_str("Release Version Information: GA\n");
    s.push_str("FortiOS x86-64: Yes\n");
    s.push_str("System time: Mon Mar  6 10:11:12 2023\n");
    s.push_str("Last reboot reason: warm reboot\n");
    s
}

fn routeros(d: &Identity, r: &mut Rng) -> String {
    let channel = if d.version.starts_with('6') {
        "long-term"
    } else {
        "stable"
    };
    let (cpu, arch) = match d.model.as_str() {
        "RB2011UiAS" => ("MIPS 74Kc V4.12", "mipsbe"),
        "RB4011iGS+" => ("ARM", "arm"),
        "CCR1036-12G-4S" => ("tilegx", "tile"),
        _ => ("MIPS 24Kc V7.4", "mipsbe"),
    };
    let rows: Vec<(&str, String)> = vec![
        ("uptime", d.expect_uptime()),
        ("version", format!("{} ({channel})", d.version)),
        (
            "build-time",
            format!("Dec/2{}/2022 10:15:49", r.range(0, 9)),
        ),
        ("factory-software", "6.44.6".into()),
        (
            "free-memory",
            format!("{}.{}MiB", r.range(100, 800), r.range(0, 9)),
        ),
        ("total-memory", "1024.0MiB".into()),
        ("cpu", cpu.into()),
        ("cpu-count", r.pick(&["1", "4", "36"]).to_string()),
        (
            "cpu-frequency",
            format!("{}MHz", r.pick(&["650", "1400", "1200"])),
        ),
        ("cpu-load", format!("{}%", r.range(0, 40))),
        (
            "free-hdd-space",
            format!("{}.{}MiB", r.range(10, 100), r.range(0, 9)),
        ),
        ("total-hdd-space", "128.0MiB".into()),
        ("write-sect-since-reboot", r.range(100, 99999).to_string()),
        ("write-sect-total", r.range(100_000, 9_999_999).to_string()),
        ("bad-blocks", "0%".into()),
        ("architecture-name", arch.into()),
        ("board-name", d.model.clone()),
        ("platform", "MikroTik".into()),
    ];
    let mut s = String::new();
    for (k, v) in rows {
        let _ = writeln!(s, "{k:>25}: {v}");
    }
    s.push('\n');
    s
}

/// (PRETTY_NAME, NAME, VERSION_ID, VERSION, ID, ID_LIKE) for the distribution behind a kernel.
fn linux_distro(
    kernel: &str,
) -> (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
) {
    if kernel.starts_with("5.15") {
        (
            "Ubuntu 22.04.3 LTS",
            "Ubuntu",
            "22.04",
            "22.04.3 LTS (Jammy Jellyfish)",
            "ubuntu",
            "debian",
        )
    } else if kernel.starts_with("5.4") {
        (
            "Ubuntu 20.04.6 LTS",
            "Ubuntu",
            "20.04",
            "20.04.6 LTS (Focal Fossa)",
            "ubuntu",
            "debian",
        )
    } else if kernel.starts_with("6.1") {
        (
            "Debian GNU/Linux 12 (bookworm)",
            "Debian GNU/Linux",
            "12",
            "12 (bookworm)",
            "debian",
            "",
        )
    } else if kernel.starts_with("5.10") {
        (
            "Debian GNU/Linux 11 (bullseye)",
            "Debian GNU/Linux",
            "11",
            "11 (bullseye)",
            "debian",
            "",
        )
    } else {
        (
            "Rocky Linux 9.2 (Blue Onyx)",
            "Rocky Linux",
            "9.2",
            "9.2 (Blue Onyx)",
            "rocky",
            "rhel centos fedora",
        )
    }
}

pub fn linux_uname(d: &Identity) -> String {
    let build = if d.version.contains("generic") {
        "#101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023"
    } else if d.version.contains("amd64") {
        "#1 SMP PREEMPT_DYNAMIC Debian 6.1.55-1 (2023-09-29)"
    } else {
        "#1 SMP PREEMPT_DYNAMIC Thu Sep 7 07:45:13 EDT 2023"
    };
    let tail = if d.version.contains("amd64") {
        "x86_64 GNU/Linux"
    } else {
        "x86_64 x86_64 x86_64 GNU/Linux"
    };
    format!("Linux {} {} {build} {tail}\n", d.hostname, d.version)
}

pub fn linux_os_release(d: &Identity) -> String {
    let (pretty, name, id_version, version, id, like) = linux_distro(&d.version);
    let mut s = String::new();
    let _ = writeln!(s, "PRETTY_NAME=\"{pretty}\"");
    let _ = writeln!(s, "NAME=\"{name}\"");
    let _ = writeln!(s, "VERSION_ID=\"{id_version}\"");
    let _ = writeln!(s, "VERSION=\"{version}\"");
    let _ = writeln!(s, "ID={id}");
    if !like.is_empty() {
        let _ = writeln!(s, "ID_LIKE=\"{like}\"");
    }
    let _ = writeln!(s, "HOME_URL=\"https://www.{id}.org/\"");
    s
}

pub fn linux_uptime(d: &Identity) -> String {
    let u = d.uptime;
    format!(
        " {:02}:{:02}:{:02} up {},  2 users,  load average: 0.0{}, 0.0{}, 0.00\n",
        (u.hours + 3) % 24,
        u.seconds,
        u.minutes,
        d.expect_uptime(),
        u.seconds % 10,
        u.minutes % 10
    )
}

#[cfg(test)]
mod same_bytes {
    use crate::platform::Platform;
    use crate::wave::Wave;

    #[test]
    fn the_new_outputs_are_the_old_bytes() {
        let mut compared = 0usize;
        for seed in [1u64, 2, 3, 5, 7, 9, 42, 1234, 99999, u64::MAX] {
            for p in Platform::ALL {
                let old_b = format!("{:?}", super::behaviour(p));
                let new_b = format!("{:?}", crate::devices::behaviour(p));
                assert_eq!(old_b, new_b, "{p}");
                for i in 0..60 {
                    let (mut o, os, or) = super::Identity::generate(p, i, seed);
                    let (n, ns, nr) = crate::devices::Identity::generate(p, i, seed);
                    assert_eq!((os, or), (ns, nr), "{p} {seed} {i}");
                    assert_eq!(
                        (
                            &o.hostname,
                            &o.version,
                            &o.model,
                            &o.serial,
                            o.seed,
                            o.virtual_chassis
                        ),
                        (
                            &n.hostname,
                            &n.version,
                            &n.model,
                            &n.serial,
                            n.seed,
                            n.virtual_chassis
                        ),
                        "{p} {seed} {i}"
                    );
                    assert_eq!(format!("{:?}", o.uptime), format!("{:?}", n.uptime));
                    let check = |o: &super::Identity, n: &crate::devices::Identity| {
                        assert_eq!(o.expect_hostname(), n.expect_hostname(), "{p} {seed} {i}");
                        assert_eq!(o.expect_version(), n.expect_version(), "{p} {seed} {i}");
                        assert_eq!(o.expect_model(), n.expect_model(), "{p} {seed} {i}");
                        assert_eq!(o.expect_serial(), n.expect_serial(), "{p} {seed} {i}");
                        assert_eq!(o.expect_uptime(), n.expect_uptime(), "{p} {seed} {i}");
                        let (a, b) = (o.version_output(), n.version_output());
                        if a != b {
                            let line = a.lines().zip(b.lines()).position(|(x, y)| x != y);
                            panic!("{p} seed {seed} device {i}: first differing line {line:?}\nOLD:\n{a:?}\nNEW:\n{b:?}");
                        }
                        assert_eq!(super::linux_uname(o), crate::platforms::linux::uname(n));
                        assert_eq!(
                            super::linux_os_release(o),
                            crate::platforms::linux::os_release(n)
                        );
                        assert_eq!(
                            super::linux_uptime(o),
                            crate::platforms::linux::uptime_line(n)
                        );
                    };
                    check(&o, &n);
                    // The upgrade and RMA wave: other versions and serials on the same devices.
                    let wave = Wave {
                        upgrade: 0.6,
                        rma: 0.6,
                        seed: seed ^ 0x55,
                    };
                    let n = wave.apply(n, i, seed);
                    o.version = n.version.clone();
                    o.serial = n.serial.clone();
                    check(&o, &n);
                    compared += 2;
                }
            }
        }
        assert_eq!(compared, 10 * 14 * 60 * 2);
    }
}
