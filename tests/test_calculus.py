"""The calculus helpers: against central differences, against PyTorch, and on bad input."""

import contextlib
import io
import itertools
import math
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autograd_lite.calculus as calculus
from autograd_lite import (
    Value,
    derivative,
    grad,
    gradcheck,
    gradgradcheck,
    hessian,
    hvp,
    is_grad_enabled,
    jacobian,
    no_grad,
    value_and_grad,
)
from autograd_lite.calculus import MAX_ENTRIES, MAX_ORDER
from autograd_lite.testing import Sample, check_gradients, expressions_with_inputs

try:
    import torch
    from test_torch_parity import (
        APPROX,
        in_torch,
        pow_with_a_zero_variable_exponent,
        pow_zero_at_base_zero,
    )
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(
    torch is None, reason="PyTorch is not installed; parity tests skipped"
)

README = Path(__file__).resolve().parent.parent / "README.md"

EPS = 1e-6  # the central difference's step, in double precision
ATOL, RTOL = 1e-5, 1e-3  # gradcheck's tolerances


def central(
    fn: Callable[[list[float]], list[float]], point: list[float], v: list[float]
) -> list[float]:
    """(fn(x + h v) - fn(x - h v)) / 2h for each component of fn: a directional derivative."""
    up = [x + EPS * d for x, d in zip(point, v, strict=True)]
    down = [x - EPS * d for x, d in zip(point, v, strict=True)]
    return [(a - b) / (2 * EPS) for a, b in zip(fn(up), fn(down), strict=True)]


def unit(n: int, i: int) -> list[float]:
    return [1.0 if k == i else 0.0 for k in range(n)]


def close(analytic: Sequence[float], numeric: Sequence[float]) -> bool:
    return all(abs(a - b) <= ATOL + RTOL * abs(b) for a, b in zip(analytic, numeric, strict=True))


def as_function(sample: Sample) -> tuple[Callable[..., Value], list[float]]:
    """The sample's expression as f(*xs) of positional Values, and its point."""
    names = list(sample.inputs)

    def f(*xs: Value | float) -> Value:
        return sample.expression.evaluate(dict(zip(names, xs, strict=True)))

    return f, list(sample.inputs.values())


def matvec(matrix: list[list[float]], v: list[float]) -> list[float]:
    return [math.fsum(a * b for a, b in zip(row, v, strict=True)) for row in matrix]


# -- known values ---------------------------------------------------------------------


def test_derivatives_of_tanh_match_the_formulas() -> None:
    x = 0.5
    t = math.tanh(x)
    s = 1 - t * t  # tanh' = 1 - t^2, tanh'' = -2 t s, tanh''' = (6 t^2 - 2) s
    got = [derivative(lambda v: v.tanh(), order=k)(x) for k in (1, 2, 3)]
    assert got == pytest.approx([s, -2 * t * s, (6 * t * t - 2) * s], rel=1e-14)


@pytest.mark.parametrize("order", range(1, MAX_ORDER + 1))
def test_every_order_up_to_the_largest(order: int) -> None:
    x = 0.7  # d^k/dx^k sin x = sin(x + k pi / 2); exp is its own derivative
    assert derivative(lambda v: v.sin(), order=order)(x) == pytest.approx(
        math.sin(x + order * math.pi / 2), rel=1e-12
    )
    assert derivative(lambda v: (2 * v).exp(), order=order)(x) == pytest.approx(
        2**order * math.exp(2 * x), rel=1e-12
    )


def test_results_are_plain_floats_and_the_shapes_are_right() -> None:
    f = lambda x, y: x * x * y  # noqa: E731
    value, gradient = value_and_grad(f)(3, 2.0)
    assert (value, gradient) == (18.0, (12.0, 9.0))
    assert type(value) is float and all(type(g) is float for g in gradient)
    assert type(derivative(lambda x: x * x)(3)) is float
    assert jacobian(f, [3.0, 2.0]) == [[12.0, 9.0]]  # one output: one row
    assert jacobian(lambda x: [x, x * x, x * 0.0 + 1.0], 3.0) == [[1.0], [6.0], [0.0]]
    h = hessian(f, [3.0, 2.0])
    assert h == [[4.0, 6.0], [6.0, 0.0]]
    assert hvp(f, [3.0, 2.0], [1.0, -1.0]) == [-2.0, 6.0]
    for row in [*jacobian(f, [1.0, 2.0]), *h, hvp(f, [1.0, 2.0], [1.0, 1.0])]:
        assert all(type(x) is float for x in row)


