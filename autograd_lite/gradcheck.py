"""Gradient checking: compare what backprop says with what the function does.

``gradcheck(f, inputs)`` computes every partial derivative of ``f`` twice:
once by backpropagation (``autograd_lite.grad``), once numerically by the
central difference (f(x + h) - f(x - h)) / 2h in double precision. If any
pair disagrees by more than ``atol + rtol * |numerical|`` it raises a
``GradcheckError`` that names the input, both numbers, the difference, the
tolerance and the expression. ``gradgradcheck`` does the same for second
derivatives: the Hessian that backprop builds with ``create_graph=True``
against central differences of backprop's own first derivatives.

A numerical derivative means nothing at a kink (``relu`` at 0) or next to a
pole (``log`` near 0); when a check fails there, the error says so, using
each primitive's ``smooth`` predicate from ``autograd_lite.ops``.

>>> from autograd_lite import gradcheck, gradgradcheck
>>> gradcheck(lambda x, y: (x * y + 1.5).tanh(), [0.5, -1.2])
True
>>> gradgradcheck(lambda x, y: (x * y + 1.5).tanh(), [0.5, -1.2])
True
"""

from __future__ import annotations

import inspect
import random
from collections.abc import Callable, Iterable, Sequence

from autograd_lite.calculus import _bounded
from autograd_lite.checks import items as listed
from autograd_lite.checks import number, real
from autograd_lite.engine import Value, enable_grad, grad, topological_order
from autograd_lite.expression import expression_text, number_text
from autograd_lite.ops import is_smooth

__all__ = [
    "ATOL",
    "EPS",
    "MAX_INPUTS",
    "RTOL",
    "SEED",
    "GradcheckError",
    "gradcheck",
    "gradgradcheck",
    "nonsmooth_nodes",
]


class GradcheckError(AssertionError):
    """Backprop and the numerical derivative disagree; the message says where and by how much.

    A subclass of ``AssertionError``, so pytest reports it as a failed check.

    >>> from autograd_lite import gradcheck
    >>> try:
    ...     gradcheck(lambda x: x.relu(), [0.0])   # relu has a kink at 0
    ... except GradcheckError as error:
    ...     print(str(error).splitlines()[0])
    gradcheck: d(output)/d(x) (input 0) does not match its central difference
    """


#: The default step: the central differences look at most this far from the point.
EPS = 1e-6
#: The default tolerances: backprop passes where |backprop - numerical| <= ATOL +
#: RTOL * |numerical|. With Richardson's extrapolation the numerical derivative is
#: well inside RTOL on the tests' random graphs (test_gradcheck checks below 1e-6),
#: so RTOL = 1e-5 (PyTorch: 1e-3) catches a derivative 0.05% wrong; ATOL = 1e-5,
#: PyTorch's, absorbs rounding of about 1e-16 |f| / EPS where a derivative is near 0.
ATOL = 1e-5
RTOL = 1e-5
#: The most inputs one check differentiates: four evaluations of f each, so the time grows
#: as the square of their number (1,000 inputs of a sum of squares: 16.5 s, measured on
#: the shared machine; 1,000,000 would take months).
MAX_INPUTS = 1_000
#: Seed of the random gradients sent into the output (reproducible: the same every call).
SEED = 20161
#: The size of a random incoming gradient: far from 1, where a rule that ignores it
#: passes, and below 1, so that ``output * gradient`` never overflows.
_SEED_SIZES = (0.4, 0.7)


def gradcheck(
    f: Callable[..., Value],
    inputs: Iterable[Value | float] | Value | float,
    *,
    eps: float = EPS,
    atol: float = ATOL,
    rtol: float = RTOL,
) -> bool:
    """Check every first derivative of ``f`` at ``inputs`` against central differences.

    ``f`` takes one ``Value`` per input and returns a ``Value``. ``inputs``
    are numbers, or ``Value``s whose ``data`` (and ``label``) are used; an
    input Value with ``requires_grad=False`` is held constant and not
    checked. Returns ``True``, or raises ``GradcheckError`` on a mismatch.

    The backward pass starts from a random gradient ``u`` (seeded: the same
    on every call), not 1, so that a rule that mishandles the gradient it is
    sent is caught even at the output; backprop's result is divided by ``u``
    before it is compared.

    >>> gradcheck(lambda x: x.log() * x, [2.0])          # d/dx x ln x = ln x + 1
    True
    """
    check = _Check("gradcheck", f, inputs, eps, atol, rtol)
    out, active = check.forward(check.point)
    (u,) = check.seeds(1)
    analytic = [g / u for g in grad(check.times(out, u), active)]
    for i, a in zip(check.active, analytic, strict=True):
        (numeric,) = check.central(lambda point: [check.forward(point)[0].data], i)
        if not check.close(a, numeric):
            name = check.names[i]
            what = f"d(output)/d({name}) (input {i})"
            raise check.mismatch(what, a, numeric, out, [u])
    return True


