"""A private ``redis-server`` on loopback, for tests, benchmarks and trying the Redis queue
on one machine: a free port, a data directory of its own, AOF on with ``appendfsync
always`` by default (what docs/redis.md recommends for the queue), no RDB snapshots.

::

    with LocalRedis(tmp_path) as server:
        queue = open_queue(server.url(db=0))
        ...
        server.kill()      # SIGKILL: what survives is what the AOF holds
        server.start()     # the same port and data
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from itertools import chain
from pathlib import Path
from typing import Self

from framework.core.errors import ActionsError

START_SECONDS = 20.0  # how long a start may take before it is an error


class RedisServerError(ActionsError):
    """``redis-server`` is not installed, or did not start."""

    code = "REDIS_SERVER_ERROR"


class LocalRedis:
    """One ``redis-server`` process on 127.0.0.1 with its data in ``folder``."""

    def __init__(
        self, folder: Path, *, binary: str = "redis-server", appendfsync: str = "always"
    ) -> None:
        found = shutil.which(binary)
        if found is None:
            raise RedisServerError(
                f"{binary} is not installed (make test installs it: "
                "sh scripts/install-package.sh redis-server /usr/bin/redis-server)"
            )
        self._binary = found
        self.folder = folder
        self.port = _free_port()
        self.appendfsync = appendfsync
        self._process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        """The ``redis://`` URL of database ``db``."""
        return f"redis://127.0.0.1:{self.port}/{db}"

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs."""
        return None if self._process is None else self._process.pid

    def start(self) -> None:
        """Start the server (again: same port, same data) and wait until it answers."""
        self.folder.mkdir(parents=True, exist_ok=True)
        options = {
            "port": str(self.port),
            "bind": "127.0.0.1",
            "dir": str(self.folder),
            "appendonly": "yes",
            "appendfsync": self.appendfsync,
            "save": "",  # no RDB snapshots: the AOF is the one copy
            "logfile": "redis.log",
        }
        argv = [self._binary, *chain.from_iterable((f"--{k}", v) for k, v in options.items())]
        self._process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_SECONDS
        while not self._answers():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                log = self.folder / "redis.log"
                tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise RedisServerError(f"redis-server did not start on {self.port}:\n{tail}")
            time.sleep(0.02)

    def kill(self) -> None:
        """Kill the server at once (SIGKILL): no shutdown, no final save."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    def stop(self) -> None:
        """Stop the server (SIGTERM: Redis flushes the AOF and exits)."""
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=START_SECONDS)
            except subprocess.TimeoutExpired:
                self.kill()
            self._process = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1.0) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(64).startswith(b"+PONG")
        except OSError:
            return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
