"""Review of two changes: layers read and written through views of P (numpy backend), ReLU's
numpy rule as a mask product, and the checks' schedule (one sample later on, ``check_share``).

Every replay is compared with the eager engine (``eager`` / ``replayed``, as in
``test_compile``); fused runs with the unfused loop, bit for bit (as in ``test_fused``).
"""

from __future__ import annotations

import itertools
import math
import random
import re
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_compile import assert_close, eager, replayed
from test_fused import bits

from autograd_lite import PRIMITIVES, Primitive, Value, compile, losses, nn, optim
from autograd_lite import functional as F
from autograd_lite.compile import CHECK_SAMPLES, ReplayMismatchError
from autograd_lite.compile.numpy_backend import _column_at, _rows_at
from autograd_lite.engine import apply

np = pytest.importorskip("numpy")


def compared(
    fn: Callable[[Any, Any], Value],
    params: Sequence[Value],
    xs: Any,
    ys: Any,
    **options: Any,
) -> Any:
    """A numpy step of ``fn``: its replay equals the engine, and no call fell back to it."""
    step = compile(fn, list(params), example=(xs[0], ys[0]), backend="numpy", **options)
    assert_close(replayed(step, params, xs, ys), eager(fn, params, xs, ys))
    assert step.eager_runs == 0, step.source  # the replay itself made these numbers
    return step


def views(source: str) -> list[str]:
    """The weight matrices a numpy step reads as views of P (not index arrays)."""
    return re.findall(r"^ +M\d+ = Pa\[(\d+:\d+\]\.reshape\(\d+, \d+\)\[:, :\d+)\]$", source, re.M)


# -- 1. a layer's weights and biases as views of P ------------------------------------------


def test_rows_at_equal_steps_are_views_and_others_are_not() -> None:
    assert _rows_at([[0, 1], [3, 4]], 6) == "[0:6].reshape(2, 3)[:, :2]"
    assert _rows_at([[4]], 5) == "[4:5].reshape(1, 1)[:, :1]"  # one neuron, one input
    assert _rows_at([[0, 1, 2]], 3) == "[0:3].reshape(1, 3)[:, :3]"  # reaches the end of P
    assert _rows_at([[3, 4], [0, 1]], 6) is None  # neurons in reverse: no view
    assert _rows_at([[0, 1], [2, 4]], 6) is None  # a row not contiguous
    assert _rows_at([[0, 1], [3, 4], [7, 8]], 9) is None  # steps differ
    assert _column_at([5]) == "[5:6, None]"
    assert _column_at([2, 5, 8]) == "[2:9:3, None]"
    assert _column_at([8, 5, 2]) is None and _column_at([1, 2, 4]) is None


def test_rows_whose_last_one_ends_before_its_step_are_read_through_index_arrays() -> None:
    """Weights of two neurons at a step of 2 with P ending at the last weight: the slice
    [0:4] would pass the end of P, so the layer keeps index arrays (a view is still
    possible: [0:3:2] for one input per neuron). Correct either way; pinned here so that a
    change of this edge is seen."""
    assert _rows_at([[0], [2]], 3) is None
    w = [Value(0.5), Value(-1.5)]
    b = Value(0.25)
    params = [w[0], b, w[1]]  # P = [w0, b, w1]: rows at 0 and 2, the last at P's end

    def fn(x: Any, y: Any) -> Any:
        h = [F.dot([w[0]], [x[0]], b), F.dot([w[1]], [x[0]], b * 1.0)]
        return (F.sum([F.relu(v) for v in h]) - y) ** 2

    xs, ys = [[1.0], [-2.0], [0.5]], [1.0, 0.0, -1.0]
    compared(fn, params, xs, ys)


@st.composite
def hand_made_layers(draw: st.DrawFn) -> dict[str, Any]:
    """One or two layers of hand-made neurons (``F.dot``), their parameters placed in P in
    one of several layouts: a module's (weights then bias, neuron by neuron), weights and
    biases apart, rows at a step with other Values between, shuffled, reversed; Values the
    loss does not read around them, some parameters frozen."""
    nin = draw(st.integers(1, 4))
    sizes = draw(st.lists(st.integers(1, 4), min_size=1, max_size=2))
    bias = [draw(st.booleans()) for _ in sizes]
    acts = [draw(st.sampled_from(["relu", "tanh", None])) for _ in sizes]
    layout = draw(st.sampled_from(["module", "apart", "strided", "shuffled", "reversed"]))
    gap = draw(st.integers(0, 2))
    tail = draw(st.booleans())  # Values after the layers, or the last row at P's end
    seed = draw(st.integers(0, 2**16))
    frozen = draw(st.lists(st.integers(0, 40), max_size=3))
    return {"nin": nin, "sizes": sizes, "bias": bias, "acts": acts, "layout": layout,
            "gap": gap, "tail": tail, "seed": seed, "frozen": frozen}  # fmt: skip