def test_an_input_the_function_ignores_gets_zero() -> None:
    f = lambda x, y: x * x  # noqa: E731
    assert value_and_grad(f)(3.0, 5.0) == (9.0, (6.0, 0.0))
    assert hessian(f, [3.0, 5.0]) == [[2.0, 0.0], [0.0, 0.0]]
    assert derivative(lambda x: x * 2.0, order=2)(1.0) == 0.0  # f' is a constant


def test_a_function_object_and_value_inputs_work() -> None:
    class Cube:
        def __call__(self, x: Value) -> Value:
            return x**3

    assert derivative(Cube(), order=2)(Value(2.0)) == 12.0  # a Value's data is used
    assert value_and_grad(lambda x: x)(Value(4.0, label="x")) == (4.0, (1.0,))


# -- against central differences on random functions -------------------------------


@settings(max_examples=60)
@given(expressions_with_inputs(("x", "y")))
def test_value_and_grad_matches_central_differences(sample: Sample) -> None:
    f, point = as_function(sample)
    value, gradient = value_and_grad(f)(*point)
    assert value == f(*point).data

    def fn(p: list[float]) -> list[float]:
        return [f(*p).data]

    numeric = [central(fn, point, unit(2, i))[0] for i in range(2)]
    assert close(gradient, numeric), (sample, gradient, numeric)


@settings(max_examples=40)
@given(expressions_with_inputs(("x", "y")))
def test_jacobian_matches_central_differences(sample: Sample) -> None:
    e, point = as_function(sample)

    def f(x: Value, y: Value) -> list[Value]:
        out = e(x, y)
        return [out, out * x + y, out.tanh()]  # smooth wherever the sample is

    rows = jacobian(f, point)
    assert len(rows) == 3 and all(len(row) == 2 for row in rows)

    def fn(p: list[float]) -> list[float]:
        return [o.data for o in f(*[Value(x) for x in p])]

    columns = [central(fn, point, unit(2, j)) for j in range(2)]
    for i, row in enumerate(rows):
        assert close(row, [columns[j][i] for j in range(2)]), (sample, i, rows, columns)


@settings(max_examples=40)
@given(expressions_with_inputs(("x", "y")))
def test_hessian_matches_central_differences_and_is_symmetric(sample: Sample) -> None:
    f, point = as_function(sample)
    h = hessian(f, point)

    def gradient(p: list[float]) -> list[float]:
        return list(value_and_grad(f)(*p)[1])  # checked against central differences above

    for j in range(2):
        column = central(gradient, point, unit(2, j))
        assert close([h[i][j] for i in range(2)], column), (sample, h, column)
    scale = 1.0 + max(abs(x) for row in h for x in row)
    assert abs(h[0][1] - h[1][0]) <= 1e-12 * scale, (sample, h)


@settings(max_examples=40)
@given(
    expressions_with_inputs(("x", "y")),
    st.lists(st.floats(-2.0, 2.0), min_size=2, max_size=2),
)
def test_hvp_is_the_hessian_times_v(sample: Sample, v: list[float]) -> None:
    f, point = as_function(sample)
    product = hvp(f, point, v)
    h = hessian(f, point)
    scale = 1.0 + sum(abs(x) for row in h for x in row) * max(1.0, *map(abs, v))
    expected = matvec(h, v)
    assert all(abs(a - b) <= 1e-12 * scale for a, b in zip(product, expected, strict=True))

    def gradient(p: list[float]) -> list[float]:
        return list(value_and_grad(f)(*p)[1])

    assert close(product, central(gradient, point, v)), (sample, product, v)


