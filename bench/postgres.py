"""PostgreSQL + pgvector against SQLite + FAISS, side by side in one run.

    .venv/bin/python bench/postgres.py --source /tmp/sheff.db --passages 100000 --out docs/bench-postgres.json
    # 1M passages: build once (--phase load), then query what was built (--phase measure), same --work
    .venv/bin/python bench/postgres.py --source /tmp/sheff.db --passages 1000000 --work /tmp/b1m --phase load
    .venv/bin/python bench/postgres.py --source /tmp/sheff.db --passages 1000000 --work /tmp/b1m --phase measure

The corpus is generated from a real store (``--source``, e.g. the Sheffield
threads ingested with ``foi-search ingest``): each synthetic document takes a
real document's metadata and request, and passages made of sentences drawn
from real passages, so texts are realistic and every passage is new (its own
vector). Vectors come from a hashing embedder (words hashed into 384 signed
buckets, unit length): the bench measures the stores and indexes, not the
model, and both engines get the same vectors. Queries are the retrieval dev
queries (``../shared/eval/retrieval/dev_queries.jsonl``).

The bulk of the corpus is written into SQLite with ``save_document``, 1,000
documents a transaction, and copied into PostgreSQL by ``foi-search migrate``'s
code, so both engines hold the same rows; the *ingest rate* is measured on a
sample (``--sample-passages``) written on top, one document a transaction as
``foi-search ingest`` writes.

Measured for each engine: ingest rate, index build (passage vectors +
document views), disk, hybrid query p50/p95 (one process: the first queries
after opening, then warm, see :func:`measure_queries`), memory (client RSS; the server's for PostgreSQL), and 8 reader
processes + 1 writer process for a fixed time: queries per second, documents
written, errors. The PostgreSQL server is the embedded one (PostgreSQL 18,
pgvector 0.8) on 127.0.0.1, started in the work folder and stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import re
import resource
import shutil
import statistics
import sys
import time
import zlib
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DIM = 384
_WORD = re.compile(r"[a-z0-9]+")


class HashEmbedder:
    """Words hashed into signed buckets, unit length: deterministic, fast, shared by both engines."""

    def __init__(self):
        from index.model import DIMENSION, MODEL_NAME

        self.model_name, self.dimension, self.backend = MODEL_NAME, DIMENSION, "hash-bench"

    def embed(self, texts):
        import numpy as np

        out = np.zeros((len(texts), self.dimension), dtype="float32")
        for i, t in enumerate(texts):
            for w in _WORD.findall(t.lower()):
                if len(w) < 3:
                    continue
                h = zlib.crc32(w[:6].encode())
                out[i, h % self.dimension] += 1.0 if (h >> 16) & 1 else -1.0
            n = float(np.linalg.norm(out[i]))
            if n:
                out[i] /= n
            else:
                out[i, 0] = 1.0
        return out


def synthetic_documents(source: str, n_passages: int, seed: int = 7, offset: int = 0, lazy: bool = False):
    """Documents built from a real store until ``n_passages`` passages (see the module docstring).

    With ``lazy``, a generator (the 1M-passage corpus is not held in memory at once).
    """
    gen = _synthetic(source, n_passages, seed, offset)
    return gen if lazy else list(gen)


def _synthetic(source: str, n_passages: int, seed: int, offset: int):
    from foi_search.core.domain import Passage
    from foi_search.store import Store

    rnd = random.Random(seed + offset)
    with Store(source, create=False) as s:
        base = [s.load_document(i) for i in s.iter_document_ids()]
    sentences = [
        sent for d in base for p in d.passages for sent in re.split(r"(?<=[.?!])\s+", p.text) if len(sent) > 30
    ]
    vocab = sorted({w for d in base for w in _WORD.findall((d.title or "").lower()) if len(w) > 3})
    total, i = 0, 0
    while total < n_passages:
        d = base[i % len(base)]
        k = max(1, len(d.passages))
        passages = [
            Passage(" ".join(rnd.sample(sentences, rnd.randint(2, 5))), p.role, p.exemption, p.seq)
            for p in (d.passages or [Passage("", "response", None, 0)])
        ]
        extra = " ".join(rnd.sample(vocab, 3))
        yield replace(d, source_key=f"{d.source_key}~bench{offset}-{i}", title=f"{d.title} {extra}",
                      passages=passages)
        total += k
        i += 1


def rss_mb(pid: int | None = None) -> float:
    import psutil

    return psutil.Process(pid or os.getpid()).memory_info().rss / 1e6


def server_rss_mb(folder: Path) -> dict:
    """Memory of the PostgreSQL server in ``folder``: the postmaster's RSS plus each child's private part (USS).

    Shared buffers are counted once (in the postmaster's RSS as far as they are
    touched); ``children_rss_mb`` adds every child's whole RSS, shared pages again.
    """
    import psutil

    folder = str(folder)
    master = next((p for p in psutil.process_iter(["cmdline"])
                   if p.info["cmdline"] and "postgres" in p.info["cmdline"][0] and folder in " ".join(p.info["cmdline"])),
                  None)
    if master is None:
        return {}
    kids = master.children()
    uss = rss = 0
    for p in kids:
        try:
            mem = p.memory_full_info()
            uss, rss = uss + mem.uss, rss + mem.rss
        except (psutil.AccessDenied, psutil.NoSuchProcess):
            continue
    own = master.memory_info().rss
    return {"server_mb": round((own + uss) / 1e6, 1), "postmaster_rss_mb": round(own / 1e6, 1),
            "children_uss_mb": round(uss / 1e6, 1), "children_rss_mb": round(rss / 1e6, 1), "processes": len(kids) + 1}


def dir_bytes(p: Path) -> int:
    if p.is_file():
        return p.stat().st_size
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def queries() -> list[str]:
    path = ROOT.parent / "shared" / "eval" / "retrieval" / "dev_queries.jsonl"
    if path.exists():
        return [json.loads(line)["text"] for line in path.read_text().splitlines() if line.strip()]
    return ["parking fines issued by street", "potholes compensation claims", "council tax arrears bailiffs"]


def open_target(target: str):
    from foi_search.store.base import open_store

    return open_store(target)


def warm_queries() -> list[str]:
    """Queries other than the timed ones, that warm a store up: the team's own Sheffield set (shipped)."""
    path = ROOT / "eval" / "sheffield_b" / "queries.jsonl"
    return [json.loads(line)["text"] for line in path.read_text().splitlines() if line.strip()]


