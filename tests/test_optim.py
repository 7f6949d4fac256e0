"""Tests for autograd_lite.optim: every optimiser, option, clip and schedule against PyTorch."""

from __future__ import annotations

import doctest
import inspect
import json
import math
import random
from collections.abc import Callable, Sequence
from typing import Annotated, Any

import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from autograd_lite import Value, optim
from autograd_lite.optim import (
    SGD,
    Adagrad,
    Adam,
    AdamW,
    ExponentialLR,
    LambdaLR,
    Optimizer,
    RMSprop,
    StepLR,
    adagrad_update,
    adam_update,
    clip_grad_norm_,
    clip_grad_value_,
    rmsprop_update,
    sgd_update,
)

START = [0.3, -1.2, 0.8, 0.5, 1.5]  # x4 is frozen (requires_grad False) but used in the loss

#: Every optimiser the package exports: a new one is tested without editing a list.
OPTIMIZERS: list[type[Optimizer]] = [
    obj
    for name in optim.__all__
    if isinstance(obj := getattr(optim, name), type)
    and issubclass(obj, Optimizer)
    and obj is not Optimizer
]


def objective(x: Sequence[Any]) -> Any:
    """A smooth function whose gradients change sign; works on Values and torch tensors."""
    return (
        (x[0] - 1.0) ** 2
        + 2.0 * (x[1] + 0.5) ** 2
        + x[0] * x[1]
        + 0.5 * (3.0 * x[2]).sin()
        + 0.1 * x[2] ** 2
        + (x[3] * x[0]).tanh() * x[4]
    )


def make_values() -> list[Value]:
    xs = [Value(v) for v in START]
    xs[4].requires_grad = False
    return xs


def groups(xs: Sequence[Any]) -> list[dict[str, Any]]:
    """Two parameter groups; the second has half the learning rate (set by the caller)."""
    return [{"params": list(xs[:2])}, {"params": list(xs[2:])}]


def run_ours(cls: type[Optimizer], kwargs: dict[str, Any], steps: int) -> list[list[float]]:
    xs = make_values()
    gs = groups(xs)
    gs[1]["lr"] = kwargs.get("lr", cls(xs[:1]).defaults["lr"]) / 2
    opt = cls(gs, **kwargs)
    history = []
    for _ in range(steps):
        opt.zero_grad()
        objective(xs).backward()
        opt.step()
        history.append([x.data for x in xs])
    return history