@settings(max_examples=40)
@given(expressions_with_inputs(("x",)))
def test_derivative_of_each_order_matches_central_differences_of_the_one_below(
    sample: Sample,
) -> None:
    f, (x,) = as_function(sample)
    for order in (1, 2, 3):
        below = derivative(f, order=order - 1) if order > 1 else (lambda p: f(p).data)
        numeric = central(lambda p, below=below: [below(p[0])], [x], [1.0])
        assert close([derivative(f, order=order)(x)], numeric), (sample, order, numeric)


# -- against PyTorch ----------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.torch
@needs_torch
@settings(max_examples=30)
@given(
    expressions_with_inputs(("x", "y")),
    st.lists(st.floats(-2.0, 2.0), min_size=2, max_size=2),
)
def test_jacobian_hessian_and_hvp_match_pytorch(sample: Sample, v: list[float]) -> None:
    f, point = as_function(sample)
    ts = tuple(torch.tensor(x, dtype=torch.float64) for x in point)
    fn = in_torch(sample)
    t_jacobian = torch.autograd.functional.jacobian(fn, ts)
    assert jacobian(f, point) == [pytest.approx([t.item() for t in t_jacobian], **APPROX)]
    out = f(*[Value(x) for x in point])
    assume(not pow_with_a_zero_variable_exponent(out) and not pow_zero_at_base_zero(out))
    t_hessian = torch.autograd.functional.hessian(fn, ts)
    for row, t_row in zip(hessian(f, point), t_hessian, strict=True):
        assert row == pytest.approx([t.item() for t in t_row], **APPROX)
    t_v = tuple(torch.tensor(d, dtype=torch.float64) for d in v)
    _, t_hvp = torch.autograd.functional.hvp(fn, ts, t_v)
    assert hvp(f, point, v) == pytest.approx([t.item() for t in t_hvp], **APPROX)


@pytest.mark.torch
@needs_torch
def test_jacobian_of_several_outputs_matches_pytorch() -> None:
    def ours(x: Value, y: Value) -> list[Value]:
        return [(x * y).sin(), x.exp() / y, (x - y).tanh()]

    def theirs(x: Any, y: Any) -> Any:
        return torch.stack([(x * y).sin(), x.exp() / y, (x - y).tanh()])

    point = [0.4, -1.3]
    ts = tuple(torch.tensor(x, dtype=torch.float64) for x in point)
    columns = torch.autograd.functional.jacobian(theirs, ts)  # one column per input
    expected = torch.stack(columns, dim=1).tolist()
    for row, t_row in zip(jacobian(ours, point), expected, strict=True):
        assert row == pytest.approx(t_row, rel=1e-14, abs=1e-15)


# -- composition: create_graph=True -------------------------------------------------------


def test_create_graph_results_are_values_that_lead_back_to_the_inputs() -> None:
    f = lambda x: (x * x).sin()  # noqa: E731
    x = Value(0.8)
    first = derivative(f, create_graph=True)(x)
    assert isinstance(first, Value)
    (second,) = grad(first, x)  # differentiated again, through the caller's Value
    assert second == pytest.approx(derivative(f, order=2)(0.8), rel=1e-15)
    # and the helpers compose
    twice = derivative(derivative(f, create_graph=True))
    assert twice(0.8) == derivative(f, order=2)(0.8)
    g = lambda x, y: x * y.exp() + x**3  # noqa: E731
    gradient = lambda x, y: list(value_and_grad(g, create_graph=True)(x, y)[1])  # noqa: E731
    assert jacobian(gradient, [0.5, -0.2]) == hessian(g, [0.5, -0.2])
    value, grads = value_and_grad(g, create_graph=True)(0.5, -0.2)
    assert isinstance(value, Value) and all(isinstance(d, Value) for d in grads)
    for result in (
        jacobian(g, [0.5, -0.2], create_graph=True)[0],
        hessian(g, [0.5, -0.2], create_graph=True)[1],
        hvp(g, [0.5, -0.2], [1.0, 2.0], create_graph=True),
    ):
        assert all(isinstance(d, Value) for d in result)


