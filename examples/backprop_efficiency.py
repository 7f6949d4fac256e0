"""Why backpropagation is efficient: one backward pass gives every gradient at once.

Numerical differentiation needs two forward passes per parameter: for each
``w_i``, ``(E(w_i + h) - E(w_i - h)) / 2h``. A model with ``P`` parameters
costs ``2P`` forward passes, each of which itself grows with ``P``, so the
whole check grows as ``P^2``. The backward pass visits each node of the
graph once, at the cost of about one more forward pass, whatever ``P`` is.

The lesson builds a small network of growing width (one hidden layer of
tanh units, loss ``E = 1/2 (y - t)^2``), counts the forward passes each
method needs, measures both on this machine, checks that they agree, and
draws how the two costs grow with the number of parameters.

Run: ``autograd-lite lesson backprop_efficiency`` (``--out DIR``, ``--quick``, ``--lang ja``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence

from _lesson import Outcome, pic, plt, say, section, start, tr

from autograd_lite import Value, no_grad
from autograd_lite.engine import topological_order

INPUTS = 4  # inputs of the network
WIDTHS = (2, 4, 8, 16, 32, 64)  # hidden units: parameters P = (INPUTS + 2) * width + 1
QUICK_WIDTHS = (2, 4, 8, 16)
H = 1e-5  # the step of the central difference
SEED = 0


def network(width: int) -> tuple[list[Value], Callable[[], Value]]:
    """Parameters and the loss function of a ``INPUTS``-``width``-1 tanh network on one example."""
    rng = random.Random(SEED)
    x = [rng.uniform(-1, 1) for _ in range(INPUTS)]
    target = 0.5
    w1 = [[Value(rng.gauss(0, 0.5)) for _ in range(INPUTS)] for _ in range(width)]
    b1 = [Value(0.0) for _ in range(width)]
    w2 = [Value(rng.gauss(0, 0.5)) for _ in range(width)]
    b2 = Value(0.0)
    params = [w for row in w1 for w in row] + b1 + w2 + [b2]

    def loss() -> Value:
        hidden = [
            sum((w * xi for w, xi in zip(row, x, strict=True)), b).tanh()
            for row, b in zip(w1, b1, strict=True)
        ]
        y = sum((w * h for w, h in zip(w2, hidden, strict=True)), b2)
        return 0.5 * (y - target) ** 2

    return params, loss


def by_backprop(params: list[Value], loss: Callable[[], Value]) -> tuple[list[float], int]:
    """Every gradient from one forward and one backward pass; and the graph's node count."""
    for p in params:
        p.grad = 0.0
    e = loss()
    e.backward()
    return [p.grad for p in params], len(topological_order(e))


def by_differences(params: list[Value], loss: Callable[[], Value]) -> tuple[list[float], int]:
    """Every gradient by central differences; and the number of forward passes it took."""
    grads = []
    passes = 0
    with no_grad():  # no graph is needed: only the numbers
        for p in params:
            kept = p.data
            p.data = kept + H
            up = loss().data
            p.data = kept - H
            down = loss().data
            p.data = kept
            passes += 2
            grads.append((up - down) / (2 * H))
    return grads, passes


def timed(work: Callable[[], object]) -> float:
    """Seconds ``work`` takes: the best of three runs (the least disturbed by other work)."""
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - began)
    return best


def main(argv: Sequence[str] | None = None) -> Outcome:
    lesson = start(__file__, __doc__, argv)
    widths = QUICK_WIDTHS if lesson.quick else WIDTHS

    section("both methods, as the number of parameters P grows")
    print(
        tr("    P  nodes  forward passes: backprop  differences   seconds: backprop  differences")
    )
    rows = []
    for width in widths:
        params, loss = network(width)
        exact, nodes = by_backprop(params, loss)
        numeric, passes = by_differences(params, loss)
        gap = max(abs(a - b) for a, b in zip(exact, numeric, strict=True))
        t_back = timed(lambda params=params, loss=loss: by_backprop(params, loss))
        t_diff = timed(lambda params=params, loss=loss: by_differences(params, loss))
        rows.append((len(params), nodes, passes, t_back, t_diff, gap))
        counts = f"{len(params):>5}  {nodes:>5}  {1:>24}  {passes:>11}"
        print(f"{counts}   {t_back:>17.2e}  {t_diff:>11.2e}")
    largest = max(r[5] for r in rows)
    p_last, _, passes_last, t_back_last, t_diff_last, _ = rows[-1]
    say(
        """The two methods agree: the largest difference between a backprop gradient and a
        numerical one is {gap:.1e}. With P = {p} parameters, numerical differentiation ran
        {passes} forward passes and took {ratio:.0f} times as long as one forward and one
        backward pass (measured on this machine, now); with P = {p0} the ratio was
        {ratio0:.0f}. Doubling the parameters doubles the passes, and each pass is longer
        too.""",
        gap=largest,
        p=p_last,
        passes=passes_last,
        ratio=t_diff_last / t_back_last,
        p0=rows[0][0],
        ratio0=rows[0][4] / rows[0][3],
    )
    say(
        """This is why networks are trained with backpropagation, and numerical
        differentiation is kept for checking it on a few parameters (gradient checking)."""
    )

    fig, (ax_n, ax_t) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    ps = [r[0] for r in rows]
    ax_n.loglog(ps, [1] * len(ps), "o-", label=pic("backprop: 1 forward + 1 backward"))
    ax_n.loglog(ps, [r[2] for r in rows], "s--", label=pic("differences: 2 forward passes per P"))
    ax_n.set(
        xlabel=pic("parameters P"), ylabel=pic("forward passes"), title=pic("Passes over the graph")
    )
    ax_n.legend()
    ax_t.loglog(ps, [r[3] for r in rows], "o-", label=pic("backprop"))
    ax_t.loglog(ps, [r[4] for r in rows], "s--", label=pic("numerical differentiation"))
    ax_t.set(
        xlabel=pic("parameters P"),
        ylabel=pic("seconds (measured)"),
        title=pic("Time for every gradient"),
    )
    ax_t.legend()
    lesson.save(fig, "passes_and_time.png")
    return lesson.finish(
        parameters=ps,
        forward_passes=[r[2] for r in rows],
        nodes=[r[1] for r in rows],
        largest_gap=largest,
        seconds_backprop=[r[3] for r in rows],
        seconds_differences=[r[4] for r in rows],
    )


if __name__ == "__main__":
    main()
