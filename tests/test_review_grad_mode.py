"""Review of grad mode in its own module (``autograd_lite.grad_mode``, issue 17's split).

The same objects from every path they had at 61cf591; each thread its own
mode; a decorated generator in the mode only while it runs, whichever thread
resumes it; one context object shared by threads; misuse named clearly.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

import autograd_lite
from autograd_lite import Value, engine, grad_mode, no_grad


def test_every_path_gives_the_same_functions() -> None:
    for name in ("no_grad", "enable_grad", "is_grad_enabled"):
        assert getattr(autograd_lite, name) is getattr(engine, name) is getattr(grad_mode, name)
    assert engine.GradModeContext is grad_mode.GradModeContext
    assert isinstance(no_grad(), engine.GradModeContext)


def test_no_grad_in_one_thread_leaves_another_recording() -> None:
    entered, checked = threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def quiet() -> None:
        with no_grad():
            entered.set()
            checked.wait(10)
            seen["quiet"] = (Value(1.0) * 2).requires_grad

    def loud() -> None:
        entered.wait(10)
        seen["loud"] = (Value(1.0) * 2).requires_grad
        checked.set()

    threads = [threading.Thread(target=quiet), threading.Thread(target=loud)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"quiet": False, "loud": True}
    assert autograd_lite.is_grad_enabled()


def test_one_context_object_entered_by_eight_threads_at_once() -> None:
    shared = no_grad()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(500):
                with shared:
                    assert not (Value(1.0) * Value(2.0)).requires_grad
                assert autograd_lite.is_grad_enabled()
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert autograd_lite.is_grad_enabled()


def test_a_decorated_generator_resumed_in_another_thread_leaves_both_threads_recording() -> None:
    @no_grad()
    def values() -> Iterator[bool]:
        yield autograd_lite.is_grad_enabled()
        yield autograd_lite.is_grad_enabled()

    it = values()
    first = next(it)
    between = autograd_lite.is_grad_enabled()
    out: list[tuple[bool, bool]] = []
    t = threading.Thread(target=lambda: out.append((next(it), autograd_lite.is_grad_enabled())))
    t.start()
    t.join()
    assert (first, between, out) == (False, True, [(False, True)])


def test_exit_without_enter_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="without a matching __enter__"):
        no_grad().__exit__(None, None, None)
    ctx = no_grad()
    with ctx:
        errors: list[BaseException] = []

        def other() -> None:
            try:
                ctx.__exit__(None, None, None)
            except BaseException as error:
                errors.append(error)

        t = threading.Thread(target=other)
        t.start()
        t.join()
        assert [type(e) for e in errors] == [RuntimeError]
        assert not autograd_lite.is_grad_enabled()
    assert autograd_lite.is_grad_enabled()