def gradgradcheck(
    f: Callable[..., Value],
    inputs: Iterable[Value | float] | Value | float,
    *,
    eps: float = EPS,
    atol: float = ATOL,
    rtol: float = RTOL,
) -> bool:
    """Check every second derivative of ``f`` at ``inputs`` against central differences.

    The analytic Hessian comes from differentiating, again, the gradients
    that ``grad(..., create_graph=True)`` returns; each column is compared
    with the central difference of backprop's first derivatives. Both
    backward passes start from random gradients (seeded, as in PyTorch's
    ``gradgradcheck``), divided out before comparing, so that a rule that
    scales the gradient it is sent wrongly is caught. Arguments and errors
    are those of ``gradcheck`` (run that too: this one does not check first
    derivatives).

    >>> gradgradcheck(lambda x, y: x * x * y + y.exp(), [1.5, 0.3])
    True
    """
    check = _Check("gradgradcheck", f, inputs, eps, atol, rtol)
    out, active = check.forward(check.point)
    u, w = check.seeds(2)
    first = grad(check.times(out, u), active, create_graph=True)  # u * gradient
    # hessian[j][k] = d/dx_k (d out / dx_j), all by backprop: u w H / (u w)
    hessian = [[h / (u * w) for h in grad(check.times(g, w), active)] for g in first]

    def backprop_gradient(point: list[float]) -> list[float]:
        return [float(g) for g in grad(*check.forward(point))]

    for k, i in enumerate(check.active):
        column = check.central(backprop_gradient, i)
        for j, numeric in enumerate(column):
            a = hessian[j][k]
            if not check.close(a, numeric):
                name_j, name_i = check.names[check.active[j]], check.names[i]
                what = f"d2(output)/d({name_j})d({name_i}) (inputs {check.active[j]} and {i})"
                raise check.mismatch(what, a, numeric, out, [u, w])
    return True


