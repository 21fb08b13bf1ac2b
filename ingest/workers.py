"""Run a function over items in worker processes, each item under a wall clock and a memory limit.

One hostile file (a PDF whose page tree loops, a decompression bomb) must not
stall or sink a run of thousands. Each worker process lowers its own
address-space limit (``RLIMIT_AS``) so a runaway allocation fails in the
worker, not on the machine; the parent gives each item a deadline and kills a
worker that overruns it, then starts a fresh one. Results come back in input
order whatever the number of workers, so a run with 1 worker and a run with 8
write the same rows in the same order.
"""

from __future__ import annotations

import os
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

#: Results held ahead of the next one due, per worker (bounds the parent's memory).
_LOOKAHEAD_PER_WORKER = 4


@dataclass
class Outcome:
    """What became of one item.

    Attributes:
        item: The input.
        value: The function's return value, when it returned.
        error: One-line reason when it did not (timeout, memory, crash).
    """

    item: Any
    value: Any = None
    error: str | None = None


def limit_memory(max_bytes: int | None) -> None:
    """Lower this process's address-space limit to ``max_bytes`` (never raise it)."""
    if not max_bytes:
        return
    try:
        import resource
    except ImportError:  # not POSIX: the wall clock still bounds each item
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    want = max_bytes if hard == resource.RLIM_INFINITY else min(max_bytes, hard)
    if soft == resource.RLIM_INFINITY or want < soft:
        try:
            resource.setrlimit(resource.RLIMIT_AS, (want, hard))
        except (ValueError, OSError):
            pass


def _worker(conn, func: Callable[[Any], Any], memory: int | None) -> None:
    import faulthandler

    # A reader that crashes is reported by the parent in one line; no stack dump on stderr.
    faulthandler.disable()
    limit_memory(memory)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        index, item = task
        try:
            msg = (index, func(item), None)
        except MemoryError:
            msg = (index, None, f"over the memory limit of {_mib(memory)} MiB")
        except BaseException as e:  # noqa: BLE001 - anything a parser raises is recorded, not fatal
            msg = (index, None, f"unexpected {type(e).__name__}: {' '.join(str(e).split())[:200]}")
        try:
            conn.send(msg)
        except MemoryError:
            conn.send((index, None, f"result over the memory limit of {_mib(memory)} MiB"))


def _mib(n: int | None) -> int:
    return (n or 0) // (1024 * 1024)


class _Slot:
    """One worker process and the item it is working on."""

    def __init__(self, ctx, func, memory):
        self._ctx, self._func, self._memory = ctx, func, memory
        self.task: tuple[int, Any] | None = None
        self.started = 0.0
        self._start()

    def _start(self) -> None:
        parent, child = self._ctx.Pipe()
        self.proc = self._ctx.Process(target=_worker, args=(child, self._func, self._memory), daemon=True)
        self.proc.start()
        child.close()
        self.conn = parent

    def give(self, index: int, item: Any) -> None:
        self.task = (index, item)
        self.started = time.monotonic()
        self.conn.send((index, item))

    def restart(self) -> None:
        self.kill()
        self._start()

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.proc.join(2)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(2)
        self.conn.close()


def run_bounded(
    func: Callable[[Any], Any],
    items: Iterable[Any],
    *,
    jobs: int = 1,
    timeout_s: float | None = 60.0,
    memory_bytes: int | None = None,
) -> Iterator[Outcome]:
    """``func`` over ``items`` in ``jobs`` worker processes, results in input order.

    Args:
        func: A picklable (module-level) function of one item. Exceptions it
            raises become the outcome's ``error``.
        items: The inputs.
        jobs: Worker processes (at least 1).
        timeout_s: Wall clock per item; the worker is killed and replaced when
            it overruns. None for no limit.
        memory_bytes: Address-space limit of each worker. None for no limit.

    Yields:
        One :class:`Outcome` per item, in the order of ``items``.
    """
    import multiprocessing
    import multiprocessing.connection

    # fork shares the parsers already imported; spawn (macOS, Windows) re-imports them.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    todo = deque(enumerate(items))
    total = len(todo)
    if not total:
        return
    slots = [_Slot(ctx, func, memory_bytes) for _ in range(max(1, min(jobs, total)))]
    done: dict[int, Outcome] = {}
    inputs = dict(todo)
    next_out = 0
    window = _LOOKAHEAD_PER_WORKER * len(slots)
    try:
        while next_out < total:
            for slot in slots:
                if slot.task is None and todo and todo[0][0] < next_out + window:
                    index, item = todo.popleft()
                    slot.give(index, item)
            busy = [s for s in slots if s.task is not None]
            wait_for = None
            if timeout_s is not None and busy:
                wait_for = max(0.0, min(s.started + timeout_s for s in busy) - time.monotonic()) + 0.01
            ready = multiprocessing.connection.wait([s.conn for s in busy], timeout=wait_for)
            for slot in busy:
                index = slot.task[0]
                if slot.conn in ready:
                    try:
                        got_index, value, error = slot.conn.recv()
                    except (EOFError, OSError):
                        slot.proc.join(5)
                        done[index] = Outcome(inputs[index], error=_death(slot.proc.exitcode, memory_bytes))
                        slot.task = None
                        slot.restart()
                        continue
                    done[got_index] = Outcome(inputs[got_index], value, error)
                    slot.task = None
                elif timeout_s is not None and time.monotonic() - slot.started > timeout_s:
                    done[index] = Outcome(inputs[index], error=f"not read within the {timeout_s:g} s limit")
                    slot.task = None
                    slot.restart()
            while next_out in done:
                out = done.pop(next_out)
                del inputs[next_out]
                next_out += 1
                yield out
    finally:
        for slot in slots:
            if slot.task is not None:
                slot.kill()
            else:
                slot.stop()


def _death(exitcode: int | None, memory: int | None) -> str:
    import signal

    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = f" (memory limit {_mib(memory)} MiB?)" if memory and -exitcode in (signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS) else ""
        return f"reader process died with {name}{hint}"
    return f"reader process exited with status {exitcode}"


def default_jobs() -> int:
    """One worker per CPU this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return os.cpu_count() or 1
