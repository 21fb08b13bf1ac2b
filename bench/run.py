"""foi-search benchmarks: one command, a table on stdout, JSON in bench/results/latest.json.

    python bench/run.py            # everything (~30-40 min on 2 busy cores)
    python bench/run.py --quick    # a subset: no 1M vectors, no full corpus (~5 min)
    python bench/run.py --only startup,faiss

Heavy steps run in child processes (this same file with ``--child``) so each
one's wall time, CPU time and peak memory are its own (``os.wait4``). CPU time
is reported beside wall time because a shared machine stretches wall time.
Nothing here is a test: timings never gate CI.

Sections (docs/benchmarks.md explains each figure and the targets):
startup, parse, embedding, corpus (ingest + index of the whole corpus),
query (warm and cold, search and precedents), faiss (synthetic 10k/100k/1M),
peers (txtai and FTS5-only against foi-search on the Sheffield threads, with
nDCG@10 on the dev retrieval set), static (a model2vec static model distilled
from the packaged one, alone or beside the transformer: throughput, index time
and nDCG@10; a finding, not used by the product).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("FOI_SEARCH_SHARED", ROOT.parent / "shared"))
RESULTS = ROOT / "bench" / "results"
SECTIONS = ("startup", "parse", "embedding", "corpus", "query", "faiss", "peers", "static")


# -- helpers ---------------------------------------------------------------------


def pct(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation; None for no values."""
    if not values:
        return None
    v = sorted(values)
    pos = (len(v) - 1) * q / 100
    lo, hi = int(pos), min(int(pos) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


def rss_mb() -> float:
    """Resident memory of this process now, in MB (Linux; 0 elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def dir_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def foi_search_exe() -> list[str]:
    """The console script as a user runs it (falls back to the module)."""
    exe = Path(sys.executable).with_name("foi-search")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "foi_search"]


def run_child(step: str, workdir: Path, **kwargs) -> dict:
    """Run ``step`` in a fresh process; its JSON result plus wall, CPU and peak RSS."""
    out = workdir / f"{step}.{os.getpid()}.{time.monotonic_ns()}.json"
    log = workdir / f"{step}.log"
    cmd = [sys.executable, __file__, "--child", step, "--child-args", json.dumps(kwargs), "--child-out", str(out)]
    t0 = time.perf_counter()
    with open(log, "a") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    if proc.returncode != 0 or not out.exists():
        tail = log.read_text()[-1500:] if log.exists() else ""
        return {"error": f"{step} failed (exit {proc.returncode})", "log_tail": tail}
    result = json.loads(out.read_text())
    out.unlink()
    result["_process"] = {
        "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
    }
    return result


def corpus_dir() -> Path | None:
    p = SHARED / "corpus"
    return p if p.exists() else None


def eval_dir() -> Path | None:
    p = SHARED / "eval" / "retrieval"
    return p if (p / "dev_queries.jsonl").exists() else None


def dev_queries() -> list[dict]:
    d = eval_dir()
    if not d:
        return [{"qid": "x1", "kind": "officer_query", "text": "parking fines issued by month"},
                {"qid": "x2", "kind": "new_request", "text": "How many potholes were repaired last year and what did it cost?"}]
    return [json.loads(line) for line in (d / "dev_queries.jsonl").read_text().splitlines() if line.strip()]


# -- children: each runs in its own process -------------------------------------------


def child_ingest(db: str, paths: list[str], per_folder_limit: int | None = None, jobs: int | None = None) -> dict:
    """Ingest ``paths`` with ``jobs`` reader processes (default one per CPU).

    With ``jobs=1`` it also times each file, giving docs/s per detected format.
    """
    from foi_search.store import Store
    from ingest.detect import detect
    from ingest.pipeline import ingest_paths, iter_files

    files = list(iter_files(paths))
    if per_folder_limit:
        by_dir: dict[Path, int] = {}
        kept = []
        for f in files:
            by_dir[f.parent] = by_dir.get(f.parent, 0) + 1
            if by_dir[f.parent] <= per_folder_limit:
                kept.append(f)
        files = kept
    fmt_of: dict[str, str] = {}
    for f in files:
        try:
            with open(f, "rb") as fh:
                found = detect(f, fh.read(65536))
        except OSError:
            found = None
        fmt_of[str(f)] = found[0] if found else "skipped"
    seconds: dict[str, float] = {}
    state = {"path": None, "t": time.perf_counter()}

    def tick(path) -> None:
        now = time.perf_counter()
        if state["path"] is not None:
            fmt = fmt_of.get(str(state["path"]), "skipped")
            seconds[fmt] = seconds.get(fmt, 0.0) + now - state["t"]
        state["path"], state["t"] = path, now

    store = Store(db)
    t0 = time.perf_counter()
    report = ingest_paths(store, files, progress=tick if jobs == 1 else None, jobs=jobs)
    tick(None)
    total = time.perf_counter() - t0
    per_format = {
        fmt: {"docs": n, "seconds": round(seconds.get(fmt, 0.0), 2),
              "docs_per_s": round(n / seconds[fmt], 1) if seconds.get(fmt) else None}
        for fmt, n in report.by_format.items()
    } if jobs == 1 else {fmt: {"docs": n} for fmt, n in report.by_format.items()}
    stats = store.stats()
    return {"files": report.files, "documents": report.succeeded, "failed": len(report.failed),
            "seconds": round(total, 2), "per_format": per_format,
            "passages": stats["passages"], "unique_passages": stats["unique_passages"]}


def child_index(db: str, backend: str = "onnx", doc_views: bool = True) -> dict:
    """Build the vector index of ``db`` from nothing."""
    from foi_search.services.indexing import build_index
    from foi_search.store import Store

    store = Store(db)
    if doc_views and "doc_views" in store.db.table_names():
        with store.transaction():  # measure from nothing: summaries too
            store.conn.execute("delete from doc_views")
    report = build_index(store, backend=backend, doc_views=doc_views, rebuild=True)
    from dataclasses import asdict

    return asdict(report)


def _sample_texts(db: str, n: int, seed: int = 0) -> list[str]:
    """``n`` unit texts the index policy embeds, sampled from ``db``."""
    from foi_search.store import Store
    from index.collection import PassageIndex

    pidx = PassageIndex(Store(db))
    units = sorted(pidx.wanted_units())
    random.Random(seed).shuffle(units)
    rows = [(i, h, c) for i, (h, c) in enumerate(units[:n])]
    return [t for _, t in pidx.unit_texts(rows)]


def child_embedding(db: str, n: int) -> dict:
    """Torch and ONNX int8 on the same passages: throughput and agreement."""
    import numpy as np

    from index.embedder import load_embedder

    texts = _sample_texts(db, n)
    out: dict = {"passages": len(texts)}
    vecs = {}
    for backend in ("torch", "onnx"):
        t0 = time.perf_counter()
        emb = load_embedder(backend)
        load_s = time.perf_counter() - t0
        emb.embed(texts[:8])  # warm-up
        c0, t0 = time.process_time(), time.perf_counter()
        vecs[backend] = emb.embed(texts)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        out[backend] = {"load_s": round(load_s, 2), "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
                        "passages_per_s": round(len(texts) / wall, 1),
                        "passages_per_cpu_s": round(len(texts) / cpu, 1) if cpu else None}
    from tokenizers import Tokenizer

    from index.model import packaged_model_path

    tok = Tokenizer.from_file(str(Path(packaged_model_path()) / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(256)
    tokens = sum(len(e.ids) for e in tok.encode_batch(texts))
    out["tokens"] = tokens
    for backend in ("torch", "onnx"):
        out[backend]["tokens_per_s"] = round(tokens / out[backend]["wall_s"])
    cos = (vecs["torch"] * vecs["onnx"]).sum(axis=1)
    out["cosine_onnx_vs_torch"] = {"mean": round(float(cos.mean()), 4), "min": round(float(cos.min()), 4)}
    out["speedup_onnx"] = round(out["torch"]["wall_s"] / out["onnx"]["wall_s"], 2)
    return out


def child_query(db: str, cold: bool = False) -> dict:
    """Warm latency of search, keyword-only search and precedents (model and index loaded once)."""
    from foi_search.search.searcher import Searcher
    from foi_search.store import Store

    store = Store(db)
    queries = [q["text"] for q in dev_queries()]
    out: dict = {"queries": len(queries)}
    t0 = time.perf_counter()
    searcher = Searcher(store, notify=lambda m: None)
    searcher.search(queries[0])
    out["first_query_s"] = round(time.perf_counter() - t0, 3)
    out["mode"] = searcher.mode
    for name, s in (("search", searcher), ("keyword_only", Searcher(store, keyword_only=True, notify=lambda m: None))):
        s.search(queries[1])
        times = []
        for q in queries:
            t = time.perf_counter()
            s.search(q)
            times.append(time.perf_counter() - t)
        out[name] = {"p50_ms": ms(pct(times, 50)), "p95_ms": ms(pct(times, 95))}
    try:
        from foi_search.search.precedents import precedent_report
    except ImportError:
        out["precedents"] = {"skipped": "foi_search.search.precedents not present"}
    else:
        times = []
        for q in [q["text"] for q in dev_queries() if q.get("kind") == "new_request"][:15] or queries[:5]:
            t = time.perf_counter()
            precedent_report(store, q, searcher=searcher)
            times.append(time.perf_counter() - t)
        out["precedents"] = {"p50_ms": ms(pct(times, 50)), "p95_ms": ms(pct(times, 95)), "n": len(times)}
    return out


def child_ndcg(db: str, keyword_only: bool = False) -> dict:
    """nDCG@10 etc. of foi-search on the dev retrieval set."""
    from foi_search.services.evaluate.retrieval import evaluate_retrieval
    from foi_search.search.searcher import Searcher
    from foi_search.store import Store

    d = eval_dir()
    store = Store(db)
    searcher = Searcher(store, keyword_only=keyword_only, notify=lambda m: None)
    scores = evaluate_retrieval(store, d / "dev_queries.jsonl", d / "dev_qrels.tsv", searcher=searcher)
    return {"overall": scores.overall, "by_kind": scores.by_kind, "mode": scores.mode}


def _clustered(n: int, dim: int, seed: int):
    """Synthetic unit vectors shaped like real passage embeddings.

    A shared direction plus 200 topics and 20,000 sub-topics: at 100k vectors
    the median nearest-neighbour cosine is ~0.82, the 10th ~0.64 and the median
    pair ~0.23, against 0.77 / 0.65 / 0.28 for the corpus's real MiniLM vectors
    (isotropic random vectors would make IVF look far worse, tight clusters far better).
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    common = rng.normal(size=dim).astype("float32")
    common /= np.linalg.norm(common)
    topics = 0.8 * common + rng.normal(size=(200, dim)).astype("float32") / np.sqrt(dim)
    subs = topics[rng.integers(0, 200, 20_000)] + 0.8 * rng.normal(size=(20_000, dim)).astype("float32") / np.sqrt(dim)
    x = np.empty((n, dim), dtype="float32")
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        x[start : start + m] = subs[rng.integers(0, 20_000, m)] + 0.75 * rng.normal(size=(m, dim)).astype("float32") / np.sqrt(dim)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def child_faiss(n: int, kinds: list[str], dim: int = 384, queries: int = 200) -> dict:
    """Build each index type over ``n`` synthetic vectors: time, memory, latency, recall@10."""
    import gc

    import faiss
    import numpy as np

    from index.vector_index import VectorIndex

    x = _clustered(n, dim, seed=n)
    ids = np.arange(n, dtype="int64")
    rng = np.random.default_rng(1)
    # Queries near, not on, indexed vectors (a new request resembles old ones).
    q = x[rng.choice(n, queries, replace=False)] + 0.5 * rng.normal(size=(queries, dim)).astype("float32") / np.sqrt(dim)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    _, truth = faiss.knn(q, x, 10, metric=faiss.METRIC_INNER_PRODUCT)
    out: dict = {"n": n, "dim": dim, "data_mb": round(x.nbytes / 2**20, 1)}
    for kind in kinds:
        gc.collect()
        before = rss_mb()
        t0 = time.perf_counter()
        idx = VectorIndex.build("bench", dim, ids, x, kind)
        build = time.perf_counter() - t0
        held = rss_mb() - before
        times, found = [], []
        for row in q:
            t = time.perf_counter()
            _, got = idx.search(row, 10)
            times.append(time.perf_counter() - t)
            found.append(got[0])
        recall = float(np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth)]))
        out[kind] = {
            "build_s": round(build, 2), "rss_growth_mb": round(held, 1),
            "index_mb": round(idx.memory_bytes() / 2**20, 1),
            "p50_ms": ms(pct(times, 50)), "p95_ms": ms(pct(times, 95)),
            "recall_at_10": round(recall, 4), "nlist": idx.manifest.nlist, "nprobe": idx.manifest.nprobe,
        }
        del idx
    return out


