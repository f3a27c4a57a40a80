"""Servers in their own processes, for the tests and the bench: the sandbox
(``python -m gelato_sandbox`` on a free port, ready once it prints its listening line) and
any other server (an Odoo server: ready once a URL answers). Their output is drained so they
never block on a full pipe; :meth:`ServerProcess.stop` terminates, then kills. Standard
library only: import it with tools/ on the path (``from gelato_sandbox.launcher import ...``).
"""

import os
import select
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

TOOLS_DIR = Path(__file__).resolve().parents[1]
READY_LINE = "gelato-sandbox listening on "


def free_port():
    """A TCP port free on the loopback interface now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(process, timeout=10):
    """Terminate ``process``, kill it if it has not ended within ``timeout`` seconds; returns
    its exit status."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


class ServerProcess:
    """A server started as ``command`` (``name`` says which in errors); its output (stdout
    and stderr) goes to ``log_path`` (appended) or nowhere; ``log_hint`` is where to look when
    it does not start (default ``log_path``). The caller waits for it to be ready
    (:meth:`wait_for_line`, :meth:`wait_for_url`) and stops it (:meth:`stop`, or use it as a
    context manager)."""

    def __init__(
        self, command, name, log_path=None, env=None, cwd=None, stop_timeout=10, log_hint=None
    ):
        self.name = name
        self.output_path = log_path
        self.log_hint = log_hint or log_path
        self.stop_timeout = stop_timeout
        self._log = open(log_path, "ab") if log_path else None  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=self._log or subprocess.DEVNULL,
        )
        self._drain = None

    def wait_for_line(self, prefix, timeout):
        """The first line of the server's stdout, once it starts with ``prefix`` (then the rest
        of its output is drained); the server is stopped and RuntimeError raised otherwise."""
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        line = self.process.stdout.readline().decode(errors="replace") if ready else ""
        if not line.startswith(prefix):
            self.stop()
            raise RuntimeError("%s did not start: %r%s" % (self.name, line, self._see()))
        self._start_drain()
        return line.strip()

    def wait_for_url(self, url, timeout, poll=0.5):
        """Wait until ``url`` answers 200 (draining the output meanwhile); the server is
        stopped and RuntimeError raised when it ends first or ``timeout`` passes."""
        self._start_drain()
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    "%s stopped at start (exit %s)%s"
                    % (self.name, self.process.returncode, self._see())
                )
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(poll)
        self.stop()
        raise RuntimeError(
            "%s did not answer %s in %s s%s" % (self.name, url, timeout, self._see())
        )

    def stop(self):
        """Terminate the server (kill it after ``stop_timeout`` s); returns its exit status."""
        returncode = stop_process(self.process, self.stop_timeout)
        if self._drain:
            self._drain.join(timeout=5)
        if not (self._drain and self._drain.is_alive()):
            self.process.stdout.close()
        if self._log:
            self._log.close()
        return returncode

    def _start_drain(self):
        if self._drain:
            return

        def drain(stream, sink):
            for chunk in iter(lambda: stream.read1(65536), b""):
                if sink and not sink.closed:
                    sink.write(chunk)
                    sink.flush()

        self._drain = threading.Thread(
            target=drain, args=(self.process.stdout, self._log), daemon=True
        )
        self._drain.start()

    def _see(self):
        return "; see %s" % self.log_hint if self.log_hint else ""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class SandboxProcess(ServerProcess):
    """The Gelato sandbox on a free port, started with the command-line options ``args``
    (``--api-key KEY``, ``--webhook-url URL``, ...); ``url`` is where it listens."""

    def __init__(self, *args, log_path=None, start_timeout=60, python=sys.executable):
        command = [python, "-m", "gelato_sandbox", "--port", "0", *args]
        super().__init__(
            command,
            "The Gelato sandbox",
            log_path=log_path,
            env=dict(os.environ, PYTHONPATH=str(TOOLS_DIR)),
            cwd=TOOLS_DIR,
        )
        line = self.wait_for_line(READY_LINE, start_timeout)
        self.url = line.rsplit(" ", 1)[-1]
