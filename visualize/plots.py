"""Plots of training with matplotlib: a classifier's decision boundary, a training curve.

``plot_decision_boundary`` colours the plane by the class a model predicts
and marks the training points (and the misclassified ones);
``plot_training_curve`` draws a ``History``'s loss and accuracy per epoch.
The demo writes both; a lesson or a notebook can call them on any model
with two inputs. matplotlib is imported when a plot is drawn, not before.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from autograd_lite import i18n, losses, nn
from autograd_lite.train import History, LossFn, eval_mode, predict_classes

__all__ = ["COLOURS", "plot_decision_boundary", "plot_training_curve"]

#: one colour per class (colour-blind safe, from the Okabe-Ito palette)
COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]


def _margins(model: nn.Module, points: list[list[float]], k: int) -> list[list[float]]:
    """For each class c, at each point: its score minus the best other class's score.

    A point belongs to class c where that margin is positive, so the contour
    at 0 is the decision boundary (a smooth line, unlike a grid of classes).
    """
    with eval_mode(model):
        outputs = [nn.as_list(o) for o in model.call_batch(points)]
    if k == 2 and len(outputs[0]) == 1:  # one score: class 1 where it is > 0
        scores = [o[0].data for o in outputs]
        return [[-s for s in scores], scores]
    margins: list[list[float]] = [[] for _ in range(k)]
    for out in outputs:
        z = [v.data for v in out]
        for c in range(k):
            margins[c].append(z[c] - max(z[j] for j in range(k) if j != c))
    return margins


def plot_decision_boundary(
    model: nn.Module,
    X: Sequence[Sequence[float]],
    y: Sequence[int],
    path: str,
    *,
    title: str,
    predictions: Sequence[int] | None = None,
    num_classes: int | None = None,
    resolution: int = 120,
) -> None:
    """The plane coloured by the class ``model`` predicts, the boundary, and the points ``(X, y)``.

    ``model`` takes two inputs and gives one score (classes 0 and 1 by its
    sign) or one score per class. Points whose ``predictions`` differ from
    ``y`` are circled in red (default: the model's own predictions, read
    with ``train.predict_classes`` as a hinge or cross-entropy score).
    ``num_classes`` defaults to the labels seen in ``y``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    gx, gy = _axis([p[0] for p in X], resolution), _axis([p[1] for p in X], resolution)
    k = num_classes if num_classes is not None else max(y) + 1
    if predictions is None:
        predictions = predict_classes(model, X, _score_loss(k))
    margins = _margins(model, [[a, b] for b in gy for a in gx], k)
    fig, ax = plt.subplots(figsize=(6.4, 5.6), dpi=110)
    for c in range(k):  # class c's region: where its margin is > 0, edged by the boundary
        zz = [margins[c][r * resolution : (r + 1) * resolution] for r in range(resolution)]
        if max(margins[c]) > 0:
            ax.contourf(gx, gy, zz, levels=[0, math.inf], colors=[COLOURS[c]], alpha=0.22)
            ax.contour(gx, gy, zz, levels=[0], colors="0.2", linewidths=1.3)
    _scatter_points(ax, X, y, predictions, k)
    handles, labels = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], color="0.2", linewidth=1.3))
    labels.append(i18n.tr_picture("decision boundary"))
    ax.legend(handles, labels, loc="best", framealpha=0.9, fontsize=9)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(i18n.tr_picture("x₁ (first input)"))
    ax.set_ylabel(i18n.tr_picture("x₂ (second input)"))
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _axis(values: list[float], resolution: int) -> list[float]:
    """``resolution`` evenly spaced numbers over ``values``' range, padded by a fifth each side."""
    low, high = min(values), max(values)
    pad = 0.2 * (high - low)
    return [low - pad + i * (high - low + 2 * pad) / (resolution - 1) for i in range(resolution)]


def _scatter_points(
    ax: Any, X: Sequence[Sequence[float]], y: Sequence[int], predictions: Sequence[int], k: int
) -> None:
    """Each class's points in its colour, and the misclassified ones circled in red."""
    for c in range(k):
        pts = [p for p, t in zip(X, y, strict=True) if t == c]
        ax.scatter(
            [p[0] for p in pts],
            [p[1] for p in pts],
            s=30,
            c=COLOURS[c],
            edgecolors="black",
            linewidths=0.5,
            label=i18n.tr_picture("class {c}", c=c),
            zorder=3,
        )
    wrong = [p for p, t, q in zip(X, y, predictions, strict=True) if t != q]
    if wrong:
        ax.scatter(
            [p[0] for p in wrong],
            [p[1] for p in wrong],
            s=110,
            facecolors="none",
            edgecolors="red",
            linewidths=1.5,
            label=i18n.tr_picture("misclassified"),
            zorder=4,
        )


def plot_training_curve(history: History, path: str, *, title: str, loss_name: str) -> None:
    """Loss and accuracy per epoch, side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

    epochs = list(range(1, len(history) + 1))
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), dpi=110)
    left.plot(epochs, history.loss, color=COLOURS[0], label=i18n.tr_picture("training loss"))
    if any(v is not None for v in history.val_loss):
        left.plot(
            epochs, history.val_loss, color=COLOURS[1], label=i18n.tr_picture("validation loss")
        )
    if min(history.loss) > 0:  # a log scale, labelled 1, 0.5, 0.2, 0.1, ...
        left.set_yscale("log")
        left.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        left.yaxis.set_major_formatter(FormatStrFormatter("%g"))
        left.yaxis.set_minor_formatter(NullFormatter())
    left.set_xlabel(i18n.tr_picture("epoch"))
    left.set_ylabel(i18n.tr_picture("loss (mean over the training set, without L2)"))
    left.set_title(i18n.tr_picture("Loss ({loss_name})", loss_name=loss_name))
    left.grid(alpha=0.3)
    left.legend()
    acc = [math.nan if a is None else 100 * a for a in history.accuracy]
    right.plot(epochs, acc, color=COLOURS[2], label=i18n.tr_picture("training accuracy"))
    if any(v is not None for v in history.val_accuracy):
        val = [math.nan if a is None else 100 * a for a in history.val_accuracy]
        right.plot(epochs, val, color=COLOURS[3], label=i18n.tr_picture("validation accuracy"))
    right.set_ylim(0, 102)
    right.set_xlabel(i18n.tr_picture("epoch"))
    right.set_ylabel(i18n.tr_picture("accuracy (%)"))
    right.set_title(i18n.tr_picture("Accuracy"))
    right.grid(alpha=0.3)
    right.legend(loc="lower right")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _score_loss(k: int) -> LossFn:
    """A loss whose classes read scores as the boundary does: a sign, or the largest."""
    return losses.hinge_loss if k == 2 else losses.cross_entropy