def child_txtai(db: str, limit: int | None = None, ndcg: bool = True) -> dict:
    """txtai (SQLite + FAISS + the same model, hybrid BM25) on the passages foi-search embeds."""
    from foi_search.store import Store
    from index.collection import PassageIndex
    from index.model import packaged_model_path

    from txtai import Embeddings

    store = Store(db)
    pidx = PassageIndex(store)
    units = sorted(pidx.wanted_units())[: limit or None]
    items = pidx.unit_texts([(i, h, c) for i, (h, c) in enumerate(units)])
    docs_of: dict[int, list[str]] = {}
    by_hash: dict[str, list[str]] = {}
    for h, key in store.conn.execute(
        "select p.content_hash, d.source_key from passages p join documents d on d.id = p.document_id order by d.id"
    ):
        lst = by_hash.setdefault(h, [])
        if key not in lst:
            lst.append(key)
    for i, (h, _) in enumerate(units):
        docs_of[i] = by_hash.get(h, [])
    out: dict = {"passages": len(items)}
    t0 = time.perf_counter()
    emb = Embeddings(path=str(packaged_model_path()), method="sentence-transformers", content=True, hybrid=True)
    emb.index([(i, t, None) for i, t in items])
    out["build_s"] = round(time.perf_counter() - t0, 2)
    queries = dev_queries()
    emb.search(queries[0]["text"], 10)
    times, rankings = [], {}
    for q in queries:
        t = time.perf_counter()
        res = emb.search(q["text"], 100)
        times.append(time.perf_counter() - t)
        ranked: list[str] = []
        for r in res:
            for key in docs_of.get(int(r["id"]), []):
                if key not in ranked:
                    ranked.append(key)
        rankings[q["qid"]] = ranked
    out["query_p50_ms"], out["query_p95_ms"] = ms(pct(times, 50)), ms(pct(times, 95))
    if ndcg and eval_dir():
        from foi_search.services.evaluate.retrieval import load_qrels, ndcg_at

        qrels = load_qrels(eval_dir() / "dev_qrels.tsv")
        scores = [ndcg_at(rankings[q["qid"]], qrels[q["qid"]], 10) for q in queries
                  if not q.get("no_relevant") and q["qid"] in qrels]
        out["ndcg@10"] = round(sum(scores) / len(scores), 4) if scores else None
    return out


