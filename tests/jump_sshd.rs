//! Jump hosts against real OpenSSH bastions. The devices and the bastion's sshd live in a
//! network namespace of their own, so the devices are reachable only through the bastion; the
//! bastion's port is bridged to the host's loopback through a Unix socket (socat), so every
//! address stays on 127.0.0.1.

mod support;

use netinv_sim::{Fleet, FleetConfig};
use serde_json::Value;
use std::path::Path;
use std::time::Duration;
use support::*;

const FLEET_PASSWORD: &str = "fleet-pw";

/// A fleet of simulated devices served inside `ns`.
fn fleet_in(ns: &Netns, devices: usize) -> Fleet {
    ns.run_in(|| {
        let mut cfg = FleetConfig::new(devices);
        cfg.password = FLEET_PASSWORD.into();
        Fleet::start(cfg).expect("fleet starts")
    })
}

fn sshd_device_inventory(port: u16, extra_header: &str, extra: &str) -> String {
    format!("name,host,port{extra_header}\ndev1,127.0.0.1,{port}{extra}\n")
}

fn known_hosts_has(path: &Path, pattern: &str) -> bool {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .any(|l| l.split_whitespace().next() == Some(pattern))
}

#[test]
fn a_device_reachable_only_through_a_bastion_is_collected_through_it() {
    require_sshd();
    let ns = Netns::new();
    let bastion = Sshd::start_in(&ns, "LogLevel VERBOSE");
    let device = Sshd::start_in(&ns, "");
    let bridge = Bridge::new(None, &ns, bastion.port);
    let dir = TempDir::new("jump1");
    let known_hosts = dir.join("known_hosts");
    let hop = format!("{}@127.0.0.1:{}", user(), bridge.port);
    let common = [
        "-u",
        user(),
        "-c",
        "echo reached-$((6*7))",
        "--mode",
        "exec",
        "--known-hosts",
        known_hosts.to_str().unwrap(),
    ];
    let envs = [
        ("NETINV_PASSWORD", password()),
        ("NETINV_JUMP_PASSWORD", password()),
    ];

    // Directly, the device is not there: it is on the namespace's loopback only.
    let direct = collect(
        &dir,
        &sshd_device_inventory(device.port, "", ""),
        &common,
        &envs,
    );
    assert_eq!(
        direct.devices()[0]["error"]["kind"],
        "connect",
        "{:?}",
        direct.outcomes()
    );

    // With -J, and with the inventory's `jump` column instead.
    let flag = collect(
        &dir,
        &sshd_device_inventory(device.port, "", ""),
        &[&common[..], &["-J", &hop]].concat(),
        &envs,
    );
    let column = collect(
        &dir,
        &sshd_device_inventory(device.port, ",jump", &format!(",{hop}")),
        &common,
        &envs,
    );
    for run in [&flag, &column] {
        assert_eq!(run.code, 0, "{:?} {}", run.outcomes(), run.stderr);
        assert_eq!(
            run.devices()[0]["output"].as_str().map(str::trim),
            Some("reached-42")
        );
    }
    // The bastion's key was checked and recorded like any host's, and so was the device's.
    assert!(known_hosts_has(
        &known_hosts,
        &format!("[127.0.0.1]:{}", bridge.port)
    ));
    assert!(known_hosts_has(
        &known_hosts,
        &format!("[127.0.0.1]:{}", device.port)
    ));
    // A row's `jump=none` wins over -J: direct again.
    let none = collect(
        &dir,
        &sshd_device_inventory(device.port, ",jump", ",none"),
        &[&common[..], &["-J", &hop]].concat(),
        &envs,
    );
    assert_eq!(none.devices()[0]["error"]["kind"], "connect");
    assert_eq!(bastion.logins(), 2, "one bastion login per run");
}

