"""The PostgreSQL store: the same tables on a shared server, with pgvector and weighted full-text search.

:class:`PostgresStore` keeps every behaviour of the SQLite :class:`~foi_search.store.sqlite.Store`
(it inherits the document, run and page methods, whose SQL both engines
read) and replaces what differs:

* the connection: psycopg 3 in autocommit mode, behind :class:`PgConnection`,
  which takes ``?`` placeholders like sqlite3 so shared SQL runs unchanged;
  ``transaction()`` is one server transaction (nested use joins it);
* concurrency: a document is written under an advisory lock on its
  ``(source, source_key)``, so two writers saving it at once do one after the
  other (SQLite's single write lock gave that for free);
* keyword search: FTS5's BM25 computed over the weighted ``tsvector`` (title A,
  request B, authority C, body D; :meth:`PostgresStore.keyword_scores`), with
  queries built from the sanitised terms of
  :func:`foi_search.search.querytext.query_terms`, each quoted as one lexeme
  (:func:`ts_query`), so no user text is ever parsed as query syntax;
* vectors: pgvector columns (``vectors.embedding``, ``doc_views.vector``).
"""

from __future__ import annotations

import json
import re
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Iterator

from foi_search.core.errors import FoiSearchError
from foi_search.core.text import slug as text_slug
from foi_search.store import pg_migrations
from foi_search.store.sqlite import Store

if TYPE_CHECKING:  # pragma: no cover
    from foi_search.core.filters import Filters

_CFG = pg_migrations.TS_CONFIG


def ts_query(terms: list[str], weights: str = "") -> str:
    """A ``to_tsquery`` text matching any of ``terms``, each one quoted lexeme.

    Terms come from :func:`~foi_search.search.querytext.query_terms` (letters
    and digits only); quoting and escaping here make any string safe anyway.
    """
    out = []
    for t in terms:
        t = t.replace("\\", "\\\\").replace("'", "''")
        out.append(f"'{t}'" + (f":{weights}" if weights else ""))
    return " | ".join(out)


def redact_url(url: str) -> str:
    """The URL without its password, for messages and ``stats`` (never fails, even on a malformed URL)."""
    return re.sub(r"^([a-z]+://[^:/@?#]*):[^@/?#]*@", r"\1@", url)


#: Below this IDF a word is in most documents (FTS5 floors such IDFs at 1e-6).
MIN_IDF = 0.01
#: Documents holding the query's rarer words that keyword search scores exactly (``_candidate_query``):
#: each costs ~0.01 ms (its counts read from ``term_counts``). When that bound leaves matches out, the
#: best by their heads join them (``_head_candidates``): the bound alone cost the whole-corpus set 0.077
#: nDCG@10 against SQLite (0.711 vs 0.788); with the heads it is 0.795 (docs/benchmarks.md).
MAX_CANDIDATES = 600
#: Documents per query word read from ``head_terms`` by keyword search's first stage.
HEAD_PER_WORD = 500
#: The rarest words whose pairs, triples... narrow the candidates.
NARROW_WORDS = 4
#: Candidates, in multiples of MAX_CANDIDATES, left by the narrowest choice beyond which
#: the rarity stage is dropped (the heads' stage alone proposes candidates).
HOPELESS_FACTOR = 2


