"""The usual Python way, for comparison: Netmiko on a ThreadPoolExecutor.

    netmiko_tpe.py INVENTORY.csv WORKERS

Reads a `netinv sim --write-inventory` CSV (name, host, port, platform columns), runs
`show version` on every device with ConnectHandler + send_command, and prints one line per
device: `ok NAME BYTES` or `failed NAME: ERROR`. Username and password come from
NETINV_USERNAME / NETINV_PASSWORD, like netinv's.
"""

import csv
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

from netmiko import ConnectHandler


def collect(row, username, password):
    params = {
        "device_type": row["platform"] or "cisco_ios",
        "host": row["host"],
        "port": int(row["port"]),
        "username": username,
        "password": password,
        "conn_timeout": 30,
        # No key files or agent: password auth only, as netinv is run in the benchmark.
        "use_keys": False,
        "allow_agent": False,
    }
    with ConnectHandler(**params) as conn:
        return conn.send_command("show version")


def main():
    path, workers = sys.argv[1], int(sys.argv[2])
    username = os.environ.get("NETINV_USERNAME", "admin")
    password = os.environ["NETINV_PASSWORD"]
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    started = time.monotonic()
    ok = 0
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(collect, r, username, password): r["name"] for r in rows}
        for fut in as_completed(futures):
            name = futures[fut]
            try:
                out = fut.result()
                ok += 1
                print(f"ok {name} {len(out)}")
            except Exception as e:  # noqa: BLE001 - every failure is reported, none stops the run
                print(f"failed {name}: {type(e).__name__}: {e}")
    elapsed = time.monotonic() - started
    print(f"# {ok}/{len(rows)} ok in {elapsed:.2f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
