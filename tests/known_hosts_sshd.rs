//! known_hosts read as OpenSSH reads it, each case against a real sshd under every policy:
//! `@revoked`, wildcards and negation, `[host]:port`, hashed names, several keys per host,
//! `@cert-authority`, and a file with bytes that are not UTF-8.

mod support;

use serde_json::Value;
use support::*;

/// The three policies and what each case must come to under them.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Want {
    Ok,
    /// Collected, and the server's key appended to known_hosts.
    OkRecorded,
    HostKey(&'static str),
}

struct Case {
    name: &'static str,
    /// known_hosts text; `{port}`, `{key}` (the server's "type base64"), `{other}` (a foreign
    /// key of the same type), `{rsa}` (a foreign RSA key) and `{hashed}` (`[127.0.0.1]:port`
    /// hashed as OpenSSH hashes names) are filled in.
    file: &'static [u8],
    strict: Want,
    accept_new: Want,
}

const CASES: &[Case] = &[
    Case {
        name: "revoked key, also listed as known",
        file: b"[127.0.0.1]:{port} {key}\n@revoked * {key}\n",
        strict: Want::HostKey("REVOKED"),
        accept_new: Want::HostKey("REVOKED"),
    },
    Case {
        name: "revoked key of an unknown host",
        file: b"@revoked [127.0.0.1]:{port} {key}\n",
        strict: Want::HostKey("REVOKED"),
        accept_new: Want::HostKey("REVOKED"),
    },
    Case {
        name: "wildcard pattern with a port",
        file: b"[127.0.0.?]:{port} {key}\n",
        strict: Want::Ok,
        accept_new: Want::Ok,
    },
    Case {
        name: "star pattern",
        file: b"[127.*]:{port} {key}\n",
        strict: Want::Ok,
        accept_new: Want::Ok,
    },
    Case {
        name: "negated pattern excludes the host",
        file: b"[127.0.0.*]:{port},![127.0.0.1]:{port} {key}\n",
        strict: Want::HostKey("unknown host key"),
        accept_new: Want::OkRecorded,
    },
    Case {
        name: "port-less entry does not cover another port",
        file: b"127.0.0.1 {key}\n",
        strict: Want::HostKey("unknown host key"),
        accept_new: Want::OkRecorded,
    },
    Case {
        name: "several keys for the host, the right one second",
        file: b"[127.0.0.1]:{port} {other}\n[127.0.0.1]:{port} {key}\n",
        strict: Want::Ok,
        accept_new: Want::Ok,
    },
    Case {
        name: "only a foreign key of the same type",
        file: b"[127.0.0.1]:{port} {other}\n",
        strict: Want::HostKey("HOST KEY CHANGED"),
        accept_new: Want::HostKey("HOST KEY CHANGED"),
    },
    Case {
        name: "hashed entry, as HashKnownHosts writes it",
        file: b"{hashed} {key}\n",
        strict: Want::Ok,
        accept_new: Want::Ok,
    },
    Case {
        name: "hashed entry of the host with a foreign key",
        file: b"{hashed} {other}\n",
        strict: Want::HostKey("HOST KEY CHANGED"),
        accept_new: Want::HostKey("HOST KEY CHANGED"),
    },
    Case {
        // Known, but only under a type the device no longer offers: a host_key failure that
        // says so (not a protocol error, not retried). Stricter than OpenSSH's accept-new,
        // which would add the new key: a device whose key type changed is exactly the case an
        // audit wants verified by a person.
        name: "only a key of another type",
        file: b"[127.0.0.1]:{port} {rsa}\n",
        strict: Want::HostKey("only of types the device no longer offers"),
        accept_new: Want::HostKey("only of types the device no longer offers"),
    },
    Case {
        name: "cert-authority only",
        file: b"@cert-authority [127.0.0.1]:* {other}\n",
        strict: Want::HostKey("@cert-authority"),
        accept_new: Want::HostKey("@cert-authority"),
    },
    Case {
        name: "bytes that are not UTF-8 elsewhere in the file",
        file: b"legacy-\xff\xfe-router ssh-rsa AAAA\xc3\x28\n# caf\xe9\n[127.0.0.1]:{port} {key} caf\xe9\n",
        strict: Want::Ok,
        accept_new: Want::Ok,
    },
];

