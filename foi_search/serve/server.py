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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

from foi_search.core.errors import FoiSearchError
from foi_search.core.filters import FILTER_NAMES, FILTER_SPECS, FilterError, filters_from_values

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
#: ``limit`` and ``reasoning`` accept what the CLI's options accept.
LIMIT_RANGE = (1, 1000)
REASONING_RANGE = (0, 50)

#: Parameters every ranking endpoint takes, and those only some take.
_COMMON_PARAMS = ("q", "text", "limit", *FILTER_NAMES)
_PARAMS = {
    "/search": (*_COMMON_PARAMS, "qid"),
    "/precedents": (*_COMMON_PARAMS, "reasoning"),
    "/exists": _COMMON_PARAMS,
}
_METHODS = {"/health": ("GET",), "/search": ("GET", "POST"), "/precedents": ("GET", "POST"), "/exists": ("GET", "POST")}
_ENDPOINTS_HINT = "Endpoints: GET /health; GET or POST /search, /precedents, /exists."


class BadRequest(FoiSearchError):
    """Input the server cannot use (answered with 400, or ``status``)."""

    def __init__(self, message: str, hint: str | None = None, status: int = 400):
        super().__init__(message, hint)
        self.message = message
        self.status = status


# -- parameters -----------------------------------------------------------------


@dataclass
class Query:
    """One ranking request, validated.

    Attributes:
        endpoint: ``/search``, ``/precedents`` or ``/exists``.
        text: The query or request text.
        limit: Results (or similar requests) returned.
        filters: A :class:`foi_search.core.filters.Filters`.
        reasoning: Reasoning paragraphs per exemption (``/precedents``).
        qid: Carried into the ``/search`` answer, as in ``search --batch``.
    """

    endpoint: str
    text: str
    limit: int
    filters: Any
    reasoning: int = 3
    qid: str | None = None


def _values(params: dict[str, list], name: str) -> list:
    return [v for v in params.get(name, []) if v is not None]


def _one(params: dict[str, list], name: str) -> Any:
    vals = _values(params, name)
    if len(vals) > 1:
        raise BadRequest(f"'{name}' is given {len(vals)} times.", f"Give '{name}' once.")
    return vals[0] if vals else None


