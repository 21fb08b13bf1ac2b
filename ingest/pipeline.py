"""Ingest files and folders: detect, parse, extract, store; record every failure."""

from __future__ import annotations

import io
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable, Iterable, Iterator

from foi_search.store import Store

from .parsers import limits
from .detect import ARCHIVE, detect, skip_reason
from .extract import enrich
from .parsers import ParseError

#: Files larger than this are refused rather than read into memory.
MAX_FILE_BYTES = limits.MAX_FILE_BYTES

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
        outcomes: Each file met and what became of it: ``stored`` (at least
            one document written or confirmed unchanged), ``skipped`` or ``failed``.
    """

    run_id: int
    files: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    by_format: Counter = field(default_factory=Counter)
    outcomes: dict[str, str] = field(default_factory=dict)

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
    jobs: int | None = None,
    timeout_s: float | None = limits.FILE_TIMEOUT_S,
    memory_bytes: int | None = limits.FILE_MEMORY_BYTES,
) -> IngestReport:
    """Ingest every file under ``paths`` into ``store``.

    A file that fails (unreadable, corrupt, unknown shape, over a limit) is
    recorded in ``ingest_errors`` and the run goes on; a file that is not FOI
    material is recorded there too (stage ``skip``), so every file met is
    accounted for. Each document is committed on its own, so an interrupted run
    keeps what it stored and the next one resumes (unchanged documents are
    recognised by hash and not rewritten).

    Reading a file (detect, parse, extract, redact) is pure, so it runs in
    ``jobs`` worker processes, each file under a wall clock and each worker
    under an address-space limit (:mod:`ingest.workers`); this process alone
    writes, in file order, so the store sees the same sequence of writes
    whatever ``jobs`` is.

    Args:
        store: Where documents are written.
        paths: Files and folders.
        progress: Called with each file as its documents are written.
        jobs: Worker processes (default: one per CPU).
        timeout_s: Wall clock allowed to read one file (None: no limit).
        memory_bytes: Address space allowed to each worker (None: no limit).

    Returns:
        The run's report.
    """
    report = IngestReport(run_id=store.start_run("ingest " + " ".join(str(p) for p in paths)))
    try:
        files = list(iter_files(paths))
        for prepared in _prepared_files(files, jobs, timeout_s, memory_bytes):
            report.files += 1
            if progress:
                progress(prepared.path)
            _write_prepared(store, prepared, report)
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


def _prepared_files(
    files: list[Path], jobs: int | None, timeout_s: float | None, memory_bytes: int | None
) -> Iterator["PreparedFile"]:
    """``prepare_file`` over ``files`` in order, each in a bounded worker process."""
    from .workers import default_jobs, run_bounded

    _preload_readers()
    for outcome in run_bounded(
        prepare_file, files, jobs=jobs or default_jobs(), timeout_s=timeout_s, memory_bytes=memory_bytes
    ):
        if outcome.error is None:
            yield outcome.value
        else:
            yield PreparedFile(outcome.item, failures=[("parse", outcome.error)])


#: Modules the readers import lazily. Workers are forked; importing after a fork
#: in a process that has started threads (torch's pools, in a test run or a
#: server) can fail ("SystemError: error return without exception set"), so
#: the parent imports them once and every worker shares them.
_READER_MODULES = (
    "ingest.parsers.alaveteli_json", "ingest.parsers.alaveteli_html", "ingest.parsers.council_html",
    "ingest.parsers.email_eml", "ingest.parsers.foi_log_csv", "ingest.parsers.govuk_json", "ingest.parsers.ico_csv",
    "ingest.parsers.letters", "ingest.parsers.mps_page", "ingest.parsers.tribunal", "ingest.parsers.outlook_msg",
    "ingest.parsers.sheet_log", "ingest.word97", "bs4", "lxml.etree", "pypdf", "pypdfium2", "docx", "openpyxl",
    "olefile", "extract_msg", "python_calamine",
)


def _preload_readers() -> None:
    import importlib

    for name in _READER_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # an optional reader missing: its files fail with a reason instead
            pass


def enrich_and_save(store: Store, doc) -> str:
    """Read a parsed document (redaction first) and write it; the one way documents enter the store.

    Returns:
        ``added``, ``updated`` or ``unchanged``.

    Raises:
        Exception: When the document must not be stored (its personal data
            could not be redacted) or the write failed.
    """
    return store.save_document(enrich(doc))[1]


@dataclass
class PreparedFile:
    """One file read and its documents extracted, ready to write (picklable).

    Attributes:
        path: The file.
        fmt: Detected format, or None when the file is not FOI material.
        docs: Enriched (redacted, extracted) documents.
        failures: ``(stage, reason)`` for the file or for single documents.
        skip: Why the file is not FOI material, when it is not.
    """

    path: Path
    fmt: str | None = None
    skip: str | None = None
    docs: list = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)


def prepare_file(path: Path) -> PreparedFile:
    """Read, detect, parse and enrich one file; never raises (failures are returned)."""
    out = PreparedFile(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            out.failures.append(("read", f"file is {size} bytes, over the {MAX_FILE_BYTES} byte limit"))
            return out
        data = path.read_bytes()
    except OSError as e:
        out.failures.append(("read", f"cannot read file: {e.strerror or e}"))
        return out
    _prepare_bytes(path, data, out, depth=0)
    return out


def _prepare_bytes(path: Path, data: bytes, out: PreparedFile, *, depth: int) -> None:
    """Detect, parse and enrich one file's bytes into ``out``; archive members recurse here."""
    # Reasons about a member of an archive name the member; the archive is the recorded target.
    label = f"{path.relative_to(out.path)}: " if depth else ""
    if not data.strip():
        out.failures.append(("parse", f"{label}file is empty"))
        return
    found = detect(path, data[:65536])
    if found is None:
        if depth:
            out.failures.append(("skip", label + skip_reason(path, data[:65536])))
        else:
            out.skip = skip_reason(path, data[:65536])
        return
    fmt, parse = found
    if depth == 0:
        out.fmt = fmt
    try:
        limits.check_file(data, path.suffix.lower())
        if fmt == ARCHIVE:
            _prepare_archive(path, data, out, depth=depth)
            return
        docs = parse(data, path=str(path))
        if len(docs) > limits.MAX_DOCS_PER_FILE:
            raise ParseError(f"{len(docs)} documents in one file, over the {limits.MAX_DOCS_PER_FILE} limit")
    except ParseError as e:
        out.failures.append(("parse", f"{label}{fmt}: {e}"))
        return
    except MemoryError:
        out.failures.append(("parse", f"{label}{fmt}: over the memory limit"))
        return
    except RecursionError:
        out.failures.append(("parse", f"{label}{fmt}: nested too deeply to read"))
        return
    except Exception as e:  # a parser bug must not stop the run
        out.failures.append(("parse", f"{label}{fmt}: unexpected {type(e).__name__}: {e}"))
        return
    for doc in docs:
        try:
            out.docs.append(enrich(doc))
        except Exception as e:  # e.g. redaction failed: the document must not be stored
            out.failures.append(("store", f"{label}{doc.source_key}: {type(e).__name__}: {e}"))


