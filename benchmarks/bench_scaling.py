"""How the compiled numpy step scales: four networks and five batch sizes, against three peers.

    pip install -e ".[bench]" torch==2.13.0 && python benchmarks/bench_scaling.py  # ~2 minutes
    python benchmarks/bench_scaling.py --quick                   # a smoke run: under a minute
    pip install numba && python benchmarks/bench_scaling.py --numba   # + a numba kernel (demo)

The rows (issue 18's table, then the demo network at every batch size):

* ``demo``: micrograd's demo, MLP(2, [16, 16, 1]) from micrograd's seeded
  weights (``seed=1337``), two moons, mean hinge loss, SGD lr 0.1, at batch
  sizes 1, 10, 100, 1,000 and 10,000 (the same batch at every step);
* ``mlp64``: MLP(2, [64, 64, 1]), the same loss and data at batch 100, SGD;
* ``mlp128``: MLP(64, [128, 128, 10]) (He-uniform weights), 100 Gaussian
  blobs of 10 classes in 64-D, mean cross-entropy on one-hot targets, Adam;
* ``cnn``: the ``digits`` lesson's network (its ``make_model()``), its first
  32 digits as one batch, mean cross-entropy on one-hot targets, Adam with
  the lesson's learning rate.

The contenders, each given the same initial weights (copied out of our model)
and the same batch:

* ours: ``compile(fn, model.parameters(), ..., backend="numpy")`` with the
  library's optimiser in a fused run, ``run = step.fused(opt)`` then
  ``run(X, Y)`` (``zero_grad()``, the step and ``opt.step()`` on one array
  of parameters), the batch given as numpy arrays made once. Its first call
  is compared with the eager engine on 8 samples of the batch, and later
  calls on one sample: the 100th (``check_every``), then calls spaced
  further apart (300th, 700th, ...), each no sooner than the replays since
  the last check took 1 / ``check_share`` times its cost (a large network's
  first later check comes after this run's 200 steps). The median
  leaves the checks out, the mean keeps those that came; after the run one
  later check is forced and timed, to show what one costs;
* PyTorch (``torch.nn`` layers, ``torch.optim``), one thread;
* ``jax.jit`` of the whole step (forward, ``jax.grad``, the update written
  out), on the CPU, float64 (``jax_enable_x64``), one thread;
* numpy by hand: forward, backward and update written out with matrix
  products (convolutions as im2col products): the floor;
* with ``--numba``: the demo step as one hand-written numba kernel.

Everything is float64 and single-threaded: BLAS and OpenMP through their
environment variables and XLA through its flags, set below before numpy or
jax is imported, and ``torch.set_num_threads(1)``. Every contender's first
call (compiling included: ours, XLA's, numba's) is step 0 and timed apart.
Then the contenders take turns, ``--rounds`` rounds of ``--block`` steps
each, the first one changing from round to round, so that a noisy spell on
the shared machine hurts all of them alike. Each step is timed with CPU time
(``time.process_time``, all threads of this process). A step's loss is the
loss before its update; the losses of every contender are compared with ours
at every step (with numpy's where ours is refused, whose first loss is then
compared with the eager engine's): ``|a - b| / max(1, |b|)``, goal 1e-9.

Output: the table, the goals as verdicts, and the same text in
``benchmarks/results/bench_scaling.txt`` (``--out``; a ``--quick`` run writes
no file unless given ``--out``). Exit status 0 whatever the figures.
"""

from __future__ import annotations

import os

# One thread everywhere: these are read when numpy's BLAS and XLA start, so before any import.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
os.environ["JAX_PLATFORMS"] = "cpu"
os.environ["JAX_ENABLE_X64"] = "1"

import argparse  # noqa: E402
import gc  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from autograd_lite import functional as F  # noqa: E402
from autograd_lite import lessons, nn, optim  # noqa: E402
from autograd_lite.compile import CHECK_SHARE, compile  # noqa: E402
from autograd_lite.data import make_blobs, make_moons  # noqa: E402
from autograd_lite.losses import cross_entropy, hinge_loss  # noqa: E402

TOLERANCE = 1e-9  # largest |loss difference| / max(1, |loss|) accepted at any step
FLOOR_FACTOR = 2.0  # goal: ours within this factor of numpy by hand ...
FLOOR_BATCH = 100  # ... at batch sizes from this one up (and the CNN's 32)
DEMO_BATCHES = (1, 10, 100, 1_000, 10_000)
NETWORKS = ("demo", "mlp64", "mlp128", "cnn")
MAX_STEPS = 100_000  # steps per contender and row: --rounds x --block
RESULTS = Path(__file__).resolve().parent / "results" / "bench_scaling.txt"

