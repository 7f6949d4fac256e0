"""autograd_lite.losses: values and gradients against PyTorch, stability, second derivatives."""

from __future__ import annotations

import importlib
import inspect
import math
import re
import typing
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import Value, grad, gradcheck
from autograd_lite import losses as L

finite = st.floats(-30, 30, allow_nan=False)


def _values(xs: list[float]) -> list[Value]:
    return [Value(x) for x in xs]


# -- against PyTorch -------------------------------------------------------------------

CASES: list[tuple[str, Callable[..., Value], list[float], object]] = [
    ("mse_loss", L.mse_loss, [0.5, -1.0, 2.0], [1.0, 0.0, 2.5]),
    ("l1_loss", L.l1_loss, [0.5, -1.0, 2.0], [1.0, 0.0, 2.5]),
    ("binary_cross_entropy", L.binary_cross_entropy, [0.2, 0.9, 0.5], [0.0, 1.0, 0.3]),
    (
        "binary_cross_entropy_with_logits",
        L.binary_cross_entropy_with_logits,
        [-3.0, 0.5, 40.0],
        [0.0, 1.0, 0.25],
    ),
    ("cross_entropy", L.cross_entropy, [1.0, -2.0, 0.5, 3.0], 2),
    ("multi_margin_loss", L.hinge_loss, [1.0, 0.8, -0.5, 0.2], 0),
]


@pytest.mark.parametrize(("name", "ours", "x", "target"), CASES, ids=[c[0] for c in CASES])
def test_loss_and_gradient_match_pytorch(
    name: str, ours: Callable[..., Value], x: list[float], target: object
) -> None:
    torch = pytest.importorskip("torch")
    fn = getattr(torch.nn.functional, name)
    xs = _values(x)
    loss = ours(xs, target)
    loss.backward()
    tx = torch.tensor([x] if isinstance(target, int) else x, dtype=torch.float64)
    tx.requires_grad_(True)
    tt = (
        torch.tensor([target])
        if isinstance(target, int)
        else torch.tensor(target, dtype=torch.float64)
    )
    tloss = fn(tx, tt)
    tloss.backward()
    assert loss.data == pytest.approx(tloss.item(), rel=1e-12, abs=1e-12)
    assert [v.grad for v in xs] == pytest.approx(tx.grad.flatten().tolist(), rel=1e-10, abs=1e-12)


def test_sum_reduction_and_bad_reduction() -> None:
    assert L.mse_loss([1.0, 2.0], [0.0, 0.0], reduction="sum").data == 5.0
    with pytest.raises(ValueError, match="reduction must be 'mean' or 'sum'"):
        L.l1_loss([1.0], [0.0], reduction="none")


@pytest.mark.parametrize("fn", [L.softmax, L.log_softmax])
def test_softmax_and_log_softmax_match_pytorch(fn: Callable[..., list[Value]]) -> None:
    torch = pytest.importorskip("torch")
    x = [0.3, -1.2, 2.0, 0.0]
    xs = _values(x)
    out = fn(xs)
    coef = [1.0, -2.0, 0.5, 3.0]
    sum((o * c for o, c in zip(out, coef, strict=True)), Value(0.0)).backward()
    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    tout = getattr(torch, fn.__name__)(tx, dim=0)
    (tout * torch.tensor(coef, dtype=torch.float64)).sum().backward()
    assert [o.data for o in out] == pytest.approx(tout.tolist(), rel=1e-12)
    assert [v.grad for v in xs] == pytest.approx(tx.grad.tolist(), rel=1e-10, abs=1e-12)


# -- stability ---------------------------------------------------------------------------


