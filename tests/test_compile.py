"""compile: a replay equals the eager engine, on random graphs, on every row, in training."""

from __future__ import annotations

import builtins
import contextlib
import inspect
import io
import math
import random
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import (
    PRIMITIVES,
    Primitive,
    TraceError,
    Value,
    compile,
    grad,
    losses,
    nn,
    no_grad,
    optim,
)
from autograd_lite import functional as F
from autograd_lite.compile import ReplayMismatchError
from autograd_lite.data import make_blobs, make_moons
from autograd_lite.engine import apply
from autograd_lite.testing import expressions_with_inputs
from autograd_lite.train import fit

BACKENDS = ["python", "numpy"]
ROWS = list(PRIMITIVES.values())


def eager(
    fn: Callable[[Any, Any], Value], params: Sequence[Value], xs: Sequence[Any], ys: Sequence[Any]
) -> tuple[float, list[float]]:
    """What the compiled step promises: mean(fn(x, y)) and its gradient, from the engine."""
    loss = F.sum([fn(x, y) for x, y in zip(xs, ys, strict=True)]) / len(xs)
    trained = [p for p in params if p.requires_grad]
    return loss.data, [float(g) for g in grad(loss, trained)] if trained else []


def replayed(step: Any, params: Sequence[Value], xs: Any, ys: Any) -> tuple[float, list[float]]:
    for p in params:
        p.grad = 0.0
    loss = step(xs, ys)
    return loss, [p.grad for p in params if p.requires_grad]


def assert_close(got: tuple[float, list[float]], want: tuple[float, list[float]]) -> None:
    """Equal to 1e-12 relative, measured against the size of the numbers compared."""
    scale = max([abs(want[0]), *map(abs, want[1]), 1e-300])
    assert abs(got[0] - want[0]) <= 1e-12 * scale, (got[0], want[0])
    assert len(got[1]) == len(want[1])
    for a, b in zip(got[1], want[1], strict=True):
        assert abs(a - b) <= 1e-12 * scale, (a, b)


# -- random graphs ----------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=60, deadline=None)
@given(sample=expressions_with_inputs(("x", "w")), size=st.sampled_from([1, 3]))
def test_random_graphs_replay_like_the_engine(backend: str, sample: Any, size: int) -> None:
    """x is a per-sample input, w a parameter; both backends, batch sizes 1 and 3."""
    expr = sample.expression
    w = Value(sample.inputs["w"])

    def fn(x: list[Value], y: Value) -> Value:
        return expr.evaluate({"x": x[0], "w": w}) + y * 0.5

    xs, ys = [[sample.inputs["x"]]] * size, [1.0] * size
    step = compile(fn, [w], example=(xs[0], ys[0]), backend=backend)
    assert_close(replayed(step, [w], xs, ys), eager(fn, [w], xs, ys))


# -- every row of the table ----------------------------------------------------------------


def smooth_point(row: Primitive) -> tuple[float, ...]:
    n = 5 if row.name == "dot" else 3 if row.arity is None else row.arity
    for candidate in [(0.7, 1.3, -0.4, 0.9, 0.25), (1.5, 0.6, 1.2, 0.8, 2.0)]:
        point = candidate[:n]
        if row.smooth(*point):
            return point
    raise AssertionError(f"no smooth point for {row.name}")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_every_row_replays_forward_and_backward(row: Primitive, backend: str) -> None:
    point = smooth_point(row)
    ws = [Value(v) for v in point]

    def fn(x: list[Value], y: Value) -> Value:
        # each input is w_i * x_0 with x_0 = 1: the row sees the point, and the sample
        return apply(row, *[w * x[0] for w in ws]) * y

    xs, ys = [[1.0], [1.0], [1.0]], [1.0, 0.5, -2.0]
    step = compile(fn, ws, example=(xs[0], ys[0]), backend=backend)
    got = replayed(step, ws, xs, ys)
    assert_close(got, eager(fn, ws, xs, ys))
    assert step.eager_runs == 0  # the replay itself produced these numbers


# -- networks, batch sizes and training ---------------------------------------------------------