def test_an_input_listed_twice_has_its_own_partial_derivative() -> None:
    x = Value(3.0)
    (row,) = jacobian(lambda a, b: a * b * b, [x, x], create_graph=True)
    assert [d.data for d in row] == [9.0, 18.0]  # b^2 and 2ab, not their sum
    assert jacobian(lambda a, b: a * b * b, [x, x]) == [[9.0, 18.0]]


def test_a_value_that_takes_no_gradient_gives_a_fresh_input() -> None:
    x = Value(2.0, requires_grad=False)
    d = derivative(lambda v: v**3, create_graph=True)(x)
    assert d.data == 12.0 and d.requires_grad  # 3v^2, on a fresh input of its own
    with pytest.raises(ValueError, match="takes no gradient"):
        grad(d, x)


# -- .grad and no_grad() -------------------------------------------------------------------


def all_helpers(w: Value, create_graph: bool) -> list[Any]:
    """Every helper once, on a function that closes over the parameter ``w``."""
    f = lambda x, y: (w * x * y).tanh() + x.exp()  # noqa: E731
    x = Value(0.4, label="x")
    x.grad = 0.5
    xs = [x, -0.6]
    out = [
        derivative(lambda v: f(v, 0.3), order=2, create_graph=create_graph)(x),
        value_and_grad(f, create_graph=create_graph)(*xs),
        jacobian(lambda a, b: [f(a, b), a * b], xs, create_graph=create_graph),
        hessian(f, xs, create_graph=create_graph),
        hvp(f, xs, [1.0, -2.0], create_graph=create_graph),
    ]
    assert x.grad == 0.5
    return out


def numbers_of(result: Any) -> Any:
    if isinstance(result, (list, tuple)):
        return [numbers_of(r) for r in result]
    return float(result)


@pytest.mark.parametrize("create_graph", [False, True])
def test_every_grad_is_left_alone(create_graph: bool) -> None:
    w = Value(1.3)
    w.grad = 0.25
    all_helpers(w, create_graph)  # which checks its input's .grad too
    assert w.grad == 0.25


@pytest.mark.parametrize("create_graph", [False, True])
def test_the_helpers_work_inside_no_grad(create_graph: bool) -> None:
    w = Value(1.3)
    outside = numbers_of(all_helpers(w, create_graph))
    with no_grad():
        inside = numbers_of(all_helpers(w, create_graph))
        assert not is_grad_enabled()
    assert inside == outside
    assert is_grad_enabled()


# -- the cost: how many backward passes ------------------------------------------------------


def count_backward_passes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls = [0]

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return grad(*args, **kwargs)

    monkeypatch.setattr(calculus, "grad", counted)
    return calls


def test_hvp_takes_two_backward_passes_for_any_number_of_inputs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = count_backward_passes(monkeypatch)
    n = 12
    f = lambda *xs: sum(((a * b).sin() for a, b in itertools.pairwise(xs)), xs[0] * 0.0)  # noqa: E731
    point = [0.1 * i for i in range(n)]
    v = [1.0 - 0.1 * i for i in range(n)]
    product = hvp(f, point, v)
    assert calls[0] == 2  # the gradient, recorded; then one pass over it
    calls[0] = 0
    h = hessian(f, point)
    assert calls[0] == 1 + n  # the gradient, then one pass per row
    assert product == pytest.approx(matvec(h, v), rel=1e-12, abs=1e-14)


# -- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("returned", "shown"),
    [(3.0, "float: 3.0"), (None, "NoneType: None"), ("x", "str: 'x'"), ([1, 2], r"list: \[1, 2\]")],
)
def test_a_function_that_does_not_return_a_value_is_named(returned: object, shown: str) -> None:
    f = lambda *xs: returned  # noqa: E731
    for call in (
        lambda: derivative(f)(1.0),
        lambda: value_and_grad(f)(1.0),
        lambda: hessian(f, [1.0]),
        lambda: hvp(f, [1.0], [1.0]),
    ):
        with pytest.raises(TypeError, match=rf"f must return a Value, got {shown}"):
            call()


def test_jacobian_names_a_bad_output() -> None:
    with pytest.raises(TypeError, match=r"f must return a Value or a sequence of Values, got"):
        jacobian(lambda x: 2.0, [1.0])
    with pytest.raises(TypeError, match=r"output 1 of f must be a Value, got int: 2"):
        jacobian(lambda x: [x, 2], [1.0])
    with pytest.raises(ValueError, match="f returned an empty list: no outputs"):
        jacobian(lambda x: [], [1.0])


