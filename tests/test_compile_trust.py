"""compile, attacked: a replay never silently differs, code names only what it made, bounds.

Each test here is a hole that a hostile review found (issue 16): it failed before the fix.
"""

from __future__ import annotations

import ast
import builtins
import copy
import inspect
import itertools
import pickle
import random
import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_compile import assert_close, eager, replayed  # the same helpers, one home

from autograd_lite import PRIMITIVES, Primitive, TraceError, Value, compile, losses, nn, optim
from autograd_lite import functional as F
from autograd_lite.compile import (
    CHECK_SAMPLES,
    CHECK_SHARE,
    MAX_NODES,
    ReplayMismatchError,
)
from autograd_lite.compile.names import identifier
from autograd_lite.engine import apply
from autograd_lite.train import fit

BACKENDS = ["python", "numpy"]


# -- 1. state that changes after the first call ------------------------------------------------

S = 1.0  # a global that a compiled function reads


def scaled_by_global(w: Value) -> Callable[[Any, Any], Value]:
    def fn(x: Any, y: Any) -> Value:
        return (w * x * S - y) ** 2

    return fn


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_global_changed_after_the_first_call_is_read_again(backend: str) -> None:
    global S
    w = Value(1.0)
    fn = scaled_by_global(w)
    step = compile(fn, [w], example=(1.0, 0.0), backend=backend)
    try:
        assert step([1.0], [0.0]) == 1.0
        S = 3.0
        assert_close(replayed(step, [w], [1.0], [0.0]), eager(fn, [w], [1.0], [0.0]))
        assert step([1.0], [0.0]) == 9.0 and step.recordings == 2
    finally:
        S = 1.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_closed_over_number_or_constant_changed_after_the_first_call_is_read_again(
    backend: str,
) -> None:
    w = Value(1.0)
    scale = 1.0
    offset = Value(0.0, requires_grad=False)

    def fn(x: Any, y: Any) -> Value:
        return (w * x * scale + offset - y) ** 2

    step = compile(fn, [w], example=(1.0, 0.0), backend=backend)
    assert step([1.0], [0.0]) == 1.0
    scale = 2.0
    assert step([1.0], [0.0]) == 4.0
    offset.data = 1.0
    assert_close(replayed(step, [w], [1.0], [0.0]), eager(fn, [w], [1.0], [0.0]))
    assert step([1.0], [0.0]) == 9.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_parameter_frozen_at_compile_time_and_unfrozen_gets_its_gradient(backend: str) -> None:
    w, b = Value(2.0), Value(0.5, requires_grad=False)

    def fn(x: Any, y: Any) -> Value:
        return (w * x + b - y) ** 2

    step = compile(fn, [w, b], example=(1.0, 0.0), backend=backend)
    step([1.0, 2.0], [0.0, 1.0])
    b.requires_grad = True
    got = replayed(step, [w, b], [1.0, 2.0], [0.0, 1.0])
    assert b.grad != 0.0
    assert_close(got, eager(fn, [w, b], [1.0, 2.0], [0.0, 1.0]))
    w.requires_grad = False  # and frozen again
    assert_close(
        replayed(step, [w, b], [1.0, 2.0], [0.0, 1.0]), eager(fn, [w, b], [1.0, 2.0], [0.0, 1.0])
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_layer_replaced_after_compiling_is_refused_at_the_next_call(backend: str) -> None:
    model = nn.MLP(2, [3, 1], seed=0)

    def fn(x: Any, y: Any) -> Value:
        return losses.mse_loss(model(x), y)

    step = compile(fn, model.parameters(), example=([0.5, 1.0], 1.0), backend=backend)
    step([[0.5, 1.0]], [1.0])
    model.layers[-1] = nn.Linear(3, 1, seed=5)
    for _ in range(2):  # and every later call
        with pytest.raises(ReplayMismatchError, match=r"other parameters.*compile again"):
            step([[0.5, 1.0]], [1.0])


def test_fit_compiled_refuses_a_class_label_out_of_range_as_eager_fit_does() -> None:
    X, y = [[0.0, 1.0], [1.0, 0.0]], [0, 5]
    for mode in (False, "python", "numpy"):
        model = nn.MLP(2, [3], seed=0)
        opt = optim.SGD(model.parameters(), lr=0.1)
        with pytest.raises(ValueError, match="target 5 is not a class index for 3 logits"):
            fit(model, losses.cross_entropy, opt, (X, y), epochs=1, batch_size=2,
                progress=False, compile=mode)  # fmt: skip


def test_a_trainable_value_read_but_not_in_params_is_refused() -> None:
    w, forgotten = Value(1.0), Value(2.0, label="bias")
    with pytest.raises(TraceError, match=r"not in params.*'bias'"):
        compile(lambda x, y: (w * x + forgotten - y) ** 2, [w], example=(1.0, 0.0))


def test_a_value_computed_before_compile_is_refused() -> None:
    w = Value(1.0)
    early = w * 2.0
    with pytest.raises(TraceError, match="computed before compile"):
        compile(lambda x, y: early * x - y, [w], example=(1.0, 0.0))


# -- 1. decisions the tracer did not see ----------------------------------------------------------


def format_plus(v: Value) -> str:
    return f"{v:+.3f}"


@pytest.mark.parametrize(
    ("reader", "what"),
    [
        (format_plus, "format"),
        (repr, "repr"),
        (str, "str"),
        (lambda v: format(v, ".2f"), "format"),
        (copy.copy, "copy.copy"),
        (copy.deepcopy, "copy.deepcopy"),
    ],
    ids=["f-string", "repr", "str", "format", "copy", "deepcopy"],
)
def test_text_or_copies_of_a_traced_value_are_refused_naming_the_line(
    reader: Callable[[Value], Any], what: str
) -> None:
    w = Value(1.0)

    def fn(x: Any, y: Any) -> Value:
        v = x * w
        seen = reader(v)
        return v.relu() if isinstance(seen, str) and seen.startswith("+") else v * y

    with pytest.raises(TraceError, match=rf"test_compile_trust.py, line \d+: .*{re.escape(what)}"):
        compile(fn, [w], example=(1.0, 1.0))


def test_a_comparison_reads_as_a_sentence() -> None:
    w = Value(1.0)

    def fn(x: Any, y: Any) -> Value:
        v = x * w
        return v if v > 0 else -v

    with pytest.raises(TraceError, match=r"line \d+: a comparison \(>\) of a Value that depends"):
        compile(fn, [w], example=(1.0, 1.0))


def test_printing_a_constant_still_works_while_recording() -> None:
    w = Value(1.0)
    shown = []

    def fn(x: Any, y: Any) -> Value:
        shown.append(f"{Value(2.0):.1f} {Value(3.0)!r}")  # depends on nothing traced
        return x * w

    compile(fn, [w], example=(1.0, 1.0))
    assert shown[0].startswith("2.0 Value(data=3.0")


# -- 1. a check that fails leaves the step unusable --------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_after_a_failed_check_every_call_is_refused(backend: str) -> None:
    w = Value(1.0)
    step = compile(lambda x, y: (w * x - y) ** 2, [w], example=(1.0, 0.0), backend=backend)
    real = step._replay

    def wrong(*args: Any) -> Any:
        total, G, check, outs = real(*args)
        return total * 1.5, G, check, outs

    step._replay = wrong
    with pytest.raises(ReplayMismatchError, match="the loss is") as first:
        step([1.0], [0.0])
    assert "please report" in str(first.value)  # nothing in fn explains it: ours
    step._replay = real  # even once the replay is right again
    for _ in range(2):
        with pytest.raises(ReplayMismatchError, match="refuses every later call"):
            step([1.0], [0.0])
    assert w.grad == 0.0  # no call added a gradient


@pytest.mark.parametrize("backend", BACKENDS)
def test_randomness_in_fn_is_named_as_the_cause_not_reported_as_ours(backend: str) -> None:
    w = Value(1.0)
    rng = random.Random(0)

    def fn(x: Any, y: Any) -> Value:
        return (w * x * rng.uniform(0.5, 2.0) - y) ** 2

    step = compile(fn, [w], example=(1.0, 0.0), backend=backend)
    with pytest.raises(ReplayMismatchError) as error:
        step([1.0, 2.0], [0.0, 1.0])
    assert "randomness" in str(error.value) and "please report" not in str(error.value)


@pytest.mark.parametrize("backend", BACKENDS)
def test_state_changed_inside_an_object_is_named_as_the_cause(backend: str) -> None:
    w = Value(1.0)
    config = {"scale": 1.0}  # an element of a dict: no check sees it, the periodic one does

    def fn(x: Any, y: Any) -> Value:
        return (w * x * config["scale"] - y) ** 2

    step = compile(fn, [w], example=(1.0, 0.0), backend=backend, check_every=2, check_share=None)
    step([1.0], [0.0])
    config["scale"] = 3.0
    with pytest.raises(ReplayMismatchError, match="state that changed") as error:
        step([1.0], [0.0])
    assert "please report" not in str(error.value)


# -- 1. sums add as the engine adds them ---------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_sum_node_adds_like_fsum_after_the_first_call(backend: str) -> None:
    w = Value(1.0)

    def fn(x: Any, y: Any) -> Value:
        return F.sum([x[0] * w, x[1] * w, x[2] * w]) * y

    step = compile(fn, [w], example=([1.0, 2.0, 3.0], 1.0), backend=backend)
    step([[1.0, 2.0, 3.0]], [1.0])  # the checked first call
    cancelling = [[1e16, 1.0, -1e16], [1e16, 1.0, -1e16]]
    assert step(cancelling, [1.0, 1.0]) == 1.0 == eager(fn, [w], cancelling, [1.0, 1.0])[0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_batch_total_adds_like_fsum_after_the_first_call(backend: str) -> None:
    w = Value(1.0)

    def fn(x: Any, y: Any) -> Value:
        return w * x

    step = compile(fn, [w], example=(1.0, 0.0), backend=backend)
    step([1.0], [0.0])
    xs = [1e16, 1.0, -1e16]
    assert step(xs, [0.0] * 3) == eager(fn, [w], xs, [0.0] * 3)[0] == 1.0 / 3


# -- 1. the numbers of a batch -----------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_lists_of_narrow_numpy_numbers_compute_in_float64(backend: str) -> None:
    np = pytest.importorskip("numpy")
    w = Value(1.0)

    def fn(x: Any, y: Any) -> Value:
        return x * x * w - y

    step = compile(fn, [w], example=(1.0, 0.0), backend=backend)
    step([1.0], [0.0])
    assert step([np.int8(100)], [np.int8(0)]) == 10000.0  # int8 would wrap around to 16
    third = np.float32(1) / np.float32(3)
    assert step([third], [0.0]) == float(third) * float(third)  # float32 would round each step


@pytest.mark.parametrize("backend", BACKENDS)
def test_bools_and_unordered_batches_are_refused(backend: str) -> None:
    w = Value(1.0)
    step = compile(lambda x, y: (x[0] * w - y) ** 2, [w], example=([1.0], 0.0), backend=backend)
    step([[1.0]], [0.0])
    with pytest.raises(TypeError, match="bool"):
        step([[True]], [0.0])
    with pytest.raises(TypeError, match="bool"):
        step([[1.0], [2.0]], [0.0, False])
    with pytest.raises(TypeError, match="set"):
        step({(1.0,), (2.0,)}, [0.0, 1.0])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="generator"):
        step(([v] for v in (1.0, 2.0)), [0.0, 1.0])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="count"):
        step(itertools.count(), [0.0])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"input.* of the batch is not finite"):
        step([[1.0], [float("inf")]], [0.0, 0.0])
    with pytest.raises(TypeError, match=r"input 0 holds NoneType None$"):
        step([[None]], [0.0])


