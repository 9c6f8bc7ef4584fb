"""Run a command on a new pseudo-terminal, the way an operator runs it at a shell, and answer
its password prompt.

    on_tty.py PROMPT COMMAND [ARGS...]

Waits (up to 20 s) for PROMPT in what the command writes to the terminal and for the command to
turn the terminal's echo off, then types the value of $ON_TTY_ANSWER and Enter. Everything the
terminal showed goes to stdout; the exit code is the command's own (or 124 when the prompt or
the echo change never came).

A program writes its prompt before it turns echo off, so typing as soon as the prompt shows
would race it. On Linux, tcgetattr() on the master side reports the terminal's (the slave's)
flags, so the answer is typed only once ECHO is really cleared.
"""

import os
import pty
import select
import sys
import termios
import time


def echo_is_off(fd):
    lflag = termios.tcgetattr(fd)[3]
    return not lflag & termios.ECHO


def main():
    prompt = sys.argv[1].encode()
    answer = os.environ["ON_TTY_ANSWER"].encode()
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(sys.argv[2], sys.argv[2:])
    shown = b""
    answered = False
    gave_up = False
    deadline = time.monotonic() + 20
    while True:
        if not answered:
            if prompt in shown and echo_is_off(fd):
                os.write(fd, answer + b"\n")
                answered = True
                continue
            if time.monotonic() > deadline:
                os.kill(pid, 9)
                gave_up = True
                break
            # The echo flag changes without any output: look again at least every 10 ms.
            ready, _, _ = select.select([fd], [], [], 0.01)
            if not ready:
                continue
        try:
            data = os.read(fd, 4096)
        except OSError:  # EIO: the command closed the terminal
            break
        if not data:
            break
        shown += data
    _, status = os.waitpid(pid, 0)
    sys.stdout.buffer.write(shown)
    if gave_up:
        sys.stdout.buffer.write(b"\n[on_tty.py: no prompt with echo off within 20 s]\n")
        sys.exit(124)
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
