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
from autograd_lite.checks import Seed, count, flag, make_rng, plain_list
from autograd_lite.data import batches
from autograd_lite.engine import Value, no_grad
from autograd_lite.metrics import accuracy
from autograd_lite.nn import Module, Signal, as_list, as_output

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


def _judge(
    classes: L.Classes | None, predict: Predict | None, output: Signal, target: Any
) -> tuple[int, int] | None:
    """(predicted class, true class) for one example, or None if accuracy means nothing.

    ``predict`` decides when given; otherwise the loss's ``Classes`` do (see
    ``losses.classes_of``), and a loss without them reports no accuracy.
    """
    if predict is not None:
        return predict(output), int(target)
    if classes is None:
        return None
    scores = [v.data for v in as_list(output)]
    if len(scores) == 1:
        if classes.score_cut is None:
            return None
        return int(scores[0] > classes.score_cut), int(float(target) > classes.target_cut)
    if classes.argmax:
        return max(range(len(scores)), key=scores.__getitem__), int(target)
    return None


def _judged(
    loss_fn: LossFn, predict: Predict | None, outputs: Sequence[Signal], targets: Sequence[Any]
) -> list[tuple[int, int]] | None:
    """Each example's (predicted, true) class, or None if accuracy means nothing here."""
    classes = L.classes_of(loss_fn)
    judged = [_judge(classes, predict, o, t) for o, t in zip(outputs, targets, strict=True)]
    return None if any(j is None for j in judged) else [j for j in judged if j is not None]


def _batch_loss(
    model: Module, loss_fn: LossFn, predict: Predict | None, xb: Sequence[Any], yb: Sequence[Any]
) -> tuple[Value, list[tuple[int, int]] | None]:
    """The mean loss over a batch, and each example's (predicted, true) class."""
    outputs = model.call_batch(xb)
    loss = F.sum([loss_fn(o, t) for o, t in zip(outputs, yb, strict=True)]) / len(outputs)
    return loss, _judged(loss_fn, predict, outputs, yb)


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
    classes = L.classes_of(loss_fn)
    out = []
    for i, o in enumerate(outputs):
        judged = _judge(classes, predict, o, 0)
        if judged is None:
            name = getattr(loss_fn, "__name__", repr(loss_fn))
            raise ValueError(f"cannot tell a class from output {i} with loss {name}; pass predict=")
        out.append(judged[0])
    return out


# -- fit -----------------------------------------------------------------------------------