def build(spec: dict[str, Any]) -> tuple[Callable[[Any, Any], Value], list[Value]]:
    rng = random.Random(spec["seed"])
    layers = []  # per layer: (weights rows, biases or None)
    m = spec["nin"]
    for k, has_bias in zip(spec["sizes"], spec["bias"], strict=True):
        ws = [[Value(rng.uniform(-1, 1)) for _ in range(m)] for _ in range(k)]
        bs = [Value(rng.uniform(-0.5, 0.5)) for _ in range(k)] if has_bias else None
        layers.append((ws, bs))
        m = k

    def filler() -> Value:
        return Value(rng.uniform(-1, 1))  # a parameter the loss does not read

    P: list[Value] = []
    layout, gap = spec["layout"], spec["gap"]
    for ws, bs in layers:
        if layout in ("module", "shuffled", "reversed"):
            for i, row in enumerate(ws):
                P += row + ([bs[i]] if bs else [])
        elif layout == "apart":
            P += [w for row in ws for w in row] + [filler() for _ in range(gap)] + (bs or [])
        else:  # rows at a step, other Values between, the biases at a step of their own
            for row in ws:
                P += row + [filler() for _ in range(gap)]
            for b in bs or []:
                P += [b, *[filler() for _ in range(gap)]]
    if layout == "shuffled":
        rng.shuffle(P)
    elif layout == "reversed":
        P.reverse()
    if spec["tail"]:
        P.append(filler())
    for j in spec["frozen"]:
        if j < len(P):
            P[j].requires_grad = False

    def fn(x: Any, y: Any) -> Any:
        h = list(x)
        for (ws, bs), act in zip(layers, spec["acts"], strict=True):
            pre = [F.dot(row, h, bs[i] if bs else None) for i, row in enumerate(ws)]
            h = [getattr(F, act)(v) if act else v for v in pre]
        return (F.sum(h) - y) ** 2

    return fn, P


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=hand_made_layers(), size=st.sampled_from([1, 2, 5]))
def test_hand_made_layers_anywhere_in_P_replay_like_the_engine(
    spec: dict[str, Any], size: int
) -> None:
    fn, params = build(spec)
    rng = random.Random(spec["seed"] + 1)
    xs = [[rng.uniform(-2, 2) for _ in range(spec["nin"])] for _ in range(size)]
    ys = [rng.uniform(-1, 1) for _ in range(size)]
    step = compared(fn, params, xs, ys)
    if spec["layout"] in ("module", "apart", "strided"):  # rows at equal steps: views
        assert len(views(step.source)) == len(spec["sizes"])


@st.composite
def mlps(draw: st.DrawFn) -> dict[str, Any]:
    nin = draw(st.integers(1, 3))
    sizes = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    return {
        "nin": nin,
        "sizes": sizes,
        "bias": [draw(st.booleans()) for _ in sizes],
        "order": draw(st.sampled_from(["model", "reversed", "shuffled", "interleaved", "subset"])),
        "seed": draw(st.integers(0, 2**16)),
        "frozen": draw(st.lists(st.integers(0, 60), max_size=3)),
    }


def sequential(nin: int, sizes: list[int], bias: list[bool], seed: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (k, b) in enumerate(zip(sizes, bias, strict=True)):
        layers.append(nn.Linear(nin if i == 0 else sizes[i - 1], k, bias=b, seed=seed + i))
        if i < len(sizes) - 1:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def mlp_setup(spec: dict[str, Any]) -> tuple[Callable[[Any, Any], Value], list[Value]]:
    """Two models in one step (their outputs summed), parameters given in some order."""
    rng = random.Random(spec["seed"])
    a = sequential(spec["nin"], spec["sizes"], spec["bias"], spec["seed"])
    b = sequential(spec["nin"], spec["sizes"][::-1], spec["bias"][::-1], spec["seed"] + 7)
    pa, pb = a.parameters(), b.parameters()
    order = spec["order"]
    if order == "interleaved":
        params = [p for pair in zip(pa, pb, strict=False) for p in pair]
        params += pa[len(pb) :] + pb[len(pa) :]
    else:
        params = pa + pb
    if order == "reversed":
        params.reverse()
    elif order == "shuffled":
        rng.shuffle(params)
    elif order == "subset":  # the parameters not given are constants of the recording
        params = [p for p in params if rng.random() < 0.7] or params[:1]
        for p in pa + pb:
            if all(p is not q for q in params):
                p.requires_grad = False
    for j in spec["frozen"]:
        if j < len(params):
            params[j].requires_grad = False

    def fn(x: Any, y: Any) -> Any:
        return (F.sum(_listed(a(x)) + _listed(b(x))) - y) ** 2

    return fn, params


def _listed(out: Any) -> list[Value]:
    return out if isinstance(out, list) else [out]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=mlps(), size=st.sampled_from([1, 3]))
