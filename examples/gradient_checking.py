"""Gradient checking: backprop against central differences, and a broken derivative caught.

Backpropagation is only as right as each operation's derivative rule. A
gradient check compares it with a number that needs no rule at all, the
central difference ``(f(x + h) - f(x - h)) / 2h``, which is off by about
``h^2`` (truncation) plus ``1e-16 / h`` (rounding): ``h`` near ``1e-6`` gives
about ten correct digits in double precision.

The lesson

1. checks ``f(x, y) = tanh(x y + 1.5) e^y`` by hand, then with
   ``autograd_lite.gradcheck`` (and its second derivatives with
   ``gradgradcheck``);
2. builds a *broken* sigmoid: the same forward function, but a derivative
   rule that forgets the factor ``(1 - s)`` (``ds = s`` instead of
   ``ds = s (1 - s)``). A network built with it would still train, badly,
   and nothing would crash; the gradient check catches it at once;
3. plots the error of finite differences against ``h``, and the broken
   derivative against the numerical one.

Run: ``autograd-lite lesson gradient_checking`` (``--out DIR``, ``--quick``, ``--lang ja``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence

from _lesson import Outcome, pic, plt, say, section, start, tr

from autograd_lite import Value, grad
from autograd_lite.engine import apply
from autograd_lite.gradcheck import GradcheckError, gradcheck, gradgradcheck
from autograd_lite.ops import PRIMITIVES

POINT = (0.5, -1.2)
H = 1e-6

#: The engine's sigmoid row with a wrong derivative rule: d s = s da (missing (1 - s)).
BROKEN_SIGMOID = dataclasses.replace(
    PRIMITIVES["sigmoid"],
    name="broken_sigmoid",
    symbol="broken_sigmoid",
    vjp=lambda g, out, a: (g * out,),
    doc="sigmoid with a deliberately wrong derivative (for the gradient-checking lesson)",
)


def f(x: Value, y: Value) -> Value:
    """The function to check: tanh(x y + 1.5) e^y."""
    return (x * y + 1.5).tanh() * y.exp()


def float_f(x: float, y: float) -> float:
    return math.tanh(x * y + 1.5) * math.exp(y)


def broken_neuron(w: Value, x: Value) -> Value:
    """A neuron with the broken sigmoid: broken_sigmoid(w x - 0.5)."""
    return apply(BROKEN_SIGMOID, w * x - 0.5)


def central(fn: Callable[[float], float], x: float, h: float) -> float:
    """The central difference (fn(x + h) - fn(x - h)) / 2h."""
    return (fn(x + h) - fn(x - h)) / (2 * h)


def sigmoid_slope(z: float, *, broken: bool) -> float:
    """d sigmoid/dz at z by backprop, through the right rule or the broken one."""
    v = Value(z)
    out = apply(BROKEN_SIGMOID, v) if broken else v.sigmoid()
    return float(grad(out, [v])[0])


def main(argv: Sequence[str] | None = None) -> Outcome:
    lesson = start(__file__, __doc__, argv)
    x0, y0 = POINT

    section("1. checking f(x, y) = tanh(x y + 1.5) e^y at (x, y) = {point} by hand", point=POINT)
    x, y = Value(x0, label="x"), Value(y0, label="y")
    backprop = grad(f(x, y), [x, y])
    numeric = (
        central(lambda t: float_f(t, y0), x0, H),
        central(lambda t: float_f(x0, t), y0, H),
    )
    worst = 0.0
    for name, b, n in zip("xy", backprop, numeric, strict=True):
        rel = abs(b - n) / max(abs(b), abs(n))
        worst = max(worst, rel)
        print(
            tr(
                "df/d{name}: backprop {b:+.12f}   central difference {n:+.12f}   "
                "rel. error {rel:.1e}",
                name=name,
                b=b,
                n=n,
                rel=rel,
            )
        )
    print(f"gradcheck(f, {list(POINT)}) -> {gradcheck(f, list(POINT))}")
    hessian = gradgradcheck(f, list(POINT))
    print(tr("gradgradcheck(f, {p}) -> {ok}  (the Hessian)", p=list(POINT), ok=hessian))

    section("2. a broken derivative rule: sigmoid's ds = s (1 - s) da written as ds = s da")
    w_point = [1.5, 0.8]
    w, xx = Value(w_point[0], label="w"), Value(w_point[1], label="x")
    (dw,) = grad(broken_neuron(w, xx), [w])
    s = 1 / (1 + math.exp(-(w_point[0] * w_point[1] - 0.5)))
    print(tr("backprop through the broken rule: d out/dw = {dw:.6f}", dw=dw))
    print(
        tr(
            "what it should be, s (1 - s) x:    d out/dw = {right:.6f}",
            right=s * (1 - s) * w_point[1],
        )
    )
    caught = False
    try:
        gradcheck(broken_neuron, w_point)
    except GradcheckError as error:
        caught = True
        print(tr("gradcheck raised GradcheckError:"))
        for line in str(error).splitlines():
            print(f"  | {line}")
    print(tr("the broken derivative was caught: {caught}", caught=caught))
    say(
        """Check every new operation and every hand-written layer this way before training
        with it. Checks fail near kinks (ReLU at 0) where no derivative exists: check at
        points away from them."""
    )

    section("3. how small should h be?")
    n_h = 13 if lesson.quick else 29
    hs = [10.0 ** (-1 - 14 * i / (n_h - 1)) for i in range(n_h)]
    exact = backprop[0]
    central_err = [abs(central(lambda t: float_f(t, y0), x0, h) - exact) for h in hs]
    forward_err = [abs((float_f(x0 + h, y0) - float_f(x0, y0)) / h - exact) for h in hs]
    best = hs[min(range(n_h), key=central_err.__getitem__)]
    print(tr("the central difference is most accurate near h = {h:.0e}", h=best))

    n = 41 if lesson.quick else 161
    grid = [-6.0 + 12.0 * i / (n - 1) for i in range(n)]
    numeric_slope = [central(lambda t: 1 / (1 + math.exp(-t)), z, H) for z in grid]

    fig, (ax_h, ax_d) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    ax_h.loglog(
        hs, [max(e, 1e-17) for e in forward_err], "o-", ms=3, label=pic("forward difference")
    )
    ax_h.loglog(
        hs, [max(e, 1e-17) for e in central_err], "s-", ms=3, label=pic("central difference")
    )
    ax_h.axvline(H, color="gray", ls=":", label=pic("h = {h:g} (gradcheck's eps)", h=H))
    ax_h.text(1e-14, 1e-11, pic("rounding error\n~ 1e-16 / h"), fontsize=8)
    ax_h.text(2e-4, 1e-11, pic("truncation\nerror ~ h²\n(central)"), fontsize=8)
    ax_h.set(
        xlabel=pic("step h"),
        ylabel=pic("|numerical - backprop|"),
        title=pic("Finite differences: error vs h"),
    )
    ax_h.legend(fontsize=8, loc="upper center")
    ax_d.plot(
        grid, [sigmoid_slope(z, broken=False) for z in grid], label=pic("correct rule s (1 - s)")
    )
    ax_d.plot(grid, [sigmoid_slope(z, broken=True) for z in grid], "--", label=pic("broken rule s"))
    ax_d.plot(grid[::4], numeric_slope[::4], "k.", label=pic("central difference"))
    ax_d.set(xlabel="z", ylabel="d sigmoid(z) / dz", title=pic("The broken derivative, caught"))
    ax_d.legend(fontsize=8)
    fig.suptitle(pic("Gradient checking: backprop against numerical derivatives"))
    lesson.save(fig, "gradient_check.png")
    return lesson.finish(
        worst_relative_error=worst,
        broken_caught=caught,
        best_h=best,
    )


if __name__ == "__main__":
    main()
