"""Run a command and start it again whenever it stops on its own: `python -m elettro.keep_running celery ...`.

A Celery worker or beat that loses Redis (a restart, a failover) may stop with "Unrecoverable error" instead of
reconnecting (a kombu fault on restoring unacknowledged messages). Production runs them under a supervisor that
restarts them (docker-compose's `restart: unless-stopped`, systemd's `Restart=always`); `make run` and the
Procfile run them through this, so one Redis restart does not end the whole product.

SIGINT and SIGTERM are passed to the command, and end this loop too. A command that keeps failing is started
again after a growing pause (1 s, doubling to 30 s), and the pause starts over once it has run for a minute.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

FIRST_PAUSE, LONGEST_PAUSE, HEALTHY_AFTER = 1.0, 30.0, 60.0


def main(command: list[str]) -> int:
    if not command:
        print("usage: python -m elettro.keep_running COMMAND [ARG...]", file=sys.stderr)
        return 2
    stopping = False
    child: subprocess.Popen | None = None

    def stop(signum, _frame) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    pause = FIRST_PAUSE
    while True:
        started = time.monotonic()
        child = subprocess.Popen(command)  # noqa: S603 - the operator's own command line (Procfile)
        code = child.wait()
        if code < 0:
            code = 128 - code  # killed by a signal: the shell's convention (143 for SIGTERM)
        if stopping:
            return code
        if time.monotonic() - started > HEALTHY_AFTER:
            pause = FIRST_PAUSE
        print(f"keep_running: {command[0]} stopped (exit {code}); starting it again in {pause:g}s",
              file=sys.stderr, flush=True)  # fmt: skip
        time.sleep(pause)
        if stopping:
            return code
        pause = min(pause * 2, LONGEST_PAUSE)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
