"""The training loop: ``fit`` runs epochs of mini-batches and keeps a ``History``.

One step is the learning loop of every introduction to backpropagation:
forward pass on a mini-batch, the mean of the examples' losses, backward
pass, optimiser step. ``fit`` shows a progress bar (tqdm) with the loss and
accuracy, records per-epoch figures, and stops with ``DivergenceError``
(naming the epoch and suggesting a smaller learning rate) as soon as the
loss or a weight stops being a finite number.

>>> from autograd_lite import nn, optim
>>> from autograd_lite.data import make_moons
>>> from autograd_lite.losses import hinge_loss
>>> X, y = make_moons(40, noise=0.1, seed=0)
>>> model = nn.MLP(2, [8, 1], seed=0)
>>> history = fit(model, hinge_loss, optim.SGD(model.parameters(), lr=0.1), (X, y),
...               epochs=3, batch_size=10, progress=False, seed=0)
>>> len(history), history.loss[-1] < history.loss[0]
(3, True)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from tqdm import tqdm  # type: ignore[import-untyped]

from autograd_lite import functional as F
from autograd_lite import losses as L
from autograd_lite.data import _count, batches
from autograd_lite.engine import Value, no_grad
from autograd_lite.init import Seed, make_rng
from autograd_lite.metrics import accuracy
from autograd_lite.nn import Module, Signal

__all__ = [
    "DivergenceError",
    "Evaluation",
    "History",
    "eval_mode",
    "evaluate",
    "fit",
    "predict_classes",
]

Dataset = tuple[Sequence[Any], Sequence[Any]]
LossFn = Callable[[Signal, Any], Value]
Predict = Callable[[Signal], int]


class DivergenceError(ArithmeticError):
    """Training produced a loss or a weight that is not a finite number.

    ``epoch`` (counted from 1) and ``history`` (the epochs completed before)
    are attributes.
    """

    def __init__(self, message: str, *, epoch: int, history: History) -> None:
        super().__init__(message)
        self.epoch = epoch
        self.history = history


@dataclass
class History:
    """Per-epoch figures from ``fit``: ``loss[i]`` is the mean training loss of epoch i+1.

    ``accuracy`` is ``None`` where the loss is not a classification loss
    (and no ``predict`` was given); ``val_loss`` / ``val_accuracy`` are
    ``None`` without ``validation``. ``lr`` is the learning rate the epoch
    used; ``seconds`` its wall time.

    >>> h = History(loss=[0.5, 0.25], accuracy=[0.75, 1.0])
    >>> len(h), h.last()["loss"]
    (2, 0.25)
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float | None] = field(default_factory=list)
    val_loss: list[float | None] = field(default_factory=list)
    val_accuracy: list[float | None] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.loss)

    def as_dict(self) -> dict[str, list[Any]]:
        """Every series by name (handy for plotting or JSON)."""
        return {
            "loss": self.loss,
            "accuracy": self.accuracy,
            "val_loss": self.val_loss,
            "val_accuracy": self.val_accuracy,
            "lr": self.lr,
            "seconds": self.seconds,
        }

    def last(self) -> dict[str, Any]:
        """The latest epoch's figures by name."""
        return {name: series[-1] if series else None for name, series in self.as_dict().items()}


# -- turning outputs into classes -------------------------------------------------------

#: For one-output classifiers: (score threshold, target threshold) per loss.
_BINARY_CUTS: dict[Callable[..., Value], tuple[float, float]] = {
    L.hinge_loss: (0.0, 0.0),  # score sign; targets +1 / -1 (or 0)
    L.binary_cross_entropy_with_logits: (0.0, 0.5),  # logit > 0 <=> p > 1/2
    L.binary_cross_entropy: (0.5, 0.5),  # a probability
}
#: Losses whose several outputs are class scores (predicted class: the largest).
_ARGMAX_LOSSES: set[Callable[..., Value]] = {L.cross_entropy, L.hinge_loss}


