"""Reliability suite: kill, fuzz, hostile files and queries, crawler limits, concurrency, personal data.

    python bench/reliability.py                 # every section, full size (~10-15 min on 2 cores)
    python bench/reliability.py --quick         # small counts (~2-3 min)
    python bench/reliability.py --only kill,hostile

Prints one line per figure and writes bench/results/reliability.json. The
targets (issue 13): 0 corrupt / 0 lost after kill -9; 0 crashed runs and 0
unrecorded files under fuzzing; hostile files beside ordinary ones ending
within 300 s under a 3 GB address-space cap with every ordinary file stored
and every hostile one accounted for; 0 errors on hostile queries; every
crawler scenario passed; 0 failures with two writers on a fresh database and
0 "database is locked" for readers during an ingest; 0 requesters' names
(from WhatDoTheyKnow's own metadata, read independently of the parsers) in
any stored column, raw page or export.

Real files come from ../shared/corpus (FOI_SEARCH_SHARED); hostile and fuzzed
files are made here. tests/test_reliability.py runs the same functions with
small counts.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
SHARED = Path(os.environ.get("FOI_SEARCH_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"
RESULTS = ROOT / "bench" / "results"
SECTIONS = ("kill", "fuzz", "hostile", "queries", "crawler", "concurrency", "personal")
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
CAP_BYTES = 3 * 1024**3


def cli(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "foi_search", "--db", str(db), *args]


def sample_corpus(dest: Path, n_threads: int = 40, n_pages: int = 10) -> Path:
    """A small real corpus: Sheffield threads (JSON), WhatDoTheyKnow pages (HTML), a few letters."""
    dest.mkdir(parents=True, exist_ok=True)
    threads = sorted((CORPUS / "wdtk-sheffield" / "threads").glob("*.json"))[:n_threads]
    pages = sorted((CORPUS / "wdtk-mhclg" / "pages").glob("*.html"))[:n_pages]
    letters = sorted((CORPUS / "nhs-letters").glob("*"))[:3] + sorted((CORPUS / "police-letters").glob("*.pdf"))[:3]
    for p in threads + pages + letters:
        shutil.copy(p, dest / p.name)
    return dest


def _keys(db: Path) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute("select source, source_key, content_hash from documents").fetchall()
    finally:
        con.close()


def _integrity(db: Path, *, complete: bool = True) -> bool:
    """SQLite's integrity check; with ``complete``, also the six FTS triggers (a killed migration resumes on open)."""
    con = sqlite3.connect(db)
    try:
        ok = con.execute("pragma integrity_check").fetchone()[0] == "ok"
        fts = con.execute("select count(*) from sqlite_master where type = 'trigger' and name like '%_a_'").fetchone()[0]
        return ok and (fts >= 6 or not complete)
    except sqlite3.DatabaseError:
        return False
    finally:
        con.close()


# -- kill -9 -----------------------------------------------------------------------


def kill_trials(work: Path, trials: int = 20, seed: int = 1) -> dict:
    """``kill -9`` an ingest (and its workers) at random moments, during migration or ingest; resume; compare."""
    rng = random.Random(seed)
    corpus = sample_corpus(work / "kill-corpus")
    ref = work / "kill-ref.db"
    subprocess.run(cli(ref, "ingest", "--jobs", "2", str(corpus)), env=ENV, capture_output=True, check=True)
    want = sorted(set(_keys(ref)))
    corrupt = lost = duplicate = 0
    db = work / "kill.db"
    for i in range(trials):
        fresh = i % 4 == 0
        if fresh:
            for p in work.glob("kill.db*"):
                p.unlink()
        proc = subprocess.Popen(cli(db, "ingest", "--jobs", "2", str(corpus)), env=ENV, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(0.05, 0.8) if fresh else rng.uniform(0.5, 5.0))
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        if db.exists() and not _integrity(db, complete=False):
            corrupt += 1
        subprocess.run(cli(db, "ingest", "--jobs", "2", str(corpus)), env=ENV, capture_output=True)
        if not _integrity(db):
            corrupt += 1
        got = _keys(db)
        duplicate += len(got) - len({(s, k) for s, k, _ in got})
        lost += len(set(want) - set(got))
    return {"kill_trials": trials, "corrupt": corrupt, "lost": lost, "duplicate": duplicate}


# -- fuzzing ------------------------------------------------------------------------


