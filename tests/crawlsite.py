"""A real HTTP server on 127.0.0.1 serving small test sites, for the crawl tests.

Sites live in ``tests/fixtures/sites/<name>/`` with a ``site.json`` mapping URL
paths (optionally with query parameters) to files::

    {"routes": {"/robots.txt": "robots.txt",
                "/body/x": "body.html",
                "/body/x?page=2": {"file": "body2.html"},
                "/files/a.pdf": {"pdf": ["First line", "Second line"]}}}

A request matches the route with its path whose query parameters are all in
the request (the most specific wins). ``{BASE}`` in text files becomes the
server's base URL. Every response carries an ETag and a Last-Modified and
answers conditional requests with 304. Tests change routes on the fly
(:meth:`SiteServer.set`) to script failures: status sequences, Retry-After,
slow answers, redirects, huge bodies.

Only loopback traffic is allowed while these tests run: :func:`loopback_only`
makes any other connection attempt fail the test.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

SITES = Path(__file__).parent / "fixtures" / "sites"
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".csv": "text/csv",
    ".xml": "application/atom+xml",
    ".pdf": "application/pdf",
}
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Fail any test that tries to open a connection to a non-loopback address."""
    real = socket.create_connection

    def guarded(address, *args, **kwargs):
        host = address[0]
        if host not in _LOOPBACK:
            raise AssertionError(f"test tried to connect to {host}: only 127.0.0.1 is allowed")
        return real(address, *args, **kwargs)

    # http.client takes socket.create_connection when each connection is made.
    monkeypatch.setattr(socket, "create_connection", guarded)


def make_pdf(lines: list[str]) -> bytes:
    """A small valid PDF with one page of text (Helvetica), built by hand."""
    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "/F1 11 Tf", "72 740 Td"]
    for i, line in enumerate(lines):
        if i:
            ops.append("0 -15 Td")
        ops.append(f"({esc(line)}) Tj")
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


@dataclass
class Route:
    """How one URL answers.

    Attributes:
        body: Bytes served (``{BASE}`` already replaced).
        content_type: Content-Type header.
        status: Normal status.
        headers: Extra headers.
        script: Answers given first, one per request, before the normal one:
            ``(status, headers)`` pairs.
        sleep: Seconds to wait before answering.
        stream: Send the body without Content-Length, in pieces.
        validators: Send ETag / Last-Modified and honour conditional requests.
    """

    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    sleep: float = 0.0
    stream: bool = False
    drip: float = 0.0  # seconds between single bytes of the body (a slow-drip sender)
    make: Any = None  # callable(request path) -> body, for pages made on the fly (endless listings)
    validators: bool = True
    modified: float = field(default_factory=lambda: 1_700_000_000.0)

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


@dataclass
class Hit:
    """One request the server saw."""

    path: str
    headers: dict[str, str]
    status: int
    at: float