# (our class, torch's class name, keyword arguments): every option of every optimiser.
CONFIGS: list[tuple[type[Optimizer], str, dict[str, Any]]] = [
    (SGD, "SGD", {"lr": 0.05}),
    (SGD, "SGD", {"lr": 0.05, "momentum": 0.9}),
    (SGD, "SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}),
    (SGD, "SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True}),
    (SGD, "SGD", {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1}),
    (SGD, "SGD", {"lr": 0.01, "maximize": True}),
    (SGD, "SGD", {}),
    (Adagrad, "Adagrad", {"lr": 0.1}),
    (Adagrad, "Adagrad", {"lr": 0.1, "lr_decay": 0.05}),
    (Adagrad, "Adagrad", {"lr": 0.1, "weight_decay": 0.2}),
    (Adagrad, "Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-3}),
    (Adagrad, "Adagrad", {"maximize": True}),
    (RMSprop, "RMSprop", {}),
    (RMSprop, "RMSprop", {"lr": 0.02, "alpha": 0.9, "eps": 1e-2}),
    (RMSprop, "RMSprop", {"lr": 0.01, "centered": True}),
    (RMSprop, "RMSprop", {"lr": 0.01, "momentum": 0.8}),
    (RMSprop, "RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True, "weight_decay": 0.1}),
    (RMSprop, "RMSprop", {"lr": 0.01, "maximize": True}),
    (Adam, "Adam", {}),
    (Adam, "Adam", {"lr": 0.05, "betas": (0.8, 0.99)}),
    (Adam, "Adam", {"lr": 0.05, "amsgrad": True}),
    (Adam, "Adam", {"lr": 0.05, "weight_decay": 0.1, "eps": 1e-4}),
    (Adam, "Adam", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True, "maximize": True}),
    (Adam, "Adam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    (AdamW, "AdamW", {"lr": 0.05}),
    (AdamW, "AdamW", {"lr": 0.05, "weight_decay": 0.3, "amsgrad": True}),
    (AdamW, "AdamW", {"lr": 0.05, "maximize": True}),
]
CONFIG_IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for _, name, kw in CONFIGS]


@pytest.mark.torch
@pytest.mark.parametrize(("cls", "torch_name", "kwargs"), CONFIGS, ids=CONFIG_IDS)
def test_matches_torch_step_by_step(
    cls: type[Optimizer], torch_name: str, kwargs: dict[str, Any]
) -> None:
    torch = pytest.importorskip("torch")
    steps = 25
    ours = run_ours(cls, kwargs, steps)
    xs = [torch.tensor(v, dtype=torch.float64, requires_grad=i < 4) for i, v in enumerate(START)]
    gs = groups(xs)
    torch_cls = getattr(torch.optim, torch_name)
    gs[1]["lr"] = kwargs.get("lr", torch_cls([xs[0]]).defaults["lr"]) / 2
    opt = torch_cls(gs, **kwargs)
    for step in range(steps):
        opt.zero_grad()
        objective(xs).backward()
        opt.step()
        theirs = [x.item() for x in xs]
        for i, (a, b) in enumerate(zip(ours[step], theirs, strict=True)):
            assert abs(a - b) <= 1e-10 * max(1.0, abs(b)), (step, i, a, b)
    assert ours[-1] != ours[0] and ours[-1][4] == START[4]  # moved, except the frozen one
    # The state uses PyTorch's names and holds PyTorch's numbers.
    mine = cls(make_values(), **kwargs)
    theirs_state = opt.state_dict()
    assert set(mine.defaults) <= set(theirs_state["param_groups"][0])
    ours_opt = _trained(cls, kwargs, steps)
    for index, entry in ours_opt.state_dict()["state"].items():
        torch_entry = {k: v for k, v in theirs_state["state"][index].items() if v is not None}
        assert set(entry) == set(torch_entry)
        for key, value in entry.items():
            assert value == pytest.approx(float(torch_entry[key]), rel=1e-9, abs=1e-12), key


def _trained(cls: type[Optimizer], kwargs: dict[str, Any], steps: int) -> Optimizer:
    xs = make_values()
    gs = groups(xs)
    gs[1]["lr"] = kwargs.get("lr", cls(xs[:1]).defaults["lr"]) / 2
    opt = cls(gs, **kwargs)
    for _ in range(steps):
        opt.zero_grad()
        objective(xs).backward()
        opt.step()
    return opt


@pytest.mark.parametrize(("cls", "torch_name", "kwargs"), CONFIGS, ids=CONFIG_IDS)
def test_state_dict_round_trip_through_json_continues_identically(
    cls: type[Optimizer], torch_name: str, kwargs: dict[str, Any]
) -> None:
    xs = make_values()
    opt = cls(groups(xs), **kwargs)

    def train(values: list[Value], optimizer: Optimizer, steps: int) -> None:
        for _ in range(steps):
            optimizer.zero_grad()
            objective(values).backward()
            optimizer.step()

    train(xs, opt, 8)
    saved = json.loads(json.dumps(opt.state_dict()))
    copy = [Value(x.data, requires_grad=x.requires_grad) for x in xs]
    resumed = cls(groups(copy), lr=123.0)  # hyper-parameters come from the state_dict
    resumed.load_state_dict(saved)
    assert resumed.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    train(xs, opt, 8)
    train(copy, resumed, 8)
    assert [x.data for x in copy] == [x.data for x in xs]
    assert resumed.state_dict() == opt.state_dict()


# -- semantics that differ from PyTorch, or that it leaves implicit -------------------


@pytest.mark.torch
def test_zero_gradient_still_updates_like_torch_with_set_to_none_false() -> None:
    torch = pytest.importorskip("torch")
    w = Value(2.0)
    opt = SGD([w], lr=0.1, weight_decay=0.5, momentum=0.9)
    t = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    t.grad = torch.zeros_like(t)
    topt = torch.optim.SGD([t], lr=0.1, weight_decay=0.5, momentum=0.9)
    for _ in range(5):
        opt.zero_grad()
        opt.step()  # no backward: grad is 0.0, weight decay and momentum still act
        topt.zero_grad(set_to_none=False)
        topt.step()
    assert w.data == pytest.approx(t.item(), rel=1e-12)
    assert w.data < 2.0


def test_frozen_parameters_stay_put_until_unfrozen() -> None:
    a, b = Value(1.0), Value(1.0)
    b.requires_grad = False
    opt = Adam([a, b], lr=0.1)
    b.grad = 5.0  # even a stray gradient is ignored while frozen
    a.grad = 1.0
    opt.step()
    assert b.data == 1.0 and a.data < 1.0 and b not in opt.state
    b.requires_grad = True
    opt.step()
    assert b.data < 1.0


def test_create_graph_gradients_are_used_as_numbers() -> None:
    x = Value(3.0)
    (x**3).backward(create_graph=True)
    assert isinstance(x.grad, Value)
    SGD([x], lr=0.01).step()
    assert x.data == pytest.approx(3.0 - 0.01 * 27.0)


def test_closure_is_called_and_returned() -> None:
    x = Value(1.0)
    opt = SGD([x], lr=0.25)

    def closure() -> Value:
        opt.zero_grad()
        loss = x * x
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss is not None and loss.data == 1.0 and x.data == 0.5


def test_update_functions_are_pure() -> None:
    cases: list[tuple[Callable[..., optim.Update], dict[str, Any]]] = [
        (sgd_update, {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
        (adagrad_update, {"lr": 0.1, "lr_decay": 0.1}),
        (rmsprop_update, {"lr": 0.1, "centered": True, "momentum": 0.5}),
        (adam_update, {"lr": 0.1, "amsgrad": True}),
    ]
    for fn, hyper in cases:
        _, state = fn(1.0, 0.5, {}, **hyper)
        before = dict(state)
        first = fn(1.0, -0.3, state, **hyper)
        assert state == before and fn(1.0, -0.3, state, **hyper) == first


def test_hand_computed_single_steps() -> None:
    # SGD with momentum: first buffer is the gradient, then mu*b + (1-dampening)*g.
    p, s = sgd_update(1.0, 2.0, {}, lr=0.1, momentum=0.5, dampening=0.5)
    assert (p, s) == (1.0 - 0.1 * 2.0, {"momentum_buffer": 2.0})
    p, s = sgd_update(p, 2.0, s, lr=0.1, momentum=0.5, dampening=0.5)
    assert s["momentum_buffer"] == 0.5 * 2.0 + 0.5 * 2.0 and p == pytest.approx(0.8 - 0.2)
    # Adam's first step moves by lr * g / (|g| + eps * ...), about lr, in the gradient's sign.
    p, s = adam_update(0.0, -7.0, {}, lr=0.01)
    assert p == pytest.approx(0.01, rel=1e-6) and s["step"] == 1.0
    # AdamW's decay is applied to the parameter, not the gradient.
    p, _ = adam_update(2.0, 0.0, {}, lr=0.1, weight_decay=0.5, decoupled_weight_decay=True)
    assert p == pytest.approx(2.0 * (1 - 0.05))
    # Adagrad: lr / (1 + (t-1) * lr_decay) on the second step.
    _, s = adagrad_update(0.0, 1.0, {}, lr=1.0, lr_decay=1.0, eps=0.0)
    p, s = adagrad_update(0.0, 1.0, s, lr=1.0, lr_decay=1.0, eps=0.0)
    assert p == pytest.approx(-0.5 * 1.0 / math.sqrt(2.0)) and s["sum"] == 2.0


def test_docstring_examples() -> None:
    modules = [optim, optim.rules, optim.optimizers, optim.clipping, optim.schedules]
    results = [doctest.testmod(module) for module in modules]
    assert sum(r.attempted for r in results) > 20
    assert sum(r.failed for r in results) == 0


def test_param_groups_repr_and_add_param_group() -> None:
    a, b = Value(1.0), Value(2.0)
    opt = Adam([a], lr=0.1, betas=[0.5, 0.6])  # type: ignore[arg-type]
    assert opt.param_groups[0]["betas"] == (0.5, 0.6)
    opt.add_param_group({"params": b, "lr": 0.01})
    assert opt.param_groups[1]["lr"] == 0.01 and opt.param_groups[1]["betas"] == (0.5, 0.6)
    assert "Parameter Group 1 (1 parameters)" in repr(opt) and "lr: 0.01" in repr(opt)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})


# -- invalid hyper-parameters ------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda p: SGD(p, lr=-1), ValueError, r"Invalid learning rate: -1 \(lr must be"),
        (lambda p: SGD(p, lr=math.nan), ValueError, "Invalid learning rate: nan"),
        (lambda p: SGD(p, lr="0.1"), TypeError, "lr must be a real number, got str"),
        (lambda p: SGD(p, momentum=-0.5), ValueError, "Invalid momentum value: -0.5"),
        (lambda p: SGD(p, weight_decay=-1e-4), ValueError, "Invalid weight_decay value"),
        (lambda p: SGD(p, nesterov=True), ValueError, "Nesterov momentum requires a momentum"),
        (
            lambda p: SGD(p, momentum=0.9, dampening=0.1, nesterov=True),
            ValueError,
            r"zero dampening .*dampening=0.1",
        ),
        (lambda p: SGD(p, nesterov=1), TypeError, "nesterov must be True or False"),
        (lambda p: SGD(p, maximize="no"), TypeError, "maximize must be True or False"),
        (lambda p: Adagrad(p, lr_decay=-1), ValueError, "Invalid lr_decay value: -1"),
        (
            lambda p: Adagrad(p, initial_accumulator_value=-0.1),
            ValueError,
            "Invalid initial_accumulator_value value: -0.1",
        ),
        (lambda p: Adagrad(p, eps=-1e-10), ValueError, "Invalid epsilon value"),
        (lambda p: RMSprop(p, alpha=-0.9), ValueError, "Invalid alpha value: -0.9"),
        (lambda p: RMSprop(p, momentum=-1), ValueError, "Invalid momentum value: -1"),
        (lambda p: RMSprop(p, centered=None), TypeError, "centered must be True or False"),
        (
            lambda p: Adam(p, betas=(1.0, 0.999)),
            ValueError,
            "Invalid beta parameter at index 0: 1.0",
        ),
        (
            lambda p: Adam(p, betas=(0.9, -0.1)),
            ValueError,
            "Invalid beta parameter at index 1: -0.1",
        ),
        (lambda p: Adam(p, betas=0.9), TypeError, "betas must be a pair"),
        (lambda p: Adam(p, eps=-1.0), ValueError, "Invalid epsilon value: -1.0"),
        (lambda p: Adam(p, amsgrad="yes"), TypeError, "amsgrad must be True or False"),
        (lambda p: AdamW(p, weight_decay=-0.01), ValueError, "Invalid weight_decay value"),
        (lambda p: AdamW(p, lr=math.inf), ValueError, "Invalid learning rate: inf"),
        (
            lambda p: SGD([{"params": p, "lr": -2.0}], lr=0.1),
            ValueError,
            r"param_groups\[0\]: Invalid learning rate: -2.0",
        ),
        (
            lambda p: SGD([{"params": p, "nesterov": True}], lr=0.1),
            ValueError,
            r"param_groups\[0\]: Nesterov",
        ),
        (
            lambda p: SGD([{"params": p, "learning_rate": 0.1}]),
            ValueError,
            r"unknown keys \['learning_rate'\]",
        ),
        (lambda p: SGD([]), ValueError, "empty parameter list"),
        (lambda p: SGD(p[0]), TypeError, "params must be an iterable of Values or of dicts"),
        (lambda p: SGD([p[0], 1.0]), TypeError, r"params\[1\] must be a Value, got float"),
        (lambda p: SGD([p[0], p[0]]), ValueError, "same parameter twice"),
        (lambda p: SGD([p[0] * 2]), ValueError, r"params\[0\] is computed from other Values"),
        (lambda p: Optimizer(p, {}), TypeError, "Optimizer is a base class"),
    ],
)
def test_invalid_arguments_are_named(
    make: Callable[[list[Value]], Optimizer], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        make([Value(1.0), Value(2.0)])


def test_bad_state_dicts_are_rejected_and_change_nothing() -> None:
    xs = make_values()
    opt = Adam(groups(xs), lr=0.1)
    objective(xs).backward()
    opt.step()
    good = opt.state_dict()
    before = json.dumps(good)

    def broken(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        sd: dict[str, Any] = json.loads(before)
        change(sd)
        return sd

    cases: list[tuple[dict[str, Any], str]] = [
        (broken(lambda sd: sd.pop("state")), "exactly 'state' and 'param_groups'"),
        (
            broken(lambda sd: sd["param_groups"].pop()),
            "has 1 parameter groups, this optimizer has 2",
        ),
        (broken(lambda sd: sd["param_groups"][0]["params"].pop()), "lists 1 parameters"),
        (broken(lambda sd: sd["param_groups"][1].pop("eps")), r"missing keys \['eps'\]"),
        (broken(lambda sd: sd["param_groups"][1].update(lr=-1)), "Invalid learning rate: -1"),
        (broken(lambda sd: sd["param_groups"][1].update(foo=1)), r"unknown keys \['foo'\]"),
        (broken(lambda sd: sd["param_groups"][1]["params"].__setitem__(0, 0)), "distinct ints"),
        (broken(lambda sd: sd["state"].update({"9": {}})), "unknown parameter '9'"),
        (broken(lambda sd: sd["state"]["0"].update(step="x")), r"\['0'\]\['step'\] must be a num"),
    ]
    for sd, message in cases:
        with pytest.raises((ValueError, TypeError), match=message):
            opt.load_state_dict(sd)
        assert json.dumps(opt.state_dict()) == before


# -- gradient clipping ---------------------------------------------------------------


def _grads(seed: int, n: int, scale: float) -> list[float]:
    rng = random.Random(seed)
    return [rng.gauss(0.0, scale) for _ in range(n)]


@pytest.mark.torch
@pytest.mark.parametrize("norm_type", [1, 2.0, 3.5, math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm_matches_torch(norm_type: float | str, max_norm: float) -> None:
    torch = pytest.importorskip("torch")
    grads = _grads(1, 7, 2.0)
    ours = [Value(0.0) for _ in grads]
    theirs = [torch.zeros((), dtype=torch.float64, requires_grad=True) for _ in grads]
    for v, t, g in zip(ours, theirs, grads, strict=True):
        v.grad = g
        t.grad = torch.tensor(g, dtype=torch.float64)
    total = clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    torch_total = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert total == pytest.approx(torch_total.item(), rel=1e-12)
    for v, t in zip(ours, theirs, strict=True):
        assert v.grad == pytest.approx(t.grad.item(), rel=1e-12, abs=1e-15)


@pytest.mark.torch
def test_clip_with_infinite_gradient_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    ours = [Value(0.0), Value(0.0)]
    ours[0].grad, ours[1].grad = math.inf, 1.0
    theirs = [torch.zeros((), dtype=torch.float64, requires_grad=True) for _ in range(2)]
    theirs[0].grad = torch.tensor(math.inf, dtype=torch.float64)
    theirs[1].grad = torch.tensor(1.0, dtype=torch.float64)
    assert clip_grad_norm_(ours, 1.0) == torch.nn.utils.clip_grad_norm_(theirs, 1.0).item()
    assert [repr(v.grad) for v in ours] == [repr(t.grad.item()) for t in theirs]
    ours[0].grad = math.inf
    with pytest.raises(RuntimeError, match=r"total norm of order 2\.0 of the gradients is inf"):
        clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)


@pytest.mark.torch
def test_clip_grad_value_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    grads = [*_grads(2, 9, 3.0), math.nan]
    ours = [Value(0.0) for _ in grads]
    theirs = [torch.zeros((), dtype=torch.float64, requires_grad=True) for _ in grads]
    for v, t, g in zip(ours, theirs, grads, strict=True):
        v.grad = g
        t.grad = torch.tensor(g, dtype=torch.float64)
    clip_grad_value_(ours, 1.5)
    torch.nn.utils.clip_grad_value_(theirs, 1.5)
    assert [repr(v.grad) for v in ours] == [repr(t.grad.item()) for t in theirs]


def test_clipping_skips_frozen_parameters_and_checks_arguments() -> None:
    a, b = Value(0.0), Value(0.0, requires_grad=False)
    a.grad, b.grad = 3.0, 4.0
    assert clip_grad_norm_([a, b], 1.0) == 3.0  # b is frozen: not counted, not scaled
    assert b.grad == 4.0 and a.grad == pytest.approx(1.0 / (1.0 + 1e-6 / 3.0))
    assert clip_grad_norm_([], 1.0) == 0.0
    with pytest.raises(ValueError, match=r"Invalid max_norm: -1 \(max_norm must be"):
        clip_grad_norm_([a], -1)
    with pytest.raises(ValueError, match="norm_type must be > 0"):
        clip_grad_norm_([a], 1.0, norm_type=0)
    with pytest.raises(TypeError, match="norm_type must be a number or 'inf'"):
        clip_grad_norm_([a], 1.0, norm_type="two")
    with pytest.raises(ValueError, match=r"Invalid clip_value: -0\.5"):
        clip_grad_value_(a, -0.5)
    with pytest.raises(TypeError, match=r"params\[0\] must be a Value"):
        clip_grad_value_([1.0], 1.0)  # type: ignore[list-item]


# -- learning-rate schedules -------------------------------------------------------------


def _two_group_lrs(make_sched: Callable[[Any], Any], opt: Any, epochs: int) -> list[list[float]]:
    scheds = make_sched(opt)
    scheds = scheds if isinstance(scheds, list) else [scheds]
    lrs = []
    for _ in range(epochs):
        lrs.append([g["lr"] for g in opt.param_groups])
        opt.step()
        for s in scheds:
            s.step()
    assert scheds[-1].get_last_lr() == [g["lr"] for g in opt.param_groups]
    return lrs


SCHEDULES: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("StepLR", lambda mod, o: mod.StepLR(o, step_size=3, gamma=0.5)),
    ("StepLR-default-gamma", lambda mod, o: mod.StepLR(o, 2)),
    ("ExponentialLR", lambda mod, o: mod.ExponentialLR(o, gamma=0.9)),
    ("LambdaLR", lambda mod, o: mod.LambdaLR(o, lambda e: 1.0 / (1.0 + 0.3 * e))),
    (
        "LambdaLR-per-group",
        lambda mod, o: mod.LambdaLR(o, [lambda e: 0.95**e, lambda e: 1.0 + e]),
    ),
    (
        "StepLR+ExponentialLR",
        lambda mod, o: [mod.StepLR(o, step_size=4, gamma=0.2), mod.ExponentialLR(o, 0.8)],
    ),
]


@pytest.mark.torch
@pytest.mark.parametrize(("name", "make"), SCHEDULES, ids=[n for n, _ in SCHEDULES])
def test_schedules_match_torch(name: str, make: Callable[[Any, Any], Any]) -> None:
    torch = pytest.importorskip("torch")
    ours_opt = SGD([{"params": [Value(0.0)]}, {"params": [Value(0.0)], "lr": 0.3}], lr=0.1)
    t = [torch.zeros((), requires_grad=True) for _ in range(2)]
    torch_opt = torch.optim.SGD([{"params": [t[0]]}, {"params": [t[1]], "lr": 0.3}], lr=0.1)
    ours = _two_group_lrs(lambda o: make(optim, o), ours_opt, 15)
    theirs = _two_group_lrs(lambda o: make(torch.optim.lr_scheduler, o), torch_opt, 15)
    flat = [lr for row in theirs for lr in row]
    assert [lr for row in ours for lr in row] == pytest.approx(flat, rel=1e-14)
    assert len({tuple(row) for row in ours}) > 2  # the rates really changed


def test_scheduler_state_dict_resumes_with_the_optimizer() -> None:
    def fresh() -> tuple[SGD, StepLR]:
        opt = SGD([Value(0.0)], lr=1.0, momentum=0.5)
        return opt, StepLR(opt, step_size=2, gamma=0.5)

    opt, sched = fresh()
    for _ in range(5):
        opt.step()
        sched.step()
    saved = json.loads(json.dumps({"opt": opt.state_dict(), "sched": sched.state_dict()}))
    opt2, sched2 = fresh()
    opt2.load_state_dict(saved["opt"])
    sched2.load_state_dict(saved["sched"])
    for _ in range(5):
        for o, s in ((opt, sched), (opt2, sched2)):
            o.step()
            s.step()
        assert sched2.get_last_lr() == sched.get_last_lr()
        assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    assert sched2.state_dict() == sched.state_dict() and sched.last_epoch == 10
    with pytest.raises(ValueError, match="exactly the keys"):
        sched2.load_state_dict({"last_epoch": 1})
    with pytest.raises(ValueError, match="step_size must be an int >= 1"):
        sched2.load_state_dict({**sched.state_dict(), "step_size": 0})
    assert sched2.state_dict() == sched.state_dict()


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda o: StepLR(o, step_size=0), ValueError, "step_size must be an int >= 1, got 0"),
        (lambda o: StepLR(o, step_size=2.5), ValueError, "step_size must be an int"),
        (lambda o: StepLR(o, 1, gamma=-0.5), ValueError, "Invalid gamma: -0.5"),
        (lambda o: ExponentialLR(o, gamma=0.0), ValueError, "gamma must be a finite number > 0"),
        (lambda o: LambdaLR(o, lr_lambda=0.5), TypeError, "lr_lambda must be a function"),
        (lambda o: LambdaLR(o, [abs, abs]), ValueError, "Expected 1 lr_lambdas"),
        (lambda o: LambdaLR(o, lambda e: -1.0), ValueError, r"lr_lambda\(0\) = -1.0 makes .* -0.1"),
        (lambda o: LambdaLR(o, lambda e: "x"), TypeError, r"lr_lambda\(0\) must return a num"),
        (lambda o: StepLR("opt", 1), TypeError, "StepLR needs an Optimizer, got str"),
    ],
)
def test_scheduler_arguments_are_checked(
    make: Callable[[SGD], object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        make(SGD([Value(0.0)], lr=0.1))


def test_clip_grad_norm_survives_huge_gradients() -> None:
    # The remedy for exploding gradients must not overflow on them: 1e200^2 would.
    a, b = Value(0.0), Value(0.0)
    a.grad, b.grad = 3e200, 4e200
    total = optim.clip_grad_norm_([a, b], max_norm=1.0)
    assert total == pytest.approx(5e200)
    assert (a.grad, b.grad) == (pytest.approx(0.6), pytest.approx(0.8))
    c = Value(0.0)
    c.grad = 1e200
    assert optim.clip_grad_norm_([c], max_norm=1.0, norm_type=3) == pytest.approx(1e200)


@pytest.mark.parametrize(
    ("name", "bad", "error"),
    [
        ("exp_avg_sq", -1.0, ValueError),
        ("step", -3.0, ValueError),
        ("exp_avg", math.inf, ValueError),
        ("exp_avg", 10**400, ValueError),
        ("exp_avg", "0.1", TypeError),
    ],
)
def test_a_bad_saved_state_is_refused_before_anything_changes(
    name: str, bad: object, error: type[Exception]
) -> None:
    x = Value(1.0)
    opt = optim.Adam([x], lr=0.1)
    x.grad = 0.5
    opt.step()
    saved = json.loads(json.dumps(opt.state_dict()))
    before = opt.state_dict()
    saved["state"]["0"][name] = bad
    with pytest.raises(error, match=name):
        opt.load_state_dict(saved)
    assert opt.state_dict() == before


def test_a_huge_integer_learning_rate_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="Invalid learning rate"):
        optim.SGD([Value(1.0)], lr=10**400)


# -- hostile numbers (issue 9): refused up front, or refused at the step, never written ---


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda p: Adam(p, eps=0.0),
            r"Invalid epsilon value: 0.0 \(eps must be a finite number > 0",
        ),
        (lambda p: AdamW(p, eps=0.0), "Invalid epsilon value: 0.0"),
        (lambda p: Adagrad(p, eps=0.0), "Invalid epsilon value: 0.0"),
        (lambda p: RMSprop(p, eps=0.0), "Invalid epsilon value: 0.0"),
        (lambda p: RMSprop(p, alpha=5.0), r"Invalid alpha value: 5.0 \(alpha must be in \[0, 1\]"),
        (lambda p: RMSprop([{"params": p, "alpha": 1.5}]), r"param_groups\[0\]: Invalid alpha"),
    ],
)
def test_hyper_parameters_that_would_crash_in_step_are_refused_up_front(
    make: Callable[[list[Value]], Optimizer], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        make([Value(1.0)])


@pytest.mark.parametrize("alpha", [0.0, 1.0])
@pytest.mark.parametrize("cls", [Adam, AdamW, Adagrad, RMSprop])
def test_the_edges_that_are_allowed_take_finite_steps_on_a_zero_gradient(
    cls: type[Optimizer], alpha: float
) -> None:
    x = Value(1.0)
    opt = cls([x], eps=1e-300, **({"alpha": alpha} if cls is RMSprop else {}))
    for _ in range(3):
        opt.step()  # gradient 0.0: 0 / (0 + eps) is 0
    assert x.data == 1.0 or (cls is AdamW and 0.0 < x.data < 1.0)  # AdamW decays it


def _two_params() -> tuple[Value, Value]:
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    a.grad, b.grad = 0.5, 0.5
    return a, b


@pytest.mark.parametrize(
    ("make", "grad_b", "message"),
    [
        (lambda p: SGD(p, lr=1e300), 1e300, r"SGD.step\(\) would make parameter 1 'b' .* -inf: "),
        (lambda p: SGD(p, lr=0.1), math.nan, r"parameter 1 'b' .* nan: its gradient is nan"),
        (lambda p: SGD(p, lr=0.1, momentum=0.9), math.inf, "-inf: its gradient is inf"),
        (lambda p: Adam(p, lr=0.1), 1e200, "Adam.step.* have exp_avg_sq inf: the step overflows"),
        (lambda p: RMSprop(p, lr=0.1), -1e200, "RMSprop.step.* have square_avg inf"),
        (lambda p: Adagrad(p, lr=0.1), 1e200, "Adagrad.step.* have sum inf"),
    ],
)
def test_a_step_that_would_write_a_non_finite_number_changes_nothing(
    make: Callable[[list[Value]], Optimizer], grad_b: float, message: str
) -> None:
    a, b = _two_params()
    opt = make([a, b])
    opt.step()  # a first, healthy step: there is state to keep
    before = ([a.data, b.data], opt.state_dict())
    b.grad = grad_b
    with pytest.raises(FloatingPointError, match=message + ".*nothing was changed"):
        opt.step()
    assert ([a.data, b.data], opt.state_dict()) == before  # a too: checked before written


def test_clip_grad_norm_with_a_tiny_norm_type_returns_inf_like_pytorch() -> None:
    a, b = Value(0.0), Value(0.0)
    a.grad, b.grad = 3.0, 4.0
    assert clip_grad_norm_([a, b], max_norm=1.0, norm_type=1e-300) == math.inf
    assert (a.grad, b.grad) == (0.0, 0.0)  # max_norm / (inf + 1e-6) = 0, as in PyTorch
    a.grad = 3.0  # one gradient alone: its norm of any order is |g|
    assert clip_grad_norm_([a], max_norm=10.0, norm_type=1e-300) == 3.0


@pytest.mark.torch
def test_clip_grad_norm_with_a_tiny_norm_type_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    t = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    t.grad = torch.tensor([3.0, 4.0], dtype=torch.float64)
    expected = float(torch.nn.utils.clip_grad_norm_([t], 1.0, norm_type=1e-300))
    a, b = Value(0.0), Value(0.0)
    a.grad, b.grad = 3.0, 4.0
    assert clip_grad_norm_([a, b], 1.0, norm_type=1e-300) == expected == math.inf
    assert [a.grad, b.grad] == t.grad.tolist()


@pytest.mark.parametrize(
    "make",
    [
        lambda opt: ExponentialLR(opt, gamma=1e300),
        lambda opt: StepLR(opt, step_size=1, gamma=1e300),
    ],
)
def test_a_schedule_cannot_drive_the_learning_rate_to_inf(
    make: Callable[[Optimizer], optim.LRScheduler],
) -> None:
    opt = SGD([Value(0.0)], lr=0.1)
    sched = make(opt)
    sched.step()  # 0.1 * 1e300 is still a float
    before = (opt.param_groups[0]["lr"], sched.state_dict())
    with pytest.raises(ValueError, match=r"learning rate of param_groups\[0\] to inf in epoch 2"):
        sched.step()
    assert (opt.param_groups[0]["lr"], sched.state_dict()) == before


def _adam_state() -> tuple[Adam, dict[str, Any]]:
    xs = make_values()
    opt = Adam(groups(xs), lr=0.1)
    objective(xs).backward()
    opt.step()
    return opt, json.loads(json.dumps(opt.state_dict()))


def test_load_state_dict_refuses_state_this_optimiser_does_not_keep() -> None:
    opt, good = _adam_state()
    before = json.dumps(opt.state_dict())
    sgd = SGD(make_values(), lr=0.1, momentum=0.9)
    objective(sgd.param_groups[0]["params"]).backward()
    sgd.step()
    sgd_state = json.loads(json.dumps(sgd.state_dict()))

    def broken(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        sd: dict[str, Any] = json.loads(json.dumps(good))
        change(sd)
        return sd

    cases: list[tuple[dict[str, Any], str]] = [
        (broken(lambda sd: sd["state"]["0"].pop("exp_avg")), r"missing \['exp_avg'\]"),
        (broken(lambda sd: sd["state"]["0"].update(bogus=1.0)), r"unknown \['bogus'\]"),
        (
            broken(lambda sd: sd["state"].update({"0": sgd_state["state"]["0"]})),
            r"missing \['exp_avg', 'exp_avg_sq', 'step'\], unknown \['momentum_buffer'\]",
        ),
        (broken(lambda sd: sd.update(param_groups=sgd_state["param_groups"][:1] * 2)), "keys"),
        (broken(lambda sd: sd["state"].update({0: sd["state"]["0"]})), "parameter 0 twice"),
        (broken(lambda sd: sd["state"]["0"].update(step=1.5)), "a whole number >= 1, got 1.5"),
        (broken(lambda sd: sd["state"]["0"].update(step=0)), "a whole number >= 1, got 0.0"),
        (broken(lambda sd: sd["state"].update({"٣": {}})), "unknown parameter '٣'"),
        (broken(lambda sd: sd["param_groups"][0].update(eps=0.0)), "Invalid epsilon value"),
        (broken(lambda sd: sd["param_groups"][1].update(amsgrad=True)), "max_exp_avg_sq"),
        (broken(lambda sd: sd["state"]["0"].update(exp_avg="x" * 10**6)), "must be a number"),
    ]
    for sd, message in cases:
        with pytest.raises((ValueError, TypeError), match=message) as info:
            opt.load_state_dict(sd)
        assert len(str(info.value)) < 500
        assert json.dumps(opt.state_dict()) == before
    opt.load_state_dict(good)  # and the good one, as JSON left it ("0" keys), loads
    assert json.dumps(opt.state_dict()) == before


_ANY_SIZE = st.floats(min_value=0.0, max_value=1e308) | st.sampled_from([0.0, 1e-300, 1e300])
_BETA = st.floats(min_value=0.0, max_value=1.0, exclude_max=True)
_GRAD = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.0, 1e-320, 1e308])