def measure_queries(target: str, qs: list[str], rounds: int, warm: list[str]) -> dict:
    """Query latency just after opening (the ``warm`` queries, each its first time) and once warm (``qs``).

    Warm means the store has answered the ``warm`` queries first (other queries than
    the timed ones, so no timed query finds its own rows cached by an earlier run of
    itself in the first round). Until 2026-12-06 the bench warmed up on five of the
    timed queries only, right after starting the server: that measured mostly a
    cold server's buffers (see ``after_open`` here).
    """
    from foi_search.search.searcher import Searcher

    store = open_target(target)
    t0 = time.perf_counter()
    s = Searcher(store, embedder=HashEmbedder(), notify=lambda m: None)
    s.search(warm[0])
    open_s = time.perf_counter() - t0
    first = []
    for q in warm:
        t = time.perf_counter()
        s.search(q)
        first.append((time.perf_counter() - t) * 1000)
    times = []
    for _ in range(rounds):
        for q in qs:
            t = time.perf_counter()
            r = s.search(q)
            times.append((time.perf_counter() - t) * 1000)
            assert r.mode == "hybrid"
    store.close()
    return {
        "open_s": round(open_s, 2),
        "after_open": {"queries": len(first), "p50_ms": round(statistics.median(first), 1),
                       "p95_ms": round(percentile(first, 0.95), 1)},
        "queries": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "client_rss_mb": round(rss_mb(), 1),
    }


def _reader(target: str, qs: list[str], seconds: float, out) -> None:
    done, errors, lat = 0, 0, []
    try:
        from foi_search.search.searcher import Searcher

        store = open_target(target)
        s = Searcher(store, embedder=HashEmbedder(), notify=lambda m: None)
        s.search(qs[0])
        end = time.perf_counter() + seconds
        i = 0
        while time.perf_counter() < end:
            t = time.perf_counter()
            try:
                s.search(qs[i % len(qs)])
                done += 1
                lat.append((time.perf_counter() - t) * 1000)
            except Exception as e:  # noqa: BLE001 - counted, the bench goes on
                errors += 1
                print(f"reader error: {e}", file=sys.stderr)
            i += 1
    except Exception as e:  # noqa: BLE001
        errors += 1
        print(f"reader failed: {e}", file=sys.stderr)
    out.put(("reader", done, errors, lat))


