//! Old devices: real OpenSSH sshd servers configured to offer only what Catalyst IOS 12.2/15.x,
//! ASA 8/9, old NX-OS and ProCurve offer. netinv refuses them by default, saying what the device
//! offers and which option reaches it, and reaches each one when the device opts in.

mod support;

use serde_json::Value;
use support::*;

/// One kind of old device: its sshd settings and what netinv must negotiate with it.
struct OldDevice {
    name: &'static str,
    host_key: &'static str,
    config: &'static str,
    /// (kex, host_key, cipher, mac) expected in the report; None = not asserted.
    negotiated: [Option<&'static str>; 4],
    /// Words the refusal must contain: the device's offer and the option.
    refusal: &'static [&'static str],
}

const OLD_DEVICES: &[OldDevice] = &[
    OldDevice {
        name: "kex-group14-sha1",
        host_key: "ed25519",
        config: "KexAlgorithms diffie-hellman-group14-sha1",
        negotiated: [Some("diffie-hellman-group14-sha1"), None, None, None],
        refusal: &[
            "no key exchange in common: the device offers diffie-hellman-group14-sha1",
            "--legacy-algorithms",
            "(reach it with --legacy-algorithms or inventory column legacy=yes)",
        ],
    },
    OldDevice {
        name: "kex-group1-sha1",
        host_key: "ed25519",
        config: "KexAlgorithms diffie-hellman-group1-sha1",
        negotiated: [Some("diffie-hellman-group1-sha1"), None, None, None],
        refusal: &["the device offers diffie-hellman-group1-sha1"],
    },
    OldDevice {
        name: "kex-gex-sha1",
        host_key: "ed25519",
        config: "KexAlgorithms diffie-hellman-group-exchange-sha1",
        negotiated: [Some("diffie-hellman-group-exchange-sha1"), None, None, None],
        refusal: &["the device offers diffie-hellman-group-exchange-sha1"],
    },
    OldDevice {
        name: "hostkey-ssh-rsa",
        host_key: "rsa",
        config: "HostKeyAlgorithms ssh-rsa",
        negotiated: [None, Some("ssh-rsa"), None, None],
        refusal: &[
            "no host key algorithm in common: the device offers ssh-rsa",
            "(reach it with --legacy-algorithms or inventory column legacy=yes)",
        ],
    },
    OldDevice {
        name: "hostkey-ssh-dss",
        host_key: "dsa",
        config: "HostKeyAlgorithms ssh-dss",
        negotiated: [None, Some("ssh-dss"), None, None],
        refusal: &[
            "the device offers ssh-dss",
            "(reach it with --legacy-algorithms or inventory column legacy=yes)",
        ],
    },
    OldDevice {
        name: "cipher-3des-cbc",
        host_key: "ed25519",
        config: "Ciphers 3des-cbc",
        negotiated: [None, None, Some("3des-cbc"), None],
        refusal: &[
            "no cipher in common: the device offers 3des-cbc",
            "(reach it with --legacy-algorithms or inventory column legacy=yes)",
        ],
    },
    OldDevice {
        name: "mac-hmac-sha1",
        host_key: "ed25519",
        // A cipher that needs a MAC: with chacha20-poly1305 or AES-GCM none is negotiated.
        config: "Ciphers aes128-ctr\nMACs hmac-sha1",
        negotiated: [None, None, Some("aes128-ctr"), Some("hmac-sha1")],
        refusal: &[
            "no MAC in common: the device offers hmac-sha1",
            "(reach it with --legacy-algorithms or inventory column legacy=yes)",
        ],
    },
    OldDevice {
        name: "ios-12-2",
        host_key: "rsa",
        config: "KexAlgorithms diffie-hellman-group1-sha1\nHostKeyAlgorithms ssh-rsa\n\
                 Ciphers aes128-cbc,3des-cbc\nMACs hmac-sha1",
        negotiated: [
            Some("diffie-hellman-group1-sha1"),
            Some("ssh-rsa"),
            Some("aes128-cbc"),
            Some("hmac-sha1"),
        ],
        refusal: &[
            "the device offers diffie-hellman-group1-sha1",
            "the device offers ssh-rsa",
            "the device offers hmac-sha1",
        ],
    },
];

struct Fleet {
    servers: Vec<Sshd>,
    dir: TempDir,
}

impl Fleet {
    fn start() -> Fleet {
        Fleet {
            servers: OLD_DEVICES
                .iter()
                .map(|d| Sshd::start_with_host_key(d.host_key, d.config))
                .collect(),
            dir: TempDir::new("legacy"),
        }
    }

