"""to_torch: the exported torch.nn.Sequential has our weights, outputs and gradients."""

from __future__ import annotations

import random

import pytest

from autograd_lite import Value, nn
from autograd_lite.export import FLOAT_DTYPES, to_torch

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch  # every test here compares with PyTorch


def _inputs(n: int, d: int, seed: int = 0) -> list[list[float]]:
    rng = random.Random(seed)
    return [[rng.uniform(-2, 2) for _ in range(d)] for _ in range(n)]


@pytest.mark.parametrize(
    ("activation", "torch_module"),
    [("relu", "ReLU"), ("tanh", "Tanh"), ("sigmoid", "Sigmoid"), ("leaky_relu", "LeakyReLU")],
)
def test_mlp_outputs_and_gradients_match(activation: str, torch_module: str) -> None:
    model = nn.MLP(3, [5, 4, 2], activation=activation, init="xavier_normal", seed=1)
    net = to_torch(model)
    names = ["Linear", torch_module, "Linear", torch_module, "Linear"]
    assert [type(m).__name__ for m in net] == names
    for x in _inputs(5, 3):
        ours = model(x)
        tx = torch.tensor(x, dtype=torch.float64)
        theirs = net(tx)
        assert [v.data for v in ours] == pytest.approx(theirs.tolist(), rel=1e-12, abs=1e-14)
    # one backward pass: every weight's gradient agrees
    model.zero_grad()
    out = model(_inputs(1, 3, seed=9)[0])
    (out[0] * 2.0 - out[1]).backward()
    theirs = net(torch.tensor(_inputs(1, 3, seed=9)[0], dtype=torch.float64))
    (theirs[0] * 2.0 - theirs[1]).backward()
    first = model.layers[0]
    ours_grads = [p.grad for n in first.neurons for p in n.w]  # type: ignore[attr-defined]
    assert ours_grads == pytest.approx(net[0].weight.grad.flatten().tolist(), rel=1e-10, abs=1e-14)


def test_one_output_unit_and_a_batch() -> None:
    model = nn.MLP(2, [16, 16, 1], seed=1337)
    net = to_torch(model)
    xs = _inputs(8, 2)
    got = net(torch.tensor(xs, dtype=torch.float64))
    assert got.shape == (8, 1)
    assert [model(x).data for x in xs] == pytest.approx(got[:, 0].tolist(), rel=1e-12, abs=1e-14)


def test_sequential_with_batchnorm_dropout_and_modes() -> None:
    model = nn.Sequential(
        nn.Linear(2, 3, seed=0),
        nn.BatchNorm1d(3),
        nn.Tanh(),
        nn.Dropout(0.3),
        nn.Linear(3, 1, bias=False, seed=1),
        nn.LeakyReLU(0.2),
    )
    model.call_batch(_inputs(6, 2))  # training mode: updates the running statistics
    model.eval()
    net = to_torch(model)
    assert not net.training
    assert net[1].running_mean.tolist() == pytest.approx(model.layers[1].running_mean)  # type: ignore[attr-defined]
    for x in _inputs(4, 2, seed=3):
        assert model(x).data == pytest.approx(
            net(torch.tensor([x], dtype=torch.float64)).item(), rel=1e-12
        )
    assert to_torch(model.train()).training


def test_float32_and_unsupported_modules() -> None:
    net = to_torch(nn.MLP(2, [3, 1], seed=0), dtype=torch.float32)
    assert net[0].weight.dtype == torch.float32
    with pytest.raises(TypeError, match="cannot convert Conv1d"):
        to_torch(nn.Sequential(nn.Conv1d(1, 1, 2), nn.Flatten()))
    with pytest.raises(TypeError, match=r"autograd_lite\.nn\.Module"):
        to_torch(Value(1.0))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "name", ["int64", "int8", "bool", "complex128", "complex64", "float8_e4m3fn"]
)
def test_a_dtype_that_is_not_a_real_float_is_refused_by_name(name: str) -> None:
    """int64 once failed inside torch, complex128 only on the first forward (issue 16)."""
    model = nn.MLP(2, [3, 1], seed=0)
    with pytest.raises(
        TypeError, match=rf"dtype must be a real floating torch dtype .*torch\.{name}"
    ):
        to_torch(model, dtype=getattr(torch, name))


@pytest.mark.parametrize("dtype", ["float64", "float", None, 3])
def test_a_dtype_that_is_not_a_torch_dtype_is_refused(dtype: object) -> None:
    with pytest.raises(TypeError, match="dtype must be a real floating torch dtype"):
        to_torch(nn.MLP(2, [1], seed=0), dtype=dtype if dtype is not None else "x")


@pytest.mark.parametrize("name", FLOAT_DTYPES)
def test_every_real_floating_dtype_runs_forward_and_backward(name: str) -> None:
    dtype = getattr(torch, name)
    net = to_torch(nn.MLP(2, [3, 1], seed=0), dtype=dtype)
    out = net(torch.ones(2, dtype=dtype))
    out.sum().backward()
    assert out.dtype == dtype
    assert net[0].weight.grad is not None
