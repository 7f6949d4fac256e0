"""Tracing hooks: what ``autograd_lite.compile`` watches while it records a function.

While ``compile`` records, a tracer sits here. Python decisions on a Value's
data (``if v > 0``, ``max()``, ``float(v)``, ``v.data``) would be frozen into
the recording, so the places that hand out data ask the tracer first; it
raises ``TraceError`` if the Value depends on the traced inputs or
parameters. The engine's only hook is ``TRACE.tracer`` (None when nobody
records), which it reads where a node folds to a constant, and ``read`` /
``compared``, which its methods call before they hand out data. ``watch``
is how the engine gives this module its ``Value`` class (this module imports
nothing of the engine).

>>> from autograd_lite import Value
>>> is_tracing()
False
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any

from autograd_lite.grad_mode import grad_mode

__all__ = ["LEAVES", "TRACE", "TraceError", "is_tracing", "tracing"]


class TraceError(TypeError):
    """``compile`` met something a recording cannot replay; the message says what to do."""


class _TraceState(threading.local):
    tracer: Any = None


#: This thread's tracer, or None: the engine's hook.
TRACE = _TraceState()


class _Leaves:
    """``epoch`` grows whenever a leaf that takes gradients is made by hand (a parameter, a
    copy) or a leaf's ``requires_grad`` changes: a compiled step re-reads its model only when
    it moved."""

    epoch: int = 0


LEAVES = _Leaves()


def is_tracing() -> bool:
    """True while ``autograd_lite.compile`` records a function in this thread."""
    return TRACE.tracer is not None


_HERE = os.path.dirname(__file__)
#: Reads from these files pass: the engine's own messages may show a Value.
_ENGINE_FILES = (os.path.join(_HERE, "engine.py"), os.path.join(_HERE, "ops.py"))

_WATCH_LOCK = threading.Lock()
_TRACES = 0  # how many threads are recording (the property is in place while > 0)
_CLASS: Any = None  # the engine's Value class, given by ``watch``
_DATA_SLOT: Any = None  # its ``data`` property
_DATA_MEMBER: Any = None  # the ``_data`` slot the engine writes


def watch(cls: type) -> None:
    """The engine's class of nodes: ``tracing`` watches its ``data`` and ``_data``."""
    global _CLASS, _DATA_SLOT, _DATA_MEMBER
    _CLASS, _DATA_SLOT, _DATA_MEMBER = cls, cls.__dict__["data"], cls.__dict__["_data"]


@contextlib.contextmanager
def tracing(tracer: Any) -> Iterator[None]:
    """Record with ``tracer`` in this thread: it is asked before data is read.

    ``tracer.read(value, what, frame)`` is called when code outside the engine
    reads a Value's data, ``tracer.folded(op, inputs)`` when an operation on
    Values that take gradients yields a constant (under ``no_grad()``), and
    ``tracer.made(value)`` when a Value gets its data (every node made). While
    any thread records, the ``data`` property is swapped for one that watches
    reads, and the ``_data`` slot the engine writes for one that reports each
    write (a trace is short; the engine's own reads pass). The lock guards the
    swap only: a traced function may start a thread that records too.
    """
    global _TRACES
    if TRACE.tracer is not None:
        raise RuntimeError("compile() cannot trace inside another trace")
    with _WATCH_LOCK:
        if _TRACES == 0:
            setattr(_CLASS, "data", property(_watched_get, _DATA_SLOT.__set__))  # noqa: B010
            setattr(_CLASS, "_data", property(_DATA_MEMBER.__get__, _watched_set))  # noqa: B010
        _TRACES += 1
    TRACE.tracer = tracer
    try:
        with grad_mode(True):
            yield
    finally:
        TRACE.tracer = None
        with _WATCH_LOCK:
            _TRACES -= 1
            if _TRACES == 0:
                setattr(_CLASS, "data", _DATA_SLOT)  # noqa: B010
                setattr(_CLASS, "_data", _DATA_MEMBER)  # noqa: B010


def _watched_get(node: Any) -> float:
    value: float = _DATA_SLOT.__get__(node, _CLASS)
    tracer = TRACE.tracer
    if tracer is not None:
        caller = sys._getframe(1)
        if caller.f_code.co_filename not in _ENGINE_FILES:
            tracer.read(node, "reading .data", caller)
    return value


def _watched_set(node: Any, value: float) -> None:
    _DATA_MEMBER.__set__(node, value)  # every node's data is written here, by the engine too
    tracer = TRACE.tracer
    if tracer is not None:
        tracer.made(node)


def read(node: Any, what: str) -> None:
    """Tell the tracer (if any) that ``what`` hands out ``node``'s data to the caller's caller
    (unless that caller is the engine itself: its messages may show a Value)."""
    tracer = TRACE.tracer
    if tracer is not None:
        caller = sys._getframe(2)
        if caller.f_code.co_filename not in _ENGINE_FILES:
            tracer.read(node, what, caller)


def compared(a: Any, b: object, symbol: str) -> None:
    """Tell the tracer that the caller's caller compares ``a`` with ``b`` (Values or not)."""
    for v in (a, b):
        if isinstance(v, _CLASS):
            TRACE.tracer.read(v, f"a comparison ({symbol})", sys._getframe(2))