def child_timed_texts(db: str, n: int) -> dict:
    """Ours on exactly the passages txtai gets: embed (ONNX) + FAISS add, for a like-for-like build time."""
    from index.embedder import DIMENSION, MODEL_NAME, load_embedder
    from index.vector_index import VectorIndex

    texts = _sample_texts(db, n) if n else []
    t0 = time.perf_counter()
    emb = load_embedder("onnx")
    import numpy as np

    vecs = emb.embed(texts)
    VectorIndex.build(MODEL_NAME, DIMENSION, np.arange(len(texts)), vecs, "flat")
    return {"passages": len(texts), "build_s": round(time.perf_counter() - t0, 2)}


CHILDREN = {
    "ingest": child_ingest, "index": child_index, "embedding": child_embedding, "query": child_query,
    "ndcg": child_ndcg, "faiss": child_faiss, "txtai": child_txtai, "timed_texts": child_timed_texts,
}


# -- sections (run in the parent) -------------------------------------------------------


def section_startup(ctx: dict) -> dict:
    cmd = foi_search_exe() + ["--help"]
    subprocess.run(cmd, capture_output=True, check=True)  # warm the file cache
    times = []
    for _ in range(9 if not ctx["quick"] else 5):
        t = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        times.append(time.perf_counter() - t)
    return {"help_median_s": round(statistics.median(times), 3), "help_min_s": round(min(times), 3), "runs": len(times)}


def section_parse(ctx: dict) -> dict:
    corpus = corpus_dir()
    if not corpus:
        return {"skipped": f"no corpus at {SHARED / 'corpus'}"}
    db = ctx["work"] / "parse.db"
    return run_child("ingest", ctx["work"], db=str(db), paths=[str(corpus)], per_folder_limit=40, jobs=1)


def _sheffield_db(ctx: dict) -> Path | None:
    """The Sheffield threads ingested (the dev retrieval set's corpus), once per run."""
    if "sheffield_db" in ctx:
        return ctx["sheffield_db"]
    corpus = corpus_dir()
    if not corpus:
        ctx["sheffield_db"] = None
        return None
    db = ctx["work"] / "sheffield.db"
    r = run_child("ingest", ctx["work"], db=str(db), paths=[str(corpus / "wdtk-sheffield")],
                  per_folder_limit=120 if ctx["quick"] else None, jobs=1)
    ctx["sheffield_ingest"] = r
    ctx["sheffield_db"] = db if "error" not in r else None
    return ctx["sheffield_db"]


