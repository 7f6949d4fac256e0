"""Bad input gets a clear error, and nothing is silently wrong.

The policy under test (issue 2, item 8): the engine never produces inf or
nan. A domain or range problem raises ``ValueError``, ``ZeroDivisionError``
or ``OverflowError`` with a message naming the operation and its inputs;
a value of the wrong type raises ``TypeError`` naming the type; and a
failed operation leaves nothing behind.
"""

from __future__ import annotations

import gc
import itertools
import math
import pickle
import re
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from autograd_lite import Value, checks, grad, losses, optim, topological_order
from autograd_lite import functional as F


@pytest.mark.parametrize(
    ("data", "type_name"), [("3", "str"), (None, "NoneType"), (1j, "complex"), ([1.0], "list")]
)
def test_value_refuses_what_is_not_a_real_number(data: object, type_name: str) -> None:
    with pytest.raises(TypeError, match=f"real number .*got {type_name}"):
        Value(data)  # type: ignore[arg-type]


def test_operators_refuse_what_is_not_a_number() -> None:
    x = Value(1.0)
    cases = [
        (lambda: x + "a", "str"),
        (lambda: "a" + x, "str"),
        (lambda: x ** "2", "str"),
        (lambda: x * None, "NoneType"),
        (lambda: [1] - x, "list"),
        (lambda: x / 1j, "complex"),
        (lambda: x < "2", "str"),
        (lambda: F.exp("a"), "str"),
        (lambda: F.sum([x, "a"]), "str"),
        (lambda: F.leaky_relu(x, "a"), "str"),
        (lambda: x.leaky_relu("a"), "str"),
        (lambda: x.backward("a"), "str"),
        (lambda: Value(1.0, label=3), "int"),  # type: ignore[arg-type]
    ]
    for make, type_name in cases:
        with pytest.raises(TypeError, match=type_name):
            make()  # type: ignore[no-untyped-call]


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (lambda: Value(0.0).log(), ValueError, ["log(0.0)", "positive"]),
        (lambda: Value(-1.0).log(), ValueError, ["log(-1.0)"]),
        (lambda: F.log(-1), ValueError, ["log(-1.0)"]),
        (lambda: Value(-1.0).sqrt(), ValueError, ["sqrt(-1.0)", "non-negative"]),
        (lambda: Value(3.0) / 0, ZeroDivisionError, ["div(3.0, 0.0)"]),
        (lambda: Value(3.0) / Value(0.0), ZeroDivisionError, ["div(3.0, 0.0)"]),
        (lambda: 3 / Value(0.0), ZeroDivisionError, ["div(3.0, 0.0)"]),
        (lambda: Value(0.0) ** -1, ZeroDivisionError, ["pow(0.0, -1.0)", "negative power"]),
        (lambda: Value(-8.0) ** (1 / 3), ValueError, ["pow(-8.0, 0.3333)", "not real"]),
        (lambda: Value(-8.0) ** Value(2.0), ValueError, ["pow(-8.0, 2.0)", "positive base"]),
        (lambda: Value(1000.0).exp(), OverflowError, ["exp(1000.0)", "overflows"]),
        (lambda: Value(1e308) * 10, OverflowError, ["mul(1e+308, 10.0)"]),
        (lambda: Value(2.0) ** 2000, OverflowError, ["pow(2.0, 2000.0)"]),
        (lambda: Value(math.inf), ValueError, ["Value(data)", "finite", "inf"]),
        (lambda: Value(math.nan), ValueError, ["Value(data)", "finite", "nan"]),
        (lambda: Value(1.0) + math.inf, ValueError, ["finite", "inf"]),
        (lambda: F.dot([1.0], [1.0, 2.0]), ValueError, ["equal length", "1 and 2"]),
        (lambda: Value(1.0).backward(math.nan), ValueError, ["gradient", "finite"]),
    ],
)
def test_domain_and_range_errors_name_the_operation_and_input(
    make: object, error: type[Exception], words: list[str]
) -> None:
    with pytest.raises(error) as caught:
        make()  # type: ignore[operator]
    for word in words:
        assert word in str(caught.value)


def test_a_derivative_that_is_not_finite_is_an_error_in_backward() -> None:
    x = Value(0.0)
    y = x.sqrt()  # defined at 0, but d/dx sqrt(x) = 1 / (2 sqrt x) is not
    with pytest.raises(ZeroDivisionError, match=r"backward through sqrt\(0.0\)"):
        y.backward()
    tiny = Value(1e-300)
    with pytest.raises(OverflowError, match="overflowed"):
        tiny.log().backward(1e10)  # 1e10 / 1e-300 overflows
    with pytest.raises(ZeroDivisionError):
        grad(x.sqrt(), x, create_graph=True)


