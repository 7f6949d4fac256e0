"""The gradient checker itself: it passes correct rules, catches wrong ones, and says where."""

import dataclasses
import doctest
import math
import sys
from pathlib import Path

import pytest
from hypothesis import example, given, settings

from autograd_lite import (
    PRIMITIVES,
    GradcheckError,
    Primitive,
    Value,
    grad,
    gradcheck,
    gradgradcheck,
)
from autograd_lite.engine import apply
from autograd_lite.expression import expression_text, format_operation
from autograd_lite.gradcheck import ATOL, EPS, RTOL, SEED, nonsmooth_nodes
from autograd_lite.testing import (
    JUDGE_AFTER,
    MAX_DISCARDED,
    Apply,
    Sample,
    Variable,
    check_gradients,
    expressions_with_inputs,
)

README = Path(__file__).resolve().parent.parent / "README.md"

# A sine whose derivative rule is wrong: it says sin' = sin.
BAD_SIN = dataclasses.replace(
    PRIMITIVES["sin"], name="bad_sin", symbol="bad_sin", vjp=lambda g, out, a: (g * out,)
)
# A sine whose rule is right on floats but, on Values, returns a constant:
# first derivatives are right, second derivatives are lost.
FLAT_SIN = dataclasses.replace(
    PRIMITIVES["sin"],
    name="flat_sin",
    symbol="flat_sin",
    vjp=lambda g, out, a: (g * math.cos(float(a)),),
)


def scaled_sin(factor: float) -> object:
    """A sine whose derivative is off by the relative amount ``factor - 1``."""
    return dataclasses.replace(
        PRIMITIVES["sin"],
        name="scaled_sin",
        vjp=lambda g, out, a: (g * math.cos(float(a)) * factor,),
    )


def test_correct_functions_pass() -> None:
    assert gradcheck(lambda x, y: (x * y + 1.5).tanh() * x.exp(), [0.3, -1.1]) is True
    assert gradcheck(lambda x: x.log() / x.sqrt(), 2.0) is True
    assert gradcheck(lambda x, y: x**y, [Value(1.7), 2]) is True
    assert gradgradcheck(lambda x, y: (x * y).sin() + x**3 / y, [0.4, 1.3]) is True
    assert gradgradcheck(lambda x: x.sigmoid().softplus(), (0.25,)) is True


def test_a_wrong_first_derivative_is_caught_and_reported() -> None:
    x, y = Value(0.7, label="x"), Value(1.9, label="y")
    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda a, b: a * apply(BAD_SIN, b), [x, y])
    message = str(caught.value)
    analytic = 0.7 * math.sin(1.9)  # what the broken rule gives
    numeric = 0.7 * math.cos(1.9)
    assert "d(output)/d(y) (input 1)" in message
    assert "backprop:" in message and "central difference:" in message
    assert repr(analytic)[:8] in message
    assert repr(numeric)[:8] in message
    assert "> tolerance" in message and "atol 1e-05 + rtol 1e-05" in message
    assert "random gradient -0.448395 (seed 20161)" in message
    assert "at: x=0.7, y=1.9" in message
    assert "expression: x * bad_sin(y)" in message
    assert isinstance(caught.value, AssertionError)
    # the input that is right passes: the first mismatch named is y, not x
    assert "input 0" not in message


def test_a_lost_second_derivative_is_caught_by_gradgradcheck_only() -> None:
    f = lambda x, y: apply(FLAT_SIN, x * y)  # noqa: E731
    assert gradcheck(f, [0.5, 1.5])
    with pytest.raises(GradcheckError) as caught:
        gradgradcheck(f, [0.5, 1.5])
    message = str(caught.value)
    assert message.startswith("gradgradcheck: d2(output)/d(x)d(x) (inputs 0 and 0)")
    assert "expression: flat_sin(x * y)" in message


def test_mixed_second_derivatives_are_named_by_both_inputs() -> None:
    # d2/dx dy of x * flat_sin(y) is cos(y); the broken rule loses nothing there,
    # but d2/dy dy = -x sin(y) is lost.
    with pytest.raises(GradcheckError, match=r"d2\(output\)/d\(y\)d\(y\) \(inputs 1 and 1\)"):
        gradgradcheck(lambda x, y: x * apply(FLAT_SIN, y), [0.5, 1.5])