def _mutate(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    if not b:
        return bytes(b)
    op = rng.randrange(8)
    if op == 0:  # flip bytes
        for _ in range(rng.randint(1, 20)):
            b[rng.randrange(len(b))] = rng.randrange(256)
    elif op == 1:  # truncate
        del b[rng.randrange(len(b)) :]
    elif op == 2:  # delete a range
        i = rng.randrange(len(b))
        del b[i : i + rng.randint(1, 500)]
    elif op == 3:  # duplicate a range
        i = rng.randrange(len(b))
        b[i:i] = b[i : i + rng.randint(1, 2000)]
    elif op == 4:  # quotes removed or doubled
        idx = [i for i, c in enumerate(b) if c == 34]
        for i in sorted(rng.sample(idx, min(len(idx), rng.randint(1, 5))), reverse=True):
            if rng.random() < 0.5:
                del b[i]
            else:
                b[i:i] = b'"'
    elif op == 5:  # JSON strings become numbers, lists or nulls
        text = bytes(b)
        repl = rng.choice([b"1.5", b"[]", b"null", b"{}", b"12"])
        text = re.sub(rb'(":\s*)"[^"\\]{0,80}"', lambda m: m.group(1) + repl if rng.random() < 0.3 else m.group(0), text)
        return text
    elif op == 6:  # deep nesting inserted
        i = rng.randrange(len(b))
        n = rng.randint(500, 5000)
        b[i:i] = (b"<div>" * n + b"</div>" * n) if rng.random() < 0.5 else (b"[" * n + b"]" * n)
    else:  # a control byte storm
        i = rng.randrange(len(b))
        b[i:i] = bytes(rng.randrange(32) for _ in range(rng.randint(10, 300)))
    return bytes(b)


def fuzz(work: Path, files: int = 600, seed: int = 2) -> dict:
    """Mutate real files and ingest them: crashes, unrecorded files, parser bugs caught by the safety net."""
    from foi_search.store import Store
    from ingest.pipeline import ingest_paths

    rng = random.Random(seed)
    seeds = (sorted((CORPUS / "wdtk-sheffield" / "threads").glob("*.json"))[:60]
             + sorted((CORPUS / "wdtk-mhclg" / "pages").glob("*.html"))[:15]
             + sorted((CORPUS / "govuk-foi-release").glob("*.json"))
             + sorted((CORPUS / "tribunal").glob("*.txt"))[:10]
             + sorted((CORPUS / "police-letters").glob("*.pdf"))[:5]
             + sorted((CORPUS / "nhs-letters").glob("*"))[:5])
    seeds = [p for p in seeds if p.is_file() and p.stat().st_size < 3_000_000]
    folder = work / "fuzz"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        src = rng.choice(seeds)
        (folder / f"f{i:05d}{src.suffix}").write_bytes(_mutate(src.read_bytes(), rng))
    # The CSV log with its quoting broken: rows must not multiply.
    devon = CORPUS / "devon-foi-log" / "foi-log-2016-11-14.csv"
    log_rows = multiplied = 0
    if devon.exists():
        from ingest.parsers import foi_log_csv

        data = devon.read_bytes()
        log_rows = len(foi_log_csv.parse(data, path="devon.csv"))
        for k in range(5):
            mutated = _mutate_quotes(data, random.Random(seed + k))
            if len(foi_log_csv.parse(mutated, path="devon.csv")) > log_rows:
                multiplied += 1
    store = Store(work / "fuzz.db")
    crashed = 0
    try:
        report = ingest_paths(store, [folder], jobs=2)
    except Exception as e:  # noqa: BLE001 - a crashed run is what is counted
        crashed, report = 1, None
        print(f"  fuzz run crashed: {type(e).__name__}: {e}", file=sys.stderr)
    recorded = {r[0] for r in store.conn.execute("select distinct target from ingest_errors")}
    unrecorded = 0
    unexpected = 0
    if report is not None:
        for f in sorted(folder.iterdir()):
            what = report.outcomes.get(str(f))
            if what is None or (what != "stored" and str(f) not in recorded):
                unrecorded += 1
        # "unexpected ValueError: ..." is the safety net catching a parser bug; "ended unexpectedly" is not.
        bug = re.compile(r"\bunexpected [A-Z]\w*(?:Error|Exception)\b|reader process died")
        unexpected = sum(1 for (reason,) in store.conn.execute("select reason from ingest_errors") if bug.search(reason))
    store.close()
    return {"fuzzed_files": files, "crashed_runs": crashed, "unrecorded": unrecorded,
            "parser_bugs_caught_by_safety_net": unexpected, "csv_quote_mutations_multiplying_rows": multiplied}


def _mutate_quotes(data: bytes, rng: random.Random) -> bytes:
    text = data.replace(b'""', b'"') if rng.random() < 0.4 else data
    idx = [i for i, c in enumerate(text) if c == 34]
    b = bytearray(text)
    for i in sorted(rng.sample(idx, min(len(idx), 5)), reverse=True):
        del b[i]
    return bytes(b)


# -- hostile files -----------------------------------------------------------------


_HOSTILE_CHILD = """
import json, sys
from ingest.parsers import limits
from ingest.parsers import common
db, folder, out, small = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
if small:  # the pytest form: small files, limits lowered to match
    limits.MAX_UNZIPPED_BYTES, limits.MAX_LINE_BYTES, common.MAX_CSV_ROWS = 1_000_000, 100_000, 500
from foi_search.store import Store
from ingest.pipeline import ingest_paths
report = ingest_paths(Store(db), [folder], jobs=2)
json.dump(report.outcomes, open(out, "w"))
"""


def hostile_files(work: Path, scale: float = 1.0, ordinary: int = 20, cap: int | None = CAP_BYTES,
                  small_limits: bool = False) -> dict:
    """Hostile files beside ordinary threads, ingested in a child process under an address-space cap."""
    import hostile

    folder = work / "hostile-in"
    shutil.rmtree(folder, ignore_errors=True)
    sample_corpus(folder, n_threads=ordinary, n_pages=0)
    for p in folder.iterdir():
        if p.suffix != ".json":
            p.unlink()
    plain = sorted(str(p) for p in folder.iterdir())
    bad = [str(p) for p in hostile.make_all(folder / "hostile", scale)]
    db = work / "hostile.db"
    for p in work.glob("hostile.db*"):
        p.unlink()
    out = work / "hostile-outcomes.json"

    def limit() -> None:
        if cap:
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", _HOSTILE_CHILD, str(db), str(folder), str(out),
                           "1" if small_limits else "0"], env=ENV, capture_output=True, text=True,
                          preexec_fn=limit, timeout=900)
    wall = time.monotonic() - started
    # ru_maxrss of waited-for children: the largest of the run's processes (parent or a reader).
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    outcomes = json.loads(out.read_text()) if out.exists() else {}
    con = sqlite3.connect(db)
    recorded = {r[0] for r in con.execute("select distinct target from ingest_errors")}
    reasons = {Path(t).name: r for t, r in con.execute("select target, reason from ingest_errors")}
    con.close()
    ordinary_stored = sum(1 for p in plain if outcomes.get(p) == "stored")
    accounted = sum(1 for p in bad if outcomes.get(p) == "stored" or p in recorded)
    return {"hostile_files": len(bad), "hostile_accounted": accounted, "ordinary_files": len(plain),
            "ordinary_stored": ordinary_stored, "wall_s": round(wall, 1), "peak_rss_mb": round(peak / 1024),
            "address_space_cap_gb": (cap or 0) / 1024**3, "exit_code": proc.returncode,
            "stderr_tail": proc.stderr.strip().splitlines()[-1:] if proc.returncode else [],
            "reasons": {k: v[:120] for k, v in sorted(reasons.items()) if k in {Path(b).name for b in bad}}}


