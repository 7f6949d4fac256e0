"""A fused training run (``step.fused(opt)``) against the unfused loop it replaces, bit for bit.

The unfused loop is ``opt.zero_grad(); loss = step(xs, ys); clip; opt.step()``; the fused run
must leave the same Values, ``.grad`` and ``state_dict()`` wherever the user looks: after the
run, on ``state_dict()``, on ``sync()``, in ``fit``'s callbacks, after an exception. Floats are
compared by their bits (``float.hex``), so -0.0 and 0.0 differ too.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd_lite import Value, compile, nn, optim
from autograd_lite.compile import CHECK_SHARE, CHECK_SPACING, MAX_LINES, GraphTooLargeError
from autograd_lite.losses import hinge_loss, mse_loss

np = pytest.importorskip("numpy")

XS = [[0.5, -1.0], [1.0, 2.0], [-0.3, 0.7], [2.0, -1.5], [0.1, 0.2]]
TS = [1.0, -1.0, 1.0, -1.0, 1.0]


def bits(x: Any) -> Any:
    """Every float of a nested structure as its exact bits."""
    if isinstance(x, float):
        return x.hex()
    if isinstance(x, dict):
        return {k: bits(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [bits(v) for v in x]
    return x


def snapshot(model: nn.Module, opt: optim.Optimizer) -> Any:
    ps = model.parameters()
    return bits(([p.data for p in ps], [p.grad for p in ps], opt.state_dict()))


OPTIMIZERS: dict[str, Callable[..., optim.Optimizer]] = {
    "sgd": lambda ps, **kw: optim.SGD(ps, lr=0.1, **kw),
    "adam": lambda ps, **kw: optim.Adam(ps, lr=0.05, **kw),
    "adamw": lambda ps, **kw: optim.AdamW(ps, lr=0.05, **kw),
    "rmsprop": lambda ps, **kw: optim.RMSprop(ps, lr=0.01, **kw),
    "adagrad": lambda ps, **kw: optim.Adagrad(ps, lr=0.1, **kw),
}


@st.composite
def settings_of(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    kind = draw(st.sampled_from(sorted(OPTIMIZERS)))
    kw: dict[str, Any] = {"maximize": draw(st.booleans())}
    wd = draw(st.sampled_from([0.0, 0.01]))
    if kind == "sgd":
        momentum = draw(st.sampled_from([0.0, 0.9]))
        nesterov = momentum > 0 and draw(st.booleans())
        dampening = 0.0 if nesterov else draw(st.sampled_from([0.0, 0.3]))
        kw |= {"momentum": momentum, "nesterov": nesterov, "dampening": dampening}
    elif kind in ("adam", "adamw"):
        kw["amsgrad"] = draw(st.booleans())
    elif kind == "rmsprop":
        kw |= {"centered": draw(st.booleans()), "momentum": draw(st.sampled_from([0.0, 0.5]))}
    else:
        kw["lr_decay"] = draw(st.sampled_from([0.0, 0.1]))
    kw["weight_decay"] = wd
    return kind, kw


class Setup:
    """A tiny network, a compiled step and an optimiser, built the same way twice."""

    def __init__(self, backend: str, kind: str, kw: dict[str, Any], *, groups: bool,
                 frozen: bool, schedule: bool) -> None:  # fmt: skip
        self.model = model = nn.MLP(2, [3, 1], seed=0)
        params = model.parameters()
        if frozen:
            params[1].requires_grad = False
        self.step = compile(lambda x, t: hinge_loss(model(x), t), params, example=(XS[0], TS[0]),
                            backend=backend, check_every=3, check_share=None)  # fmt: skip
        if groups:  # the first layer with another learning rate
            first = model.layers[0].parameters()
            rest = [p for p in params if all(p is not q for q in first)]
            spec: Any = [{"params": first, "lr": 0.02}, {"params": rest}]
        else:
            spec = params
        self.opt = OPTIMIZERS[kind](spec, **kw)
        self.sched = optim.StepLR(self.opt, step_size=2, gamma=0.5) if schedule else None


def unfused(s: Setup, steps: int, clip: dict[str, Any]) -> list[float]:
    losses = []
    for _ in range(steps):
        s.opt.zero_grad()
        losses.append(s.step(XS, TS))
        if "max_norm" in clip:
            optim.clip_grad_norm_(s.model.parameters(), clip["max_norm"], clip.get("norm_type", 2))
        if "clip_value" in clip:
            optim.clip_grad_value_(s.model.parameters(), clip["clip_value"])
        s.opt.step()
        if s.sched is not None:
            s.sched.step()
    return losses


def fused(s: Setup, steps: int, clip: dict[str, Any]) -> list[float]:
    losses = []
    with s.step.fused(s.opt, **clip) as run:
        for _ in range(steps):
            losses.append(run(XS, TS))
            if s.sched is not None:
                s.sched.step()
    return losses


CLIPS = st.sampled_from([{}, {"max_norm": 0.05}, {"max_norm": 0.1, "norm_type": 1.0},
                         {"max_norm": 0.1, "norm_type": "inf"}, {"max_norm": 0.1, "norm_type": 3.0},
                         {"clip_value": 0.01}])  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    backend=st.sampled_from(["numpy", "python"]),
    setting=settings_of(),
    steps=st.integers(1, 7),
    groups=st.booleans(),
    frozen=st.booleans(),
    schedule=st.booleans(),
    clip=CLIPS,
)
def test_a_fused_run_leaves_what_the_unfused_loop_leaves_bit_for_bit(
    backend: str,
    setting: tuple[str, dict[str, Any]],
    steps: int,
    groups: bool,
    frozen: bool,
    schedule: bool,
    clip: dict[str, Any],
) -> None:
    kind, kw = setting
    a = Setup(backend, kind, kw, groups=groups, frozen=frozen, schedule=schedule)
    b = Setup(backend, kind, kw, groups=groups, frozen=frozen, schedule=schedule)
    assert bits(unfused(a, steps, clip)) == bits(fused(b, steps, clip))
    assert snapshot(a.model, a.opt) == snapshot(b.model, b.opt)
    assert a.step.checks == b.step.checks  # the checks ran at the same calls


def test_state_dict_and_sync_mid_run_are_the_unfused_state_and_the_run_goes_on() -> None:
    a = Setup("numpy", "adam", {"amsgrad": True}, groups=True, frozen=False, schedule=False)
    b = Setup("numpy", "adam", {"amsgrad": True}, groups=True, frozen=False, schedule=False)
    saved = a.opt.state_dict()
    with b.step.fused(b.opt) as run:
        for i in range(8):
            unfused(a, 1, {})
            run(XS, TS)
            if i == 1:
                assert bits(b.opt.state_dict()) == bits(a.opt.state_dict())  # written back
            if i == 5:  # a state loaded mid-run is what the next call starts from
                for m in (a, b):
                    m.opt.load_state_dict(saved)
            if i == 3:
                run.sync()
                assert snapshot(b.model, b.opt) == snapshot(a.model, a.opt)
                for m in (a, b):  # a value set after sync() is what the next call reads
                    m.model.parameters()[0].data = 0.25
    assert snapshot(a.model, a.opt) == snapshot(b.model, b.opt)


def test_a_checkpoint_saved_mid_run_with_its_optimizer_is_the_unfused_one(tmp_path: Any) -> None:
    from autograd_lite import checkpoint

    a = Setup("numpy", "sgd", {"momentum": 0.9}, groups=False, frozen=False, schedule=False)
    b = Setup("numpy", "sgd", {"momentum": 0.9}, groups=False, frozen=False, schedule=False)
    unfused(a, 3, {})
    checkpoint.save(tmp_path / "a.json", a.model, optimizer=a.opt)
    with b.step.fused(b.opt) as run:
        for _ in range(3):
            run(XS, TS)
        checkpoint.save(tmp_path / "b.json", b.model, optimizer=b.opt)
    assert (tmp_path / "a.json").read_text() == (tmp_path / "b.json").read_text()


def test_a_step_whose_update_is_not_finite_raises_as_unfused_and_leaves_the_same_state() -> None:
    a = Setup("numpy", "sgd", {}, groups=False, frozen=False, schedule=False)
    b = Setup("numpy", "sgd", {}, groups=False, frozen=False, schedule=False)
    unfused(a, 2, {})
    with b.step.fused(b.opt) as run:
        run(XS, TS), run(XS, TS)
        for m in (a, b):
            m.opt.param_groups[0]["lr"] = 1e308  # the next step overflows
            m.opt.param_groups[0]["weight_decay"] = 1e308
        with pytest.raises(FloatingPointError) as fused_error:
            run(XS, TS)
        with pytest.raises(FloatingPointError) as unfused_error:
            unfused(a, 1, {})
        assert str(fused_error.value) == str(unfused_error.value)
        assert "nothing was changed" in str(fused_error.value)
        assert snapshot(a.model, a.opt) == snapshot(b.model, b.opt)
        for m in (a, b):
            m.opt.param_groups[0]["lr"] = 0.1
            m.opt.param_groups[0]["weight_decay"] = 0.0
        run(XS, TS)  # the run goes on from there
        unfused(a, 1, {})
    assert snapshot(a.model, a.opt) == snapshot(b.model, b.opt)


def test_a_bad_batch_inside_the_run_leaves_the_state_of_the_last_completed_step() -> None:
    a = Setup("numpy", "rmsprop", {"momentum": 0.5}, groups=False, frozen=False, schedule=False)
    b = Setup("numpy", "rmsprop", {"momentum": 0.5}, groups=False, frozen=False, schedule=False)
    unfused(a, 3, {})
    a.opt.zero_grad()
    with pytest.raises(ValueError, match="inputs but"):
        a.step(XS, TS[:2])
    with b.step.fused(b.opt) as run:
        for _ in range(3):
            run(XS, TS)
        with pytest.raises(ValueError, match="inputs but"):
            run(XS, TS[:2])
        assert snapshot(a.model, a.opt) == snapshot(b.model, b.opt)  # grads zeroed, as unfused


GRADS = st.lists(
    st.floats(allow_nan=True, allow_infinity=True) | st.floats(-1e3, 1e3) | st.just(-0.0),
    min_size=1,
    max_size=20,
)


@settings(max_examples=300, deadline=None)
@given(
    grads=GRADS,
    max_norm=st.floats(0.0, 10.0),
    norm_type=st.sampled_from([1.0, 2.0, 3.0, 0.5, "inf"]),
    strict=st.booleans(),
)
def test_clipping_an_array_is_clipping_the_values_bit_for_bit(
    grads: list[float], max_norm: float, norm_type: Any, strict: bool
) -> None:
    from autograd_lite.optim.clipping import _norm_type, clamp_array, clip_norm_of_array

    params = [Value(0.0) for _ in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = g
    try:
        total = optim.clip_grad_norm_(params, max_norm, norm_type, strict)
    except RuntimeError as error:
        with pytest.raises(RuntimeError) as array_error:
            clip_norm_of_array(np.array(grads), max_norm, _norm_type(norm_type), strict)
        assert str(array_error.value) == str(error)
    else:
        with np.errstate(all="ignore"):
            clipped, array_total = clip_norm_of_array(
                np.array(grads), max_norm, _norm_type(norm_type), strict
            )
        assert bits([total, *[p.grad for p in params]]) == bits([array_total, *clipped.tolist()])
    for p, g in zip(params, grads, strict=True):
        p.grad = g
    optim.clip_grad_value_(params, max_norm)
    assert bits([p.grad for p in params]) == bits(clamp_array(np.array(grads), max_norm).tolist())


def test_fit_runs_fused_and_its_callbacks_see_the_unfused_values(monkeypatch: Any) -> None:
    import autograd_lite.compile.fused as fused_module
    from autograd_lite.data import make_moons
    from autograd_lite.train import fit

    X, y = make_moons(40, noise=0.1, seed=0)

    def train() -> Any:
        model = nn.MLP(2, [4, 1], seed=0)
        opt = optim.Adam(model.parameters(), lr=0.05)
        sched = optim.StepLR(opt, step_size=2, gamma=0.5)
        seen: list[Any] = []
        history = fit(model, hinge_loss, opt, (X, y), epochs=4, batch_size=10, seed=0,
                      progress=False, compile="numpy", scheduler=sched, validation=(X, y),
                      on_epoch_end=lambda e, h: seen.append(snapshot(model, opt)))  # fmt: skip
        return bits(history.loss), bits(history.val_loss), seen, snapshot(model, opt), opt

    made: list[Any] = []
    real = fused_module.FusedRun.__init__

    def spy(self: Any, *args: Any, **kwargs: Any) -> None:
        made.append(self)
        real(self, *args, **kwargs)

    monkeypatch.setattr(fused_module.FusedRun, "__init__", spy)
    fused_result = train()
    assert len(made) == 1 and made[0].steps == 16  # fit ran fused, 4 epochs of 4 batches
    assert fused_result[-1]._fused is None  # and closed the run
    monkeypatch.setattr(fused_module, "fusable", lambda optimizer: "not today")
    unfused_result = train()
    assert len(made) == 1  # unfused this time
    assert fused_result[:4] == unfused_result[:4]


def test_fit_runs_unfused_with_an_optimizer_of_its_own_or_one_holding_other_values() -> None:
    from autograd_lite.data import make_moons
    from autograd_lite.train import fit

    X, y = make_moons(20, noise=0.1, seed=0)

    class Plain:  # no param_groups at all: fit only needs zero_grad() and step()
        def __init__(self, params: list[Value]) -> None:
            self.params = params

        def zero_grad(self) -> None:
            for p in self.params:
                p.grad = 0.0

        def step(self) -> None:
            for p in self.params:
                p.data -= 0.1 * p.grad

    model = nn.MLP(2, [3, 1], seed=0)
    extra = Value(1.0)
    for opt in (Plain(model.parameters()), optim.SGD([*model.parameters(), extra], lr=0.1)):
        fit(model, hinge_loss, opt, (X, y), epochs=2, batch_size=10, progress=False, seed=0,
            compile="numpy")  # fmt: skip
        assert getattr(opt, "_fused", None) is None
    assert extra.data == 1.0  # SGD stepped it with a zero gradient, unfused


def test_fit_reports_divergence_from_a_fused_run_and_leaves_the_unfused_state(
    monkeypatch: Any,
) -> None:
    import autograd_lite.compile.fused as fused_module
    from autograd_lite.train import DivergenceError, fit

    def train() -> Any:
        model = nn.MLP(2, [3, 1], seed=0)
        opt = optim.SGD(model.parameters(), lr=1e307, weight_decay=1e307)
        with pytest.raises(DivergenceError) as error:
            fit(model, mse_loss, opt, (XS, [3.0] * 5), epochs=2, batch_size=5, progress=False,
                seed=0, compile="numpy")  # fmt: skip
        return str(error.value), snapshot(model, opt)

    fused_result = train()
    monkeypatch.setattr(fused_module, "fusable", lambda optimizer: "not today")
    assert fused_result == train()
    assert "SGD.step() would make parameter" in fused_result[0]


def test_what_a_fused_run_refuses() -> None:
    s = Setup("numpy", "sgd", {}, groups=False, frozen=False, schedule=False)
    with s.step.fused(s.opt) as run:
        run(XS, TS)
        with pytest.raises(RuntimeError, match=r"SGD.step\(\) inside a fused run"):
            s.opt.step()
        with pytest.raises(RuntimeError, match="compiled step is in a fused run"):
            s.step(XS, TS)
        with pytest.raises(RuntimeError, match="in another fused run already"):
            s.step.fused(optim.SGD(s.model.parameters(), lr=0.1))
        other = compile(lambda x, t: hinge_loss(s.model(x), t), s.model.parameters(),
                        example=(XS[0], TS[0]), backend="numpy")  # fmt: skip
        with pytest.raises(RuntimeError, match="another fused run holds some of these"):
            other.fused(optim.SGD(s.model.parameters(), lr=0.1))
    with pytest.raises(RuntimeError, match="closed"):
        run(XS, TS)
    s.opt.step()  # the optimiser is the user's again

    class Mine(optim.SGD):
        def step(self, closure: Any = None) -> Any:
            return super().step(closure)

    with pytest.raises(TypeError, match="Mine has a step"):
        s.step.fused(Mine(s.model.parameters(), lr=0.1))
    with pytest.raises(TypeError, match=r"is not an optim\.Optimizer"):
        s.step.fused(object())
    with pytest.raises(ValueError, match="exactly the step's parameters"):
        s.step.fused(optim.SGD(s.model.parameters()[:2], lr=0.1))
    with pytest.raises(ValueError, match="max_norm"):
        s.step.fused(s.opt, max_norm=-1.0)
    assert s.opt._fused is None and s.step._fused is None  # refused runs hold nothing


def test_a_parameter_frozen_mid_run_is_followed_as_unfused() -> None:
    a = Setup("numpy", "adam", {}, groups=False, frozen=False, schedule=False)
    b = Setup("numpy", "adam", {}, groups=False, frozen=False, schedule=False)
    with b.step.fused(b.opt) as run:
        for i in range(6):
            if i == 2:
                for m in (a, b):
                    m.model.parameters()[0].requires_grad = False
            if i == 4:
                for m in (a, b):
                    m.model.parameters()[0].requires_grad = True
            unfused(a, 1, {})
            run(XS, TS)
    assert b.step.recordings == 3
    assert snapshot(a.model, a.opt) == snapshot(b.model, b.opt)


# -- checks that cost what they must ----------------------------------------------------------


def test_checks_space_out_as_readme_says() -> None:
    import re
    from pathlib import Path

    w = Value(0.5)
    step = compile(
        lambda x, y: (x * w - y) ** 2, [w], example=(1.0, 0.0), backend="numpy", check_share=None
    )
    checked = []
    for call in range(1, 3 * 1600 + 3100 + 2):
        before = step.checks
        step([1.0, 2.0], [0.0, 1.0])
        if step.checks > before:
            checked.append(call)
    every = step.check_every
    assert every is not None
    assert checked[:6] == [1, every, 3 * every, 7 * every, 15 * every, 31 * every]
    gaps = {b - a for a, b in itertools.pairwise(checked[6:])}
    assert gaps == {CHECK_SPACING * every}
    section = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    quoted = (
        f"calls {', '.join(f'{c:,}' for c in checked[:6])}, then every {CHECK_SPACING * every:,}"
    )
    assert quoted in " ".join(section.split())
    assert re.search(rf"up to {CHECK_SPACING} times `check_every`", " ".join(section.split()))


def test_checks_keep_to_their_share_of_the_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """A step whose eager check costs 100 replays (a large network) checks less often than
    ``check_every`` says: each check waits until the replays since took 1 / share its cost."""
    import autograd_lite.compile.step as step_module

    unit = 2.0**-10  # a replay of the batch; times in units of it add up exactly
    now = [0.0]
    spent = {"replays": 0.0, "checks": 0.0}
    monkeypatch.setattr(step_module, "_clock", lambda: now[0])
    w = Value(0.5)
    fn = lambda x, y: (x * w - y) ** 2  # noqa: E731
    assert compile(fn, [w], example=(1.0, 0.0)).check_share == CHECK_SHARE == 0.1
    step = compile(fn, [w], example=(1.0, 0.0), backend="numpy", check_share=1 / 8)
    replay, eager = step._try_replay, step._eager

    def slow_replay(*args: Any) -> Any:
        now[0] += unit
        spent["replays"] += unit
        return replay(*args)

    def slow_eager(xs: Any, ys: Any) -> Any:
        now[0] += 50 * unit * len(xs)  # one sample's eager step: as long as 50 replays
        spent["checks"] += 50 * unit * len(xs)
        return eager(xs, ys)

    monkeypatch.setattr(step, "_try_replay", slow_replay)
    monkeypatch.setattr(step, "_eager", slow_eager)
    checked = []
    for call in range(1, 5_000):
        before = step.checks
        step([1.0, 2.0], [0.0, 1.0])
        if step.checks > before:
            checked.append(call)
    # Each check runs both samples eagerly: 100 replays, so the next waits 100 * 8 = 800 calls;
    # where the doubling interval of check_every is longer (the last gap), it counts.
    assert checked == [1, 801, 1601, 2401, 3201, 4801]
    first = 100 * unit  # the first check costs what it costs: the later ones, their share
    assert spent["checks"] - first <= spent["replays"] / 8


@pytest.mark.parametrize(
    ("share", "error", "message"),
    [
        (0, ValueError, r"check_share must be in \(0, 1\], got 0.0"),
        (-0.1, ValueError, r"check_share must be in \(0, 1\], got -0.1"),
        (1.5, ValueError, r"check_share must be in \(0, 1\], got 1.5"),
        (math.nan, ValueError, r"check_share must be in \(0, 1\], got nan"),
        (math.inf, ValueError, r"check_share must be in \(0, 1\], got inf"),
        (True, TypeError, "check_share must be a real number, got bool: True"),
        ("0.1", TypeError, "check_share must be a real number, got str: '0.1'"),
    ],
)
def test_a_check_share_that_is_not_a_share_is_refused(
    share: Any, error: type[Exception], message: str
) -> None:
    w = Value(0.5)
    with pytest.raises(error, match=message):
        compile(lambda x, y: x * w - y, [w], example=(1.0, 0.0), check_share=share)


@pytest.mark.slow
def test_a_python_backend_step_too_long_to_write_is_refused_before_a_line_is_written(
    monkeypatch: Any,
) -> None:
    from autograd_lite.compile.python_backend import PythonBackend

    def never(*args: Any) -> Any:
        raise AssertionError("the source was being written")

    monkeypatch.setattr(PythonBackend, "source", never)
    model = nn.MLP(2, [300, 100, 1], seed=0)  # 30,000 weights in the second layer alone
    with pytest.raises(GraphTooLargeError, match=r'MAX_LINES = 60,000.*backend="numpy"') as e:
        compile(lambda x, t: hinge_loss(model(x), t), model.parameters(), example=(XS[0], 1.0))
    assert int(str(e.value).split("would write ")[1].split(" lines")[0].replace(",", "")) > (
        MAX_LINES
    )
    step = compile(lambda x, t: hinge_loss(model(x), t), model.parameters(),
                   example=(XS[0], 1.0), backend="numpy")  # fmt: skip
    assert step.source.count("\n") < 100


@pytest.mark.slow
def test_the_64_128_128_10_network_compiles_on_numpy_and_trains_fused() -> None:
    from autograd_lite.losses import cross_entropy

    model = nn.MLP(64, [128, 128, 10], seed=0)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 64))
    Y = np.eye(10)[rng.integers(0, 10, 100)]
    step = compile(lambda x, t: cross_entropy(model(x), t), model.parameters(),
                   example=(X[0].tolist(), Y[0].tolist()), backend="numpy")  # fmt: skip
    assert len(step.params) == 26_122
    opt = optim.Adam(model.parameters(), lr=1e-3)
    with step.fused(opt) as run:
        losses = [run(X, Y) for _ in range(5)]
    assert losses[-1] < losses[0]
