#!/usr/bin/env python3
"""Netmiko 4.x against `netinv sim`: can a real-world automation library tell it from a device?

Usage: netmiko_interop.py PATH_TO_NETINV
  PATH_TO_NETINV  the built `netinv` binary (run as `netinv sim ...`).
Starts the simulator on a free port range, logs in with netmiko.ConnectHandler for each
platform below, runs `show version` and checks the expected hostname and version; stops the
simulator (SIGTERM, wait). Exit 0 on success, 1 with a message per failure.
"""
import csv
import os
import shutil
import signal
import subprocess
import sys
import tempfile

PLATFORMS = ["cisco_ios", "cisco_nxos", "cisco_xr", "arista_eos", "juniper_junos", "dell_os10"]
PASSWORD = "interop-pass"


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        from netmiko import ConnectHandler
    except ImportError:
        print("netmiko is not installed (python3 -m venv /tmp/nm && /tmp/nm/bin/pip install netmiko)", file=sys.stderr)
        return 2
    binary = sys.argv[1]
    cmd = [binary, "sim"]
    tmp = tempfile.mkdtemp(prefix="netinv-interop-")
    inventory = os.path.join(tmp, "inventory.csv")
    env = dict(os.environ, NETINV_PASSWORD=PASSWORD)
    proc = subprocess.Popen(
        cmd + ["--devices", str(len(PLATFORMS)), "--platforms", ",".join(PLATFORMS),
               "--write-inventory", inventory, "--seed", "7"],
        stdout=subprocess.PIPE, env=env, text=True)
    failures = []
    try:
        ready = proc.stdout.readline().strip()
        if not ready.startswith("ready "):
            print(f"simulator did not report ready: {ready!r}", file=sys.stderr)
            return 1
        print(ready)
        with open(inventory, newline="") as f:
            rows = list(csv.DictReader(f))
        for row in rows:
            platform = row["platform"]
            try:
                conn = ConnectHandler(device_type=platform, host=row["host"], port=int(row["port"]),
                                      username="admin", password=PASSWORD, timeout=20,
                                      conn_timeout=10, fast_cli=False)
                try:
                    output = conn.send_command("show version", read_timeout=20)
                    base_prompt = conn.base_prompt
                finally:
                    conn.disconnect()
            except Exception as e:  # any failure of the library is a finding
                failures.append(f"{platform}: {type(e).__name__}: {e}")
                continue
            problems = []
            if row["expect_version"] not in output:
                problems.append(f"version {row['expect_version']!r} missing")
            if row["expect_hostname"] and row["expect_hostname"] not in output:
                problems.append(f"hostname {row['expect_hostname']!r} missing")
            # Where the output has no hostname (EOS, XR, OS10) the prompt must carry it.
            # (Netmiko keeps XR's `RP/0/RSP0/CPU0:` and Junos' `user@` in its base prompt.)
            if not base_prompt.endswith(row["name"]):
                problems.append(f"base prompt {base_prompt!r} does not end in the hostname {row['name']!r}")
            if "--More--" in output or "--more--" in output or "---(more" in output:
                problems.append("a pager prompt leaked into the output")
            if problems:
                failures.append(f"{platform}: " + "; ".join(problems) + f"\n--- output ---\n{output}\n---")
            else:
                print(f"ok  {platform:<14} {row['name']} version {row['expect_version']}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            failures.append("the simulator did not stop within 10 s of SIGTERM")
        else:
            if code != 0:
                failures.append(f"the simulator exited with status {code} after SIGTERM")
    for f in failures:
        print(f"FAIL {f}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
