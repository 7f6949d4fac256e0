"""The elementwise vocabulary (issue 20): the row format, conventions at kinks, public names.

Everything here loops over the table or reads a row; the per-row facts (the helpers a
template calls, the kinks) live in the rows themselves.
"""

import ast
import builtins
import itertools
import math
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import PRIMITIVES, Primitive, Value, compile, grad
from autograd_lite import functional as F
from autograd_lite.engine import apply
from autograd_lite.ops import TEMPLATE_BUILTINS, Helper, np_attr, numpy_names, python_names
from autograd_lite.testing import check_gradients

ROWS = list(PRIMITIVES.values())
IDS = [row.name for row in ROWS]
README = Path(__file__).resolve().parents[1] / "README.md"


# -- the row format: every name a template calls is declared by its row ----------------------


builtins_compile = builtins.compile  # the library's compile() is imported below


def free_names(template: str, arity: int | None) -> set[str]:
    """The names a template reads, besides its inputs, ``g`` and ``out``."""
    count = 1 if arity is None else arity
    text = template.format(*[f"_in{i}" for i in range(count)], g="_g", out="_out")
    tree = ast.parse(text, mode="eval")
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not n.id.startswith("_")}


def templates(row: Primitive, numpy: bool) -> list[str]:
    code, grads = (row.np_code, row.np_grad_code) if numpy else (row.code, row.grad_code)
    return [t for t in [code, *(grads or ())] if t is not None]


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_every_name_a_template_calls_is_declared_by_its_row(row: Primitive) -> None:
    for numpy in (False, True):
        allowed = set(row.names) | TEMPLATE_BUILTINS | ({"np"} if numpy else set())
        for template in templates(row, numpy):
            missing = free_names(template, row.arity) - allowed
            assert not missing, f"{row.name}: {template!r} calls undeclared {sorted(missing)}"
    # and each declared helper has both forms, so both backends can run the row
    for name, helper in row.names.items():
        assert helper.python is not None and helper.numpy is not None, (row.name, name)


def test_templates_are_written_once_where_the_backends_agree() -> None:
    same = [r for r in ROWS if r.code is not None and r.np_code == r.code]
    assert len(same) > len(ROWS) // 2  # most rows: one text for both backends
    for row in ROWS:
        if row.code is not None:
            assert row.np_code is not None and row.np_grad_code is not None, row.name


def test_the_namespaces_are_built_from_the_rows() -> None:
    np = pytest.importorskip("numpy")
    names = python_names(ROWS)
    assert names["sigmoid"] is PRIMITIVES["sigmoid"].forward
    assert names["exp"] is math.exp
    arrays = numpy_names(np, ROWS)
    assert arrays["exp"] is np.exp and arrays["asin"] is np.arcsin
    assert arrays["sigmoid"](np.array([-800.0, 0.0, 800.0])).tolist() == [0.0, 0.5, 1.0]
    assert arrays["erf"](np.array([0.0, 1.0])).tolist() == [0.0, math.erf(1.0)]


def test_two_rows_declaring_one_name_differently_is_an_error() -> None:
    a = _row_with("one", Helper(math.cosh, np_attr("cosh")))
    b = _row_with("two", Helper(math.sinh, np_attr("sinh")))
    with pytest.raises(ValueError, match="'one' and 'two' declare different helpers named 'h'"):
        python_names([a, b])
    lonely = _row_with("three", Helper(math.cosh, None))
    with pytest.raises(ValueError, match="no numpy form for the helpers h"):
        numpy_names(object(), [lonely])


def _row_with(name: str, helper: Helper) -> Primitive:
    return Primitive(
        name, name, 1, math.cosh, lambda g, out, a: (g,), lambda a: True, "a test row",
        code="h({0})", grad_code=("{g}",), np_code="h({0})", np_grad_code=("{g}",),
        names={"h": helper},
    )  # fmt: skip


def test_importing_the_library_does_not_import_numpy() -> None:
    import subprocess

    code = "import sys, autograd_lite, autograd_lite.ops; print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- a new row, declared here in four lines, compiles on both backends ----------------------


def _sech(x: float) -> float:
    return 1.0 / math.cosh(x)