def _judge(
    loss_fn: LossFn, predict: Predict | None, output: Signal, target: Any
) -> tuple[int, int] | None:
    """(predicted class, true class) for one example, or None if accuracy means nothing."""
    if predict is not None:
        return predict(output), int(target)
    if isinstance(output, Value):
        cuts = _BINARY_CUTS.get(loss_fn)
        if cuts is None:
            return None
        return int(output.data > cuts[0]), int(float(target) > cuts[1])
    if loss_fn in _ARGMAX_LOSSES:
        return max(range(len(output)), key=lambda i: output[i].data), int(target)
    return None


def _batch_loss(
    model: Module, loss_fn: LossFn, predict: Predict | None, xb: Sequence[Any], yb: Sequence[Any]
) -> tuple[Value, list[tuple[int, int]] | None]:
    """The mean loss over a batch, and each example's (predicted, true) class."""
    outputs = model.call_batch(xb)
    loss = F.sum([loss_fn(o, t) for o, t in zip(outputs, yb, strict=True)]) / len(outputs)
    judged = [_judge(loss_fn, predict, o, t) for o, t in zip(outputs, yb, strict=True)]
    pairs = None if any(j is None for j in judged) else [j for j in judged if j is not None]
    return loss, pairs


def _accuracy(pairs: list[tuple[int, int]] | None) -> float | None:
    if not pairs:
        return None
    return accuracy([t for _, t in pairs], [p for p, _ in pairs])


class Evaluation(NamedTuple):
    """The mean loss over a data set, and the accuracy (None for a regression loss)."""

    loss: float
    accuracy: float | None


@contextmanager
def eval_mode(model: Module) -> Iterator[None]:
    """Evaluation mode and no graph inside the block; each module's own mode after it.

    Every submodule gets back the mode it had, so a layer kept in evaluation
    mode inside a training model (a frozen BatchNorm1d) stays that way.

    >>> from autograd_lite import nn
    >>> model = nn.Sequential(nn.Linear(2, 2, seed=0), nn.Dropout(0.5).eval())
    >>> with eval_mode(model):
    ...     out = model([1.0, 2.0])
    >>> model.training, model[1].training, out[0].requires_grad
    (True, False, False)
    """
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        with no_grad():
            yield
    finally:
        for m, mode in modes:
            m.training = mode


def evaluate(
    model: Module, loss_fn: LossFn, data: Dataset, *, predict: Predict | None = None
) -> Evaluation:
    """Loss and accuracy on ``data`` in evaluation mode, without recording a graph.

    The model's training mode is restored afterwards.
    """
    X, y = _dataset(data, "data")
    with eval_mode(model):
        loss, pairs = _batch_loss(model, loss_fn, predict, X, y)
    return Evaluation(loss.data, _accuracy(pairs))


def predict_classes(
    model: Module, X: Sequence[Any], loss_fn: LossFn, *, predict: Predict | None = None
) -> list[int]:
    """The class ``fit`` would count as the model's answer for each example of ``X``."""
    with eval_mode(model):
        outputs = model.call_batch(list(X))
    out = []
    for i, o in enumerate(outputs):
        judged = _judge(loss_fn, predict, o, 0)
        if judged is None:
            name = getattr(loss_fn, "__name__", repr(loss_fn))
            raise ValueError(f"cannot tell a class from output {i} with loss {name}; pass predict=")
        out.append(judged[0])
    return out


# -- fit -----------------------------------------------------------------------------------


def _dataset(data: object, what: str) -> tuple[list[Any], list[Any]]:
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(f"{what} must be a pair (X, y), got {type(data).__name__}")
    X, y = list(data[0]), list(data[1])
    if len(X) != len(y):
        raise ValueError(f"{what}: X has {len(X)} examples but y has {len(y)}")
    if not X:
        raise ValueError(f"{what} is empty")
    return X, y


def _learning_rate(optimizer: Any) -> float:
    groups = getattr(optimizer, "param_groups", None)
    return float(groups[0]["lr"]) if groups else math.nan


#: What divergence looks like: an overflow, or a loss or weight that is inf or NaN
#: (``fit`` raises FloatingPointError for those). A ZeroDivisionError is not among
#: them: it comes from the model or loss function and keeps its own message.
_DIVERGENCE = (OverflowError, FloatingPointError)