@pytest.mark.parametrize("x", [1000.0, -1000.0, 40.0, -40.0])
def test_saturating_functions_stay_finite_with_correct_gradients(x: float) -> None:
    v = Value(x)
    s = 1 / (1 + math.exp(-x)) if x > 0 else math.exp(x) / (1 + math.exp(x))
    expected = {
        # name: (value, first derivative, second derivative)
        "tanh": (math.tanh(x), 1 - math.tanh(x) ** 2, -2 * math.tanh(x) * (1 - math.tanh(x) ** 2)),
        "sigmoid": (s, s * (1 - s), s * (1 - s) * (1 - 2 * s)),
        "softplus": (max(x, 0) + math.log1p(math.exp(-abs(x))), s, s * (1 - s)),
    }
    for name, (value, d1, d2) in expected.items():
        y = getattr(v, name)()
        (g1,) = grad(y, v, create_graph=True)
        (g2,) = grad(g1, v)
        for got, want in ((y.data, value), (g1.data, d1), (g2, d2)):
            assert math.isfinite(got)
            assert got == pytest.approx(want, rel=1e-6, abs=1e-300), name


def count_values() -> int:
    return sum(1 for o in gc.get_objects() if type(o) is Value)


FAILING = [
    lambda h: h.log(),
    lambda h: (h * 2).log() + h,
    lambda h: h / (h + 1),
    lambda h: h ** (1 / 3),
    lambda h: F.dot([h, h], [h.exp(), (h * -500).exp().exp()]),
    lambda h: F.sum([h, h.sqrt()]),
]


def test_a_failed_operation_leaves_no_half_built_graph() -> None:
    gc.collect()
    gc.disable()  # so that only reference counting frees anything
    try:
        x = Value(-1.0, label="x")
        h = x * 1.0  # h = -1: log, sqrt, h/(h+1) and h**(1/3) fail
        before_order = topological_order(h)
        before_count = count_values()
        for fail in FAILING:
            with pytest.raises((ValueError, ArithmeticError)):
                fail(h)
            assert topological_order(h) == before_order
        assert count_values() == before_count  # nothing new is left alive
        assert h.grad == 0.0 and x.grad == 0.0
        h.backward()  # the graph still works
        assert x.grad == 1.0
    finally:
        gc.enable()


def test_a_failed_backward_changes_no_gradient() -> None:
    # sqrt'(0) is infinite: the pass fails half way, after the root and the
    # mul node have been processed; no .grad may have moved.
    x = Value(0.0, label="x")
    w = Value(3.0, label="w")
    w.grad = 0.25
    y = x.sqrt() * w + w
    with pytest.raises(ZeroDivisionError, match=r"backward through sqrt\(0\.0\)"):
        y.backward()
    assert (x.grad, w.grad, y.grad) == (0.0, 0.25, 0.0)


def test_an_overflowing_gradient_names_the_node_it_reached() -> None:
    x = Value(1e-300, label="x")
    y = (x * 1e300) ** -2.0 * 1e300  # y = 1e300 / (1e300 x)^2: the gradient overflows
    with pytest.raises(OverflowError) as caught:
        y.backward()
    message = str(caught.value)
    assert "gradient reaching" in message and "'x'" in message and "inf" in message
    assert x.grad == 0.0


def test_public_functions_name_a_wrong_argument_type() -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match="topological_order"):
        topological_order(1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="outputs must be a Value"):
        grad(1.0, x)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="sum"):
        F.sum(5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="requires_grad must be a bool"):
        Value(1.0, requires_grad="False")  # type: ignore[arg-type]


def test_dot_with_an_odd_number_of_inputs_ends_with_a_bias() -> None:
    from autograd_lite import PRIMITIVES, gradcheck
    from autograd_lite.engine import apply

    w, x, b = Value(2.0), Value(3.0), Value(5.0)
    out = apply(PRIMITIVES["dot"], w, x, b)  # w x + b, not a silently dropped input
    assert out.data == 11.0
    assert grad(out, [w, x, b]) == (3.0, 2.0, 1.0)
    assert F.dot([w], [x], b).data == 11.0
    assert gradcheck(lambda *v: F.dot(v[:2], v[2:4], v[4]).tanh(), [0.3, -0.2, 0.5, 0.7, 0.1])


def test_a_differentiable_exponent_at_base_zero() -> None:
    a, b = Value(0.0), Value(2.0)
    y = a**b  # 0 ** 2 = 0; d/db = a^b ln a -> 0 as a -> 0+
    assert y.data == 0.0
    assert grad(y, [a, b]) == (0.0, 0.0)
    with pytest.raises(ValueError, match="positive base"):
        Value(0.0) ** Value(0.0)  # d/db = 0^0 ln 0 has no limit
    with pytest.raises(ValueError, match="positive base"):
        Value(-2.0) ** Value(2.0)


