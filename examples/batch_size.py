"""Mini-batch vs full-batch vs one-sample gradient descent: epochs, batch size, updates.

An *epoch* is one pass over the training set. The set is cut into
*mini-batches*; each batch gives one gradient (the mean over its examples)
and one update of the weights. So the batch size decides how many updates
an epoch makes, and how noisy each one is:

* one-sample ("stochastic") gradient descent, batch size 1: N updates per
  epoch, each from a single example: many cheap, noisy steps;
* full-batch gradient descent, batch size N: one exact step per epoch;
* mini-batch gradient descent (here 16) sits in between, and is what
  everyone uses: fewer updates than SGD, far more than full batch.

The lesson trains the same small network (same initial weights, same
learning rate) on the two-moons data with each batch size, and plots the
training loss per epoch and per update. The loop is written out:
``for xb, yb in batches(X, y, batch_size=...)``: forward, loss, backward,
``step()``.

Run: ``autograd-lite lesson batch_size`` (``--out DIR``, ``--quick``, ``--lang ja``).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from _lesson import N_, Outcome, pic, plt, say, section, start, tr

from autograd_lite import functional as F
from autograd_lite import i18n, nn, optim
from autograd_lite.data import batches, make_moons
from autograd_lite.losses import binary_cross_entropy_with_logits
from autograd_lite.train import evaluate

LEARNING_RATE = 0.1
SEED = 0
HIDDEN = [8, 8]  # two hidden tanh layers of 8 units


def train(
    X: list[list[float]], y: list[int], batch_size: int, epochs: int
) -> tuple[list[float], int]:
    """Full-training-set loss before training and after each epoch; updates per epoch."""
    model = nn.MLP(2, [*HIDDEN, 1], activation="tanh", init="xavier", seed=SEED)  # same start
    opt = optim.SGD(model.parameters(), lr=LEARNING_RATE)
    data = (X, y)
    losses = [evaluate(model, binary_cross_entropy_with_logits, data).loss]
    order = random.Random(SEED)  # one shuffling generator: a new order every epoch
    updates = 0
    for _ in range(epochs):
        for xb, yb in batches(X, y, batch_size=batch_size, seed=order):
            opt.zero_grad()
            outputs = [model(x) for x in xb]  # forward pass
            loss = F.sum(
                binary_cross_entropy_with_logits(o, t) for o, t in zip(outputs, yb, strict=True)
            ) / len(xb)  # the mean loss of the mini-batch
            loss.backward()  # backward pass: the mini-batch's gradient
            opt.step()  # one update
            updates += 1
        losses.append(evaluate(model, binary_cross_entropy_with_logits, data).loss)
    return losses, updates // epochs


def main(argv: Sequence[str] | None = None) -> Outcome:
    lesson = start(__file__, __doc__, argv)
    n, epochs = (64, 6) if lesson.quick else (128, 25)
    X, y = make_moons(n, noise=0.15, seed=SEED)
    # names as sentences to translate: tr(name, n=n) prints one, pic(name, n=n) draws it
    sizes = {N_("one sample (1), SGD"): 1, N_("mini-batch (16)"): 16, N_("full batch ({n})"): n}
    shape = "-".join(map(str, [2, *HIDDEN, 1]))
    say(
        """{n} training examples, a {shape} tanh network, binary cross-entropy, SGD with
        learning rate {lr:g}, {epochs} epochs for each batch size.""",
        n=n,
        shape=shape,
        lr=LEARNING_RATE,
        epochs=epochs,
    )

    section("training")
    results = {name: train(X, y, size, epochs) for name, size in sizes.items()}
    print(tr("batch size            updates/epoch  updates  loss after"))
    for name, (losses, per_epoch) in results.items():
        label = i18n.ljust(tr(name, n=n), 22)
        print(f"{label} {per_epoch:>13} {per_epoch * epochs:>8} {losses[-1]:>11.4f}")
    say(
        """Per epoch (the same amount of computation: every example seen once), the smaller
        the batch, the more updates and the lower the loss. Per update, the full batch's step
        is the most accurate, but it takes {n} example-gradients to make one. Mini-batches
        trade the two, and let a computer work on many examples at once.""",
        n=n,
    )

    fig, (ax_e, ax_u) = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
    for name, (losses, per_epoch) in results.items():
        ax_e.plot(range(epochs + 1), losses, "o-", ms=3, label=pic(name, n=n))
        updates = [k * per_epoch for k in range(epochs + 1)]
        ax_u.plot(updates, losses, "o-", ms=3, label=pic(name, n=n))
    ax_e.set(
        xlabel=pic("epoch"),
        ylabel=pic("training loss (whole set)"),
        title=pic("Loss per epoch"),
    )
    ax_u.set_xscale("symlog", linthresh=1)
    ax_u.set(xlabel=pic("number of updates (log scale)"), ylabel=pic("training loss (whole set)"))
    ax_u.set_title(pic("Loss per update (weight change)"))
    for ax in (ax_e, ax_u):
        ax.legend(title=pic("batch size"), fontsize=8)
    fig.suptitle(pic("Batch size: the same epochs, very different numbers of updates"))
    lesson.save(fig, "batch_sizes.png")
    final = {size: results[name][0][-1] for name, size in sizes.items()}
    return lesson.finish(
        n_examples=n,
        updates_per_epoch={size: results[name][1] for name, size in sizes.items()},
        expected_updates={size: math.ceil(n / size) for size in sizes.values()},
        final_loss=final,
        initial_loss=results[next(iter(sizes))][0][0],
    )


if __name__ == "__main__":
    main()
