"""``autograd-lite graph``: the expression language, its limits, and the command.

Every malformed or hostile input must end in ``ExpressionError`` (for the
parser) or one line on stderr with exit code 2 (for the command): never
another exception, a traceback, a hang, or code running.
"""

from __future__ import annotations

import math
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_visualize import check_golden

from autograd_lite import Value
from autograd_lite.cli import main
from visualize import cli as cli_module
from visualize.animate import DEFAULT_MAX_FRAMES
from visualize.expr import FUNCTIONS, MAX_DEPTH, ExpressionError, evaluate

VARS = {"x": 2.0, "w": -3.0, "b": 6.88}


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["graph", *argv])
    out, err = capsys.readouterr()
    return code, out, err


# -- the language -----------------------------------------------------------------------


def test_result_and_gradients_match_the_engine() -> None:
    out, leaves = evaluate("tanh(x*w + b)", VARS)
    x, w, b = Value(2.0), Value(-3.0), Value(6.88)
    expected = (x * w + b).tanh()
    out.backward()
    expected.backward()
    assert out.data == expected.data
    assert [leaves[n].grad for n in "xwb"] == [x.grad, w.grad, b.grad]
    assert [leaves[n].label for n in "xwb"] == ["x", "w", "b"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("-x**2", -4.0),  # ** binds tighter than unary minus
        ("2**3**2", 512.0),  # and groups to the right
        ("1 - 2 - 3", -4.0),
        ("8 / 4 / 2", 1.0),
        ("+x * (1 + 1)", 4.0),
        ("leaky_relu(-x)", -0.02),
        ("leaky_relu(-x, 0.5)", -1.0),
        ("abs(-x) + relu(-1) + sqrt(4) + log(exp(1))", 5.0),
        ("1e-3 * 1_000", 1.0),
    ],
)
def test_python_precedence_and_the_functions(text: str, value: float) -> None:
    assert math.isclose(evaluate(text, VARS)[0].data, value, rel_tol=1e-12)


def test_functions_come_from_the_engine_table() -> None:
    assert {"exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs"} <= set(FUNCTIONS)
    assert FUNCTIONS["tanh"][1:] == (1, 1) and FUNCTIONS["leaky_relu"][1:] == (1, 2)


