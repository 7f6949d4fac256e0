"""Random expression graphs against central differences, and the strategies that draw them."""

import itertools
import math
import subprocess
import sys
from collections.abc import Callable

import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

from autograd_lite import (
    PRIMITIVES,
    GradcheckError,
    Primitive,
    Value,
    grad,
    topological_order,
    value_and_grad,
)
from autograd_lite.expression import expression_text
from autograd_lite.gradcheck import nonsmooth_nodes
from autograd_lite.losses import mse_loss
from autograd_lite.ops import is_smooth
from autograd_lite.testing import (
    LARGEST,
    Apply,
    Constant,
    Expression,
    Sample,
    Variable,
    check_gradients,
    expressions,
    expressions_with_inputs,
    in_library,
    in_torch,
)


def leaves_of(sample: Sample) -> dict[str, Value]:
    return {name: Value(x, label=name) for name, x in sample.inputs.items()}


# -- the engine on random graphs --------------------------------------------------------------


@settings(max_examples=100)
@given(expressions_with_inputs(("x", "y")))
def test_random_expressions_first_and_second_order(sample: Sample) -> None:
    check_gradients(sample.expression, sample.inputs, order=2)


@settings(max_examples=30)
@given(expressions_with_inputs(("x", "y", "z"), max_leaves=16, low=-4.0, high=4.0))
def test_larger_random_expressions(sample: Sample) -> None:
    check_gradients(sample.expression, sample.inputs, order=2)


@settings(max_examples=40)
@given(expressions_with_inputs(("x",), ops=["log", "sqrt", "pow", "mul", "abs", "relu"]))
def test_expressions_full_of_domain_edges(sample: Sample) -> None:
    check_gradients(sample.expression, sample.inputs, order=2)


@settings(max_examples=50)
@given(expressions_with_inputs(("x", "y")))
def test_backward_grad_and_create_graph_agree(sample: Sample) -> None:
    leaves = leaves_of(sample)
    out = sample.expression.evaluate(leaves)
    xs = list(leaves.values())
    plain = grad(out, xs)
    recorded = grad(out, xs, create_graph=True)
    # the same rules on floats and on Values; x / a is x * a**-1 on Values, so allow rounding
    assert list(plain) == pytest.approx([float(g) for g in recorded], rel=1e-12, abs=1e-300)
    if out.requires_grad:
        out.backward()
        assert [x.grad for x in xs] == list(plain)
        out.backward()
        assert [x.grad for x in xs] == [2 * g for g in plain]


# -- the strategies ------------------------------------------------------------------------


@settings(max_examples=50)
@given(expressions_with_inputs(("x", "y")))
def test_samples_are_smooth_bounded_and_print_as_their_graph(sample: Sample) -> None:
    out = sample.expression.evaluate(sample.inputs)
    assert nonsmooth_nodes(out) == []
    assert all(abs(v.data) <= LARGEST for v in topological_order(out))
    if all(e.variables for e in sample.expression.nodes()):  # else constants fold away
        assert str(sample.expression) == expression_text(out, max_chars=10_000)
    assert set(sample.expression.variables) <= {"x", "y"}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PRIMITIVES))
def test_every_row_of_the_table_takes_part(name: str) -> None:
    # find() stops at the first tree that uses the row; with 21 rows it can take a few hundred
    search = settings(phases=[Phase.generate], max_examples=2000, database=None)
    s = find(expressions_with_inputs(), lambda s: name in s.expression.primitives, settings=search)
    assert nonsmooth_nodes(s.expression.evaluate(s.inputs)) == []


@pytest.mark.slow
def test_failures_shrink_to_small_trees() -> None:
    assert str(find(expressions(), lambda e: "tanh" in e.primitives)) == "tanh(x)"
    deep = find(expressions(ops=["exp", "add"]), lambda e: len(e.nodes()) >= 3)
    assert str(deep) in {"x + x", "exp(exp(x))"}
    log = find(expressions_with_inputs(("x",), ops=["log"]), lambda s: "log" in str(s))
    assert log == Sample(log.expression, {"x": 0.0}) and str(log.expression) == "log(x + 1)"


