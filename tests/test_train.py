"""autograd_lite.train: fit, History, divergence, evaluation."""

from __future__ import annotations

import contextlib
import functools
import io
import re
from pathlib import Path
from typing import Any

import pytest

from autograd_lite import Value, nn, optim
from autograd_lite.checkpoint import load
from autograd_lite.data import make_blobs, make_moons
from autograd_lite.losses import classes_of, classifies, cross_entropy, hinge_loss, mse_loss
from autograd_lite.train import (
    DivergenceError,
    History,
    eval_mode,
    evaluate,
    fit,
    predict_classes,
)


def _moons(n: int = 40) -> tuple[list[list[float]], list[int]]:
    return make_moons(n, noise=0.1, seed=0)


def test_fit_learns_and_records_every_epoch() -> None:
    X, y = _moons()
    model = nn.MLP(2, [8, 8, 1], seed=0)
    seen: list[int] = []
    history = fit(
        model,
        hinge_loss,
        optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
        (X, y),
        epochs=8,
        batch_size=10,
        validation=_moons(20),
        progress=False,
        seed=0,
        on_epoch_end=lambda epoch, h: seen.append(epoch),
    )
    assert isinstance(history, History) and len(history) == 8
    assert seen == list(range(1, 9))
    assert history.loss[-1] < history.loss[0]
    assert all(a is not None and 0.0 <= a <= 1.0 for a in history.accuracy)
    assert history.accuracy[-1] > 0.8
    assert all(v is not None for v in history.val_loss + history.val_accuracy)
    assert history.lr == [0.1] * 8 and len(history.seconds) == 8
    # the recorded validation figures are what evaluate() reports
    assert evaluate(model, hinge_loss, _moons(20)) == (
        history.val_loss[-1],
        history.val_accuracy[-1],
    )
    assert model.training


def test_fit_is_reproducible_with_seeds() -> None:
    def run() -> list[float]:
        model = nn.MLP(2, [6, 1], seed=3)
        opt = optim.Adam(model.parameters(), lr=0.01)
        return fit(
            model, hinge_loss, opt, _moons(), epochs=3, batch_size=8, progress=False, seed=4
        ).loss

    assert run() == run()


def test_multiclass_cross_entropy_and_scheduler() -> None:
    X, y = make_blobs(60, centers=3, seed=1)
    model = nn.MLP(2, [8, 3], seed=0)
    opt = optim.SGD(model.parameters(), lr=0.2)
    sched = optim.StepLR(opt, step_size=2, gamma=0.5)
    h = fit(
        model,
        cross_entropy,
        opt,
        (X, y),
        epochs=5,
        batch_size=20,
        progress=False,
        seed=0,
        scheduler=sched,
    )
    assert h.lr == [0.2, 0.2, 0.1, 0.1, 0.05]
    assert h.accuracy[-1] is not None and h.accuracy[-1] > 0.9
    assert predict_classes(model, X[:5], cross_entropy) == [
        max(range(3), key=lambda k: model(x)[k].data) for x in X[:5]
    ]


def test_regression_has_no_accuracy_unless_predict_is_given() -> None:
    X = [[i / 10] for i in range(10)]
    y = [2 * x[0] for x in X]
    model = nn.MLP(1, [1], seed=0)
    h = fit(
        model,
        mse_loss,
        optim.SGD(model.parameters(), lr=0.1),
        (X, y),
        epochs=2,
        batch_size=5,
        progress=False,
    )
    assert h.accuracy == [None, None]
    labels = [int(t > 1.0) for t in y]
    h2 = fit(
        model,
        lambda out, t: mse_loss(out, 2 * t),
        optim.SGD(model.parameters(), lr=0.1),
        (X, labels),
        epochs=1,
        batch_size=5,
        progress=False,
        predict=lambda out: int(out.data > 1.0),
    )
    assert h2.accuracy[0] is not None


