"""Review of tracing in its own module (``autograd_lite.tracing``): copies and pickles of a
Value while ``compile`` records.

A copy of a Value that depends on the sample or a parameter hands its number
to Python, where the recording cannot follow it: the recording refuses it
(``TraceError``, naming the line). A pickle of such a leaf is not refused while
recording; the first call's check against the engine names it instead
(``test_hostile_trust.py::test_a_decision_on_the_pickled_state_is_named_as_the_cause``
keeps that behaviour). Values that depend on neither may be copied and pickled
freely.
"""

from __future__ import annotations

import copy
import pickle
import threading
from collections.abc import Callable
from typing import Any

import pytest

from autograd_lite import TraceError, Value, compile, nn
from autograd_lite.losses import mse_loss

EXAMPLE = ([1.0, 2.0], 1.0)


def _model() -> nn.MLP:
    return nn.MLP(2, [1], seed=0)


@pytest.mark.parametrize(
    ("what", "take"),
    [
        ("copy.copy", copy.copy),
        ("copy.deepcopy", copy.deepcopy),
    ],
    ids=["copy", "deepcopy"],
)
@pytest.mark.parametrize("source", ["input", "parameter"])
def test_a_copy_of_a_value_the_loss_depends_on_is_refused_while_recording(
    what: str, take: Callable[[Any], Any], source: str
) -> None:
    model = _model()

    def loss(x: list[Value], y: Value) -> Value:
        v = x[0] if source == "input" else model.parameters()[0]
        return mse_loss(model(x) * take(v), y)

    with pytest.raises(TraceError, match=what):
        compile(loss, model.parameters(), example=EXAMPLE)


def test_constants_may_be_pickled_and_copied_while_recording() -> None:
    model = _model()

    def loss(x: list[Value], y: Value) -> Value:
        c = pickle.loads(pickle.dumps(Value(3.0)))
        return mse_loss(model(x) * copy.copy(c) * copy.deepcopy(c), y)

    step = compile(loss, model.parameters(), example=EXAMPLE)
    assert step([[1.0, 2.0], [3.0, 4.0]], [1.0, 0.0]) > 0


def test_another_thread_pickles_and_copies_values_while_one_records() -> None:
    model = _model()
    stop, errors = threading.Event(), []

    def other() -> None:
        v = Value(2.0)
        while not stop.is_set():
            try:
                w = v * 3
                pickle.loads(pickle.dumps(v))
                copy.deepcopy(w)
                w.backward()
            except BaseException as error:  # pragma: no cover - reported below
                errors.append(error)
                return

    thread = threading.Thread(target=other)
    thread.start()
    try:
        for _ in range(5):
            compile(lambda x, y: mse_loss(model(x), y), model.parameters(), example=EXAMPLE)
    finally:
        stop.set()
        thread.join()
    assert errors == []