HOSTILE = {
    "attribute": ("x.__class__", "attribute access (.__class__)"),
    "import": ("__import__('os')", "unknown function '__import__'"),
    "dunder name": ("__builtins__", "unknown variable"),
    "lambda": ("(lambda: 1)()", "not allowed"),
    "comprehension": ("[a for a in (1, 2)]", "comprehension"),
    "generator": ("sum(a for a in x)", "unknown function"),
    "string": ("'rm -rf /'", "string"),
    "bytes": ("b'x'", "string"),
    "f-string": ("f'{x}'", "f-string"),
    "unknown name": ("y + 1", "unknown variable 'y'"),
    "unknown function": ("frobnicate(x)", "unknown function 'frobnicate'"),
    "too many args": ("tanh(x, x)", "tanh takes 1 argument, got 2"),
    "too few args": ("exp()", "exp takes 1 argument, got 0"),
    "keyword": ("leaky_relu(x, negative_slope=2)", "keyword"),
    "star args": ("tanh(*x)", "*arguments"),
    "call a call": ("tanh(x)(1)", "calling anything but a function name"),
    "bare function": ("tanh", "call it as tanh(...)"),
    "floor division": ("x // 2", "//"),
    "comparison": ("x < 1", "comparison"),
    "walrus": ("(y := 2)", ":="),
    "subscript": ("x[0]", "indexing"),
    "bool": ("True + x", "True"),
    "complex": ("1j * x", "1j"),
    "ellipsis": ("...", "Ellipsis"),
    "nested parens": ("(" * 10_000 + "x" + ")" * 10_000, "characters long"),
    "deep parens": ("(" * 200 + "x" + ")" * 200, f"limit is {MAX_DEPTH}"),
    "deep unary": ("-" * 3_000 + "x", f"more than {MAX_DEPTH} operations deep"),
    "long chain": ("+".join(["x"] * 4_000), f"more than {MAX_DEPTH} operations deep"),
    "tower of powers": ("9**9**9**9", "exponent"),
    "big exponent": ("x ** 1e6", "exponent"),
    "megabyte": ("x+" * 500_000 + "x", "characters long"),
    "huge literal": ("1" * 400, "too large"),
    "huge int literal": ("1" * 5_000, "syntax error"),
    "infinite literal": ("1e999 * x", "not finite"),
    "overflow": ("exp(exp(x * 100))", "overflows"),
    "domain": ("log(x - 2)", "log"),
    "division by zero": ("x / (x - 2)", "0"),
    "syntax": ("x +", "syntax error"),
    "null byte": ("x\x00", "null"),
    "statement": ("import os", "syntax error"),
    "empty": ("   ", "empty"),
    "not text": (b"x", "must be text"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_expressions_are_refused_quickly_with_a_message(name: str) -> None:
    text, message = HOSTILE[name]
    start = time.perf_counter()
    with pytest.raises(ExpressionError) as caught:
        evaluate(text, VARS)  # type: ignore[arg-type]
    assert time.perf_counter() - start < 1.0
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


# -- fuzzing: random text and random syntax trees --------------------------------------

_ANY_TEXT = st.text(
    alphabet=st.sampled_from(list("xwb0123456789.e+-*/()[]{},:;'\"_ <>=!@%&|^~ \n\t\\"))
    | st.characters(),
    max_size=200,
)


def _result_or_clean_error(text: str) -> None:
    """A finite result, or an ExpressionError of one line: nothing else may escape."""
    try:
        out, _ = evaluate(text, VARS)
    except ExpressionError as error:
        assert "\n" not in str(error)
    else:
        assert math.isfinite(out.data)


@settings(max_examples=300)
@given(_ANY_TEXT)
def test_random_text_gives_a_result_or_a_clean_error(text: str) -> None:
    _result_or_clean_error(text)


_LEAVES = st.sampled_from(
    ["x", "w", "b", "y", "__class__", "0", "1", "2.5", "1e308", "1e-320", "10**400", "-0.0",
     "'s'", "True", "None", "1j", "...", "[1]", "{}", "tanh", "lambda: 1"]
)  # fmt: skip
_BINARY = st.sampled_from(["+", "-", "*", "/", "**", "//", "%", "@", "<", "and", "if x else"])
_CALLS = st.sampled_from([*FUNCTIONS, "eval", "__import__", "open", "getattr"])


def _extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, _BINARY, children).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(st.sampled_from(["-", "+", "not ", "~"]), children).map("".join),
        st.tuples(_CALLS, st.lists(children, max_size=3)).map(
            lambda t: f"{t[0]}({', '.join(t[1])})"
        ),
        st.tuples(children, st.sampled_from([".__class__", "[0]", "(1)", ".real"])).map("".join),
    )


@settings(max_examples=300)
@given(st.recursive(_LEAVES, _extend, max_leaves=25))
def test_random_syntax_trees_give_a_result_or_a_clean_error(text: str) -> None:
    _result_or_clean_error(text)


@st.composite
def _valid(draw: st.DrawFn, depth: int = 0) -> tuple[str, float]:
    """A whitelisted expression and its value computed alongside with plain floats."""
    if depth > 3 or draw(st.booleans()):
        if draw(st.booleans()):
            name = draw(st.sampled_from(sorted(VARS)))
            return name, VARS[name]
        c = draw(st.integers(1, 9))
        return str(c), float(c)
    kind = draw(st.sampled_from(["+", "-", "*", "neg", "tanh", "sin"]))
    a_text, a = draw(_valid(depth + 1))
    if kind in ("neg", "tanh", "sin"):
        if kind == "neg":
            return f"-({a_text})", -a
        return f"{kind}({a_text})", getattr(math, kind)(a)
    b_text, b = draw(_valid(depth + 1))
    value = a + b if kind == "+" else a - b if kind == "-" else a * b
    return f"({a_text}) {kind} ({b_text})", value


