"""Service: answer ``search``, ``precedents`` and ``exists`` over local HTTP, warm.

A script that runs many queries pays the cold start of the CLI (Python, the
model, the FAISS index, the document vectors: about a second) on every call.
``foi-search serve`` pays it once: one :class:`SearchService` holds one open
:class:`~foi_search.store.Store` and one :class:`~foi_search.search.searcher.Searcher`
and answers every request with them, in milliseconds.

Endpoints (JSON in and out; the result shapes are those ``--json`` prints,
made by the same ``to_json`` methods):

* ``GET /health``: database, mode, document count, index size.
* ``GET|POST /search``, ``/precedents``, ``/exists``: the query as ``q`` (or
  ``text``), ``limit``, and the filters every read command takes
  (``authority``, ``source``, ``since``, ``until``, ``law``, ``outcome``,
  ``exemption``, ``kind``; ``outcome`` and ``kind`` repeatable); ``reasoning``
  for ``/precedents``, ``qid`` for ``/search``. GET takes them as query
  parameters, POST as a JSON object (``outcome``/``kind`` a string or a list).

Errors are JSON too: 400 ``{"error", "hint"}`` for bad input, 404 for an
unknown path, 405 for a wrong method, 413 for a body over :data:`MAX_BODY`,
500 with one line for anything unexpected (the server keeps running).

Threads: the HTTP server reads requests on one thread each, but SQLite
connections belong to the thread that opened them and a Searcher keeps
per-query caches, so the store and the searcher live on one worker thread and
requests are answered one at a time, in arrival order.

Index rebuilds are picked up without a restart: before each request the
service looks at the index manifest's mtime and the database's
``PRAGMA data_version``, and loads a fresh Searcher when a new, consistent
index is on disk (see :meth:`SearchService._refresh`).

Only the standard library is used here; heavy libraries load inside the
Searcher, as for the CLI. The server has no authentication and binds
127.0.0.1 by default: it is for scripts on the same machine.
"""

from __future__ import annotations

import ipaddress
import json
import signal
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from foi_search.core.errors import FoiSearchError
from foi_search.serve.params import BadRequest, params_from_json, parse_query
from foi_search.serve.service import SearchService

#: Largest request body read (bytes); larger ones get 413.
MAX_BODY = 1 << 20
#: An oversized body is read and discarded up to this size before the 413 is
#: sent, so that the client, still writing, sees the answer rather than a reset.
DRAIN_LIMIT = 16 * MAX_BODY
#: Seconds a connection may stay silent before it is dropped (a client that
#: announces a body and never sends it must not hold a thread for ever).
SOCKET_TIMEOUT = 60
#: Default port of ``foi-search serve``.
DEFAULT_PORT = 8765
_METHODS = {"/health": ("GET",), "/search": ("GET", "POST"), "/precedents": ("GET", "POST"), "/exists": ("GET", "POST")}
_ENDPOINTS_HINT = "Endpoints: GET /health; GET or POST /search, /precedents, /exists."



# -- HTTP -------------------------------------------------------------------------

_LOOPBACK_NAMES = {"localhost", "localhost.", "ip6-localhost"}