# a training step: returns the loss before its update
Step = Callable[[], float]


# -- the workloads ---------------------------------------------------------------------------


@dataclass
class Layer:
    """One layer as arrays: ``linear`` (W: out x in) or ``conv`` (W: out x in x kh x kw)."""

    kind: str  # "linear", "conv" or "flatten"
    W: np.ndarray = field(default_factory=lambda: np.empty(0))  # empty for "flatten"
    b: np.ndarray = field(default_factory=lambda: np.empty(0))
    relu: bool = False  # a ReLU follows


@dataclass
class Workload:
    """One row: our model, the same network as arrays, one batch, a loss and an optimiser."""

    row: str
    network: str
    model: nn.Module
    layers: list[Layer]
    X: np.ndarray  # the batch: (B, features) or (B, channels, rows, columns)
    Y: np.ndarray  # hinge: (B,) of -1 / +1; cross-entropy: (B, classes), one-hot
    loss: str  # "hinge" or "xent"
    opt: str  # "sgd" or "adam"
    lr: float
    peers: dict[str, Any] = field(default_factory=dict)

    @property
    def batch(self) -> int:
        return len(self.X)


def layers_of(model: nn.Module, attr: str = "data") -> list[Layer]:
    """Our model's layers as arrays of each parameter's ``attr`` (``"data"``, or ``"grad"``).

    Copies: training our model leaves them alone.
    """

    def read(v: Any) -> float:
        return float(getattr(v, attr))

    out: list[Layer] = []
    for m in model.layers if isinstance(model, nn.Sequential) else [model]:
        if isinstance(m, nn.Layer):
            if m.activation not in ("relu", "linear") or any(n.b is None for n in m.neurons):
                raise ValueError("bench_scaling writes by hand ReLU or linear layers with biases")
            W = np.array([[read(w) for w in n.w] for n in m.neurons])
            b = np.array([read(n.b) for n in m.neurons])
            out.append(Layer("linear", W, b, relu=m.activation == "relu"))
        elif isinstance(m, nn.Conv2d):
            if m.stride != (1, 1) or m.padding != (0, 0) or m.bias is None:
                raise ValueError(
                    "bench_scaling writes by hand Conv2d of stride 1, no padding, a bias"
                )
            W = np.array([[[[read(w) for w in r] for r in ch] for ch in o] for o in m.weight])
            out.append(Layer("conv", W, np.array([read(b) for b in m.bias])))
        elif isinstance(m, nn.ReLU) and out:
            out[-1].relu = True
        elif isinstance(m, nn.Flatten):
            out.append(Layer("flatten"))
        else:
            raise ValueError(f"bench_scaling cannot write {type(m).__name__} here by hand")
    return out


def moons(n: int) -> tuple[np.ndarray, np.ndarray]:
    X, labels = make_moons(n, noise=0.1, seed=1337)
    return np.array(X), np.array([2.0 * t - 1.0 for t in labels])


def one_hot(labels: Sequence[int], classes: int) -> np.ndarray:
    return np.eye(classes)[np.array(labels)]


def workloads(networks: Sequence[str]) -> list[Workload]:
    rows: list[Workload] = []
    if "demo" in networks:
        for n in DEMO_BATCHES:
            model = nn.MLP(2, [16, 16, 1], seed=1337)  # micrograd's MLP after random.seed(1337)
            X, y = moons(n)
            rows.append(
                Workload(f"demo b{n:,}", "demo", model, layers_of(model), X, y, "hinge", "sgd", 0.1)
            )
    if "mlp64" in networks:
        model = nn.MLP(2, [64, 64, 1], seed=1337)
        X, y = moons(100)
        rows.append(
            Workload("2-64-64-1", "mlp64", model, layers_of(model), X, y, "hinge", "sgd", 0.1)
        )
    if "mlp128" in networks:
        model = nn.MLP(64, [128, 128, 10], init="he_uniform", seed=0)
        P, labels = make_blobs(100, centers=10, n_features=64, seed=0)
        X = np.array(P) / 10.0  # the blobs' centres lie in [-10, 10]
        rows.append(
            Workload(
                "64-128-128-10", "mlp128", model, layers_of(model), X, one_hot(labels, 10),
                "xent", "adam", 1e-3,
            )
        )  # fmt: skip
    if "cnn" in networks:
        digits = lessons.load("digits")
        model = digits.make_model()
        pixels, labels = digits.load_digits()
        n = digits.BATCH_SIZE
        X = np.array([digits.as_image(p) for p in pixels[:n]])
        rows.append(
            Workload(
                "digits CNN b32", "cnn", model, layers_of(model), X,
                one_hot(labels[:n], digits.CLASSES), "xent", "adam", digits.LEARNING_RATE,
            )
        )  # fmt: skip
    return rows


