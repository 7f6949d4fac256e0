"""A convolution kernel learned from data: a 1-D Conv learns an edge detector.

A convolution layer slides one small kernel ``K`` along its input: output
``z[n] = sum_k K[k] x[n + k] + b`` (what deep-learning libraries call
convolution is this cross-correlation). Its parameters are the few numbers
of ``K``, shared by every position, so the backward pass adds up what every
position says about each of them:

    ``dL/dK[k] = sum_n dL/dz[n] x[n + k]``,   ``dL/db = sum_n dL/dz[n]``

(the same idea as ``dW = dz xᵀ`` for an affine layer, summed over the
positions where the weight is used).

The data: random step signals (flat stretches that jump), and as targets
the same signals passed through the edge detector ``[-1, 0, 1]``, which is
zero on flat stretches and spikes at every jump. An ``nn.Conv1d(1, 1, 3)``
starts from random weights, the lesson checks its gradient against the
formula above, then trains it with Adam until its kernel is the edge
detector.

Run: ``autograd-lite lesson convolution`` (``--out DIR``, ``--quick``, ``--lang ja``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from _lesson import Outcome, pic, plt, say, section, start, tr

from autograd_lite import Value, nn, optim
from autograd_lite import functional as F
from autograd_lite.losses import mse_loss

EDGE = (-1.0, 0.0, 1.0)  # the kernel to discover: x[n + 1] - x[n - 1]
LENGTH = 24
LEARNING_RATE = 0.1
SEED = 0


def step_signal(rng: random.Random) -> list[float]:
    """A signal of flat stretches with a few jumps."""
    out, level = [], round(rng.uniform(-1.0, 1.0), 2)
    for _ in range(LENGTH):
        if rng.random() < 0.25:
            level = round(rng.uniform(-1.0, 1.0), 2)
        out.append(level)
    return out


def edges(x: Sequence[float]) -> list[float]:
    """The target: EDGE slid along x with one zero of padding at each end."""
    padded = [0.0, *x, 0.0]
    return [sum(k * padded[n + i] for i, k in enumerate(EDGE)) for n in range(len(x))]


def batch_loss(conv: nn.Conv1d, signals: Sequence[Sequence[float]]) -> Value:
    """Mean squared error between the layer's output and the edge targets."""
    per_signal = [mse_loss(conv([list(x)])[0], edges(x)) for x in signals]
    return F.sum(per_signal) / len(per_signal)


def main(argv: Sequence[str] | None = None) -> Outcome:
    lesson = start(__file__, __doc__, argv)
    rng = random.Random(SEED)
    signals = [step_signal(rng) for _ in range(8)]
    conv = nn.Conv1d(1, 1, kernel_size=3, padding=1, seed=SEED)
    kernel = conv.weight[0][0]  # the kernel's numbers K[0], K[1], K[2]
    bias = conv.bias[0] if conv.bias is not None else Value(0.0)
    start_kernel = [k.data for k in kernel]
    start_text = [round(k, 4) for k in start_kernel]
    print(tr("the layer: {conv}; starting kernel {kernel}", conv=repr(conv), kernel=start_text))

    section("one backward pass, checked by hand")
    x = signals[0]
    z = conv([x])[0]
    loss = mse_loss(z, edges(x))
    loss.backward()
    dz = [2 * (zn.data - tn) / LENGTH for zn, tn in zip(z, edges(x), strict=True)]  # dL/dz[n]
    padded = [0.0, *x, 0.0]
    by_hand = [sum(dz[n] * padded[n + k] for n in range(LENGTH)) for k in range(3)]
    print("dL/dK[k] = sum_n dL/dz[n] x[n + k]")
    for k in range(3):
        print(
            tr(
                "  k = {k}: by hand {hand:+.6f}   engine K[{k}].grad {grad:+.6f}",
                k=k,
                hand=by_hand[k],
                grad=kernel[k].grad,
            )
        )
    print(
        tr(
            "dL/db = sum_n dL/dz[n] = {hand:+.6f}   engine b.grad {grad:+.6f}",
            hand=sum(dz),
            grad=bias.grad,
        )
    )
    gap = max(abs(h - k.grad) for h, k in zip(by_hand, kernel, strict=True))

    steps = 60 if lesson.quick else 150
    section(
        "training the kernel: Adam (lr {lr:g}), {steps} steps on {n} signals",
        lr=LEARNING_RATE,
        steps=steps,
        n=len(signals),
    )
    opt = optim.Adam(conv.parameters(), lr=LEARNING_RATE)
    losses = []
    for step in range(steps):
        opt.zero_grad()
        loss = batch_loss(conv, signals)
        used = [round(k.data, 3) for k in kernel]  # the kernel this loss was computed with
        loss.backward()
        opt.step()
        losses.append(loss.data)
        if step % (steps // 5) == 0:  # the loss beside the kernel that gave it, before the step
            print(
                tr(
                    "step {step:>4}: loss {loss:.2e}, kernel {kernel}",
                    step=step,
                    loss=loss.data,
                    kernel=used,
                )
            )
    learned = [k.data for k in kernel]
    error = max(abs(a - b) for a, b in zip(learned, EDGE, strict=True))
    learned_text = [round(k, 4) for k in learned]
    print(tr("learned kernel {kernel}, bias {b:+.4f}", kernel=learned_text, b=bias.data))
    print(
        tr(
            "the edge detector       {edge}: largest difference {error:.1e}",
            edge=list(EDGE),
            error=error,
        )
    )
    say(
        """Nobody told the layer about edges: the gradient of the loss with respect to its
        {n} shared weights, summed over every position and signal, led it there.""",
        n=len(kernel),
    )

    fig, (ax_s, ax_k, ax_l) = plt.subplots(
        1, 3, figsize=(15, 4), layout="constrained", width_ratios=[1.6, 1, 1]
    )
    test = step_signal(random.Random(SEED + 99))
    ax_s.step(range(LENGTH), test, where="mid", label=pic("input signal x"))
    ax_s.plot(edges(test), "o", ms=7, mfc="none", label=pic("target: edge detector [-1, 0, 1]"))
    ax_s.plot([v.data for v in conv([test])[0]], ".", ms=6, label=pic("trained Conv1d output"))
    ax_s.set(
        xlabel=pic("position n"),
        ylabel=pic("value"),
        title=pic("A new signal through the trained layer"),
    )
    ax_s.legend(fontsize=8)
    positions = range(3)
    ax_k.bar([k - 0.27 for k in positions], start_kernel, width=0.27, label=pic("start (random)"))
    ax_k.bar(positions, learned, width=0.27, label=pic("learned"))
    ax_k.bar([k + 0.27 for k in positions], EDGE, width=0.27, label=pic("edge detector"))
    ax_k.axhline(0, color="k", lw=0.8)
    ax_k.set_xticks(list(positions), ["K[0]", "K[1]", "K[2]"])
    ax_k.set(ylabel=pic("weight"), title=pic("The kernel"))
    ax_k.legend(fontsize=8)
    ax_l.semilogy(losses)
    ax_l.set(
        xlabel=pic("step"),
        ylabel=pic("mean squared error (log scale)"),
        title=pic("Training loss"),
    )
    fig.suptitle(pic("Conv1d learns an edge detector from examples"))
    lesson.save(fig, "learned_kernel.png")
    return lesson.finish(hand_vs_engine=gap, learned_kernel=learned, kernel_error=error)


if __name__ == "__main__":
    main()
