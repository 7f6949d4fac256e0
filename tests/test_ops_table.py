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

from autograd_lite import PRIMITIVES, Primitive, Value, grad, gradcheck, gradgradcheck
from autograd_lite import functional as F
from autograd_lite.engine import apply
from autograd_lite.gradcheck import nonsmooth_nodes
from autograd_lite.ops import is_smooth
from autograd_lite.testing import check_gradients

ROWS = list(PRIMITIVES.values())
IDS = [row.name for row in ROWS]
GRID = [-1.7, -0.6, -0.2, 0.4, 0.9, 1.3, 2.2, 3.1]  # narrow domains (asin, acosh) get 3+


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
    points = st.lists(st.floats(-3, 3), min_size=n, max_size=n)
    xs = data.draw(points.filter(lambda p: is_smooth(row, p)), label="point")  # in its domain
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
FUNCTIONAL_ONLY = {"log_clamped", "gelu_tanh"}  # gelu_tanh: Value.gelu(approximate="tanh")


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
    for row in ROWS:  # a row without declared kinks is smooth wherever it is defined here
        if row.name not in kinks and row.name != "div" and not row.kinks:
            for p in [[0.0] * n for n in arities(row)] + [[-2.5] * n for n in arities(row)]:
                try:
                    row.forward(*p)
                except (ArithmeticError, ValueError):
                    continue  # outside its domain (log1p(-2.5)): nothing to be smooth at
                assert row.smooth(*p), (row.name, p)
    for row in ROWS:  # and where it declares one, it is not smooth
        for point in row.kinks:
            assert len(point) == (row.arity or len(point)), row.name
            assert not row.smooth(*point), (row.name, point)
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


# -- pow at base 0 and below: PyTorch's conventions --------------------------------------

try:
    import torch
except ImportError:
    torch = None


def test_a_constant_base_of_zero_gives_the_exponent_its_gradient() -> None:
    # d/dy 0**y = 0 for y > 0; the base's gradient, 0.14 * 0**-0.86, is not needed and
    # used to raise ZeroDivisionError
    for create_graph in (False, True):
        for base in (0.0, Value(0.0, requires_grad=False)):
            y = Value(0.14)
            (dy,) = grad(base**y, y, create_graph=create_graph)
            assert float(dy) == 0.0
    y = Value(-1.0)  # the base's gradient would overflow: -1 * (1e-300)**-2
    assert grad(Value(1e-300, requires_grad=False) ** y, y) == (1e300 * math.log(1e-300),)


def test_an_infinite_slope_of_the_base_is_an_error_that_names_it() -> None:
    x = Value(0.0, label="x")
    with pytest.raises(OverflowError, match=r"reaching leaf\(\) = 0.0 'x' is inf.*infinite"):
        grad(x**0.5, x)  # d/dx sqrt(x) at 0: a vertical tangent
    with pytest.raises(ZeroDivisionError, match=r"backward through pow\(0.0, 0.5\)"):
        grad(x**0.5, x, create_graph=True)