class SiteServer:
    """A threaded HTTP server on 127.0.0.1 with scriptable routes.

    Args:
        site: Name of a folder under ``tests/fixtures/sites`` to load, or None.
    """

    def __init__(self, site: str | None = None):
        self.routes: dict[str, dict[tuple, Route]] = {}
        self.hits: list[Hit] = []
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                server._handle(self)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()
        if site:
            self.load(SITES / site)

    # -- set up ----------------------------------------------------------------

    def load(self, folder: Path) -> None:
        """Add the routes of a site folder (``site.json``)."""
        manifest = json.loads((folder / "site.json").read_text(encoding="utf-8"))
        for url, spec in manifest["routes"].items():
            if isinstance(spec, str):
                spec = {"file": spec}
            spec = dict(spec)
            if "file" in spec:
                name = spec.pop("file")
                body = (folder / name).read_bytes()
                spec.setdefault("content_type", _TYPES.get(Path(name).suffix, "application/octet-stream"))
            elif "pdf" in spec:
                body = make_pdf(spec.pop("pdf"))
                spec.setdefault("content_type", "application/pdf")
            else:
                body = spec.pop("text", "").encode("utf-8")
            self.set(url, body, **spec)

    def set(self, url: str, body: bytes | str = b"", **kw) -> Route:
        """Add or replace the route for ``url`` (path, optionally ``?query``)."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        ctype = kw.get("content_type", "text/html; charset=utf-8")
        if not ctype.startswith("application/pdf"):
            body = body.replace(b"{BASE}", self.base.encode())
        parts = urlsplit(url)
        key = tuple(sorted(parse_qsl(parts.query, keep_blank_values=True)))
        old = self.routes.get(parts.path, {}).get(key)
        route = Route(body=body, **kw)
        if old is not None and "modified" not in kw:
            route.modified = old.modified + (3600 if old.body != body else 0)
        self.routes.setdefault(parts.path, {})[key] = route
        return route

    def route(self, url: str) -> Route:
        """The route serving ``url``."""
        parts = urlsplit(url)
        return self.routes[parts.path][tuple(sorted(parse_qsl(parts.query, keep_blank_values=True)))]

    def url(self, path: str) -> str:
        """Absolute URL of a path on this server."""
        return self.base + path

    def count(self, path: str) -> int:
        """Requests seen for a path (with its query, if given)."""
        return sum(1 for h in self.hits if h.path == path or (("?" not in path) and h.path.split("?")[0] == path))

    def statuses(self, path: str) -> list[int]:
        """Statuses answered for a path, in order."""
        return [h.status for h in self.hits if h.path == path]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- serving ---------------------------------------------------------------

    def _match(self, raw_path: str) -> Route | None:
        parts = urlsplit(raw_path)
        candidates = self.routes.get(parts.path) or {}
        params = set(parse_qsl(parts.query, keep_blank_values=True))
        best, best_n = None, -1
        for key, route in candidates.items():
            if set(key) <= params and len(key) > best_n:
                best, best_n = route, len(key)
        return best

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            status, headers, body, stream = self._answer(h)
            # Logged before answering, so a test sees the hit once its client has the answer.
            with self._lock:
                self.hits.append(Hit(h.path, dict(h.headers), status, time.monotonic()))
            self._send(h, status, headers, body, stream=stream)
        finally:
            with self._lock:
                self.active -= 1

    def _answer(self, h: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes, bool]:
        route = self._match(h.path)
        if route is None:
            return 404, {"Content-Type": "text/html"}, b"<html><body><h1>Not found</h1></body></html>", False
        if route.sleep:
            time.sleep(route.sleep)
        if route.make is not None:
            return route.status, {"Content-Type": route.content_type}, route.make(h.path), False
        if route.drip:
            return route.status, {"Content-Type": route.content_type, "X-Drip": str(route.drip)}, route.body, False
        if route.script:
            status, headers = route.script.pop(0)
            return status, {"Content-Type": "text/html", **headers}, b"<html><body>Busy</body></html>", False
        headers = {"Content-Type": route.content_type, **route.headers}
        if route.validators:
            headers["ETag"] = route.etag
            headers["Last-Modified"] = formatdate(route.modified, usegmt=True)
            inm = h.headers.get("If-None-Match")
            ims = h.headers.get("If-Modified-Since")
            if (inm and inm == route.etag) or (not inm and ims == headers["Last-Modified"]):
                return 304, {"ETag": route.etag}, b"", False
        return route.status, headers, route.body, route.stream

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes, stream: bool = False) -> None:
        try:
            h.send_response(status)
            for k, v in headers.items():
                h.send_header(k, v)
            if not stream and status != 304:
                h.send_header("Content-Length", str(len(body)))
            h.send_header("Connection", "close")
            h.end_headers()
            drip = float(headers.get("X-Drip", 0) or 0)
            if drip:
                for i in range(len(body)):
                    h.wfile.write(body[i : i + 1])
                    h.wfile.flush()
                    time.sleep(drip)
            elif stream:
                for i in range(0, len(body), 65536):
                    h.wfile.write(body[i : i + 65536])
            elif status != 304:
                h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeouts, size caps): expected in these tests


@pytest.fixture
def site_server():
    """Factory: ``site_server("alaveteli")`` starts a server for that site; all stop after the test."""
    servers: list[SiteServer] = []

    def start(site: str | None = None) -> SiteServer:
        s = SiteServer(site)
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.close()
