//! Linux servers (Ubuntu, Debian, Rocky): the version command is `uname -a`, the os-release
//! file, `hostname` and `uptime`, which the console's tiny shell also runs one by one.

use super::{pick_str, Drawn, Profile};
use crate::devices::{Behaviour, Erase, Identity};
use crate::rng::Rng;
use crate::template::render;

pub static PROFILE: Profile = Profile {
    behaviour: Behaviour {
        server_id: "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6",
        exec: true,
        enable: false,
        pager: "",
        erase: Erase::CarriageReturn,
        exec_crlf: false,
        abbreviations: false,
    },
    roles: &["web", "db", "jump"],
    draw,
    shows_hostname: true,
    reported_version: super::as_printed,
    uptime: |d| {
        let u = d.uptime;
        format!("{} days, {}:{:02}", u.total_days(), u.hours, u.minutes)
    },
    version_output,
    banner: |d| {
        render(
            include_str!("../../templates/linux_banner.txt"),
            &[("pretty_name", &pretty_name(d)), ("version", &d.version)],
        )
    },
    prompt: |d, user, _| format!("{user}@{}:~$ ", d.hostname),
    // The console's tiny shell runs its commands (`uname -a`, `hostname`, ...).
    commands: &[],
    rejected: |r| format!("bash: {}: command not found\n", r.first()),
};

const VERSIONS: &[&str] = &[
    "5.15.0-91-generic",
    "5.4.0-169-generic",
    "6.1.0-13-amd64",
    "5.10.0-26-amd64",
    "5.14.0-284.30.1.el9_2.x86_64",
];

fn draw(r: &mut Rng) -> Drawn {
    let version = pick_str(r, VERSIONS);
    Drawn::new(String::new(), version, String::new())
}

fn version_output(d: &Identity, _: &mut Rng) -> String {
    format!(
        "{}{}{}\n{}",
        uname(d),
        os_release(d),
        d.hostname,
        uptime_line(d)
    )
}

/// The distribution behind the device's kernel: the fields of its os-release file (PRETTY_NAME,
/// NAME, VERSION_ID, VERSION, ID, ID_LIKE).
fn distribution(kernel: &str) -> [&'static str; 6] {
    let mut fields = [""; 6];
    let row = include_str!("../../templates/linux_distributions.txt")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .find(|l| kernel.starts_with(l.split('|').next().unwrap_or_default()))
        .unwrap_or_default();
    for (field, value) in fields.iter_mut().zip(row.split('|').skip(1)) {
        *field = value;
    }
    fields
}

/// `uname -a`.
pub fn uname(d: &Identity) -> String {
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

/// `cat /etc/os-release`.
pub fn os_release(d: &Identity) -> String {
    let [pretty_name, name, version_id, version, id, like] = distribution(&d.version);
    let id_like = if like.is_empty() {
        String::new()
    } else {
        format!("ID_LIKE=\"{like}\"\n")
    };
    render(
        include_str!("../../templates/linux_os_release.txt"),
        &[
            ("pretty_name", &pretty_name),
            ("name", &name),
            ("version_id", &version_id),
            ("version", &version),
            ("id", &id),
            ("id_like", &id_like),
        ],
    )
}

/// The distribution's name as its login message gives it.
pub fn pretty_name(d: &Identity) -> &'static str {
    match distribution(&d.version)[0] {
        "" => "Linux",
        name => name,
    }
}

/// `uptime`.
pub fn uptime_line(d: &Identity) -> String {
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
