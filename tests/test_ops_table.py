"""Every row of the primitive table, checked by looping over the table.

A new row is picked up by every test here without any change to this file
(an n-ary row gets 2 and 4 inputs; ``dot`` reads them as weights, then inputs).
"""

import itertools
import math
import operator
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import PRIMITIVES, Primitive, Value, gradcheck, gradgradcheck
from autograd_lite import functional as F
from autograd_lite.engine import apply
from autograd_lite.testing import check_gradients

ROWS = list(PRIMITIVES.values())
IDS = [row.name for row in ROWS]
GRID = [-1.7, -0.6, 0.4, 1.3, 2.2]


def arities(row: Primitive) -> list[int]:
    return [2, 4] if row.arity is None else [row.arity]


def points(row: Primitive) -> list[tuple[float, ...]]:
    """Points of a fixed grid where ``row`` is smooth and defined."""
    found: list[tuple[float, ...]] = []
    for n in arities(row):
        smooth = [p for p in itertools.product(GRID, repeat=n) if row.smooth(*p)]
        found.extend(smooth[:: max(1, len(smooth) // 12)])  # about 12, spread out
    return found


def call(row: Primitive) -> Callable[..., Value]:
    return lambda *xs: apply(row, *xs)


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_first_derivatives_match_central_differences(row: Primitive) -> None:
    grid = points(row)
    assert len(grid) >= 3, f"{row.name} is smooth at too few grid points to be checked"
    for point in grid:
        assert gradcheck(call(row), point)


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_second_derivatives_match_central_differences(row: Primitive) -> None:
    for point in points(row):
        assert gradgradcheck(call(row), point)


@pytest.mark.parametrize("row", ROWS, ids=IDS)
@settings(max_examples=25)
@given(data=st.data())
def test_derivatives_at_random_smooth_points(row: Primitive, data: st.DataObject) -> None:
    n = data.draw(st.sampled_from(arities(row)), label="inputs")
    xs = data.draw(st.lists(st.floats(-3, 3), min_size=n, max_size=n), label="point")
    check_gradients(call(row), xs, order=2)


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_one_rule_gives_the_same_numbers_on_floats_and_on_values(row: Primitive) -> None:
    # the fast first-order path (floats) and the recorded path (Values) run the same rule
    for point in points(row):
        out = row.forward(*point)
        on_floats = row.vjp(0.75, out, *point)
        on_values = row.vjp(Value(0.75), Value(out), *[Value(x) for x in point])
        assert len(on_floats) == len(on_values) == len(point)
        for a, b in zip(on_floats, on_values, strict=True):
            assert float(a) == pytest.approx(float(b), rel=1e-12, abs=1e-15)


#: Rows reached only through autograd_lite.functional, not as a Value method.
FUNCTIONAL_ONLY = {"log_clamped"}


def public_form(row: Primitive) -> Callable[..., Value]:
    """How a user reaches the row: an operator, a Value method or a functional."""
    operators: dict[str, Callable[..., Value]] = {
        "add": operator.add,
        "sub": operator.sub,
        "neg": operator.neg,
        "mul": operator.mul,
        "div": operator.truediv,
        "logsumexp": lambda *xs: F.logsumexp(xs),
        "pow": operator.pow,
        "sum": lambda *xs: F.sum(xs),
        "dot": lambda *xs: F.dot(xs[: len(xs) // 2], xs[len(xs) // 2 :]),
    }
    return operators.get(row.name) or getattr(F, row.name)


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_the_public_api_reaches_the_row(row: Primitive) -> None:
    form = public_form(row)
    for point in points(row)[:4]:
        leaves = [Value(x) for x in point]
        y = form(*leaves)
        assert y.op is row
        assert y.parents == tuple(leaves)
        assert y.data == row.forward(*point)
        if row.arity == 1:
            if row.name in FUNCTIONAL_ONLY:
                continue
            method = getattr(Value, row.name, None) or getattr(Value, f"__{row.name}__")
            assert method(leaves[0]).op is row


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_rows_describe_themselves(row: Primitive) -> None:
    assert row.doc and row.symbol and repr(row) == f"<primitive {row.name}>"
    assert PRIMITIVES[row.name] is row
    assert row.arity is None or row.arity >= 1


def test_sum_takes_any_number_of_inputs() -> None:
    for n in (1, 3, 5):
        assert gradcheck(lambda *xs: F.sum(xs), [0.5 * k for k in range(n)])
    assert F.sum([]).data == 0.0 and F.dot([], []).data == 0.0


def test_smooth_predicates_mark_the_kinks_and_poles() -> None:
    kinks = {
        "relu": 0.0, "abs": 0.0, "leaky_relu": 0.0, "log": 0.0, "log_clamped": 0.0,
        "sqrt": 0.0, "pow": 0.0,
    }  # fmt: skip
    assert not PRIMITIVES["div"].smooth(2.0, 0.0)  # the pole of a / b is at b = 0
    for name, at in kinks.items():
        row = PRIMITIVES[name]
        args = [at] + [2.0] * ((row.arity or 2) - 1)
        assert not row.smooth(*args), name
    for row in ROWS:
        if row.name not in kinks and row.name != "div":
            assert all(row.smooth(*p) for n in arities(row) for p in [[0.0] * n, [-2.5] * n])
    assert not PRIMITIVES["pow"].smooth(-2.0, 2.0)  # a negative base: no d/db
    assert math.isclose(PRIMITIVES["pow"].forward(-2.0, 2.0), 4.0)


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_backward_applies_exactly_the_rows_rule(row: Primitive) -> None:
    """The engine writes some rules out for speed: they must stay the row's own, bit for bit."""
    for point in points(row)[:4]:
        leaves = [Value(x) for x in point]
        y = apply(row, *leaves)
        y.backward(0.75)
        want = row.vjp(0.75, y.data, *point)
        assert tuple(v.grad for v in leaves) == tuple(float(w) for w in want)
