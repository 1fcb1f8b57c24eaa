"""`--workers N`: N forked processes accepting on one listening socket, under one supervisor.

The supervisor binds the socket, forks the workers (each then builds its own app, event loop and
upstream connections) and waits. A signal to the supervisor is passed on: the first as
DRAIN_SIGNAL, which starts every worker's graceful drain and may arrive more than once (a worker
in the same process group, or the same cgroup under systemd, also gets the signal itself), a
second as STOP_SIGNAL. The supervisor exits 0 once every worker has exited 0. A worker that dies
while serving (or is stopped on its own) is replaced; one that fails within BOOT_SECONDS of
starting stops them all, since its replacement would fail the same way.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from types import FrameType

from arize_mcp.service.connections import BACKLOG

log = logging.getLogger(__name__)

DRAIN_SIGNAL = signal.SIGUSR1
STOP_SIGNAL = signal.SIGUSR2
BOOT_SECONDS = 5.0
_SHUTDOWN_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def listening_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on `host`:`port`, to be shared by every worker."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host.strip("[]"), port))
    except OSError:
        listener.close()
        raise
    listener.listen(BACKLOG)
    return listener


class Supervisor:
    """Runs `work` in `count` forked processes (see the module docstring); `run` returns the exit code."""

    def __init__(self, count: int, work: Callable[[], None]) -> None:
        self._count = count
        self._work = work
        self._workers: dict[int, float] = {}  # pid: when it was started
        self._signals = 0
        self._stopping = False
        self._failed = False

    def run(self) -> int:
        previous = {sig: signal.signal(sig, self._on_signal) for sig in _SHUTDOWN_SIGNALS}
        try:
            for _ in range(self._count):
                self._start_worker()
            while self._workers:
                pid, status = os.wait()  # resumed after each signal handler (PEP 475)
                self._reap(pid, os.waitstatus_to_exitcode(status))
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 1 if self._failed else 0

    def _reap(self, pid: int, code: int) -> None:
        started = self._workers.pop(pid, None)
        if started is None:
            return
        if self._stopping:
            if code != 0:
                log.warning("worker %d exited with code %d while shutting down", pid, code)
                self._failed = True
            return
        if code != 0 and time.monotonic() - started < BOOT_SECONDS:
            log.error("worker %d exited with code %d while starting: stopping all workers", pid, code)
            self._failed = self._stopping = True
            self._pass_on(STOP_SIGNAL)
            return
        log.error("worker %d exited with code %d: starting another", pid, code)
        self._start_worker()

    def _on_signal(self, sig: int, frame: FrameType | None) -> None:
        self._signals += 1
        self._stopping = True
        if self._signals == 1:
            log.info("shutting down: every worker drains")
        self._pass_on(DRAIN_SIGNAL if self._signals == 1 else STOP_SIGNAL)

    def _pass_on(self, sig: int) -> None:
        for pid in list(self._workers):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass  # exited; reaped by the wait loop

    def _start_worker(self) -> None:
        # Signals stay blocked across the fork, so none reaches the child before it has let go
        # of the supervisor's handlers.
        blocked = set(_SHUTDOWN_SIGNALS) | {DRAIN_SIGNAL, STOP_SIGNAL}
        signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
        try:
            pid = os.fork()
            if pid == 0:
                for sig in blocked:
                    signal.signal(sig, _leave_before_serving)
                signal.pthread_sigmask(signal.SIG_UNBLOCK, blocked)
                os._exit(self._serve_as_worker())
            self._workers[pid] = time.monotonic()
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, blocked)

    def _serve_as_worker(self) -> int:
        log.info("worker %d starting", os.getpid())
        try:
            self._work()
            return 0
        except SystemExit as exc:  # uvicorn's way of saying the app failed to start
            return exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            log.exception("worker %d failed", os.getpid())
            return 1
        finally:
            sys.stderr.flush()


def _leave_before_serving(sig: int, frame: FrameType | None) -> None:
    """A worker told to stop before it serves has nothing to drain (the server replaces this handler)."""
    os._exit(0)