def section_embedding(ctx: dict) -> dict:
    db = _sheffield_db(ctx)
    if not db:
        return {"skipped": "no corpus to sample passages from"}
    return run_child("embedding", ctx["work"], db=str(db), n=64 if ctx["quick"] else 400)


def section_corpus(ctx: dict) -> dict:
    corpus = corpus_dir()
    if ctx["quick"]:
        return {"skipped": "--quick: the whole corpus takes ~15-25 minutes on 2 cores"}
    if not corpus:
        return {"skipped": f"no corpus at {SHARED / 'corpus'}"}
    db = ctx["work"] / "corpus.db"
    ingest = run_child("ingest", ctx["work"], db=str(db), paths=[str(corpus)])
    index = run_child("index", ctx["work"], db=str(db), backend="onnx")
    ctx["corpus_db"] = db
    total = (ingest.get("_process", {}).get("wall_s") or 0) + (index.get("_process", {}).get("wall_s") or 0)
    return {
        "ingest": ingest, "index": index, "total_wall_s": round(total, 1),
        "db_mb": round(dir_size(db) / 2**20, 1),
        "index_mb": round(dir_size(db.with_name(db.stem + ".index")) / 2**20, 1),
    }


def _search_cli_exists() -> bool:
    r = subprocess.run(foi_search_exe() + ["search", "--help"], capture_output=True)
    return r.returncode == 0


def section_query(ctx: dict) -> dict:
    db = ctx.get("corpus_db") or ctx.get("peers_db")
    if db is None:
        db = _sheffield_db(ctx)
        if db is None:
            return {"skipped": "no corpus"}
        idx = run_child("index", ctx["work"], db=str(db), backend="onnx")
        if "error" in idx:
            return {"skipped": "index build failed", "detail": idx}
        ctx["peers_db"], ctx["sheffield_index"] = db, idx
    try:
        import foi_search.search.searcher  # noqa: F401
    except ImportError:
        return {"skipped": "foi_search.search.searcher not present yet"}
    warm = run_child("query", ctx["work"], db=str(db))
    out: dict = {"db": db.name, "warm": warm}
    if not _search_cli_exists():
        out["cold"] = {"skipped": "no 'foi-search search' command yet"}
        return out
    cold: dict = {}
    # A pip install compiles the package's modules; an editable one (and
    # PYTHONDONTWRITEBYTECODE, set on some machines) leaves every cold run
    # compiling them again (~0.1 s). Measure the product as installed.
    subprocess.run([sys.executable, "-m", "compileall", "-q", "foi_search", "ingest", "index"], cwd=ROOT,
                   capture_output=True)
    queries = [q["text"] for q in dev_queries()][:7]
    for cmd in ("search", "precedents"):
        times = []
        for q in queries[: 7 if cmd == "search" else 3]:
            t = time.perf_counter()
            subprocess.run(foi_search_exe() + ["--db", str(db), cmd, q, "--json"], capture_output=True)
            times.append(time.perf_counter() - t)
        cold[cmd] = {"p50_s": round(pct(times, 50), 3), "p95_s": round(pct(times, 95), 3), "runs": len(times)}
    out["cold"] = cold
    return out


def section_faiss(ctx: dict) -> dict:
    sizes = [10_000, 100_000] + ([] if ctx["quick"] else [1_000_000])
    out = {}
    for n in sizes:
        kinds = ["flat", "ivf-sq8", "ivf-flat"] if n >= 100_000 else ["flat"]
        out[str(n)] = run_child("faiss", ctx["work"], n=n, kinds=kinds)
    return out


def section_peers(ctx: dict) -> dict:
    db = _sheffield_db(ctx)
    if not db:
        return {"skipped": "no corpus"}
    out: dict = {}
    ours = ctx.get("sheffield_index") or run_child("index", ctx["work"], db=str(db), backend="onnx")
    ctx["peers_db"], ctx["sheffield_index"] = db, ours
    out["foi_search_index"] = ours
    ndcg_ok = eval_dir() is not None and not ctx["quick"]
    try:
        import foi_search.services.evaluate.retrieval  # noqa: F401
        import foi_search.search.searcher  # noqa: F401
    except ImportError:
        ndcg_ok = False
        out["ndcg_note"] = "foi_search.search.searcher / evaluate_retrieval not present"
    if ndcg_ok:
        out["foi_search_ndcg"] = run_child("ndcg", ctx["work"], db=str(db))
        out["fts5_ndcg"] = run_child("ndcg", ctx["work"], db=str(db), keyword_only=True)
    warm = run_child("query", ctx["work"], db=str(db))
    out["foi_search_query"] = warm
    try:
        import txtai  # noqa: F401
    except ImportError:
        out["txtai"] = {"skipped": "txtai not installed: pip install -e '.[bench]'"}
        return out
    limit = 600 if ctx["quick"] else None
    tx = run_child("txtai", ctx["work"], db=str(db), limit=limit, ndcg=ndcg_ok)
    out["txtai"] = tx
    n = tx.get("passages", 0)
    same = run_child("timed_texts", ctx["work"], db=str(db), n=n)
    out["foi_search_same_passages"] = same
    if "build_s" in tx and same.get("build_s"):
        out["ratios"] = {
            "build_txtai_over_ours_same_passages": round(tx["build_s"] / same["build_s"], 2),
            "build_txtai_over_ours_full_index": round(tx["build_s"] / ours["_process"]["wall_s"], 2)
            if "_process" in ours else None,
        }
        sp50 = (warm.get("search") or {}).get("p50_ms")
        if sp50 and tx.get("query_p50_ms"):
            out["ratios"]["query_p50_txtai_over_ours"] = round(tx["query_p50_ms"] / sp50, 2)
            kp50 = (warm.get("keyword_only") or {}).get("p50_ms")
            if kp50:
                out["ratios"]["query_p50_txtai_over_fts5"] = round(tx["query_p50_ms"] / kp50, 2)
    return out


# -- static (model2vec) embeddings: measured, not used by the product --------------------------