def test_tolerances_are_honoured() -> None:
    off = scaled_sin(1 + 1e-4)  # relative error 1e-4
    f = lambda x: apply(off, x)  # noqa: E731
    with pytest.raises(GradcheckError):
        gradcheck(f, [0.3])  # rtol 1e-5 by default
    assert gradcheck(f, [0.3], rtol=1e-3)  # PyTorch's default lets it pass
    with pytest.raises(GradcheckError):
        gradcheck(f, [0.3], rtol=1e-5, atol=0.0)
    assert gradcheck(f, [0.3], rtol=0.0, atol=1e-3)


#: 2x with a derivative that is 0.05% wrong: 2.001 instead of 2.
TWICE_OFF = Primitive(
    "twice_off", "twice_off", 1, lambda a: 2 * a, lambda g, out, a: (g * 2.001,), lambda a: True,
    "2a, with a wrong derivative",
)  # fmt: skip


def test_a_derivative_wrong_by_five_in_ten_thousand_is_caught() -> None:
    # under the old defaults (rtol 1e-3) the tolerance at 2 was 2.01e-3 and this passed
    with pytest.raises(GradcheckError, match=r"backprop:\s+2.001"):
        gradcheck(lambda x: apply(TWICE_OFF, x), [0.3])
    with pytest.raises(GradcheckError):
        gradcheck(lambda x: apply(scaled_sin(1.0005), x * 3), [0.3])
    with pytest.raises(GradcheckError):  # the same error in a second derivative
        gradgradcheck(lambda x: apply(scaled_sin(1.0005), x) * x, [0.3])


def test_the_defaults_are_tighter_than_pytorchs_and_documented() -> None:
    assert (EPS, ATOL, RTOL) == (1e-6, 1e-5, 1e-5)
    text = README.read_text(encoding="utf-8")
    assert f"`eps={EPS:g}`, `atol={ATOL:g}`, `rtol={RTOL:g}`" in text
    # and what check_gradients does with the points it skips
    assert f"once a test has called it {JUDGE_AFTER} times" in text and MAX_DISCARDED == 0.5
    assert "more than half of its points skipped" in text


def test_the_numerical_derivative_is_extrapolated() -> None:
    # sin(3000 x): the plain central difference is off by h^2 f3 / 6, 1.5e-6 relative;
    # Richardson's extrapolation leaves about 1e-10, so rtol 1e-7 still passes
    assert gradcheck(lambda x: (x * 3000).sin(), [0.3], rtol=1e-7, atol=0.0)


# A sine whose rule ignores the gradient it is sent: right only where that gradient is 1.
DEAF_SIN = dataclasses.replace(
    PRIMITIVES["sin"], name="deaf_sin", symbol="deaf_sin", vjp=lambda g, out, a: (a.cos(),)
    if isinstance(a, Value) else (math.cos(a),)
)  # fmt: skip


def test_a_rule_that_ignores_the_incoming_gradient_is_caught() -> None:
    f = lambda x: apply(DEAF_SIN, x)  # noqa: E731  (as the output, it is sent exactly 1 ...)
    x = Value(0.3)
    assert grad(f(x), x) == (math.cos(0.3),)  # ... so a backward pass from 1 cannot tell
    with pytest.raises(GradcheckError, match="random gradient"):
        gradgradcheck(f, [0.3])  # seeded with 1, this passed
    with pytest.raises(GradcheckError, match="random gradient"):
        gradcheck(f, [0.3])
    assert gradgradcheck(lambda x: x.sin(), [0.3])  # the right rule passes
    with pytest.raises(GradcheckError):
        gradgradcheck(lambda x: apply(DEAF_SIN, x) * x, [0.3])


def test_the_random_gradients_are_reproducible() -> None:
    messages = []
    for _ in range(2):
        with pytest.raises(GradcheckError) as caught:
            gradgradcheck(lambda x: apply(DEAF_SIN, x), [0.3])
        messages.append(str(caught.value))
    assert messages[0] == messages[1] and f"seed {SEED}" in messages[0]


def test_names_come_from_labels_then_parameters_then_positions() -> None:
    def broken(weight: Value, bias: Value) -> Value:
        return apply(BAD_SIN, weight) + bias

    with pytest.raises(GradcheckError, match=r"d\(weight\) \(input 0\)"):
        gradcheck(broken, [0.4, 0.1])
    with pytest.raises(GradcheckError, match=r"d\(w\) \(input 0\)"):
        gradcheck(broken, [Value(0.4, label="w"), 0.1])
    with pytest.raises(GradcheckError, match=r"d\(x0\) \(input 0\)"):
        gradcheck(lambda *xs: apply(BAD_SIN, xs[0]), [0.4])