@pytest.mark.parametrize(
    "constant",
    [
        lambda x: Value(3.0, requires_grad=False),
        lambda x: (x * 2).detach(),
        lambda x: Value(x.data * 2, requires_grad=False),
    ],
)
def test_a_constant_output_has_zero_derivatives(constant: Callable[[Value], Value]) -> None:
    # a constant is a function of the inputs too: its derivatives are 0 (as in torch.func, JAX)
    value = constant(Value(1.0)).data
    assert derivative(constant)(1.0) == 0.0
    assert derivative(constant, order=3)(1.0) == 0.0
    assert value_and_grad(constant)(1.0) == (value, (0.0,))
    assert hessian(constant, 1.0) == [[0.0]]
    assert hvp(constant, 1.0, 1.0) == [0.0]
    assert jacobian(lambda x: [x, constant(x)], 1.0) == [[1.0], [0.0]]
    (zero,) = value_and_grad(constant, create_graph=True)(Value(1.0))[1]
    assert isinstance(zero, Value) and zero.data == 0.0


def test_an_output_computed_under_no_grad_inside_f_is_a_constant() -> None:
    def f(x: Value) -> Value:
        with no_grad():
            return x * x

    assert derivative(f)(1.0) == 0.0


LINEAR = lambda x: 3 * x  # noqa: E731  (f' = 3 is a constant, a Value that takes no gradient)


def test_nested_derivatives_of_a_function_with_a_constant_derivative_are_zero() -> None:
    d1 = derivative(LINEAR, create_graph=True)
    assert d1(2.0).data == 3.0 and not d1(2.0).requires_grad
    assert derivative(d1)(2.0) == 0.0  # raised "f is a constant ... (made with detach(), ...)"
    assert derivative(d1, order=2)(2.0) == 0.0
    assert derivative(derivative(d1, create_graph=True))(2.0) == 0.0  # third order
    assert derivative(LINEAR, order=2)(2.0) == derivative(LINEAR, order=3)(2.0) == 0.0
    quadratic = derivative(lambda x: x * x * 1.5, create_graph=True)  # 3x: then 3, then 0
    assert derivative(quadratic)(2.0) == 3.0
    assert derivative(derivative(quadratic, create_graph=True))(2.0) == 0.0


def test_nested_forms_through_grad_hessian_jacobian_and_hvp_give_zero() -> None:
    d1 = derivative(LINEAR, create_graph=True)
    x = Value(2.0)
    assert grad(d1(x), x) == (0.0,)  # through the engine's grad, on the result
    assert derivative(lambda v: grad(LINEAR(v), v, create_graph=True)[0])(2.0) == 0.0
    assert value_and_grad(d1)(2.0) == (3.0, (0.0,))
    assert hessian(lambda a, b: d1(a) * b, [2.0, 5.0]) == [[0.0, 0.0], [0.0, 0.0]]
    assert jacobian(lambda a, b: [d1(a), a * b], [2.0, 5.0]) == [[0.0, 0.0], [5.0, 2.0]]
    assert hvp(lambda a, b: d1(a) + a * b, [2.0, 5.0], [1.0, 1.0]) == [1.0, 1.0]
    # a second derivative that is a constant, nested in the other helpers
    d2 = derivative(lambda v: v * v * v, order=2, create_graph=True)  # 6v, then 6
    assert derivative(d2)(2.0) == 6.0 and derivative(d2, order=2)(2.0) == 0.0
    assert hessian(d2, 2.0) == [[0.0]] and hvp(d2, 2.0, 3.0) == [0.0]