# -- numpy by hand: the floor ----------------------------------------------------------------


class NumpyNet:
    """Forward and backward of a ``Workload``'s layers written out with numpy matrix products.

    ``loss_and_grads(params, X, Y)`` returns the mean loss and one gradient per
    array of ``params`` (each layer's W then b). A convolution is one im2col
    product forward (a precomputed gather) and two products backward.
    """

    def __init__(self, layers: Sequence[Layer], in_shape: tuple[int, ...], loss: str) -> None:
        self.kinds = [(L.kind, L.relu) for L in layers]
        self.loss = loss
        # per convolution: the gather index, the input's shape, the kernel's and the output's sides
        self.convs: list[tuple[np.ndarray, tuple[int, ...], tuple[int, int], tuple[int, int]]] = []
        shape = in_shape
        for L in layers:
            if L.kind == "conv":
                out_ch, C, kh, kw = L.W.shape
                _, H, W = shape
                oh, ow = H - kh + 1, W - kw + 1
                c, i, j = np.meshgrid(range(C), range(kh), range(kw), indexing="ij")
                r, s = np.meshgrid(range(oh), range(ow), indexing="ij")
                # idx[(c, i, j), (r, s)] = the input position that kernel entry meets at (r, s)
                idx = (c * H * W + i * W + j).reshape(-1, 1) + (r * W + s).reshape(1, -1)
                self.convs.append((idx, shape, (kh, kw), (oh, ow)))
                shape = (out_ch, oh, ow)
            elif L.kind == "flatten":
                shape = (math.prod(shape),)

    def loss_and_grads(
        self, params: Sequence[np.ndarray], X: np.ndarray, Y: np.ndarray
    ) -> tuple[float, list[np.ndarray]]:
        B = len(X)
        h = X
        saved: list[Any] = []
        k = c = 0
        for kind, relu in self.kinds:  # forward
            if kind == "flatten":
                saved.append(h.shape)
                h = h.reshape(B, -1)
                continue
            W, b = params[k], params[k + 1]
            k += 2
            if kind == "linear":
                saved.append(h)
                h = h @ W.T + b
            else:
                idx, _, _, side = self.convs[c]
                c += 1
                cols = h.reshape(B, -1)[:, idx]  # (B, C*kh*kw, positions)
                saved.append(cols)
                h = (W.reshape(len(W), -1) @ cols + b[:, None]).reshape(B, len(W), *side)
            if relu:
                h = np.maximum(h, 0.0)
            saved.append(h)
        if self.loss == "hinge":  # mean relu(1 - y s)
            margin = 1.0 - Y * h[:, 0]
            loss = float(np.maximum(margin, 0.0).sum() / B)
            g = np.where(margin > 0.0, -Y, 0.0)[:, None] / B
        else:  # mean logsumexp(z) - t . z
            top = h.max(axis=1, keepdims=True)
            e = np.exp(h - top)
            total = e.sum(axis=1, keepdims=True)
            loss = float(((top + np.log(total))[:, 0] - (Y * h).sum(axis=1)).sum() / B)
            g = (e / total - Y) / B
        grads: list[np.ndarray] = [np.empty(0)] * len(params)
        for kind, relu in reversed(self.kinds):  # backward
            if kind == "flatten":
                g = g.reshape(saved.pop())
                continue
            out = saved.pop()
            if relu:
                g = g * (out > 0.0)
            k -= 2
            W = params[k]
            a = saved.pop()
            if kind == "linear":
                grads[k], grads[k + 1] = g.T @ a, g.sum(axis=0)
                if k:
                    g = g @ W
            else:
                c -= 1
                _, (C, H, Wd), (kh, kw), (oh, ow) = self.convs[c]
                gm = g.reshape(B, len(W), -1)  # (B, O, positions)
                grads[k] = np.tensordot(gm, a, axes=([0, 2], [0, 2])).reshape(W.shape)
                grads[k + 1] = gm.sum(axis=(0, 2))
                if k:
                    gcols = W.reshape(len(W), -1).T @ gm  # (B, C*kh*kw, positions)
                    g6 = gcols.reshape(B, C, kh, kw, oh, ow)
                    gx = np.zeros((B, C, H, Wd))
                    for i in range(kh):  # col2im: each kernel offset adds one shifted block
                        for j in range(kw):
                            gx[:, :, i : i + oh, j : j + ow] += g6[:, :, i, j]
                    g = gx
        return loss, grads


def sgd(params: list[np.ndarray], grads: Sequence[np.ndarray], lr: float) -> None:
    for p, g in zip(params, grads, strict=True):
        p -= lr * g  # theta <- theta - lr * g


