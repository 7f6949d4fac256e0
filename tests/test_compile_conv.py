"""The numpy backend's convolution block: dot nodes sharing weights across positions.

Every test compares the compiled numpy step with the eager engine (losses and gradients,
1e-12 relative to the numbers compared, as in test_compile.py), and checks which blocks the
backend chose: a convolution is found from the tape's structure, never from a module class,
and a structure that only looks like one stays apart.
"""

from __future__ import annotations

import ast
import random
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_compile import assert_close, eager, replayed  # the same helpers, one home

from autograd_lite import Value, lessons, nn
from autograd_lite import functional as F
from autograd_lite.compile import compile
from autograd_lite.compile.numpy_backend import _blocks, _Layer
from autograd_lite.compile.numpy_conv import _Conv
from autograd_lite.losses import cross_entropy

Fn = Callable[[Any, Any], Value]


def kinds(step: Any) -> list[str]:
    """The blocks the numpy backend chose for a step's tape, as class names in tape order."""
    return [type(b).__name__ for b in _blocks(step.tape, step._layout.nx)[0]]


def convs(step: Any) -> list[_Conv]:
    return [b for b in _blocks(step.tape, step._layout.nx)[0] if isinstance(b, _Conv)]


def check(fn: Fn, params: Sequence[Value], xs: Any, ys: Any) -> Any:
    """The numpy step against the engine on the batch (twice: the weights move in between)."""
    step = compile(fn, list(params), example=(xs[0], ys[0]), backend="numpy")
    for _ in range(2):
        assert_close(replayed(step, params, np.array(xs), np.array(ys)), eager(fn, params, xs, ys))
        for p in params:
            p.data -= 0.1 * p.grad
    assert step.eager_runs == 0  # the replay itself produced these numbers
    return step


def images(rng: random.Random, n: int, shape: tuple[int, ...]) -> list[Any]:
    return (
        np.array([rng.uniform(-2.0, 2.0) for _ in range(n * np.prod(shape))])
        .reshape(n, *shape)
        .tolist()
    )


def statements(source: str) -> int:
    return sum(isinstance(node, ast.stmt) for node in ast.walk(ast.parse(source)))


# -- nn.Conv1d and nn.Conv2d, random shapes ------------------------------------------------


@st.composite
def conv_nets(draw: st.DrawFn) -> tuple[nn.Module, tuple[int, ...], int]:
    d = draw(st.sampled_from([1, 2]))
    conv = nn.Conv1d if d == 1 else nn.Conv2d
    c_in, c_out = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    k = draw(st.integers(1, 3))
    stride, padding = draw(st.integers(1, 2)), draw(st.integers(0, 1))
    size = draw(st.integers(k, k + 3 if d == 2 else k + 5))
    seed = draw(st.integers(0, 2**16))
    layers: list[nn.Module] = [
        conv(c_in, c_out, k, stride=stride, padding=padding, bias=draw(st.booleans()), seed=seed)
    ]
    act = draw(st.sampled_from([None, nn.ReLU, nn.Tanh]))
    if act is not None:
        layers.append(act())
    out = (size + 2 * padding - k) // stride + 1
    if draw(st.booleans()) and out >= 2:  # a second convolution reading the first
        k2 = draw(st.integers(1, 2))
        layers.append(conv(c_out, 2, k2, bias=draw(st.booleans()), seed=seed + 1))
        out, c_out = out - k2 + 1, 2
    layers += [nn.Flatten(), nn.Linear(c_out * out**d, 1, seed=seed + 2)]
    return nn.Sequential(*layers), (c_in, *[size] * d), out**d


