"""Parity with PyTorch 2.13.0 (float64) on the same random expression graphs.

Each expression drawn by ``autograd_lite.testing`` is computed twice: by
autograd_lite, and by PyTorch through ``Expression.fold`` with the table
below. Values, gradients and Hessians must agree. Skipped when torch is not
installed (it is only a reference, never a dependency).
"""

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import assume, given, settings

from autograd_lite import PRIMITIVES, Primitive, Value, grad, gradgradcheck, topological_order
from autograd_lite.testing import Sample, expressions_with_inputs

torch = pytest.importorskip("torch", reason="PyTorch is not installed; parity tests skipped")
pytestmark = pytest.mark.torch

D = torch.float64


def _dot(*xs: Any) -> Any:
    n = len(xs) // 2
    out = torch.dot(torch.stack(xs[:n]), torch.stack(xs[n : 2 * n]))
    return out + xs[-1] if len(xs) % 2 else out  # the bias, last when the count is odd


#: Each primitive's PyTorch counterpart (leaky_relu's slope is an input, as in the table).
TORCH: dict[str, Callable[..., Any]] = {
    "add": torch.add,
    "sub": torch.sub,
    "neg": torch.neg,
    "mul": torch.mul,
    "div": torch.div,
    "log_clamped": lambda a: torch.clamp(torch.log(a), min=-100.0),
    "logsumexp": lambda *xs: torch.logsumexp(torch.stack(xs), 0),
    "pow": torch.pow,
    "exp": torch.exp,
    "log": torch.log,
    "sqrt": torch.sqrt,
    "sin": torch.sin,
    "cos": torch.cos,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "leaky_relu": lambda a, slope: torch.where(a > 0, a, slope * a),
    "softplus": torch.nn.functional.softplus,
    "abs": torch.abs,
    "sum": lambda *xs: torch.stack(xs).sum(),
    "dot": _dot,
}

# softplus differs by design: for x > 20 PyTorch returns x itself (gradient 1)
# where we return x + log1p(exp(-x)) (gradient 1 - 2e-9), so allow ~1e-8.
APPROX = {"rel": 1e-8, "abs": 1e-8}


def torch_apply(op: Primitive, *args: Any) -> Any:
    tensors = [a if isinstance(a, torch.Tensor) else torch.tensor(a, dtype=D) for a in args]
    return TORCH[op.name](*tensors)


def in_torch(sample: Sample) -> Callable[..., Any]:
    names = list(sample.inputs)

    def f(*xs: Any) -> Any:
        out = sample.expression.fold(dict(zip(names, xs, strict=True)), torch_apply)
        return out if isinstance(out, torch.Tensor) else torch.tensor(out, dtype=D)

    return f


def test_every_primitive_has_a_torch_counterpart() -> None:
    assert set(TORCH) == set(PRIMITIVES)


@settings(max_examples=60)
@given(expressions_with_inputs(("x", "y")))
def test_values_and_gradients_match_pytorch(sample: Sample) -> None:
    xs = [Value(x, label=n) for n, x in sample.inputs.items()]
    out = sample.expression.evaluate(dict(zip(sample.inputs, xs, strict=True)))
    ours = grad(out, xs)

    ts = [torch.tensor(x, dtype=D, requires_grad=True) for x in sample.inputs.values()]
    t_out = in_torch(sample)(*ts)
    assert out.data == pytest.approx(t_out.item(), **APPROX)
    if t_out.requires_grad:
        theirs = torch.autograd.grad(t_out, ts, allow_unused=True)
        theirs_f = [0.0 if g is None else g.item() for g in theirs]
    else:
        theirs_f = [0.0] * len(ts)
    assert list(ours) == pytest.approx(theirs_f, **APPROX)


def pow_with_a_zero_variable_exponent(out: Value) -> bool:
    """PyTorch's second derivatives are wrong here, so Hessians are not compared.

    Its pow rule zeroes d/da a**b where b == 0 (with torch.where) before it is
    differentiated again, which loses d2/da db = a**(b-1) (1 + b ln a): the
    Hessian of (x + 1) ** x at x = 0 is 2 (central differences, gradgradcheck,
    autograd_lite), and torch 2.13 says 1. torch.autograd.gradgradcheck fails
    there too. Compare pytorch/pytorch#89757.
    """
    return any(
        v.op is PRIMITIVES["pow"] and v.parents[1].requires_grad and v.parents[1].data == 0.0
        for v in topological_order(out)
    )


def test_pytorch_second_derivative_of_pow_at_a_zero_exponent_differs() -> None:
    x = Value(0.0)
    (d1,) = grad((x + 1) ** x, x, create_graph=True)
    assert grad(d1, x) == (2.0,)  # d2/dx2 (x + 1)^x at 0, by hand: 2
    assert gradgradcheck(lambda x: (x + 1) ** x, [0.0])
    t = torch.tensor(0.0, dtype=D)
    assert torch.autograd.functional.hessian(lambda x: (x + 1) ** x, t).item() == 1.0


@settings(max_examples=30)
@given(expressions_with_inputs(("x", "y")))
def test_hessians_match_pytorch(sample: Sample) -> None:
    xs = [Value(x, label=n) for n, x in sample.inputs.items()]
    out = sample.expression.evaluate(dict(zip(sample.inputs, xs, strict=True)))
    assume(not pow_with_a_zero_variable_exponent(out))
    first = grad(out, xs, create_graph=True)
    ours = [list(grad(g, xs)) for g in first]

    ts = tuple(torch.tensor(x, dtype=D) for x in sample.inputs.values())
    theirs = torch.autograd.functional.hessian(in_torch(sample), ts)
    for row, t_row in zip(ours, theirs, strict=True):
        assert row == pytest.approx([h.item() for h in t_row], **APPROX)


def test_leaky_relu_default_slope_matches_pytorch() -> None:
    for x in (-2.0, 0.5):
        v = Value(x)
        t = torch.tensor(x, dtype=D, requires_grad=True)
        y, ty = v.leaky_relu(), torch.nn.functional.leaky_relu(t)
        y.backward()
        ty.backward()
        assert (y.data, v.grad) == pytest.approx((ty.item(), t.grad.item()))