@dataclass
class AdamState:
    m: list[np.ndarray]
    v: list[np.ndarray]
    t: int = 0


def adam(
    params: list[np.ndarray],
    grads: Sequence[np.ndarray],
    state: AdamState,
    lr: float,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
) -> None:
    """torch.optim.Adam's step, as ``optim.rules.adam_update`` writes it, on whole arrays."""
    b1, b2 = betas
    state.t += 1
    bias1, bias2 = 1.0 - b1**state.t, 1.0 - b2**state.t
    for p, g, m, v in zip(params, grads, state.m, state.v, strict=True):
        m += (1.0 - b1) * (g - m)  # m <- b1 m + (1 - b1) g
        v *= b2
        v += (1.0 - b2) * g * g  # v <- b2 v + (1 - b2) g^2
        p -= (lr / bias1) * (m / (np.sqrt(v) / math.sqrt(bias2) + eps))


def arrays(w: Workload) -> list[np.ndarray]:
    """Fresh copies of the initial weights: each layer's W, then its b."""
    return [a.copy() for L in w.layers if L.kind != "flatten" for a in (L.W, L.b)]


def numpy_step(w: Workload) -> Step:
    params = arrays(w)
    net = NumpyNet(w.layers, w.X.shape[1:], w.loss)
    state = AdamState([np.zeros_like(p) for p in params], [np.zeros_like(p) for p in params])

    def step() -> float:
        loss, grads = net.loss_and_grads(params, w.X, w.Y)
        if w.opt == "sgd":
            sgd(params, grads, w.lr)
        else:
            adam(params, grads, state, w.lr)
        return loss

    return step


# -- ours ------------------------------------------------------------------------------------


def _our_loss(w: Workload) -> Callable[[Any, Any], Any]:
    model = w.model
    if w.loss == "hinge":
        return lambda x, t: hinge_loss(model(x), t)
    return lambda x, t: cross_entropy(model(x), t)


def _our_optimizer(w: Workload) -> optim.Optimizer:
    params = w.model.parameters()
    return optim.SGD(params, lr=w.lr) if w.opt == "sgd" else optim.Adam(params, lr=w.lr)


@dataclass
class Ours:
    """Our compiled step in its fused run, and which of the measured calls were checked."""

    compiled: Any  # the CompiledStep
    run: Any  # its FusedRun with the optimiser
    checked: list[bool] = field(default_factory=list)  # call by call, the first included

    @property
    def check_every(self) -> int | None:
        every: int | None = self.compiled.check_every
        return every

    @property
    def checks(self) -> int:
        return int(self.compiled.checks)

    @property
    def calls(self) -> int:
        return int(self.compiled.calls)


def ours_step(w: Workload) -> tuple[Step, Any]:
    """(the step, ``Ours``) or raises what ``compile`` raises."""
    replay = compile(
        _our_loss(w),
        w.model.parameters(),
        example=(w.X[0].tolist(), w.Y[0].tolist()),
        backend="numpy",
    )
    opt = _our_optimizer(w)
    # the one line a user adds: the parameters in one array, the update on arrays
    # (a ``with`` block in a script; closed by the garbage collector's end here)
    ours = Ours(replay, replay.fused(opt))

    def step() -> float:
        before = replay.checks
        loss: float = ours.run(w.X, w.Y)  # zero_grad(), the step, opt.step()
        ours.checked.append(replay.checks > before)
        return loss

    return step, ours


def eager_first_loss(w: Workload) -> float:
    """Step 0's loss from the eager engine (the graph of every sample, then backward)."""
    fn = _our_loss(w)
    loss = F.sum([fn(x, t) for x, t in zip(w.X.tolist(), w.Y.tolist(), strict=True)]) / w.batch
    return float(loss.data)


# -- PyTorch, jax, numba ---------------------------------------------------------------------


def torch_step(w: Workload, torch: Any) -> Step:
    mods: list[Any] = []
    for L in w.layers:
        if L.kind == "flatten":
            mods.append(torch.nn.Flatten())
            continue
        if L.kind == "linear":
            m = torch.nn.Linear(L.W.shape[1], L.W.shape[0], dtype=torch.float64)
        else:
            m = torch.nn.Conv2d(L.W.shape[1], L.W.shape[0], L.W.shape[2:], dtype=torch.float64)
        with torch.no_grad():
            m.weight.copy_(torch.from_numpy(L.W))
            m.bias.copy_(torch.from_numpy(L.b))
        mods += [m, torch.nn.ReLU()] if L.relu else [m]
    net = torch.nn.Sequential(*mods)
    cls = torch.optim.SGD if w.opt == "sgd" else torch.optim.Adam
    opt = cls(net.parameters(), lr=w.lr)
    X, Y = torch.from_numpy(w.X), torch.from_numpy(w.Y)

    def step() -> float:
        opt.zero_grad()
        z = net(X)
        if w.loss == "hinge":
            loss = torch.relu(1.0 - Y * z[:, 0]).mean()
        else:
            loss = (torch.logsumexp(z, dim=1) - (Y * z).sum(dim=1)).mean()
        loss.backward()
        opt.step()
        return float(loss.item())

    return step