CUBE = Primitive(
    "cube",
    "cube",
    1,
    lambda a: a**3,
    lambda g, out, a: (g * 3 * a * a,),  # d(a^3) = 3 a^2 da
    lambda a: True,
    "a^3",
)
WRONG_CUBE = Primitive(
    "cube", "cube", 1, lambda a: a**3, lambda g, out, a: (g * 3 * a,), lambda a: True, "wrong"
)


@settings(max_examples=30)
@given(expressions_with_inputs(("x",), ops=[CUBE, "add", "mul", "tanh"]))
def test_a_users_own_primitive_takes_part(sample: Sample) -> None:
    check_gradients(sample.expression, sample.inputs, order=2)


@pytest.mark.slow
def test_a_wrong_rule_is_caught_and_shrunk() -> None:
    @settings(max_examples=100, database=None)
    @given(expressions_with_inputs(("x",), ops=[WRONG_CUBE, "add", "mul"]))
    def check(sample: Sample) -> None:
        check_gradients(sample.expression, sample.inputs, order=1)

    with pytest.raises(GradcheckError) as caught:
        check()
    assert str(caught.value).endswith("expression: cube(x)")


def test_the_readme_examples() -> None:
    # the module docstring's two tests, verbatim
    @given(expressions_with_inputs(variables=("x", "y")))
    @settings(max_examples=20)
    def test_random_expressions(sample: Sample) -> None:
        check_gradients(sample.expression, sample.inputs)

    @given(st.floats(-3, 3), st.floats(-3, 3))
    @settings(max_examples=20)
    def test_my_function(a: float, b: float) -> None:
        check_gradients(lambda x, y: (x * y).tanh() + (x * x + 1).log(), [a, b])

    test_random_expressions()
    test_my_function()


def test_check_gradients_outside_hypothesis() -> None:
    check_gradients(lambda x: x.relu() * x, [0.5])
    check_gradients(Variable("x"), {"x": 2.0})
    with pytest.raises(ValueError, match="not smooth at or near"):
        check_gradients(lambda x: x.relu(), [0.0])
    with pytest.raises(ValueError, match="not smooth"):
        check_gradients(lambda x: x.log(), [-1.0])  # fails: log(-1)
    with pytest.raises(ValueError, match="order must be 1 or 2"):
        check_gradients(lambda x: x, [1.0], order=3)
    with pytest.raises(TypeError, match=r"inputs\[0\] must be a number or a Value, got str"):
        check_gradients(lambda x: x, ["1"])  # type: ignore[list-item]


def test_expression_objects() -> None:
    x, y = Variable("x"), Variable("y")
    e = Apply(PRIMITIVES["add"], (Apply(PRIMITIVES["mul"], (x, y)), Constant(1.5)))
    t = Apply(PRIMITIVES["tanh"], (e,))
    assert repr(t) == str(t) == "tanh(x * y + 1.5)"
    assert t.variables == ("x", "y") and t.primitives == {"tanh", "add", "mul"}
    out = t(x=0.5, y=Value(2.0))
    assert out.data == pytest.approx(0.9866142981514303)
    assert [v.label for v in topological_order(out) if v.is_leaf and v.requires_grad] == ["x", ""]
    assert Constant(2.0).evaluate({}).requires_grad is False
    assert t.fold({"x": 0.5, "y": 2.0}, lambda op, *xs: op.forward(*xs)) == out.data
    with pytest.raises(ValueError, match="no value given for the variable 'y'"):
        t.evaluate({"x": 1.0})


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"variables": "xy"}, TypeError, "sequence of names"),
        ({"variables": ()}, ValueError, "at least one variable"),
        ({"variables": ("x", "x")}, ValueError, "distinct"),
        ({"variables": ("1x",)}, ValueError, "a name such as"),
        ({"ops": ["tangle"]}, ValueError, "unknown primitive 'tangle'"),
        ({"ops": "add"}, TypeError, "list of primitive names"),
        ({"ops": []}, ValueError, "at least one primitive"),
        ({"max_leaves": 0}, ValueError, "max_leaves must be at least 1"),
        ({"max_leaves": 2.5}, TypeError, "max_leaves must be an int"),
        ({"low": 1.0, "high": 1.0}, ValueError, "low must be below high"),
        ({"low": float("-inf")}, ValueError, "low must be finite"),
        ({"high": "2"}, TypeError, "high must be a real number"),
        ({"every_variable": 1}, TypeError, "every_variable must be True or False"),
    ],
)
def test_strategies_refuse_bad_arguments_at_once(
    kwargs: dict[str, object], error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words):
        expressions_with_inputs(**kwargs)  # type: ignore[arg-type]


