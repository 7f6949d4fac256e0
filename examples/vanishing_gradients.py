"""Vanishing and exploding gradients in a deep stack (sigmoid, tanh, ReLU), and gradient clipping.

The backward pass multiplies, layer by layer, by each layer's weights and
by its activation's derivative. In a deep stack those factors compound:

* sigmoid's derivative is at most 0.25, so the gradient shrinks at every
  layer on its way back: the first layers hardly learn (*vanishing
  gradients*);
* tanh (derivative up to 1) with Xavier weights and ReLU (derivative exactly
  1 where active) with He weights keep it roughly steady;
* weights a little too large make every factor bigger than 1: gradients
  (and activations) become huge (*exploding gradients*), and one update can
  throw the weights so far that training overflows.

The remedy for explosion shown here is gradient clipping:
``optim.clip_grad_norm_(params, max_norm)`` scales all gradients together
so that their overall length is at most ``max_norm`` before ``step()``.

The lesson builds 10 hidden layers of 16 units, computes the mean squared
error on 16 random examples (8 with ``--quick``), runs ``backward()`` and prints the mean size of
the weight gradients in each layer; then it trains the exploding network
with and without clipping.

Run: ``autograd-lite lesson vanishing_gradients`` (``--out DIR``, ``--quick``, ``--lang ja``).
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence

from _lesson import N_, Outcome, pic, plt, say, section, start, tr

from autograd_lite import Value, i18n, nn, optim
from autograd_lite import functional as F
from autograd_lite.losses import mse_loss

DEPTH, WIDTH = 10, 16
#: label -> (activation, init scheme, factor applied to the initial weights)
STACKS: dict[str, tuple[str, str, float]] = {
    "sigmoid (Xavier)": ("sigmoid", "xavier", 1.0),
    "tanh (Xavier)": ("tanh", "xavier", 1.0),
    "ReLU (He)": ("relu", "he", 1.0),
    "ReLU (He x 1.3): explodes": ("relu", "he", 1.3),
}
EXPLODING = "ReLU (He x 1.3): explodes"
LEARNING_RATE = 0.01
MAX_NORM = 1.0


def make_stack(label: str) -> nn.MLP:
    activation, init, factor = STACKS[label]
    model = nn.MLP(WIDTH, [WIDTH] * DEPTH + [1], activation=activation, init=init, seed=0)
    for p in model.parameters():
        p.data *= factor
    return model


def make_data(n: int) -> tuple[list[list[float]], list[float]]:
    """``n`` random inputs and targets (standard normal)."""
    rng = random.Random(1)
    X = [[rng.gauss(0.0, 1.0) for _ in range(WIDTH)] for _ in range(n)]
    return X, [rng.gauss(0.0, 1.0) for _ in X]


def batch_loss(model: nn.MLP, X: list[list[float]], y: list[float]) -> Value:
    """The mean squared error over the batch."""
    return F.sum(mse_loss(model(x), t) for x, t in zip(X, y, strict=True)) / len(X)


def layer_gradient_sizes(model: nn.MLP) -> list[float]:
    """Mean |dL/dw| over the weights of each layer (first layer first)."""
    sizes = []
    for layer in model.layers:
        grads = [abs(w.grad) for neuron in layer.neurons for w in neuron.w]  # type: ignore[attr-defined]
        sizes.append(sum(grads) / len(grads))
    return sizes


def train(
    clip: bool, steps: int, X: list[list[float]], y: list[float]
) -> tuple[list[float], list[float], str]:
    """Loss and gradient norm (before clipping) per step, and how the run ended.

    Steps count from 1: step k computes the loss, its gradient and one update.
    """
    model = make_stack(EXPLODING)
    params = model.parameters()
    opt = optim.SGD(params, lr=LEARNING_RATE)
    losses: list[float] = []
    norms: list[float] = []
    for step in range(1, steps + 1):
        try:
            opt.zero_grad()
            loss = batch_loss(model, X, y)
            losses.append(loss.data)
            loss.backward()
            norms.append(math.hypot(*[p.grad for p in params]))  # ||g||, without overflow
            if clip:
                optim.clip_grad_norm_(params, MAX_NORM)  # g <- g * min(1, max_norm / ||g||)
            opt.step()
        except ArithmeticError as error:  # the engine refuses numbers beyond the float range
            reason = str(error)[:60]
            return (
                losses,
                norms,
                tr("overflowed at step {step}: {reason}...", step=step, reason=reason),
            )
    return losses, norms, tr("finished {steps} steps", steps=steps)


def main(argv: Sequence[str] | None = None) -> Outcome:
    lesson = start(__file__, __doc__, argv)
    X, y = make_data(8 if lesson.quick else 16)

    section(
        "mean |dL/dw| per layer: {depth} hidden layers of {width} units, then the output layer",
        depth=DEPTH,
        width=WIDTH,
    )
    print(i18n.ljust(tr("layer (1 = input side)"), 27)
          + " ".join(f"{k:>8}" for k in range(1, DEPTH + 1))
          + " " + i18n.rjust(tr("output"), 8))  # fmt: skip
    sizes = {}
    for label in STACKS:
        model = make_stack(label)
        batch_loss(model, X, y).backward()
        sizes[label] = layer_gradient_sizes(model)
        print(f"{label:<27}" + " ".join(f"{s:8.1e}" for s in sizes[label]))
    sigmoid = sizes["sigmoid (Xavier)"]
    ratio = sigmoid[0] / sizes["ReLU (He)"][0]
    shrink = (sigmoid[-1] / sigmoid[0]) ** (1 / DEPTH)  # geometric mean over the DEPTH steps back
    factor = STACKS[EXPLODING][2]
    say(
        """The sigmoid stack's first layer gets a gradient {ratio:.0e} times the ReLU stack's:
        from the output layer back to the first, it shrinks by about {shrink:.1f}x per layer
        (sigmoid's derivative is at most 0.25). With weights only {factor:g} times too large,
        the ReLU stack's first layer gets a gradient about
        {larger:.0f} times larger than with He weights.""",
        ratio=ratio,
        shrink=shrink,
        factor=factor,
        larger=sizes[EXPLODING][0] / sizes["ReLU (He)"][0],
    )

    steps = 6 if lesson.quick else 40
    section(
        "training the exploding stack: SGD, lr = {lr:g}, {steps} steps",
        lr=LEARNING_RATE,
        steps=steps,
    )
    unclipped, clipped_name = N_("no clipping"), f"clip_grad_norm_(max_norm={MAX_NORM:g})"
    runs = {unclipped: train(False, steps, X, y), clipped_name: train(True, steps, X, y)}
    overflowed = {
        name: run[2] != tr("finished {steps} steps", steps=steps) for name, run in runs.items()
    }
    for name, (losses, norms, how) in runs.items():
        shown = i18n.ljust(tr(name) if name == unclipped else name, 28)
        print(
            f"{shown} " + tr("loss {a:.3g} -> {b:.3g}; {how}", a=losses[0], b=losses[-1], how=how)
        )
        per_step = " ".join(f"{g:.2g}" for g in norms[:6])
        print(" " * 28 + " " + tr("gradient norm per step: {g} ...", g=per_step))
    _, norms, how = runs[unclipped]
    rising = all(b > a for a, b in itertools.pairwise(norms))
    growth = tr("grows with every step") if rising else tr("grows")
    ending = how.split(":")[0] if overflowed[unclipped] else tr("does not overflow")
    say(
        """Without clipping the first update is {times:.0f} times longer than a
        clipped one; the gradient norm then {growth}, and the run {ending}. Clipping keeps each
        step's length at most lr x max_norm while keeping its direction, so the same
        learning rate trains.""",
        times=norms[0] / MAX_NORM,
        growth=growth,
        ending=ending,
    )

    fig, (ax_g, ax_t) = plt.subplots(1, 2, figsize=(13, 4.4), layout="constrained")
    for k, (label, layer_sizes) in enumerate(sizes.items()):
        ax_g.semilogy(range(1, len(layer_sizes) + 1), layer_sizes, "o-", ms=4, color=f"C{k}",
                      label=label)  # fmt: skip
    ax_g.set(xlabel=pic("layer (1 = first hidden layer, {n} = output layer)", n=DEPTH + 1))
    ax_g.set(
        ylabel=pic("mean |dL/dw| (log scale)"),
        title=pic("Gradient size per layer after one backward()"),
    )
    ax_g.legend(fontsize=8)
    top = 1e8  # the top of the loss axis
    for k, (name, (losses, _, _how)) in enumerate(runs.items()):
        steps_done = range(1, len(losses) + 1)  # step k's loss, as in the printed text
        ax_t.semilogy(
            steps_done,
            losses,
            "o-",
            ms=3,
            color=f"C{k + 4}",
            label=pic(name) if name == unclipped else name,
        )
        if overflowed[name]:
            below = max(i for i, v in enumerate(losses) if v < top)  # the last point on the chart
            rise = math.log(losses[below + 1] / losses[below]) if below + 1 < len(losses) else 1
            cross = below + 1 + min(1.0, math.log(top / losses[below]) / rise)
            ax_t.annotate(
                pic(
                    "off the chart: loss {loss:.0e} at step {step},\nthe run stopped",
                    loss=losses[-1],
                    step=len(losses),
                ),
                (cross, top / 2), xytext=(len(losses) + 2, top / 100),
                arrowprops={"arrowstyle": "->"}, fontsize=8,
            )  # fmt: skip
    ax_t.set(xlabel=pic("step"), ylabel=pic("training loss (MSE, log scale)"), ylim=(0.1, top))
    ax_t.set_title(
        pic("The exploding stack, lr = {lr:g}: clipping as the remedy", lr=LEARNING_RATE)
    )
    ax_t.legend(fontsize=8)
    fig.suptitle(
        pic(
            "Vanishing and exploding gradients: {depth} hidden layers of {width}",
            depth=DEPTH,
            width=WIDTH,
        )
    )
    lesson.save(fig, "gradient_per_layer.png")
    clipped = runs[clipped_name]
    return lesson.finish(
        first_layer={label: s[0] for label, s in sizes.items()},
        sigmoid_over_relu=ratio,
        sigmoid_shrink_per_layer=shrink,
        layer_sizes=sizes,
        unclipped_losses=runs[unclipped][0],
        unclipped_norms=norms,
        unclipped_ended=runs[unclipped][2],
        clipped_ended=clipped[2],
        clipped_losses=clipped[0],
    )


if __name__ == "__main__":
    main()
