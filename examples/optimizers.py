"""Optimisers compared on one 2-D function: gradient descent, Momentum, AdaGrad, RMSProp, Adam.

An optimiser decides how the weights move once the backward pass has
given their gradients. The test ground is a long, narrow valley,
``f(x, y) = x^2 / 20 + y^2``, started at ``(-7, 2)``: steep across (``y``),
almost flat along (``x``), the shape that makes plain gradient descent slow.

* GD, plain gradient descent: ``w <- w - lr * g`` (``optim.SGD`` without
  momentum). A rate large enough to move along the flat direction makes it
  bounce from wall to wall across the steep one. The introductory articles
  keep the name SGD (stochastic gradient descent, 確率的勾配降下法) for the
  same update taken on one sample at a time; here there are no samples,
  only one function, so it is plain gradient descent (see ``batch_size``);
* Momentum: a velocity that accumulates gradients (``v <- 0.9 v + g``,
  ``w <- w - lr * v``): it speeds up along the valley, but overshoots;
* AdaGrad: divides each coordinate's step by the root of the sum of its
  squared gradients so far: steep directions slow down, flat ones do not;
* RMSProp: the same with a moving average, so steps do not shrink forever;
* Adam: momentum plus RMSProp's scaling (with bias correction).

Each optimiser here is ``autograd_lite.optim``'s, driven by the usual loop
``zero_grad(); loss.backward(); step()``. Learning rates are chosen per
optimiser (they are hyper-parameters that do not transfer between them).

Run: ``autograd-lite lesson optimizers`` (``--out DIR``, ``--quick``, ``--lang ja``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

from _lesson import Outcome, pic, plt, say, section, start, tr

from autograd_lite import Value, optim

START = (-7.0, 2.0)
STEPS = 40

#: name -> (optimiser class, its hyper-parameters)
OPTIMISERS: dict[str, tuple[Callable[..., Any], dict[str, float]]] = {
    "GD": (optim.SGD, {"lr": 0.95}),  # optim.SGD on a whole function: plain GD
    "Momentum": (optim.SGD, {"lr": 0.1, "momentum": 0.9}),
    "AdaGrad": (optim.Adagrad, {"lr": 1.5}),
    "RMSProp": (optim.RMSprop, {"lr": 0.1}),
    "Adam": (optim.Adam, {"lr": 0.3}),
}


def f(x: Value | float, y: Value | float) -> Any:
    """The valley: f(x, y) = x^2 / 20 + y^2 (minimum 0 at the origin)."""
    return x**2 / 20 + y**2


def run(make: Callable[..., Any], hyper: dict[str, float], steps: int) -> list[tuple[float, float]]:
    """The path (x, y) of one optimiser from START over ``steps`` steps."""
    x, y = Value(START[0], label="x"), Value(START[1], label="y")
    opt = make([x, y], **hyper)
    path = [(x.data, y.data)]
    for _ in range(steps):
        opt.zero_grad()
        f(x, y).backward()
        opt.step()
        path.append((x.data, y.data))
    return path


def main(argv: Sequence[str] | None = None) -> Outcome:
    lesson = start(__file__, __doc__, argv)
    steps = 25 if lesson.quick else STEPS
    f0 = f(*START)
    section(
        "{steps} steps on f(x, y) = x^2/20 + y^2 from {start}, f = {f0:g}",
        steps=steps,
        start=START,
        f0=f0,
    )
    paths = {name: run(make, hyper, steps) for name, (make, hyper) in OPTIMISERS.items()}
    print(tr("optimiser  hyper-parameters           final (x, y)           final f"))
    finals = {}
    for name, path in paths.items():
        hyper = ", ".join(f"{k}={v:g}" for k, v in OPTIMISERS[name][1].items())
        x, y = path[-1]
        finals[name] = f(x, y)
        print(f"{name:<10} {hyper:<26} ({x:+.4f}, {y:+.4f})     {finals[name]:.2e}")
    flips = {
        name: sum(1 for a, b in itertools.pairwise([y for _, y in path]) if a * b < 0)
        for name, path in paths.items()
    }
    lr = OPTIMISERS["GD"][1]["lr"]
    straight = [name for name in ("AdaGrad", "RMSProp") if flips[name] == 0]
    swinging = {name: flips[name] for name in ("Momentum", "Adam") if flips[name] > 0}
    say(
        """GD's y changed sign in {flips} of {steps} steps: with lr = {lr:g} each step
        across the steep direction overshoots the valley floor (y <- (1 - 2 lr) y =
        {factor:g} y).""",
        flips=flips["GD"],
        steps=steps,
        lr=lr,
        factor=1 - 2 * lr,
    )
    say(
        """GD is plain gradient descent: the whole function at every step. The articles'
        SGD, stochastic gradient descent, is the same update taken on one sample at a
        time (the lesson batch_size)."""
    )
    both = f" {tr('and')} ".join
    if straight:
        say(
            """{names} divide y's big gradient by its own size and go
            straight down: y never changes sign.""",
            names=both(straight),
        )
    if swinging:
        times = both(tr("{k} times", k=k) for k in swinging.values())
        say(
            """{names} carry speed and swing past the valley floor before
            settling (y changes sign {times}).""",
            names=both(swinging),
            times=times,
        )

    fig, (ax_c, ax_l) = plt.subplots(
        1, 2, figsize=(13, 4.6), layout="constrained", width_ratios=[1.6, 1]
    )
    n = 60 if lesson.quick else 200
    xs = [-8 + 11 * i / (n - 1) for i in range(n)]
    ys = [-3 + 6 * j / (n - 1) for j in range(n)]
    levels = [0.02 * 2**k for k in range(10)]
    ax_c.contour(xs, ys, [[f(x, y) for x in xs] for y in ys], levels=levels, colors="lightgray")
    markers = dict(zip(OPTIMISERS, "o^sdv", strict=True))
    for name, path in paths.items():
        ax_c.plot(*zip(*path, strict=True), "-", marker=markers[name], ms=3, lw=1, label=name)
    ax_c.plot(*START, "k*", ms=12, label=pic("start"))
    ax_c.plot(0, 0, "k+", ms=12, mew=2, label=pic("minimum"))
    ax_c.set(xlabel="x", ylabel="y", title=pic("Paths on the contours of f = x²/20 + y²"))
    ax_c.set_aspect("equal")
    ax_c.legend(fontsize=8, loc="lower right", ncol=2)
    for name, path in paths.items():
        ax_l.semilogy(
            [max(f(x, y), 1e-30) for x, y in path], marker=markers[name], ms=3, label=name
        )
    ax_l.set(
        xlabel=pic("step"),
        ylabel=pic("f(x, y) (log scale)"),
        title=pic("Loss per step"),
        ylim=(1e-5, 20),
    )
    ax_l.legend(fontsize=8)
    fig.suptitle(pic("Optimisers on a narrow valley (same start, same number of steps)"))
    lesson.save(fig, "optimizer_paths.png")
    return lesson.finish(
        start_loss=f0,
        final_loss=finals,
        sgd_sign_flips=flips["GD"],
        sign_flips=flips,
        steps=steps,
        worst_final_ratio=max(finals.values()) / f0,
        adagrad_beats_sgd=finals["AdaGrad"] < finals["GD"],
    )


if __name__ == "__main__":
    main()