def jax_step(w: Workload, jax: Any) -> Step:
    jnp = jax.numpy
    kinds = [(L.kind, L.relu) for L in w.layers]

    def loss_fn(params: list[Any], X: Any, Y: Any) -> Any:
        h, k = X, 0
        for kind, relu in kinds:
            if kind == "flatten":
                h = h.reshape(h.shape[0], -1)
                continue
            W, b = params[k], params[k + 1]
            k += 2
            if kind == "linear":
                h = h @ W.T + b
            else:
                dims = ("NCHW", "OIHW", "NCHW")
                h = jax.lax.conv_general_dilated(h, W, (1, 1), "VALID", dimension_numbers=dims)
                h = h + b[None, :, None, None]
            if relu:  # not jnp.maximum(h, 0.0): its gradient at a tie is one half (h = 0 at a
                h = jax.nn.relu(h)  # blank window of a digit), where relu's is 0 as ours
        if w.loss == "hinge":
            return jax.nn.relu(1.0 - Y * h[:, 0]).mean()
        return (jax.nn.logsumexp(h, axis=1) - (Y * h).sum(axis=1)).mean()

    grad_fn = jax.value_and_grad(loss_fn)
    lr, b1, b2, eps = w.lr, 0.9, 0.999, 1e-8

    @jax.jit
    def sgd_step(params: list[Any], X: Any, Y: Any) -> Any:
        loss, grads = grad_fn(params, X, Y)
        return loss, [p - lr * g for p, g in zip(params, grads, strict=True)]

    @jax.jit
    def adam_step(params: list[Any], m: list[Any], v: list[Any], t: Any, X: Any, Y: Any) -> Any:
        loss, grads = grad_fn(params, X, Y)
        t = t + 1.0
        m = [a + (1.0 - b1) * (g - a) for a, g in zip(m, grads, strict=True)]
        v = [b2 * a + (1.0 - b2) * g * g for a, g in zip(v, grads, strict=True)]
        bias1, bias2 = 1.0 - b1**t, 1.0 - b2**t
        params = [
            p - (lr / bias1) * (a / (jnp.sqrt(s) / jnp.sqrt(bias2) + eps))
            for p, a, s in zip(params, m, v, strict=True)
        ]
        return loss, params, m, v, t

    X, Y = jnp.asarray(w.X), jnp.asarray(w.Y)
    state: dict[str, Any] = {"p": [jnp.asarray(a) for a in arrays(w)]}
    state["m"] = [jnp.zeros_like(p) for p in state["p"]]
    state["v"] = [jnp.zeros_like(p) for p in state["p"]]
    state["t"] = jnp.asarray(0.0)

    def step() -> float:
        if w.opt == "sgd":
            loss, state["p"] = sgd_step(state["p"], X, Y)
        else:
            loss, state["p"], state["m"], state["v"], state["t"] = adam_step(
                state["p"], state["m"], state["v"], state["t"], X, Y
            )
        return float(loss)  # waits for the result

    return step