# -- hostile queries ---------------------------------------------------------------


def hostile_queries(db: Path, n: int = 500, seed: int = 3) -> dict:
    """Odd query strings against the keyword search: every one answered with exit 0, 1 or 2, never a crash."""
    from click.testing import CliRunner

    from foi_search.cli import cli as app

    rng = random.Random(seed)
    fixed = ['"', '""', "'", "*", "NEAR(", "AND", "OR NOT", "title:", "-", "^", "(((", ")))", "\x00", "a" * 10000,
             "foo\" OR \"bar", "'; drop table documents; --", "NEAR(a b, -1)", "{col}:x", "\\", "%", "_", "\u202e",
             "🙂" * 50, "section 40(2)", "s.43", "FOI/2024/0001", " ", "\n\n", "\t", "AND AND", "\"unterminated",
             "a:b:c", "[x]", "x*y*", "!@#$%^&*()", "١٢٣", "ß" * 300]
    alphabet = "abcxyz \"'*():^-+~\\/%_\x00\n\t{}[]<>|&;,.!?" + "éü中🙂\u202e"
    queries = fixed + ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 80))) for _ in range(n - len(fixed))]
    runner = CliRunner()
    errors = 0
    examples = []
    for q in queries:
        r = runner.invoke(app, ["--db", str(db), "search", "--json", "--", q])
        if r.exit_code not in (0, 1, 2) or (r.exception and not isinstance(r.exception, SystemExit)):
            errors += 1
            if len(examples) < 3:
                examples.append(f"{q[:30]!r}: {type(r.exception).__name__}: {r.exception}")
    return {"hostile_queries": len(queries), "query_errors": errors, "examples": examples}


