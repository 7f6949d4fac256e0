"""Loss functions (MSE, cross-entropy with softmax, binary cross-entropy, hinge) and gradients.

The loss (cost) function turns "how wrong is the output" into one number
whose gradient starts the backward pass. Each loss suits a kind of output:

* mean squared error ``(y - t)^2``, for regression; gradient ``2 (y - t)``:
  proportional to the mistake;
* cross-entropy with softmax, for one of k classes: the network gives k
  scores (logits) ``z``, softmax turns them into probabilities ``p``, the loss
  is ``-log p[target]``. Its gradient with respect to the logits is simply
  ``p - onehot(target)``;
* binary cross-entropy ``-(t log p + (1 - t) log(1 - p))`` for a yes/no
  output ``p = sigmoid(z)``; again ``dL/dz = p - t``;
* hinge (max-margin) ``max(0, 1 - t s)`` with ``t = +-1``: zero, and zero
  gradient, once the score ``s`` is on the right side by a margin of 1.

Every gradient printed and plotted here comes from ``backward()``.

Run: ``autograd-lite lesson losses`` (``--out DIR``, ``--quick``, ``--lang ja``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from _lesson import Outcome, pic, plt, say, section, start, tr

from autograd_lite import Value, grad
from autograd_lite.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    mse_loss,
    softmax,
)

LOGITS = (2.0, 1.0, -1.0)
TARGET_CLASS = 0


def loss_and_slope(loss: Callable[[Value], Value], x: float) -> tuple[float, float]:
    """The loss at x and its derivative there (by backprop)."""
    v = Value(x)
    out = loss(v)
    (d,) = grad(out, [v])
    return out.data, float(d)


def main(argv: Sequence[str] | None = None) -> Outcome:
    lesson = start(__file__, __doc__, argv)

    section("mean squared error, for regression")
    y = Value(2.5, label="y")
    loss = mse_loss(y, 1.0)
    loss.backward()
    print(f"y = {y.data:g}, t = 1:  L = (y - t)^2 = {loss.data:g},  dL/dy = 2 (y - t) = {y.grad:g}")

    section(
        "cross-entropy with softmax: logits z = {z}, true class {k}", z=list(LOGITS), k=TARGET_CLASS
    )
    z = [Value(v, label=f"z{i}") for i, v in enumerate(LOGITS)]
    p = [q.data for q in softmax(z)]
    loss = cross_entropy(z, TARGET_CLASS)
    loss.backward()
    onehot = [1.0 if i == TARGET_CLASS else 0.0 for i in range(len(z))]
    shown = ", ".join(f"{q:.4f}" for q in p)
    print(tr("softmax(z) = [{p}]   (sums to {s:.6f})", p=shown, s=sum(p)))
    print(
        tr(
            "L = -log p[{k}] = {L:.6f}  (engine: {engine:.6f})",
            k=TARGET_CLASS,
            L=-math.log(p[TARGET_CLASS]),
            engine=loss.data,
        )
    )
    print(tr("dL/dz by backprop:   [{g}]", g=", ".join(f"{v.grad:+.4f}" for v in z)))
    ce_rule = [pi - oi for pi, oi in zip(p, onehot, strict=True)]
    print(f"p - onehot(target):  [{', '.join(f'{g:+.4f}' for g in ce_rule)}]")
    ce_gap = max(abs(v.grad - g) for v, g in zip(z, ce_rule, strict=True))

    section("binary cross-entropy, for a yes/no output p = sigmoid(z)")
    logit = Value(0.8, label="z")
    prob = logit.sigmoid()
    bce = binary_cross_entropy(prob, 1.0)
    bce.backward()
    print(f"z = {logit.data:g}, p = sigmoid(z) = {prob.data:.4f}, t = 1")
    print(f"L = -log p = {bce.data:.6f};  dL/dz = {logit.grad:+.6f} = p - t = {prob.data - 1:+.6f}")
    bce_gap = abs(logit.grad - (prob.data - 1.0))
    logit2 = Value(0.8)
    with_logits = binary_cross_entropy_with_logits(logit2, 1.0)
    print(
        tr(
            "binary_cross_entropy_with_logits(z, 1) = {L:.6f}: the same loss, "
            "computed without ever forming p (safe for large |z|)",
            L=with_logits.data,
        )
    )

    section("hinge loss (max-margin), target t = +1")
    for s in (-0.5, 0.5, 1.5):
        value, slope = loss_and_slope(lambda v: hinge_loss(v, 1), s)
        print(
            tr("score s = {s:+g}: L = max(0, 1 - s) = {L:g}, dL/ds = {g:g}", s=s, L=value, g=slope)
        )
    say(
        """Cross-entropy keeps pushing (its gradient p - 1 is never exactly 0) while the
        hinge loss stops once the margin is met; MSE's push grows with the mistake, which
        makes it sensitive to outliers and a poor match for probabilities."""
    )

    n = 41 if lesson.quick else 201
    # (title, what x is, its symbol, the loss as a function of x, range of x, formula)
    curves: list[tuple[str, str, str, Callable[[Value], Value], tuple[float, float], str]] = [
        ("MSE, t = 1", pic("prediction"), "y", lambda v: mse_loss(v, 1.0), (-1.0, 3.0), "(y - t)²"),
        (
            pic("cross-entropy, logits [z, {a:g}, {b:g}], class 0", a=LOGITS[1], b=LOGITS[2]),
            pic("logit of the true class"),
            "z",
            lambda v: cross_entropy([v, LOGITS[1], LOGITS[2]], 0),
            (-4.0, 6.0),
            "-log softmax(z)₀",
        ),
        (
            pic("binary cross-entropy, t = 1"),
            pic("probability, sigmoid(logit)"),
            "p",
            lambda v: binary_cross_entropy(v, 1.0),
            (0.02, 0.98),
            "-log p",
        ),
        (
            pic("hinge, t = +1"),
            pic("score"),
            "s",
            lambda v: hinge_loss(v, 1),
            (-2.0, 3.0),
            "max(0, 1 - s)",
        ),
    ]
    fig, axes = plt.subplots(2, len(curves), figsize=(15, 6.2), layout="constrained")
    for col, (title, what, symbol, fn, (lo, hi), formula) in enumerate(curves):
        xs = [lo + (hi - lo) * i / (n - 1) for i in range(n)]
        values = [loss_and_slope(fn, x) for x in xs]
        axes[0, col].plot(xs, [v for v, _ in values], label=f"L = {formula}")
        axes[0, col].set(title=title, ylabel=pic("loss L"))
        axes[0, col].legend(fontsize=8)
        slope_label = pic("dL/d{x} (backward)", x=symbol)
        axes[1, col].plot(xs, [d for _, d in values], color="C1", label=slope_label)
        axes[1, col].axhline(0, color="gray", lw=0.6)
        axes[1, col].set(xlabel=f"{what} {symbol}", ylabel=pic("gradient"))
        axes[1, col].legend(fontsize=8)
    fig.suptitle(pic("Loss functions (top) and their gradients from the backward pass (bottom)"))
    lesson.save(fig, "losses.png")
    return lesson.finish(
        mse_gradient=y.grad,
        cross_entropy_gap=ce_gap,
        bce_gap=bce_gap,
        bce_with_logits_gap=abs(with_logits.data - bce.data),
        softmax_sum=sum(p),
    )


if __name__ == "__main__":
    main()
