//! Palo Alto PAN-OS firewalls.

use super::{Drawn, Profile};
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
};

fn draw(r: &mut Rng) -> Drawn {
    let model = super::pick_str(r, &["PA-220", "PA-3220", "PA-5220", "PA-VM"]);
    let serial = if model == "PA-VM" {
        format!("0079510{}", r.digits(8))
    } else {
        format!("0128010{}", r.digits(5))
    };
    let version = super::pick_str(r, &["9.1.14-h4", "10.1.6-h6", "10.2.4", "11.0.1"]);
    Drawn {
        model,
        version,
        serial,
        virtual_chassis: false,
    }
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