@settings(max_examples=150)
@given(_valid())
def test_valid_expressions_compute_what_python_floats_compute(case: tuple[str, float]) -> None:
    text, expected = case
    assert math.isclose(evaluate(text, VARS)[0].data, expected, rel_tol=1e-9, abs_tol=1e-9)


# -- the command ------------------------------------------------------------------------


def test_prints_value_and_gradient_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["tanh(x*w + b)", "x=2", "w=-3", "b=6.88"], capsys)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    value, leaves = evaluate("tanh(x*w + b)", VARS)
    value.backward()
    assert lines[0] == f"tanh(x*w + b) = {value.data:.4f}"
    assert lines[1].split() == ["variable", "value", "gradient"]
    for line, name in zip(lines[2:], "xwb", strict=True):
        assert line.split() == [name, f"{leaves[name].data:.4f}", f"{leaves[name].grad:.4f}"]


def test_writes_the_backward_view_as_dot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "g.dot"
    argv = ["tanh(x*w + b)", "x=2", "w=-3", "b=6.88", "--params", "w,b", "--backward-view"]
    code, out, _ = run_cli([*argv, "-o", str(target)], capsys)
    assert code == 0 and f"wrote {target}" in out
    check_golden("cli_tanh_backward.dot", target.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "argv",
    [
        ["x.__class__", "x=1"],
        ["__import__('os').system('echo hacked')", "x=1"],
        ["9**9**9**9"],
        ["(" * 10_000 + ")" * 10_000],
        ["x" * 1_048_576],
        ["sqrt(x)", "x=0"],  # the gradient is infinite
        ["x", "x=nan"],
        ["x", "x=1e999"],
        ["x", "x"],
        ["x", "x=abc"],
        ["x", "x=1", "x=2"],
        ["x", "tanh=1"],
        ["x", "1x=1"],
        ["x", "class=1"],
        ["x + y", "x=1"],
        ["x", "x=1", "--params", "q"],
        ["x", "x=1", "-o", "graph.pdf"],
        ["x", "x=1", "-o", "/no/such/dir/graph.dot"],
        ["x", "x=1", "-o", "g.dot", "--max-nodes", "0"],
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    start = time.perf_counter()
    code, out, err = run_cli(argv, capsys)
    assert time.perf_counter() - start < 1.0
    assert code == 2
    assert err.startswith("autograd-lite graph: error: ") and err.count("\n") == 1
    assert "Traceback" not in err and "hacked" not in out + err


@pytest.mark.slow
def test_console_script_end_to_end(tmp_path: Path) -> None:
    """The installed command, in a fresh process: a good run, and a refused one."""
    command = [sys.executable, "-m", "autograd_lite", "graph"]
    good = subprocess.run(
        [*command, "x*y + x", "x=2", "y=3", "-o", str(tmp_path / "g.dot")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert good.returncode == 0, good.stderr
    assert good.stdout.splitlines()[2].split() == ["x", "2.0000", "4.0000"]
    bad = subprocess.run(
        [*command, "x.__class__.__mro__", "x=1"], capture_output=True, text=True, timeout=60
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


def test_an_expression_starting_with_minus_gets_a_hint(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["graph", "-x*2", "x=1"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "put '--' before" in err
    assert main(["graph", "--", "-x*2", "x=1"]) == 0


def test_an_unused_variable_is_refused_by_name(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "g.dot"
    code, out, err = run_cli(["x*2", "x=3", "z=4", "y=1", "-o", str(target)], capsys)
    assert (code, out) == (2, "") and not target.exists()  # nothing printed, nothing drawn
    assert err == (
        "autograd-lite graph: error: z, y are given a value but not used in the expression "
        "(a typo?)\n"
    )
    code, _, err = run_cli(["x*2", "x=3", "z=4"], capsys)
    assert code == 2 and "z is given a value but not used" in err
    for used in (["x*2", "x=3"], ["x - x", "x=3"], ["x*0 + y", "x=1", "y=2"]):
        assert run_cli(used, capsys)[::2] == (0, "")  # x - x uses x, though its gradient is 0


@pytest.mark.parametrize("text", ["x^2", "(x + 1) ^ 3", "2^x"])
def test_a_caret_suggests_the_power_operator(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ExpressionError, match=r"\^ is not a power: write \*\* instead"):
        evaluate(text, {"x": 2.0})
    code, _, err = run_cli([text, "x=2"], capsys)
    assert code == 2 and "write ** instead (x**2 is x squared)" in err and err.count("\n") == 1


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.metadata

    import autograd_lite

    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    installed = importlib.metadata.version("autograd_lite")  # pyproject.toml's version
    assert capsys.readouterr().out == f"autograd-lite {installed}\n"
    assert autograd_lite.__version__ == installed


@pytest.mark.slow
def test_a_closed_pipe_is_not_a_traceback() -> None:
    # autograd-lite lessons | head -1: the reader goes away after one line
    proc = subprocess.run(
        f"{sys.executable} -m autograd_lite lessons | head -1",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.stdout.count("\n") == 1
    assert "Traceback" not in proc.stderr


# -- files, limits and time ---------------------------------------------------------------


def _sum_of_products(n: int) -> str:
    """An expression with about 3n values (n products of x and a constant, summed)."""
    return " + ".join(f"x*{k}" for k in range(1, n + 1))


def test_the_animation_keeps_its_own_frame_limit_above_max_nodes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "a.html"
    code, _, err = run_cli(
        [_sum_of_products(40), "x=1", "--max-nodes", "5000", "--animate", str(page)], capsys
    )
    assert code == 2 and f"more than max_frames={DEFAULT_MAX_FRAMES}" in err
    assert not page.exists()
    # a lower --max-nodes lowers the frame limit too
    code, _, err = run_cli(["x*x + x", "x=1", "--max-nodes", "2", "--animate", str(page)], capsys)
    assert code == 2 and "more than max_frames=3" in err


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (["--animate", "a.png"], "name it .html, not 'a.png'"),
        (["--animate", "a.svg", "-o", "a.svg"], "name it .html"),
        (["-o", "a.html", "--animate", "a.html"], "cannot tell the format from 'a.html'"),
        (["-o", "g.svg", "--timeout", "0"], "timeout must be a positive"),
        (["-o", "g.svg", "--timeout", "inf"], "timeout must be a positive"),
    ],
)
def test_bad_files_and_options_are_refused_before_any_work(
    files: list[str],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(["x*y", "x=1", "y=2", *files], capsys)
    assert (code, out) == (2, "")  # refused before the table is printed
    assert message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_the_same_file_twice_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_module, "format_of", lambda path: "svg")  # as if .html were a picture
    page = str(tmp_path / "same.html")
    code, _, err = run_cli(["x*y", "x=1", "y=2", "-o", page, "--animate", page], capsys)
    assert code == 2 and "name the same file" in err


@pytest.mark.parametrize(
    ("expression", "assignments"),
    [("ｘ*ｙ + ｘ", ["ｘ=2", "ｙ=3"]), ("x*y + x", ["ｘ=2", "y=3"]), ("ｘ*y + x", ["x=2", "y=3"])],
)
def test_a_full_width_name_is_the_same_variable_everywhere(
    expression: str, assignments: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli([expression, *assignments], capsys)
    assert (code, err) == (0, "")
    assert out.splitlines()[2].split() == ["x", "2.0000", "4.0000"]


def test_a_full_width_name_and_its_ascii_twin_are_one_name(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run_cli(["x", "ｘ=1", "x=2"], capsys)
    assert code == 2 and "'x' is given twice" in err


@pytest.mark.graphviz
def test_a_layout_past_the_timeout_is_stopped_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "g.svg"
    code, _, err = run_cli(["x*y", "x=1", "y=2", "-o", str(target), "--timeout", "1e-6"], capsys)
    assert code == 2 and err.count("\n") == 1
    assert "to lay out the graph" in err and "--timeout, now 1e-06 s" in err
    assert not target.exists()