def _is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_of(header: str) -> str:
    """The host name of a ``Host`` header (``[::1]:8765`` → ``::1``)."""
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class _Handler(BaseHTTPRequestHandler):
    """Routes one request to the service; every answer is JSON."""

    server: "FoiSearchServer"
    server_version = "foi-search"
    # One request per connection keeps body handling simple; on localhost a
    # new connection costs a fraction of a millisecond.
    protocol_version = "HTTP/1.0"
    timeout = SOCKET_TIMEOUT
    # Headers and body go out as two writes; without TCP_NODELAY the body can
    # wait for the client's delayed ACK.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._dispatch("PUT")

    def do_DELETE(self) -> None:  # noqa: N802
        self._dispatch("DELETE")

    def do_PATCH(self) -> None:  # noqa: N802
        self._dispatch("PATCH")

    def _send(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(obj, ensure_ascii=False, default=str).encode("utf-8", "replace")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, message: str, hint: str | None = None, headers: dict[str, str] | None = None) -> None:
        self._send(status, {"error": message, "hint": hint}, headers)

    def _read_body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if length is None:
            if self.headers.get("Transfer-Encoding"):
                raise BadRequest("Chunked bodies are not accepted.", "Send a Content-Length header.", status=411)
            return b""
        try:
            n = int(length)
            if n < 0:
                raise ValueError
        except ValueError:
            raise BadRequest(f"Bad Content-Length {length!r}.") from None
        if n > MAX_BODY:
            left = min(n, DRAIN_LIMIT)
            while left > 0:
                chunk = self.rfile.read(min(left, 1 << 16))
                if not chunk:
                    break
                left -= len(chunk)
            raise BadRequest(
                f"The body is {n} bytes; the limit is {MAX_BODY}.", "Send a shorter request text.", status=413
            )
        return self.rfile.read(n)

    def _dispatch(self, method: str) -> None:
        started = time.perf_counter()
        try:
            self._route(method)
        except (ConnectionError, TimeoutError):
            self.close_connection = True  # the client went away or went silent: nobody to answer
        except Exception as e:  # noqa: BLE001: the server must keep running
            line = f"{type(e).__name__}: {e}".splitlines()[0] if str(e) else type(e).__name__
            self.server.log(f"Internal error on {method} {self.path}: {line}")
            if self.server.debug:
                traceback.print_exc(file=sys.stderr)
            try:
                self._error(500, f"Internal error: {line}", "See the server's standard error; rerun with --debug.")
            except OSError:
                pass
        finally:
            if self.server.log_requests:
                ms = (time.perf_counter() - started) * 1000
                self.server.log(f'{self.address_string()} "{method} {self.path[:200]}" {ms:.1f} ms')

    def _route(self, method: str) -> None:
        url = urlsplit(self.path)
        path = url.path.rstrip("/") or "/"
        host = self.headers.get("Host")
        if self.server.loopback_only and host and not _is_loopback(_host_of(host)):
            # A page elsewhere that rebinds its own name to 127.0.0.1 must not
            # be able to read answers: only loopback names are served.
            self._error(403, f"Host {host!r} is not served.", "Use http://127.0.0.1:PORT or http://localhost:PORT.")
            return
        if path not in _METHODS:
            self._error(404, f"No endpoint {path}.", _ENDPOINTS_HINT)
            return
        if method not in _METHODS[path]:
            allowed = ", ".join(_METHODS[path])
            self._error(405, f"{method} is not allowed on {path}.", f"Use {allowed}.", {"Allow": allowed})
            return
        service = self.server.service
        try:
            params = parse_qs(url.query, keep_blank_values=True)
            if method == "POST":
                params.update(params_from_json(self._read_body()))
            if path == "/health":
                if params:
                    raise BadRequest("/health takes no parameters.")
                self._send(200, service.health())
                return
            self._send(200, service.answer(parse_query(path, params)))
        except BadRequest as e:
            self._error(e.status, e.message, e.hint)
        except FoiSearchError as e:
            self._error(400, e.args[0] if e.args else str(e), e.hint)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's signature)
        # http.server logs every request; _dispatch does that only with --log-requests.
        pass

    def log_error(self, format: str, *args: Any) -> None:  # noqa: A002
        self.server.log(f"{self.address_string()}: {format % args}")


class FoiSearchServer(ThreadingHTTPServer):
    """A threading HTTP server around one :class:`SearchService`.

    Args:
        service: The service that answers.
        host: Address to bind (``127.0.0.1`` by default in the CLI).
        port: Port; 0 picks a free one (see :attr:`port`).
        log_requests: Log one line per request to stderr.
        debug: Print tracebacks of internal errors.

    Raises:
        FoiSearchError: The address cannot be bound.
    """

    daemon_threads = True  # a hung client never blocks shutdown
    allow_reuse_address = True

    def __init__(self, service: SearchService, host: str = "127.0.0.1", port: int = DEFAULT_PORT, *,
                 log_requests: bool = False, debug: bool = False):
        import socket

        self.service = service
        self.log_requests = log_requests
        self.debug = debug
        self.loopback_only = _is_loopback(host)
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        try:
            super().__init__((host, port), _Handler)
        except OSError as e:
            raise FoiSearchError(
                f"Cannot listen on {host}:{port}: {e.strerror or e}.",
                "Pass --port with another port (--port 0 picks a free one) or --host with a local address.",
            ) from e

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which can wait
        # seconds on a machine without DNS; the name is never used here.
        import socketserver

        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]

    @property
    def port(self) -> int:
        """The port actually bound."""
        return self.server_address[1]

    @property
    def url(self) -> str:
        """``http://HOST:PORT``."""
        host = self.server_address[0]
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    def log(self, message: str) -> None:
        """One line to stderr."""
        print(message, file=sys.stderr, flush=True)


def serve_until_stopped(server: FoiSearchServer) -> None:
    """Serve until Ctrl-C or SIGTERM, then close the socket and the service.

    SIGTERM is turned into the same clean stop as Ctrl-C when called from the
    main thread (signal handlers can only be installed there).
    """

    def _stop(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        server.server_close()
        server.service.close()