def test_mlps_with_parameters_in_any_order_replay_like_the_engine(
    spec: dict[str, Any], size: int
) -> None:
    fn, params = mlp_setup(spec)
    rng = random.Random(spec["seed"] + 1)
    xs = [[rng.uniform(-2, 2) for _ in range(spec["nin"])] for _ in range(size)]
    ys = [rng.uniform(-1, 1) for _ in range(size)]
    compared(fn, params, xs, ys)


def test_a_weight_shared_by_two_layers_adds_both_gradients() -> None:
    a = nn.Linear(2, 3, seed=1)
    b = nn.Linear(3, 2, seed=2)
    b.neurons[1].w[0] = a.neurons[2].w[0]  # one Parameter in both layers
    shared = a.neurons[2].w[0]
    params = a.parameters() + [p for p in b.parameters() if p is not shared]

    def fn(x: Any, y: Any) -> Any:
        return (F.sum(b([F.tanh(v) for v in a(x)])) - y) ** 2

    xs, ys = [[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0]], [1.0, -0.5, 0.25]
    step = compared(fn, params, xs, ys)
    assert re.search(r"^ +G\[0:9\]\.reshape\(3, 3\)\[:, :2\] \+= GH", step.source, re.M)
    assert len(views(step.source)) == 1  # the second layer's rows are not at one step


def test_a_layer_next_to_a_convolution_reads_its_view() -> None:
    conv = nn.Conv1d(1, 2, 2, seed=3)
    dense = nn.Linear(4, 2, seed=4)  # reads the input itself, beside the convolution
    head = nn.Linear(6, 1, bias=False, seed=5)

    def fn(x: Any, y: Any) -> Any:
        feats = [v for channel in conv([x]) for v in channel]
        out = head([F.relu(v) for v in feats])
        return (out + F.sum(dense(x)) - y) ** 2

    rng = random.Random(6)
    xs = [[rng.uniform(-2, 2) for _ in range(4)] for _ in range(4)]
    ys = [rng.uniform(-1, 1) for _ in range(4)]
    for order in (1, -1):
        params = (conv.parameters() + dense.parameters() + head.parameters())[::order]
        step = compared(fn, params, xs, ys)
        assert "im2col" in step.source
        assert bool(views(step.source)) is (order == 1)


# -- 1. fused runs on such layouts, against the unfused loop ---------------------------------


def layout_params(model: nn.MLP, order: str) -> list[Value]:
    ps = model.parameters()
    if order == "reversed":  # no layer's rows at one step: index arrays
        return ps[::-1]
    if order == "apart":  # all the weights, then all the biases: rows at a step of nin
        neurons = [n for layer in model.layers for n in layer.neurons]  # type: ignore[attr-defined]
        return [w for n in neurons for w in n.w] + [n.b for n in neurons]
    return ps


class Trained:
    """An MLP, its compiled numpy step and an optimiser, built the same way each time."""

    def __init__(self, order: str, kind: str, kw: dict[str, Any], *, groups: bool,
                 frozen: bool) -> None:  # fmt: skip
        self.model = model = nn.MLP(3, [4, 3, 1], seed=11)
        params = layout_params(model, order)
        if frozen:  # a weight in the middle of the first layer
            first: Any = model.layers[0]
            first.neurons[1].w[1].requires_grad = False
        self.step = compile(lambda x, t: losses.hinge_loss(model(x), t), params,
                            example=([0.0] * 3, 1.0), backend="numpy", check_every=2,
                            check_share=None)  # fmt: skip
        spec: Any = params
        if groups:  # every other parameter in another group, with its own learning rate
            spec = [{"params": params[::2], "lr": 0.03}, {"params": params[1::2]}]
        self.opt = (optim.SGD if kind == "sgd" else optim.Adam)(spec, **kw)