def _writer(target: str, docs, seconds: float, out) -> None:
    done, errors = 0, 0
    try:
        store = open_target(target)
        end = time.perf_counter() + seconds
        for d in docs:
            if time.perf_counter() >= end:
                break
            try:
                store.save_document(d)
                done += 1
            except Exception as e:  # noqa: BLE001
                errors += 1
                print(f"writer error: {e}", file=sys.stderr)
        store.close()
    except Exception as e:  # noqa: BLE001
        errors += 1
        print(f"writer failed: {e}", file=sys.stderr)
    out.put(("writer", done, errors, []))


def concurrent(target: str, qs: list[str], extra_docs, readers: int, seconds: float) -> dict:
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    procs = [ctx.Process(target=_reader, args=(target, qs, seconds, out)) for _ in range(readers)]
    procs.append(ctx.Process(target=_writer, args=(target, extra_docs, seconds, out)))
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    reads = [r for r in results if r[0] == "reader"]
    lat = [x for r in reads for x in r[3]]
    return {
        "readers": readers,
        "seconds": seconds,
        "queries": sum(r[1] for r in reads),
        "queries_per_s": round(sum(r[1] for r in reads) / seconds, 1),
        "query_p50_ms": round(statistics.median(lat), 1) if lat else None,
        "query_p95_ms": round(percentile(lat, 0.95), 1) if lat else None,
        "documents_written": sum(r[1] for r in results if r[0] == "writer"),
        "errors": sum(r[2] for r in results),
    }


def bulk_load_sqlite(db: str, docs, batch: int = 1000) -> dict:
    """Write the bulk of the corpus into a new SQLite store, ``batch`` documents a transaction.

    The same ``save_document`` as ingest, but without a commit (and fsync) per
    document: only the ingest *rate* is measured on a sample written on top.
    """
    from foi_search.store import Store

    t = time.perf_counter()
    n = 0
    with Store(db) as store:
        chunk = []
        for d in docs:
            chunk.append(d)
            if len(chunk) >= batch:
                with store.transaction():
                    for x in chunk:
                        store.save_document(x)
                n += len(chunk)
                chunk = []
        if chunk:
            with store.transaction():
                for x in chunk:
                    store.save_document(x)
            n += len(chunk)
        passages = store.conn.execute("select count(*) from passages").fetchone()[0]
    return {"documents": n, "passages": passages, "seconds": round(time.perf_counter() - t, 1)}


def bulk_load_postgres(db: str, url: str) -> dict:
    """Copy the bulk-loaded SQLite rows into PostgreSQL (``foi-search migrate``'s batches): the same rows."""
    from foi_search.services.migrating import migrate_to_postgres
    from foi_search.store import Store

    t = time.perf_counter()
    with Store(db, create=False) as src:
        target = open_target(url)
        report = migrate_to_postgres(src, target, batch=2000)
        target.conn.execute("analyze")
        target.close()
    return {"rows": sum(report.copied.values()), "seconds": round(time.perf_counter() - t, 1)}


def load_engine(name: str, target: str, sample, disk_path, bulk: dict) -> dict:
    """On a bulk-loaded store: the ingest rate on a sample, the index build, the disk."""
    from foi_search.services.indexing import build_index

    res: dict = {"engine": name, "bulk_load": bulk}
    store = open_target(target)
    # The ingest rate: one document a transaction, as `foi-search ingest` writes, on top of the loaded store.
    t = time.perf_counter()
    for d in sample:
        store.save_document(d)
    secs = time.perf_counter() - t
    res["documents"] = store.conn.execute("select count(*) from documents").fetchone()[0]
    res["passages"] = store.conn.execute("select count(*) from passages").fetchone()[0]
    res["ingest_sample_documents"] = len(sample)
    res["ingest_s"] = round(secs, 1)
    res["ingest_docs_per_s"] = round(len(sample) / secs, 1)
    res["ingest_passages_per_s"] = round(sum(len(d.passages) for d in sample) / secs, 1)
    t = time.perf_counter()
    report = build_index(store, embedder=HashEmbedder())
    res["index_build_s"] = round(time.perf_counter() - t, 1)
    res["index_embed_s"] = report.embed_seconds
    res["vectors"] = report.total_vectors
    res["index_type"] = report.index_type
    store.close()
    res["disk_mb"] = round(disk_path() / 1e6, 1)
    print(json.dumps(res), file=sys.stderr, flush=True)
    return res


