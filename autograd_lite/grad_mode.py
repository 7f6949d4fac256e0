"""Grad mode: whether this thread records graphs (``no_grad()``, ``enable_grad()``).

A thread starts with recording on. ``no_grad()`` turns it off inside a
``with`` block or a decorated function, so that results are constants (no
parents, no gradient): what evaluation and weight updates want.
``enable_grad()`` turns it back on inside such a block. The engine reads the
mode each time it makes a node (``recording()`` is the fast test it uses).

>>> from autograd_lite import Value
>>> w = Value(1.0)
>>> with no_grad():
...     y = w * 3
>>> y.requires_grad, is_grad_enabled()
(False, True)
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Generator
from typing import Any, TypeVar, cast

__all__ = ["GradModeContext", "enable_grad", "is_grad_enabled", "no_grad"]

_F = TypeVar("_F", bound=Callable[..., Any])


class _GradMode(threading.local):
    enabled: bool = True


#: This thread's mode (read it with ``is_grad_enabled()``).
MODE = _GradMode()


# How many threads have grad mode off right now. While it is 0 (almost always), making a
# node need not read its thread's mode: reading a threading.local attribute costs more than
# all the other checks of making a node. A thread whose mode is off has counted itself
# first, so it always reads its own. The engine keeps the count as a global of its own
# (``watch_threads_off``): it reads it for every node, and a global is the cheapest read.
_threads_off = 0
_OFF_LOCK = threading.Lock()
_watchers: list[Callable[[int], None]] = []


def watch_threads_off(watcher: Callable[[int], None]) -> None:
    """Call ``watcher(count)`` with the number of threads whose mode is off, now and each time
    it changes (before the thread's own mode changes)."""
    with _OFF_LOCK:
        _watchers.append(watcher)
        watcher(_threads_off)


def _set_grad_enabled(enabled: bool) -> None:
    """Set this thread's mode, keeping the count of threads off in step: the one way to change
    it."""
    global _threads_off
    with _OFF_LOCK:
        if MODE.enabled != enabled:
            _threads_off += -1 if enabled else 1
            for watcher in _watchers:
                watcher(_threads_off)
            MODE.enabled = enabled


def is_grad_enabled() -> bool:
    """True unless this thread is inside ``no_grad()``."""
    return MODE.enabled


class GradModeContext:
    """What ``no_grad()`` and ``enable_grad()`` return: a context manager and a decorator.

    As a decorator it wraps a plain function (each call runs in the mode) or a
    generator function (each resumption runs in the mode, and the caller's
    own mode is back whenever the generator yields). ``async`` functions are
    refused: their bodies run later, on an event loop, outside any mode.
    """

    __slots__ = ("_enabled", "_saved")

    def __init__(self, enabled: bool) -> None:
        self._enabled = enabled
        # the modes to restore, per thread: one object may be entered again, or in two threads
        self._saved: dict[int, list[bool]] = {}

    def __enter__(self) -> None:
        self._saved.setdefault(threading.get_ident(), []).append(MODE.enabled)
        _set_grad_enabled(self._enabled)

    def __exit__(self, *exc_info: object) -> None:
        thread = threading.get_ident()
        saved = self._saved.get(thread)
        if not saved:  # a KeyError naming a thread id said nothing
            raise RuntimeError(
                "__exit__ without a matching __enter__ in this thread (use 'with no_grad():')"
            )
        _set_grad_enabled(saved.pop())
        if not saved:
            del self._saved[thread]

    def __call__(self, func: _F) -> _F:
        enabled = self._enabled
        name = "enable_grad" if enabled else "no_grad"
        if not callable(func):
            raise TypeError(f"@{name}() decorates a function, got {type(func).__name__}")
        if inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func):
            raise TypeError(
                f"@{name}() cannot decorate the async function {func.__name__}: its body runs "
                f"later, outside the mode; use 'with {name}():' inside it"
            )
        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def generator(*args: Any, **kwargs: Any) -> Any:
                return (yield from _in_mode(enabled, func(*args, **kwargs)))

            return cast(_F, generator)

        @functools.wraps(func)
        def function(*args: Any, **kwargs: Any) -> Any:
            with grad_mode(enabled):
                return func(*args, **kwargs)

        return cast(_F, function)


def _in_mode(enabled: bool, inner: Generator[Any, Any, Any]) -> Generator[Any, Any, Any]:
    """Run ``inner`` one step at a time in the mode, and yield its values outside it."""
    sent: Any = None
    thrown: BaseException | None = None
    while True:
        try:
            with grad_mode(enabled):
                value = inner.send(sent) if thrown is None else inner.throw(thrown)
        except StopIteration as stop:
            return stop.value
        sent, thrown = None, None
        try:
            sent = yield value
        except GeneratorExit:
            with grad_mode(enabled):
                inner.close()
            raise
        except BaseException as error:  # thrown in by the caller: pass it on to ``inner``
            thrown = error


def grad_mode(enabled: bool) -> GradModeContext:
    """Record graphs (or not) in this thread inside the ``with`` block."""
    return GradModeContext(enabled)


def no_grad() -> GradModeContext:
    """Stop recording graphs in this thread (a context manager or a decorator).

    Results computed inside are constants: they have no parents and take no
    gradient. Use it for evaluation and for updating weights. As a decorator
    (``@no_grad()``) it also works on generator functions.

    >>> from autograd_lite import Value
    >>> w = Value(1.0)
    >>> with no_grad():
    ...     y = w * 3
    >>> y.requires_grad
    False
    """
    return grad_mode(False)


def enable_grad() -> GradModeContext:
    """Record graphs again inside a ``no_grad()`` block (context manager or decorator)."""
    return grad_mode(True)