XS3 = [[0.5, -1.0, 0.25], [1.0, 2.0, -0.5], [-0.3, 0.7, 1.5], [2.0, -1.5, 0.0]]
TS3 = [1.0, -1.0, 1.0, -1.0]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    order=st.sampled_from(["model", "reversed", "apart"]),
    kind=st.sampled_from(["sgd", "adam"]),
    decay=st.sampled_from([0.0, 0.01]),
    groups=st.booleans(),
    frozen=st.booleans(),
    steps=st.integers(1, 5),
)
def test_a_fused_run_on_any_layout_is_the_unfused_loop_bit_for_bit(
    order: str, kind: str, decay: float, groups: bool, frozen: bool, steps: int
) -> None:
    kw: dict[str, Any] = {"lr": 0.05, "weight_decay": decay}
    if kind == "sgd":
        kw["momentum"] = 0.9
    a = Trained(order, kind, kw, groups=groups, frozen=frozen)
    b = Trained(order, kind, kw, groups=groups, frozen=frozen)
    if order != "reversed":
        assert views(a.step.source)  # the layouts under test: views of P
    unfused = []
    for _ in range(steps):
        a.opt.zero_grad()
        unfused.append(a.step(XS3, TS3))
        a.opt.step()
    with b.step.fused(b.opt) as run:
        fused = [run(XS3, TS3) for _ in range(steps)]
    assert bits(unfused) == bits(fused)
    for m in (a, b):
        assert m.step.eager_runs == 0
    ps_a, ps_b = a.model.parameters(), b.model.parameters()
    assert bits([p.data for p in ps_a]) == bits([p.data for p in ps_b])
    assert bits([p.grad for p in ps_a]) == bits([p.grad for p in ps_b])
    assert bits(a.opt.state_dict()) == bits(b.opt.state_dict())


# -- 2. relu's numpy rule, g * (a > 0.0) + 0.0 ------------------------------------------------

RELU = PRIMITIVES["relu"]
GS = [1.5, -2.0, 0.0, -0.0, 5e-324, -1e308]
AS = [-1.0, -0.0, 0.0, 5e-324, 2.0]


def numpy_rule(g: float, a: float) -> float:
    (template,) = RELU.np_grad_code or ()
    expr = template.format("a", g="g", out="out")
    assert re.fullmatch(r"[ga()>*+. 0]+", expr)  # the row's own text: only these names
    with np.errstate(all="raise"):
        out = eval(expr, {"np": np}, {"g": np.array([g]), "a": np.array([a]), "out": None})
    return float(out[0])


def test_relus_numpy_rule_is_its_float_rule_on_finite_gradients() -> None:
    """The same number everywhere, and the same bits except one: an upstream -0.0 where
    a > 0, which the rule passes on and the mask product makes +0.0 (np.where kept it).
    Harmless: a gradient reaches .grad added to 0.0, which drops the sign of a zero."""
    for g in GS:
        for a in AS:
            (want,) = RELU.vjp(g, max(a, 0.0), a)
            got = numpy_rule(g, a)
            assert got == want, (g, a, got, want)
            if not (g == 0.0 and math.copysign(1, g) < 0 and a > 0):
                assert got.hex() == want.hex(), (g, a, got, want)
            else:
                assert (got.hex(), want.hex()) == ("0x0.0p+0", "-0x0.0p+0")


def test_an_upstream_minus_zero_reaches_grad_as_on_the_python_backend() -> None:
    w = Value(0.5)

    def fn(x: Any, y: Any) -> Any:
        return F.relu(w * x[0]) * y  # y = -0.0: relu's upstream gradient is -0.0

    xs, ys = [[1.0], [2.0]], [-0.0, -0.0]
    grads = []
    for backend in ("python", "numpy"):
        step = compile(fn, [w], example=(xs[0], ys[0]), backend=backend)
        w.grad = 0.0
        step(xs, ys)
        grads.append(w.grad.hex())
    w.grad = 0.0
    F.sum([fn([Value(x[0])], Value(y)) for x, y in zip(xs, ys, strict=True)]).backward()
    assert grads == [w.grad.hex()] * 2 == ["0x0.0p+0"] * 2


def cbrt(a: float) -> float:
    return math.copysign(abs(a) ** (1 / 3), a)


def cube_root(at_zero: float) -> Primitive:
    """A row of the user's own (run element by element on numpy): the cube root, whose
    rule gives ``g * at_zero`` at 0 (+inf is its derivative there; NaN a rule that gives up)."""
    return Primitive("cbrt", "cbrt", 1, cbrt,
                     lambda g, out, a: (g / (3.0 * out * out) if out != 0.0 else g * at_zero,),
                     lambda a: a != 0.0, "cube root; d/da = 1 / (3 cbrt(a)^2)")  # fmt: skip


