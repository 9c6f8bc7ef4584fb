#!/usr/bin/env python3
"""A tiny IOS-like CLI for shell-mode tests (stdlib only).

Run it as an OpenSSH ForceCommand (or on any PTY or pipe). It prints a banner made of '#',
a user prompt `R1>`, and understands: enable (Password: -> R1#), disable, terminal length 0,
terminal width N, show version (40 lines, paged with ' --More-- ' until terminal length 0),
show clock, exit. Anything else gets the IOS invalid-input error.

On a TTY the line discipline echoes input and turns LF into CRLF; the password and pager
keys are read with echo off. On pipes it reads lines itself and writes CRLF like a device.

Options: --hostname NAME (R1), --secret S (enable secret, default "cisco"),
         --page-lines N (24), --ignore-terminal-length (keep paging: a pager that cannot be
         turned off), --prompt P (the user-mode prompt as shown, instead of NAME>),
         --login USER:PASSWORD (ask Username:/Password: inside the session first),
         --ack (wait for 'a' at "(Press 'a' to accept):"; Enter is passed over, any other key
         closes), --expired (ask "Change now? [Y/N]:"
         and stop if the answer is not N), --deny (print "% Authorization failed." and close),
         --cr-only (Enter is CR only, as on some device CLIs: LF is not a line end).
"""

import argparse
import os
import sys

try:
    import termios
    import tty
except ImportError:  # not on POSIX: pipes only
    termios = None
    tty = None

IN = 0
OUT = 1
IS_TTY = termios is not None and os.isatty(IN)
ERASE = "\b" * 10 + " " * 10 + "\b" * 10


def version_text(hostname):
    lines = [
        "Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E4, RELEASE SOFTWARE (fc2)",
        "Technical Support: http://www.cisco.com/techsupport",
        "Copyright (c) 1986-2021 by Cisco Systems, Inc.",
        "Compiled Tue 20-Apr-21 11:46 by prod_rel_team",
        "",
        "ROM: Bootstrap program is C2960X boot loader",
        "BOOTLDR: C2960X Boot Loader (C2960X-HBOOT-M) Version 15.2(7r)E, RELEASE SOFTWARE (fc1)",
        "",
        f"{hostname} uptime is 1 year, 2 weeks, 3 days, 4 hours, 5 minutes",
        "System returned to ROM by power-on",
        'System image file is "flash:c2960x-universalk9-mz.152-7.E4.bin"',
        "Last reload reason: power-on",
        "",
        "cisco WS-C2960X-48FPD-L (APM86XXX) processor (revision B0) with 524288K bytes of memory.",
        "Processor board ID FOC1234X0AB",
        "Last reset from power-on",
        "2 Virtual Ethernet interfaces",
        "1 FastEthernet interface",
        "52 Gigabit Ethernet interfaces",
        "The password-recovery mechanism is enabled.",
        "",
        "512K bytes of flash-simulated non-volatile configuration memory.",
        "Base ethernet MAC Address       : 00:11:22:33:44:55",
        "Motherboard assembly number     : 73-15799-07",
        "Power supply part number        : 341-0528-02",
        "Motherboard serial number       : FOC12345678",
        "Power supply serial number      : LIT12345678",
        "Model revision number           : B0",
        "Motherboard revision number     : A0",
        "Model number                    : WS-C2960X-48FPD-L",
        "System serial number            : FOC1234X0AB",
        "Top Assembly Part Number        : 68-100235-01",
        "Top Assembly Revision Number    : B0",
        "Version ID                      : V07",
        "",
        "Switch Ports Model                     SW Version            SW Image",
        "------ ----- -----                     ----------            ----------",
        "*    1 54    WS-C2960X-48FPD-L         15.2(7)E4             C2960X-UNIVERSALK9-M",
        "",
        "Configuration register is 0xF",
    ]
    return lines


CR_ONLY = False


def write(text):
    if not IS_TTY or CR_ONLY:
        text = text.replace("\n", "\r\n")
    data = text.encode()
    while data:
        n = os.write(OUT, data)
        data = data[n:]


class Input:
    """Bytes from stdin, read unbuffered so a single pager key is seen at once."""

    def __init__(self):
        self.pending = b""

    def _fill(self):
        chunk = os.read(IN, 1024)
        if not chunk:
            raise EOFError
        self.pending += chunk

    def line(self):
        while True:
            for sep in (b"\r",) if CR_ONLY else (b"\n", b"\r"):
                i = self.pending.find(sep)
                if i >= 0:
                    line, self.pending = self.pending[:i], self.pending[i + 1 :]
                    if sep == b"\r" and self.pending.startswith(b"\n") and not CR_ONLY:
                        self.pending = self.pending[1:]
                    if CR_ONLY:
                        write("\n")
                    return line.decode(errors="replace")
            self._fill()

    def key(self):
        if not self.pending:
            self._fill()
        k, self.pending = self.pending[:1], self.pending[1:]
        return k