def _diverged(epoch: int, where: str, why: str, lr: float, history: History) -> DivergenceError:
    if len(why) > 160:  # an overflow message can list dozens of inputs
        why = why[:150] + " ..."
    if math.isfinite(lr):
        hint = f"try a smaller learning rate than {lr:g} (e.g. {lr / 10:g})"
    else:
        hint = "try a smaller learning rate"
    return DivergenceError(
        f"training diverged in epoch {epoch} ({where}): {why}; {hint}",
        epoch=epoch,
        history=history,
    )


def fit(
    model: Module,
    loss_fn: LossFn,
    optimizer: Any,
    data: Dataset,
    *,
    epochs: int,
    batch_size: int,
    validation: Dataset | None = None,
    progress: bool = True,
    shuffle: bool = True,
    seed: Seed = None,
    scheduler: Any = None,
    predict: Predict | None = None,
    on_epoch_end: Callable[[int, History], None] | None = None,
    compile: bool | str = False,
) -> History:
    """Train ``model`` on ``data = (X, y)`` for ``epochs`` passes; return the ``History``.

    Each mini-batch: forward pass, ``loss_fn(output, target)`` averaged over
    the batch, ``backward()``, ``optimizer.step()``. Then, per epoch: the
    ``scheduler`` steps (if given), the ``validation = (X, y)`` set is
    evaluated (if given), and ``on_epoch_end(epoch, history)`` is called.

    Accuracy is reported for classification losses (cross-entropy, hinge,
    binary cross-entropy); for any other loss pass ``predict``, a function
    from one output to a class index. ``seed`` fixes the shuffling.

    ``compile="python"`` or ``"numpy"`` (``True`` means ``"python"``) records
    one example's loss once with ``autograd_lite.compile`` and replays it on
    every batch: the same losses and gradients, many times faster. Class
    labels are given to the compiled loss one-hot. Layers that change from
    step to step in training mode (Dropout, BatchNorm1d) refuse to compile.

    Raises ``DivergenceError`` when the loss (training or validation) or a
    weight stops being finite, or a step overflows; ``history`` then holds
    the epochs completed before. Other errors from the model or ``loss_fn``
    (a ``ZeroDivisionError``, say) are raised as they are.
    """
    X, y = _dataset(data, "data")
    val = _dataset(validation, "validation") if validation is not None else None
    epochs = _count(epochs, "epochs")
    batch_size = _count(batch_size, "batch_size")
    if not isinstance(model, Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be a function (output, target) -> Value, got {loss_fn!r}")
    for method in ("zero_grad", "step"):
        if not callable(getattr(optimizer, method, None)):
            raise TypeError(f"optimizer must have {method}(), got {type(optimizer).__name__}")
    # everything is checked before the first step changes a weight
    if scheduler is not None and not callable(getattr(scheduler, "step", None)):
        raise TypeError(
            f"scheduler must have step() (an optim.LRScheduler) or be None, "
            f"got {type(scheduler).__name__}"
        )
    for name, fn in (("on_epoch_end", on_epoch_end), ("predict", predict)):
        if fn is not None and not callable(fn):
            raise TypeError(f"{name} must be a function or None, got {type(fn).__name__} {fn!r}")
    for name, flag in (("progress", progress), ("shuffle", shuffle)):
        if not isinstance(flag, bool):
            raise TypeError(f"{name} must be True or False, got {type(flag).__name__} {flag!r}")
    backend = _backend(compile)
    rng = make_rng(seed)
    params = model.parameters()
    n_batches = math.ceil(len(X) / batch_size)
    history = History()
    model.train()
    batch_step = _batch_step(model, loss_fn, predict, backend, X, y)
    with tqdm(total=epochs, desc="training", unit="epoch", disable=not progress) as bar:
        for epoch in range(1, epochs + 1):
            start = time.perf_counter()
            lr = _learning_rate(optimizer)
            total = 0.0
            pairs: list[tuple[int, int]] | None = []
            for b, (xb, yb) in enumerate(
                batches(X, y, batch_size=batch_size, shuffle=shuffle, seed=rng), 1
            ):
                try:
                    optimizer.zero_grad()
                    loss, judged = batch_step(xb, yb)
                    optimizer.step()
                    if not all(math.isfinite(p.data) for p in params):
                        raise FloatingPointError("a weight is no longer a finite number")
                except _DIVERGENCE as error:
                    where = f"batch {b} of {n_batches}"
                    raise _diverged(epoch, where, str(error), lr, history) from error
                total += loss * len(xb)
                pairs = None if judged is None or pairs is None else pairs + judged
            if scheduler is not None:
                scheduler.step()
            val_loss: float | None = None
            val_accuracy: float | None = None
            if val is not None:
                try:
                    val_loss, val_accuracy = evaluate(model, loss_fn, val, predict=predict)
                    if not math.isfinite(val_loss):
                        raise FloatingPointError(f"the validation loss is {val_loss}")
                except _DIVERGENCE as error:
                    where = "evaluating the validation set"
                    raise _diverged(epoch, where, str(error), lr, history) from error
            history.loss.append(total / len(X))
            history.accuracy.append(_accuracy(pairs))
            history.val_loss.append(val_loss)
            history.val_accuracy.append(val_accuracy)
            history.lr.append(lr)
            history.seconds.append(time.perf_counter() - start)
            bar.set_postfix(_postfix(history), refresh=False)
            bar.update()
            if on_epoch_end is not None:
                on_epoch_end(epoch, history)
    return history


BatchStep = Callable[[Sequence[Any], Sequence[Any]], tuple[float, list[tuple[int, int]] | None]]


def _backend(compile: object) -> str | None:
    if compile is False or compile is None or compile == "off":
        return None
    if compile is True:
        return "python"
    if compile in ("python", "numpy"):
        return str(compile)
    raise ValueError(f"compile must be False, True, 'python' or 'numpy', got {compile!r}")


def _batch_step(
    model: Module,
    loss_fn: LossFn,
    predict: Predict | None,
    backend: str | None,
    X: Sequence[Any],
    y: Sequence[Any],
) -> BatchStep:
    """One training step's forward and backward pass: (mean loss, judged pairs)."""
    if backend is None:

        def eager(xb: Sequence[Any], yb: Sequence[Any]) -> tuple[float, Any]:
            loss, judged = _batch_loss(model, loss_fn, predict, xb, yb)
            if not math.isfinite(loss.data):
                raise FloatingPointError(f"the loss is {loss.data}")
            loss.backward()
            return loss.data, judged

        return eager

    from autograd_lite.compile import compile as record  # the compiler only when asked for

    with no_grad():
        k = len(_as_list(model(X[0])))
    one_hot = k > 1 and all(isinstance(t, int) and not isinstance(t, bool) for t in y)

    def target(t: Any) -> Any:  # a traced target cannot pick a logit by index: one-hot
        return [1.0 if j == t else 0.0 for j in range(k)] if one_hot else t

    def fn(x: Any, t: Any) -> tuple[Value, list[Value]]:
        out = model(x)
        return loss_fn(out, t), _as_list(out)

    step = record(fn, model.parameters(), example=(X[0], target(y[0])), backend=backend)

    def compiled(xb: Sequence[Any], yb: Sequence[Any]) -> tuple[float, Any]:
        loss = step(xb, [target(t) for t in yb])
        if not math.isfinite(loss):
            raise FloatingPointError(f"the loss is {loss}")
        outputs = [_unlist([Value(v, requires_grad=False) for v in o]) for o in step.outputs]
        judged = [_judge(loss_fn, predict, o, t) for o, t in zip(outputs, yb, strict=True)]
        pairs = None if any(j is None for j in judged) else [j for j in judged if j is not None]
        return loss, pairs

    return compiled


def _as_list(out: Signal) -> list[Value]:
    return [out] if isinstance(out, Value) else list(out)


def _unlist(values: list[Value]) -> Signal:
    return values[0] if len(values) == 1 else values


def _postfix(history: History) -> dict[str, str]:
    last = history.last()
    shown = {"loss": f"{last['loss']:.4f}"}
    for key, name in (("accuracy", "acc"), ("val_loss", "val_loss"), ("val_accuracy", "val_acc")):
        if last[key] is not None:
            shown[name] = f"{last[key]:.4f}" if key == "val_loss" else f"{last[key]:.1%}"
    return shown