CBRT = cube_root(math.inf)


@pytest.mark.parametrize("at_zero", [math.inf, math.nan])
@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_a_non_finite_gradient_into_a_dead_relu_gives_the_engines_numbers(
    backend: str, at_zero: float
) -> None:
    """The engine's relu rule turns inf or NaN into 0.0 where a <= 0; the mask product makes
    NaN (inf * 0 raises under the replay's errstate; NaN * 0 is NaN), so the numpy step hands
    the call to the engine, as the python backend already did (np.where replayed it)."""
    w = Value(0.5)
    row = cube_root(at_zero)

    def fn(x: Any, y: Any) -> Any:
        return apply(row, F.relu(w * x[0])) + y

    xs, ys = [[-1.0], [-2.0]], [0.0, 1.0]
    step = compile(fn, [w], example=(xs[0], ys[0]), backend=backend)
    assert replayed(step, [w], xs, ys) == eager(fn, [w], xs, ys) == (0.5, [0.0])
    assert step.eager_runs == 1  # numbers right; the speed of the engine on such a batch


def test_a_relu_outside_a_layer_of_a_constant_and_of_a_parameter_replays_like_the_engine() -> None:
    w, b = Value(0.75), Value(-0.25)
    dead, alive = Value(-1.0, requires_grad=False), Value(2.0, requires_grad=False)

    def fn(x: Any, y: Any) -> Any:
        loose = F.relu(w * x[0] + b)  # one neuron by hand: not a dot, not a layer
        return (loose + F.relu(dead) * w + F.relu(alive) * b + F.relu(b) * x[0] - y) ** 2

    xs = [[0.0], [1.0 / 3.0], [-2.0], [4.0]]  # 0.75 / 3 - 0.25 = 0: relu at its kink
    ys = [0.5, -0.5, 1.0, 0.0]
    compared(fn, [w, b], xs, ys)
    b.data = 0.0  # relu of a parameter at its kink: d/db relu(b) = 0 there
    compared(fn, [w, b], xs, ys)


# -- 3. the checks' schedule: one sample later on, check_share ----------------------------------


def watched(step: Any) -> list[list[Any]]:
    """Each call of the eager engine by the step's checks: the samples it ran."""
    seen: list[list[Any]] = []
    real = step._eager

    def spy(xs: Any, ys: Any) -> Any:
        seen.append(list(xs))
        return real(xs, ys)

    step._eager = spy
    return seen


def line(backend: str, **options: Any) -> tuple[Any, Value]:
    w = Value(0.5)
    step = compile(lambda x, y: (w * x[0] - y) ** 2, [w], example=([1.0], 0.0), backend=backend,
                   **options)  # fmt: skip
    return step, w


@pytest.mark.parametrize("backend", ["python", "numpy"])
@pytest.mark.parametrize("size", [1, 2, 9])
def test_every_check_runs_up_to_check_samples(backend: str, size: int) -> None:
    step, _ = line(backend, check_every=1, check_share=None)
    seen = watched(step)
    xs, ys = [[float(i)] for i in range(size)], [1.0] * size
    for _ in range(4):  # checks at calls 1, 2, 4
        step(xs, ys)
    assert [len(s) for s in seen] == [min(size, CHECK_SAMPLES)] * 3
    assert step.checks == 3 and step.eager_runs == 0


@pytest.mark.parametrize("size", [10, 100])
def test_later_checks_step_through_the_batch(size: int) -> None:
    step, _ = line("numpy", check_every=1, check_share=None)
    seen = watched(step)
    xs, ys = [[float(i)] for i in range(size)], [1.0] * size
    for _ in range(2**9):  # checks at calls 1, 2, 4, 8, 16, 32, then every 16th
        step(xs, ys)
    picked = [frozenset(int(x[0]) for x in s) for s in seen[1:]]
    assert len(picked) == step.checks - 1 >= 30
    assert all(len(p) == CHECK_SAMPLES for p in picked)
    assert all(a != b for a, b in itertools.pairwise(picked))  # others each time
    assert frozenset().union(*picked) == frozenset(range(size))  # and all over the batch


@pytest.mark.parametrize("size", [2, 8])
def test_a_batch_of_at_most_check_samples_is_checked_whole_each_time(size: int) -> None:
    step, _ = line("numpy", check_every=1, check_share=None)
    seen = watched(step)
    for _ in range(2**6):
        step([[float(i)] for i in range(size)], [1.0] * size)
    assert [sorted(int(x[0]) for x in s) for s in seen] == [list(range(size))] * step.checks


