#!/usr/bin/env python3
"""Collect one command per device with Netmiko, as a user of Netmiko would, for comparison.

Reads a JSON list of {"name", "port", "device_type", "command", "enable"} on stdin, logs in to
127.0.0.1 with the username and password from NETINV_TEST_USER / NETINV_TEST_PASSWORD, and
prints a JSON object {name: output} (or {name: {"error": text}}) on stdout.
"""

import json
import os
import sys

import netmiko


def main():
    devices = json.load(sys.stdin)
    results = {}
    for d in devices:
        try:
            conn = netmiko.ConnectHandler(
                device_type=d["device_type"],
                host="127.0.0.1",
                port=d["port"],
                username=os.environ["NETINV_TEST_USER"],
                password=os.environ["NETINV_TEST_PASSWORD"],
                fast_cli=False,
            )
            try:
                if d.get("enable"):
                    conn.enable()
                results[d["name"]] = conn.send_command(d["command"])
            finally:
                conn.disconnect()
        except Exception as e:  # reported, not raised: the test names the device
            results[d["name"]] = {"error": f"{type(e).__name__}: {e}"}
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
