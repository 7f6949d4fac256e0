"""The learning rate: too large diverges, too small crawls, one in between works.

The learning rate ``lr`` is the most important hyper-parameter: gradient
descent moves each weight by ``-lr * gradient``. The lesson fits the
simplest model, ``y = w x``, to 40 noisy points of ``t = 3x`` with the mean
squared error, starting from ``w = 0``, with five rates and the same number
of steps.

For this loss each step multiplies the distance to the best weight by
``(1 - lr * c)``, with ``c = 2 mean(x^2)`` the curvature of the loss (here
2, as the inputs are standardised):

* ``lr = 1.05``: factor -1.1, every step overshoots further: divergence;
* ``lr = 0.95``: factor -0.9, overshoots back and forth but converges;
* ``lr = 0.1``: factor 0.8, steady and quick;
* ``lr = 0.01`` and ``0.001``: factors 0.98 and 0.998: the loss crawls.

Typical starting points in practice are 0.1, 0.01 and 0.001; the largest
stable rate is ``2 / c``, which depends on the data, hence trying a few.

Run: ``autograd-lite lesson learning_rate`` (``--out DIR``, ``--quick``, ``--lang ja``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from _lesson import Outcome, pic, plt, say, section, start, tr

from autograd_lite import Value, optim
from autograd_lite import functional as F
from autograd_lite.data import Standardizer

RATES = (1.05, 0.95, 0.1, 0.01, 0.001)
N_POINTS = 40
TRUE_W = 3.0
SEED = 0


def make_data() -> tuple[list[float], list[float]]:
    """40 standardised inputs x and targets t = 3x + noise."""
    rng = random.Random(SEED)
    raw = [[rng.gauss(2.0, 1.5)] for _ in range(N_POINTS)]
    xs = [row[0] for row in Standardizer().fit_transform(raw)]  # mean 0, mean(x^2) = 1
    return xs, [TRUE_W * x + rng.gauss(0.0, 0.5) for x in xs]


def loss_at(w: Value | float, xs: Sequence[float], ts: Sequence[float]) -> Value:
    """Mean squared error of y = w x: mean (w x - t)^2."""
    v = w if isinstance(w, Value) else Value(w)
    return F.sum((v * x - t) ** 2 for x, t in zip(xs, ts, strict=True)) / len(xs)


def descend(lr: float, steps: int, xs: Sequence[float], ts: Sequence[float]) -> list[float]:
    """The weights w_0 = 0, w_1, ... of SGD (full batch) with learning rate ``lr``."""
    w = Value(0.0, label="w")
    opt = optim.SGD([w], lr=lr)
    path = [w.data]
    for _ in range(steps):
        opt.zero_grad()
        loss_at(w, xs, ts).backward()
        opt.step()
        path.append(w.data)
    return path


def main(argv: Sequence[str] | None = None) -> Outcome:
    lesson = start(__file__, __doc__, argv)
    steps = 15 if lesson.quick else 30
    xs, ts = make_data()
    best_w = sum(x * t for x, t in zip(xs, ts, strict=True)) / sum(x * x for x in xs)
    floor = loss_at(best_w, xs, ts).data  # the noise: no weight does better
    curvature = 2 * sum(x * x for x in xs) / len(xs)
    say(
        """Best weight w* = {w:.4f} (loss {floor:.4f}, from the noise). Curvature
        c = 2 mean(x^2) = {c:.4f}, so rates above 2/c = {limit:.3f} diverge.""",
        w=best_w,
        floor=floor,
        c=curvature,
        limit=2 / curvature,
    )

    section("{steps} steps of gradient descent from w = 0 with each learning rate", steps=steps)
    paths = {lr: descend(lr, steps, xs, ts) for lr in RATES}
    excess = {lr: [loss_at(w, xs, ts).data - floor for w in path] for lr, path in paths.items()}
    print(tr("learning rate  factor 1 - lr c     w after   loss - best"))
    for lr, path in paths.items():
        if excess[lr][-1] > excess[lr][0]:
            verdict = tr("diverges")
        elif excess[lr][-1] > 0.1 * excess[lr][0]:
            verdict = tr("crawls")
        else:
            verdict = tr("works, overshooting each step") if lr * curvature > 1 else tr("works")
        print(
            f"{lr:>13g}  {1 - lr * curvature:>15.3f}  {path[-1]:>10.4f}  "
            f"{excess[lr][-1]:>12.3e}  {verdict}"
        )
    say(
        """A diverging run is easy to spot (the loss grows); a crawling one is not: its
        loss does fall, only too slowly. Plot the loss per step and try rates a factor of
        ten apart."""
    )

    fig, (ax_w, ax_l) = plt.subplots(1, 2, figsize=(12, 4.4), layout="constrained")
    grid = [best_w - 7 + 14 * i / 120 for i in range(121)]
    ax_w.plot(grid, [loss_at(w, xs, ts).data for w in grid], color="gray", label=pic("loss E(w)"))
    shown = 8
    for k, lr in enumerate(RATES[:4]):
        ws = paths[lr][: shown + 1]
        ax_w.plot(
            ws,
            [loss_at(w, xs, ts).data for w in ws],
            "o-",
            ms=4,
            lw=1,
            color=f"C{k}",
            label=f"lr = {lr:g}",
        )
    ax_w.set(
        xlabel=pic("weight w"),
        ylabel=pic("mean squared error E(w)"),
        title=pic("The first {n} steps on the loss curve", n=shown),
        ylim=(0, 40),
    )
    ax_w.legend(fontsize=8)
    for k, (lr, curve) in enumerate(excess.items()):
        ax_l.semilogy(curve, "o-", ms=3, color=f"C{k}", label=f"lr = {lr:g}")
    ax_l.set(
        xlabel=pic("step"),
        ylabel=pic("E(w) - E(w*) (log scale)"),
        title=pic("Loss above the best, per step"),
    )
    ax_l.legend(fontsize=8)
    fig.suptitle(pic("Learning rate: too large diverges, too small crawls"))
    lesson.save(fig, "learning_rates.png")
    return lesson.finish(
        curvature=curvature,
        start_excess=excess[RATES[0]][0],
        final_excess={lr: curve[-1] for lr, curve in excess.items()},
    )


if __name__ == "__main__":
    main()