def test_a_new_recording_starts_the_schedule_over() -> None:
    w = Value(0.5)
    scale = Value(1.0, requires_grad=False)  # closed over: a change records fn again

    def fn(x: Any, y: Any) -> Any:
        return (w * x[0] * scale - y) ** 2

    step = compile(fn, [w], example=([1.0], 0.0), backend="numpy", check_every=3,
                   check_share=None)  # fmt: skip
    seen = watched(step)
    xs, ys = [[float(i)] for i in range(10)], [0.5] * 10
    checked = []
    for call in range(1, 16):
        if call == 5:
            scale.data = 2.0
        before = step.checks
        step(xs, ys)
        if step.checks > before:
            checked.append((call, len(seen[-1])))
    assert step.recordings == 2
    # 1 (8 samples), 3; recorded again at 5: checked there on 8, then 6, then 6 + 6 = 12
    assert checked == [(1, 8), (3, 8), (5, 8), (6, 8), (12, 8)]


def test_a_new_recording_checks_at_once_whatever_the_last_check_cost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import autograd_lite.compile.step as step_module

    now = [0.0]
    monkeypatch.setattr(step_module, "_clock", lambda: now[0])
    w = Value(0.5)
    scale = Value(1.0, requires_grad=False)
    step = compile(lambda x, y: (w * x[0] * scale - y) ** 2, [w], example=([1.0], 0.0),
                   backend="numpy", check_every=2)  # fmt: skip
    eager = step._eager

    def slow_eager(xs: Any, ys: Any) -> Any:
        now[0] += 1000.0 * len(xs)  # a check costs a thousand replays a sample
        return eager(xs, ys)

    monkeypatch.setattr(step, "_eager", slow_eager)
    xs, ys = [[1.0], [2.0]], [0.0, 1.0]
    step(xs, ys)
    step(xs, ys)  # due by check_every, not by its share of the time: waits
    assert step.checks == 1
    scale.data = 3.0  # recorded again: the first call of a recording is checked
    step(xs, ys)
    assert (step.recordings, step.checks) == (2, 2)


def test_a_call_handed_to_the_engine_moves_a_due_check_to_the_next_replay() -> None:
    w = Value(0.5)

    def fn(x: Any, y: Any) -> Any:
        return apply(CBRT, F.relu(w * x[0])) + (w * x[0] - y) ** 2

    step = compile(fn, [w], example=([1.0], 0.0), backend="numpy", check_every=2,
                   check_share=None)  # fmt: skip
    alive, dead = ([[1.0], [2.0]], [0.0, 1.0]), ([[-1.0], [-2.0]], [0.0, 1.0])
    log = []
    for call, batch in enumerate([alive, dead, alive, alive, alive, dead, alive, alive], 1):
        before = step.checks, step.eager_runs
        assert_close(replayed(step, [w], *batch), eager(fn, [w], *batch))
        log.append((call, step.checks - before[0], step.eager_runs - before[1]))
    # checks at 1, due at 2 (the engine ran it): at 3; then 3 + 4 = 7, due while 6 is eager
    assert [c for c, checked, _ in log if checked] == [1, 3, 7]
    assert [c for c, _, ran in log if ran] == [2, 6]