def _prepare_archive(path: Path, data: bytes, out: PreparedFile, *, depth: int) -> None:
    """Read each member of a zip archive as a file of its own (the archive's bounds checked first)."""
    import zipfile

    if depth >= limits.MAX_ARCHIVE_DEPTH:
        raise ParseError(f"archive nested over {limits.MAX_ARCHIVE_DEPTH} deep")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            name = info.filename
            if info.is_dir() or name.startswith("__MACOSX/") or PurePosixPath(name).name.startswith("."):
                continue
            member = path / PurePosixPath(name).as_posix().lstrip("/").replace("../", "")
            try:
                blob = z.read(info)
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError, ValueError) as e:
                # RuntimeError: an encrypted member; NotImplementedError: an unknown compression method.
                out.failures.append(("parse", f"{member.relative_to(out.path)}: cannot extract: {e}"))
                continue
            _prepare_bytes(member, blob, out, depth=depth + 1)


def _fail(store: Store, report: IngestReport, path: Path, stage: str, reason: str) -> None:
    report.failed.append((str(path), reason))
    store.record_error(report.run_id, str(path), stage, reason)


def _write_prepared(store: Store, prepared: PreparedFile, report: IngestReport) -> None:
    path = str(prepared.path)
    if prepared.fmt is None and not prepared.failures:
        report.skipped += 1
        report.outcomes[path] = "skipped"
        store.record_error(report.run_id, path, "skip", prepared.skip or "not FOI material")
        return
    for stage, reason in prepared.failures:
        if stage == "skip":  # a member of an archive that is not FOI material: recorded, not a failure
            store.record_error(report.run_id, path, stage, reason)
        else:
            _fail(store, report, prepared.path, stage, reason)
    stored = 0
    for doc in prepared.docs:
        try:
            status = store.save_document(doc)[1]
        except Exception as e:
            _fail(store, report, prepared.path, "store", f"{doc.source_key}: {type(e).__name__}: {e}")
            continue
        stored += 1
        report.by_format[prepared.fmt] += 1
        setattr(report, status, getattr(report, status) + 1)
    if stored:
        report.outcomes[path] = "stored"
    elif not any(stage != "skip" for stage, _ in prepared.failures) and not prepared.docs:
        # A parser may find nothing to keep (a GOV.UK page that is not an FOI release).
        report.skipped += 1
        report.outcomes[path] = "skipped"
        store.record_error(report.run_id, path, "skip", f"{prepared.fmt}: no FOI documents in the file")
    else:
        report.outcomes[path] = "failed"