    /// An inventory of every old device; `legacy` = the value of a `legacy` column, if any.
    fn inventory(&self, legacy: Option<&str>) -> String {
        let mut inv = String::from(if legacy.is_some() {
            "name,host,port,legacy\n"
        } else {
            "name,host,port\n"
        });
        for (d, s) in OLD_DEVICES.iter().zip(&self.servers) {
            inv.push_str(&format!("{},127.0.0.1,{}", d.name, s.port));
            if let Some(v) = legacy {
                inv.push_str(&format!(",{v}"));
            }
            inv.push('\n');
        }
        inv
    }

    /// Collect from every old device with exec mode and password auth; (exit code, report, stderr).
    /// Every run shares one known_hosts file under accept-new.
    fn collect(&self, inventory: &str, extra: &[&str]) -> (i32, Value, String) {
        let inv = self.dir.join("inventory.csv");
        std::fs::write(&inv, inventory).unwrap();
        let json = self.dir.join("report.json");
        let _ = std::fs::remove_file(&json);
        let out = run(netinv()
            .arg("collect")
            .arg("-i")
            .arg(&inv)
            .args(["-u", user(), "--mode", "exec", "-c", "echo ok", "-t", "20s"])
            .env("NETINV_PASSWORD", password())
            .arg("--known-hosts")
            .arg(self.dir.join("known_hosts"))
            .arg("--json")
            .arg(&json)
            .args(extra));
        let stderr = text(&out.stderr);
        let report: Value = serde_json::from_str(
            &std::fs::read_to_string(&json)
                .unwrap_or_else(|e| panic!("no JSON report ({e}); stderr: {stderr}")),
        )
        .unwrap();
        (out.status.code().unwrap_or(-1), report, stderr)
    }
}

/// Every device must have been reached, and report what it negotiated.
fn assert_all_reached(report: &Value, how: &str) {
    for (d, rec) in OLD_DEVICES
        .iter()
        .zip(report["devices"].as_array().unwrap())
    {
        assert_eq!(rec["name"], d.name);
        assert_eq!(
            rec["status"], "ok",
            "{} not reached with {how}: {}",
            d.name, rec["error"]
        );
        assert_eq!(rec["output"].as_str().map(str::trim), Some("ok"));
        let ssh = &rec["ssh"];
        for (field, want) in ["kex", "host_key", "cipher", "mac"]
            .iter()
            .zip(d.negotiated)
        {
            let got = ssh[field].as_str().unwrap_or_default();
            assert!(!got.is_empty(), "{}: no negotiated {field}: {ssh}", d.name);
            if let Some(want) = want {
                assert_eq!(got, want, "{}: negotiated {field}", d.name);
            }
        }
    }
}

#[test]
fn old_devices_are_refused_by_default_with_their_offer_and_the_option_that_reaches_them() {
    require_sshd();
    let fleet = Fleet::start();
    let (code, report, stderr) = fleet.collect(&fleet.inventory(None), &["--retries", "0"]);
    assert_eq!(code, 1, "{stderr}");
    for (d, rec) in OLD_DEVICES
        .iter()
        .zip(report["devices"].as_array().unwrap())
    {
        assert_eq!(rec["status"], "failed", "{} reached without opt-in", d.name);
        assert_eq!(rec["error"]["kind"], "protocol", "{}", d.name);
        let msg = rec["error"]["message"].as_str().unwrap();
        for want in d.refusal {
            assert!(msg.contains(want), "{}: '{want}' not in: {msg}", d.name);
        }
        assert!(rec["ssh"].is_null(), "{}", d.name);
    }
}

