"""Regressions from the hostile review of issue 16's surfaces: each input that did not hold."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from autograd_lite import Value, compile, grad
from autograd_lite.compile import GraphTooLargeError, ReplayMismatchError
from autograd_lite.engine import apply
from autograd_lite.exercises import check_source
from autograd_lite.gradcheck import MAX_INPUTS, gradcheck, gradgradcheck
from autograd_lite.ops import Primitive

BACKENDS = ("python", "numpy")


def _branch_on_private_slot(x: Any, y: Any, w: Value) -> Value:
    # a decision the tracer does not see: the slot behind .data, read directly
    return x * w if x._data > 0 else -x * w


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_decision_on_a_private_slot_is_named_as_the_cause_not_reported_as_ours(
    backend: str,
) -> None:
    w = Value(1.0)
    step = compile(
        lambda x, y: _branch_on_private_slot(x, y, w), [w], example=(1.0, 0.0), backend=backend
    )
    with pytest.raises(ReplayMismatchError) as error:
        step([-1.0], [0.0])
    message = str(error.value)
    assert "please report" not in message
    assert "recorded on a sample of this batch" in message


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_decision_on_the_pickled_state_is_named_as_the_cause(backend: str) -> None:
    w = Value(1.0)

    def fn(x: Any, y: Any) -> Value:
        return x * w if "-" not in repr(x.__reduce_ex__(2)) else -x * w

    step = compile(fn, [w], example=(1.0, 0.0), backend=backend)
    with pytest.raises(ReplayMismatchError, match="recorded on a sample") as error:
        step([2.0, -1.0], [0.0, 0.0])
    assert "please report" not in str(error.value)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_million_outputs_beside_the_loss_are_refused_before_code_is_written(
    backend: str,
) -> None:
    w = Value(1.0)
    with pytest.raises(GraphTooLargeError, match="outputs beside the loss"):
        compile(lambda x, y: (x * w, [x] * 1_000_000), [w], example=(0.0, 0.0), backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_outputs_up_to_the_limit_still_compile(backend: str) -> None:
    w = Value(1.0)
    step = compile(lambda x, y: (x * w, [x, x * 2]), [w], example=(0.0, 0.0), backend=backend)
    assert step([3.0], [0.0]) == 3.0
    assert step.outputs == [(3.0, 6.0)]


@pytest.mark.slow
@pytest.mark.parametrize("check", [gradcheck, gradgradcheck])
def test_a_gradient_check_of_a_million_inputs_is_refused_at_once(
    check: Callable[..., bool],
) -> None:
    # four evaluations of f per input: a million inputs ran for months, not refused
    with pytest.raises(ValueError, match="more than MAX_INPUTS"):
        check(lambda *a: a[0] * a[1], [0.5] * 1_000_000)


def test_inputs_held_constant_do_not_count_towards_the_limit() -> None:
    held = [Value(0.5, requires_grad=False) for _ in range(MAX_INPUTS)]
    assert gradcheck(lambda x, *rest: x * x * rest[0], [0.3, *held])


# -- the exercises' checker: a learner's file may not fake its own pass --------------------------

_WRONG_DERIVATIVE = """
def derivative(f, x, h=1e-5):
    return 0.0
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    "patch",
    [
        # json.dumps, replaced by the learner, turned the failing outcome into a pass
        "import json\n_d = json.dumps\n"
        "json.dumps = lambda o, *a, **k: _d(dict(o, passed=True, message='', shows=['faked']))\n",
        # dataclasses.asdict, replaced by the learner, did the same
        "import dataclasses\n_a = dataclasses.asdict\n"
        "dataclasses.asdict = lambda o, *a, **k: dict(_a(o), passed=True, message='', "
        "shows=['faked'])\n",
    ],
    ids=["json.dumps", "dataclasses.asdict"],
)
def test_a_learner_replacing_the_outcome_writer_does_not_pass(patch: str) -> None:
    report = check_source("derivative", patch + _WRONG_DERIVATIVE)
    assert not report.passed
    assert "faked" not in report.shows
    assert "returned 0" in report.message


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="left (design): the learner's code shares a process with the reference engine; "
    "getattr(sys, 'mod' + 'ules') reaches every loaded autograd_lite module",
)
def test_a_learner_cannot_reach_the_loaded_engine_through_sys_modules() -> None:
    source = (
        "import sys\n"
        "found = [k for k in getattr(sys, 'mod' + 'ules') if k.startswith('autograd' + '_lite')]\n"
        "print('REACHED', len(found))\n"
        "def derivative(f, x, h=1e-5):\n"
        "    return (f(x + h) - f(x - h)) / (2 * h)\n"
    )
    report = check_source("derivative", source)
    assert "REACHED 0" in report.output or "REACHED" not in report.output