@st.composite
def _any_valid_optimizer(draw: st.DrawFn) -> Callable[[list[Value]], Optimizer]:
    """Any optimiser with any hyper-parameters that the constructor accepts."""
    kind = draw(st.sampled_from(["sgd", "adam", "adamw", "adagrad", "rmsprop"]))
    eps = draw(st.floats(min_value=1e-320, max_value=1e308))
    lr, wd = draw(_ANY_SIZE), draw(_ANY_SIZE)
    if kind == "sgd":
        nesterov = draw(st.booleans())
        momentum = draw(_ANY_SIZE.filter(lambda m: m > 0.0)) if nesterov else draw(_ANY_SIZE)
        dampening = 0.0 if nesterov else draw(st.floats(min_value=-1e308, max_value=1e308))
        return lambda p: SGD(p, lr, momentum, dampening, wd, nesterov)
    if kind in ("adam", "adamw"):
        cls, betas, ams = (
            (Adam if kind == "adam" else AdamW),
            (draw(_BETA), draw(_BETA)),
            draw(st.booleans()),
        )
        return lambda p: cls(p, lr, betas, eps, wd, ams)
    if kind == "adagrad":
        decay, start = draw(_ANY_SIZE), draw(_ANY_SIZE)
        return lambda p: Adagrad(p, lr, decay, wd, start, eps)
    alpha, momentum, centered = draw(st.floats(0.0, 1.0)), draw(_ANY_SIZE), draw(st.booleans())
    return lambda p: RMSprop(p, lr, alpha, eps, wd, momentum, centered)