def test_calls_handed_to_the_engine_do_not_count_as_replay_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A step that often falls back: the replays' time (a failed one's too) buys checks their
    share; the engine's time on a fallback does not (the checks stay within their share)."""
    import autograd_lite.compile.step as step_module

    now = [0.0]
    monkeypatch.setattr(step_module, "_clock", lambda: now[0])
    w = Value(0.5)

    def fn(x: Any, y: Any) -> Any:
        return apply(CBRT, F.relu(w * x[0])) + (w * x[0] - y) ** 2

    step = compile(fn, [w], example=([1.0], 0.0), backend="numpy", check_every=1,
                   check_share=0.5)  # fmt: skip
    replay, eager = step._try_replay, step._eager

    def slow_replay(*args: Any) -> Any:
        now[0] += 1.0
        return replay(*args)

    def slow_eager(xs: Any, ys: Any) -> Any:
        now[0] += 10.0 * len(xs)
        return eager(xs, ys)

    monkeypatch.setattr(step, "_try_replay", slow_replay)
    monkeypatch.setattr(step, "_eager", slow_eager)
    alive, dead = ([[1.0], [2.0]], [0.0, 1.0]), ([[-1.0], [-2.0]], [0.0, 1.0])
    checked = []
    for call in range(1, 130):
        before = step.checks
        step(*(dead if call % 2 == 0 else alive))
        if step.checks > before:
            checked.append(call)
    # each check runs the engine on the batch's 2 samples: 20 units, so the next waits for 40
    # units of replay (40 calls, every other one handed to the engine, its time not counted)
    assert checked == [1, 41, 81, 121]


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_a_later_check_names_changed_state(backend: str) -> None:
    config = {"scale": 1.0}  # an element of a dict: the step cannot see it change
    w = Value(0.5)

    def fn(x: Any, y: Any) -> Any:
        return (w * x[0] * config["scale"] - y) ** 2

    step = compile(fn, [w], example=([1.0], 0.0), backend=backend, check_every=2,
                   check_share=None)  # fmt: skip
    seen = watched(step)
    xs, ys = [[float(i + 1)] for i in range(12)], [0.5] * 12
    step(xs, ys)
    config["scale"] = 3.0
    with pytest.raises(ReplayMismatchError, match="state that changed after the recording"):
        step(xs, ys)
    assert len(seen[1]) == CHECK_SAMPLES


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_a_later_check_names_randomness(backend: str) -> None:
    rng = random.Random(0)
    runs: list[int] = []
    w = Value(0.5)

    def fn(x: Any, y: Any) -> Any:
        runs.append(1)  # from its 10th run on (after the first check), it draws noise
        noise = rng.random() if len(runs) > 9 else 0.0
        return (w * x[0] + noise - y) ** 2

    step = compile(fn, [w], example=([1.0], 0.0), backend=backend, check_every=2,
                   check_share=None)  # fmt: skip
    xs, ys = [[float(i + 1)] for i in range(12)], [0.5] * 12
    step(xs, ys)  # recorded (1 run), checked on 8 samples (8 runs): no noise yet
    with pytest.raises(ReplayMismatchError, match="two answers for one sample"):
        step(xs, ys)


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_a_later_check_sees_changed_state_that_shows_on_some_samples_only(backend: str) -> None:
    config = {"scale": 1.0}
    w = Value(0.5)

    def fn(x: Any, y: Any) -> Any:
        return losses.hinge_loss(w * x[0] * config["scale"], y)

    step = compile(fn, [w], example=([1.0], 1.0), backend=backend, check_every=2,
                   check_share=None)  # fmt: skip
    xs, ys = [[1.0], [10.0]], [1.0, 1.0]  # the second: margin met at any scale >= 0.2
    step(xs, ys)
    config["scale"] = 3.0  # the first sample's loss: 0.5 replayed, 0 in the engine
    replay = step._try_replay(*step._inputs(xs, ys)[2:])
    assert replay is not None and replay[0] == 0.5 != eager(fn, [w], xs, ys)[0]
    with pytest.raises(ReplayMismatchError, match="state that changed after the recording"):
        step(xs, ys)  # checked (check_every=2) on both samples: the first differs


@pytest.mark.parametrize("share", [Fraction(1, 10), np.float32(0.25)])
def test_a_check_share_may_be_any_real_number_in_range(share: Any) -> None:
    w = Value(0.5)
    step = compile(lambda x, y: x * w - y, [w], example=(1.0, 0.0), check_share=share)
    assert step.check_share == float(share)