def _string(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest(f"'{name}' must be a string, not {type(value).__name__}.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from JSON "\ud800": SQLite cannot store it
        raise BadRequest(f"'{name}' is not valid Unicode text.") from None
    return value


def _int(value: Any, name: str, default: int, bounds: tuple[int, int]) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise BadRequest(f"'{name}' must be a whole number.")
    try:
        n = int(value)
    except ValueError:
        raise BadRequest(f"'{name}' must be a whole number, not {value!r}.") from None
    lo, hi = bounds
    if not lo <= n <= hi:
        raise BadRequest(f"'{name}' must be between {lo} and {hi}, not {n}.")
    return n


def parse_query(endpoint: str, params: dict[str, list]) -> Query:
    """Validate the parameters of a ranking request.

    Args:
        endpoint: ``/search``, ``/precedents`` or ``/exists``.
        params: Each parameter's values, as :func:`urllib.parse.parse_qs`
            gives them (a JSON body is first turned into the same shape).

    Returns:
        The request.

    Raises:
        BadRequest: An unknown parameter, a missing query, a value of the
            wrong type or out of range, or a filter the CLI would refuse.
    """
    allowed = _PARAMS[endpoint]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise BadRequest(
            f"Unknown parameter{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} for {endpoint}.",
            f"{endpoint} takes {', '.join(allowed)}.",
        )
    q, text = _string(_one(params, "q"), "q"), _string(_one(params, "text"), "text")
    if q is not None and text is not None:
        raise BadRequest("Both 'q' and 'text' are given.", "Give the query as one of them.")
    query = q if q is not None else text
    if not query or not query.strip():
        raise BadRequest("No query.", "Give the query text as 'q' (or 'text').")
    values = {
        f.name: [_string(v, f.name) for v in _values(params, f.name)] if f.repeatable else _string(_one(params, f.name), f.name)
        for f in FILTER_SPECS
    }
    try:
        # The same validation the CLI's filter options go through.
        filters = filters_from_values(values)
    except FilterError as e:
        raise BadRequest(e.message, f"Fix the '{e.option}' parameter.") from e
    qid = _one(params, "qid") if endpoint == "/search" else None
    return Query(
        endpoint=endpoint,
        text=query,
        limit=_int(_one(params, "limit"), "limit", 10, LIMIT_RANGE),
        filters=filters,
        reasoning=_int(_one(params, "reasoning"), "reasoning", 3, REASONING_RANGE),
        qid=None if qid is None else _string(qid if isinstance(qid, str) else str(qid), "qid"),
    )


def params_from_json(body: bytes) -> dict[str, list]:
    """A JSON object body as ``{name: [values]}`` (a list value gives several).

    Raises:
        BadRequest: The body is not a JSON object.
    """
    try:
        obj = json.loads(body.decode("utf-8")) if body.strip() else {}
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BadRequest(
            f"The body is not valid JSON: {e}.",
            'Send a JSON object such as {"q": "CCTV cameras", "limit": 5}, or use GET with query parameters.',
        ) from None
    if not isinstance(obj, dict):
        raise BadRequest(f"The body must be a JSON object, not {type(obj).__name__}.", 'Send {"q": "...", ...}.')
    return {k: (list(v) if isinstance(v, list) else [v]) for k, v in obj.items()}


# -- the service ------------------------------------------------------------------


class SearchService:
    """One store and one warm Searcher, used by one worker thread.

    Opening it loads everything a query needs (the index, the model, the
    document vectors) and answers a warm-up query, so the first request is as
    fast as the rest; an index behind the database or built with another
    model fails here with the CLI's message, and a missing index gives keyword
    search with the CLI's note.

    Args:
        db: The database file (must exist).
        keyword_only: Never load the model or the index.
        index_dir: The vector index folder (default: beside the DB).
        embedder: An embedder to use instead of the packaged model (tests).
        notify: Called with one-line notes (default: stderr).

    Raises:
        FoiSearchError: The database or the index cannot be used.
    """

    def __init__(
        self,
        db: str | Path,
        *,
        keyword_only: bool = False,
        index_dir: str | Path | None = None,
        embedder=None,
        notify: Callable[[str], None] | None = None,
    ):
        from foi_search.store.base import is_postgres_url

        self.db = db if is_postgres_url(db) else Path(db)
        self.keyword_only = keyword_only
        self._index_dir = index_dir
        self._embedder = embedder
        self._notify = notify or (lambda m: print(m, file=sys.stderr, flush=True))
        self.note: str | None = None
        self.reloads = 0
        self.store = None
        self.searcher = None
        self._vectors = 0
        self._seen: tuple = ()
        self._loaded_key: object = None
        # One thread owns the connection and the searcher (see the module notes).
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="foi-search-serve")
        try:
            self._call(self._open)
        except BaseException:
            self.close()
            raise

    # -- running things on the worker ----------------------------------------------

    def _call(self, fn: Callable, *args: Any) -> Any:
        return self._worker.submit(fn, *args).result()

    def close(self) -> None:
        """Close the store and stop the worker (waits for a request in progress)."""
        if self._worker is None:
            return
        if self.store is not None:
            self._worker.submit(self.store.close)
        self._worker.shutdown(wait=True)
        self._worker = None

    # -- loading and reloading ---------------------------------------------------

    def _open(self) -> None:
        from foi_search.core.config import index_dir_for
        from foi_search.store.base import open_store

        self.store = open_store(self.db, create=False)
        self.index_dir = Path(self._index_dir) if self._index_dir else index_dir_for(self.store.path)
        self._seen = self._observe()
        self.searcher, self._vectors = self._load(keyword_only=self.keyword_only)
        self._loaded_key = self._seen[0]

    def _manifest_key(self) -> tuple | None:
        from index.collection import PassageIndex

        return PassageIndex(self.store, self.index_dir).reload_key()

    def _observe(self) -> tuple:
        """What tells a reload is due: the manifest's identity and the DB's data version."""
        # data_version changes when another connection commits (an ingest, an
        # index run), never for this connection's own writes.
        return (self._manifest_key(), self.store.data_version())

    def _load(self, *, keyword_only: bool) -> tuple[Any, int]:
        """A Searcher with everything loaded and one warm-up query answered, and its index's size."""
        from foi_search.search.searcher import Searcher

        s = Searcher(self.store, keyword_only=keyword_only, embedder=self._embedder, index_dir=self.index_dir,
                     notify=self._say)
        vectors = 0
        if s.mode == "hybrid":  # loads the index, the model and the document vectors, or raises
            from index.collection import index_status

            vectors = index_status(self.store, self.index_dir).vectors
        s.search("warm up", limit=1)  # first ONNX run, SQLite pages: the first request pays nothing
        return s, vectors

    def _say(self, message: str) -> None:
        self.note = message
        self._notify(message)

    def _refresh(self) -> None:
        """Load a fresh Searcher when the index or the database changed on disk.

        * ``--keyword-only``: after another process's commit (an ingest), a
          fresh keyword Searcher, so document counts and word statistics
          (cached per Searcher) are current.
        * Otherwise, when the manifest changed (a rebuild, or an index
          appearing or disappearing): a fresh Searcher, but only once
          ``index_status`` says the index on disk matches the database. While
          ``foi-search index`` is still running (it saves partial indexes as
          it goes), the loaded Searcher keeps answering; a note says why.
        * An ingest without a re-index leaves a hybrid Searcher as it is (new
          documents rank by keyword until ``foi-search index``); ``/health``
          reports ``index_stale``.
        """
        seen = self._observe()
        if seen == self._seen:
            return
        key_changed = seen[0] != self._seen[0]
        self._seen = seen
        current = self.searcher.mode
        if self.keyword_only or seen[0] is None:
            if current == "hybrid" or (not self.keyword_only and key_changed):
                self._replace(seen[0], keyword_only=self.keyword_only)  # index removed: keyword, with the note
            else:
                self._replace(seen[0], keyword_only=True, quiet=True)
            return
        if current == "hybrid" and seen[0] == self._loaded_key:
            return  # only the database changed; the loaded index still answers
        from index.collection import index_status

        if index_status(self.store, self.index_dir).stale:
            if key_changed:
                self._say(f"The index in {self.index_dir} changed but is behind the database (still being built?); "
                          f"answering in {current} mode until it is complete.")
            if current == "keyword":
                self._replace(self._loaded_key, keyword_only=True, quiet=True)
            return
        self._replace(seen[0], keyword_only=False)

    def _replace(self, key: object, *, keyword_only: bool, quiet: bool = False) -> None:
        try:
            if quiet:
                from foi_search.search.searcher import Searcher

                new, vectors = Searcher(self.store, keyword_only=True, index_dir=self.index_dir, notify=self._say), 0
            else:
                new, vectors = self._load(keyword_only=keyword_only)
        except Exception as e:  # noqa: BLE001: a half-written or broken index must not stop the server
            # Keep answering with what is loaded; say why the new index is not used.
            self._say(f"Kept the loaded index: {e if isinstance(e, FoiSearchError) else f'{type(e).__name__}: {e}'}")
            return
        if not quiet:
            self.reloads += 1
            self._say(f"Reloaded the search index: now {new.mode} mode.")
        self.searcher, self._vectors, self._loaded_key = new, vectors, key

    # -- answering ---------------------------------------------------------------

    def health(self) -> dict:
        """``GET /health``: what is loaded (refreshing it first)."""
        return self._call(self._health)

    def _health(self) -> dict:
        self._refresh()
        mode = self.searcher.mode
        stale = None
        if mode == "hybrid":
            from index.collection import index_status

            stale = index_status(self.store, self.index_dir).stale
        return {
            "db": str(self.store.path),
            "mode": mode,
            "keyword_only": self.keyword_only,
            "documents": self.store.conn.execute("select count(*) from documents").fetchone()[0],
            "index_dir": str(self.index_dir),
            "index_vectors": self._vectors,
            "index_stale": stale,
            "reloads": self.reloads,
            "note": self.note,
        }

    def answer(self, query: Query) -> dict:
        """The JSON answer to a ranking request (the CLI's ``--json`` shape)."""
        return self._call(self._answer, query)

    def _answer(self, q: Query) -> dict:
        self._refresh()
        if q.endpoint == "/search":
            return self.searcher.search(q.text, q.filters, limit=q.limit, qid=q.qid).to_json()
        if q.endpoint == "/precedents":
            from foi_search.search.precedents import precedent_report

            return precedent_report(
                self.store, q.text, q.filters, limit=q.limit, reasoning_per_exemption=q.reasoning,
                searcher=self.searcher,
            ).to_json()
        from foi_search.search.precedents import exists_check

        return exists_check(self.store, q.text, q.filters, limit=q.limit, searcher=self.searcher).to_json()


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