@settings(max_examples=200, deadline=None)
@given(
    make=_any_valid_optimizer(),
    start=st.lists(st.floats(min_value=-1e308, max_value=1e308), min_size=1, max_size=3),
    steps=st.lists(st.lists(_GRAD, min_size=3, max_size=3), min_size=1, max_size=4),
)
def test_accepted_hyper_parameters_never_crash_a_step_nor_write_a_non_finite_number(
    make: Callable[[list[Value]], Optimizer], start: list[float], steps: list[list[float]]
) -> None:
    params = [Value(x) for x in start]
    opt = make(params)
    for grads in steps:
        for p, g in zip(params, grads, strict=False):
            p.grad = g
        before = ([p.data for p in params], opt.state_dict())
        try:
            opt.step()
        except FloatingPointError:  # refused as a whole: nothing written
            assert ([p.data for p in params], opt.state_dict()) == before
            return
        assert all(math.isfinite(p.data) for p in params)
        assert all(math.isfinite(x) for s in opt.state.values() for x in s.values())


def _power_update(
    param: float, grad: float, state: Any, lr: float, power: float = 2.0, *, shift: float = 0.0
) -> optim.Update:
    """A rule with a keyword-only hyper-parameter, as a subclass may write one."""
    return param - lr * (grad + shift) ** power, {}