# -- 2. generated code names only what it made -----------------------------------------------

#: the names the compiler makes: a prefix and a number, the loss (and its gradient g_loss,
#: a rule's tuple t_loss), or one of a few fixed words
MADE = re.compile(r"(v|g|p|x|y|t|f|d|G|GA|GS|GH|GR|H|R|S|M|W|B)\d+|([gt]_)?loss")
FIXED = {"replay", "P", "X", "Y", "Pa", "G", "n", "x", "y", "losses", "check", "outs", "total",
         "grads", "fsum", "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "softplus", "abs",
         "np", "np_sigmoid", "np_fsum", "np_total", "zip", "float", "len", "sum"}  # fmt: skip
#: the locals a replay assigns besides the names it makes
LOCALS = {"P", "X", "Y", "Pa", "G", "n", "x", "y", "losses", "check", "outs", "total", "grads"}


def names_in(source: str) -> set[str]:
    tree = ast.parse(source)
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def user_row(name: str, scale: float = 1.0) -> Primitive:
    return Primitive(
        name, "c", 1, lambda a: scale * a * a, lambda g, out, a: (g * 2.0 * scale * a,),
        lambda a: True, "scale * a^2",
        code="__import__('os').getcwd()", grad_code=("__import__('os').getcwd()",),
    )  # fmt: skip


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=40, deadline=None)
@given(name=st.text(max_size=30))
def test_any_row_name_compiles_and_reaches_only_an_escaped_comment(backend: str, name: str) -> None:
    row = user_row(name)
    w = Value(0.5)

    def fn(x: Any, y: Any) -> Value:
        return apply(row, w * x) - y

    step = compile(fn, [w], example=(1.0, 0.0), backend=backend)
    assert_close(
        replayed(step, [w], [1.0, 2.0], [0.0, 1.0]), eager(fn, [w], [1.0, 2.0], [0.0, 1.0])
    )
    assert step.eager_runs == 0  # the replay itself gave these numbers
    assert all(MADE.fullmatch(n) or n in FIXED for n in names_in(step.source))
    assert "__import__" not in step.source  # a user row's templates are never pasted in
    for line in step.source.splitlines():
        assert line.isascii()  # the name, escaped, only in a comment