class _Check:
    """What both checks share: validated arguments, evaluation, comparison, messages."""

    def __init__(
        self,
        kind: str,
        f: Callable[..., Value],
        inputs: Iterable[Value | float] | Value | float,
        eps: float,
        atol: float,
        rtol: float,
    ) -> None:
        if not callable(f):
            raise TypeError(f"{kind}() needs a callable f, got {type(f).__name__}")
        self.kind = kind
        self.f = f
        self.eps = real(eps, "eps", low=0.0, low_open=True)
        self.atol = real(atol, "atol", low=0.0)
        self.rtol = real(rtol, "rtol", low=0.0)
        items = listed(_bounded(inputs, f"{kind}(): inputs"), f"{kind}(): inputs")
        if not items:
            raise ValueError(f"{kind}() needs at least one input")
        self.point = [number(x, f"{kind}(): inputs[{i}]") for i, x in enumerate(items)]
        params = _parameter_names(f, len(items))
        self.names = [
            x.label if isinstance(x, Value) and x.label else params[i] if params else f"x{i}"
            for i, x in enumerate(items)
        ]
        #: Indices of the inputs that are checked (the others are held constant).
        self.active = [
            i for i, x in enumerate(items) if not isinstance(x, Value) or x.requires_grad
        ]
        if len(self.active) > MAX_INPUTS:
            raise ValueError(
                f"{kind}() checks {len(self.active):,} inputs, more than MAX_INPUTS = "
                f"{MAX_INPUTS:,}: each needs four evaluations of f, so the time grows as the "
                "square of their number. Check a few of them: pass the others as Values "
                "with requires_grad=False, which are held constant"
            )

    def forward(self, point: list[float]) -> tuple[Value, list[Value]]:
        """``f`` at ``point``: the output, and the leaves of the checked inputs."""
        active = set(self.active)
        leaves = [
            Value(x, label=name, requires_grad=i in active)
            for i, (x, name) in enumerate(zip(point, self.names, strict=True))
        ]
        with enable_grad():  # even inside a caller's no_grad()
            out = self.f(*leaves)
        if not isinstance(out, Value):
            raise TypeError(f"{self.kind}(): f must return a Value, got {type(out).__name__}")
        return out, [leaves[i] for i in self.active]

    def seeds(self, n: int) -> list[float]:
        """``n`` random gradients to send backwards, 0.4 to 0.7 in size, either sign."""
        rng = random.Random(SEED)
        return [rng.choice((-1.0, 1.0)) * rng.uniform(*_SEED_SIZES) for _ in range(n)]

    def times(self, out: Value, u: float) -> Value:
        """``out * u`` as a node (even inside ``no_grad()``): a backward pass from it sends
        ``u`` into ``out``."""
        with enable_grad():
            return out * u

    def central(self, fn: Callable[[list[float]], list[float]], i: int) -> list[float]:
        """d fn / dx_i for each component of ``fn``, from four evaluations within eps of x.

        The central difference D(h) = (fn(x + h e_i) - fn(x - h e_i)) / 2h is off by
        about h^2 / 6 times the third derivative; Richardson's extrapolation
        (4 D(eps/2) - D(eps)) / 3 cancels that term, leaving an error of order eps^4
        plus the rounding, about 3e-16 |f| / eps.
        """
        outer = self._difference(fn, i, self.eps)
        inner = self._difference(fn, i, self.eps / 2)
        return [(4.0 * b - a) / 3.0 for a, b in zip(outer, inner, strict=True)]

    def _difference(
        self, fn: Callable[[list[float]], list[float]], i: int, h: float
    ) -> list[float]:
        """(fn(x + h e_i) - fn(x - h e_i)) / 2h, for each component of ``fn``."""
        up, down = list(self.point), list(self.point)
        up[i] += h
        down[i] -= h
        try:
            above, below = fn(up), fn(down)
        except (ArithmeticError, ValueError) as error:
            raise ValueError(
                f"{self.kind}(): f fails at {self.names[i]} = {self.point[i]!r} +- eps "
                f"({error}); check at a point further inside f's domain, or use a smaller eps"
            ) from error
        step = up[i] - down[i]  # exactly the step taken, after rounding
        if step == 0.0:
            raise ValueError(
                f"{self.kind}(): eps = {self.eps!r} is too small to move "
                f"{self.names[i]} = {self.point[i]!r} at all; use a larger eps"
            )
        return [(a - b) / step for a, b in zip(above, below, strict=True)]

    def close(self, analytic: float | Value, numeric: float) -> bool:
        # |analytic - numeric| <= atol + rtol * |numeric|, as numpy.isclose
        return abs(float(analytic) - numeric) <= self.atol + self.rtol * abs(numeric)

    def mismatch(
        self,
        what: str,
        analytic: float | Value,
        numeric: float,
        out: Value,
        seeds: Sequence[float] = (),
    ) -> GradcheckError:
        a = float(analytic)
        tolerance = self.atol + self.rtol * abs(numeric)
        at = ", ".join(f"{n}={x!r}" for n, x in zip(self.names, self.point, strict=True))
        lines = [
            f"{self.kind}: {what} does not match its central difference",
            f"  backprop:           {a!r}",
            f"  central difference: {numeric!r}",
            f"  |difference| {abs(a - numeric):.3g} > tolerance {tolerance:.3g} "
            f"(atol {self.atol:g} + rtol {self.rtol:g} * |central difference|, eps {self.eps:g})",
            f"  at: {at}",
        ]
        if seeds:
            sent = " and ".join(f"{u:.6g}" for u in seeds)
            lines.append(
                f"  backprop started from the random gradient {sent} (seed {SEED}), "
                "divided out above"
            )
        text = expression_text(out)
        if text is not None:
            lines.append(f"  expression: {text}")
        rough = nonsmooth_nodes(out)
        if rough:
            places = ", ".join(
                f"{v.op.name}({', '.join(number_text(p.data)[0] for p in v.parents)})"
                for v in rough[:3]
                if v.op is not None
            )
            lines.append(
                f"  note: not smooth at {places}: a kink, pole or domain edge, "
                "where a numerical derivative means little"
            )
        return GradcheckError("\n".join(lines))


def _parameter_names(f: Callable[..., object], n: int) -> list[str] | None:
    """The names of ``f``'s first ``n`` positional parameters, if it has them."""
    try:
        parameters = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        return None
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = [p.name for p in parameters if p.kind in positional]
    return names[:n] if len(names) >= n else None


# -- where the graph is not smooth, and how it reads ---------------------------------


def nonsmooth_nodes(output: Value) -> list[Value]:
    """Nodes of ``output``'s graph whose primitive is not smooth at its inputs.

    Uses each row's ``smooth`` predicate (``ops.is_smooth``, in the inputs
    that take a gradient): a kink (``relu``, ``abs`` near 0), a pole or a
    domain edge (``log``, ``sqrt`` near 0; ``pow`` with a base near or below
    0, unless its exponent is a constant integer). Derivatives there are
    conventions, not limits.

    >>> from autograd_lite import Value
    >>> x = Value(0.0)
    >>> [v.op.name for v in nonsmooth_nodes((x * 2).relu() + x.exp())]
    ['relu']
    """
    return [
        v
        for v in topological_order(output)
        if v.op is not None
        and not is_smooth(
            v.op, [p.data for p in v.parents], [not p.requires_grad for p in v.parents]
        )
    ]