def test_inputs_that_take_no_gradient_are_held_constant_and_not_checked() -> None:
    fixed = Value(0.4, requires_grad=False)
    assert gradcheck(lambda a, b: apply(BAD_SIN, a) * b, [fixed, 2.0])
    assert gradgradcheck(lambda a, b: apply(BAD_SIN, a) * b * b, [fixed, 2.0])


def test_a_kink_is_pointed_out() -> None:
    with pytest.raises(GradcheckError) as caught:
        gradcheck(lambda x, y: (x * y).relu() + y, [0.0, 2.0])
    message = str(caught.value)
    assert "note: not smooth at relu(0)" in message
    assert "expression: relu(x * y) + y" in message


def test_functions_that_ignore_an_input_get_zero() -> None:
    assert gradcheck(lambda x, y: x.exp(), [0.5, 3.0])
    assert gradgradcheck(lambda x, y: x.exp(), [0.5, 3.0])
    assert gradgradcheck(lambda x: x * 3 + 1, [0.5])  # second derivative 0
    assert gradgradcheck(lambda x: Value(2.0, requires_grad=False) * 1, [0.5])


@pytest.mark.parametrize("check", [gradcheck, gradgradcheck])
def test_bad_arguments_are_refused(check: object) -> None:
    f = lambda x: x * x  # noqa: E731
    with pytest.raises(TypeError, match="callable f, got int"):
        check(3, [1.0])  # type: ignore[operator]
    with pytest.raises(TypeError, match="f must return a Value, got float"):
        check(lambda x: 2.0, [1.0])  # type: ignore[operator]
    for eps in (0.0, -1e-6, math.nan, math.inf):
        with pytest.raises(ValueError, match="eps must be a finite number > 0"):
            check(f, [1.0], eps=eps)  # type: ignore[operator]
    with pytest.raises(TypeError, match="eps must be a real number, got str"):
        check(f, [1.0], eps="small")  # type: ignore[operator]
    with pytest.raises(ValueError, match="atol must be a finite number >= 0"):
        check(f, [1.0], atol=-1.0)  # type: ignore[operator]
    with pytest.raises(ValueError, match="rtol must be a finite number >= 0"):
        check(f, [1.0], rtol=math.inf)  # type: ignore[operator]
    with pytest.raises(TypeError, match="sequence of numbers or Values, got str"):
        check(f, "1.0")  # type: ignore[operator]
    with pytest.raises(ValueError, match="at least one input"):
        check(f, [])  # type: ignore[operator]
    with pytest.raises(TypeError, match=r"inputs\[1\] must be a number or a Value, got str"):
        check(lambda a, b: a * b, [1.0, "2"])  # type: ignore[operator]
    with pytest.raises(TypeError, match=r"inputs\[0\] .* got bool"):
        check(f, [True])  # type: ignore[operator]
    with pytest.raises(ValueError, match=r"inputs\[0\] must be finite, got inf"):
        check(f, [math.inf])  # type: ignore[operator]


def test_extreme_steps_and_outputs_are_handled() -> None:
    with pytest.raises(ValueError, match=r"eps = 1e-300 is too small to move x = 1.0"):
        gradcheck(lambda x: x * 2, [1.0], eps=1e-300)  # was a bare ZeroDivisionError
    # the random gradient is below 1 in size: output * gradient cannot overflow
    assert gradcheck(lambda x: x * 1.7e308, [1.0])
    assert gradgradcheck(lambda x: x * x * 1e307, [1.0])


def test_a_function_undefined_next_to_the_point_is_a_value_error() -> None:
    # log is defined at 5e-7, but not at 5e-7 - eps
    with pytest.raises(ValueError, match=r"f fails at x = 5e-07 \+- eps .*smaller eps"):
        gradcheck(lambda x: x.log(), [5e-7])
    assert gradcheck(lambda x: x.log(), [5e-7], eps=1e-10, rtol=1e-2)