@pytest.mark.parametrize("compile", [False, "python"])
def test_accuracy_comes_from_the_loss_not_its_identity(compile: bool | str) -> None:
    X, y = _moons(20)
    signs = [1.0 if t else -1.0 for t in y]

    def accuracy_with(loss_fn: Any) -> float | None:
        model = nn.MLP(2, [4, 1], seed=0)
        opt = optim.SGD(model.parameters(), lr=0.05)
        h = fit(
            model,
            loss_fn,
            opt,
            (X, signs),
            epochs=1,
            batch_size=10,
            progress=False,
            seed=0,
            compile=compile,
        )
        return h.accuracy[0]

    plain = accuracy_with(hinge_loss)
    assert plain is not None
    assert accuracy_with(functools.partial(hinge_loss)) == plain  # a wrapper keeps it
    assert accuracy_with(functools.partial(hinge_loss, margin=1.0)) == plain
    assert accuracy_with(lambda out, t: hinge_loss(out, t)) is None  # a lambda says nothing

    @classifies(score_cut=0.0, target_cut=0.0, argmax=True)
    def my_hinge(out: Any, t: Any) -> Value:
        return hinge_loss(out, t)

    assert accuracy_with(my_hinge) == plain  # a loss of one's own can say it classifies
    assert classes_of(mse_loss) is None


def test_divergence_stops_with_a_clear_error() -> None:
    X = [[float(i)] for i in range(1, 9)]
    y = [100.0 * x[0] for x in X]
    model = nn.MLP(1, [1], seed=0)  # a linear model: lr * x^2 >> 1 overshoots more each step
    with pytest.raises(DivergenceError) as info:
        fit(
            model,
            mse_loss,
            optim.SGD(model.parameters(), lr=10.0),
            (X, y),
            epochs=50,
            batch_size=4,
            progress=False,
        )
    message = str(info.value)
    assert "training diverged in epoch" in message
    assert "smaller learning rate than 10" in message
    assert info.value.epoch < 50
    assert len(info.value.history) == info.value.epoch - 1


def test_weights_becoming_infinite_count_as_divergence() -> None:
    model = nn.Linear(1, 1, seed=0)
    model.neurons[0].w[0].data = 1.0
    opt = optim.SGD(model.parameters(), lr=1e308)  # w - lr * 200 is -inf
    message = r"epoch 1 \(batch 1 of 1\): SGD.step\(\) would make parameter 0 .* -inf"
    with pytest.raises(DivergenceError, match=message):
        fit(model, mse_loss, opt, ([[10.0]], [0.0]), epochs=3, batch_size=1, progress=False)
    assert model.neurons[0].w[0].data == 1.0  # the optimiser refused the step: nothing written


def test_overflow_on_the_validation_set_is_divergence() -> None:
    model = nn.Linear(1, 1, seed=0)
    opt = optim.SGD(model.parameters(), lr=0.01)
    train_set, val = ([[1.0]], [0.0]), ([[1e300]], [0.0])  # (w * 1e300)^2 overflows
    with pytest.raises(DivergenceError, match=r"epoch 1 \(evaluating the validation set\)") as info:
        fit(model, mse_loss, opt, train_set, epochs=2, batch_size=1, validation=val, progress=False)
    assert info.value.epoch == 1 and len(info.value.history) == 0
    assert len(info.value.history.val_loss) == 0  # no half-recorded epoch


def test_a_division_by_zero_in_the_loss_keeps_its_own_message() -> None:
    model = nn.Linear(1, 1, seed=0)
    opt = optim.SGD(model.parameters(), lr=0.01)

    def broken(output: Value, target: float) -> Value:
        return (output - target) / 0

    with pytest.raises(ZeroDivisionError, match="division by zero") as info:
        fit(model, broken, opt, ([[1.0]], [0.0]), epochs=1, batch_size=1, progress=False)
    assert not isinstance(info.value, DivergenceError)
    assert "learning rate" not in str(info.value)


def test_progress_bar_shows_loss_and_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    model = nn.MLP(2, [4, 1], seed=0)
    fit(model, hinge_loss, optim.SGD(model.parameters(), lr=0.1), _moons(), epochs=2, batch_size=40)
    err = capsys.readouterr().err
    assert "training" in err and "loss=" in err and "acc=" in err and "2/2" in err


def test_frozen_layers_do_not_change_during_fit() -> None:
    model = nn.MLP(2, [4, 4, 1], seed=0)
    model.layers[0].requires_grad_(False)
    frozen = model.layers[0].state_dict()
    others = model.layers[1].state_dict()
    opt = optim.AdamW(model.parameters(), lr=0.05, weight_decay=0.1)
    fit(model, hinge_loss, opt, _moons(), epochs=2, batch_size=10, progress=False)
    assert model.layers[0].state_dict() == frozen
    assert model.layers[1].state_dict() != others