@pytest.mark.parametrize("exponent", [0.14, 0.5, 1e-300, 5e-324])
def test_the_gradient_of_zero_to_the_y_asks_nothing_of_a_base_not_asked_for(
    exponent: float,
) -> None:
    base, y = Value(0.0), Value(exponent)  # the base takes gradients but is not asked for
    assert grad(base**y, [y]) == (0.0,)  # PyTorch gives 0 here
    with pytest.raises(OverflowError, match="infinite"):  # asked for, it is infinite: an error
        grad(base**y, [base])


@pytest.mark.slow
def test_a_file_printing_without_end_while_loading_is_told_it_printed_too_much() -> None:
    # was: "your file raised OSError while loading: [Errno 27] File too large"
    report = check_source(
        "derivative", "import sys\nwhile True:\n    sys.stderr.write('x' * 99999)\n"
    )
    assert not report.passed
    assert "printed more than 1 MB while loading" in report.message


@pytest.mark.slow
def test_a_function_printing_without_end_gets_a_hint_saying_so() -> None:
    source = (
        "import sys\n"
        "def derivative(f, x, h=1e-5):\n"
        "    while True:\n"
        "        sys.stderr.write('x' * 99999)\n"
    )
    report = check_source("derivative", source)
    assert not report.passed
    assert "printed more than the checker keeps" in report.hint


# -- rows of the user's own: refused when made, named when their rule is wrong ----------


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({"name": 3}, TypeError, "Primitive name must be a str, got int"),
        ({"arity": -1}, ValueError, "Primitive arity must be at least 1"),
        ({"arity": 0}, ValueError, "Primitive arity must be at least 1"),
        ({"arity": True}, TypeError, "Primitive arity must be an int or None, got bool"),
        ({"arity": 1.0}, TypeError, "Primitive arity must be an int or None, got float"),
        ({"vjp": None}, TypeError, "Primitive vjp must be callable"),
    ],
)
def test_a_row_that_cannot_work_is_refused_when_it_is_made(
    fields: dict[str, Any], error: type[Exception], message: str
) -> None:
    row: dict[str, Any] = {
        "name": "twice",
        "symbol": "2x",
        "arity": 1,
        "forward": lambda x: 2 * x,
        "vjp": lambda g, out, x: (2 * g,),
        "smooth": lambda x: True,
        "doc": "2x; d/dx = 2",
    }
    with pytest.raises(error, match=message):
        Primitive(**{**row, **fields})


def test_a_rule_that_returns_the_wrong_number_of_gradients_is_named() -> None:
    both = Primitive(
        "both", "b", 1, lambda x: 2 * x, lambda g, out, x: (g, g), lambda x: True, "wrong rule"
    )
    x = Value(1.5)
    with pytest.raises(ValueError, match="the derivative rule of 'both' must return one gradient"):
        apply(both, x).backward()


@pytest.mark.slow
def test_a_process_the_learner_moves_to_a_session_of_its_own_is_stopped_too(
    tmp_path: Path,
) -> None:
    pid_file = tmp_path / "pid"
    source = (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        f"    open({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
        "    time.sleep(600)\n"
        "time.sleep(600)\n"
    )
    report = check_source("derivative", source, wall=3)
    assert not report.passed and report.message.startswith("stopped after 3 s")
    pid = int(pid_file.read_text())
    stat = Path(f"/proc/{pid}/stat")
    for _ in range(50):  # killed; the init process may take a moment to reap it
        if not stat.exists() or stat.read_text().split(")")[-1].split()[0] == "Z":
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
        pytest.fail(f"process {pid}, started by the learner's code, outlived the check")


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_samples_whose_gradients_cancel_are_named_as_the_cause_not_reported_as_ours(
    backend: str,
) -> None:
    pytest.importorskip("numpy")
    w = Value(0.5)
    step = compile(lambda x, y: x[0] * w, [w], example=([1.0], 0.0), backend=backend)
    with pytest.raises(ReplayMismatchError) as raised:
        step([[1e16], [1.0], [-1e16]], [0.0, 0.0, 0.0])  # exact mean gradient: 1/3
    assert "the samples' contributions cancel" in str(raised.value)
    assert "please report" not in str(raised.value)