#: labels that a careless sanitizer would let shadow a name of the code, or break a line
AWKWARD_LABELS = ["abs", "loss", "g_loss", "x", "P", "v1", "p0", "W0", "np", "import", "tanh",
                  "__import__('os')", "", "0", "a\nb", "L0.n0.w0", "L0.n0.w1", "L0.n0.b", "θ",
                  "x" * 500]  # fmt: skip


def made_from(labels: list[str], name: str) -> bool:
    """Whether ``name`` is what the compiler makes from one of ``labels`` (or a dotted prefix of
    one): the label's letters and digits joined by _, maybe a library row's name before it,
    g_/G_/t_ before that, and _ or _2, _3, ... after it, maybe twice (kept clear of other names:
    labels ``loss``, ``g:loss``, ``g:loss`` give ``loss_2``, ``g_loss``, ``g_loss_2`` and the
    first one's gradient ``g_loss_2_2``)."""
    stems = {identifier(".".join(lb.split(".")[:k])) for lb in labels for k in range(1, 9)}
    stems.discard("")
    rows = "|".join(re.escape(r) for r in PRIMITIVES)
    stem = "|".join(re.escape(s) for s in sorted(stems, key=len, reverse=True)) or "(?!)"
    return re.fullmatch(rf"([gGt]_)?(({rows})_)?({stem})_?(_\d+){{0,2}}", name) is not None


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=40, deadline=None)
@given(
    labels=st.lists(st.text(max_size=40) | st.sampled_from(AWKWARD_LABELS), min_size=3, max_size=3)
)
@example(labels=["loss", "g:loss", "g:loss"])  # found by CI: a name kept clear twice
def test_any_parameter_label_reaches_the_code_only_through_the_sanitizer(
    backend: str, labels: list[str]
) -> None:
    w, v, b = (Value(k, label=lb) for k, lb in zip((0.5, -1.5, 0.25), labels, strict=True))
    params = [w, v, b]

    def fn(x: Any, y: Any) -> Value:
        return (F.dot([w, v], x, b).tanh() - y) ** 2

    step = compile(fn, params, example=([1.0, 2.0], 0.0), backend=backend)
    xs, ys = [[1.0, 2.0], [-0.5, 0.5]], [0.0, 1.0]
    assert_close(replayed(step, params, xs, ys), eager(fn, params, xs, ys))
    assert step.eager_runs == 0  # the replay itself gave these numbers
    found = names_in(step.source)
    assert all(MADE.fullmatch(n) or n in FIXED or made_from(labels, n) for n in found), found
    tree = ast.parse(step.source)
    stored = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and type(n.ctx) is ast.Store}
    assert not stored & (FIXED - LOCALS), stored  # nothing the code calls is shadowed
    assert not stored & set(dir(builtins)), stored
    unpacked = [  # the parameters' names: each assigned from P once, all distinct
        t.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and re.fullmatch(r"P(\[\d+\])?", ast.unparse(node.value))
        for t in ast.walk(node.targets[0])
        if isinstance(t, ast.Name)
    ]
    assert len(unpacked) == len(set(unpacked)) == (3 if backend == "python" else len(unpacked))
    for line in step.source.splitlines():
        assert line.isascii() and line.isprintable() and len(line) <= 100


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", ["my op", "soft-clip", "x\nimport os", "sum", "pow", "dot"])
def test_rows_are_told_apart_by_identity_not_by_name(backend: str, name: str) -> None:
    once, twice = user_row(name, 1.0), user_row(name, 2.0)  # one name, two rows
    w = Value(0.5)

    def fn(x: Any, y: Any) -> Value:
        return apply(once, w * x) + apply(twice, w * x) - y

    step = compile(fn, [w], example=(1.0, 0.0), backend=backend)
    assert_close(
        replayed(step, [w], [1.0, 2.0], [0.0, 1.0]), eager(fn, [w], [1.0, 2.0], [0.0, 1.0])
    )
    assert step.eager_runs == 0  # the replay itself gave these numbers