SECH = Primitive(
    "sech_test", "sech", 1, _sech, lambda g, out, a: (-g * out * Value.tanh(a) if type(a) is Value
                                                      else -g * out * math.tanh(a),),
    lambda a: True, "1 / cosh(a); d/da = -sech(a) tanh(a)",
    code="sech({0})", grad_code=("-{g} * {out} * tanh({0})",),
    np_code="sech({0})", np_grad_code=("-{g} * {out} * tanh({0})",),
    names={"sech": Helper(_sech, lambda np: lambda a: 1.0 / np.cosh(a)),
           "tanh": PRIMITIVES["tanh"].names["tanh"]},
)  # fmt: skip


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_a_new_row_compiles_from_its_templates_with_no_edit_elsewhere(
    backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(PRIMITIVES, SECH.name, SECH)  # a row of the table, as ops.py's are
    w = Value(0.3)

    def fn(x: Any, y: Any) -> Value:
        return apply(SECH, w * x[0]) * y

    xs, ys = [[1.0], [2.0], [-1.5]], [1.0, 0.5, -2.0]
    step = compile(fn, [w], example=(xs[0], ys[0]), backend=backend)
    assert re.search(r"= sech\(", step.source)  # its own template, not a call of f0
    w.grad = 0.0
    loss = step(xs, ys)
    want = F.sum([fn(x, y) for x, y in zip(xs, ys, strict=True)]) / 3
    (dw,) = grad(want, [w])
    assert loss == pytest.approx(want.data, rel=1e-12)
    assert w.grad == pytest.approx(dw, rel=1e-12)
    assert step.eager_runs == 0


def test_a_row_outside_the_table_is_still_compiled_as_a_call() -> None:
    w = Value(0.3)
    step = compile(lambda x, y: apply(SECH, w * x[0]) * y, [w], example=([1.0], 1.0))
    assert "sech(" not in step.source.replace("# ", "")  # its text never reaches the code


# -- PyTorch's conventions at kinks, ties and jumps -------------------------------------------

torch = pytest.importorskip("torch", reason="PyTorch is not installed; parity tests skipped")


def torch_gradient(row: Primitive, point: tuple[float, ...]) -> list[float]:
    from autograd_lite.testing import torch_functions

    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    out = torch_functions()[row.name](*ts)
    found = torch.autograd.grad(out, ts, allow_unused=True)
    return [0.0 if g is None else g.item() for g in found]


KINKS = [(row, point) for row in ROWS for point in row.kinks]


@pytest.mark.parametrize(("row", "point"), KINKS, ids=[f"{r.name}{p}" for r, p in KINKS])
def test_the_derivative_at_a_kink_is_pytorchs(row: Primitive, point: tuple[float, ...]) -> None:
    want = torch_gradient(row, point)
    leaves = [Value(x) for x in point]
    if not all(math.isfinite(w) for w in want):  # PyTorch: inf or NaN; we say why instead
        with pytest.raises((ArithmeticError, ValueError), match=row.name):
            grad(apply(row, *leaves), leaves)
        return
    got = grad(apply(row, *leaves), leaves)
    assert [float(g) for g in got] == want, (row.name, point)
    # the same on the create_graph path, which runs the rule on Values
    again = grad(apply(row, *leaves), leaves, create_graph=True)
    assert [float(g) for g in again] == want, (row.name, point)


def test_every_function_with_a_kink_names_its_convention() -> None:
    for name in (
        "relu",
        "abs",
        "maximum",
        "minimum",
        "floor",
        "sign",
        "clamp",
        "fmod",
        "remainder",
        "hardtanh",
        "relu6",
        "hardsigmoid",
        "hardswish",
        "copysign",
    ):
        assert PRIMITIVES[name].kinks, name  # fmt: skip


# -- README's table of conventions is written from the rows -----------------------------------


def _number(x: float) -> str:
    return "-0" if x == 0.0 and math.copysign(1.0, x) < 0 else f"{x:g}"


def _tuple(xs: list[float]) -> str:
    text = ", ".join(_number(x) for x in xs)
    return text if len(xs) == 1 else f"({text})"


def convention_table() -> str:
    """README's table: each kink of each row, and the gradient its rule gives there (the
    kink tests above check each against PyTorch)."""
    lines = ["| function | at | gradient |", "| --- | --- | --- |"]
    for row in ROWS:
        for point in row.kinks:
            leaves = [Value(x) for x in point]
            try:
                found = _tuple([float(g) for g in grad(apply(row, *leaves), leaves)])
            except (ArithmeticError, ValueError):
                found = "an error (PyTorch: inf or NaN)"
            lines.append(f"| `{row.name}` | {_tuple(list(point))} | {found} |")
    return "\n".join(lines)


def test_readme_has_the_convention_table_of_the_rows() -> None:
    assert convention_table() in README.read_text(encoding="utf-8"), (
        "README's table of conventions differs from the rows: paste this\n" + convention_table()
    )


# -- the public names ----------------------------------------------------------------------


def test_remainder_has_the_sign_of_the_divisor_as_in_python() -> None:
    for a, b in [(5.5, 2.0), (-5.5, 2.0), (5.5, -2.0), (-5.5, -2.0), (3.0, 1.5)]:
        assert (Value(a) % b).data == a % b
        assert (a % Value(b)).data == a % b
        assert F.fmod(a, b).data == math.fmod(a, b)
    x, y = Value(-5.5), Value(2.0)
    assert grad(x % y, [x, y]) == (1.0, 3.0)  # d/db = -floor(a / b) = 3
    with pytest.raises(ZeroDivisionError, match=r"remainder\(1.0, 0.0\): remainder by 0"):
        Value(1.0) % 0.0


BINARY = ["atan2", "hypot", "logaddexp", "logaddexp2", "xlogy", "fmod", "remainder",
          "minimum", "maximum", "copysign"]  # fmt: skip


@pytest.mark.parametrize("name", BINARY)
def test_binary_functions_take_values_or_floats_on_either_side(name: str) -> None:
    row = PRIMITIVES[name]
    a, b = 0.7, 1.9
    want = row.forward(a, b)
    for x, y in [(Value(a), Value(b)), (a, Value(b)), (Value(a), b), (a, b)]:
        assert getattr(F, name)(x, y).data == want
        if isinstance(x, Value):
            assert getattr(x, name)(y).data == want
    with pytest.raises(TypeError):
        getattr(F, name)("0.7", 1.9)


def test_abs_and_neg_are_methods_too() -> None:
    x = Value(-2.0)
    assert x.abs().op is PRIMITIVES["abs"] and x.abs().data == 2.0
    assert x.neg().op is PRIMITIVES["neg"] and x.neg().data == 2.0
    assert F.neg(x).data == 2.0 and F.absolute(x).data == 2.0


def test_clamp_takes_one_or_two_bounds() -> None:
    x = Value(0.5)
    assert F.clamp(x, 0.0, 0.25).data == 0.25 and x.clamp(max=0.25).data == 0.25
    assert x.clamp(min=0.75).data == 0.75 and F.clip(x, -1.0, 1.0).data == 0.5
    assert grad(x.clamp(min=0.5), x) == (1.0,)  # at the bound: to x, as PyTorch
    with pytest.raises(ValueError, match="clamp\\(\\) needs min or max"):
        F.clamp(x)


def test_gelu_has_both_of_pytorchs_forms() -> None:
    x = Value(0.8)
    assert F.gelu(x).op is PRIMITIVES["gelu"] and x.gelu().op is PRIMITIVES["gelu"]
    assert F.gelu(x, approximate="tanh").op is PRIMITIVES["gelu_tanh"]
    assert x.gelu("tanh").data == F.gelu_tanh(x).data
    with pytest.raises(ValueError, match="'none' or 'tanh'"):
        F.gelu(x, approximate="fast")


def test_numpy_names_are_aliases() -> None:
    for alias, name in [("arcsin", "asin"), ("arctan2", "atan2"), ("arccosh", "acosh"),
                        ("clip", "clamp"), ("swish", "silu")]:  # fmt: skip
        assert getattr(F, alias) is getattr(F, name)


def test_domain_errors_name_the_function_and_the_problem() -> None:
    cases = {
        "asin(2)": (lambda: Value(2.0).asin(), ValueError, "asin needs an input in"),
        "acosh(0.5)": (lambda: Value(0.5).acosh(), ValueError, "acosh needs an input >= 1"),
        "log1p(-1)": (lambda: Value(-1.0).log1p(), ValueError, "log1p needs an input > -1"),
        "rsqrt(0)": (lambda: Value(0.0).rsqrt(), ZeroDivisionError, "rsqrt of 0"),
        "xlogy(1, -1)": (lambda: F.xlogy(1.0, Value(-1.0)), ValueError, "needs y > 0"),
        "celu(x, 0)": (lambda: F.celu(Value(-1.0), 0.0), ZeroDivisionError, "alpha != 0"),
        "fmod(1, 0)": (lambda: F.fmod(Value(1.0), 0.0), ZeroDivisionError, "fmod by 0"),
    }
    for text, (call, kind, message) in cases.items():
        with pytest.raises(kind, match=message):
            call()
        del text


@pytest.mark.parametrize("name", ["sinh", "cosh", "exp2", "expm1", "square"])
def test_overflow_is_the_engines_clear_error(name: str) -> None:
    with pytest.raises(OverflowError, match=f"{name}\\(1e\\+300\\) overflows the float range"):
        getattr(Value(1e300), name)()


@settings(max_examples=60, deadline=None)
@given(st.floats(-50, 50), st.floats(-50, 50).filter(lambda b: abs(b) > 1e-6))
def test_fmod_and_remainder_agree_with_python(a: float, b: float) -> None:
    assert F.remainder(a, Value(b)).data == a % b
    assert F.fmod(Value(a), b).data == math.fmod(a, b)


def test_xlogy_at_x_zero_gives_x_the_gradient_log_y_as_pytorch() -> None:
    # found by the parity test: PyTorch zeroes d/dx only where x = 0 and y <= 0
    x, y = Value(0.0), Value(2.0)
    assert grad(F.xlogy(x, y), [x, y]) == (math.log(2.0), 0.0)
    assert torch_gradient(PRIMITIVES["xlogy"], (0.0, 2.0)) == [math.log(2.0), 0.0]


def test_atan2_near_the_origin_keeps_its_large_gradient() -> None:
    # a^2 + b^2 underflows to 0 at 1e-200: the rule once read that as the origin and gave
    # 0 (PyTorch 2.13 does too); d/da = b / (a^2 + b^2) = 5e199 there
    a, b = Value(1e-200), Value(1e-200)
    da, db = grad(F.atan2(a, b), [a, b])
    assert da == pytest.approx(5e199, rel=1e-12) and db == pytest.approx(-5e199, rel=1e-12)
    w = Value(1e-200)
    for backend in ("python", "numpy"):
        step = compile(lambda x, y: F.atan2(w * x[0], y), [w], example=([1.0], 1e-200),
                       backend=backend)  # fmt: skip
        w.grad = 0.0
        step([[1.0]], [1e-200])
        assert w.grad == pytest.approx(5e199, rel=1e-12), backend


@pytest.mark.parametrize("row", [r for r in ROWS if r.code and r.arity], ids=lambda r: r.name)
def test_a_template_that_can_hide_an_inf_or_nan_says_so(row: Primitive) -> None:
    """The compiled replay watches the inputs of rows marked ``hides_overflow``: a row
    whose forward template turns inf or NaN into a finite number must be marked."""
    np = pytest.importorskip("numpy")
    backends = [(python_names([row]), row.code, float),
                ({**numpy_names(np, [row]), "np": np}, row.np_code, np.float64)]  # fmt: skip
    names = [f"a{j}" for j in range(row.arity or 0)]
    for namespace, code, kind in backends:
        assert code is not None
        source = builtins_compile(code.format(*names), row.name, "eval")  # library text only
        for i, special in itertools.product(range(len(names)), (math.inf, -math.inf, math.nan)):
            args = [kind(0.5)] * len(names)
            args[i] = kind(special)
            try:
                with np.errstate(all="ignore"):
                    out = eval(source, {**namespace, **dict(zip(names, args, strict=True))})
            except (ArithmeticError, ValueError):
                continue  # refused: nothing hidden
            if math.isfinite(float(out)):
                assert row.hides_overflow, (row.name, code, args, out)


@pytest.mark.parametrize("name", ["fmod", "remainder"])
def test_a_quotient_near_a_jump_within_the_checkers_reach_is_not_smooth(name: str) -> None:
    # found by CI: a / b = 749.7 is 0.3 from a jump, but moving b by 1e-6 moves a / b by 0.56,
    # so the central difference straddled the jump (backprop -749, central difference 806.6)
    row = PRIMITIVES[name]
    assert not row.smooth(1.0, 0.0013337973001554815)
    assert row.smooth(1.0, 0.3)  # a / b = 3.33: well inside one piece
    for b in (0.3, 0.7, -0.45, 2.5):
        check_gradients(lambda x, y: getattr(F, name)(x, y), [1.0, b], order=2)