#: A hyper-parameter taken as given: the test subclasses below check nothing.
AsGiven = Annotated[float, optim.Hyper(lambda value, name: value)]


class _PowerStep(Optimizer):
    rule = staticmethod(_power_update)

    def __init__(self, params: Any, lr: optim.LearningRate, shift: optim.Finite = 0.0) -> None:
        super().__init__(params, locals())


def test_a_subclass_rule_gets_its_hyper_parameters_by_position_and_by_keyword() -> None:
    # lr by position; power left to the rule's default; shift keyword-only
    a, b = _two_params()
    opt = _PowerStep([a, b], lr=0.5, shift=0.25)
    opt.step()
    assert (a.data, b.data) == (1.0 - 0.5 * 0.75**2, 2.0 - 0.5 * 0.75**2)


def test_a_rule_that_raises_names_the_parameter_and_changes_nothing() -> None:
    a, b = _two_params()
    b.grad = 1e200  # (1e200 + 0.0) ** 2.0 overflows: the rule raises OverflowError
    opt = _PowerStep([a, b], lr=0.5)
    with pytest.raises(FloatingPointError, match=r"parameter 1 'b' .*fail \(OverflowError"):
        opt.step()
    assert (a.data, b.data) == (1.0, 2.0)


def _subclass_with(rule: Callable[..., optim.Update], **given: Any) -> type[Optimizer]:
    """An optimiser around ``rule`` with the hyper-parameters ``lr`` (and ``momentum`` or
    ``shift``, if ``given``), taken as given."""

    class _LR(Optimizer):
        def __init__(self, params: Any, lr: AsGiven = 0.0) -> None:
            super().__init__(params, locals())

    class _Momentum(Optimizer):
        def __init__(self, params: Any, lr: AsGiven = 0.0, momentum: AsGiven = 0.0) -> None:
            super().__init__(params, locals())

    class _Shift(Optimizer):
        def __init__(self, params: Any, lr: AsGiven = 0.0, shift: AsGiven = 0.0) -> None:
            super().__init__(params, locals())

    base = _Momentum if "momentum" in given else _Shift if "shift" in given else _LR
    the_rule = rule

    class _Rule(base):  # type: ignore[valid-type, misc]
        rule = staticmethod(the_rule)

        def __init__(self, params: Any) -> None:
            super().__init__(params, **given)

    return _Rule