@pytest.mark.parametrize(
    ("order", "error", "message"),
    [
        (True, TypeError, "order must be a positive integer, got bool: True"),
        (2.0, TypeError, "order must be a positive integer, got float: 2.0"),
        ("2", TypeError, "order must be a positive integer, got str: '2'"),
        (None, TypeError, "order must be a positive integer, got NoneType"),
        (0, ValueError, "order must be a positive integer of at most 10, got 0"),
        (-1, ValueError, "got -1"),
        (MAX_ORDER + 1, ValueError, f"at most {MAX_ORDER}, got {MAX_ORDER + 1}"),
    ],
)
def test_a_bad_order_is_refused(order: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        derivative(lambda x: x, order=order)


@pytest.mark.parametrize(
    ("v", "error", "message"),
    [
        ([1.0], ValueError, "hvp() needs v of length 2, one entry per input; got 1"),
        ([1.0, 2.0, 3.0], ValueError, "needs v of length 2, one entry per input; got 3"),
        ([], ValueError, "got 0"),
        (1.0, ValueError, "got 1"),
        ([1.0, "a"], TypeError, "hvp(): v[1] must be a real number, got str: 'a'"),
        ([1.0, Value(2.0)], TypeError, "hvp(): v[1] must be a real number, got Value"),
        ([1.0, math.nan], ValueError, "hvp(): v[1] must be finite, got nan"),
        ([math.inf, 1.0], ValueError, "hvp(): v[0] must be finite, got inf"),
        ("ab", TypeError, "hvp() needs v as a sequence of numbers, got str"),
        (None, TypeError, "hvp() needs v as a sequence of numbers, got NoneType"),
    ],
)
def test_a_bad_v_is_refused(v: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        hvp(lambda x, y: x * y, [1.0, 2.0], v)


@pytest.mark.parametrize(
    "call",
    [
        lambda: value_and_grad(lambda *xs: xs[0])(),
        lambda: jacobian(lambda *xs: xs[0], []),
        lambda: hessian(lambda *xs: xs[0], ()),
        lambda: hvp(lambda *xs: xs[0], [], []),
    ],
)
def test_no_inputs_is_refused(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match=r"needs at least one input"):
        call()


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
def test_non_finite_inputs_are_refused(bad: float) -> None:
    f = lambda x, y: x * y  # noqa: E731
    for call, where in (
        (lambda: derivative(lambda x: x)(bad), "x"),
        (lambda: value_and_grad(f)(1.0, bad), r"inputs\[1\]"),
        (lambda: jacobian(f, [bad, 1.0]), r"inputs\[0\]"),
        (lambda: hessian(f, [1.0, bad]), r"inputs\[1\]"),
        (lambda: hvp(f, [bad, 1.0], [1.0, 1.0]), r"inputs\[0\]"),
    ):
        with pytest.raises(ValueError, match=rf"{where} must be finite, got {bad!r}"):
            call()


@pytest.mark.parametrize("bad", ["1.0", None, True, 1j])
def test_inputs_that_are_not_numbers_are_refused(bad: object) -> None:
    with pytest.raises(TypeError, match=r"x must be a number or a Value, got"):
        derivative(lambda x: x)(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"inputs\[1\] must be a number or a Value, got"):
        hessian(lambda x, y: x * y, [1.0, bad])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="xs must be a sequence of numbers or Values, got str"):
        jacobian(lambda x: x, "12")


def test_a_bad_function_or_flag_is_refused_at_once() -> None:
    for transform in (derivative, value_and_grad):
        with pytest.raises(TypeError, match=r"needs a callable f, got float: 2.0"):
            transform(2.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="needs a callable f, got str"):
        hessian("x * x", [1.0])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="create_graph must be True or False, got int"):
        jacobian(lambda x: x, [1.0], create_graph=1)  # type: ignore[call-overload]


