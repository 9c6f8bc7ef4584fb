//! Cisco IOS-XE: Catalyst 9000, ISR 4000, CSR1000V, Catalyst 8000; IOS's CLI on Linux.

use super::{cisco_ios, cisco_tail, pick_str, Drawn, Profile};
use crate::devices::Identity;
use crate::rng::Rng;
use crate::template::render;

pub static PROFILE: Profile = Profile {
    behaviour: cisco_ios::BEHAVIOUR,
    roles: &["core", "dist", "access"],
    draw,
    shows_hostname: true,
    reported_version: short_version,
    uptime: |d| cisco_ios::uptime(d.uptime),
    version_output,
    banner: cisco_ios::banner,
    prompt: cisco_ios::prompt,
    commands: cisco_ios::ALL_COMMANDS,
    rejected: cisco_ios::rejected,
};

const MODELS: &[&str] = &[
    "C9300-48P",
    "C9500-24Y4C",
    "ISR4451-X/K9",
    "ISR4331/K9",
    "CSR1000V",
    "C8300-1N1S-6T",
];
const VERSIONS: &[&str] = &["16.09.04", "16.12.05", "17.03.04a", "17.06.03", "17.09.04a"];

fn draw(r: &mut Rng) -> Drawn {
    let model = pick_str(r, MODELS);
    let version = pick_str(r, VERSIONS);
    let serial = format!("FOC{}{}", r.digits(4), r.upper_alnum(4));
    Drawn::new(model, version, serial)
}

fn codename(version: &str) -> &'static str {
    match version.get(..5) {
        Some("16.09") => "Fuji",
        Some("16.12") => "Gibraltar",
        Some("17.03") => "Amsterdam",
        Some("17.06") => "Bengaluru",
        _ => "Cupertino",
    }
}

/// IOS-XE prints its version twice: zero-padded on the `Cisco IOS XE Software` line
/// (`17.03.04a`) and plain on the `Cisco IOS Software` line (`17.3.4a`), which collectors
/// report.
fn short_version(version: &str) -> String {
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

fn version_output(d: &Identity, r: &mut Rng) -> String {
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
    let fc = r.range(1, 5);
    let compiled = [r.range(0, 8), r.range(0, 2), r.range(0, 9)];
    let memory = r.range(1_300_000, 7_900_000);
    let tail = cisco_tail(r, &[("Virtual Ethernet", 1), ("Gigabit Ethernet", 4)]);
    render(
        include_str!("../../templates/cisco_xe.txt"),
        &[
            ("version", &d.version),
            ("codename", &codename(&d.version)),
            ("train", &train),
            ("image", &image),
            ("short_version", &short_version(&d.version)),
            ("fc", &fc),
            ("compiled_day", &compiled[0]),
            ("compiled_year", &compiled[1]),
            ("compiled_minute", &compiled[2]),
            ("hostname", &d.hostname),
            ("uptime", &d.expect_uptime()),
            ("model", &d.model),
            ("cpu", &cpu),
            ("memory", &memory),
            ("serial", &d.serial),
            ("tail", &tail),
        ],
    )
}