def test_a_decorated_rule_gets_its_hyper_parameters_by_keyword_as_it_asks() -> None:
    import functools

    @functools.wraps(sgd_update)  # the signature inspect reports is sgd_update's, not this one's
    def logged(param: float, grad: float, state: Any, **hyper: Any) -> optim.Update:
        return sgd_update(param, grad, state, **hyper)

    a, b = _two_params()
    _subclass_with(logged, lr=0.5, momentum=0.9)([a, b]).step()
    assert (a.data, b.data) == (0.75, 1.75)


def test_a_rule_without_a_signature_or_a_hash_still_steps() -> None:
    class Unhashable:  # __eq__ without __hash__: cannot be a key of a cache
        def __call__(self, param: float, grad: float, state: Any, lr: float) -> optim.Update:
            return param - lr * grad, {}

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Unhashable)

    class Opaque(Unhashable):  # inspect cannot read its signature (as for a compiled function)
        __hash__ = object.__hash__

        @property
        def __signature__(self) -> Any:
            raise ValueError("no signature found")

    for rule in (Unhashable(), Opaque()):
        a, b = _two_params()
        _subclass_with(rule, lr=0.5)([a, b]).step()
        assert (a.data, b.data) == (0.75, 1.75), type(rule).__name__


def test_a_negative_zero_hyper_parameter_is_not_the_rules_zero_default() -> None:
    def shifted(
        param: float, grad: float, state: Any, lr: float, shift: float = 0.0
    ) -> optim.Update:
        return param + shift - lr * grad, {}  # -0.0 + -0.0 is -0.0, -0.0 + 0.0 is 0.0

    p = Value(-0.0)
    p.grad = 0.0
    _subclass_with(shifted, lr=0.0, shift=-0.0)([p]).step()
    assert math.copysign(1.0, p.data) == -1.0  # as shifted(-0.0, 0.0, {}, lr=0.0, shift=-0.0)