def _pow_derivatives(
    a: float, b: float, varies: tuple[bool, bool], library: str
) -> tuple[list[float], list[list[float]]]:
    """First and second derivatives of a ** b in the inputs that vary, in one library."""
    if library == "torch":
        leaves = [
            torch.tensor(x, dtype=torch.float64, requires_grad=v)
            for x, v in zip((a, b), varies, strict=True)
        ]
        ins = [x for x in leaves if x.requires_grad]
        first = torch.autograd.grad(leaves[0] ** leaves[1], ins, create_graph=True)
        options = {"allow_unused": True, "materialize_grads": True}
        second = [
            [float(h) for h in torch.autograd.grad(f, ins, **options)]
            if f.requires_grad
            else [0.0] * len(ins)
            for f in first
        ]
        return [float(f.detach()) for f in first], second
    values = [Value(x, requires_grad=v) for x, v in zip((a, b), varies, strict=True)]
    ins = [x for x in values if x.requires_grad]
    first_v = grad(values[0] ** values[1], ins, create_graph=True)
    return [float(f) for f in first_v], [[float(h) for h in grad(f, ins)] for f in first_v]


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed; parity tests skipped")
@pytest.mark.parametrize("a", [0.0, -2.0])
@pytest.mark.parametrize("b", [0.0, 0.14, 0.5, 1.0, 1.5, 2.0, 3.0, -1.0, -2.0])
@pytest.mark.parametrize("varies", [(True, False), (False, True), (True, True)])
def test_pow_at_base_zero_and_below_follows_pytorch(
    a: float, b: float, varies: tuple[bool, bool]
) -> None:
    """Where PyTorch's first and second derivatives are finite we give the same; where it
    gives inf we raise a clear error; where it gives NaN (0 * inf, as for d2/db2 0**b) we
    give the limit, 0. A differentiable exponent with a base <= 0 is refused up front."""
    want = _pow_derivatives(a, b, varies, "torch")
    flat = [*want[0], *[h for row in want[1] for h in row]]
    try:
        Value(a, requires_grad=varies[0]) ** Value(b, requires_grad=varies[1])
    except (ArithmeticError, ValueError) as error:  # 0 ** -1, (-2) ** 0.5, (-2) ** Value(2)
        assert "pow(" in str(error)
        assert not all(math.isfinite(x) for x in flat)
        return
    try:
        got = _pow_derivatives(a, b, varies, "ours")
    except (ArithmeticError, ValueError) as error:
        assert "pow(0.0" in str(error) or "is inf" in str(error)
        assert math.inf in [abs(x) for x in flat], (error, want)  # PyTorch: infinite too
        return
    for g, w in zip([*got[0], *[h for row in got[1] for h in row]], flat, strict=True):
        assert g == w if math.isfinite(w) else (g == 0.0 and math.isnan(w)), (got, want)


def test_a_constant_exponent_is_smooth_wherever_the_power_is() -> None:
    pow_ = PRIMITIVES["pow"]
    exponent_fixed = [False, True]
    for a in (-2.5, -0.3, 0.0, 0.3, 2.5):
        assert is_smooth(pow_, [a, 2.0], exponent_fixed)  # a polynomial: smooth anywhere
        assert is_smooth(pow_, [a, 3.0], exponent_fixed)
        assert is_smooth(pow_, [a, -1.0], exponent_fixed) == (a != 0.0)  # a pole at 0
        assert is_smooth(pow_, [a, 0.5], exponent_fixed) == (a > 0.0)  # real for a > 0
        assert is_smooth(pow_, [a, 2.0]) == (a > 0.0)  # a varying exponent needs ln a
        assert is_smooth(pow_, [a, 2.0], [True, False]) == (a > 0.0)
        assert is_smooth(pow_, [a, 2.0], [True, True])  # a constant: nothing to differentiate
    x = Value(-0.5)
    assert nonsmooth_nodes((x * 2 - 1) ** 2) == []  # a negative residual, squared
    assert [v.op.name for v in nonsmooth_nodes(Value(0.5) ** (x + 2.5)) if v.op] == []
    assert [v.op.name for v in nonsmooth_nodes(Value(1e-4) ** (x + 2.5)) if v.op] == ["pow"]
    for row in ROWS:  # rows without a smooth_fixed column: is_smooth is their smooth
        if row.smooth_fixed is None:
            for p in points(row)[:3]:
                assert is_smooth(row, p, [False] * len(p)) == row.smooth(*p)
    assert check_gradients(lambda x: (x * 3 - 1) ** 2 / x**3, [-0.7]) is None
    with pytest.raises(ValueError, match="2 inputs but 1 flags in fixed"):
        is_smooth(pow_, [1.0, 2.0], [True])


def test_the_zeroth_power_of_a_tiny_base_has_derivative_zero() -> None:
    # found by the strategies once x ** 0 was drawn at any x: b a^(b-1) read 0 * inf
    # (a^-1 overflows at a subnormal a), a NaN the engine refused
    y = Value(2.225073858507203e-309)
    assert grad(y**0, y) == (0.0,)
    assert float(grad(y**0, y, create_graph=True)[0]) == 0.0
    assert gradgradcheck(lambda v: v**0 + v, [2.225073858507203e-309])