def test_cross_entropy_with_huge_logits_is_finite() -> None:
    z = _values([1000.0, -1000.0, 0.0])
    loss = L.cross_entropy(z, 1)
    loss.backward()
    assert loss.data == pytest.approx(2000.0)
    assert [v.grad for v in z] == pytest.approx([1.0, -1.0, 0.0])
    right = L.cross_entropy(_values([1000.0, -1000.0]), 0)
    assert right.data == 0.0
    assert all(math.isfinite(v.data) for v in L.log_softmax([1000.0, -1000.0]))
    assert [p.data for p in L.softmax([1000.0, -1000.0])] == [1.0, 0.0]


def test_bce_with_logits_and_clamped_bce_are_finite() -> None:
    x = Value(-1000.0)
    loss = L.binary_cross_entropy_with_logits(x, 1.0)
    loss.backward()
    assert loss.data == 1000.0 and x.grad == -1.0
    assert L.binary_cross_entropy(Value(0.0), 1.0).data == 100.0  # PyTorch clamps log at -100
    assert L.binary_cross_entropy(Value(1.0), 1.0).data == 0.0


@pytest.mark.parametrize(("p", "t", "ours"), [(0.0, 1.0, 0.0), (0.0, 0.0, 1.0), (1.0, 0.0, 0.0)])
def test_clamped_bce_gradient_at_the_edges_is_documented(p: float, t: float, ours: float) -> None:
    # the docstring's claim: same value as PyTorch at p = 0 / 1, another gradient
    torch = pytest.importorskip("torch")
    x = Value(p)
    loss = L.binary_cross_entropy(x, t)
    loss.backward()
    assert x.grad == ours  # a clamped term is flat; an unclamped one is exact
    tx = torch.tensor(p, dtype=torch.float64, requires_grad=True)
    tloss = torch.nn.functional.binary_cross_entropy(tx, torch.tensor(t, dtype=torch.float64))
    tloss.backward()
    assert loss.data == tloss.item()
    # PyTorch: (p - t) / max(p (1 - p), 1e-12)
    assert tx.grad.item() == pytest.approx((p - t) / 1e-12, rel=1e-6)


# -- second derivatives ----------------------------------------------------------------------


def test_cross_entropy_hessian_is_diag_p_minus_p_pt() -> None:
    z = _values([0.5, -1.0, 2.0])
    loss = L.cross_entropy(z, 0)
    gs = grad(loss, z, create_graph=True)
    p = [q.data for q in L.softmax([v.data for v in z])]
    for i in range(3):
        row = grad(gs[i], z)
        want = [p[i] * ((i == j) - p[j]) for j in range(3)]
        assert list(row) == pytest.approx(want, rel=1e-12, abs=1e-15)


@given(st.lists(finite, min_size=2, max_size=6), st.data())
def test_cross_entropy_gradient_is_softmax_minus_one_hot(
    zs: list[float], data: st.DataObject
) -> None:
    t = data.draw(st.integers(0, len(zs) - 1))
    z = _values(zs)
    loss = L.cross_entropy(z, t)
    loss.backward()
    p = [q.data for q in L.softmax(zs)]
    assert [v.grad for v in z] == pytest.approx(
        [pi - (i == t) for i, pi in enumerate(p)], abs=1e-12
    )
    assert loss.data == pytest.approx(-L.log_softmax(zs)[t].data, abs=1e-12)
    assert math.fsum(p) == pytest.approx(1.0)


# -- hinge loss ----------------------------------------------------------------------------------


def test_binary_hinge_is_micrograds_loss() -> None:
    for score in (-2.0, -0.3, 0.0, 0.4, 1.5):
        for y in (-1, 1):
            s = Value(score)
            loss = L.hinge_loss(s, y)
            loss.backward()
            assert loss.data == max(0.0, 1 + -y * score)
            assert s.grad == (-y if 1 + -y * score > 0 else 0.0)
    # 0 means the negative class, so 0/1 labels work as they are
    assert L.hinge_loss(Value(0.5), 0).data == L.hinge_loss(Value(0.5), -1).data == 1.5
    assert L.hinge_loss([Value(0.5)], 1, margin=2.0).data == 1.5


# -- input checks ---------------------------------------------------------------------