_SETTINGS: dict[type[Optimizer], list[dict[str, Any]]] = {
    SGD: [{}, {"momentum": 0.9, "nesterov": True}, {"momentum": 0.5, "dampening": -0.0}],
    Adagrad: [{}, {"lr_decay": 0.1, "initial_accumulator_value": 0.5}],
    RMSprop: [{}, {"centered": True, "momentum": 0.9, "alpha": 1.0}],
    Adam: [{}, {"amsgrad": True, "betas": [0.5, 0.9], "weight_decay": 0.1}],
    AdamW: [{}, {"amsgrad": True, "weight_decay": 0.0}],
}


@pytest.mark.parametrize("cls", OPTIMIZERS, ids=lambda c: c.__name__)
def test_a_step_is_the_rule_called_with_keywords_on_each_parameter_bit_for_bit(
    cls: type[Optimizer],
) -> None:
    """Groups with their own settings, maximize, a frozen parameter, create_graph gradients
    and a learning rate changed between steps: each new value is the rule's, to the bit."""
    rng = random.Random(7)
    params = [Value(rng.gauss(0.0, 1.0)) for _ in range(9)]
    params[4].requires_grad = False
    groups = [
        {"params": params[i::3], **extra, "maximize": i == 1}
        for i, extra in enumerate([*_SETTINGS.get(cls, []), {}, {}, {}][:3])
    ]
    opt = cls(groups, lr=0.05)
    rule, states = cls.rule, {}
    for t in range(5):
        for p in params:
            p.grad = Value(rng.gauss(0.0, 1.0)) if t == 2 else rng.gauss(0.0, 1.0)
        opt.param_groups[t % 3]["lr"] = [0.05, 0.2, 1.0][t % 3] * (t + 1)
        want = {}
        for group in opt.param_groups:
            hyper = {k: v for k, v in group.items() if k not in ("params", "maximize")}
            for p in group["params"]:
                if p.requires_grad:
                    g = -float(p.grad) if group["maximize"] else float(p.grad)
                    want[p] = rule(p.data, g, states.get(p, {}), **hyper)
        before = params[4].data
        opt.step()
        for p, (data, new) in want.items():
            assert repr(p.data) == repr(data)  # repr: -0.0 is not 0.0
            if new:
                states[p] = new
        assert params[4].data == before  # frozen
        assert opt.state == states


def test_a_subclass_that_derives_the_rules_arguments_in_hyper_is_obeyed() -> None:
    def half_life_update(
        param: float, grad: float, state: Any, lr: float, half_life: float
    ) -> optim.Update:
        return sgd_update(param, grad, state, lr, momentum=0.5 ** (1.0 / half_life))

    class HalfLife(Optimizer):
        """SGD with momentum given as a half-life in steps: its rule turns it into momentum."""

        rule = staticmethod(half_life_update)

        def __init__(self, params: Any, lr: optim.LearningRate, half_life: AsGiven) -> None:
            super().__init__(params, locals())

    a, b = _two_params()
    opt = HalfLife([a, b], lr=0.5, half_life=1.0)
    opt.step()
    opt.step()  # the second step uses the momentum buffer: b <- 0.5 * b + g
    assert (a.data, b.data) == (1.0 - 0.25 - 0.375, 2.0 - 0.25 - 0.375)
    assert opt.state[a] == {"momentum_buffer": 0.75}


def test_a_rule_that_raises_once_but_for_no_parameter_alone_still_changes_nothing() -> None:
    calls = []

    def flaky(param: float, grad: float, state: Any, lr: float) -> optim.Update:
        calls.append(param)
        if len(calls) == 2:  # the second call of the step's map, never again
            raise OverflowError("once")
        return param - lr * grad, {}

    class Flaky(Optimizer):
        rule = staticmethod(flaky)

        def __init__(self, params: Any, lr: optim.LearningRate) -> None:
            super().__init__(params, locals())

    a, b = _two_params()
    with pytest.raises(FloatingPointError, match="the update rule raised; nothing was changed"):
        Flaky([a, b], 0.1).step()
    assert (a.data, b.data) == (1.0, 2.0)


# -- what the package exports: every optimiser, found in optim.__all__ ----------------------


def _check_of(alias: Any) -> optim.Hyper:
    hyper: optim.Hyper = alias.__metadata__[0]
    return hyper


#: A strategy for each kind of hyper-parameter (``optim.LearningRate``, ...): a new optimiser
#: that declares its settings with these kinds is drawn from without a line here.
_DRAW: dict[optim.Hyper, st.SearchStrategy[Any]] = {
    _check_of(optim.LearningRate): st.floats(0.0, 10.0) | st.sampled_from([0.0, 1e-3, 0.1]),
    _check_of(optim.NonNegative): st.floats(0.0, 2.0) | st.sampled_from([0.0, 0.5, 0.9]),
    _check_of(optim.Finite): st.floats(-2.0, 2.0) | st.sampled_from([0.0, -0.0]),
    _check_of(optim.Fraction): st.floats(0.0, 1.0) | st.sampled_from([0.0, 0.99, 1.0]),
    _check_of(optim.Epsilon): st.floats(1e-12, 1.0) | st.sampled_from([1e-8, 1e-300]),
    _check_of(optim.Flag): st.booleans(),
    _check_of(optim.Betas): st.tuples(_BETA, _BETA) | st.just((0.9, 0.999)),
}


@st.composite
def _settings(draw: st.DrawFn, cls: type[Optimizer]) -> dict[str, Any]:
    """Any settings of ``cls``'s hyper-parameters that it accepts, as its rule takes them."""
    opt = cls([Value(0.0)])
    settings = {name: draw(_DRAW[hyper]) for name, hyper in cls.hyper.items()}
    try:
        opt.add_param_group({"params": [Value(0.0)], **settings})  # checked as the user's are
    except ValueError:  # fine one by one, not together (SGD's nesterov without momentum)
        reject()
    return opt.hyper_of(opt.param_groups[-1])


def test_the_package_exports_every_optimiser() -> None:
    assert {cls.__name__ for cls in OPTIMIZERS} >= {"SGD", "Adagrad", "RMSprop", "Adam", "AdamW"}


@pytest.mark.parametrize("cls", OPTIMIZERS, ids=lambda c: c.__name__)
def test_each_hyper_parameter_is_declared_once_and_the_rest_follows(
    cls: type[Optimizer],
) -> None:
    """The constructor's signature is where a hyper-parameter lives; the rest is derived."""
    signature = inspect.signature(cls)
    arguments = {n: a for n, a in signature.parameters.items() if n != "params"}
    # each argument is a hyper-parameter with its check, in the signature's order ...
    assert list(arguments) == [name for name in cls.hyper if name in arguments]
    opt = cls([Value(0.0)])
    # ... its default passes its check unchanged, and is the optimiser's default ...
    for name, argument in arguments.items():
        assert argument.default is not argument.empty, name
        assert cls.hyper[name].check(argument.default, name) == argument.default
        assert opt.defaults[name] == argument.default
    # ... and a setting not in the signature is one a base class declared and this one fixes
    assert set(cls.hyper) - set(arguments) <= {
        name
        for base in cls.__mro__[1:]
        if base is not Optimizer
        for name in getattr(base, "hyper", {})
    }
    assert list(opt.defaults) == list(cls.hyper) == list(opt.state_dict()["param_groups"][0])[:-1]
    for name in cls.hyper:
        assert f"    {name}: " in repr(opt)
    # the rule takes every hyper-parameter, in that order, right after (param, grad, state)
    rule_arguments = list(inspect.signature(cls.rule).parameters)
    assert rule_arguments[:3] == ["param", "grad", "state"]
    assert rule_arguments[3 : 3 + len(cls.hyper)] == list(cls.hyper)
    assert cls._by_position


