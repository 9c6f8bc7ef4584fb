"""Run a command on a new pseudo-terminal, the way an operator runs it at a shell, and answer
its password prompt.

    on_tty.py PROMPT COMMAND [ARGS...]

Waits (up to 20 s) for PROMPT in what the command writes to the terminal, then types the value
of $ON_TTY_ANSWER and Enter. Everything the terminal showed goes to stdout; the exit code is
the command's own.
"""

import os
import pty
import sys
import time


def main():
    prompt = sys.argv[1].encode()
    answer = os.environ["ON_TTY_ANSWER"].encode()
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(sys.argv[2], sys.argv[2:])
    shown = b""
    answered = False
    deadline = time.monotonic() + 20
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError:  # EIO: the command closed the terminal
            break
        if not data:
            break
        shown += data
        if not answered and prompt in shown:
            os.write(fd, answer + b"\n")
            answered = True
        if not answered and time.monotonic() > deadline:
            os.kill(pid, 9)
            break
    _, status = os.waitpid(pid, 0)
    sys.stdout.buffer.write(shown)
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
