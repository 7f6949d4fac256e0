"""benchmarks/bench_scaling.py: its floor (numpy by hand) computes what our engine computes.

The benchmark's ratios against "numpy by hand" mean something only if that
numpy code trains the same network: same loss, same gradients, same update.
These tests compare it with the eager engine and with our optimisers on small
networks (an MLP with the hinge loss, a CNN with cross-entropy), with ties at
ReLU's kink included (blank input windows, zero biases).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

np = pytest.importorskip("numpy")

from autograd_lite import functional as F  # noqa: E402
from autograd_lite import nn, optim  # noqa: E402

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_scaling.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_scaling", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_scaling"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


bench = _load()


def _engine(model: nn.Module, fn: object, X: object, Y: object) -> float:
    """The eager engine's mean loss; its gradient is left in each parameter's .grad."""
    xs, ys = X.tolist(), Y.tolist()  # type: ignore[attr-defined]
    model.zero_grad()
    loss = F.sum([fn(x, t) for x, t in zip(xs, ys, strict=True)]) / len(xs)  # type: ignore[operator]
    loss.backward()
    return loss.data


def _compare(model: nn.Module, loss: str, X: object, Y: object) -> None:
    w = bench.Workload("test", "test", model, bench.layers_of(model), X, Y, loss, "sgd", 0.1)
    floor = bench.NumpyNet(w.layers, w.X.shape[1:], loss)
    got, grads = floor.loss_and_grads(bench.arrays(w), w.X, w.Y)
    want = _engine(model, bench._our_loss(w), X, Y)
    assert got == pytest.approx(want, rel=1e-12, abs=1e-14)
    expected = bench.arrays(dataclasses.replace(w, layers=bench.layers_of(model, "grad")))
    assert len(grads) == len(expected)
    for g, e in zip(grads, expected, strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-13)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), batch=st.integers(1, 6))
def test_numpy_floor_mlp_hinge_matches_the_engine(seed: int, batch: int) -> None:
    model = nn.MLP(2, [5, 4, 1], seed=seed)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(batch, 2))
    X[0] = 0.0  # the first layer's zero biases make its sums exactly 0: ReLU's kink
    Y = rng.choice([-1.0, 1.0], size=batch)
    _compare(model, "hinge", X, Y)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), batch=st.integers(1, 3))
def test_numpy_floor_cnn_cross_entropy_matches_the_engine(seed: int, batch: int) -> None:
    model = nn.Sequential(
        nn.Conv2d(2, 3, 3, seed=seed),
        nn.ReLU(),
        nn.Conv2d(3, 2, 2, seed=seed + 1),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(2 * 3 * 2, 4, seed=seed + 2),
    )
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(batch, 2, 6, 5))  # not square: rows and columns kept apart
    X[:, :, :3, :] = 0.0  # blank windows, as the margins of a digit: ties at ReLU's kink
    Y = np.eye(4)[rng.integers(0, 4, size=batch)]
    _compare(model, "xent", X, Y)


@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_numpy_floor_update_equals_our_optimiser(kind: str) -> None:
    """Five steps of the floor's update on arrays, bit for bit our optimiser's on Values."""
    rng = np.random.default_rng(0)
    params = [rng.normal(size=(20, 10)), rng.normal(size=20)]
    values = [nn.Parameter(float(x)) for p in params for x in p.ravel()]
    opt = optim.SGD(values, lr=0.1) if kind == "sgd" else optim.Adam(values, lr=0.01)
    state = bench.AdamState([np.zeros_like(p) for p in params], [np.zeros_like(p) for p in params])
    for _ in range(5):
        grads = [rng.normal(size=p.shape) for p in params]
        for v, x in zip(values, [x for g in grads for x in g.ravel()], strict=True):
            v.grad = float(x)
        opt.step()
        if kind == "sgd":
            bench.sgd(params, grads, 0.1)
        else:
            bench.adam(params, grads, state, 0.01)
        assert [float(x) for p in params for x in p.ravel()] == [v.data for v in values]


def test_layers_of_refuses_what_it_cannot_write_by_hand() -> None:
    with pytest.raises(ValueError, match="Tanh"):
        bench.layers_of(nn.Sequential(nn.Linear(2, 2, seed=0), nn.Tanh()))
    with pytest.raises(ValueError, match="stride 1"):
        bench.layers_of(nn.Sequential(nn.Conv2d(1, 1, 2, stride=2, seed=0)))


def test_disagreement_is_relative_above_one_and_absolute_below() -> None:
    assert bench.disagreement([2.0, 0.5], [2.0, 0.5]) == 0.0
    assert bench.disagreement([4.0], [2.0]) == 1.0
    assert bench.disagreement([0.25], [0.0]) == 0.25
    assert bench.disagreement([float("nan")], [1.0]) == float("inf")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rounds", "0"], "at least 1"),
        (["--rounds", "1000", "--block", "1000"], "at most 100,000 steps"),
        (["--only", "demo,nope"], "--only takes names from"),
        (["--only", ","], "--only takes names from"),
        (["--out", "."], "--out must be a regular file"),
    ],
)
def test_bad_arguments_are_refused_before_any_work(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        bench.main(args)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_as_the_results_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "results.txt"
    os.mkfifo(fifo)
    with pytest.raises(SystemExit):
        bench.main(["--quick", "--out", str(fifo)])  # would block on open without the check
    assert "--out must be a regular file" in capsys.readouterr().err


@pytest.mark.slow
def test_quick_run_of_the_demo(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("jax")
    out = tmp_path / "scaling.txt"
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--only", "demo", "--out", str(out)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    text = out.read_text(encoding="utf-8")
    for batch in ("b1 ", "b10 ", "b100 ", "b1,000 ", "b10,000 "):
        assert f"demo {batch}" in text
    assert "met      every loss agrees to 1e-09" in text  # the demo's contenders agree
    assert "compiled numpy faster than PyTorch" in text  # the verdicts are printed