def test_the_later_checks_take_at_most_a_tenth_of_a_run_as_readme_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first check of a recording is what it costs; every later one waits for its share
    (README: over a long run, the later checks take at most a tenth)."""
    import autograd_lite.compile.step as step_module

    now = [0.0]
    spent = {"replays": 0.0, "checks": 0.0}
    monkeypatch.setattr(step_module, "_clock", lambda: now[0])
    step, _ = line("numpy")  # the defaults: check_every=100, check_share=0.1
    replay, eager = step._try_replay, step._eager

    def slow_replay(*args: Any) -> Any:
        now[0] += 1.0
        spent["replays"] += 1.0
        return replay(*args)

    def slow_eager(xs: Any, ys: Any) -> Any:
        now[0] += 50.0 * len(xs)  # one sample's eager step: 50 replays of the batch
        spent["checks"] += 50.0 * len(xs)
        return eager(xs, ys)

    monkeypatch.setattr(step, "_try_replay", slow_replay)
    monkeypatch.setattr(step, "_eager", slow_eager)
    xs, ys = [[float(i)] for i in range(20)], [1.0] * 20
    step(xs, ys)
    first = spent["checks"]  # 8 samples at 50 replays each
    assert first == 8 * 50.0
    for _ in range(10_000):
        step(xs, ys)
    assert step.checks == 3  # each later one waited for 4,000 replays: calls 4,001, 8,001
    assert spent["checks"] - first <= 0.1 * spent["replays"], spent


def test_a_mismatch_names_the_parameter_by_its_place_in_params() -> None:
    frozen, w = Value(2.0, requires_grad=False), Value(0.5)
    step = compile(lambda x, y: (w * x * frozen - y) ** 2, [frozen, w], example=(1.0, 0.0),
                   backend="numpy")  # fmt: skip
    real = step._replay

    def wrong(*args: Any) -> Any:
        total, G, check, outs = real(*args)
        return total, G + np.array([0.0, 1.0]), check, outs  # params[1]'s gradient is off

    step._replay = wrong
    with pytest.raises(ReplayMismatchError, match=r"the gradient of parameter 1 of params is"):
        step([1.0, 2.0], [0.0, 1.0])


def test_a_later_check_on_a_confident_sample_does_not_refuse_a_correct_replay() -> None:
    """Logits [0.25, 0.25 + gap, 0.25 + gap] with e^gap = 0.6 ulp of 1: the engine's fsum
    of [1, e^gap, e^gap] rounds once (1 + 1 ulp), numpy's sum twice (1 + 2 ulps). Both are
    right to the loss's precision; a batch with one sample of each kind passes its first
    check (both samples), then the later one on the confident sample alone fails."""
    gap = math.log(0.6 * 2.0**-52)
    ws = [Value(0.25), Value(0.25 + gap), Value(0.25 + gap)]

    def fn(x: Any, t: Any) -> Any:
        return losses.cross_entropy([w * x[0] for w in ws], t)

    xs, ts = [[0.0], [1.0]], [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]  # unsure (log 3), confident
    step = compile(fn, ws, example=(xs[0], ts[0]), backend="numpy", check_every=1,
                   check_share=None)  # fmt: skip
    for _ in range(4):  # checks at 1 (both samples), 2 (sample 1), 4 (sample 0)
        assert_close(replayed(step, ws, xs, ts), eager(fn, ws, xs, ts))


def confident_step(backend: str = "numpy") -> tuple[Any, list[Value], Callable[..., Any]]:
    """A step whose every sample is confident: logits [0.25, 0.25 + gap, 0.25 + gap] with
    e^gap = 0.6 ulp of 1, so that the engine's fsum and numpy's sum of [1, e^gap, e^gap]
    round differently: the losses (about 2e-16) differ in every digit they keep."""
    gap = math.log(0.6 * 2.0**-52)
    ws = [Value(0.25), Value(0.25 + gap), Value(0.25 + gap)]

    def fn(x: Any, t: Any) -> Any:
        return losses.cross_entropy([w * x[0] for w in ws], t)

    step = compile(fn, ws, example=([1.0], [1.0, 0.0, 0.0]), backend=backend, check_every=1,
                   check_share=None)  # fmt: skip
    return step, ws, fn


def test_a_batch_of_confident_samples_only_passes_its_checks() -> None:
    """Before the checks weighed the size of the numbers computed on the way (the logits,
    36 here), this batch was refused as 'an internal error of the compiler'."""
    step, ws, fn = confident_step()
    xs, ts = [[1.0], [1.0]], [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]
    for _ in range(4):  # checked at calls 1, 2 and 4
        (loss, grads), (e_loss, e_grads) = replayed(step, ws, xs, ts), eager(fn, ws, xs, ts)
        assert loss != e_loss  # 2 ulps of 1 against 1: the digits rounding left them
        assert abs(loss - e_loss) <= 1e-15 and max(map(abs, [*grads, *e_grads])) <= 1e-15
    assert step.checks == 3 and step.eager_runs == 0


def test_a_wrong_gradient_of_a_confident_batch_is_still_refused() -> None:
    """The numbers computed on the way set the tolerance (1e-9 of 36 here), not a free pass:
    a gradient off by 1e-6 is refused, though every gradient of this batch is below 1e-15."""
    step, _, _ = confident_step()
    real = step._replay

    def wrong(*args: Any) -> Any:
        total, G, check, outs = real(*args)
        return total, G + np.array([0.0, 1e-6, 0.0]), check, outs

    step._replay = wrong
    with pytest.raises(ReplayMismatchError, match="the gradient of parameter 1 of params is"):
        step([[1.0], [1.0]], [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