#: Static models to measure: model folders written by model2vec's ``distill``,
#: separated by os.pathsep. Unset: the section distills one (``pca_dims=256``)
#: from the packaged model into its work folder, which needs
#: ``model2vec[distill]`` (it pins transformers < 5.4, so it is usually run in a
#: separate environment; docs/benchmarks.md shows how).
ENV_STATIC_MODELS = "FOI_SEARCH_STATIC_MODELS"
#: Static top-N passages re-scored with the transformer at query time ("static passages + re-score").
STATIC_RESCORE_N = 50
#: Configurations: which model embeds passages, and which embeds the document views.
#: The query is embedded by each model whose vectors it is compared with.
STATIC_CONFIGS = {
    "transformer": ("onnx", "onnx"),  # the product as it is: the baseline
    "static": ("static", "static"),
    "static-passages": ("static", "onnx"),
    "static-views": ("onnx", "static"),
}


class _StaticEmbedder:
    """A model2vec static model behind the Embedder interface, for isolated bench runs only.

    It declares the packaged model's name and dimension (vectors shorter than
    384 are zero-padded, which keeps every cosine) so that the index and the
    document views accept it. That is only sound because it is used on bench
    copies of a database with their own index folders; the product's model
    check is unchanged.
    """

    def __init__(self, path: str):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from model2vec import StaticModel

        from index.model import DIMENSION, MODEL_NAME

        self.model_name, self.dimension = MODEL_NAME, DIMENSION
        self.backend = f"static:{Path(path).name}"
        self.model = StaticModel.from_pretrained(str(path), normalize=True)
        self.native_dimension = int(self.model.embedding.shape[1])

    def embed(self, texts):
        import numpy as np

        out = np.zeros((len(texts), self.dimension), dtype="float32")
        if len(texts):
            v = np.asarray(self.model.encode(list(texts), use_multiprocessing=False), dtype="float32")
            v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
            out[:, : v.shape[1]] = v
        return out


class _TimedEmbedder:
    """Counts the wall and CPU seconds (all threads) and texts an embedder spends."""

    def __init__(self, inner):
        self.inner = inner
        self.model_name, self.dimension = inner.model_name, inner.dimension
        self.backend = getattr(inner, "backend", type(inner).__name__)
        self.wall = self.cpu = 0.0
        self.texts = 0

    def embed(self, texts):
        c, t = time.process_time(), time.perf_counter()
        v = self.inner.embed(texts)
        self.cpu += time.process_time() - c
        self.wall += time.perf_counter() - t
        self.texts += len(texts)
        return v

    def totals(self) -> dict:
        return {"texts": self.texts, "wall_s": round(self.wall, 2), "cpu_s": round(self.cpu, 2)}


def _two_model_searcher(store, view_emb, passage_emb, rescore_emb=None, rescore_n: int = STATIC_RESCORE_N):
    """The product's Searcher, with the passage index searched by another model's query vector.

    The document views and the whole query go through ``view_emb`` (as in the
    product); the FAISS passage index holds ``passage_emb`` vectors, so the
    query is embedded by that model too for the passage term. With
    ``rescore_emb``, the ``rescore_n`` best passages by that first stage are
    embedded again by ``rescore_emb`` at query time and scored by cosine with
    the view model's query vector (the other passages get no passage score).
    """
    from foi_search.search.searcher import Searcher
    from foi_search.search.signals import DenseSignal
    from index.collection import PassageIndex

    class TwoModelDense(DenseSignal):
        """The dense signal with the passage index searched by ``passage_emb``'s query vector."""

        def __init__(self, store, resources):
            super().__init__(store, resources)
            self._pq: dict[bytes, object] = {}
            self._rescored: dict[bytes, dict] = {}

        def embed_query(self, text):
            out = super().embed_query(text)
            key = out[0].tobytes()
            if key not in self._pq:
                if len(self._pq) > 64:
                    self._pq.clear()
                self._pq[key] = passage_emb.embed([text])[0]
            return out

        def passage_similarities(self, qvec, k: int = 5000) -> dict[int, float]:
            index = self.res.index
            if qvec is None or not index.count:
                return {}
            key = qvec.tobytes()
            pq = self._pq.get(key)
            if pq is None:
                return super().passage_similarities(qvec, k)
            if rescore_emb is None:
                return super().passage_similarities(pq, k)
            if key in self._rescored:  # ranking, then the shown passages: embed once
                return self._rescored[key]
            scores, ids = index.search(pq, min(rescore_n, index.count))
            sims = {int(i): float(s) for i, s in zip(ids[0], scores[0]) if i >= 0}
            top = sorted(sims, key=sims.__getitem__, reverse=True)[:rescore_n]
            marks = ",".join("?" * len(top))
            rows = self.store.conn.execute(
                f"select id, content_hash, chunk from vectors where id in ({marks})", top
            ).fetchall()
            items = PassageIndex(self.store).unit_texts(rows)
            vecs = rescore_emb.embed([t for _, t in items])
            out = {vid: float(v @ qvec) for (vid, _), v in zip(items, vecs)}
            if len(self._rescored) > 64:
                self._rescored.clear()
            self._rescored[key] = out
            return out

    if passage_emb is view_emb and rescore_emb is None:
        return Searcher(store, embedder=view_emb, notify=lambda m: None)
    return Searcher(store, embedder=view_emb, notify=lambda m: None, dense_signal=TwoModelDense)


def _no_passage_searcher(store, embedder):
    """The product's Searcher without the best-passage term (the passage index ignored for ranking)."""
    from foi_search.search.searcher import Searcher
    from foi_search.search.signals import DenseSignal

    return Searcher(
        store, embedder=embedder, notify=lambda m: None, dense_signal=lambda st, res: DenseSignal(st, res, passage_weight=0)
    )


def _copy_db(src: str, dst: Path) -> None:
    """A consistent copy of a SQLite database (WAL included), with no index beside it."""
    import sqlite3

    for p in (dst, Path(f"{dst}-wal"), Path(f"{dst}-shm")):
        p.unlink(missing_ok=True)
    shutil.rmtree(dst.with_name(dst.stem + ".index"), ignore_errors=True)
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        a.backup(b)
    finally:
        a.close()
        b.close()