# -- crawler -------------------------------------------------------------------------


def crawler_scenarios(work: Path, endless_cap: int | None = None) -> dict:
    """Slow drip, redirect to another port, endless listing at the default page cap: passed or not."""
    from crawlsite import SiteServer

    from foi_search.services import crawling
    from foi_search.services.crawling import CrawlOptions, crawl
    from foi_search.store import Store
    from ingest.sources.http import FetchError, FetchPolicy, Fetcher

    results: dict[str, bool] = {}
    store = Store(work / "crawl.db")
    policy = FetchPolicy(delay=0.0, timeout=10.0, total_timeout=3.0, max_retries=0)
    s, decoy = SiteServer(), SiteServer()
    try:
        s.set("/drip", b"<html><body>" + b"x" * 2000 + b"</body></html>", drip=0.05)
        t0 = time.monotonic()
        try:
            Fetcher(store, policy=policy, hosts={"127.0.0.1"}).get(s.url("/drip"))
            results["slow_drip_stopped"] = False
        except FetchError as e:
            results["slow_drip_stopped"] = e.kind == "timeout" and time.monotonic() - t0 < policy.total_timeout + 2

        decoy.set("/secret", "<html><body>decoy</body></html>")
        s.set("/page", "<html><body>ok</body></html>")
        s.set("/away", "", status=302, headers={"Location": decoy.url("/secret")})
        f = Fetcher(store, policy=policy, hosts={"127.0.0.1"})
        f.get(s.url("/page"))
        try:
            f.get(s.url("/away"))
            results["cross_port_redirect_refused"] = False
        except FetchError as e:
            results["cross_port_redirect_refused"] = e.kind == "off_host" and decoy.count("/secret") == 0

        def listing(path: str) -> bytes:
            n = int(re.search(r"page=(\d+)", path).group(1)) if "page=" in path else 1
            return (f'<html><body><p>Disclosure log page {n}</p><a rel="next" href="/list?page={n + 1}">Next</a>'
                    "</body></html>").encode()

        s.set("/list", make=listing)
        config = work / "endless.toml"
        config.write_text(f'name = "endless"\nstart_url = "{s.base}/list"\nlink_pattern = "/log/\\\\d{{5}}$"\n'
                          'next_pattern = "[?&]page=\\\\d+"\n')
        cap = crawling.DEFAULT_MAX_PAGES
        if endless_cap:
            crawling.DEFAULT_MAX_PAGES = endless_cap
        try:
            report = crawl(store, "generic", CrawlOptions(config=str(config), delay=0))
            results["endless_listing_stopped_at_default_cap"] = (
                report.stopped == "max_pages" and report.pages == crawling.DEFAULT_MAX_PAGES)
        finally:
            crawling.DEFAULT_MAX_PAGES = cap
    finally:
        s.close()
        decoy.close()
        store.close()
    return {"crawler_scenarios": len(results), "crawler_passed": sum(results.values()), "crawler": results}


# -- concurrency ---------------------------------------------------------------------


