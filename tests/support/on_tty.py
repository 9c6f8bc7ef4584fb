"""Run a command on a new pseudo-terminal of a given width, the way an operator runs it at a
shell, and type keys once the terminal shows what is expected.

    on_tty.py COLUMNS COMMAND [ARGS...]

$TTY_STEPS is a JSON list of [regex, keys] or [regex, keys, "echo-off"]: for each step in turn,
wait until the regex matches what the terminal showed since the previous step (and, with
"echo-off", until the command has turned the terminal's echo off), then type the keys. After the
last step, read until the command closes the terminal. Everything the terminal showed goes to
stdout; the exit code is the command's own, or 124 when a step did not come within 60 s (the
command is then killed).

A program writes its password prompt before it turns echo off, so typing as soon as the prompt
shows would race it. On Linux, tcgetattr() on the master side reports the terminal's (the
slave's) flags, so with "echo-off" the keys are typed only once ECHO is really cleared.
"""

import fcntl
import json
import os
import pty
import re
import select
import struct
import sys
import termios
import time


def echo_is_off(fd):
    lflag = termios.tcgetattr(fd)[3]
    return not lflag & termios.ECHO


def main():
    columns = int(sys.argv[1])
    steps = [
        (re.compile(s[0].encode()), s[1].encode(), s[2:] == ["echo-off"])
        for s in json.loads(os.environ["TTY_STEPS"])
    ]
    pid, fd = pty.fork()
    if pid == 0:
        # The size is set before the command starts, so its first look at the width sees it.
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
        os.execv(sys.argv[2], sys.argv[2:])
    shown = b""
    since = 0
    gave_up = None
    deadline = time.monotonic() + 60
    while True:
        if steps:
            regex, keys, echo_off = steps[0]
            if regex.search(shown, since) and (not echo_off or echo_is_off(fd)):
                os.write(fd, keys)
                steps.pop(0)
                since = len(shown)
                continue
            if time.monotonic() > deadline:
                gave_up = regex.pattern
                os.kill(pid, 9)
                break
            # The echo flag changes without any output: look again at least every 10 ms.
            ready, _, _ = select.select([fd], [], [], 0.01)
            if not ready:
                continue
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the command closed the terminal
            break
        if not data:
            break
        shown += data
    _, status = os.waitpid(pid, 0)
    sys.stdout.buffer.write(shown)
    if gave_up is not None:
        sys.stdout.buffer.write(b"\n[on_tty.py: never showed %r within 60 s]\n" % gave_up)
        sys.exit(124)
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