def test_format_operation_writes_only_the_parentheses_needed() -> None:
    x, y, z = (Value(1.0, label=n) for n in "xyz")
    cases = [
        ((x + y) * z, "(x + y) * z"),
        (x + y * z, "x + y * z"),
        (x * (y * z), "x * (y * z)"),
        (x * y * z, "x * y * z"),
        (x + (y + z), "x + (y + z)"),
        (x ** (y**z), "x ** y ** z"),
        ((x**y) ** z, "(x ** y) ** z"),
        (x**-1.0, "x ** (-1)"),
        (x - 1, "x - 1"),
        (-x * y, "-x * y"),
        (x - (y - z), "x - (y - z)"),
        (x / (y * z), "x / (y * z)"),
        (-(x * y), "-(x * y)"),
        ((x * y).exp().tanh(), "tanh(exp(x * y))"),
        (x.leaky_relu(0.2), "leaky_relu(x, 0.2)"),
        (apply(PRIMITIVES["sum"], x, y, 3.0), "sum([x, y, 3])"),
        (apply(PRIMITIVES["dot"], x, y, z, 0.5), "dot([x, y], [z, 0.5])"),
        (apply(PRIMITIVES["dot"], x, y, z), "dot([x], [y], z)"),  # a neuron keeps its bias
        (x ** (y + 1) * 1e-7, "x ** (y + 1) * 1e-07"),
    ]
    for value, text in cases:
        assert expression_text(value) == text
    assert format_operation(PRIMITIVES["tanh"], [("a", 4.0)]) == ("tanh(a)", 4.0)
    # a negative base needs parentheses: -2 ** x would be -(2 ** x)
    assert format_operation(PRIMITIVES["pow"], [("-2", 2.5), ("x", 4.0)])[0] == "(-2) ** x"


def test_expression_text_gives_up_on_long_expressions() -> None:
    x = Value(0.5, label="x")
    y = x
    for _ in range(100):
        y = y * x
    assert expression_text(y) is None
    assert expression_text(y, max_chars=10_000) is not None
    assert expression_text(x) == "x"
    assert expression_text(Value(-2.5)) == "-2.5"


def test_nonsmooth_nodes_uses_each_rows_smooth_predicate() -> None:
    x = Value(0.0, label="x")
    y = (x.relu() + abs(x) + (x + 1).log() + (x + 1e-4).sqrt()).exp()
    assert [v.op.name for v in nonsmooth_nodes(y) if v.op] == ["relu", "abs", "sqrt"]
    assert nonsmooth_nodes((x + 1).log()) == []


def test_docstring_examples_run() -> None:
    import autograd_lite.testing  # noqa: F401  (loads the module the loop reads)

    for name in ("autograd_lite.gradcheck", "autograd_lite.testing"):
        result = doctest.testmod(sys.modules[name])
        assert result.attempted > 0 and result.failed == 0, name


def test_checks_work_inside_no_grad() -> None:
    from autograd_lite import no_grad

    with no_grad():
        assert gradcheck(lambda x: x.tanh() * x, [0.3])
        assert gradgradcheck(lambda x: x.tanh() * x, [0.3])
        with pytest.raises(GradcheckError):
            gradcheck(lambda x: apply(BAD_SIN, x), [0.3])


def rounding_allowance(sample: Sample) -> float:
    """What rounding alone can put into an extrapolated central difference of step ``EPS`` at
    the sample's point: a few ulps of the largest of f and its first derivatives (those are
    differenced), over the step. Richardson's weights make the ulps of one difference about 3;
    f's own rounding, over a dozen operations, up to about 8 times that."""
    values = {name: Value(v) for name, v in sample.inputs.items()}
    try:
        out = sample.expression(**values)
        scale = max([abs(out.data), *map(abs, grad(out, list(values.values())))])
    except (ArithmeticError, ValueError):
        return 0.0  # check_gradients skips such a point itself
    return 24 * 2.0**-52 * scale / EPS if math.isfinite(scale) else 0.0


SINH_OF_NINE = Sample(  # f = 4,052, df/dx = 1: rounding of f is 9e-7 of the difference
    Apply(
        PRIMITIVES["sinh"],
        (
            Apply(
                PRIMITIVES["logsumexp"],
                (Apply(PRIMITIVES["leaky_relu"], (Variable("y"), Variable("z"))),)
                + (Variable("x"),) * 2,
            ),
        ),
    ),
    {"x": 0.0, "y": -3.0, "z": -3.0},
)


@settings(max_examples=150, deadline=None)
@given(expressions_with_inputs(("x", "y", "z"), max_leaves=12, low=-4.0, high=4.0))
@example(SINH_OF_NINE)  # found by a random run: 8.5e-6 off at a derivative of 1, f = 4,052
def test_numerical_derivatives_are_accurate_on_random_graphs(sample: Sample) -> None:
    # what the comment on RTOL says: the extrapolated central differences stay within
    # 1e-6 relative (1e-7 absolute) of backprop, first and second order, ten times inside
    # RTOL, where rounding of a large f allows it (ATOL's comment: about 1e-16 |f| / EPS)
    allowance = rounding_allowance(sample)
    check_gradients(sample.expression, sample.inputs, order=2, rtol=1e-6, atol=1e-7 + allowance)