def concurrency(work: Path, trials: int = 20, readers: int = 3) -> dict:
    """Two ingests on a fresh database at once; readers polling during an ingest."""
    corpus = sample_corpus(work / "conc-corpus", n_threads=20, n_pages=5)
    failures = 0
    messages = []
    for i in range(trials):
        db = work / f"two{i}.db"
        procs = [subprocess.Popen(cli(db, "ingest", "--jobs", "1", str(corpus)), env=ENV, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
        for p in procs:
            _, err = p.communicate(timeout=300)
            if p.returncode != 0:
                failures += 1
                messages.append(err.strip().splitlines()[-1][:160] if err.strip() else f"exit {p.returncode}")
        for p in work.glob(f"two{i}.db*"):
            p.unlink()
    db = work / "readers.db"
    subprocess.run(cli(db, "stats"), env=ENV, capture_output=True)
    writer = subprocess.Popen(cli(db, "ingest", "--jobs", "2", str(corpus)), env=ENV, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    reads = read_errors = 0
    while writer.poll() is None:
        procs = [subprocess.Popen(cli(db, *(["stats"] if k % 2 else ["search", "--json", "council"])), env=ENV,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                 for k in range(readers)]
        for p in procs:
            _, err = p.communicate(timeout=120)
            reads += 1
            if p.returncode not in (0, 1) or "locked" in err:
                read_errors += 1
    return {"writer_trials": trials, "writer_failures": failures, "writer_messages": messages[:3],
            "reads_during_ingest": reads, "read_errors": read_errors}


# -- personal data ---------------------------------------------------------------------


def personal_data(work: Path, log_rows: int = 1500) -> dict:
    """Requesters' names from WhatDoTheyKnow's metadata in any stored text; over-redaction on the Devon log."""
    from click.testing import CliRunner

    from foi_search.cli import cli as app
    from foi_search.store import Store
    from ingest.pipeline import ingest_paths

    folder = work / "pd-in"
    folder.mkdir(parents=True, exist_ok=True)
    for p in sorted((CORPUS / "wdtk-mhclg" / "pages").glob("*.html")):
        shutil.copy(p, folder / p.name)
    db = work / "pd.db"
    store = Store(db)
    ingest_paths(store, [folder], jobs=2)
    # Raw pages are what a crawl keeps; the pages read here stand in for them.
    for p in sorted(folder.iterdir()):
        store.save_raw_page(f"https://www.whatdotheyknow.com/request/{p.stem}", status=200, body=p.read_bytes(),
                            headers={}, source="alaveteli")
    # Who asked, from WhatDoTheyKnow's own listing (not from the parsers): page id -> requester.
    own: dict[str, str] = {}
    with open(CORPUS / "wdtk-mhclg" / "metadata" / "whatDoTheyKnow_links.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            n = " ".join((row.get("sender") or "").split())
            page_id = (row.get("link") or "").rsplit("-", 1)[-1]
            # Organisations asking are not personal data; "[Name Removed]" is already gone.
            if n and "[" not in n and not _ORG_REQUESTER.search(n):
                own[page_id] = n
    found: dict[str, list[str]] = {}
    checked = 0
    export_lines = CliRunner().invoke(app, ["--db", str(db), "export"]).output.splitlines()
    for doc_id, path in store.conn.execute("select id, path from documents").fetchall():
        name = own.get(Path(path or "").stem)
        if not name:
            continue
        checked += 1
        rx = re.compile(r"(?<![\w])" + r"\s+".join(re.escape(w) for w in name.split()) + r"(?![\w])", re.I)
        texts = [json.dumps(list(store.conn.execute("select * from documents where id = ?", [doc_id]).fetchone()),
                            ensure_ascii=False)]
        for table in ("messages", "passages", "questions", "attachments", "exemptions", "redactions"):
            cols = [r[1] for r in store.conn.execute(f"pragma table_info([{table}])")]
            if "document_id" in cols:
                texts += [json.dumps(list(r), ensure_ascii=False)
                          for r in store.conn.execute(f"select * from [{table}] where document_id = ?", [doc_id])]
        texts += [line for line in export_lines if f'"{Path(path).name}' in line or f"/{Path(path).name}" in line]
        for t in texts:
            if rx.search(json.loads(json.dumps(t))):
                found.setdefault(name, []).append(f"doc {doc_id}")
                break
    raw_before = sum(1 for (b,) in store.conn.execute("select body from raw_pages") if b)
    store.close()
    CliRunner().invoke(app, ["--db", str(db), "purge-raw"])
    con = sqlite3.connect(db)
    raw_after = con.execute("select count(*) from raw_pages where body is not null").fetchone()[0]
    con.close()
    out = {"threads_with_known_requester": checked, "requester_names_in_store": len(found),
           "where": {k: v[:3] for k, v in found.items()}, "raw_page_bodies_before_purge": raw_before,
           "raw_page_bodies_after_purge": raw_after}
    out.update(over_redaction(log_rows))
    return out


_ORG_REQUESTER = re.compile(r"(?i)\b(?:ltd|limited|plc|llp|council|group|association|trust|society|campaign|"
                            r"news|uk|foundation|partnership|union|party|network)\b")
_EXEMPTION_WORDING = re.compile(
    r"(?i)\bsection\s+\d+(?:\(\d+\))?(?:\([a-z]\))?|\bs\.?\s?\d+\(\d\)|\bregulation\s+1[23]\b|\bexempt\w*|"
    r"\bpersonal\s+(?:data|information)\b|\bcommercial(?:ly)?\s+(?:interests|sensitive)\b|\bpublic\s+interest\b"
)


def over_redaction(rows: int) -> dict:
    """Redact the Devon log's requests and count what changed that must not: authority and place names, exemption wording."""
    import copy

    from ingest.extract import enrich
    from ingest.parsers import foi_log_csv

    devon = CORPUS / "devon-foi-log" / "foi-log-2016-11-14.csv"
    if not devon.exists():
        return {}
    places = set()
    with open(SHARED / "registry" / "uk_local_authority_names_and_codes" / "uk_local_authorities_current.csv",
              encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row.get("nice-name"):
                places.add(row["nice-name"])
    place_re = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in sorted(places, key=len, reverse=True)) + r")\b")
    authority_re = re.compile(r"\b(?:[A-Z][a-z]+\s+){1,3}(?:County|City|District|Borough|Town|Parish)\s+Council\b")
    docs = foi_log_csv.parse(devon.read_bytes(), path=str(devon))[:rows]
    kinds = {"name": 0, "private_name": 0, "email": 0, "phone": 0, "address": 0, "postcode": 0}
    docs_redacted = 0
    lost = {"authority_names": 0, "place_names": 0, "exemption_wording": 0}
    examples: list[str] = []
    for doc in docs:
        before = "\n".join(m.text for m in doc.messages)
        out = enrich(copy.deepcopy(doc))
        after = "\n".join(m.text for m in out.messages)
        if out.redactions:
            docs_redacted += 1
        for k, v in out.redactions.items():
            kinds[k] = kinds.get(k, 0) + v
        for key, rx in (("authority_names", authority_re), ("place_names", place_re),
                        ("exemption_wording", _EXEMPTION_WORDING)):
            was, now = rx.findall(before), rx.findall(after)
            if len(now) < len(was):
                lost[key] += len(was) - len(now)
                gone = [w for w in was if w not in now or was.count(w) > now.count(w)]
                examples.extend(f"{key}: {w}" for w in gone[:2])
    return {"log_entries_checked": len(docs), "log_entries_redacted": docs_redacted, "redactions_by_kind": kinds,
            "over_redaction_lost": lost, "over_redaction_examples": examples[:8]}


# -- main ----------------------------------------------------------------------------


def run(sections: list[str], quick: bool) -> dict:
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="foi-rel-") as tmp:
        work = Path(tmp)
        steps = {
            "kill": lambda: kill_trials(work, trials=4 if quick else 20),
            "fuzz": lambda: fuzz(work, files=100 if quick else 600),
            "hostile": lambda: hostile_files(work, scale=0.002 if quick else 1.0, small_limits=quick),
            "queries": lambda: hostile_queries(_query_db(work), n=100 if quick else 500),
            "crawler": lambda: crawler_scenarios(work, endless_cap=50 if quick else None),
            "concurrency": lambda: concurrency(work, trials=3 if quick else 20),
            "personal": lambda: personal_data(work, log_rows=300 if quick else 1500),
        }
        for name in sections:
            t0 = time.monotonic()
            results[name] = steps[name]()
            results[name]["section_s"] = round(time.monotonic() - t0, 1)
            print(f"{name:12s} " + ", ".join(f"{k} {v}" for k, v in results[name].items()
                                                if not isinstance(v, (dict, list))), flush=True)
            for k, v in results[name].items():
                if isinstance(v, (dict, list)) and v:
                    print(f"{'':12s} {k}: {json.dumps(v, ensure_ascii=False)[:600]}", flush=True)
    return results


def _query_db(work: Path) -> Path:
    db = work / "hostile.db"
    if not db.exists():
        corpus = sample_corpus(work / "q-corpus", n_threads=20, n_pages=5)
        subprocess.run(cli(db, "ingest", "--jobs", "2", str(corpus)), env=ENV, capture_output=True)
    return db


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small counts")
    ap.add_argument("--only", help="comma-separated sections: " + ",".join(SECTIONS))
    args = ap.parse_args()
    if not CORPUS.exists():
        sys.exit(f"the real corpus is not at {CORPUS} (set FOI_SEARCH_SHARED)")
    sections = args.only.split(",") if args.only else list(SECTIONS)
    results = run(sections, args.quick)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "reliability.json").write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