@pytest.mark.parametrize("backend", BACKENDS)
def test_no_params_a_loss_that_is_a_parameter_or_the_input_itself(backend: str) -> None:
    w = Value(2.0)
    none = compile(lambda x, y: x * y, [], example=(1.0, 2.0), backend=backend)
    assert none([1.0, 3.0], [2.0, 2.0]) == 4.0
    itself = compile(lambda x, y: w, [w], example=(1.0, 2.0), backend=backend)
    assert replayed(itself, [w], [1.0, 3.0], [2.0, 2.0]) == (2.0, [1.0])
    the_input = compile(lambda x, y: x, [w], example=(1.0, 2.0), backend=backend)
    assert replayed(the_input, [w], [1.0, 3.0], [2.0, 2.0]) == (2.0, [0.0])


def test_a_step_is_refused_for_copy_and_pickle_clearly() -> None:
    w = Value(2.0)
    step = compile(lambda x, y: x * w, [w], example=(1.0, 2.0))
    for make in (copy.deepcopy, copy.copy, pickle.dumps):
        with pytest.raises(TypeError, match="compile a step for the copy"):
            make(step)


# -- 3. bounded in time and memory --------------------------------------------------------------


@pytest.mark.parametrize(
    "backend",
    ["python", pytest.param("numpy", marks=pytest.mark.slow)],  # a million rows
)
def test_the_checks_run_the_engine_on_a_fixed_number_of_samples(backend: str) -> None:
    w = Value(0.5)
    calls = [0]

    def fn(x: Any, y: Any) -> Value:
        calls[0] += 1
        return (w * x[0] - y) ** 2

    step = compile(fn, [w], example=([1.0], 0.0), backend=backend, check_every=2, check_share=None)
    rows = 1_000_000 if backend == "numpy" else 10_000
    xs = [[i / rows] for i in range(rows)]
    ys = [0.0] * rows
    if backend == "numpy":
        np = pytest.importorskip("numpy")
        xs, ys = np.array(xs), np.array(ys)  # type: ignore[assignment]
    calls[0] = 0
    step(xs, ys)  # the first call: checked
    assert calls[0] == CHECK_SAMPLES and step.checks == 1
    step(xs, ys)  # the second: checked too (check_every=2)
    assert calls[0] == 2 * CHECK_SAMPLES and step.checks == 2