class Mode:
    """Temporarily change the TTY: echo off (password) or single keys (pager)."""

    def __init__(self, keys):
        self.keys = keys
        self.saved = None

    def __enter__(self):
        if IS_TTY:
            self.saved = termios.tcgetattr(IN)
            new = termios.tcgetattr(IN)
            new[3] &= ~termios.ECHO
            if self.keys:
                new[3] &= ~termios.ICANON
                new[6][termios.VMIN] = 1
                new[6][termios.VTIME] = 0
            termios.tcsetattr(IN, termios.TCSANOW, new)
        return self

    def __exit__(self, *exc):
        if self.saved is not None:
            termios.tcsetattr(IN, termios.TCSANOW, self.saved)


def page(inp, lines, page_lines):
    """Print lines, stopping every page for a key: space = next page, Enter = one line, q = quit."""
    shown = 0
    budget = page_lines
    while shown < len(lines):
        write(lines[shown] + "\n")
        shown += 1
        budget -= 1
        if budget == 0 and shown < len(lines):
            write(" --More-- ")
            with Mode(keys=True):
                k = inp.key()
            write(ERASE)
            if k in (b"q", b"Q", b"\x03"):
                return
            budget = 1 if k in (b"\r", b"\n") else page_lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hostname", default="R1")
    ap.add_argument("--secret", default="cisco")
    ap.add_argument("--page-lines", type=int, default=24)
    ap.add_argument("--ignore-terminal-length", action="store_true")
    ap.add_argument("--prompt")
    ap.add_argument("--login")
    ap.add_argument("--ack", action="store_true")
    ap.add_argument("--expired", action="store_true")
    ap.add_argument("--deny", action="store_true")
    ap.add_argument("--cr-only", action="store_true")
    args = ap.parse_args()

    global CR_ONLY
    CR_ONLY = args.cr_only
    if CR_ONLY and IS_TTY:
        # Raw-ish input: CR stays CR (no ICRNL), characters come one by one and are echoed here.
        mode = termios.tcgetattr(IN)
        mode[0] &= ~termios.ICRNL
        mode[3] &= ~(termios.ICANON | termios.ECHOCTL)
        mode[6][termios.VMIN] = 1
        mode[6][termios.VTIME] = 0
        termios.tcsetattr(IN, termios.TCSANOW, mode)

    inp = Input()
    if args.deny:
        write("% Authorization failed.\n")
        return 0
    if args.login:
        user, password = args.login.split(":", 1)
        for _ in range(3):
            write("\nUser Access Verification\n\nUsername: ")
            given_user = inp.line().strip()
            write("Password: ")
            with Mode(keys=False):
                given = inp.line()
            write("\n")
            if given_user == user and given == password:
                break
            write("% Login invalid\n")
        else:
            write("% Bad passwords\n")
            return 1
    if args.ack:
        write("WARNING: authorised use only. All activity is logged.\n(Press 'a' to accept):")
        with Mode(keys=True):
            while True:
                k = inp.key()
                # Enter is no answer, so it is passed over: a client may press it to wake a
                # device that is slow to speak, before the question is even on the screen.
                if k in (b"\r", b"\n"):
                    continue
                if k not in (b"a", b"A"):
                    return 1
                break
        write("\n")
    if args.expired:
        write("Your password has expired.\nThe password needs to be changed. Change now? [Y/N]:")
        answer = inp.line().strip()
        if answer not in ("N", "n"):
            write("New password: ")
            return 3
    prompt_user = args.prompt
    privileged = False
    paging = True
    write("\n" + "#" * 60 + "\n")
    write("#" + " Authorised access only. Disconnect now otherwise.".ljust(58) + "#\n")
    write("#" * 60 + "\n\n")
    while True:
        if prompt_user and not privileged:
            write(prompt_user)
        else:
            write(args.hostname + ("#" if privileged else ">"))
        try:
            line = inp.line().strip()
        except EOFError:
            return 0
        if not line:
            continue
        words = line.split()
        if line == "exit" or line == "logout":
            return 0
        elif line == "enable":
            if privileged:
                continue
            for _ in range(3):
                write("Password: ")
                with Mode(keys=False):
                    given = inp.line()
                write("\n")
                if given == args.secret:
                    privileged = True
                    break
            else:
                write("% Bad secrets\n\n")
        elif line == "disable":
            privileged = False
        elif words[:2] == ["terminal", "length"] and len(words) == 3 and words[2].isdigit():
            paging = words[2] != "0" or args.ignore_terminal_length
        elif words[:2] == ["terminal", "width"] and len(words) == 3 and words[2].isdigit():
            pass
        elif line in ("show version", "sh ver", "show ver"):
            text = version_text(args.hostname)
            if paging:
                page(inp, text, args.page_lines)
            else:
                write("\n".join(text) + "\n")
        elif line == "show clock":
            write("*10:00:00.000 UTC Thu Jan 4 2024\n")
        else:
            write(" " * (len(args.hostname) + 1) + "^\n")
            write("% Invalid input detected at '^' marker.\n\n")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (BrokenPipeError, KeyboardInterrupt):
        sys.exit(0)