def numba_step(w: Workload, numba: Any) -> Step:
    """The demo's step (two hidden ReLU layers, one output, hinge, SGD) as one numba kernel."""

    @numba.njit(cache=False, fastmath=False)
    def kernel(W1, b1, W2, b2, W3, b3, X, y, lr):  # type: ignore[no-untyped-def]
        n, h1, h2 = X.shape[0], W1.shape[0], W2.shape[0]
        gW1, gb1 = np.zeros_like(W1), np.zeros_like(b1)
        gW2, gb2 = np.zeros_like(W2), np.zeros_like(b2)
        gW3, gb3 = np.zeros_like(W3), np.zeros_like(b3)
        a1, a2, d1 = np.empty(h1), np.empty(h2), np.empty(h1)
        total = 0.0
        for s in range(n):
            for i in range(h1):
                z = b1[i]
                for j in range(X.shape[1]):
                    z += W1[i, j] * X[s, j]
                a1[i] = z if z > 0.0 else 0.0
            for i in range(h2):
                z = b2[i]
                for j in range(h1):
                    z += W2[i, j] * a1[j]
                a2[i] = z if z > 0.0 else 0.0
            out = b3[0]
            for j in range(h2):
                out += W3[0, j] * a2[j]
            margin = 1.0 - y[s] * out
            if margin <= 0.0:
                continue
            total += margin
            g = -y[s] / n
            gb3[0] += g
            for i in range(h1):
                d1[i] = 0.0
            for i in range(h2):
                gW3[0, i] += g * a2[i]
                if a2[i] > 0.0:
                    d2 = g * W3[0, i]
                    gb2[i] += d2
                    for j in range(h1):
                        gW2[i, j] += d2 * a1[j]
                        d1[j] += d2 * W2[i, j]
            for i in range(h1):
                if a1[i] > 0.0:
                    gb1[i] += d1[i]
                    for j in range(X.shape[1]):
                        gW1[i, j] += d1[i] * X[s, j]
        W1 -= lr * gW1
        b1 -= lr * gb1
        W2 -= lr * gW2
        b2 -= lr * gb2
        W3 -= lr * gW3
        b3 -= lr * gb3
        return total / n

    params = arrays(w)

    def step() -> float:
        return float(kernel(*params, w.X, w.Y, w.lr))

    return step


# -- measuring -------------------------------------------------------------------------------


@dataclass
class Result:
    """One contender on one row."""

    first: float = math.nan  # CPU s of setting up (compiling) and the first call
    setup: float = math.nan  # CPU s of setting up alone (ours: compile)
    times: list[float] = field(default_factory=list)  # CPU s of each later step
    losses: list[float] = field(default_factory=list)  # every step's, the first included
    refused: str | None = None
    compiled: Any = None  # ours: the CompiledStep (its calls and checks)
    later_check: float = math.nan  # ours: CPU s of a call with a later check, forced

    @property
    def median(self) -> float:
        return statistics.median(self.times) if self.times else math.nan

    @property
    def mean(self) -> float:
        return statistics.fmean(self.times) if self.times else math.nan


def contenders(w: Workload, peers: dict[str, Any]) -> dict[str, Callable[[], tuple[Step, Any]]]:
    """Each contender's factory (the setup it times): (its step, ours' CompiledStep), ours first."""
    makers: dict[str, Callable[[], tuple[Step, Any]]] = {}
    makers["ours"] = lambda: ours_step(w)
    if peers.get("torch") is not None:
        makers["torch"] = lambda: (torch_step(w, peers["torch"]), None)
    if peers.get("jax") is not None:
        makers["jax"] = lambda: (jax_step(w, peers["jax"]), None)
    makers["numpy"] = lambda: (numpy_step(w), None)
    if peers.get("numba") is not None and w.network == "demo":
        makers["numba"] = lambda: (numba_step(w, peers["numba"]), None)
    return makers


def measure(w: Workload, peers: dict[str, Any], rounds: int, block: int) -> dict[str, Result]:
    results: dict[str, Result] = {}
    steps: dict[str, Step] = {}
    for name, make in contenders(w, peers).items():
        r = results[name] = Result()
        gc.collect()
        start = time.process_time()
        try:
            step, r.compiled = make()
        except ValueError as error:  # compile's GraphTooLargeError is a ValueError
            if name != "ours":
                raise
            r.refused = f"{type(error).__name__}: {error}"
            continue
        r.setup = time.process_time() - start
        r.losses.append(step())
        r.first = time.process_time() - start
        steps[name] = step
    names = list(steps)
    for k in range(rounds):
        for name in names[k % len(names) :] + names[: k % len(names)]:
            step, r = steps[name], results[name]
            for _ in range(block):
                start = time.process_time()
                loss = step()
                r.times.append(time.process_time() - start)
                r.losses.append(loss)
    if "ours" in steps:
        results["ours"].later_check = forced_check(steps["ours"], results["ours"].compiled)
    return results


def forced_check(step: Step, ours: Ours) -> float:
    """CPU s of one more call of ours, made a later check (one sample) whatever the schedule
    says: what each check costs once ``check_share`` lets it come. (The benchmark reaches
    into the step's schedule; the call is after every measured one.)"""
    c = ours.compiled
    c._next_check, c._check_cost = c.calls + 1, 0.0
    before = c.checks
    start = time.process_time()
    step()
    spent = time.process_time() - start
    return spent if c.checks == before + 1 else math.nan


def disagreement(a: Sequence[float], b: Sequence[float]) -> float:
    """The largest ``|a - b| / max(1, |b|)`` over the steps both ran (inf where one is nan)."""
    worst = 0.0
    for x, y in zip(a, b, strict=True):
        d = abs(x - y) / max(1.0, abs(y))
        worst = max(worst, d if math.isfinite(d) else math.inf)
    return worst