@pytest.mark.slow
def test_a_matrix_too_large_is_refused_before_any_work() -> None:
    calls = []

    def f(*xs: Value) -> Value:
        calls.append(1)
        return xs[0]

    n = math.isqrt(MAX_ENTRIES) + 1
    with pytest.raises(
        ValueError, match=rf"hessian\(\) would have {n:,} x {n:,} = .* entries.*hvp\(\)"
    ):
        hessian(f, [0.0] * n)
    assert calls == []  # refused before f ran
    with pytest.raises(ValueError, match=r"jacobian\(\) would have 2 x 500,001 = 1,000,002"):
        jacobian(lambda *xs: [xs[0], xs[1]], [0.0] * (MAX_ENTRIES // 2 + 1))


def test_errors_from_inside_f_are_the_engines_own() -> None:
    with pytest.raises(ValueError, match=r"log\(-1.0\): log needs a positive input"):
        derivative(lambda x: x.log())(-1.0)


# -- the README's examples ----------------------------------------------------------------------


def test_readme_calculus_examples_print_what_their_comments_say() -> None:
    section = README.read_text(encoding="utf-8").split("## Calculus on functions", 1)[1]
    section = section.split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert blocks, "the README's calculus section has no example"
    for block in blocks:
        expected = re.findall(r"^print\(.*\)\s+# (.*)$", block, re.M)
        assert expected, "each example prints, with the output in a comment"
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block, "README.md", "exec"), {})  # our own README, not user input
        assert out.getvalue().splitlines() == expected


# -- endless inputs are refused, not read forever -----------------------------------------


def endless(pulled: list[int]) -> Iterator[float]:
    """An endless iterable that counts what is read from it (and stops a runaway reader)."""
    for _ in itertools.count():
        pulled[0] += 1
        if pulled[0] > MAX_ENTRIES + 10:
            raise AssertionError("read past the limit: this would have run forever")
        yield 0.5


ENDLESS_CALLS: list[tuple[str, Callable[[Iterator[float]], object]]] = [
    ("jacobian(): xs", lambda it: jacobian(lambda *xs: xs[0], it)),
    ("hessian(): xs", lambda it: hessian(lambda *xs: xs[0], it)),
    ("hvp(): xs", lambda it: hvp(lambda *xs: xs[0], it, [1.0])),
    ("hvp(): v", lambda it: hvp(lambda x: x * x, [1.0], it)),
    ("gradcheck(): inputs", lambda it: gradcheck(lambda *xs: xs[0], it)),
    ("gradgradcheck(): inputs", lambda it: gradgradcheck(lambda *xs: xs[0], it)),
    ("check_gradients(): inputs", lambda it: check_gradients(lambda *xs: xs[0], it)),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(("what", "call"), ENDLESS_CALLS, ids=[w for w, _ in ENDLESS_CALLS])
def test_an_endless_iterable_is_refused_after_max_entries_items(
    what: str, call: Callable[[Iterator[float]], object]
) -> None:
    pulled = [0]
    with pytest.raises(ValueError, match=re.escape(f"{what}: more than 1,000,000 items")):
        call(endless(pulled))
    assert pulled[0] == MAX_ENTRIES + 1  # read one item past the limit, no further
    with pytest.raises(ValueError, match=r"an endless iterator\?"):
        call(itertools.count())  # type: ignore[arg-type]


def test_the_readme_states_the_limit_and_the_zero_derivative_of_a_constant() -> None:
    text = " ".join(README.read_text(encoding="utf-8").split())
    assert f"`autograd_lite.calculus.MAX_ENTRIES` ({MAX_ENTRIES:,}) items" in text
    said = "`derivative(derivative(lambda x: 3 * x, create_graph=True))(2.0)` is 0.0"
    assert said in text
    assert derivative(derivative(lambda x: 3 * x, create_graph=True))(2.0) == 0.0


def test_huge_sized_inputs_and_outputs_are_refused_before_they_are_read() -> None:
    with pytest.raises(ValueError, match="more than 1,000,000 items"):
        hvp(lambda *xs: xs[0], range(10**20), [1.0])  # len() does not even fit an index
    with pytest.raises(ValueError, match=r"would have 1,000,000,000,000 x 1 = .* entries"):
        jacobian(lambda x: range(10**12), [1.0])  # type: ignore[arg-type, return-value]
    with pytest.raises(ValueError, match="more than 1,000,000 items"):
        check_gradients(lambda *xs: xs[0], range(10**12))
    assert jacobian(lambda x, y: [x * y], (v for v in [2.0, 3.0])) == [[3.0, 2.0]]
    assert hvp(lambda x: x * x * x, [1.0], iter([2.0])) == [12.0]
    assert gradcheck(lambda x, y: x * y, iter([0.5, 1.5]))
