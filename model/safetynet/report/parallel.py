"""Run one part of the report writing in a forked child process, beside the rest.

The workbook (pure Python, ~a third of the writing time) is written by a child process while
the parent draws the charts and typesets the PDF: on two cores the report is ready in the time
of the longer part. The child is forked (it shares the parent's tables, nothing is copied or
pickled) and only writes its file; its error, if any, is raised again in the parent by
:meth:`Job.join`. Without ``fork`` (not Linux/macOS), with ``SAFETYNET_THREADS=1`` or on one
core, the part runs at once in the calling process.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import traceback
from collections.abc import Callable
from typing import Any

from safetynet import guard


def workers() -> int:
    """How many processes the report may use: ``SAFETYNET_THREADS`` if set, else up to 2."""
    given = guard.env_threads()
    return given if given is not None else min(2, os.cpu_count() or 1)


def _child(conn: Any, fn: Callable[..., None], args: tuple[Any, ...]) -> None:
    try:
        fn(*args)
        conn.send_bytes(b"")
    except BaseException as exc:  # sent to the parent, raised there
        try:
            payload = pickle.dumps(exc)
        except Exception:
            payload = pickle.dumps(RuntimeError("".join(traceback.format_exception(exc))))
        conn.send_bytes(payload)
    finally:
        conn.close()


class Job:
    """A part started by :func:`start`; :meth:`join` waits for it and raises its error."""

    def __init__(self, fn: Callable[..., None], args: tuple[Any, ...], fork: bool) -> None:
        self._proc: Any = None
        self._conn: Any = None
        self._error: BaseException | None = None
        if not fork:
            try:
                fn(*args)
            except BaseException as exc:
                self._error = exc
            return
        ctx = multiprocessing.get_context("fork")
        recv, send = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_child, args=(send, fn, args), daemon=True)
        self._proc.start()
        send.close()
        self._conn = recv

    @property
    def forked(self) -> bool:
        return self._proc is not None

    def join(self) -> None:
        if self._proc is not None:
            try:
                payload = self._conn.recv_bytes()
            except EOFError:
                payload = pickle.dumps(RuntimeError("the report's child process died"))
            finally:
                self._conn.close()
                self._proc.join()
                self._proc = None
            if payload:
                try:
                    self._error = pickle.loads(payload)
                except Exception as exc:  # an exception type that does not unpickle
                    self._error = RuntimeError(f"the report's child process failed: {exc}")
        if self._error is not None:
            err, self._error = self._error, None
            raise err

    def cancel(self) -> None:
        """Stop the child (the parent failed: its file is not wanted)."""
        if self._proc is not None:
            self._proc.terminate()
            self._proc.join()
            self._conn.close()
            self._proc = None
        self._error = None


def start(fn: Callable[..., None], *args: Any) -> Job:
    """Run ``fn(*args)`` in a forked child when the report may use 2 processes, else now."""
    fork = workers() >= 2 and "fork" in multiprocessing.get_all_start_methods()
    return Job(fn, args, fork)
