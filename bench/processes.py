"""The processes a benchmark runs: ``actions`` commands of a repository tree (this one, or
an older version unpacked elsewhere and run with this virtualenv), started and stopped from
a coroutine, and what /proc says about their CPU time and peak memory.

Every wait is bounded: a command that does not announce itself within ``START_SECONDS``,
or ends before it does, fails the run with the end of its stderr; one that does not stop
within ``STOP_SECONDS`` of SIGTERM is killed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
SETTINGS_FILE = ROOT / "examples" / "perkville" / "settings.json"
START_SECONDS = 60.0
STOP_SECONDS = 60.0
MAX_LOAD = 1.0  # a run waits for the machine's 1-minute load average to fall to this
QUIET_WAIT_SECONDS = 600.0  # the longest wait for the load to fall
_QUIET_POLL_SECONDS = 5.0
_URL = re.compile(r"http://[^\s/]+:\d+")


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_mb(pid: int) -> float:
    """A process's peak resident memory (VmHWM), in MB."""
    found = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return int(found.group(1)) / 1024 if found else float("nan")


def load() -> str:
    """The machine's load averages over 1, 5 and 15 minutes, e.g. ``0.42 0.61 0.70``."""
    return " ".join(f"{figure:.2f}" for figure in os.getloadavg())


async def quiet(max_load: float) -> str:
    """Wait until the 1-minute load average is at most ``max_load`` (0: do not wait), for
    at most ``QUIET_WAIT_SECONDS`` (a run just before counts in it for a minute or two);
    the load averages then, saying so if it stayed higher."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + QUIET_WAIT_SECONDS
    while max_load and os.getloadavg()[0] > max_load:
        if loop.time() >= give_up:
            return f"{load()} (still above {max_load:g} after {QUIET_WAIT_SECONDS:g} s)"
        await asyncio.sleep(_QUIET_POLL_SECONDS)
    return load()


class CommandFailed(RuntimeError):
    """A command ended, or said nothing, before announcing itself (the message ends with
    its stderr's last lines)."""


class Command:
    """A running command: its stdout is read line by line, its stderr goes to ``log``."""

    def __init__(self, process: asyncio.subprocess.Process, log: Path) -> None:
        self.process = process
        self.pid = process.pid
        self._log = log
        self._cpu_at_start = 0.0

    async def url_after(self, marker: str) -> str:
        """Read stdout until a line containing ``marker``; the first URL printed so far
        (empty if none). From then on, :meth:`cpu_seconds` counts from zero (start-up left
        out)."""
        assert self.process.stdout is not None
        lines: list[str] = []
        try:
            async with asyncio.timeout(START_SECONDS):
                while not lines or marker not in lines[-1]:
                    lines.append((await self.process.stdout.readline()).decode())
                    if not lines[-1]:
                        raise CommandFailed(f"the command ended before {marker!r}{self._tail()}")
        except TimeoutError:
            raise CommandFailed(f"no {marker!r} within {START_SECONDS:g} s{self._tail()}") from None
        self._cpu_at_start = cpu_seconds(self.pid)
        found = _URL.search("".join(lines))
        return found.group(0) if found else ""

    def _tail(self) -> str:
        """The end of the command's stderr, after a colon and a line break."""
        return ":\n" + self._log.read_text(errors="replace")[-2_000:]

    def cpu_seconds(self) -> float:
        """CPU seconds since :meth:`url_after` returned."""
        return cpu_seconds(self.pid) - self._cpu_at_start

    def peak_mb(self) -> float:
        """Peak resident memory so far, in MB."""
        return peak_mb(self.pid)

    async def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not ended within ``STOP_SECONDS``."""
        if self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            async with asyncio.timeout(STOP_SECONDS):
                await self.process.wait()
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


@dataclass(frozen=True)
class Tree:
    """A repository tree whose ``actions`` commands run with this virtualenv's Python."""

    root: Path = ROOT

    async def start(self, stack: contextlib.AsyncExitStack, log: Path, *argv: str) -> Command:
        """``actions ARGV`` in this tree, stderr to ``log``, stopped when ``stack`` closes."""
        with log.open("wb") as stderr:  # the command's copy stays open
            process = await self._actions(*argv, stderr=stderr)
        command = Command(process, log)
        stack.push_async_callback(command.stop)
        return command

    async def delivery_key(self) -> str:
        """What this tree's configuration calls deliveries in flight per process:
        ``concurrency`` (the asyncio runtime) or ``workers`` (the thread-per-request one,
        whose ``actions worker`` has ``--workers``)."""
        process = await self._actions("worker", "--help", stderr=asyncio.subprocess.DEVNULL)
        async with asyncio.timeout(START_SECONDS):
            text, _ = await process.communicate()
        return "concurrency" if b"--concurrency" in text else "workers"

    async def _actions(self, *argv: str, stderr: IO[bytes] | int) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            cli_module(self.root),
            *argv,
            cwd=self.root,
            env={**os.environ, "PYTHONPATH": str(self.root)},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
        )


async def start_sandbox(
    stack: contextlib.AsyncExitStack, folder: Path, latency: str
) -> tuple[Command, str]:
    """``actions sandbox perkville`` of this tree (with ``--latency`` unless ``latency`` is
    empty; its request log in ``folder``), stopped when ``stack`` closes; it and its URL."""
    argv = ["sandbox", "perkville", "--settings", str(SETTINGS_FILE), "--port", "0"]
    argv += ["--latency", latency] if latency else []
    sandbox = await Tree().start(stack, folder / "sandbox.log", *argv)
    return sandbox, await sandbox.url_after("balances:")


def add_options(parser: argparse.ArgumentParser) -> None:
    """``--runtime-root`` (the tree whose ``actions`` runs) and ``--max-load`` (see
    :func:`quiet`)."""
    parser.add_argument(
        "--runtime-root",
        type=_tree,
        default=ROOT,
        help="the repository whose `actions serve` and `actions worker` run (this one)",
    )
    parser.add_argument(
        "--max-load",
        type=float,
        default=MAX_LOAD,
        help="before each run, wait (up to 10 minutes) for the 1-minute load average to fall "
        f"to this ({MAX_LOAD:g}; 0: do not wait)",
    )


CLI_MODULES = ("framework.tooling.cli", "framework.cli")  # this layout, then the flat one


def cli_module(root: Path) -> str:
    """The module of ``root``'s command line, in this layout or an older commit's."""
    for module in CLI_MODULES:
        if root.joinpath(*module.split(".")).is_dir():
            return module
    raise argparse.ArgumentTypeError(f"{str(root)!r} is not a copy of the repository")


def _tree(text: str) -> Path:
    """``--runtime-root``: a folder holding the framework's command line."""
    root = Path(text).resolve()
    cli_module(root)
    return root