# -- the strategies reach each row's whole smooth domain, and discards are not silent -------

GRID = [-1.7, -1.0, -0.6, 0.4, 1.3, 2.0, 2.2]  # with whole numbers: x ** 2 at x < 0


def signs_allowed(row: Primitive, i: int) -> set[bool]:
    """Whether input ``i`` of ``row`` may be negative / non-negative (True / False) where
    the row is smooth in its varying inputs (some other inputs may be constants)."""
    n = 2 if row.arity is None else row.arity
    patterns = [f for f in itertools.product([False, True], repeat=n) if not f[i]]
    return {
        p[i] < 0
        for p in itertools.product(GRID, repeat=n)
        for f in patterns
        if is_smooth(row, p, f)
    }


def visit(e: Expression, env: dict[str, float], seen: Callable[..., None]) -> float:
    """Evaluate ``e`` on floats, telling ``seen`` about every application's inputs."""
    if not isinstance(e, Apply):
        return float(e.fold(env, lambda op, *xs: op.forward(*xs)))
    values = [visit(a, env, seen) for a in e.args]
    seen(e.op, values, [not a.variables for a in e.args])
    return float(e.op.forward(*values))


@pytest.mark.slow
@pytest.mark.parametrize("row", list(PRIMITIVES.values()), ids=list(PRIMITIVES))
def test_the_strategies_reach_each_rows_whole_smooth_domain(row: Primitive) -> None:
    signs: dict[int, set[bool]] = {0: set(), 1: set()}
    regions: set[tuple[bool, bool, bool]] = set()

    def seen(op: Primitive, values: list[float], fixed: list[bool]) -> None:
        if op is not row:
            return
        for i, (v, f) in enumerate(zip(values, fixed, strict=True)):
            if not f:
                signs[min(i, 1)].add(v < 0)
        if not fixed[0] and len(values) == 2:  # base < 0, exponent constant, an integer
            regions.add((values[0] < 0, fixed[1], float(values[1]).is_integer()))

    search = settings(max_examples=300, database=None, phases=[Phase.generate], deadline=None)

    @search
    @given(expressions_with_inputs(("x", "y"), ops=[row, "add", "sub", "mul"], max_leaves=6))
    def draw(sample: Sample) -> None:
        visit(sample.expression, sample.inputs, seen)

    draw()
    for i in range(min(2, row.arity or 2)):
        assert signs[i] == signs_allowed(row, i), (row.name, i)
    if row.name == "pow":  # (x * y - 1) ** 2 at a negative residual, x ** 0.5, x ** y
        assert {(True, True, True), (False, True, False), (False, False, False)} <= regions


def test_a_squared_error_is_checked_on_both_sides_of_its_target() -> None:
    # mse_loss is (p - t) ** 2: a constant exponent, smooth at any residual. pow's smooth
    # predicate once wanted a positive base, and Hypothesis dropped every p < t silently
    residuals: list[float] = []

    @settings(max_examples=200, database=None)
    @given(st.floats(-3, 3), st.floats(-3, 3))
    def check(p: float, t: float) -> None:
        check_gradients(lambda x: mse_loss([x], [t]), [p])
        residuals.append(p - t)  # reached only where the point was checked

    check()
    assert sum(r < 0 for r in residuals) >= 20 and sum(r > 0 for r in residuals) >= 20


def test_a_check_that_discards_most_of_its_points_fails_loudly() -> None:
    @settings(max_examples=100, database=None)
    @given(st.floats(-3, 3))
    def check(a: float) -> None:
        check_gradients(lambda x: (x - 2.5).log(), [a])  # defined for a > 2.5 only

    with pytest.raises(ValueError, match=r"discarded \d+ of the \d+ points drawn by check") as e:
        check()
    assert "not smooth" in str(e.value) or "fails" in str(e.value)


def test_a_few_discards_are_fine() -> None:
    @settings(max_examples=100, database=None)
    @given(st.floats(-3, 3))
    def check(a: float) -> None:
        check_gradients(lambda x: (x + 2.9).log(), [a])  # only a < -2.9 is skipped

    check()