/// `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`, OpenSSH's hashed host name.
fn hashed(name: &str) -> String {
    use base64ct::{Base64, Encoding};
    use hmac::{Hmac, KeyInit, Mac};
    let salt: [u8; 20] = *b"netinv-test-salt-20b";
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(&salt).unwrap();
    mac.update(name.as_bytes());
    format!(
        "|1|{}|{}",
        Base64::encode_string(&salt),
        Base64::encode_string(&mac.finalize().into_bytes())
    )
}

fn fill(template: &[u8], port: &str, key: &str, other: &str, rsa: &str) -> Vec<u8> {
    // Byte-wise, so the non-UTF-8 bytes of a case survive.
    let hashed = hashed(&format!("[127.0.0.1]:{port}"));
    let mut out = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        let (name, value): (&[u8], &str) = if rest.starts_with(b"{port}") {
            (b"{port}", port)
        } else if rest.starts_with(b"{key}") {
            (b"{key}", key)
        } else if rest.starts_with(b"{other}") {
            (b"{other}", other)
        } else if rest.starts_with(b"{rsa}") {
            (b"{rsa}", rsa)
        } else if rest.starts_with(b"{hashed}") {
            (b"{hashed}", &hashed)
        } else {
            out.push(rest[0]);
            rest = &rest[1..];
            continue;
        };
        out.extend(value.as_bytes());
        rest = &rest[name.len()..];
    }
    out
}

fn pubkey_fields(path: &std::path::Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let mut it = text.split_whitespace();
    format!("{} {}", it.next().unwrap(), it.next().unwrap())
}

#[test]
fn every_known_hosts_case_under_strict_accept_new_and_off() {
    require_sshd();
    let sshd = Sshd::start();
    let dir = TempDir::new("knownhosts");
    let key = pubkey_fields(&sshd.host_key.with_extension("pub"));
    let other_key = dir.join("other");
    keygen(&other_key);
    let other = pubkey_fields(&other_key.with_extension("pub"));
    let rsa_key = dir.join("rsa");
    keygen_type(&rsa_key, "rsa");
    let rsa = pubkey_fields(&rsa_key.with_extension("pub"));
    let inv = dir.join("inv.csv");
    std::fs::write(
        &inv,
        format!("name,host,port\nr1,127.0.0.1,{}\n", sshd.port),
    )
    .unwrap();
    let known_hosts = dir.join("known_hosts");
    let json = dir.join("r.json");

    let mut failures = Vec::new();
    for case in CASES {
        let file = fill(case.file, &sshd.port.to_string(), &key, &other, &rsa);
        for (policy, want) in [
            ("strict", case.strict),
            ("accept-new", case.accept_new),
            ("off", Want::Ok),
        ] {
            std::fs::write(&known_hosts, &file).unwrap();
            let _ = std::fs::remove_file(&json);
            let out = run(netinv()
                .arg("collect")
                .arg("-i")
                .arg(&inv)
                .args(["-u", user(), "-c", "true", "--mode", "exec"])
                .args(["--host-key-policy", policy, "--retries", "1"])
                .env("NETINV_PASSWORD", password())
                .arg("--known-hosts")
                .arg(&known_hosts)
                .arg("--json")
                .arg(&json));
            let stderr = text(&out.stderr);
            let Ok(report) = std::fs::read_to_string(&json) else {
                failures.push(format!("{} / {policy}: no report: {stderr}", case.name));
                continue;
            };
            let report: Value = serde_json::from_str(&report).unwrap();
            let rec = &report["devices"][0];
            let after = std::fs::read(&known_hosts).unwrap();
            let appended = after.len() > file.len();
            let got = match (rec["status"].as_str(), rec["error"]["kind"].as_str()) {
                (Some("ok"), _) => format!("ok{}", if appended { " recorded" } else { "" }),
                (_, Some(kind)) => format!("{kind}: {}", rec["error"]["message"]),
                _ => format!("{rec}"),
            };
            let good = match want {
                Want::Ok => got == "ok",
                Want::OkRecorded => got == "ok recorded",
                Want::HostKey(words) => {
                    got.starts_with("host_key:")
                        && got.contains(words)
                        && rec["attempts"] == 1
                        && !appended
                }
            };
            if !good {
                failures.push(format!(
                    "{} / {policy}: want {want:?}, got {got} (attempts {})",
                    case.name, rec["attempts"]
                ));
            }
            assert!(
                out.status.code() == Some(0) || out.status.code() == Some(1),
                "{} / {policy}: exit {:?}: {stderr}",
                case.name,
                out.status.code()
            );
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