@pytest.mark.parametrize(
    ("make", "what"),
    [
        (lambda: Value(10**400), "Value(data)"),
        (lambda: Value(-(10**400)), "Value(data)"),
        (lambda: Value(1.0) + 10**400, "operand"),
        (lambda: 10**400 * Value(1.0), "operand"),
        (lambda: Value(2.0) ** 10**400, "operand"),
        (lambda: F.exp(10**400), "operand"),
        (lambda: Value(2.0).backward(10**400), "gradient"),
        (lambda: Value(1.0) * Fraction(10**400), "operand"),
    ],
)
def test_an_integer_too_large_for_a_float_is_named(make: Callable[[], object], what: str) -> None:
    with pytest.raises(ValueError, match=rf"^{re.escape(what)} must fit in a float") as caught:
        make()
    assert len(str(caught.value)) < 120  # the number itself is not copied into the message


def test_a_huge_object_is_not_copied_into_the_message() -> None:
    with pytest.raises(TypeError, match="got list") as caught:
        Value([0.0] * 1_000_000)  # type: ignore[arg-type]
    assert len(str(caught.value)) < 200


def test_the_readme_error_table_shows_the_messages_the_engine_gives() -> None:
    """Each row's first input, run, raises exactly the error the table shows."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Bad input and the edges of the domain", 1)[1].split("\n\n")[2]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert len(rows) >= 14
    for row in rows:
        first, shown = (cell.strip() for cell in row.strip("|").split(" | "))
        found = re.match(r"`([^`]*)`", first)
        assert found is not None, row
        with pytest.raises(Exception) as caught:  # the row says which
            names = {"Value": Value, "grad": grad, "pickle": pickle, "F": F, "itertools": itertools}
            eval(found.group(1), names)  # our README
        assert f"{type(caught.value).__name__}: {caught.value}" == shown.strip("`"), row


# -- endless iterables are refused, never read to the end (issue 16, section 3) -------------

SMALL_BOUND = 50  # checks.MAX_ITEMS for these tests, so that each reads little


def _endless_numbers() -> Iterator[float]:
    """An endless iterator that fails loudly once read far past the bound (not a hang)."""
    for i in itertools.count():
        if i > 10 * SMALL_BOUND:
            raise RuntimeError("read without bound")
        yield 1.0


def _endless_values() -> Iterator[Value]:
    return (Value(x) for x in _endless_numbers())


ENDLESS_CONSUMERS: dict[str, Callable[[Iterator[Any]], object]] = {
    "F.sum": lambda it: F.sum(it),
    "F.logsumexp": lambda it: F.logsumexp(it),
    "F.dot weights": lambda it: F.dot(it, [1.0]),
    "F.dot inputs": lambda it: F.dot([Value(1.0)], it),
    "SGD": lambda it: optim.SGD(it, lr=0.1),
    "Adam group": lambda it: optim.Adam([{"params": it}]),
    "clip_grad_norm_": lambda it: optim.clip_grad_norm_(it, 1.0),
    "clip_grad_value_": lambda it: optim.clip_grad_value_(it, 1.0),
    "mse_loss": lambda it: losses.mse_loss(it, 0.0),
    "softmax": lambda it: losses.softmax(it),
}


@pytest.mark.parametrize("make", [_endless_numbers, _endless_values])
@pytest.mark.parametrize("consumer", list(ENDLESS_CONSUMERS))
def test_an_endless_iterable_is_refused_with_the_bound(
    consumer: str, make: Callable[[], Iterator[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checks, "MAX_ITEMS", SMALL_BOUND)
    with pytest.raises(ValueError, match=r"more than 50 items \(an endless iterator\?\)"):
        ENDLESS_CONSUMERS[consumer](make())


@pytest.mark.parametrize("consumer", ["F.sum", "SGD", "clip_grad_norm_"])
def test_itertools_count_and_a_huge_range_are_refused_at_the_real_bound(consumer: str) -> None:
    for endless in (itertools.count(), iter(range(10**20)), range(10**20)):
        with pytest.raises(ValueError, match=f"more than {checks.MAX_ITEMS:,} items"):
            ENDLESS_CONSUMERS[consumer](endless)  # type: ignore[arg-type]


def test_a_finite_generator_is_still_read() -> None:
    w = [Value(1.0), Value(2.0)]
    assert F.sum(v for v in w).data == 3.0
    assert F.dot((v for v in w), iter([3.0, 4.0])).data == 11.0
    assert optim.SGD((v for v in w), lr=0.1).param_groups[0]["params"] == w