# -- report ----------------------------------------------------------------------------------


class Report:
    """Prints each line and keeps it for the results file."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, text: str = "") -> None:
        print(text, flush=True)
        self.lines.append(text)

    def table(self, rows: Sequence[Sequence[str]]) -> None:
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for i, row in enumerate(rows):
            cells = [
                c.ljust(wd) if j == 0 else c.rjust(wd)
                for j, (c, wd) in enumerate(zip(row, widths, strict=True))
            ]
            self("  " + "  ".join(cells).rstrip())
            if i == 0:
                self("  " + "  ".join("-" * wd for wd in widths))


def _ms(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "-"
    ms = seconds * 1e3
    return f"{ms:,.3f}" if ms < 10 else f"{ms:,.1f}" if ms < 1000 else f"{ms:,.0f}"


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if math.isfinite(a) and math.isfinite(b) and b > 0 else "-"


def _version(module: Any) -> str:
    return str(getattr(module, "__version__", "?"))


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10,
            cwd=Path(__file__).resolve().parent, check=False,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return "?"
    return out.stdout.strip() or "?"


def load_peers(with_numba: bool) -> dict[str, Any]:
    peers: dict[str, Any] = {"torch": None, "jax": None, "numba": None}
    try:
        import torch

        torch.set_num_threads(1)
        peers["torch"] = torch
    except ImportError:
        pass
    try:
        import jax

        jax.config.update("jax_enable_x64", True)
        peers["jax"] = jax
    except ImportError:
        pass
    if with_numba:
        try:
            import numba

            peers["numba"] = numba
        except ImportError:
            pass
    return peers


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few steps: a smoke run")
    parser.add_argument("--rounds", type=int, help="rounds of turns (default 20, quick 2)")
    parser.add_argument("--block", type=int, help="steps per contender per round (10, quick 4)")
    parser.add_argument(
        "--only", default=",".join(NETWORKS), help=f"networks, comma-separated: {NETWORKS}"
    )
    parser.add_argument("--numba", action="store_true", help="also a numba kernel (demo rows)")
    parser.add_argument("--out", type=Path, help=f"results file (default {RESULTS}, quick: none)")
    args = parser.parse_args(argv)
    rounds = args.rounds if args.rounds is not None else (2 if args.quick else 20)
    block = args.block if args.block is not None else (4 if args.quick else 10)
    if not 1 <= rounds <= 10_000 or not 1 <= block <= 10_000 or rounds * block > MAX_STEPS:
        parser.error(
            f"--rounds and --block must be at least 1, and --rounds x --block at most "
            f"{MAX_STEPS:,} steps per contender; got {rounds} x {block}"
        )
    networks = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in networks if n not in NETWORKS]
    if unknown or not networks:
        parser.error(f"--only takes names from {', '.join(NETWORKS)}, got {args.only!r}")
    out = args.out if args.out is not None else (None if args.quick else RESULTS)
    if out is not None and out.exists() and not out.is_file():  # a folder, a FIFO, a device
        parser.error(f"--out must be a regular file (it is replaced), got {out}")

    report = Report()
    peers = load_peers(args.numba)
    versions = ", ".join(
        f"{name} {_version(mod) if mod is not None else 'not installed'}"
        for name, mod in [("numpy", np), *peers.items()]
        if name != "numba" or args.numba
    )
    report(
        f"bench_scaling.py at commit {_commit()}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    report(
        f"Python {platform.python_version()}, {versions}; {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f} at the start; 1 thread everywhere, float64"
    )
    report(
        f"{rounds} rounds x {block} steps per contender after the first call; "
        "CPU time per step (time.process_time)"
    )
    rows = workloads(networks)
    measured: list[tuple[Workload, dict[str, Result]]] = []
    for w in rows:
        print(f"  measuring {w.row} ...", flush=True)
        results = measure(w, peers, rounds, block)
        if results["ours"].refused:  # no compiled losses: numpy's first must equal the engine's
            results["eager (step 0)"] = Result(losses=[eager_first_loss(w)])
        measured.append((w, results))
    report(f"load average {os.getloadavg()[0]:.2f} at the end")

    names = ["ours", "torch", "jax", "numpy"] + (["numba"] if peers["numba"] is not None else [])
    report("\nMedian CPU ms per training step (forward + backward + update + zero_grad):")
    head = [
        "row",
        "params",
        *names,
        "ours mean",
        "ours/torch",
        "ours/numpy",
        "mean/numpy",
        "max dloss",
    ]
    table = [head]
    worst: dict[str, float] = {}
    for w, results in measured:
        ours = results["ours"]
        cells = [w.row, f"{sum(a.size for a in arrays(w)):,}"]
        for name in names:
            r = results.get(name)
            cells.append("refused" if r and r.refused else _ms(r.median) if r else "-")
        np_r = results["numpy"]
        ref = np_r if ours.refused else ours
        row_worst = 0.0
        for name, r in results.items():
            if r is not ref and r.losses:
                d = worst[f"{w.row}: {name}"] = disagreement(r.losses, ref.losses[: len(r.losses)])
                row_worst = max(row_worst, d)
        torch_median = results["torch"].median if "torch" in results else math.nan
        cells += [
            _ms(ours.mean),
            _ratio(ours.median, torch_median),
            _ratio(ours.median, np_r.median),
            _ratio(ours.mean, np_r.mean),
            f"{row_worst:.0e}",
        ]
        table.append(cells)
    report.table(table)
    report(
        "  ours mean: every measured step, so also the later checks against the eager engine that\n"
        "  came among them (one sample each, the 100th call, then spacing out: 300th, 700th, ...,\n"
        f"  each once the replays since took {1 / CHECK_SHARE:g} times its cost: see a later check,"
        " below);\n"
        "  ratios below 1 are ours being faster;\n"
        "  mean/numpy: ours' mean over numpy's mean; max dloss: the largest disagreement of the\n"
        "  row's losses with ours (see below)"
    )

    report("\nFirst call, CPU ms (setting up, compiling and the first step, checks included):")
    table = [["row", *names, "ours: compile", "ours: checked calls", "a later check", "= steps"]]
    for w, results in measured:
        cells = [w.row]
        for name in names:
            r = results.get(name)
            cells.append("refused" if r and r.refused else _ms(r.first) if r else "-")
        c = results["ours"].compiled
        cells.append(_ms(results["ours"].setup))
        ours = results["ours"]
        # (the forced check's call is not counted: it came after the measured ones)
        cells.append(f"{c.checks - 1} of {c.calls - 1}" if c is not None else "-")
        check = ours.later_check - ours.median  # the check alone: the call less a step
        cells.append(_ms(check))
        cells.append(f"{check / ours.median:,.0f}" if not math.isnan(check) else "-")
        table.append(cells)
    report.table(table)
    report(
        "  (the first row's first calls also hold each library's one-time start in this process);\n"
        "  a later check: CPU ms of one more call of ours after the run, made a check, less the\n"
        "  median step; = steps: that over the median step. A check waits until the replays since\n"
        f"  the last took {1 / CHECK_SHARE:g} times its cost, so over a long run the checks add at "
        f"most {CHECK_SHARE:.0%}"
    )
    for w, results in measured:
        if results["ours"].refused:
            report(f"  {w.row}, ours refused: {results['ours'].refused}")

    top = max(worst, key=worst.__getitem__) if worst else "-"
    report(
        f"\nLosses: every contender's loss at every step against ours (numpy's where ours is "
        f"refused, checked against the eager engine at step 0); largest |difference| / max(1, "
        f"|loss|): {worst.get(top, 0.0):.1e} ({top})"
    )

    report("\nGoals (ratios within this run):")
    faster, floor = [], []
    for w, results in measured:
        ours = results["ours"]
        if "torch" in results:
            t = results["torch"].median
            ok = not ours.refused and ours.median < t
            faster.append(ok)
            why = "refused" if ours.refused else f"ours/torch {ours.median / t:.2f}x"
            report(f"  {_verdict(ok)}  {w.row}: compiled numpy faster than PyTorch ({why})")
        if w.batch >= FLOOR_BATCH or w.network == "cnn":
            n = results["numpy"].mean
            ok = not ours.refused and ours.mean <= FLOOR_FACTOR * n
            floor.append(ok)
            why = "refused" if ours.refused else f"mean/numpy {ours.mean / n:.2f}x"
            report(f"  {_verdict(ok)}  {w.row}: within {FLOOR_FACTOR:g}x of numpy by hand ({why})")
    agree = all(d <= TOLERANCE for d in worst.values())
    report(
        f"  {_verdict(agree)}  every loss agrees to {TOLERANCE:g} "
        f"(largest {worst.get(top, 0.0):.1e})"
    )
    report(
        f"  summary: faster than PyTorch on {sum(faster)} of {len(faster)} rows; within "
        f"{FLOOR_FACTOR:g}x of numpy by hand on {sum(floor)} of {len(floor)}"
    )
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("\n".join(report.lines) + "\n", encoding="utf-8")
        print(f"\nwritten to {out}")
    return 0


def _verdict(ok: bool) -> str:
    return "met    " if ok else "NOT MET"


if __name__ == "__main__":
    sys.exit(main())
