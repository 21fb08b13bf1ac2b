"""Ingest files and folders: detect, parse, extract, store; record every failure."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from foi_search.store import Store

from .detect import detect
from .extract import enrich
from .parsers import ParseError

#: Files larger than this are refused rather than read into memory.
MAX_FILE_BYTES = 50 * 1024 * 1024

_SKIP_NAMES = {"readme.md", "manifest.jsonl", ".ds_store"}


@dataclass
class IngestReport:
    """What one ingest run did.

    Attributes:
        run_id: Id of the row in ``ingest_runs``.
        files: Files looked at.
        added: Documents new to the store.
        updated: Documents whose stored version changed.
        unchanged: Documents already stored identically.
        skipped: Files with no parser (not FOI material).
        failed: Files that could not be read, with reasons.
        by_format: Documents per detected format.
    """

    run_id: int
    files: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    by_format: Counter = field(default_factory=Counter)

    @property
    def succeeded(self) -> int:
        """Documents stored or confirmed unchanged."""
        return self.added + self.updated + self.unchanged

    def summary(self) -> dict:
        """The report as a JSON-ready dict."""
        reasons = Counter(r.split(":")[0] for _, r in self.failed)
        return {
            "run_id": self.run_id,
            "files": self.files,
            "succeeded": self.succeeded,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "failed": len(self.failed),
            "failures": [{"path": p, "reason": r} for p, r in self.failed],
            "failure_reasons": dict(reasons),
            "by_format": dict(self.by_format),
        }


    def describe(self) -> str:
        """The report as lines of text."""
        lines = [
            f"{self.files} files: {self.succeeded} documents stored "
            f"({self.added} new, {self.updated} updated, {self.unchanged} unchanged), "
            f"{len(self.failed)} failed, {self.skipped} skipped (not FOI material)."
        ]
        if self.by_format:
            lines.append("By format: " + ", ".join(f"{k} {v}" for k, v in self.by_format.most_common()))
        for path, reason in self.failed[:20]:
            lines.append(f"  failed: {path}: {reason}")
        if len(self.failed) > 20:
            lines.append(f"  ... and {len(self.failed) - 20} more (see the ingest_errors table)")
        return "\n".join(lines)



def iter_files(paths: Iterable[str | os.PathLike]) -> Iterator[Path]:
    """Files under the given paths, in a stable order; hidden files skipped."""
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith(".") and name.lower() not in _SKIP_NAMES:
                        yield Path(root) / name
        else:
            yield p


def ingest_paths(
    store: Store,
    paths: Iterable[str | os.PathLike],
    *,
    progress: Callable[[Path], None] | None = None,
) -> IngestReport:
    """Ingest every file under ``paths`` into ``store``.

    A file that fails (unreadable, corrupt, unknown shape) is recorded in
    ``ingest_errors`` and the run goes on; each document is committed on its
    own, so an interrupted run keeps what it stored and the next one resumes
    (unchanged documents are recognised by hash and not rewritten).

    Args:
        store: Where documents are written.
        paths: Files and folders.
        progress: Called with each file before it is read.

    Returns:
        The run's report.
    """
    report = IngestReport(run_id=store.start_run("ingest " + " ".join(str(p) for p in paths)))
    try:
        for path in iter_files(paths):
            report.files += 1
            if progress:
                progress(path)
            _ingest_file(store, path, report)
    finally:
        store.finish_run(
            report.run_id,
            report.succeeded,
            len(report.failed),
            report.skipped,
            {"added": report.added, "updated": report.updated, "unchanged": report.unchanged,
             "by_format": dict(report.by_format)},
        )
    return report


def enrich_and_save(store: Store, doc) -> str:
    """Read a parsed document (redaction first) and write it; the one way documents enter the store.

    Returns:
        ``added``, ``updated`` or ``unchanged``.

    Raises:
        Exception: When the document must not be stored (its personal data
            could not be redacted) or the write failed.
    """
    return store.save_document(enrich(doc))[1]


def _fail(store: Store, report: IngestReport, path: Path, stage: str, reason: str) -> None:
    report.failed.append((str(path), reason))
    store.record_error(report.run_id, str(path), stage, reason)


def _ingest_file(store: Store, path: Path, report: IngestReport) -> None:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            _fail(store, report, path, "read", f"file is {size} bytes, over the {MAX_FILE_BYTES} byte limit")
            return
        data = path.read_bytes()
    except OSError as e:
        _fail(store, report, path, "read", f"cannot read file: {e.strerror or e}")
        return
    if not data.strip():
        _fail(store, report, path, "parse", "file is empty")
        return
    found = detect(path, data[:65536])
    if found is None:
        report.skipped += 1
        return
    fmt, parse = found
    try:
        docs = parse(data, path=str(path))
    except ParseError as e:
        _fail(store, report, path, "parse", f"{fmt}: {e}")
        return
    except Exception as e:  # a parser bug must not stop the run
        _fail(store, report, path, "parse", f"{fmt}: unexpected {type(e).__name__}: {e}")
        return
    for doc in docs:
        try:
            status = enrich_and_save(store, doc)
        except Exception as e:
            _fail(store, report, path, "store", f"{doc.source_key}: {type(e).__name__}: {e}")
            continue
        report.by_format[fmt] += 1
        setattr(report, status, getattr(report, status) + 1)