def test_the_recording_stops_as_soon_as_it_passes_max_nodes() -> None:
    w = Value(0.5)
    made = [0]

    def fn(x: Any, y: Any) -> Value:
        v = x * w
        for _ in range(4_000_000):  # 4,000,005 nodes, if nothing stopped it
            v = v * 1.0
            made[0] += 1
        return v - y

    with pytest.raises(ValueError, match="MAX_NODES"):
        compile(fn, [w], example=(1.0, 0.0))
    assert made[0] <= MAX_NODES  # two nodes (a constant, a product) per turn: stopped early


def test_a_recording_that_swallows_the_error_is_still_refused() -> None:
    w = Value(0.5)

    def fn(x: Any, y: Any) -> Value:
        v = x * w
        for _ in range(MAX_NODES):
            try:
                v = v * 1.0
            except ValueError:
                break
        return v - y

    with pytest.raises(ValueError, match="MAX_NODES"):
        compile(fn, [w], example=(1.0, 0.0))


def test_endless_params_batches_and_data_are_refused() -> None:
    w = Value(1.0)
    with pytest.raises(ValueError, match="MAX_NODES"):
        compile(lambda x, y: x * w, (Value(1.0) for _ in itertools.count()), example=(1.0, 0.0))
    model = nn.MLP(2, [1], seed=0)
    with pytest.raises(TypeError, match="X must be a list, tuple or array"):
        fit(model, losses.mse_loss, optim.SGD(model.parameters(), lr=0.1),
            (itertools.count(), [1.0]), epochs=1, batch_size=1, progress=False,
            compile=True)  # fmt: skip


