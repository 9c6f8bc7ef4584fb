//! ssh_config's `ProxyCommand` against real OpenSSH sshd servers: the command's stdin and stdout
//! carry the SSH connection; one that fails or hangs is reported as such, on time, and is gone
//! afterwards.

mod support;

use std::path::Path;
use std::time::Duration;
use support::*;

/// `netinv collect` with `ssh_config` as the user's ssh_config, the test user's password, and
/// `args`.
fn collect_via(dir: &TempDir, ssh_config: &str, inventory: &str, args: &[&str]) -> Collected {
    let config = dir.join("ssh_config");
    std::fs::write(&config, ssh_config).unwrap();
    let common = [
        "--ssh-config",
        config.to_str().unwrap(),
        "--mode",
        "exec",
        "-c",
        "echo through-$((6*7))",
        "--host-key-policy",
        "off",
        "--retries",
        "0",
    ];
    collect(
        dir,
        inventory,
        &[&common[..], args].concat(),
        &[("NETINV_PASSWORD", password())],
    )
}

/// The first device as "ok" or "kind: message".
fn outcome(run: &Collected) -> String {
    let d = &run.devices()[0];
    match d["status"].as_str() {
        Some("ok") => "ok".into(),
        _ => format!(
            "{}: {}",
            d["error"]["kind"].as_str().unwrap_or("?"),
            d["error"]["message"].as_str().unwrap_or("?")
        ),
    }
}

fn host_block(name: &str, port: u16, proxy: &str) -> String {
    format!(
        "Host {name}\n  HostName 127.0.0.1\n  Port {port}\n  User {}\n  ProxyCommand {proxy}\n",
        user()
    )
}

#[test]
fn a_device_is_reached_through_its_proxycommand_with_the_tokens_expanded() {
    require_sshd();
    let sshd = Sshd::start();
    let dir = TempDir::new("proxycmd");
    let tokens = dir.join("tokens");
    // The command records what it was given, then becomes the transport.
    let proxy = format!(
        "sh -c 'echo \"%r@%h:%p %n 100%%\" > {}; exec socat - TCP:%h:%p'",
        tokens.display()
    );
    let run = collect_via(
        &dir,
        &host_block("dev", sshd.port, &proxy),
        "name,host\ncore-1,dev\n",
        &[],
    );
    assert_eq!(run.code, 0, "{} {}", outcome(&run), run.stderr);
    assert_eq!(
        run.devices()[0]["output"].as_str().map(str::trim),
        Some("through-42")
    );
    assert_eq!(
        std::fs::read_to_string(&tokens).unwrap().trim(),
        format!("{}@127.0.0.1:{} dev 100%", user(), sshd.port)
    );
    assert_eq!(run.devices()[0]["port"], sshd.port);
    assert!(
        run.devices()[0]["ssh"]["kex"].is_string(),
        "{}",
        run.devices()[0]
    );
}

#[test]
fn a_proxycommand_reaches_a_device_in_another_network_namespace_over_a_unix_socket() {
    require_sshd();
    let ns = Netns::new();
    let device = Sshd::start_in(&ns, "");
    // Only the namespace's half of a bridge: a Unix socket that leads to the device.
    let bridge = Bridge::new(None, &ns, device.port);
    let dir = TempDir::new("proxyns");
    let config = host_block(
        "hidden-*",
        device.port,
        &format!("socat - UNIX-CONNECT:{}", bridge.sock.display()),
    );
    let run = collect_via(&dir, &config, "host\nhidden-1\n", &[]);
    assert_eq!(run.code, 0, "{} {}", outcome(&run), run.stderr);
    assert_eq!(
        run.devices()[0]["output"].as_str().map(str::trim),
        Some("through-42")
    );

    // Out of reach without it: a row's `jump=none` (or `-J none`) connects directly, as
    // `ssh -J none` does, and so does `ProxyCommand none` written first.
    let direct = collect_via(&dir, &config, "host,jump\nhidden-1,none\n", &[]);
    assert!(
        outcome(&direct).starts_with("connect: "),
        "{}",
        outcome(&direct)
    );
    let none_first = format!("Host hidden-1\n  ProxyCommand none\n{config}");
    let direct = collect_via(&dir, &none_first, "host\nhidden-1\n", &[]);
    assert!(
        outcome(&direct).starts_with("connect: "),
        "{}",
        outcome(&direct)
    );
}