def _quote_lexeme(lexeme: str) -> str:
    """A stemmed lexeme as a ``tsquery`` literal (no further stemming, any character safe)."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


_QMARK = re.compile(r"\?")


def _to_pg(sql: str) -> str:
    """sqlite3-style SQL with ``?`` placeholders as psycopg wants it (``%s``, literal ``%`` doubled)."""
    return _QMARK.sub("%s", sql.replace("%", "%%"))


class _Ids(list):
    """A list of Python ints sent as one ``bigint[]`` text (see :func:`_register_ids`)."""


def _register_ids(raw) -> None:
    """Send :class:`_Ids` as ``{1,2,...}``: psycopg dumps a list element by element (0.5 ms for 600 ids)."""
    from psycopg.adapt import Dumper

    class IdsDumper(Dumper):
        oid = 1016  # bigint[]

        def dump(self, obj):
            return ("{" + ",".join(map(str, obj)) + "}").encode()

    raw.adapters.register_dumper(_Ids, IdsDumper)


def _param(p: Any) -> Any:
    if isinstance(p, str):
        # PostgreSQL text cannot hold NUL characters; SQLite can.
        return p.replace("\x00", "") if "\x00" in p else p
    if type(p) is list and p and all(type(x) is int for x in p):
        return _Ids(p)
    return p


def _params(params: Any) -> list:
    """Parameters as a list: NUL characters dropped from strings, lists of ids sent as one array text."""
    if params is None:
        return []
    return [_param(p) for p in params]


class PgConnection:
    """A psycopg connection that reads like sqlite3's: ``execute(sql, [params])`` with ``?`` marks.

    Also offers what crawl state uses of sqlite-utils' ``Database`` (``execute``, ``query``).
    """

    def __init__(self, raw):
        self.raw = raw
        self.depth = 0
        _register_ids(raw)

    def execute(self, sql: str, params: Any = None, *, prepare: bool | None = None):
        # prepare=False for statements whose text varies with the query (not worth a server-side plan).
        return self.raw.execute(_to_pg(sql), _params(params), prepare=prepare)

    def executemany(self, sql: str, rows) -> None:
        rows = [_params(r) for r in rows]
        if rows:
            with self.raw.cursor() as cur:
                cur.executemany(_to_pg(sql), rows)

    def query(self, sql: str, params: Any = None) -> Iterator[dict]:
        from psycopg.rows import dict_row

        with self.raw.cursor(row_factory=dict_row) as cur:
            cur.execute(_to_pg(sql), _params(params))
            yield from cur.fetchall()

    @property
    def in_transaction(self) -> bool:
        return self.depth > 0

    def close(self) -> None:
        self.raw.close()


def connect(url: str):
    """A psycopg connection (autocommit; pgvector types registered), or a one-line error.

    Raises:
        FoiSearchError: The URL is malformed or the server cannot be reached.
    """
    try:
        import psycopg
    except ImportError as e:  # pragma: no cover - the postgres extra installs it
        raise FoiSearchError(
            "PostgreSQL support is not installed.", "Install it with: pip install 'foi-search[postgres]'."
        ) from e
    shown = redact_url(url)
    try:
        raw = psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as e:
        raise FoiSearchError(
            f"Cannot connect to {shown}: {_first_line(e)}",
            "Check that the server runs, the database exists and the user may connect.",
        ) from e
    except (psycopg.Error, ValueError) as e:
        raise FoiSearchError(
            f"Not a usable PostgreSQL URL: {shown} ({_first_line(e).rstrip('.')}).",
            "Write it as postgresql://USER@HOST:PORT/DBNAME.",
        ) from e
    return raw


def _first_line(e: Exception) -> str:
    """The last line of a driver message, as one sentence."""
    text = str(e).strip().splitlines()
    line = (text[-1] if text else type(e).__name__).strip()
    return line if line.endswith((".", "?", "!")) else line + "."


class PostgresStore(Store):
    """A foi-search database on a PostgreSQL server (pgvector installed or installable).

    Args:
        url: ``postgresql://USER[:PASSWORD]@HOST:PORT/DBNAME``.

    Raises:
        FoiSearchError: The URL is bad, the server unreachable, or the schema cannot be set up.
    """

    backend = "postgresql"

    def __init__(self, url: str, *, create: bool = True):  # noqa: D107 - create kept for Store's signature
        self.url = url
        self.path = redact_url(url)
        self._db = None
        raw = connect(url)
        self._conn = PgConnection(raw)
        self._tx_lock = threading.RLock()
        self._lexeme_cache: dict[str, str | None] = {}
        self._df_cache: dict[str, int] = {}
        self._stats: tuple | None = None
        self._hnsw_ef: int | None = None
        self._readers: list[PostgresStore] = []
        try:
            if pg_migrations.pending(raw):
                pg_migrations.migrate(raw)
            self._register_vector()
        except FoiSearchError:
            raw.close()
            raise
        except Exception as e:
            raw.close()
            raise FoiSearchError(
                f"Cannot set up the foi-search schema in {self.path}: {_first_line(e)}",
                "The user needs CREATE rights, and pgvector must be installed (CREATE EXTENSION vector).",
            ) from e

    def _register_vector(self) -> None:
        from pgvector.psycopg import register_vector

        register_vector(self._conn.raw)

    @property
    def db(self) -> PgConnection:
        """What sqlite-utils' ``Database`` gives SQLite callers that use ``execute``/``query``."""
        return self._conn

    @property
    def conn(self) -> PgConnection:
        """The connection (``?`` placeholders, like sqlite3)."""
        return self._conn

    def query(self, sql: str, params: Any = None) -> Iterator[dict]:
        """Rows of ``sql`` as dicts."""
        return self._conn.query(sql, params)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One server transaction: all of it is committed, or none. Nested use joins the outer one."""
        with self._tx_lock:
            if self._conn.depth:
                self._conn.depth += 1
                try:
                    yield
                finally:
                    self._conn.depth -= 1
                return
            with self._conn.raw.transaction():
                self._conn.depth = 1
                try:
                    yield
                finally:
                    self._conn.depth = 0

    def lock(self, key: str) -> None:
        """Serialise writers on ``key`` until the current transaction ends."""
        self._conn.execute("select pg_advisory_xact_lock(hashtextextended(?, 0))", [key])

    #: Reads on :meth:`reader` connections may run beside this one's (see the Searcher).
    parallel_reads = True

    def reader(self) -> "PostgresStore":
        """Another connection to the same database, for reads that run beside this one's.

        A search's dense reads (vector and view searches) go on it while its
        keyword reads go on this one, at the same time: the server works on
        both, and the client waits once. Closed with this store.
        """
        other = PostgresStore(self.url)
        self._readers.append(other)
        return other

    def close(self) -> None:
        """Close the connection (and those of its readers)."""
        for r in self._readers:
            r.close()
        self._readers = []
        self._conn.close()

    # -- writes that differ ------------------------------------------------------------

    def _insert(self, table: str, rows: list[dict]) -> int | None:
        last = None
        for row in rows:
            cols = ", ".join(row)
            marks = ", ".join("?" * len(row))
            returning = " returning id" if table != "doc_views" else ""
            cur = self._conn.execute(f"insert into {table} ({cols}) values ({marks}){returning}", list(row.values()))
            if returning:
                last = cur.fetchone()[0]
        return last

    def authority_id(self, name: str | None) -> int | None:
        """Id of an authority by name, created when new (safe against a concurrent writer creating it too)."""
        if not name:
            return None
        row = self._conn.execute("select id from authorities where name = ?", [name]).fetchone()
        if row:
            return row[0]
        slug = text_slug(name)
        self._conn.execute("insert into authorities (name, slug) values (?, ?) on conflict (name) do nothing", [name, slug])
        return self._conn.execute("select id from authorities where name = ?", [name]).fetchone()[0]

    def save_document(self, doc) -> tuple[int, str]:
        """As :meth:`Store.save_document`, one writer at a time per ``(source, source_key)``."""
        with self.transaction():
            self.lock(f"doc\x1f{doc.source}\x1f{doc.source_key}")
            return super().save_document(doc)

    def delete_document(self, source: str, source_key: str) -> bool:
        """As :meth:`Store.delete_document`, under the document's lock."""
        with self.transaction():
            self.lock(f"doc\x1f{source}\x1f{source_key}")
            return super().delete_document(source, source_key)

    def save_raw_page(self, url: str, **kw) -> bool:
        """As :meth:`Store.save_raw_page`, one writer at a time per URL."""
        with self.transaction():
            self.lock(f"page\x1f{url}")
            return super().save_raw_page(url, **kw)

    # -- overview ------------------------------------------------------------------------

    def data_version(self) -> object:
        """Changes whenever a document, passage or vector state changes (for long-lived readers)."""
        manifest = self._conn.execute("select max(version) from index_manifest").fetchone()[0]
        return f"{self.fingerprint()}|{manifest}"

    def size_bytes(self) -> int:
        """Bytes the database takes on the server."""
        return self._conn.execute("select pg_database_size(current_database())").fetchone()[0]

    # -- reads that differ ----------------------------------------------------------------

    def keyword_scores(
        self,
        terms: list[str],
        filters: "Filters",
        depth: int,
        weights: tuple[float, ...] = (5.0, 0.0, 1.0, 0.1),
        *,
        title_words: bool = False,
    ) -> dict[int, float]:
        """BM25 of the ``depth`` best documents matching any of ``terms``, as FTS5's ``bm25()`` computes it.

        ``weights`` are per column (title, authority, request_text, body), the
        tsvector's weights A, C, B, D. The GIN index finds the matches; the
        IDFs and average length come from the table, each match's length from
        ``documents.words``, and its term counts per column from
        ``term_counts`` (migration 008), so the scores are FTS5's up to
        tokenisation and both engines rank alike.

        On a large store not every match is scored: two first stages choose
        the candidates, the documents holding the query's rarer words
        (:meth:`_candidate_query`) and those whose title and request hold them
        most (:meth:`_head_candidates`, from the ``head_terms`` inverted list),
        and these are scored exactly. ``title_words`` (the terms are words of
        titles, as feedback's are): beyond the bound, the heads' stage alone
        proposes candidates, since a title word that matters is in titles.
        """
        import math

        if not terms:
            return {}
        lexemes = self._lexemes(terms)
        n, avgdl = self._corpus_size()
        self._prefetch_df(lexemes.values())
        idf = {}
        for lx in {lx for lx in lexemes.values() if lx}:
            hits = self._lexeme_df(lx)
            # n and the hits are read a moment apart: a concurrent writer may make hits exceed n.
            v = math.log(max((n - hits + 0.5) / (hits + 0.5), 1e-9))
            idf[lx] = v if v > 0 else 1e-6
        # Words in nearly every document (FTS5 floors their IDF at 1e-6) add
        # nothing to a score but would make every document a match to rank.
        kept = sorted(lx for lx, v in idf.items() if v > MIN_IDF) or sorted(idf)
        if not kept:
            return {}
        match, complete = self._candidate_query(kept, depth, narrow=not (title_words and weights[0]))
        where, params = ("true", []) if filters.is_empty() else filters.sql("d")
        # Bounded by rarity, the candidates miss documents whose title or request holds a
        # common query word; the best of those by their head (title, request) join them.
        heads = [] if complete or not weights[0] else self._head_candidates(kept, idf, weights, depth)
        docs = self._gin_read(
            f"select d.id, d.words from documents d where ({'d.tsv @@ ?::tsquery or ' if match else ''}d.id = any(?)) and {where}",
            [*([match] if match else []), heads, *params],
        )
        if not docs:
            return {}
        import numpy as np

        ids = np.array([r[0] for r in docs], dtype="int64")
        words = np.array([r[1] or 0 for r in docs], dtype="float64")
        # Each candidate's counts of the query's stems, from the inverted list (per stem, one index range).
        counts = np.zeros((len(docs), len(kept), 4))
        row_of = {d: i for i, d in enumerate(ids.tolist())}
        pos = {lx: i for i, lx in enumerate(kept)}
        for doc, lx, a, b_, c, d in self._conn.execute(
            """select t.document_id, t.lexeme, t.a, t.b, t.c, t.d from unnest(?::text[]) q (lexeme)
               join term_counts t on t.lexeme = q.lexeme and t.document_id = any(?)""",
            [kept, ids.tolist()],
        ):
            counts[row_of[doc], pos[lx]] = (a, b_, c, d)
        col = np.array([weights[0], weights[2], weights[1], weights[3]])  # title A, request B, authority C, body D
        f = counts @ col  # (docs, lexemes): FTS5's column-weighted frequency
        k1, b = 1.2, 0.75
        norm = k1 * (1 - b + b * words / (avgdl or 1.0))
        # One phrase per query term, as FTS5 scores "a" OR "b" (two terms with one stem count twice).
        total = np.zeros(len(docs))
        for t in terms:
            lx = lexemes[t]
            if lx in pos:
                fi = f[:, pos[lx]]
                total += idf[lx] * (fi * (k1 + 1)) / (fi + norm)
        scores = dict(zip(ids.tolist(), total.tolist()))
        return dict(sorted(scores.items(), key=lambda x: (-x[1], x[0]))[:depth])

    def _head_candidates(self, kept: list[str], idf: dict[str, float], weights: tuple[float, ...], n: int) -> list[int]:
        """Ids of the ``n`` documents whose title and request start best hold ``kept`` (from ``head_terms``).

        The first stage of a two-stage ranking: per stem, the
        :data:`HEAD_PER_WORD` documents holding it most often in the title,
        then the request (an index-ordered read); each document then scores
        the sum over stems of IDF times the saturated count (title and request
        weighted as ``weights`` weigh them, length ignored).
        :meth:`keyword_scores` scores the best ``n`` exactly. Filters apply there.
        """
        rows = self._conn.execute(
            """select h.document_id, sum(q.idf * (? * h.a + ? * h.b) / (? * h.a + ? * h.b + 1.2)) as s
               from unnest(?::text[], ?::float8[]) as q (lexeme, idf)
               cross join lateral (
                   select t.document_id, t.a, t.b from head_terms t where t.lexeme = q.lexeme
                   order by t.a desc, t.b desc, t.document_id limit ?) h
               group by h.document_id order by s desc, h.document_id limit ?""",
            [weights[0], weights[2], weights[0], weights[2], list(kept), [idf[lx] for lx in kept], HEAD_PER_WORD, n],
        ).fetchall()
        return [r[0] for r in rows]

    def _candidate_query(self, kept: list[str], depth: int, *, narrow: bool = True) -> tuple[str, bool]:
        """The ``tsquery`` (text) choosing the documents :meth:`keyword_scores` ranks, about MAX_CANDIDATES of them, and whether it is every match.

        Documents holding the rarer words, as many as MAX_CANDIDATES allows: a
        document holding only common words scores little and would rank after
        them, and ranking every document that holds a common word costs
        seconds on a large store. Small stores rank every match. When even the
        rarest word is in more documents than that (every word common, as in a
        large store), those holding two of the query's rarer words, then three, and so on:
        the GIN index answers these without reading a document, so the exact
        scoring after it stays bounded (a narrowing that leaves none is not
        taken; one that leaves fewer than ``depth`` is, since the first stage
        on heads adds ``depth`` more, :meth:`keyword_scores`). Without
        ``narrow``, a bound that leaves matches out gives no candidates (the
        heads' stage proposes them).
        """
        by_rarity = sorted(kept, key=lambda lx: (self._lexeme_df(lx), lx))
        match, total = [], 0
        for lx in by_rarity:
            if match and total + self._lexeme_df(lx) > MAX_CANDIDATES:
                break
            match.append(lx)
            total += self._lexeme_df(lx)
        query = " | ".join(_quote_lexeme(lx) for lx in match)
        if total <= MAX_CANDIDATES:
            return query, len(match) == len(kept)
        if not narrow:
            return "", False
        import functools
        import itertools

        rare = by_rarity[:NARROW_WORDS]

        def narrowed(size: int) -> str:  # documents holding at least ``size`` of the rare words
            return " | ".join(
                "(" + " & ".join(_quote_lexeme(lx) for lx in combo) + ")" for combo in itertools.combinations(rare, size)
            )

        @functools.cache
        def count(size: int) -> int:
            # Counted only as far as the choices below look (half the time of a full count of common words).
            return self._gin_read(
                "select count(*) from (select 1 from documents where tsv @@ ?::tsquery limit ?) m",
                [narrowed(size), MAX_CANDIDATES * HOPELESS_FACTOR + 1],
            )[0][0]

        # The widest choice (fewest of the rare words together) that leaves at most MAX_CANDIDATES.
        # Holding more of the words is rarer, so counts fall with the size: walked from the
        # narrowest end, one count settles the usual costly case (common words, every choice
        # too wide), which walked from the widest end took three.
        n = total
        if len(rare) >= 2:
            size = len(rare)
            while size > 2 and count(size) <= MAX_CANDIDATES and count(size - 1) <= MAX_CANDIDATES:
                size -= 1
            n = count(size)
            if n:
                # Even below ``depth``: the heads' first stage adds as many again.
                query = narrowed(size)
            elif size > 2:
                query = narrowed(size - 1)  # nothing holds that many of the words: keep the wider set
        if n > MAX_CANDIDATES * HOPELESS_FACTOR:
            # Every word in a large share of the store, however many are asked for together:
            # a document matching them only in its body weighs little; the heads' stage ranks the rest.
            return "", False
        return query, False

    def _gin_read(self, sql: str, params: list) -> list[tuple]:
        """Rows of a read that matches ``documents.tsv``, planned on its GIN index.

        The planner does not count reading a document's ``tsvector`` back from
        TOAST, so it often prefers a sequential scan that reads every
        document's (95 ms at 10k documents, seconds at 100k) to the index
        (a few ms); ``set local`` keeps the choice to this one statement's
        transaction (or the caller's, when one is open).
        """
        if self._conn.depth:  # inside the caller's transaction: restore the setting after
            with self.transaction():
                self._conn.execute("set local enable_seqscan = off")
                rows = self._conn.execute(sql, params, prepare=False).fetchall()
                self._conn.execute("set local enable_seqscan = on")
            return rows
        raw = self._conn.raw
        with self._tx_lock:
            try:
                # The transaction, its setting and the read in one round trip, not four.
                with raw.pipeline():
                    raw.execute("begin")
                    raw.execute("set local enable_seqscan = off")
                    cur = self._conn.execute(sql, params, prepare=False)
                    raw.execute("commit")
                return cur.fetchall()
            except BaseException:
                raw.rollback()  # a failed read leaves its transaction open
                raise

    def _lexemes(self, terms: list[str]) -> dict[str, str | None]:
        """Each term's stem under :data:`TS_CONFIG` (None for a term that yields none)."""
        todo = [t for t in terms if t not in self._lexeme_cache]
        if todo:
            for t, arr in self._conn.execute(
                f"select t, tsvector_to_array(to_tsvector('{_CFG}', t)) from unnest(?::text[]) t", [todo]
            ):
                self._lexeme_cache[t] = arr[0] if arr else None
        return {t: self._lexeme_cache[t] for t in terms}

    def _stats_key(self) -> tuple:
        # Cheap (two index lookups): moves when documents are added or re-ingested.
        return tuple(self._conn.execute("select max(id), max(ingested_at) from documents").fetchone())

    def _corpus_size(self) -> tuple[int, float]:
        """Documents and their average length, cached until the documents change."""
        key = self._stats_key()
        if self._stats is None or self._stats[0] != key:
            n, avg = self._conn.execute("select count(*), avg(words) from documents").fetchone()
            meta = self._conn.execute("select documents, state from keyword_stats_meta where id = 1").fetchone()
            self._stats = (key, int(n), float(avg or 0.0), _stats_use(meta, key, int(n)))
            self._df_cache.clear()
        return self._stats[1], self._stats[2]

    def refresh_keyword_stats(self) -> int:
        """Count every stem's documents into ``lexeme_stats`` (``foi-search index`` calls this).

        One snapshot (repeatable read) gives the counts and the store state
        they belong to, so a concurrent writer cannot make them disagree.
        Readers keep the old counts until this commits.

        Returns:
            Distinct stems counted (0 when the counts were current).
        """
        with self.transaction():
            if self._conn.depth == 1:  # a caller's open transaction keeps its own level
                self._conn.execute("set transaction isolation level repeatable read")
            key = self._stats_key()
            meta = self._conn.execute("select state from keyword_stats_meta where id = 1").fetchone()
            if meta is not None and meta[0] == _state_text(key):
                return 0  # counted at this state already
            n = self._conn.execute("select count(*) from documents").fetchone()[0]
            self._conn.execute("delete from lexeme_stats")
            stems = self._conn.execute(
                "insert into lexeme_stats (lexeme, df) select word, ndoc from ts_stat('select tsv from documents')"
            ).rowcount
            self._conn.execute(
                """insert into keyword_stats_meta (id, documents, state, refreshed_at) values (1, ?, ?, ?)
                   on conflict (id) do update set documents = excluded.documents, state = excluded.state,
                   refreshed_at = excluded.refreshed_at""",
                [n, _state_text(key), datetime.now(timezone.utc).isoformat(timespec="seconds")],
            )
        self._stats = None
        return stems

    def _prefetch_df(self, lexemes) -> None:
        """Read the stored counts of ``lexemes`` not yet cached, in one query (see :func:`_stats_use`).

        Callers have just brought the cached statistics up to date (:meth:`_corpus_size`).
        """
        n, use = self._stats[1], self._stats[3]
        todo = sorted({lx for lx in lexemes if lx and lx not in self._df_cache})
        if use is None or not todo:
            return
        scale, exact = use
        found = dict(self._conn.execute("select lexeme, df from lexeme_stats where lexeme = any(?)", [todo]).fetchall())
        for lx in todo:
            if lx in found:
                self._df_cache[lx] = found[lx] if exact else max(1, min(n, round(found[lx] * scale)))
            elif exact:
                self._df_cache[lx] = 0  # counted at this very state: in no document
        # The rest (new since the counts) are counted through the index below.

    def _lexeme_df(self, lexeme: str) -> int:
        if lexeme not in self._df_cache:
            self._prefetch_df([lexeme])
        if lexeme not in self._df_cache:
            self._df_cache[lexeme] = self._gin_read(
                "select count(*) from documents where tsv @@ ?::tsquery", [_quote_lexeme(lexeme)]
            )[0][0]
        return self._df_cache[lexeme]

    def doc_frequency(self, term: str) -> int:
        """Documents whose keyword entry contains ``term`` (after stemming)."""
        # The term's stem, counted once per store state (keyword_scores counts the same stems).
        lexeme = self._lexemes([term])[term]
        if lexeme is None:
            return 0
        self._corpus_size()  # drops the cached counts when documents changed
        return self._lexeme_df(lexeme)

    def title_request_hits(self, terms: list[str], doc_ids: list[int], *, body: bool = False) -> dict[str, list[int]]:
        """Per term, those of ``doc_ids`` whose title or request (weights A, B; with ``body``, title or body: A, D) contains it."""
        out: dict[str, list[int]] = {t: [] for t in terms}
        if not doc_ids or not out:
            return out
        # One statement for every term (a round trip each cost a long query ~8 ms at 1M passages).
        order = list(out)
        tests = ", ".join(f"tsv @@ to_tsquery('{_CFG}', ?)" for _ in order)
        for doc, *hit in self._conn.execute(
            f"select id, {tests} from documents where id = any(?)",
            [*(ts_query([t], "AD" if body else "AB") for t in order), list(doc_ids)],
        ):
            for t, h in zip(order, hit):
                if h:
                    out[t].append(doc)
        return out

    def vector_search(self, sql: str, params: list, k: int) -> list[tuple]:
        """Rows of an HNSW search (``order by … <=> … limit k``), with the candidate list sized to ``k``.

        pgvector keeps ``hnsw.ef_search`` candidates (at most 1,000); with an
        iterative scan it goes on past them when more rows are asked for. A
        short list for a short search: visiting 1,000 candidates to return
        200 rows costs five times the time for nothing.
        """
        ef = max(HNSW_MIN_EF, min(HNSW_MAX_EF, k))
        if self._hnsw_ef is None:
            self._conn.execute("set hnsw.iterative_scan = relaxed_order")
            self._conn.execute(f"set hnsw.max_scan_tuples = {HNSW_MAX_SCAN_TUPLES}")
        if self._hnsw_ef != ef:
            # One round trip for both (views and passages alternate between two sizes every search).
            with self._conn.raw.pipeline():
                self._conn.raw.execute(f"set hnsw.ef_search = {ef}")
                cur = self._conn.execute(sql, params)
            self._hnsw_ef = ef
            return cur.fetchall()
        return self._conn.execute(sql, params).fetchall()

    def vector_documents(self, vector_ids: list[int], hidden_roles: list[str]) -> list[tuple[int, int]]:
        """``(vector id, document id)`` of passages with those vectors, ``hidden_roles`` left out."""
        return self._conn.execute(
            """select v.id, p.document_id from vectors v join passages p on p.content_hash = v.content_hash
               where v.id = any(?) and coalesce(p.role, '') <> all(?)""",
            [list(vector_ids), list(hidden_roles)],
        ).fetchall()

    def vector_passages(self, doc_ids: list[int], hidden_roles: list[str]) -> list[tuple[int, str, str, int]]:
        """``(document id, text, role, vector id)`` of the indexed passages of ``doc_ids``."""
        return self._conn.execute(
            """select p.document_id, p.text, p.role, v.id from passages p join vectors v on v.content_hash = p.content_hash
               where p.document_id = any(?) and coalesce(p.role, '') <> all(?)""",
            [list(doc_ids), list(hidden_roles)],
        ).fetchall()

    def keyword_passages(
        self, terms: list[str], doc_ids: list[int], hidden_roles: list[str]
    ) -> list[tuple[int, str, str, float]]:
        """``(document id, text, role, score)`` of passages of ``doc_ids`` matching any of ``terms``."""
        if not terms:
            return []
        return [
            (d, t, r, float(s))
            for d, t, r, s in self._conn.execute(
                f"""select p.document_id, p.text, p.role, ts_rank(p.tsv, q) from passages p, to_tsquery('{_CFG}', ?) q
                    where p.tsv @@ q and p.document_id = any(?) and coalesce(p.role, '') <> all(?)""",
                [ts_query(terms), list(doc_ids), list(hidden_roles)],
            )
        ]

    def exemption_passage_scores(self, terms: list[str], code: str) -> list[tuple[int, float]]:
        """``(passage id, keyword score)`` of passages about ``code`` matching any of ``terms``."""
        if not terms:
            return []
        return [
            (p, float(s))
            for p, s in self._conn.execute(
                f"""select p.id, ts_rank(p.tsv, q) from passages p, to_tsquery('{_CFG}', ?) q
                    where p.tsv @@ q and p.exemption = ?""",
                [ts_query(terms), code],
            )
        ]

    def best_paragraph_scores(self, terms: list[str], doc_ids: list[int]) -> dict[int, float]:
        """Per document of ``doc_ids``, the keyword score (``ts_rank``) of its best passage matching ``terms``."""
        if not terms or not doc_ids:
            return {}
        return {
            d: float(r)
            for d, r in self._conn.execute(
                f"""select p.document_id, max(ts_rank(p.tsv, q)) from passages p, to_tsquery('{_CFG}', ?) q
                    where p.document_id = any(?) and p.tsv @@ q group by p.document_id""",
                [ts_query(terms), list(doc_ids)],
            )
        }

    # -- document views --------------------------------------------------------------------

    def replace_doc_views(self, doc_ids: list[int], rows: list[tuple]) -> None:
        """Replace the views of ``doc_ids`` (vectors stored as pgvector values), keeping only current ones.

        A view of content that has changed since it was embedded is not
        written: the documents are share-locked first, so a re-ingest waits
        for this transaction and its trigger then drops what it made stale
        (migration 009: the store holds current views only).
        """
        import numpy as np

        with self.transaction():
            current = dict(
                self._conn.execute(
                    "select id, content_hash from documents where id = any(?) order by id for share", [list(doc_ids)]
                ).fetchall()
            )
            self._conn.execute("delete from doc_views where document_id = any(?)", [list(doc_ids)])
            self._conn.executemany(
                "insert into doc_views (document_id, view, model, doc_hash, vector, policy) values (?, ?, ?, ?, ?, ?)",
                [(d, v, m, h, np.asarray(vec, dtype="float32"), p) for d, v, m, h, vec, p in rows if current.get(d) == h],
            )

    def doc_view_rows(self, model: str, doc_ids: list[int] | None = None) -> list[tuple[int, str, object]]:
        """``(document_id, view, float32 vector)`` of current views for ``model`` (of ``doc_ids`` when given), by document id."""
        only = "" if doc_ids is None else " and v.document_id = any(%s)"
        # Binary results: pgvector's text form costs ~0.5 ms a vector to parse in
        # Python (seconds per client at 100k views); its binary form is a buffer copy.
        # Every stored view is current (migration 009): no look-up of the documents' hashes.
        with self._conn.raw.cursor(binary=True) as cur:
            cur.execute(
                f"""select v.document_id, v.view, v.vector from doc_views v where v.model = %s{only}
                   order by v.document_id""",
                [model] if doc_ids is None else [model, [int(i) for i in doc_ids]],
            )
            rows = cur.fetchall()
        return [(d, v, _as_array(vec)) for d, v, vec in rows]

    def passage_vector_rows(self, doc_ids: list[int], hidden_roles: list[str]) -> list[tuple[int, int, object]]:
        """``(document_id, vector id, float32 vector)`` of the indexed passages of ``doc_ids``, roles ``hidden_roles`` left out, by document."""
        with self._conn.raw.cursor(binary=True) as cur:  # binary: see doc_view_rows
            cur.execute(
                """select distinct p.document_id, v.id, v.embedding from passages p
                   join vectors v on v.content_hash = p.content_hash
                   where p.document_id = any(%s) and v.embedding is not null and coalesce(p.role, '') <> all(%s)
                   order by p.document_id, v.id""",
                [[int(i) for i in doc_ids], list(hidden_roles)],
            )
            rows = cur.fetchall()
        return [(d, i, _as_array(vec)) for d, i, vec in rows]

    # -- index manifest (what the FAISS manifest file is for SQLite) -------------------------

    def read_manifest(self, name: str = "passages") -> dict | None:
        """The stored manifest of the passage index, or None before the first build."""
        row = self._conn.execute("select data from index_manifest where name = ?", [name]).fetchone()
        return json.loads(row[0]) if row else None

    def write_manifest(self, data: dict, name: str = "passages") -> None:
        """Store the manifest; its version moves, so readers reload."""
        self._conn.execute(
            """insert into index_manifest (name, data, version) values (?, ?, 1)
               on conflict (name) do update set data = excluded.data, version = index_manifest.version + 1""",
            [name, json.dumps(data)],
        )

    def manifest_version(self, name: str = "passages") -> int | None:
        """A number that changes each time the manifest is written (None: no index yet)."""
        row = self._conn.execute("select version from index_manifest where name = ?", [name]).fetchone()
        return row[0] if row else None