# -- every variable used, positions and keywords, the same expression elsewhere ------------

THREE = ("x", "y", "z")


@settings(max_examples=100)
@given(expressions_with_inputs(variables=THREE))
def test_samples_use_every_variable_by_default(sample: Sample) -> None:
    # before every_variable, 2.2% of 1000 samples over three names used all three
    assert sample.expression.variables == THREE
    assert list(sample.inputs) == sorted(THREE)


@settings(max_examples=50)
@given(expressions(("x", "y"), ops=["exp", "tanh"], every_variable=True))
def test_every_variable_with_unary_rows_only_adds_what_is_missing(e: Expression) -> None:
    assert e.variables == ("x", "y")  # two leaves are needed: a missing one is added with +


@pytest.mark.slow
def test_every_variable_can_be_turned_off() -> None:
    lone = find(expressions_with_inputs(THREE, every_variable=False), lambda s: True)
    assert len(lone.expression.variables) < 3  # the simplest sample: one variable or none
    assert find(expressions(THREE), lambda e: True).variables != THREE  # expressions(): off


def test_a_missing_variable_replaces_a_constant_or_a_repeated_variable() -> None:
    # x * x, x * 1 and 2 * y become x * y or y * x: nothing is added on
    e = find(
        expressions(("x", "y"), ops=["mul"], every_variable=True),
        lambda e: len(e.nodes()) == 3 and "mul" in e.primitives,
    )
    assert str(e) in {"x * y", "y * x"}


@settings(max_examples=40)
@given(expressions_with_inputs(("x", "y")))
def test_an_expression_takes_positions_as_the_calculus_helpers_pass_them(sample: Sample) -> None:
    xs = list(sample.inputs.values())
    value, grads = value_and_grad(sample.expression)(*xs)
    leaves = leaves_of(sample)
    out = sample.expression(**leaves)
    assert value == out.data
    assert grads == grad(out, list(leaves.values()))


def test_positions_and_keywords_mix_and_mistakes_are_named() -> None:
    x, y = Variable("x"), Variable("y")
    e = Apply(PRIMITIVES["sub"], (x, y))
    assert e(5.0, 3.0).data == e(5.0, y=3.0).data == e(y=3.0, x=5.0).data == 2.0
    with pytest.raises(TypeError, match=r"x - y takes 2 positional inputs \('x', 'y'\)"):
        e(1.0, 2.0, 3.0)
    with pytest.raises(TypeError, match="two values for the variable 'x'"):
        e(1.0, x=2.0)
    with pytest.raises(ValueError, match="no value given for the variable 'y'"):
        e(1.0)


@settings(max_examples=60)
@given(expressions_with_inputs(("x", "y")))
def test_in_library_with_plain_floats_is_the_engines_forward(sample: Sample) -> None:
    f = in_library(sample, lambda op, *xs: op.forward(*xs), float)
    assert f(*sample.inputs.values()) == sample.expression(**sample.inputs).data
    assert f(**sample.inputs) == f(*sample.inputs.values())


def test_in_library_refuses_what_is_not_an_expression() -> None:
    with pytest.raises(TypeError, match="expected an Expression or a Sample, got str"):
        in_library("x * y", math.fsum, float)  # type: ignore[arg-type]
    f = in_library(Constant(2.5), math.fsum, float)
    assert f() == 2.5
    with pytest.raises(TypeError, match="takes 0 inputs"):
        f(1.0)


@pytest.mark.slow
def test_the_testing_module_does_not_import_torch() -> None:
    code = "import sys, autograd_lite.testing; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@settings(max_examples=40)
@given(expressions_with_inputs(("x", "y")))
def test_in_torch_gives_the_same_values_and_gradients(sample: Sample) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    ts = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in sample.inputs.values()]
    out = in_torch(sample)(*ts)
    leaves = leaves_of(sample)
    ours = sample.expression(**leaves)
    assert out.item() == pytest.approx(ours.data, rel=1e-8, abs=1e-8)
    theirs = torch.autograd.grad(out, ts, allow_unused=True, materialize_grads=True)
    want = grad(ours, list(leaves.values()))
    assert [t.item() for t in theirs] == pytest.approx(list(want), rel=1e-8, abs=1e-8)