def _dataset(data: object, what: str) -> tuple[list[Any], list[Any]]:
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(f"{what} must be a pair (X, y), got {type(data).__name__}")
    for part, name in zip(data, "Xy", strict=True):  # an iterator may never end: not read
        if isinstance(part, (str, bytes)) or not (
            isinstance(part, Sequence) or hasattr(part, "tolist")
        ):
            raise TypeError(
                f"{what}: {name} must be a list, tuple or array, got {type(part).__name__}"
            )
    X, y = plain_list(data[0]), plain_list(data[1])  # numpy arrays too, as Python numbers
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
    With one of the library's optimisers holding exactly the model's
    parameters, the compiled step runs fused (``CompiledStep.fused``): the
    parameters live in one array for the fit and the optimiser's rule runs
    on arrays, with the same numbers bit for bit; the Values and the
    optimiser's state are written back before validation and
    ``on_epoch_end``, at the end, and on an error. Any other optimiser (one
    of your own, or one that holds other parameters) runs unfused.

    Raises ``DivergenceError`` when the loss (training or validation) or a
    weight stops being finite, or a step overflows; ``history`` then holds
    the epochs completed before. Other errors from the model or ``loss_fn``
    (a ``ZeroDivisionError``, say) are raised as they are.
    """
    X, y = _dataset(data, "data")
    val = _dataset(validation, "validation") if validation is not None else None
    epochs = count(epochs, "epochs")
    batch_size = count(batch_size, "batch_size")
    # everything is checked before the first step changes a weight
    _check_parts(model, loss_fn, optimizer, scheduler, on_epoch_end, predict)
    flag(progress, "progress")
    flag(shuffle, "shuffle")
    backend = _backend(compile)
    rng = make_rng(seed)
    model.train()
    step, fused = _batch_step(model, loss_fn, predict, backend, X, y, optimizer)
    run = _Run(model, loss_fn, optimizer, step, scheduler, val, predict, fused)
    try:
        with tqdm(total=epochs, desc="training", unit="epoch", disable=not progress) as bar:
            for epoch in range(1, epochs + 1):
                batch_list = list(batches(X, y, batch_size=batch_size, shuffle=shuffle, seed=rng))
                run.epoch(epoch, batch_list)
                bar.set_postfix(_postfix(run.history), refresh=False)
                bar.update()
                if on_epoch_end is not None:
                    on_epoch_end(epoch, run.history)
    finally:
        if fused is not None:
            fused.close()  # the Values and the optimiser's state as the unfused loop leaves them
    return run.history


def _check_parts(
    model: object,
    loss_fn: object,
    optimizer: object,
    scheduler: object,
    on_epoch_end: object,
    predict: object,
) -> None:
    """``fit``'s collaborators have what fit will call on them."""
    if not isinstance(model, Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be a function (output, target) -> Value, got {loss_fn!r}")
    for method in ("zero_grad", "step"):
        if not callable(getattr(optimizer, method, None)):
            raise TypeError(f"optimizer must have {method}(), got {type(optimizer).__name__}")
    if scheduler is not None and not callable(getattr(scheduler, "step", None)):
        raise TypeError(
            f"scheduler must have step() (an optim.LRScheduler) or be None, "
            f"got {type(scheduler).__name__}"
        )
    for name, fn in (("on_epoch_end", on_epoch_end), ("predict", predict)):
        if fn is not None and not callable(fn):
            raise TypeError(f"{name} must be a function or None, got {type(fn).__name__} {fn!r}")


@dataclass
class _Run:
    """What ``fit`` trains with, and the ``History`` it fills, one epoch at a time."""

    model: Module
    loss_fn: LossFn
    optimizer: Any
    step: BatchStep
    scheduler: Any
    val: Dataset | None
    predict: Predict | None
    fused: Any = None  #: the fused run of a compiled step and the optimiser, if there is one
    history: History = field(default_factory=History)

    def epoch(self, epoch: int, epoch_batches: list[tuple[list[Any], list[Any]]]) -> None:
        """Train on every batch, step the schedule, validate, and record the figures."""
        start = time.perf_counter()
        lr = _learning_rate(self.optimizer)
        loss, pairs = self._train(epoch, epoch_batches, lr)
        if self.fused is not None:  # the scheduler, validation and on_epoch_end see the Values
            self.fused.sync()
        if self.scheduler is not None:
            self.scheduler.step()
        val_loss, val_accuracy = self._validate(epoch, lr)
        h = self.history
        h.loss.append(loss)
        h.accuracy.append(_accuracy(pairs))
        h.val_loss.append(val_loss)
        h.val_accuracy.append(val_accuracy)
        h.lr.append(lr)
        h.seconds.append(time.perf_counter() - start)

    def _train(
        self, epoch: int, epoch_batches: list[tuple[list[Any], list[Any]]], lr: float
    ) -> tuple[float, list[tuple[int, int]] | None]:
        """One pass over the batches: the mean training loss, and the (predicted, true) pairs."""
        params = self.model.parameters()
        total, seen = 0.0, 0
        pairs: list[tuple[int, int]] | None = []
        for b, (xb, yb) in enumerate(epoch_batches, 1):
            try:
                if self.fused is not None:  # zero_grad(), the step and step() in one call
                    loss, judged = self.step(xb, yb)  # step() leaves every weight finite
                else:
                    self.optimizer.zero_grad()
                    loss, judged = self.step(xb, yb)
                    self.optimizer.step()
                    if not all(math.isfinite(p.data) for p in params):
                        raise FloatingPointError("a weight is no longer a finite number")
            except _DIVERGENCE as error:
                where = f"batch {b} of {len(epoch_batches)}"
                raise _diverged(epoch, where, str(error), lr, self.history) from error
            total += loss * len(xb)
            seen += len(xb)
            pairs = None if judged is None or pairs is None else pairs + judged
        return total / seen, pairs

    def _validate(self, epoch: int, lr: float) -> tuple[float | None, float | None]:
        """The validation loss and accuracy (None, None without a validation set)."""
        if self.val is None:
            return None, None
        try:
            loss, accuracy = evaluate(self.model, self.loss_fn, self.val, predict=self.predict)
            if not math.isfinite(loss):
                raise FloatingPointError(f"the validation loss is {loss}")
        except _DIVERGENCE as error:
            where = "evaluating the validation set"
            raise _diverged(epoch, where, str(error), lr, self.history) from error
        return loss, accuracy


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
    optimizer: Any,
) -> tuple[BatchStep, Any]:
    """One training step's forward and backward pass: (mean loss, judged pairs); and the
    fused run that also steps the optimiser, when the step is compiled and the optimiser is
    one of the library's (``compile.fused.fusable``), else None."""
    if backend is None:

        def eager(xb: Sequence[Any], yb: Sequence[Any]) -> tuple[float, Any]:
            loss, judged = _batch_loss(model, loss_fn, predict, xb, yb)
            if not math.isfinite(loss.data):
                raise FloatingPointError(f"the loss is {loss.data}")
            loss.backward()
            return loss.data, judged

        return eager, None

    from autograd_lite.compile import compile as record  # the compiler only when asked for
    from autograd_lite.compile.fused import fusable

    with no_grad():
        k = len(as_list(model(X[0])))
    one_hot = k > 1 and all(isinstance(t, int) and not isinstance(t, bool) for t in y)

    name = getattr(loss_fn, "__name__", "loss_fn")

    def target(t: Any) -> Any:  # a traced target cannot pick a logit by index: one-hot
        if not one_hot:
            return t
        index = L._class_index(t, k, name)  # out of range: refused as the eager loss refuses it
        return [1.0 if j == index else 0.0 for j in range(k)]

    def fn(x: Any, t: Any) -> tuple[Value, list[Value]]:
        out = model(x)
        return loss_fn(out, t), as_list(out)

    step = record(fn, model.parameters(), example=(X[0], target(y[0])), backend=backend)
    fused = None
    if fusable(optimizer) is None:  # one of optim's: its groups are dicts of Values
        ours = {p for g in optimizer.param_groups for p in g["params"]}
        if ours == set(step.params) and len(ours) == len(step.params):
            fused = step.fused(optimizer)
    call = step if fused is None else fused

    def compiled(xb: Sequence[Any], yb: Sequence[Any]) -> tuple[float, Any]:
        loss = call(xb, [target(t) for t in yb])
        if not math.isfinite(loss):
            raise FloatingPointError(f"the loss is {loss}")
        outputs = [[Value(v, requires_grad=False) for v in o] for o in step.outputs]
        return loss, _judged(loss_fn, predict, [as_output(o) for o in outputs], yb)

    return compiled, fused


def _postfix(history: History) -> dict[str, str]:
    last = history.last()
    shown = {"loss": f"{last['loss']:.4f}"}
    for key, name in (("accuracy", "acc"), ("val_loss", "val_loss"), ("val_accuracy", "val_acc")):
        if last[key] is not None:
            shown[name] = f"{last[key]:.4f}" if key == "val_loss" else f"{last[key]:.1%}"
    return shown