#: pgvector's HNSW candidate list: at least its default, at most its maximum.
HNSW_MIN_EF, HNSW_MAX_EF = 40, 1000
#: Rows an iterative HNSW scan may visit before it stops.
HNSW_MAX_SCAN_TUPLES = 40_000
#: Stored stem counts stand in for live ones while at least this share of the
#: store's documents was counted (scaled by its growth since); below it, or
#: before the first ``foi-search index``, stems are counted through the GIN index.
STATS_MIN_SHARE = 0.8


def _state_text(key: tuple) -> str:
    return "|".join("" if v is None else str(v) for v in key)


def _stats_use(meta, key: tuple, n: int) -> tuple[float, bool] | None:
    """How the stored stem counts serve the store at ``key`` with ``n`` documents.

    ``(1.0, True)``: counted at exactly this state (a stem not stored is in
    no document); ``(factor, False)``: counted on most of these documents,
    each count scaled by the growth since (a stem not stored is counted
    live); None: not usable (never counted, or too long ago).
    """
    if meta is None or not meta[0]:
        return None
    counted, state = meta
    if state == _state_text(key):
        return 1.0, True
    if counted < STATS_MIN_SHARE * n or counted > n / STATS_MIN_SHARE:
        return None
    return n / counted, False


def _as_array(vec):
    """A pgvector value as a float32 array (the adapter gives a ``Vector`` or an array by version)."""
    import numpy as np

    return np.asarray(vec.to_numpy() if hasattr(vec, "to_numpy") else vec, dtype="float32")