#[test]
fn two_hops_reach_a_device_that_only_the_second_bastion_can_reach() {
    require_sshd();
    let outer = Netns::new();
    let inner = Netns::new();
    let bastion1 = Sshd::start_in(&outer, "");
    let bastion2 = Sshd::start_in(&inner, "");
    let device = Sshd::start_in(&inner, "");
    let to_bastion1 = Bridge::new(None, &outer, bastion1.port);
    // bastion2 is reachable from bastion1's namespace only.
    let to_bastion2 = Bridge::new(Some(&outer), &inner, bastion2.port);
    let dir = TempDir::new("jump2");
    let u = user();
    let two = format!(
        "{u}@127.0.0.1:{},{u}@127.0.0.1:{}",
        to_bastion1.port, to_bastion2.port
    );
    let one = format!("{u}@127.0.0.1:{}", to_bastion1.port);
    let envs = [
        ("NETINV_PASSWORD", password()),
        ("NETINV_JUMP_PASSWORD", password()),
    ];
    let args = |jump: &str| {
        vec![
            "-u".to_string(),
            u.to_string(),
            "-c".into(),
            "echo two-hops".into(),
            "--mode".into(),
            "exec".into(),
            "--host-key-policy".into(),
            "off".into(),
            "-J".into(),
            jump.to_string(),
        ]
    };
    let inventory = sshd_device_inventory(device.port, "", "");
    let both = collect(
        &dir,
        &inventory,
        &args(&two).iter().map(String::as_str).collect::<Vec<_>>(),
        &envs,
    );
    assert_eq!(both.code, 0, "{:?} {}", both.outcomes(), both.stderr);
    assert_eq!(
        both.devices()[0]["output"].as_str().map(str::trim),
        Some("two-hops")
    );

    // The first bastion alone cannot reach the device: it says so, as a connect failure.
    let first_only = collect(
        &dir,
        &inventory,
        &args(&one).iter().map(String::as_str).collect::<Vec<_>>(),
        &envs,
    );
    let rec = &first_only.devices()[0];
    assert_eq!(
        rec["error"]["kind"],
        "connect",
        "{:?}",
        first_only.outcomes()
    );
    assert!(
        rec["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("jump host {one}")),
        "{rec}"
    );
}

/// Fifty devices behind a bastion that fails: every one of them fails with `jump` at once
/// (well inside their 60 s deadline), the failure is logged once, and the bastion saw one
/// attempt, not fifty.
#[test]
fn a_bastion_with_a_wrong_host_key_or_refusing_the_login_fails_every_device_behind_it_fast() {
    require_sshd();
    let ns = Netns::new();
    let bastion = Sshd::start_in(&ns, "LogLevel VERBOSE");
    let fleet = fleet_in(&ns, 50);
    let bridge = Bridge::new(None, &ns, bastion.port);
    let dir = TempDir::new("jumpfail");
    let hop = format!("{}@127.0.0.1:{}", user(), bridge.port);
    let other = dir.join("other");
    keygen(&other);
    let other_key = std::fs::read_to_string(other.with_extension("pub")).unwrap();
    let mut f = other_key.split_whitespace();
    let wrong_key_line = format!(
        "[127.0.0.1]:{} {} {}\n",
        bridge.port,
        f.next().unwrap(),
        f.next().unwrap()
    );

    let cases = [
        // (known_hosts, bastion password, what the message must say)
        (wrong_key_line.as_str(), password(), "HOST KEY CHANGED"),
        ("", "not-the-password", "authentication failed"),
    ];
    for (known, jump_password, says) in cases {
        let known_hosts = dir.join("known_hosts");
        std::fs::write(&known_hosts, known).unwrap();
        let run = collect(
            &dir,
            &fleet.inventory_csv(),
            &[
                "-u",
                "admin",
                "-w",
                "50",
                "-t",
                "60s",
                "-J",
                &hop,
                "--known-hosts",
                known_hosts.to_str().unwrap(),
            ],
            &[
                ("NETINV_PASSWORD", FLEET_PASSWORD),
                ("NETINV_JUMP_PASSWORD", jump_password),
            ],
        );
        assert_eq!(run.code, 1, "{says}: {}", run.stderr);
        let outcomes = run.outcomes();
        assert_eq!(outcomes.len(), 50);
        for o in &outcomes {
            assert!(
                o.contains(": jump: ")
                    && o.contains(&format!("jump host {hop}"))
                    && o.contains(says),
                "{says}: {o}"
            );
        }
        assert_eq!(run.report["summary"]["by_error"]["jump"], 50);
        assert!(
            run.took < Duration::from_secs(20),
            "{says}: took {:?} for devices with a 60 s deadline",
            run.took
        );
        let logged = run
            .stderr
            .lines()
            .filter(|l| l.contains("every device behind it fails"))
            .count();
        assert_eq!(logged, 1, "{says}: logged once:\n{}", run.stderr);
    }
    assert_eq!(bastion.logins(), 0);
    let log = std::fs::read_to_string(bastion.dir.join("sshd.log")).unwrap();
    let refused = log
        .lines()
        .filter(|l| l.contains("Failed password"))
        .count();
    assert!(
        (1..=2).contains(&refused),
        "one login attempt for 50 devices, sshd saw {refused}:\n{log}"
    );
}

/// Every way a device's record differs from what the simulator says a correct client reports
/// (its `expect` column).
fn surprises(report: &Value) -> Vec<String> {
    report["devices"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| {
            let expect = d["fields"]["expect"].as_str().unwrap();
            let got = match d["status"].as_str() {
                Some("ok") => "ok",
                _ => d["error"]["kind"].as_str().unwrap(),
            };
            (got != expect).then(|| {
                format!(
                    "{} ({}): expected {expect}, got {got}: {}",
                    d["name"], d["fields"]["fault"], d["error"]["message"]
                )
            })
        })
        .collect()
}

#[test]
fn a_thousand_devices_behind_one_bastion_take_a_handful_of_bastion_logins() {
    require_sshd();
    let ns = Netns::new();
    let bastion = Sshd::start_in(&ns, "LogLevel VERBOSE");
    // Faults too: a device that hangs, drips or sends 20 MB behaves through the tunnel as it
    // does directly.
    let fleet = ns.run_in(|| {
        let mut cfg = FleetConfig::new(1000);
        cfg.password = FLEET_PASSWORD.into();
        // Not RouterOS: its huge fault times out at the pager in shell mode with or without a
        // bastion, a shell-driver matter that is not what this test is about.
        cfg.platforms = netinv_sim::Platform::ALL
            .into_iter()
            .filter(|p| p.name() != "mikrotik_routeros")
            .collect();
        cfg.faults = netinv_sim::parse_faults(
            "auth:1%,silent:0.5%,hang:0.5%,drip:0.5%,disconnect:1%,huge:0.3%,refuse-exec:3%",
        )
        .unwrap();
        Fleet::start(cfg).expect("fleet starts")
    });
    let bridge = Bridge::new(None, &ns, bastion.port);
    let dir = TempDir::new("jump1000");
    let hop = format!("{}@127.0.0.1:{}", user(), bridge.port);
    let run = collect(
        &dir,
        &fleet.inventory_csv(),
        &[
            "-u",
            "admin",
            "-w",
            "200",
            // Generous: a huge device moves 20 MB through two layers of SSH, on a loaded CI
            // machine too (4 such devices at once took 18 s here, 14 s without the bastion).
            "-t",
            "30s",
            "--host-key-policy",
            "off",
            "-J",
            &hop,
        ],
        &[
            ("NETINV_PASSWORD", FLEET_PASSWORD),
            ("NETINV_JUMP_PASSWORD", password()),
        ],
    );
    let s = surprises(&run.report);
    assert!(s.is_empty(), "{} surprise(s):\n{}", s.len(), s.join("\n"));
    assert_eq!(run.report["summary"]["total"], 1000);
    assert!(run.report["summary"]["ok"].as_u64().unwrap() >= 950);
    let logins = bastion.logins();
    assert!(
        (1..=4).contains(&logins),
        "1,000 devices took {logins} bastion logins"
    );
    // The silent and hanging devices each wait out their 30 s deadline, all at once.
    assert!(run.took < Duration::from_secs(150), "took {:?}", run.took);
    eprintln!(
        "1,000 devices through one bastion: {:?}, {logins} bastion logins",
        run.took
    );
}

#[test]
fn an_ssh_config_with_host_aliases_users_ports_keys_and_proxyjump_is_used_as_it_is() {
    require_sshd();
    let ns = Netns::new();
    let bastion = Sshd::start_in(&ns, "");
    let device = Sshd::start_in(&ns, "");
    let bridge = Bridge::new(None, &ns, bastion.port);
    let dir = TempDir::new("sshconfig");
    let config = dir.join("ssh_config");
    // As a user would have it for ssh: no password anywhere, each host with its own key.
    std::fs::write(
        &config,
        format!(
            "Host jumpbox\n  HostName 127.0.0.1\n  Port {bp}\n  User {u}\n  IdentityFile {bk}\n\n\
             Host core-* !core-lab\n  HostName 127.0.0.1\n  Port {dp}\n  User {u}\n  \
             IdentityFile {dk}\n  ProxyJump jumpbox\n  ForwardAgent no\n",
            bp = bridge.port,
            dp = device.port,
            u = user(),
            bk = bastion.client_key.display(),
            dk = device.client_key.display(),
        ),
    )
    .unwrap();
    let known_hosts = dir.join("known_hosts");
    let run = collect(
        &dir,
        "name,host\ncore-1,core-1\n",
        &[
            "--ssh-config",
            config.to_str().unwrap(),
            "--known-hosts",
            known_hosts.to_str().unwrap(),
            "-c",
            "echo via-ssh-config",
            "--mode",
            "exec",
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{:?} {}", run.outcomes(), run.stderr);
    assert_eq!(
        run.devices()[0]["output"].as_str().map(str::trim),
        Some("via-ssh-config")
    );
    // Host keys are checked under the names ssh_config resolved.
    for port in [bridge.port, device.port] {
        assert!(known_hosts_has(
            &known_hosts,
            &format!("[127.0.0.1]:{port}")
        ));
    }
    // Without the file (and its ProxyJump), the same device is out of reach.
    let ignored = collect(
        &dir,
        &format!("name,host,port\ncore-1,127.0.0.1,{}\n", device.port),
        &[
            "--ssh-config",
            "none",
            "--known-hosts",
            known_hosts.to_str().unwrap(),
            "-u",
            user(),
            "--mode",
            "exec",
        ],
        &[("NETINV_PASSWORD", password())],
    );
    assert_eq!(ignored.devices()[0]["error"]["kind"], "connect");
}

/// A bastion and one device behind it in a namespace of their own, the bastion bridged to the
/// host's loopback. Fields drop in order: the servers stop before the namespace goes.
struct Behind {
    _bridge: Bridge,
    device: Sshd,
    _bastion: Sshd,
    _ns: Netns,
    /// `-J` for the bastion.
    hop: String,
}

impl Behind {
    fn new(bastion_config: &str, device_config: &str) -> Behind {
        let ns = Netns::new();
        let bastion = Sshd::start_in(&ns, bastion_config);
        let device = Sshd::start_in(&ns, device_config);
        let bridge = Bridge::new(None, &ns, bastion.port);
        Behind {
            hop: format!("{}@127.0.0.1:{}", user(), bridge.port),
            _bridge: bridge,
            device,
            _bastion: bastion,
            _ns: ns,
        }
    }

    /// Collect the device through the bastion, as the test user on both, with `args`.
    fn collect(&self, dir: &TempDir, args: &[&str]) -> Collected {
        let common = [
            "-u",
            user(),
            "-J",
            &self.hop,
            "--mode",
            "exec",
            "--host-key-policy",
            "off",
        ];
        collect(
            dir,
            &sshd_device_inventory(self.device.port, "", ""),
            &[&common[..], args].concat(),
            &[
                ("NETINV_PASSWORD", password()),
                ("NETINV_JUMP_PASSWORD", password()),
            ],
        )
    }
}

/// Behind a bastion, a device with no algorithm in common is explained as it is directly: the
/// message lists what the device offers (asked for through the bastion) and the option that
/// reaches it; with that option it is collected.
#[test]
fn behind_a_bastion_no_algorithm_in_common_still_lists_the_devices_offer() {
    require_sshd();
    let behind = Behind::new("", "KexAlgorithms diffie-hellman-group14-sha1");
    let dir = TempDir::new("jumpkex");
    let refused = behind.collect(&dir, &["-c", "echo old"]);
    let rec = &refused.devices()[0];
    let message = rec["error"]["message"].as_str().unwrap();
    assert_eq!(rec["error"]["kind"], "protocol", "{rec}");
    assert!(
        message.contains("the device offers diffie-hellman-group14-sha1")
            && message.contains("--legacy-algorithms"),
        "{message}"
    );
    let reached = behind.collect(&dir, &["-c", "echo old", "--legacy-algorithms"]);
    assert_eq!(reached.code, 0, "{:?}", reached.outcomes());
}

#[test]
fn a_bastion_that_refuses_to_forward_fails_its_devices_with_jump_saying_so() {
    require_sshd();
    let behind = Behind::new("AllowTcpForwarding no", "");
    let dir = TempDir::new("jumpnofwd");
    let run = behind.collect(&dir, &[]);
    let rec = &run.devices()[0];
    let message = rec["error"]["message"].as_str().unwrap();
    assert_eq!(rec["error"]["kind"], "jump", "{rec}");
    assert!(
        message.contains(&format!("jump host {} refused to forward", behind.hop))
            && message.contains("AllowTcpForwarding"),
        "{message}"
    );
}