#[test]
fn a_proxycommand_that_fails_or_cannot_start_is_a_connect_failure_that_quotes_it_at_once() {
    require_sshd();
    let sshd = Sshd::start();
    let dir = TempDir::new("proxyfail");
    for (proxy, says) in [
        ("false", "`false` exited with status 1"),
        (
            "/nonexistent/netinv-proxy %h %p",
            "exited with status 127 before the SSH handshake finished; it said: ",
        ),
        // What it wrote to stderr is quoted; netinv's secrets are not in its environment.
        (
            "sh -c 'echo \"refused: [$NETINV_PASSWORD]\" >&2; exit 3'",
            "exited with status 3 before the SSH handshake finished; it said: refused: []",
        ),
    ] {
        let run = collect_via(
            &dir,
            &host_block("dev", sshd.port, proxy),
            "host\ndev\n",
            &["-t", "30s"],
        );
        let got = outcome(&run);
        assert!(
            got.starts_with("connect: ProxyCommand `") && got.contains(says),
            "{proxy}: {got}"
        );
        assert!(!got.contains(password()), "{got}");
        assert!(
            run.took < Duration::from_secs(10),
            "{proxy}: took {:?} with a 30 s deadline",
            run.took
        );
    }
    let run = collect_via(
        &dir,
        &host_block("dev", sshd.port, "/nonexistent/netinv-proxy %h %p"),
        "host\ndev\n",
        &[],
    );
    assert!(outcome(&run).contains("not found"), "{}", outcome(&run));
}

#[test]
fn a_proxycommand_that_hangs_ends_at_the_deadline_and_is_killed() {
    require_sshd();
    let dir = TempDir::new("proxyhang");
    let pid_file = dir.join("pid");
    let proxy = format!("sh -c 'echo $$ > {}; exec sleep 1000'", pid_file.display());
    let run = collect_via(
        &dir,
        &host_block("dev", free_port(), &proxy),
        "host\ndev\n",
        &["-t", "2s"],
    );
    let got = outcome(&run);
    assert!(
        got.starts_with("timeout: ") && got.contains("through ProxyCommand `sh -c"),
        "{got}"
    );
    assert!(
        run.took < Duration::from_secs(12),
        "a 2 s deadline took {:?}",
        run.took
    );
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let proc_dir = format!("/proc/{}", pid.trim());
    assert!(
        !Path::new(&proc_dir).exists(),
        "the ProxyCommand (pid {}) outlived the run",
        pid.trim()
    );
}

#[test]
fn a_proxycommand_netinv_cannot_expand_stops_the_run_before_any_device_is_contacted() {
    let dir = TempDir::new("proxytoken");
    let (config, stderr) = refused_by_ssh_config(
        &dir,
        "Host *\n  ProxyCommand nc %h %p %C\n",
        &["-u", "nobody", "--host-key-policy", "off"],
    );
    assert!(
        stderr.contains(&format!("ssh_config {}", config.display()))
            && stderr.contains("device '127.0.0.1', line 2")
            && stderr.contains("%C"),
        "{stderr}"
    );
}

/// A bastion that only a ProxyCommand reaches (as ssh would reach it for `ProxyJump gw`),
/// and the device behind it reached through the bastion.
#[test]
fn a_bastion_reached_through_its_own_proxycommand_carries_the_device_behind_it() {
    require_sshd();
    let ns = Netns::new();
    let bastion = Sshd::start_in(&ns, "");
    let device = Sshd::start_in(&ns, "");
    let bridge = Bridge::new(None, &ns, bastion.port);
    let dir = TempDir::new("proxygw");
    let config = format!(
        "Host gw\n  HostName 127.0.0.1\n  Port {}\n  User {u}\n  IdentityFile {}\n  \
         ProxyCommand socat - UNIX-CONNECT:{}\n\n\
         Host dev-*\n  HostName 127.0.0.1\n  Port {}\n  User {u}\n  ProxyJump gw\n",
        bastion.port,
        bastion.client_key.display(),
        bridge.sock.display(),
        device.port,
        u = user(),
    );
    let run = collect_via(&dir, &config, "host\ndev-1\n", &[]);
    assert_eq!(run.code, 0, "{} {}", outcome(&run), run.stderr);
    assert_eq!(
        run.devices()[0]["output"].as_str().map(str::trim),
        Some("through-42")
    );
    // The bastion's ProxyCommand failing is the bastion failing.
    let broken = config.replace("ProxyCommand socat", "ProxyCommand /nonexistent/socat");
    let run = collect_via(&dir, &broken, "host\ndev-1\n", &[]);
    let got = outcome(&run);
    assert!(
        got.starts_with("jump: jump host gw failed: connect: ProxyCommand `/nonexistent/socat")
            && got.contains("exited with status 127"),
        "{got}"
    );
}