def measure_engine(res: dict, target: str, extra_docs, qs, args, server_folder=None) -> dict:
    """Warm hybrid queries, memory, and readers + a writer, on a loaded and indexed store."""
    res["warm_hybrid"] = measure_queries(target, qs, args.rounds, warm_queries())
    if server_folder is not None:
        res["server_memory"] = server_rss_mb(server_folder)
    print(json.dumps(res), file=sys.stderr, flush=True)
    if args.seconds > 0:
        res["concurrent"] = concurrent(target, qs, extra_docs, args.readers, args.seconds)
    print(json.dumps(res), file=sys.stderr, flush=True)
    return res


def pg_settings(args) -> dict:
    return {
        "shared_buffers": args.shared_buffers, "maintenance_work_mem": "2GB", "max_connections": "50",
        "fsync": "on", "synchronous_commit": "on", "full_page_writes": "on",
        "max_wal_size": "8GB", "effective_cache_size": "8GB",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", required=True, help="A SQLite store whose documents the corpus is generated from.")
    ap.add_argument("--passages", type=int, default=100_000)
    ap.add_argument("--work", default="/tmp/foi-bench-postgres", help="Scratch folder (deleted first when loading).")
    ap.add_argument("--rounds", type=int, default=3, help="Passes over the queries for p50/p95.")
    ap.add_argument("--readers", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--engines", default="sqlite,postgresql")
    ap.add_argument("--sample-passages", type=int, default=10_000,
                    help="Passages of the sample whose save_document rate is the ingest figure.")
    ap.add_argument("--shared-buffers", default="2GB")
    ap.add_argument("--phase", choices=("all", "load", "measure"), default="all",
                    help="load: build the stores and keep them in --work; measure: query what load left there.")
    ap.add_argument("--keep", action="store_true", help="Keep the work folder (the server is stopped).")
    ap.add_argument("--out", help="Write the results as JSON here.")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import signal

    # A killed bench still stops its PostgreSQL server (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    work = Path(args.work)
    db = work / "bench.db"
    qs = queries()
    extra = synthetic_documents(args.source, 20_000, offset=1)
    engines = [e for e in ("sqlite", "postgresql") if e in args.engines]
    server = url = None
    if args.phase in ("all", "load"):
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        sample = synthetic_documents(args.source, args.sample_passages, offset=2)
        results = {"passages_target": args.passages, "sample_passages": args.sample_passages,
                   "cpus": os.cpu_count(), "engines": []}
        # The bulk of the corpus, once, into SQLite; PostgreSQL gets the same rows copied from it.
        bulk = bulk_load_sqlite(str(db), synthetic_documents(args.source, args.passages, lazy=True))
        results["bulk"] = bulk
        print(f"bulk-loaded {bulk}", file=sys.stderr, flush=True)
    else:
        results = json.loads((work / "load.json").read_text())
    try:
        if "postgresql" in engines:
            from foi_search.store.pg_embedded import start_server

            server = start_server(work / "pg", settings=pg_settings(args))
            url = server.url("bench")
        if args.phase in ("all", "load"):
            if url is not None:
                url = server.create_database("bench")
                pg_bulk = bulk_load_postgres(str(db), url)
                print(f"copied into PostgreSQL {pg_bulk}", file=sys.stderr, flush=True)
            for e in engines:
                if e == "sqlite":
                    results["engines"].append(load_engine(
                        "sqlite+faiss", str(db), sample,
                        lambda: dir_bytes(db) + dir_bytes(work / "bench.index") + sum(
                            dir_bytes(p) for p in work.glob("bench.db-*")), bulk))
                else:
                    def pg_size() -> int:
                        import psycopg

                        with psycopg.connect(url) as c:
                            return c.execute("select pg_database_size(current_database())").fetchone()[0]

                    results["engines"].append(load_engine("postgresql+pgvector", url, sample, pg_size, pg_bulk))
            (work / "load.json").write_text(json.dumps(results, indent=2))
        if args.phase in ("all", "measure"):
            for res in results["engines"]:
                if res["engine"].startswith("sqlite") and "sqlite" in engines:
                    measure_engine(res, str(db), extra, qs, args)
                elif res["engine"].startswith("postgresql") and url is not None:
                    measure_engine(res, url, extra, qs, args, server_folder=work / "pg")
    finally:
        if server is not None:
            server.stop()
        if not args.keep and args.phase != "load":
            shutil.rmtree(work, ignore_errors=True)
    results["client_max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3, 1)
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