def test_batchnorm_and_dropout_models_train_with_fit() -> None:
    model = nn.Sequential(
        nn.Linear(2, 8, seed=0),
        nn.BatchNorm1d(8),
        nn.ReLU(),
        nn.Dropout(0.1, seed=0),
        nn.Linear(8, 1, seed=1),
    )
    h = fit(
        model,
        hinge_loss,
        optim.SGD(model.parameters(), lr=0.1),
        _moons(),
        epochs=2,
        batch_size=10,
        progress=False,
        validation=_moons(10),
    )
    assert len(h) == 2 and h.val_accuracy[-1] is not None


def test_evaluation_restores_each_modules_own_mode() -> None:
    bn = nn.BatchNorm1d(4)
    model = nn.Sequential(nn.Linear(2, 4, seed=0), bn, nn.Linear(4, 1, seed=1))
    bn.eval()  # frozen statistics inside a model that trains
    modes = [m.training for m in model.modules()]
    assert modes.count(False) == 1
    X, y = _moons(6)
    evaluate(model, hinge_loss, (X, y))
    assert [m.training for m in model.modules()] == modes
    predict_classes(model, X, hinge_loss)
    assert [m.training for m in model.modules()] == modes
    with pytest.raises(ZeroDivisionError), eval_mode(model):
        assert not any(m.training for m in model.modules())
        out = model([1.0, 2.0])
        assert not out.requires_grad  # no graph is recorded
        _ = 1 / 0
    assert [m.training for m in model.modules()] == modes  # restored after an error too


def test_bad_arguments() -> None:
    model = nn.MLP(2, [2, 1], seed=0)
    opt = optim.SGD(model.parameters(), lr=0.1)
    X, y = _moons(10)
    with pytest.raises(ValueError, match="epochs must be at least 1, got 0"):
        fit(model, hinge_loss, opt, (X, y), epochs=0, batch_size=2)
    with pytest.raises(TypeError, match=r"batch_size must be an int, got float: 1\.5"):
        fit(model, hinge_loss, opt, (X, y), epochs=1, batch_size=1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="epochs must be an int, got bool"):
        fit(model, hinge_loss, opt, (X, y), epochs=True, batch_size=2)
    with pytest.raises(ValueError, match="X has 10 examples but y has 9"):
        fit(model, hinge_loss, opt, (X, y[:9]), epochs=1, batch_size=2)
    with pytest.raises(TypeError, match="pair"):
        fit(model, hinge_loss, opt, X, epochs=1, batch_size=2)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="optimizer must have zero_grad"):
        fit(model, hinge_loss, object(), (X, y), epochs=1, batch_size=2)
    with pytest.raises(ValueError, match="cannot tell a class"):
        predict_classes(model, X, mse_loss)


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ({"scheduler": object()}, "scheduler must have step"),
        ({"on_epoch_end": 3}, "on_epoch_end must be a function or None, got int 3"),
        ({"predict": "argmax"}, "predict must be a function or None"),
        ({"progress": "no"}, "progress must be True or False"),
        ({"shuffle": 1}, "shuffle must be True or False"),
    ],
)
def test_every_argument_is_checked_before_the_first_step(
    option: dict[str, object], message: str
) -> None:
    model = nn.MLP(2, [2, 1], seed=0)
    opt = optim.SGD(model.parameters(), lr=0.1)
    before = model.state_dict()
    with pytest.raises(TypeError, match=message):
        fit(model, hinge_loss, opt, _moons(10), epochs=1, batch_size=2, **option)  # type: ignore[arg-type]
    assert model.state_dict() == before  # no epoch ran before the check


@pytest.mark.slow
def test_readme_training_section_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Training a network", 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(r"```python\n(.*?)```", section, re.S)
    for picture in re.findall(r"\]\((docs/[\w.]+)\)", section):
        assert (Path(__file__).parent.parent / picture).is_file(), picture
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        exec(compile(code, "README.md", "exec"), {})  # our own README, not user input
    assert out.getvalue().strip().endswith("accuracy 100%")
    load(tmp_path / "moons.json", nn.MLP(2, [16, 16, 1]))


@pytest.mark.parametrize("compile", [False, "python", "numpy"])
def test_fit_takes_numpy_arrays_as_it_takes_lists(compile: bool | str) -> None:
    import numpy as np

    X, y = _moons()

    def run(data: Any) -> list[float]:
        model = nn.MLP(2, [6, 1], seed=3)
        opt = optim.SGD(model.parameters(), lr=0.1)
        history = fit(
            model,
            hinge_loss,
            opt,
            data,
            epochs=3,
            batch_size=8,
            progress=False,
            seed=4,
            compile=compile,
        )
        return history.loss

    as_arrays = (np.array(X), np.array(y))
    assert run(as_arrays) == run((X, y))