def test_a_traced_function_may_start_a_thread_that_compiles() -> None:
    w, v = Value(1.0), Value(2.0)
    inner: list[Any] = []

    def compile_in_thread() -> None:
        inner.append(compile(lambda x, y: x * v - y, [v], example=(1.0, 0.0)))

    def fn(x: Any, y: Any) -> Value:
        thread = threading.Thread(target=compile_in_thread, daemon=True)
        thread.start()
        thread.join(timeout=30)
        assert not thread.is_alive(), "the inner compile is stuck behind the outer trace"
        return x * w - y

    step = compile(fn, [w], example=(1.0, 0.0))
    assert len(inner) == 1 and inner[0]([2.0], [1.0]) == 3.0 and step([2.0], [1.0]) == 1.0


# -- the README says what the code does ----------------------------------------------------------


def test_the_readme_table_of_compile_refusals_is_the_real_messages() -> None:
    from pathlib import Path

    from autograd_lite import compile as compile_module  # the function; its module below
    from autograd_lite.compile import MAX_WATCHED

    text = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = text.split("## Compiling a training step", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(.+?)` \| `(.+?)` \|$", section, re.M)
    assert len(rows) >= 6
    for code, shown in rows:
        w, b = Value(1.0), Value(0.0)
        step = compile_module(lambda x, y, w=w: x * w - y, [w], example=(1.0, 0.0))
        names = {"compile": compile_module, "step": step, "w": w, "b": b, "copy": copy,
                 "itertools": itertools}  # fmt: skip
        with pytest.raises(Exception) as info:
            eval(code, names)  # our own README's code, not user input
        actual = f"{type(info.value).__name__}: {info.value}"
        if shown.endswith(" ..."):  # the README leaves out the end of a long message
            assert actual.startswith(shown[:-4]), (shown, actual)
        else:
            assert actual == shown
    assert f"up to {MAX_WATCHED} names" in section
    assert f"on {CHECK_SAMPLES} samples spread over the batch" in section
    assert f"`MAX_NODES` = {MAX_NODES:,} nodes" in section
    every = inspect.signature(compile).parameters["check_every"].default
    assert f"the {every}th (`check_every`)" in section
    flat = " ".join(section.split())
    share = inspect.signature(compile).parameters["check_share"].default
    assert share == CHECK_SHARE == 1 / 10  # "a tenth", "ten replays", "ten times its cost"
    assert f"the later checks take at most a tenth of it (`check_share={share}`" in flat
    assert "costs more than a tenth of" in flat and "ten times what the last one cost" in flat
    from autograd_lite.compile.watch import TOLERANCE

    tolerance = f"{TOLERANCE:.0e}".replace("e-0", "e-")  # 1e-9 as README writes it
    assert f"by more than {tolerance} of the largest number of the result" in flat
    assert f"agrees within {tolerance} of the largest value it computed" in flat


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_first_call_of_every_recording_is_checked(backend: str) -> None:
    global S
    w = Value(1.0)
    step = compile(scaled_by_global(w), [w], example=(1.0, 0.0), backend=backend)
    try:
        step([1.0], [0.0])
        S = 2.0
        step([1.0], [0.0])
        assert (step.recordings, step.checks) == (2, 2)
    finally:
        S = 1.0


def test_a_global_model_rebound_is_recorded_again_or_refused_saying_why() -> None:
    global S
    w = Value(1.0)
    step = compile(scaled_by_global(w), [w], example=(1.0, 0.0))
    step([1.0], [0.0])
    S = Value(2.0)  # type: ignore[assignment]  # a Value that takes gradients, not in params
    try:
        with pytest.raises(TraceError, match="not in params") as error:
            step([1.0], [0.0])
        assert "recording the function again at call 2: the global 'S' changed" in str(
            error.value.__notes__
        )
    finally:
        S = 1.0
