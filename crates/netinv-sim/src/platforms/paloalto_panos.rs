//! Palo Alto PAN-OS firewalls.

use super::{juniper_junos, pick_str, Drawn, Profile};
use crate::console::Cmd;
use crate::devices::{Behaviour, Erase, Identity};
use crate::rng::Rng;
use crate::template::render;

pub static PROFILE: Profile = Profile {
    behaviour: Behaviour {
        server_id: "SSH-2.0-OpenSSH_8.0",
        exec: false,
        enable: false,
        pager: "lines 1-23 ",
        erase: Erase::CarriageReturn,
        exec_crlf: true,
        abbreviations: false,
    },
    roles: &["fw"],
    draw,
    shows_hostname: true,
    reported_version: super::as_printed,
    uptime: |d| {
        let u = d.uptime;
        format!(
            "{} days, {}:{:02}:{:02}",
            u.total_days(),
            u.hours,
            u.minutes,
            u.seconds
        )
    },
    version_output,
    banner: |_| include_str!("../../templates/paloalto_panos_banner.txt").to_string(),
    prompt: juniper_junos::prompt,
    commands: &[COMMANDS],
    rejected: |r| format!("Unknown command: {}\n", r.bad()),
};

const MODELS: &[&str] = &["PA-220", "PA-3220", "PA-5220", "PA-VM"];
const VERSIONS: &[&str] = &["9.1.14-h4", "10.1.6-h6", "10.2.4", "11.0.1"];

fn draw(r: &mut Rng) -> Drawn {
    let model = pick_str(r, MODELS);
    let serial = if model == "PA-VM" {
        format!("0079510{}", r.digits(8))
    } else {
        format!("0128010{}", r.digits(5))
    };
    let version = pick_str(r, VERSIONS);
    Drawn::new(model, version, serial)
}

/// `show system info`.
fn version_output(d: &Identity, r: &mut Rng) -> String {
    let address = format!(
        "{}.{}.{}",
        r.range(0, 255),
        r.range(0, 255),
        r.range(1, 254)
    );
    let gateway = format!("{}.{}", r.range(0, 255), r.range(0, 255));
    let link_local = format!("{:02x}:{:04x}", r.range(0, 255), r.range(0, 65535));
    let mac = format!(
        "{:02x}:{:02x}:{:02x}",
        r.range(0, 255),
        r.range(0, 255),
        r.range(0, 255)
    );
    let family = match d.model.as_str() {
        "PA-220" => "220",
        "PA-3220" => "3200",
        "PA-5220" => "5200",
        _ => "vm",
    };
    let dictionary = pair(r, 50, 90, 200, 500);
    let app = pair(r, 8500, 8700, 7000, 8000);
    let app_day = r.range(1, 9);
    let app_hour = r.range(0, 9);
    let av = pair(r, 4300, 4400, 4800, 4900);
    let threat = pair(r, 8500, 8700, 7000, 8000);
    let wildfire = pair(r, 700000, 800000, 700000, 800000);
    let logdb = format!(
        "{}.0.{}",
        d.version.get(..4).unwrap_or("10.1"),
        r.range(1, 20)
    );
    render(
        include_str!("../../templates/paloalto_panos.txt"),
        &[
            ("hostname", &d.hostname),
            ("address", &address),
            ("gateway", &gateway),
            ("link_local", &link_local),
            ("mac", &mac),
            ("uptime", &d.expect_uptime()),
            ("family", &family),
            ("model", &d.model),
            ("serial", &d.serial),
            ("version", &d.version),
            ("dictionary", &dictionary),
            ("app", &app),
            ("app_day", &app_day),
            ("app_hour", &app_hour),
            ("av", &av),
            ("threat", &threat),
            ("wildfire", &wildfire),
            ("logdb", &logdb),
        ],
    )
}

/// `N-M`, as PAN-OS numbers its content releases.
fn pair(r: &mut Rng, lo: u32, hi: u32, lo2: u32, hi2: u32) -> String {
    let first = r.range(lo, hi);
    format!("{first}-{}", r.range(lo2, hi2))
}

const COMMANDS: &[(&str, Cmd)] = &[
    ("show system info", Cmd::Version),
    ("set cli pager off", Cmd::PagingOff),
    ("set cli pager on", Cmd::PagingOn),
    ("set cli scripting-mode on", Cmd::Quiet),
    ("set cli scripting-mode off", Cmd::Quiet),
    ("set cli terminal width <n>", Cmd::Width),
    ("set cli terminal height <n>", Cmd::Quiet),
    ("set cli config-output-format <w>", Cmd::Quiet),
    ("configure", Cmd::ConfigEnter),
    ("exit", Cmd::Exit),
    ("quit", Cmd::Exit),
];