def moons_step(backend: str, **options: Any) -> tuple[Any, nn.MLP, Callable[..., Value]]:
    model = nn.MLP(2, [8, 8, 1], seed=0)

    def fn(x: Any, t: Any) -> Value:
        return losses.hinge_loss(model(x), t)

    X, _ = make_moons(4, seed=0)
    return (
        compile(fn, model.parameters(), example=(X[0], 1.0), backend=backend, **options),
        model,
        fn,
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_any_batch_size_without_recompiling(backend: str) -> None:
    step, model, fn = moons_step(backend)
    X, y = make_moons(12, noise=0.1, seed=1)
    ys = [1.0 if t else -1.0 for t in y]
    params = model.parameters()
    for size in (1, 7, 3, 12):
        got = replayed(step, params, X[:size], ys[:size])
        assert_close(got, eager(fn, params, X[:size], ys[:size]))
    assert step.calls == 4 and step.eager_runs == 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_step_adds_to_grad_like_backward(backend: str) -> None:
    step, model, _ = moons_step(backend)
    X, _ = make_moons(5, seed=2)
    ys = [1.0, -1.0, 1.0, -1.0, 1.0]
    params = model.parameters()
    first = replayed(step, params, X, ys)[1]
    step(X, ys)  # no zero_grad in between: the gradients add up
    for p, g in zip(params, first, strict=True):
        assert math.isclose(p.grad, 2 * g, rel_tol=1e-12, abs_tol=1e-15)


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_step_reads_the_current_weights(backend: str) -> None:
    step, model, fn = moons_step(backend)
    X, _ = make_moons(6, seed=3)
    ys = [1.0, -1.0] * 3
    params = model.parameters()
    opt = optim.SGD(params, lr=0.5)
    for _ in range(3):  # after each update the replay must see the new weights
        opt.zero_grad()
        want = eager(fn, params, X, ys)
        assert_close(replayed(step, params, X, ys), want)
        opt.step()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_frozen_weight_is_read_not_baked_in(backend: str) -> None:
    w, b = Value(2.0), Value(0.5, requires_grad=False)

    def fn(x: Any, t: Any) -> Value:
        return (w * x[0] + b - t) ** 2

    step = compile(fn, [w, b], example=([1.0], 0.0), backend=backend)
    b.data = -3.0  # changed after compiling: the replay must use it
    assert_close(
        replayed(step, [w, b], [[1.0], [2.0]], [0.0, 1.0]),
        eager(fn, [w, b], [[1.0], [2.0]], [0.0, 1.0]),
    )
    assert b.grad == 0.0


def test_the_numpy_backend_fuses_a_layer_into_a_matrix_product() -> None:
    step, _, _ = moons_step("numpy")
    # one product per layer of the 2-8-8-1 MLP, and its ReLU on the whole layer at once
    assert len(re.findall(r"^ +H\d+ = M\d+ @ S", step.source, re.M)) == 3
    # the weights are views of P (a module's neurons lie in rows): written with "=", as the
    # product is their only reader
    views = r"^ +G\[\d+:\d+\]\.reshape\(\d+, \d+\)\[:, :\d+\] = G"
    assert len(re.findall(views, step.source, re.M)) == 3
    assert not re.search(r"= Pa\[W\d|np.intp", step.source)  # no index arrays
    assert len(re.findall(r"^ +R\d+ = np.maximum\(H\d+, 0.0\)", step.source, re.M)) == 2
    python_step, _, _ = moons_step("python")
    assert "def replay(P, X, Y):" in python_step.source
    assert "# backward" in python_step.source and " if v" in python_step.source  # relu


@pytest.mark.parametrize("order", ["reversed", "shuffled"])
def test_a_layer_whose_weights_are_not_in_rows_reads_them_through_index_arrays(
    order: str,
) -> None:
    model = nn.MLP(2, [5, 3, 1], seed=2)
    params = model.parameters()
    params = params[::-1] if order == "reversed" else random.Random(0).sample(params, len(params))

    def fn(x: Any, t: Any) -> Value:
        return losses.hinge_loss(model(x), t)

    step = compile(fn, params, example=([0.5, -1.0], 1.0), backend="numpy")
    assert re.search(r"^ +M\d+ = Pa\[W\d+\]$", step.source, re.M)
    X, _ = make_moons(6, seed=1)
    ys = [1.0, -1.0] * 3
    assert_close(replayed(step, params, X, ys), eager(fn, params, X, ys))


def test_a_layer_whose_weights_are_also_read_elsewhere_adds_to_their_gradient() -> None:
    model = nn.MLP(2, [4, 4, 1], seed=1)
    first = model.parameters()[:3]  # the first neuron of the first layer: two weights, a bias

    def fn(x: Any, t: Any) -> Value:  # a penalty on a few weights reads them outside the layer
        return losses.hinge_loss(model(x), t) + 0.01 * F.sum([w * w for w in first])

    params = model.parameters()
    step = compile(fn, params, example=([0.0, 1.0], 1.0), backend="numpy")
    assert "G[0:12].reshape(4, 3)[:, :2] += GH0" in step.source  # read elsewhere too
    assert "G[12:32].reshape(4, 5)[:, :4] = GH1" in step.source
    X, y = make_moons(7, noise=0.1, seed=5)
    ys = [1.0 if t else -1.0 for t in y]
    assert_close(replayed(step, params, X, ys), eager(fn, params, X, ys))


def test_import_stays_pure_python() -> None:
    code = "import sys, autograd_lite; print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- the cross-check and the eager re-run ---------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_replay_that_differs_from_the_engine_raises(backend: str) -> None:
    X, _ = make_moons(4, seed=0)
    ys = [1.0, -1.0, 1.0, -1.0]
    for every, raises_at in ((3, 3), (None, None)):
        step, _, _ = moons_step(backend, check_every=every, check_share=None)
        real = step._replay

        def wrong(*args: Any, real: Any = real) -> Any:
            total, G, check, outs = real(*args)
            return total * 1.001, G, check, outs

        step(X, ys)  # call 1 is always checked, and passes
        step._replay = wrong
        for call in (2, 3):
            if call == raises_at:
                with pytest.raises(ReplayMismatchError, match="the loss is"):
                    step(X, ys)
            else:
                step(X, ys)  # not a checked call: the tampered replay goes unseen


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_non_finite_step_reruns_eagerly_and_names_the_operation(backend: str) -> None:
    w = Value(1.0)

    def fn(x: Any, t: Any) -> Value:
        return (w * x[0]).exp().tanh() * t  # tanh would hide exp's overflow

    step = compile(fn, [w], example=([1.0], 1.0), backend=backend)
    with pytest.raises(OverflowError, match=r"exp\(1000"):
        step([[1000.0]], [1.0])
    assert step.eager_runs == 1 and w.grad == 0.0  # nothing was added


@pytest.mark.parametrize("backend", BACKENDS)
def test_bad_batches_get_clear_errors(backend: str) -> None:
    step, _, _ = moons_step(backend)
    with pytest.raises(ValueError, match="empty"):
        step([], [])
    with pytest.raises(ValueError, match="2 inputs but 1 targets"):
        step([[0.0, 1.0], [1.0, 0.0]], [1.0])
    with pytest.raises(ValueError, match=r"expects 2 inputs|shape"):
        step([[0.0, 1.0, 2.0]], [1.0])


def test_the_numpy_backend_takes_numpy_arrays_as_they_are() -> None:
    import numpy as np

    step, model, fn = moons_step("numpy")
    X, y = make_moons(9, noise=0.1, seed=4)
    ys = [1.0 if t else -1.0 for t in y]
    params = model.parameters()
    want = eager(fn, params, X, ys)
    xa, ya = np.array(X), np.array(ys)
    assert_close(replayed(step, params, xa, ya), want)  # checked on call 1
    assert xa.tolist() == X and ya.tolist() == ys  # read, never written
    assert_close(replayed(step, params, X, ys), want)
    ints = np.array([[1, 0], [0, 1]])  # whole numbers count as floats, as in the engine
    assert_close(
        replayed(step, params, ints, np.array([1, -1])), eager(fn, params, ints.tolist(), [1, -1])
    )
    assert step.checks == 1 and step.eager_runs == 0
    with pytest.raises(ValueError, match="shape"):
        step(np.zeros((3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="3 inputs but 2 targets"):
        step(np.zeros((3, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="not finite"):
        step(np.array([[np.nan, 0.0]]), np.zeros(1))
    with pytest.raises(TypeError, match="numbers"):
        step(np.array([[True, False]]), np.zeros(1))
    with pytest.raises(TypeError, match="two sequences"):
        step(np.float64(1.0), np.zeros(1))


def test_a_non_finite_step_on_numpy_arrays_reruns_eagerly_on_their_rows() -> None:
    import numpy as np

    w = Value(1.0)
    step = compile(
        lambda x, t: (w * x[0]).exp().tanh() * t, [w], example=([1.0], 1.0), backend="numpy"
    )
    with pytest.raises(OverflowError, match=r"exp\(1000"):
        step(np.array([[1000.0]]), np.array([1.0]))
    assert step.eager_runs == 1 and w.grad == 0.0


# -- what a trace refuses ----------------------------------------------------------------


def test_compile_checks_its_arguments() -> None:
    w = Value(1.0)
    with pytest.raises(ValueError, match="backend"):
        compile(lambda x, y: w * x[0], [w], example=([1.0], 0.0), backend="jax")
    with pytest.raises(TypeError, match=r"params\[0\]"):
        compile(lambda x, y: w * x[0], [1.0], example=([1.0], 0.0))  # type: ignore[list-item]
    with pytest.raises(TypeError, match="pair"):
        compile(lambda x, y: w * x[0], [w], example=[1.0])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must return a Value"):
        compile(lambda x, y: 3.0, [w], example=([1.0], 0.0))
    with pytest.raises(ValueError, match="depends on neither"):
        compile(lambda x, y: Value(1.0) * 2, [w], example=([1.0], 0.0))


PITFALLS: dict[str, Callable[[list[Value], Value, Value], Value]] = {
    "an if on data": lambda x, y, w: (w * x[0]) if w * x[0] > 0 else -(w * x[0]),
    "max() of Values": lambda x, y, w: max(w * x[0], w * y),
    "float()": lambda x, y, w: w * float(x[0]),
    "v.data": lambda x, y, w: w * (x[0].data + 1.0),
    "v.item()": lambda x, y, w: w * x[0].item(),
    "a label read as data": lambda x, y, w: (1 - (1 if y.data > 0 else -1) * w * x[0]).relu(),
    "an input folded into a constant": lambda x, y, w: w * x[0].detach(),
}


@pytest.mark.parametrize("name", list(PITFALLS))
def test_each_pitfall_raises_a_clear_error(name: str) -> None:
    w = Value(0.5)
    fn = PITFALLS[name]
    with pytest.raises(TraceError) as caught:
        compile(lambda x, y: fn(x, y, w), [w], example=([1.0], 1.0))
    message = str(caught.value)
    assert "test_compile.py, line" in message  # names the place that read the data
    assert "primitive" in message  # and says what to do instead


def test_no_grad_inside_the_function_is_refused() -> None:
    w = Value(0.5)

    def fn(x: Any, y: Any) -> Value:
        with no_grad():
            h = w * x[0]
        return h * y + w

    with pytest.raises(TraceError, match="no_grad"):
        compile(fn, [w], example=([1.0], 1.0))


def test_a_class_index_target_asks_for_one_hot() -> None:
    model = nn.MLP(2, [3], seed=0)
    with pytest.raises(TypeError, match="one-hot"):
        compile(
            lambda x, y: losses.cross_entropy(model(x), y),
            model.parameters(),
            example=([0.0, 1.0], 2),
        )


@pytest.mark.parametrize(
    "layer", [nn.Dropout(0.5, seed=0), nn.BatchNorm1d(3)], ids=["Dropout", "BatchNorm1d"]
)
def test_per_step_randomness_and_batch_statistics_are_refused(layer: nn.Module) -> None:
    model = nn.Sequential(nn.Linear(2, 3, seed=0), layer, nn.Linear(3, 1, seed=0))
    with pytest.raises(TraceError, match=r"training mode.*\.eval\(\)"):
        compile(
            lambda x, y: losses.mse_loss(model(x), y), model.parameters(), example=([0.0, 1.0], 1.0)
        )
    layer.eval()  # evaluation mode is the same at every step: it compiles
    compile(
        lambda x, y: losses.mse_loss(model(x), y), model.parameters(), example=([0.0, 1.0], 1.0)
    )


# -- fit ----------------------------------------------------------------


def binary(k: int) -> tuple[list[list[float]], list[int]]:
    return make_moons(24, noise=0.1, seed=k)


def classes(k: int) -> tuple[list[list[float]], list[int]]:
    return make_blobs(24, centers=3, seed=k)


LOSSES: dict[str, tuple[Callable[..., Value], Callable[[int], Any], int]] = {
    "hinge (binary)": (losses.hinge_loss, binary, 1),
    "hinge (classes)": (losses.hinge_loss, classes, 3),
    "cross_entropy": (losses.cross_entropy, classes, 3),
    "binary_cross_entropy_with_logits": (losses.binary_cross_entropy_with_logits, binary, 1),
    "mse_loss": (losses.mse_loss, binary, 1),
    "l1_loss": (losses.l1_loss, binary, 1),
}  # fmt: skip


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", list(LOSSES))
def test_fit_compiled_matches_fit_eager(name: str, backend: str) -> None:
    loss_fn, data, k = LOSSES[name]
    X, y = data(0)
    runs = []
    for mode in (False, backend):
        model = nn.MLP(2, [6, k], seed=0)
        opt = optim.Adam(model.parameters(), lr=0.05)
        h = fit(
            model,
            loss_fn,
            opt,
            (X, y),
            epochs=3,
            batch_size=5,
            progress=False,
            seed=0,
            compile=mode,
        )
        runs.append((h, [p.data for p in model.parameters()]))
    (h0, w0), (h1, w1) = runs
    assert h1.loss == pytest.approx(h0.loss, rel=1e-9)
    assert h1.accuracy == h0.accuracy
    assert w1 == pytest.approx(w0, rel=1e-9, abs=1e-12)


def test_fit_compiles_binary_cross_entropy_on_probabilities() -> None:
    X, y = binary(1)
    model = nn.Sequential(nn.Linear(2, 4, seed=0), nn.Tanh(), nn.Linear(4, 1, seed=1), nn.Sigmoid())
    opt = optim.SGD(model.parameters(), lr=0.1)
    h = fit(
        model,
        losses.binary_cross_entropy,
        opt,
        (X, y),
        epochs=2,
        batch_size=8,
        progress=False,
        seed=0,
        compile="numpy",
    )
    assert len(h) == 2 and h.loss[1] < h.loss[0]


def test_fit_refuses_an_unknown_compile_mode() -> None:
    model = nn.MLP(2, [1], seed=0)
    with pytest.raises(ValueError, match="compile must be"):
        fit(
            model,
            losses.hinge_loss,
            optim.SGD(model.parameters(), lr=0.1),
            binary(0),
            epochs=1,
            batch_size=4,
            progress=False,
            compile="jax",
        )


# -- README ---------------------------------------------------------------------------


def test_the_readme_example_runs_and_its_quoted_lines_are_real() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = text.split("## Compiling a training step", 1)[1].split("\n## ", 1)[0]
    code, fused = re.findall(r"```python\n(.*?)```", section, re.S)  # the fused run goes on
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(builtins.compile(code + fused, "README.md", "exec"), {})  # our own README
    assert printed.getvalue().startswith("# autograd_lite.compile: one sample's loss")
    assert printed.getvalue().splitlines()[-1].endswith(", 100 fused steps")
    model = nn.MLP(2, [2, 1], seed=0)
    step = compile(
        lambda x, t: losses.hinge_loss(model(x), t), model.parameters(), example=([0.5, 1.0], 1.0)
    )
    lines = {line.strip() for line in step.source.splitlines()}
    from autograd_lite.compile import CHECK_SAMPLES, MAX_NODES

    assert f"`MAX_NODES` = {MAX_NODES:,}" in section
    every = inspect.signature(compile).parameters["check_every"].default
    assert (
        f"the {every}th (`check_every`) are compared with the eager\n  engine on "
        f"{CHECK_SAMPLES} samples spread over the batch" in section
    )
    quoted = re.findall(r"`(L0_n0 = [^`]*|g_L0_n0 = [^`]*|G_L0_n0_w0 \+= [^`]*)`", section)
    assert len(quoted) == 3
    for line in quoted:
        assert " ".join(line.split()) in lines


MODELS: dict[str, Callable[[], tuple[nn.Module, Any]]] = {
    "MLP": lambda: (nn.MLP(3, [4, 4, 2], seed=0), [0.5, -1.0, 2.0]),
    "Sequential of activations": lambda: (
        nn.Sequential(
            nn.Linear(3, 4, seed=1), nn.Tanh(), nn.Linear(4, 4, seed=2), nn.Sigmoid(),
            nn.Linear(4, 4, seed=3), nn.LeakyReLU(0.1), nn.Linear(4, 2, seed=4), nn.ReLU(),
        ),
        [0.5, -1.0, 2.0],
    ),
    "Conv1d": lambda: (
        nn.Sequential(nn.Conv1d(2, 3, 3, padding=1, seed=0), nn.ReLU(), nn.Flatten(),
                      nn.Linear(15, 2, seed=1)),
        [[0.5, -1.0, 2.0, 0.0, 1.5], [1.0, 0.25, -0.5, 2.0, -1.0]],
    ),
    "Conv2d": lambda: (
        nn.Sequential(nn.Conv2d(1, 2, 2, padding=1, seed=0), nn.Tanh(), nn.Conv2d(2, 2, 2, seed=2),
                      nn.ReLU(), nn.Flatten(), nn.Linear(18, 2, seed=1)),
        [[[0.5, -1.0, 2.0], [0.0, 1.5, 1.0], [0.25, -0.5, 2.0]]],
    ),
}  # fmt: skip


def scaled(x: Any, factor: float) -> Any:
    return [scaled(v, factor) for v in x] if isinstance(x, list) else x * factor


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", list(MODELS))
def test_the_librarys_modules_replay_like_the_engine(name: str, backend: str) -> None:
    model, x = MODELS[name]()
    params = model.parameters()

    def fn(sample: Any, t: Any) -> Value:
        return losses.cross_entropy(model(sample), t)

    step = compile(fn, params, example=(x, [1.0, 0.0]), backend=backend)
    xs = [x, scaled(x, -0.5), scaled(x, 1.7)]
    ys = [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]
    assert_close(replayed(step, params, xs, ys), eager(fn, params, xs, ys))
    assert step.eager_runs == 0


def test_a_graph_too_large_to_write_out_is_refused_early() -> None:
    from autograd_lite.compile import MAX_NODES

    w = Value(0.5)

    def fn(x: Any, y: Any) -> Value:
        v = x[0] * w
        for _ in range(MAX_NODES):
            v = v * 0.999
        return v * y

    with pytest.raises(ValueError, match="MAX_NODES"):
        compile(fn, [w], example=([1.0], 1.0))


def test_a_dot_with_thousands_of_inputs_compiles() -> None:
    """One long expression would be too deep for Python's compiler: it becomes a call."""
    n = 5000
    ws = [Value(0.01 * (i % 7)) for i in range(n)]

    def fn(x: Any, y: Any) -> Value:
        return F.dot(ws, [x[0] * (i % 3) for i in range(n)]).tanh() * y

    for backend in BACKENDS:
        step = compile(fn, ws, example=([0.1], 1.0), backend=backend)
        assert_close(
            replayed(step, ws, [[0.1], [0.05]], [1.0, 2.0]),
            eager(fn, ws, [[0.1], [0.05]], [1.0, 2.0]),
        )


def test_hostile_examples_are_refused_early() -> None:
    w = Value(1.0)

    def fn(x: Any, y: Any) -> Value:
        return w * y

    deep: Any = 1.0
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(ValueError, match="deeper than"):
        compile(fn, [w], example=(deep, 1.0))
    with pytest.raises(ValueError, match="MAX_NODES"):
        compile(fn, [w], example=([0.0] * 1_000_000, 1.0))
    with pytest.raises(ValueError, match="finite float"):
        compile(fn, [w], example=([10**400], 1.0))
    with pytest.raises(ValueError, match="finite float"):
        compile(fn, [w], example=([float("nan")], 1.0))
    with pytest.raises(ValueError, match="another shape"):
        compile(fn, [w], example=([[1.0], [1.0, 2.0]], 1.0))
    with pytest.raises(TypeError, match="plain numbers"):
        compile(fn, [w], example=([w], 1.0))


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_check_judges_tiny_gradients_against_the_whole_gradient(backend: str) -> None:
    """Rounding left in a gradient 1e6 times smaller than the largest is not a mismatch."""
    w_big, w_tiny = Value(1.0), Value(1.0)

    def fn(x: Any, y: Any) -> Value:
        return (w_big * x[0]) * y + (w_tiny * x[0]) * 1e-6

    step = compile(fn, [w_big, w_tiny], example=([1.0], 1.0), backend=backend)
    real = step._replay

    def rounded(*args: Any) -> Any:
        total, G, check, outs = real(*args)
        G = [*G]
        G[1] *= 1 + 1e-8  # the tiny gradient's last digits differ: its relative error is 1e-8
        return total, G if backend == "python" else np.array(G), check, outs

    np = pytest.importorskip("numpy")
    step._replay = rounded
    step([[1.0], [2.0]], [1.0, 3.0])  # checked (the first call), and accepted
    assert step.checks == 1

    def wrong(*args: Any) -> Any:
        total, G, check, outs = real(*args)
        G = [*G]
        G[0] *= 1 + 1e-6  # the large gradient is off: that is a mismatch
        return total, G if backend == "python" else np.array(G), check, outs

    step2 = compile(fn, [w_big, w_tiny], example=([1.0], 1.0), backend=backend)
    step2._replay = wrong
    with pytest.raises(ReplayMismatchError, match="parameter 0"):
        step2([[1.0], [2.0]], [1.0, 3.0])


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_step_adds_to_grad_under_the_engines_lock(backend: str) -> None:
    """While another thread's backward pass is adding to .grad, a step waits its turn."""
    import threading

    from autograd_lite.engine import add_to_grad

    w = Value(0.5)
    step = compile(lambda x, y: w * x[0] * y, [w], example=([1.0], 1.0), backend=backend)
    step([[1.0]], [1.0])  # the checked first call
    w.grad = 0.0
    inside, release = threading.Event(), threading.Event()

    def slow_pass() -> Any:  # another pass, holding the lock until released
        inside.set()
        release.wait(10)
        yield from ()

    holder = threading.Thread(target=add_to_grad, args=(slow_pass(),))
    holder.start()
    inside.wait(10)
    stepper = threading.Thread(target=step, args=([[2.0]], [1.5]))
    stepper.start()
    stepper.join(0.3)
    assert stepper.is_alive() and w.grad == 0.0  # waiting for the lock, nothing added yet
    release.set()
    holder.join(10)
    stepper.join(10)
    assert w.grad == 3.0  # d(w x y)/dw at x = 2, y = 1.5


def test_numpy_batches_get_the_errors_lists_get() -> None:
    np = pytest.importorskip("numpy")
    steps = {backend: moons_step(backend)[0] for backend in BACKENDS}
    for backend, step in steps.items():  # lengths first, then emptiness, then the samples
        for xs, ys in (([[0.0, 1.0]] * 2, []), (np.zeros((2, 2)), np.zeros(0))):
            if backend == "python" and isinstance(xs, np.ndarray):
                continue
            with pytest.raises(ValueError, match="2 inputs but 0 targets"):
                step(xs, ys)
        with pytest.raises(ValueError, match="3 inputs but 2 targets"):
            step([[0.0, 1.0, 2.0]] * 3, [1.0, 1.0])
    with pytest.raises(ValueError, match="3 inputs but 2 targets"):
        steps["numpy"](np.zeros((3, 3)), np.zeros(2))


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # np.matrix is discouraged
def test_the_numpy_backend_reads_any_array_of_numbers_as_a_plain_array() -> None:
    np = pytest.importorskip("numpy")
    step, model, fn = moons_step("numpy")
    X, y = make_moons(9, noise=0.1, seed=4)
    ys = [1.0 if t else -1.0 for t in y]
    params = model.parameters()
    want = eager(fn, params, X, ys)
    assert_close(replayed(step, params, X, ys), want)  # the checked first call
    # a 1-D object array of floats is a sequence of numbers, as its list is
    assert_close(replayed(step, params, np.array(X), np.array(ys, dtype=object)), want)
    # subclasses of ndarray are read as the plain arrays they hold: np.matrix multiplies
    # matrices with `*`, which the replay must not inherit
    assert_close(replayed(step, params, np.asmatrix(X), np.array(ys)), want)
    unmasked = np.ma.masked_array(X, mask=np.zeros((9, 2), dtype=bool))
    assert_close(replayed(step, params, unmasked, np.array(ys)), want)
    assert step.eager_runs == 0  # each of them replayed, none fell back to the engine
    masked = np.ma.masked_array(X, mask=[[True, False]] + [[False, False]] * 8)
    with pytest.raises(ValueError, match="masked"):  # what lies under a mask is no number
        step(masked, np.array(ys))


@pytest.mark.parametrize("backend", BACKENDS)
def test_narrow_numpy_numbers_are_read_as_python_floats(backend: str) -> None:
    np = pytest.importorskip("numpy")
    w = Value(0.3)

    def fn(x: Any, t: Any) -> Value:
        return (x * x * w - t) ** 2  # x * x of an int8 100 wraps around in int8

    step = compile(fn, [w], example=(1.0, 1.0), backend=backend)
    step([1.0], [1.0])  # the checked first call; the ones below are not checked
    for dtype, xs in ((np.float16, [0.1, 0.2, 0.7]), (np.float32, [0.1, 0.2]), (np.int8, [100])):
        xa = np.array(xs, dtype=dtype)
        ya = np.ones(len(xs), dtype=dtype)
        exact = xa.astype(float).tolist()  # each number as the float it stands for
        assert_close(replayed(step, [w], xa, ya), eager(fn, [w], exact, [1.0] * len(xs)))


def test_a_layer_only_the_outputs_read_is_replayed_not_run_eagerly() -> None:
    w = [Value(v) for v in (0.5, -0.3, 0.8, 0.1, -0.7, 0.2)]

    def fn(x: Any, t: Any) -> tuple[Value, list[Value]]:
        loss = (F.dot([w[0], w[1]], x) - t) ** 2
        # another layer, on the inputs in another order: an output, no part of the loss
        return loss, [F.dot([w[2], w[3]], x[::-1]), F.dot([w[4], w[5]], x[::-1])]

    step = compile(fn, w, example=([0.1, 0.2], 1.0), backend="numpy")
    xs, ys = [[0.1, 0.2], [0.3, 0.4]], [1.0, 0.0]
    assert_close(replayed(step, w, xs, ys), eager(lambda x, t: fn(x, t)[0], w, xs, ys))
    assert step.eager_runs == 0  # its gradient, zero, is no reason to leave the replay
    want = [(x[1] * 0.8 + x[0] * 0.1, x[1] * -0.7 + x[0] * 0.2) for x in xs]
    assert step.outputs == [pytest.approx(o, rel=1e-15) for o in want]


def test_a_layer_whose_first_neuron_is_frozen_still_trains_the_others() -> None:
    model = nn.MLP(2, [3, 3, 1], seed=2)
    for p in model.layers[0].neurons[0].parameters():
        p.requires_grad = False  # fine-tuning: the first neuron of a layer stays put
    params = model.parameters()

    def fn(x: Any, t: Any) -> Value:
        return losses.mse_loss(model(x), t)

    step = compile(fn, params, example=([0.0, 1.0], 1.0), backend="numpy")
    X, y = make_moons(6, noise=0.1, seed=3)
    assert_close(replayed(step, params, X, y), eager(fn, params, X, y))


def test_the_numpy_backend_reads_arrays_of_any_layout_and_width_and_never_writes(
    tmp_path: Any,
) -> None:
    np = pytest.importorskip("numpy")
    step, model, fn = moons_step("numpy")
    X, y = make_moons(9, noise=0.1, seed=4)
    ys = [1.0 if t else -1.0 for t in y]
    params = model.parameters()
    xa, ya = np.array(X), np.array(ys)
    saved = np.memmap(tmp_path / "x.dat", dtype=float, mode="w+", shape=xa.shape)
    saved[:] = xa
    saved.flush()
    layouts = {
        "Fortran order": np.asfortranarray(xa),
        "every other column": np.repeat(xa, 2, axis=1)[:, ::2],
        "every other row": np.repeat(xa, 2, axis=0)[::2],
        "reversed twice": xa[::-1][::-1],
        "big-endian": xa.astype(">f8"),
        "a read-only memmap": np.memmap(tmp_path / "x.dat", dtype=float, mode="r", shape=xa.shape),
    }
    want = eager(fn, params, X, ys)
    step(X, ys)  # the checked first call
    for a in layouts.values():
        a.setflags(write=False)  # a write would raise, and the step would run eagerly
        assert_close(replayed(step, params, a, ya), want)
    for dtype in (np.float32, np.float16, np.uint8, np.int16):
        narrow = (xa * 4).astype(dtype)
        exact = narrow.astype(float).tolist()
        assert_close(replayed(step, params, narrow, ya), eager(fn, params, exact, ys))
    assert step.eager_runs == 0
    for refused in (xa.astype(complex), xa > 0, xa.astype(str)):
        with pytest.raises(TypeError, match="numbers"):
            step(refused, ya)
    with pytest.raises(ValueError, match="shape"):
        step(xa[:, :, None], ya)  # 3-D where a batch of vectors is expected


def random_layered_net(rng: Any) -> tuple[Callable[..., Any], list[Value], int]:
    """Layers of dot nodes drawing weights and biases from one small pool, so that weights
    are shared inside a neuron, across neurons and across layers, some frozen; activations
    on some rows; a penalty and an output that read weights outside the layers."""
    pool = [Value(rng.uniform(-1, 1)) for _ in range(rng.randint(3, 12))]
    for p in pool:
        p.requires_grad = rng.random() > 0.3
    n_in = width = rng.randint(1, 3)
    layers = []
    for _ in range(rng.randint(1, 3)):
        rows = [
            ([rng.choice(pool) for _ in range(width)], rng.choice([*pool, None]))
            for _ in range(rng.randint(1, 3))
        ]
        layers.append((rows, rng.choice([None, "tanh", "relu", "sigmoid"]), rng.random() < 0.3))
        width = len(rows)
    penalty = rng.sample(pool, 2) if rng.random() < 0.3 else []
    output = rng.random() < 0.3

    def fn(x: Any, t: Any) -> Any:
        h = list(x)
        for rows, act, reversed_inputs in layers:
            inputs = h[::-1] if reversed_inputs else h
            h = [F.dot(ws, inputs, b) if b is not None else F.dot(ws, inputs) for ws, b in rows]
            h = [getattr(v, act)() if act and k % 2 == 0 else v for k, v in enumerate(h)]
        loss = (F.sum(h) - t) ** 2 + 0.01 * F.sum([p * p for p in penalty] or [0.0])
        return (loss, [F.dot(pool[:n_in], x)]) if output else loss

    return fn, pool, n_in


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_random_layered_nets_with_shared_and_frozen_weights_replay_like_the_engine(
    seed: int,
) -> None:
    import random

    rng = random.Random(seed)
    fn, pool, n_in = random_layered_net(rng)
    xs = [[rng.uniform(-2, 2) for _ in range(n_in)] for _ in range(rng.randint(1, 5))]
    ys = [rng.uniform(-1, 1) for _ in xs]
    step = compile(fn, pool, example=(xs[0], 0.5), backend="numpy")
    step(xs, ys)  # checked against the engine

    def loss_only(x: Any, t: Any) -> Value:
        result = fn(x, t)
        return result[0] if isinstance(result, tuple) else result

    assert_close(replayed(step, pool, xs, ys), eager(loss_only, pool, xs, ys))
    assert step.eager_runs == 0