def child_static_distill(out: str, pca_dims: int | None = 256) -> dict:
    """Distill a model2vec static model from the packaged MiniLM into ``out``."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    try:
        from model2vec.distill import distill
    except ImportError as e:
        return {"skipped": f"model2vec[distill] not importable ({e}); distill elsewhere and set {ENV_STATIC_MODELS}"}
    from index.model import packaged_model_path

    c0, t0 = time.process_time(), time.perf_counter()
    model = distill(model_name=packaged_model_path(), pca_dims=pca_dims)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    model.save_pretrained(out)
    return {"path": out, "pca_dims": pca_dims, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
            "vocabulary": int(model.embedding.shape[0]), "dimension": int(model.embedding.shape[1])}


def child_static_embed(db: str, n: int, models: list[str]) -> dict:
    """ONNX int8 and each static model on the same passages: load time and throughput."""
    from index.embedder import load_embedder

    texts = _sample_texts(db, n)
    out: dict = {"passages": len(texts), "characters": sum(len(t) for t in texts)}
    embedders = [("onnx", lambda: load_embedder("onnx"))] + [
        (Path(m).name, (lambda m=m: _StaticEmbedder(m))) for m in models
    ]
    for name, make in embedders:
        t0 = time.perf_counter()
        emb = make()
        load_s = time.perf_counter() - t0
        emb.embed(texts[:8])  # warm-up
        c0, t0 = time.process_time(), time.perf_counter()
        emb.embed(texts)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        out[name] = {"load_s": round(load_s, 2), "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
                     "passages_per_s": round(len(texts) / wall, 1),
                     "passages_per_cpu_s": round(len(texts) / cpu, 1) if cpu else None,
                     "dimension": getattr(emb, "native_dimension", emb.dimension)}
    for name, _ in embedders[1:]:
        if out[name]["passages_per_cpu_s"] and out["onnx"]["passages_per_cpu_s"]:
            out[name]["per_cpu_s_over_onnx"] = round(out[name]["passages_per_cpu_s"] / out["onnx"]["passages_per_cpu_s"], 1)
    return out


def child_static(db: str, work: str, config: str, model: str | None = None, evaluate: bool = True,
                 rescore_n: int = STATIC_RESCORE_N) -> dict:
    """Build the index of a copy of ``db`` with one configuration, then score it on the dev set.

    Args:
        db: An ingested database (not modified: a copy is indexed).
        work: Folder for the copy and its index.
        config: A key of :data:`STATIC_CONFIGS`.
        model: The static model folder (configs other than ``transformer``).
        evaluate: Score nDCG@10 etc. on the dev retrieval set.
        rescore_n: For ``static-passages``, also score re-ranking the static top-N
            passages with the transformer at query time (0: not).
    """
    from index.docviews import build_doc_views, save_views_cache
    from foi_search.services.indexing import MemoEmbedder, build_index
    from foi_search.store import Store
    from index.embedder import DIMENSION, MODEL_NAME, load_embedder

    passages_by, views_by = STATIC_CONFIGS[config]
    copy = Path(work) / f"static-{config}{'-' + Path(model).name if model and config != 'transformer' else ''}-{Path(db).stem}.db"
    _copy_db(db, copy)
    store = Store(str(copy))
    with store.transaction():  # from nothing: document views too
        store.conn.execute("delete from doc_views")
    t0 = time.perf_counter()
    onnx = _TimedEmbedder(load_embedder("onnx")) if "onnx" in (passages_by, views_by) else None
    static = _TimedEmbedder(_StaticEmbedder(model)) if "static" in (passages_by, views_by) else None
    out: dict = {"config": config, "model": Path(model).name if static else None,
                 "passages_by": passages_by, "views_by": views_by,
                 "load_s": round(time.perf_counter() - t0, 2)}
    by = {"onnx": onnx, "static": static}
    passage_emb, view_emb = by[passages_by], by[views_by]
    c0, t0 = time.process_time(), time.perf_counter()
    if passage_emb is view_emb:  # the product's own path (one embed-once memo for both)
        report = build_index(store, embedder=passage_emb, rebuild=True)
    else:
        report = build_index(store, embedder=passage_emb, rebuild=True, doc_views=False)
        build_doc_views(store, MemoEmbedder(view_emb))
        save_views_cache(store, MODEL_NAME, DIMENSION, report.index_dir)
    out["index"] = {"wall_s": round(time.perf_counter() - t0, 2), "cpu_s": round(time.process_time() - c0, 2),
                    "vectors": report.total_vectors, "passage_embed_wall_s": report.embed_seconds,
                    "documents_with_views": store.conn.execute(
                        "select count(distinct document_id) from doc_views").fetchone()[0]}
    out["embed_during_index"] = {k: e.totals() for k, e in by.items() if e is not None}
    d = eval_dir()
    if not evaluate or d is None:
        return out
    from foi_search.services.evaluate.retrieval import evaluate_retrieval

    def score(searcher) -> dict:
        before = {k: e.totals() for k, e in by.items() if e is not None}
        s = evaluate_retrieval(store, d / "dev_queries.jsonl", d / "dev_qrels.tsv", searcher=searcher)
        spent = {k: {m: round(e.totals()[m] - before[k][m], 2) for m in ("texts", "wall_s", "cpu_s")}
                 for k, e in by.items() if e is not None}
        return {"overall": s.overall, "by_kind": {k: v["ndcg@10"] for k, v in s.by_kind.items()},
                "no_relevant_flagged": s.no_relevant_flagged, "answerable_flagged": s.answerable_flagged,
                "mode": s.mode, "queries": s.n_queries, "seconds": s.seconds,
                "ms_per_query": round(1000 * s.seconds / max(s.n_queries, 1), 1), "embedding": spent}

    out["ndcg"] = score(_two_model_searcher(store, view_emb, passage_emb))
    if config == "transformer":  # reference: what the passage term is worth at all
        out["no_passage_term"] = score(_no_passage_searcher(store, view_emb))
    if config == "static-passages" and rescore_n:
        out["rescore"] = score(_two_model_searcher(store, view_emb, passage_emb, onnx, rescore_n))
        out["rescore"]["n"] = rescore_n
    return out


CHILDREN.update({"static_distill": child_static_distill, "static_embed": child_static_embed, "static": child_static})


def _static_models(ctx: dict) -> tuple[list[str], dict]:
    """The static model folders to measure, distilling one when none is given."""
    env = os.environ.get(ENV_STATIC_MODELS, "").strip()
    if env:
        models = [m for m in env.split(os.pathsep) if m]
        missing = [m for m in models if not (Path(m) / "config.json").exists()]
        return ([], {"skipped": f"{ENV_STATIC_MODELS}: no model2vec model at {', '.join(missing)}"}) if missing \
            else (models, {})
    out = str(ctx["work"] / "m2v-minilm-pca256")
    r = run_child("static_distill", ctx["work"], out=out, pca_dims=256)
    if "path" not in r:
        return [], {"skipped": r.get("skipped") or r.get("error", "distill failed"), "distill": r}
    return [out], {"distill": r}


def section_static(ctx: dict) -> dict:
    from importlib.util import find_spec

    if find_spec("model2vec") is None:
        return {"skipped": "model2vec not installed (pip install model2vec)"}
    if corpus_dir() is None:
        return {"skipped": f"no corpus at {SHARED / 'corpus'}"}
    models, out = _static_models(ctx)
    if not models:
        return out
    db = _sheffield_db(ctx)
    if not db:
        return {**out, "skipped": "ingesting the Sheffield threads failed"}
    out["embed"] = run_child("static_embed", ctx["work"], db=str(db), n=64 if ctx["quick"] else 400, models=models)
    if ctx["quick"] or eval_dir() is None:
        out["note"] = "--quick or no dev set: throughput only"
        return out
    runs = [("transformer", None)] + [(c, m) for m in models for c in STATIC_CONFIGS if c != "transformer"]
    out["sheffield"] = [run_child("static", ctx["work"], db=str(db), work=str(ctx["work"]), config=c, model=m)
                        for c, m in runs]
    # What the whole corpus takes to index, each way in the same run (the corpus
    # section's DB when it ran, else ingested here); ~15 minutes on 2 cores.
    corpus = corpus_dir()
    cdb = ctx.get("corpus_db")
    if cdb is None and corpus is not None:
        cdb = ctx["work"] / "corpus.db"
        ingest = run_child("ingest", ctx["work"], db=str(cdb), paths=[str(corpus)])
        out["corpus_ingest"] = ingest
        cdb = cdb if "error" not in ingest else None
    if cdb is not None:
        out["corpus"] = [run_child("static", ctx["work"], db=str(cdb), work=str(ctx["work"]), config=c,
                                   model=models[0], evaluate=False) for c in ("transformer", "static", "static-passages")]
    return out


# -- report ------------------------------------------------------------------------------


def _get(d: dict, *path, default=None):
    for p in path:
        if not isinstance(d, dict) or p not in d:
            return default
        d = d[p]
    return d


def table(res: dict) -> str:
    s = res["sections"]
    rows: list[tuple[str, str, str]] = []

    def add(name, value, target=""):
        if value is not None:
            rows.append((name, str(value), target))

    add("foi-search --help median (s)", _get(s, "startup", "help_median_s"), "<= 0.3")
    for fmt, v in (_get(s, "parse", "per_format") or {}).items():
        add(f"parse {fmt} (docs/s)", v.get("docs_per_s"))
    e = s.get("embedding") or {}
    for b in ("torch", "onnx"):
        if b in e:
            add(f"embed {b} (passages/s | tokens/s | passages/CPU-s)",
                f"{e[b]['passages_per_s']} | {e[b]['tokens_per_s']} | {e[b]['passages_per_cpu_s']}")
    add("embed ONNX int8 vs torch cosine mean/min", e.get("cosine_onnx_vs_torch") and
        f"{e['cosine_onnx_vs_torch']['mean']} / {e['cosine_onnx_vs_torch']['min']}", ">= 0.99")
    c = s.get("corpus") or {}
    add("corpus ingest wall/CPU (s)", _get(c, "ingest", "_process") and
        f"{c['ingest']['_process']['wall_s']} / {c['ingest']['_process']['cpu_s']}")
    add("corpus index wall/CPU (s), vectors", _get(c, "index", "_process") and
        f"{c['index']['_process']['wall_s']} / {c['index']['_process']['cpu_s']}, {c['index'].get('total_vectors')}")
    add("corpus index peak RSS (MB)", _get(c, "index", "_process", "peak_rss_mb"))
    add("corpus ingest + index wall (s)", c.get("total_wall_s"), "<= 600")
    add("DB / index size (MB)", c.get("db_mb") is not None and f"{c['db_mb']} / {c['index_mb']}" or None)
    q = s.get("query") or {}
    add("warm search p50/p95 (ms)", _get(q, "warm", "search") and
        f"{q['warm']['search']['p50_ms']} / {q['warm']['search']['p95_ms']}")
    add("warm FTS5-only p50/p95 (ms)", _get(q, "warm", "keyword_only") and
        f"{q['warm']['keyword_only']['p50_ms']} / {q['warm']['keyword_only']['p95_ms']}")
    add("warm precedents p50/p95 (ms)", _get(q, "warm", "precedents", "p50_ms") and
        f"{q['warm']['precedents']['p50_ms']} / {q['warm']['precedents']['p95_ms']}")
    add("cold search CLI p50/p95 (s)", _get(q, "cold", "search", "p50_s") and
        f"{q['cold']['search']['p50_s']} / {q['cold']['search']['p95_s']}", "<= 0.8")
    add("cold precedents CLI p50 (s)", _get(q, "cold", "precedents", "p50_s"))
    for n, v in (s.get("faiss") or {}).items():
        for kind in ("flat", "ivf-sq8", "ivf-flat"):
            if isinstance(v, dict) and kind in v:
                k = v[kind]
                add(f"FAISS {int(n):,} {kind}: build s | p50 ms | MB | recall@10",
                    f"{k['build_s']} | {k['p50_ms']} | {k['index_mb']} | {k['recall_at_10']}",
                    "p50 <= 20, <= 1024 MB" if n == "1000000" else "")
    p = s.get("peers") or {}
    add("nDCG@10 foi-search (hybrid)", _get(p, "foi_search_ndcg", "overall", "ndcg@10"))
    add("nDCG@10 FTS5 only", _get(p, "fts5_ndcg", "overall", "ndcg@10"))
    add("nDCG@10 txtai hybrid", _get(p, "txtai", "ndcg@10"))
    add("txtai build (s) / passages", _get(p, "txtai", "build_s") and f"{p['txtai']['build_s']} / {p['txtai']['passages']}")
    add("foi-search build, same passages (s)", _get(p, "foi_search_same_passages", "build_s"))
    add("foi-search full index incl. doc views (s)", _get(p, "foi_search_index", "_process", "wall_s"))
    add("txtai query p50 (ms)", _get(p, "txtai", "query_p50_ms"))
    for k, v in (p.get("ratios") or {}).items():
        add(f"ratio {k}", v, ">= 2" if k in ("build_txtai_over_ours_same_passages", "query_p50_txtai_over_ours") else "")
    st = s.get("static") or {}
    for name, v in (st.get("embed") or {}).items():
        if isinstance(v, dict) and "passages_per_cpu_s" in v:
            add(f"static: embed {name} (passages/s | passages/CPU-s | load s)",
                f"{v['passages_per_s']} | {v['passages_per_cpu_s']} | {v['load_s']}"
                + (f" ({v['per_cpu_s_over_onnx']}x ONNX per CPU-s)" if v.get("per_cpu_s_over_onnx") else ""))
    runs = [r for r in st.get("sheffield") or [] if "index" in r]
    base = next((_get(r, "ndcg", "overall", "ndcg@10") for r in runs if r["config"] == "transformer"), None)
    for r in runs:
        label = r["config"] + (f" [{r['model']}]" if r.get("model") else "")
        add(f"static: Sheffield index {label}: wall / CPU (s)", f"{r['index']['wall_s']} / {r['index']['cpu_s']}")
        for key, tag in (("ndcg", ""), ("rescore", f" + transformer re-score of top {_get(r, 'rescore', 'n')}"),
                         ("no_passage_term", " without the passage term (reference)")):
            n = r.get(key)
            if not n:
                continue
            kinds = " ".join(f"{k} {v}" for k, v in sorted(n["by_kind"].items()))
            value = n["overall"]["ndcg@10"]
            target = ""
            if base is not None and not (r["config"] == "transformer" and key == "ndcg"):
                target = f"within 0.01 of {base}: {'yes' if base - value <= 0.01 else 'no'}"
            add(f"static: nDCG@10 {label}{tag}", f"{value} ({kinds}); {n['ms_per_query']} ms/query", target)
    for r in st.get("corpus") or []:
        if "index" in r:
            label = r["config"] + (f" [{r['model']}]" if r.get("model") else "")
            add(f"static: whole-corpus index {label}: wall / CPU (s)", f"{r['index']['wall_s']} / {r['index']['cpu_s']}")
    for name, sec in s.items():
        if isinstance(sec, dict) and "skipped" in sec:
            rows.append((name, "skipped: " + sec["skipped"], ""))
        elif isinstance(sec, dict) and "error" in sec:
            rows.append((name, "error: " + sec["error"], ""))
    w1 = max(len(r[0]) for r in rows) if rows else 10
    w2 = max(len(r[1]) for r in rows) if rows else 10
    lines = [f"{'measure':<{w1}}  {'value':<{w2}}  target", "-" * (w1 + w2 + 10)]
    lines += [f"{a:<{w1}}  {b:<{w2}}  {c}" for a, b, c in rows]
    return "\n".join(lines)


def machine() -> dict:
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
            "processor": platform.processor() or platform.machine(), "loadavg_start": load}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="Skip the whole corpus and 1M vectors; smaller samples.")
    ap.add_argument("--only", help=f"Comma-separated sections: {', '.join(SECTIONS)}.")
    ap.add_argument("--out", default=str(RESULTS / "latest.json"), help="Where the JSON goes.")
    ap.add_argument("--workdir", help="Keep databases and indexes here (default: a temporary folder, removed).")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--child-args", help=argparse.SUPPRESS)
    ap.add_argument("--child-out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        result = CHILDREN[args.child](**json.loads(args.child_args or "{}"))
        Path(args.child_out).write_text(json.dumps(result, default=str))
        return 0
    only = [s.strip() for s in args.only.split(",")] if args.only else list(SECTIONS)
    unknown = [s for s in only if s not in SECTIONS]
    if unknown:
        ap.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="foi-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    ctx = {"quick": args.quick, "work": work}
    res = {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "quick": args.quick, "machine": machine(), "sections": {}}
    t0 = time.perf_counter()
    try:
        # Order matters: corpus builds the DB that query then uses; peers reuses Sheffield.
        for name in SECTIONS:
            if name not in only:
                continue
            print(f"[bench] {name}...", file=sys.stderr, flush=True)
            t = time.perf_counter()
            res["sections"][name] = globals()[f"section_{name}"](ctx)
            print(f"[bench] {name} done in {time.perf_counter() - t:.0f} s", file=sys.stderr, flush=True)
        if "sheffield_ingest" in ctx:
            res["sections"].setdefault("parse_sheffield", ctx["sheffield_ingest"])
    finally:
        res["seconds"] = round(time.perf_counter() - t0, 1)
        res["machine"]["loadavg_end"] = os.getloadavg() if hasattr(os, "getloadavg") else None
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(res, indent=2, default=str))
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    print(table(res))
    print(f"\nJSON: {out}   ({res['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