#[test]
fn old_devices_are_reached_with_legacy_algorithms_for_the_run_or_per_row() {
    require_sshd();
    let fleet = Fleet::start();

    let (code, report, stderr) = fleet.collect(&fleet.inventory(None), &["--legacy-algorithms"]);
    assert_eq!(code, 0, "{stderr}");
    assert_all_reached(&report, "--legacy-algorithms");

    // Again per row, and now against the host keys the first run recorded (ssh-rsa, ssh-dss).
    let (code, report, stderr) = fleet.collect(&fleet.inventory(Some("yes")), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_all_reached(&report, "legacy=yes");

    // A row that says no wins over the run's flag.
    let (code, report, _) = fleet.collect(&fleet.inventory(Some("no")), &["--legacy-algorithms"]);
    assert_eq!(code, 1);
    for rec in report["devices"].as_array().unwrap() {
        assert_eq!(rec["status"], "failed", "{}", rec["name"]);
    }
}

#[test]
fn old_devices_are_reached_with_the_algorithm_lines_of_an_ssh_config() {
    require_sshd();
    let fleet = Fleet::start();
    // Each device under an alias, with what ssh needs for it as `+` lines: its sshd's own
    // algorithm lines, each list appended to the defaults.
    let mut config = String::new();
    let mut inventory = String::from("name,host\n");
    for (d, s) in OLD_DEVICES.iter().zip(&fleet.servers) {
        config.push_str(&format!(
            "Host {}\n  HostName 127.0.0.1\n  Port {}\n",
            d.name, s.port
        ));
        for line in d.config.lines() {
            let (keyword, list) = line.trim().split_once(' ').unwrap();
            config.push_str(&format!("  {keyword} +{list}\n"));
        }
        inventory.push_str(&format!("{},{}\n", d.name, d.name));
    }
    let file = fleet.dir.join("ssh_config");
    std::fs::write(&file, config).unwrap();
    let (code, report, stderr) =
        fleet.collect(&inventory, &["--ssh-config", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert_all_reached(&report, "ssh_config");
}

#[test]
fn a_modern_device_reports_the_modern_algorithms_it_negotiated() {
    require_sshd();
    let sshd = Sshd::start();
    let dir = TempDir::new("modern");
    let inv = dir.join("inv.csv");
    std::fs::write(&inv, format!("host,port\n127.0.0.1,{}\n", sshd.port)).unwrap();
    let json = dir.join("r.json");
    let out = run(netinv()
        .arg("collect")
        .arg("-i")
        .arg(&inv)
        .args([
            "-u",
            user(),
            "--mode",
            "exec",
            "-c",
            "true",
            "--legacy-algorithms",
        ])
        .arg("--key")
        .arg(&sshd.client_key)
        .args(["--host-key-policy", "off", "--json"])
        .arg(&json));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let ssh = &report["devices"][0]["ssh"];
    // Opting in appends legacy names; it never displaces the modern choice.
    assert_eq!(ssh["kex"], "curve25519-sha256", "{ssh}");
    assert_eq!(ssh["host_key"], "ssh-ed25519", "{ssh}");
    assert!(!ssh["cipher"].as_str().unwrap().contains("cbc"), "{ssh}");
}

#[test]
fn a_host_known_only_under_another_key_type_is_a_host_key_failure_and_not_retried() {
    require_sshd();
    let sshd = Sshd::start(); // offers an ed25519 host key only
    let dir = TempDir::new("othertype");
    let rsa = dir.join("rsa_key");
    keygen_type(&rsa, "rsa");
    let rsa_pub = std::fs::read_to_string(rsa.with_extension("pub")).unwrap();
    let mut it = rsa_pub.split_whitespace();
    let (kind, key) = (it.next().unwrap(), it.next().unwrap());
    let known_hosts = dir.join("known_hosts");
    let recorded = format!("[127.0.0.1]:{} {kind} {key}\n", sshd.port);
    let inv = dir.join("inv.csv");
    std::fs::write(
        &inv,
        format!("name,host,port\nr1,127.0.0.1,{}\n", sshd.port),
    )
    .unwrap();
    for policy in ["strict", "accept-new"] {
        std::fs::write(&known_hosts, &recorded).unwrap();
        let json = dir.join("r.json");
        let out = run(netinv()
            .arg("collect")
            .arg("-i")
            .arg(&inv)
            .args(["-u", user(), "-c", "true", "--retries", "2"])
            .args(["--host-key-policy", policy])
            .env("NETINV_PASSWORD", password())
            .arg("--known-hosts")
            .arg(&known_hosts)
            .arg("--json")
            .arg(&json));
        assert_eq!(
            out.status.code(),
            Some(1),
            "{policy}: {}",
            text(&out.stderr)
        );
        let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        let rec = &report["devices"][0];
        assert_eq!(
            rec["error"]["kind"], "host_key",
            "{policy}: {}",
            rec["error"]
        );
        assert_eq!(
            rec["attempts"], 1,
            "{policy}: a host-key failure is never retried"
        );
        let msg = rec["error"]["message"].as_str().unwrap();
        assert!(
            msg.contains("ssh-ed25519"),
            "{policy}: names the offered type: {msg}"
        );
        assert_eq!(
            std::fs::read_to_string(&known_hosts).unwrap(),
            recorded,
            "{policy}: nothing recorded"
        );
    }
}