@pytest.mark.parametrize("cls", OPTIMIZERS, ids=lambda c: c.__name__)
def test_a_bad_value_of_each_hyper_parameter_is_refused_by_name(cls: type[Optimizer]) -> None:
    p = Value(0.0)
    for name in cls.hyper:
        for bad in ("x", -1e300, math.nan):
            try:
                cls.hyper[name].check(bad, name)
            except (TypeError, ValueError) as error:
                want = str(error)
            else:
                continue  # a value this setting accepts
            with pytest.raises((TypeError, ValueError)) as caught:
                cls([{"params": [p], name: bad}])
            assert str(caught.value) == f"param_groups[0]: {want}"
            assert name in want or "beta" in want  # the message names the setting


@pytest.mark.torch
@pytest.mark.parametrize("cls", OPTIMIZERS, ids=lambda c: c.__name__)
def test_defaults_are_pytorchs(cls: type[Optimizer]) -> None:
    torch = pytest.importorskip("torch")
    theirs_cls = getattr(torch.optim, cls.__name__, None)
    if theirs_cls is None:
        pytest.skip(f"torch.optim has no {cls.__name__}")
    theirs = theirs_cls([torch.zeros(1, requires_grad=True)]).defaults
    assert {k: theirs[k] for k in cls.hyper} == cls([Value(0.0)]).defaults


@pytest.mark.parametrize("cls", OPTIMIZERS, ids=lambda c: c.__name__)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_any_settings_round_trip_through_json_and_continue_identically(
    cls: type[Optimizer], data: st.DataObject
) -> None:
    hyper = data.draw(_settings(cls))
    xs = make_values()
    gs = groups(xs)
    gs[1].update(hyper)
    opt = cls(gs)

    def train(values: list[Value], optimizer: Optimizer) -> bool:
        """One step; False if refused (a huge lr, say: the loss or a step overflows)."""
        optimizer.zero_grad()
        try:
            objective(values).backward()
            optimizer.step()
        except (FloatingPointError, OverflowError):
            return False
        return True

    if not all(train(xs, opt) for _ in range(3)):
        return
    saved = json.loads(json.dumps(opt.state_dict()))
    copy = [Value(x.data, requires_grad=x.requires_grad) for x in xs]
    resumed = cls(groups(copy))
    resumed.load_state_dict(saved)
    assert resumed.state_dict() == opt.state_dict()
    if train(xs, opt) and train(copy, resumed):
        assert [repr(x.data) for x in copy] == [repr(x.data) for x in xs]
        assert resumed.state_dict() == opt.state_dict()


# -- the rules on floats and on arrays: the same bits -----------------------------------------

_ELEMENT = st.floats(-1e3, 1e3) | st.sampled_from([0.0, -0.0, 1e-300, 1.0, math.inf, math.nan])


def _same_bits(x: Any, floats: list[float]) -> bool:
    """Whether ``x`` (an array, or a float shared by all) holds ``floats`` bit for bit: -0.0 is
    not 0.0; any NaN is any NaN (its payload is the hardware's; a step refuses NaN anyway)."""
    np = pytest.importorskip("numpy")
    got = np.broadcast_to(np.asarray(x, dtype=np.float64), (len(floats),))
    want = np.array(floats, dtype=np.float64)
    nan = np.isnan(want)
    return bool(
        np.array_equal(np.isnan(got), nan)
        and np.array_equal(got[~nan].view(np.uint64), want[~nan].view(np.uint64))
    )


@pytest.mark.parametrize("cls", OPTIMIZERS, ids=lambda c: c.__name__)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_a_rule_on_an_array_is_the_rule_on_each_float_bit_for_bit(
    cls: type[Optimizer], data: st.DataObject
) -> None:
    """Each rule, with any settings, on floats one by one and on a float64 vector at once.

    The elements start from different histories (1 to 3 steps each, so step counts differ)
    and take 3 more steps; parameters and every state entry agree to the bit.
    """
    np = pytest.importorskip("numpy")
    hyper = data.draw(_settings(cls), label="settings")
    rule = cls.rule
    n = data.draw(st.integers(1, 6), label="n")
    params = data.draw(st.lists(_ELEMENT, min_size=n, max_size=n), label="params")
    states: list[dict[str, float]] = []
    for i in range(n):  # each element's own history, on floats
        state: dict[str, float] = {}
        for _ in range(data.draw(st.integers(1, 3), label="history")):
            params[i], state = rule(params[i], data.draw(_ELEMENT), state, **hyper)
        states.append(state)
    assert all(set(s) == set(states[0]) for s in states)  # the same entries: one array each
    vector = np.array(params, dtype=np.float64)
    vector_state = {k: np.array([s[k] for s in states], dtype=np.float64) for k in states[0]}
    for _ in range(3):
        grads = data.draw(st.lists(_ELEMENT, min_size=n, max_size=n), label="grads")
        steps = [rule(p, g, s, **hyper) for p, g, s in zip(params, grads, states, strict=True)]
        params, states = [p for p, _ in steps], [s for _, s in steps]
        with np.errstate(all="ignore"):
            vector, vector_state = rule(vector, np.array(grads), vector_state, **hyper)
        assert _same_bits(vector, params), (vector, params)
        assert set(vector_state) == set(states[0])
        for key, value in vector_state.items():
            assert _same_bits(value, [s[key] for s in states]), key


def test_a_shared_step_count_stays_a_float_and_gives_the_same_bits() -> None:
    np = pytest.importorskip("numpy")
    floats = [
        adam_update(x, 0.25 * x, {"step": 4.0, "exp_avg": x, "exp_avg_sq": x * x}, lr=0.1)
        for x in (0.5, -1.5, 3.0)
    ]
    xs = np.array([0.5, -1.5, 3.0])
    p, s = adam_update(xs, 0.25 * xs, {"step": 4.0, "exp_avg": xs, "exp_avg_sq": xs * xs}, lr=0.1)
    assert s["step"] == 5.0 and isinstance(s["step"], float)
    assert p.tolist() == [q for q, _ in floats]
    assert s["exp_avg_sq"].tolist() == [t["exp_avg_sq"] for _, t in floats]


def test_the_rules_import_no_numpy() -> None:
    import subprocess
    import sys

    code = (
        "import sys, autograd_lite.optim as o; "
        "o.adam_update(1.0, 0.5, {}, lr=0.1, amsgrad=True); "
        "o.rmsprop_update(1.0, 0.5, {}, lr=0.1, centered=True); "
        "print('numpy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