@settings(max_examples=40)
@given(net=conv_nets(), batch=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_random_convolutions_replay_like_the_engine(
    net: tuple[nn.Module, tuple[int, ...], int], batch: int, seed: int
) -> None:
    model, shape, _ = net
    params = model.parameters()

    def fn(x: Any, y: Value) -> Value:
        o = model(x)
        return (o - y) ** 2

    rng = random.Random(seed)
    xs = images(rng, batch, shape)
    check(fn, params, xs, [rng.uniform(-1.0, 1.0) for _ in range(batch)])


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize(
    ("conv", "shape", "options"),
    [
        (nn.Conv1d, (2, 9), {"kernel_size": 3}),
        (nn.Conv1d, (3, 10), {"kernel_size": 2, "stride": 2, "padding": 1}),
        (nn.Conv2d, (2, 6, 5), {"kernel_size": 3}),
        (nn.Conv2d, (1, 7, 7), {"kernel_size": (3, 2), "stride": (2, 1), "padding": (1, 0)}),
    ],
)
def test_conv_layers_are_one_block_each(
    conv: type[nn.Module], shape: tuple[int, ...], options: dict[str, Any], bias: bool
) -> None:
    """conv -> tanh -> conv -> relu -> flatten -> linear -> cross-entropy: two conv blocks,
    an activation over each, the linear layer reading the second whole."""
    c = shape[0]
    first = conv(c, 4, bias=bias, seed=1, **options)  # type: ignore[call-arg]
    second = conv(4, 3, 2, bias=bias, seed=2)  # type: ignore[call-arg]
    out = nn.Sequential(first, nn.Tanh(), second, nn.ReLU(), nn.Flatten())
    width = len(out(images(random.Random(0), 1, shape)[0]))
    model = nn.Sequential(out, nn.Linear(width, 3, seed=3))

    def fn(x: Any, y: list[float]) -> Value:
        return cross_entropy(model(x), y)

    rng = random.Random(5)
    xs = images(rng, 5, shape)
    ys = [[1.0 if k == i % 3 else 0.0 for k in range(3)] for i in range(5)]
    step = check(fn, model.parameters(), xs, ys)
    assert kinds(step) == ["_Conv", "_Activation", "_Conv", "_Activation", "_Layer"]
    layer = _blocks(step.tape, step._layout.nx)[0][-1]
    assert isinstance(layer, _Layer) and layer.inputs.startswith("R")  # the block, whole
    assert "convolutions as im2col products (2)" in " ".join(step.source.split("\n# "))


@pytest.mark.slow
def test_the_digits_cnn_is_a_few_dozen_statements() -> None:
    """The lesson's network: its two convolutions were 52 per-position layers and 3,395
    statements (2,816 of them per-row gradient scatters); now each is one block."""
    digits: Any = lessons.load("digits")

    model = digits.make_model()
    rng = random.Random(0)
    xs = [[[[rng.uniform(0, 16) for _ in range(8)] for _ in range(8)]] for _ in range(4)]
    ys = [digits.one_hot(k) for k in range(4)]
    fn = digits.per_sample(model)
    step = check(lambda x, y: fn(x, y)[0], model.parameters(), xs, ys)
    assert kinds(step) == ["_Conv", "_Activation", "_Conv", "_Activation", "_Layer"]
    assert statements(step.source) < 100
    assert "G[" not in "".join(
        line for line in step.source.splitlines() if "+= np.sum(" in line
    )  # no per-row scatter of a weight's gradient


# -- what is found from the structure, and what is not ---------------------------------------


def shared(windows: list[list[int]], channels: int = 2, bias: bool = True) -> Any:
    """Hand-made dot nodes: each channel's weights read every window of x (a convolution
    written without nn)."""
    k = len(windows[0])
    rng = random.Random(3)
    ws = [[Value(rng.uniform(-1, 1)) for _ in range(k)] for _ in range(channels)]
    bs = [Value(rng.uniform(-1, 1)) for _ in range(channels)] if bias else [None] * channels

    def layer(x: list[Value], weights: list[list[Value]] | None = None) -> list[Value]:
        weights = weights or ws
        return [
            F.dot(w, [x[i] for i in win], b)
            for w, b in zip(weights, bs, strict=True)
            for win in windows
        ]

    params = [p for w in ws for p in w] + [b for b in bs if b is not None]
    return layer, ws, params


def test_a_convolution_written_by_hand_is_found() -> None:
    layer, _, params = shared([[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]])

    def fn(x: list[Value], y: Value) -> Value:
        return F.sum([v.tanh() for v in layer(x)]) * y

    rng = random.Random(1)
    step = check(fn, params, images(rng, 3, (6,)), [0.5, -1.0, 2.0])
    assert kinds(step) == ["_Conv", "_Activation"]


def test_irregular_windows_are_gathered_as_they_are() -> None:
    """Windows overlapping irregularly (a repeated input, gaps, another order) are still one
    weight matrix over positions: the gather reads each window as recorded."""
    windows = [[0, 0, 5], [4, 1, 2], [2, 6, 3], [6, 5, 0]]
    layer, _, params = shared(windows)

    def fn(x: list[Value], y: Value) -> Value:
        return F.sum([v * v for v in layer(x)]) * y

    rng = random.Random(2)
    step = check(fn, params, images(rng, 4, (7,)), [1.0, 0.5, -0.5, 2.0])
    (block,) = convs(step)
    index = block.consts[f"CI{block.key}"]
    xs = [[step.tape.nodes[j].index for j in w] for w in block.family.windows]
    assert [list(col) for col in zip(*index, strict=True)] == xs  # the windows, as recorded


def test_weights_not_shared_exactly_are_not_one_family() -> None:
    """One position reads another weight at one tap: it is no member of the family."""
    windows = [[0, 1, 2], [1, 2, 3], [2, 3, 4]]
    layer, ws, params = shared(windows, channels=1, bias=False)
    odd = Value(0.3)
    almost = [[*ws[0][:2], odd]]

    def fn(x: list[Value], y: Value) -> Value:
        regular = layer(x)[:2]  # windows 0 and 1, the shared weights
        other = F.dot(almost[0], [x[i] for i in windows[2]])  # window 2, one weight differs
        return F.sum([v.tanh() for v in [*regular, other]]) * y

    rng = random.Random(4)
    step = check(fn, [*params, odd], images(rng, 3, (5,)), [1.0, -1.0, 0.5])
    (block,) = convs(step)
    assert len(block.family.windows) == 2  # the odd position stays apart


def test_a_recurrence_sharing_weights_is_not_a_convolution() -> None:
    """h_t = tanh(w . [h_(t-1), x_t] + b): the same weights at every step, but each step
    reads the one before, so no block can compute them at once."""
    w = [Value(0.5), Value(-0.7)]
    b = Value(0.1)

    def fn(x: list[Value], y: Value) -> Value:
        h = x[0] * 0.0 + 0.2
        for t in range(1, len(x)):
            h = F.dot(w, [h, x[t]], b).tanh()
        return (h - y) ** 2

    rng = random.Random(6)
    step = check(fn, [*w, b], images(rng, 3, (6,)), [0.1, 0.2, 0.3])
    assert convs(step) == []


def test_an_mlp_has_no_convolution() -> None:
    model = nn.MLP(3, [4, 4, 1], seed=0)

    def fn(x: list[Value], y: Value) -> Value:
        return (model(x) - y) ** 2

    rng = random.Random(7)
    step = check(fn, model.parameters(), images(rng, 3, (3,)), [0.1, 0.2, 0.3])
    assert "_Conv" not in kinds(step)


def test_a_layer_applied_to_each_part_of_a_sample_is_one_block() -> None:
    """Any code with the structure benefits: one Linear applied to each of 4 tokens."""
    lin = nn.Linear(3, 2, seed=1)

    def fn(x: list[Value], y: Value) -> Value:
        outs = [o for t in range(4) for o in lin(x[3 * t : 3 * t + 3])]
        return F.sum([o.sigmoid() for o in outs]) - y

    rng = random.Random(8)
    step = check(fn, lin.parameters(), images(rng, 3, (12,)), [0.1, 0.2, 0.3])
    assert "_Conv" in kinds(step)


# -- where the windows come from, and where their gradients go --------------------------------


def test_windows_of_computed_nodes_send_their_gradient_back() -> None:
    """Windows over nodes that belong to no block (x * s, s a parameter): Z is a stack of
    them, and the scatter gives each its gradient, so s gets one."""
    layer, _, params = shared([[0, 1], [1, 2], [2, 3]])
    s = Value(1.5)

    def fn(x: list[Value], y: Value) -> Value:
        scaled = [xi * s for xi in x]
        return F.sum([v.tanh() for v in layer(scaled)]) * y

    rng = random.Random(9)
    step = check(fn, [*params, s], images(rng, 3, (4,)), [1.0, 2.0, -1.0])
    (block,) = convs(step)
    assert block.inputs.startswith("np.stack(")


def test_padding_constants_of_any_value_are_rows_of_their_own() -> None:
    """Windows that read constants (padding, here 0.0 and 2.5) besides the sample."""
    rng = random.Random(10)
    ws = [Value(rng.uniform(-1, 1)) for _ in range(3)]
    pad, fill = Value(0.0, requires_grad=False), Value(2.5, requires_grad=False)

    def fn(x: list[Value], y: Value) -> Value:
        row = [pad, *x, fill]
        outs = [F.dot(ws, row[i : i + 3]) for i in range(len(row) - 2)]
        return F.sum([o * o for o in outs]) * y

    step = check(fn, ws, images(rng, 3, (4,)), [1.0, 0.5, 2.0])
    (block,) = convs(step)
    assert len(block.family.windows) == 4 and block.inputs.startswith("np.concatenate(")


def test_a_strided_convolution_reads_some_rows_of_a_block() -> None:
    """Kernel 1, stride 2 over a convolution's activations, which the loss also reads: the
    rows no window reads get a zero from the scatter (and their gradient from the loss)."""
    first = nn.Conv1d(1, 2, 2, seed=1)
    second = nn.Conv1d(2, 2, 1, stride=2, seed=2)

    def fn(x: Any, y: Value) -> Value:
        hidden = [[v.tanh() for v in ch] for ch in first(x)]
        out = [v for ch in second(hidden) for v in ch]
        return F.sum([o * o for o in out]) * y + F.sum([v for ch in hidden for v in ch])

    rng = random.Random(11)
    params = [*first.parameters(), *second.parameters()]
    step = check(fn, params, images(rng, 3, (1, 8)), [1.0, 0.5, -1.0])
    assert kinds(step)[:3] == ["_Conv", "_Activation", "_Conv"]
    assert "np.zeros((" in step.source  # the rows no window reads get zero


def test_frozen_kernels_and_kernels_read_elsewhere() -> None:
    """A frozen kernel gets no gradient; a kernel also read outside the convolution (a
    penalty) adds the two gradients."""
    conv = nn.Conv1d(1, 2, 2, seed=3)
    conv.weight[0][0][0].requires_grad = False
    params = conv.parameters()
    penalty = conv.weight[1][0][1]

    def fn(x: Any, y: Value) -> Value:
        out = [v.tanh() for ch in conv(x) for v in ch]
        return F.sum(out) * y + penalty * penalty

    rng = random.Random(12)
    step = check(fn, params, images(rng, 3, (1, 5)), [1.0, 2.0, 3.0])
    assert "G[CW0] += " in step.source or "G[CW1] += " in step.source
    assert len(convs(step)) == 1


def test_a_layer_reading_the_first_inputs_of_a_longer_sample() -> None:
    """A layer whose inputs are x0..x(k-1) of a sample with more entries (a stride that skips
    the last): it reads those rows of X, not X itself (the numpy step used to fail on it and
    fall back to the engine)."""
    model = nn.Sequential(nn.Conv1d(1, 1, 1, stride=2, seed=0), nn.Flatten(), nn.Linear(1, 1))

    def fn(x: Any, y: Value) -> Value:
        return (model(x) - y) ** 2

    step = check(fn, model.parameters(), [[[1.5, -0.5]], [[0.25, 2.0]]], [0.5, -1.0])
    assert "S0 = X[[0]]" in step.source


@settings(max_examples=40)
@given(
    data=st.data(),
    width=st.integers(2, 7),
    k=st.integers(1, 4),
    positions=st.integers(2, 5),
    channels=st.integers(1, 3),
    bias=st.booleans(),
)
def test_random_families_written_by_hand(
    data: st.DataObject, width: int, k: int, positions: int, channels: int, bias: bool
) -> None:
    """Random windows (repeated inputs, constants, any order, overlapping as they fall), a
    tap of one channel sometimes replaced at one position: always the engine's numbers."""
    pick = st.lists(st.integers(-1, width - 1), min_size=k, max_size=k)  # -1: a constant
    windows = [data.draw(pick) for _ in range(positions)]
    rng = random.Random(data.draw(st.integers(0, 2**16)))
    ws = [[Value(rng.uniform(-1, 1)) for _ in range(k)] for _ in range(channels)]
    bs = [Value(rng.uniform(-1, 1)) for _ in range(channels)] if bias else [None] * channels
    odd = Value(0.3)
    swap = data.draw(st.none() | st.tuples(st.integers(0, positions - 1), st.integers(0, k - 1)))
    const = Value(data.draw(st.sampled_from([0.0, -0.0, 1.5])), requires_grad=False)

    def fn(x: list[Value], y: Value) -> Value:
        outs = []
        for c, (w, b) in enumerate(zip(ws, bs, strict=True)):
            for p, win in enumerate(windows):
                taps = list(w)
                if swap is not None and (c, p) == (0, swap[0]):
                    taps[swap[1]] = odd
                outs.append(F.dot(taps, [x[i] if i >= 0 else const for i in win], b).tanh())
        return F.sum(outs) * y

    params = [p for w in ws for p in w] + [b for b in bs if b is not None] + [odd]
    check(fn, params, images(rng, 3, (width,)), [1.0, -0.5, 2.0])
