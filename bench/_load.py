"""Helpers shared by the load benchmarks (stdlib and SQLAlchemy only).

- `throwaway_database(url)`: a SQLite file in a temp dir, or a new PostgreSQL
  database created on the server of `url` and dropped afterwards.
- `gunicorn(env)`: the app served by gunicorn on a free local port.
- `login(...)`: a session cookie for a user, through the real login form.
- `drive(...)`: N concurrent keep-alive clients hitting one page for S seconds.
"""

from __future__ import annotations

import contextlib
import http.client
import math
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
USER_AGENT = "portal-bench/1"


# --- databases ----------------------------------------------------------------


@contextlib.contextmanager
def throwaway_database(server_url: str | None, prefix: str) -> Iterator[tuple[str, Path]]:
    """Yield (database URL, temp dir). Without `server_url` the database is a
    SQLite file in the temp dir; with one, a PostgreSQL database named
    `<prefix>_<random>` is created on that server and dropped on the way out.
    Existing databases are never touched."""
    tmp = Path(tempfile.mkdtemp(prefix=f"{prefix}_"))
    try:
        if not server_url:
            yield f"sqlite:///{tmp}/bench.db", tmp
            return
        server = make_url(server_url)
        if not server.get_backend_name().startswith("postgresql"):
            raise SystemExit(f"--database-url must be PostgreSQL, not {server.drivername}")
        name = f"{prefix}_{secrets.token_hex(4)}"
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield server.set(database=name).render_as_string(hide_password=False), tmp
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --- the server ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(env: dict[str, str], workers: int = 2, log: Path | None = None) -> Iterator[int]:
    """Serve `wsgi:app` with gunicorn on a free port (yielded) until the block ends."""
    port = free_port()
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "-w",
        str(workers),
        "--access-logfile",
        "/dev/null",
        "--error-logfile",
        "-",
        "-b",
        f"127.0.0.1:{port}",
        "wsgi:app",
    ]
    output = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    # A deployed start needs both.
    deployed = {
        "PORTAL_URL": "http://127.0.0.1",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
    }
    env = deployed | os.environ | env
    process = subprocess.Popen(  # noqa: S603
        command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {process.returncode}; see {log}")
            try:
                status, _, _ = request(port, "GET", "/login")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("gunicorn did not answer within 30 s")
            time.sleep(0.1)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if log:
            output.close()


# --- HTTP ---------------------------------------------------------------------


def request(
    port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body, {"User-Agent": USER_AGENT} | (headers or {}))
        response = conn.getresponse()
        data = response.read()
        cookies = SimpleCookie()
        for value in response.headers.get_all("Set-Cookie") or []:
            cookies.load(value)
        return response.status, {k: m.value for k, m in cookies.items()}, data
    finally:
        conn.close()


def login(port: int, email: str, password: str) -> str:
    """Log in through the form (CSRF token included); return the Cookie header."""
    status, cookies, body = request(port, "GET", "/login")
    match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body)
    if status != 200 or not match:
        raise SystemExit(f"GET /login answered {status} without a CSRF token")
    form = urlencode({"csrf_token": match[1].decode(), "email": email, "password": password})
    status, more, _ = request(
        port,
        "POST",
        "/login",
        form.encode(),
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        },
    )
    cookies |= more
    if status != 302 or "session" not in more:
        raise SystemExit(f"POST /login answered {status}: log-in failed")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


# --- load ---------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile of `values` (sorted or not); 0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    statuses: dict[int, int]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def p50(self) -> float:
        return percentile(self.latencies_ms, 50)

    @property
    def p95(self) -> float:
        return percentile(self.latencies_ms, 95)


def drive(
    port: int,
    path: str | Callable[[], str],
    headers: dict[str, str],
    clients: int = 8,
    seconds: float = 10.0,
) -> LoadResult:
    """`clients` threads, each with its own connection (kept alive when the
    server allows it, reopened when it closes), request `path` (or `path()`) in
    a loop for `seconds`. Any answer but 200, or a failed request, is an error."""
    headers = {"User-Agent": USER_AGENT} | headers
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    start_line = threading.Barrier(clients + 1)
    deadline = 0.0

    def client() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        seen: dict[int, int] = {}
        failed = 0
        start_line.wait()
        while time.perf_counter() < deadline:
            target = path() if callable(path) else path
            began = time.perf_counter()
            try:
                conn.request("GET", target, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()  # reopened by the next request
                status = 0
            mine.append((time.perf_counter() - began) * 1000)
            seen[status] = seen.get(status, 0) + 1
            failed += status != 200
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += failed
            for status, n in seen.items():
                statuses[status] = statuses.get(status, 0) + n

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline = began + seconds
    start_line.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return LoadResult(len(latencies), errors, elapsed, latencies, statuses)