def test_bad_inputs_name_the_problem() -> None:
    with pytest.raises(ValueError, match="not a class index for 3 logits"):
        L.cross_entropy([1.0, 2.0, 3.0], 3)
    with pytest.raises(TypeError, match="class index"):
        L.cross_entropy([1.0, 2.0], 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="logits is empty"):
        L.cross_entropy([], 0)
    with pytest.raises(ValueError, match="input has 2 values but target has 3"):
        L.mse_loss([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="not a probability"):
        L.binary_cross_entropy(Value(1.5), 1.0)
    with pytest.raises(ValueError, match=r"target\[0\] = 2.0 is not in \[0, 1\]"):
        L.binary_cross_entropy(Value(0.5), 2.0)
    with pytest.raises(ValueError, match="must be \\+1 or -1"):
        L.hinge_loss(Value(0.5), 2)
    with pytest.raises(TypeError, match="must be a number or a Value"):
        L.l1_loss(["a"], [1.0])  # type: ignore[list-item]


def test_the_message_for_a_value_as_class_index_names_only_what_exists() -> None:
    """It once pointed to autograd_lite.data.one_hot, which does not exist (issue 16)."""
    with pytest.raises(TypeError) as caught:
        L.cross_entropy([Value(1.0), Value(2.0)], Value(1.0))  # type: ignore[arg-type]
    message = str(caught.value)
    assert "one-hot" in message
    for dotted in re.findall(r"autograd_lite(?:\.\w+)+", message):
        module, _, attribute = dotted.rpartition(".")
        assert hasattr(importlib.import_module(module), attribute), dotted
    assert "[1.0 if j == c else 0.0 for j in range(k)]" in message


# -- every loss the module exports, found in losses.__all__ -------------------------------------


def _is_loss(obj: object) -> bool:
    """A function of (input or logits, target) that returns a Value."""
    if not inspect.isfunction(obj):
        return False
    first = list(inspect.signature(obj).parameters)[:2]
    return first in (["input", "target"], ["logits", "target"]) and (
        typing.get_type_hints(obj).get("return") is Value
    )


LOSSES: list[Callable[..., Value]] = [
    getattr(L, name) for name in L.__all__ if _is_loss(getattr(L, name))
]
#: A target every loss takes for three outputs: values in [0, 1] that sum to 1 (a target
#: for a regression, probabilities for a binary loss, a distribution over three classes).
TARGET = [0.2, 0.5, 0.3]


def test_the_module_exports_every_loss() -> None:
    names = {f.__name__ for f in LOSSES}
    assert names >= {"mse_loss", "l1_loss", "cross_entropy", "hinge_loss"}
    assert names >= {"binary_cross_entropy", "binary_cross_entropy_with_logits"}


def test_every_exported_loss_is_compared_with_pytorch() -> None:
    compared = {case[1] for case in CASES}
    missing = [f.__name__ for f in LOSSES if f not in compared]
    assert not missing, f"add a case to CASES for {missing}"


@pytest.mark.parametrize("loss", LOSSES, ids=lambda f: f.__name__)
@given(outputs=st.lists(st.floats(0.05, 0.95), min_size=3, max_size=3))
def test_every_exported_loss_is_finite_and_its_gradient_checks(
    loss: Callable[..., Value], outputs: list[float]
) -> None:
    xs = _values(outputs)
    value = loss(xs, TARGET)
    assert math.isfinite(value.data)
    value.backward()
    assert all(math.isfinite(x.grad) for x in xs)
    assert gradcheck(lambda *v: loss(list(v), TARGET), outputs)


@pytest.mark.parametrize("loss", LOSSES, ids=lambda f: f.__name__)
def test_every_exported_loss_refuses_what_is_not_an_example(loss: Callable[..., Value]) -> None:
    with pytest.raises(ValueError, match="empty"):
        loss([], TARGET[:0])
    with pytest.raises(TypeError):
        loss(["a", "b", "c"], TARGET)
