"""The optimisers' update rules: one pure function each, the formula on each line.

Each rule takes the parameter, its gradient, the parameter's state from the
previous step (``{}`` before the first) and the hyper-parameters by name, and
returns the new parameter and the new state::

    (param, grad, state, **hyper) -> (new_param, new_state)

The hyper-parameters are those of the optimiser's constructor, ``maximize``
included (the rule negates the gradient itself), so an optimiser calls its
rule with its group's settings as they are: ``rule(p, g, s, **settings)``.
Call one by hand to see a single step.

**Floats, columns and arrays alike.** A rule runs unchanged on Python floats
(one parameter, as you call it by hand), on a ``Column`` of floats (every
parameter of a group at once, in pure Python, as ``Optimizer.step()`` calls
it) and on numpy float64 arrays (a vector of parameters at once, as a fused
training run calls it), and the three agree bit for bit, element by element
(``tests/test_optim.py`` and ``tests/test_review_optim_speed.py`` check it for
every rule). The contract for a column or an array:

- ``param`` and ``grad`` are columns of one length (float64 arrays of one
  shape); each entry of ``state`` is a column of that length (an array of
  that shape), or a float shared by every element (a ``step`` count that all
  parameters share, say). What the rule returns has the same form: columns
  (arrays), and floats where the state held floats.
- Every element of the vector has taken the same steps, so that the same
  entries are present in its state: an element with a ``momentum_buffer``
  and one without are two calls.
- Hyper-parameters are plain Python numbers and bools, one setting per call
  (one parameter group): flags choose which lines run.
- numpy may warn where a float overflows (to ``inf``), where Python floats
  are silent; wrap the call in ``numpy.errstate`` as you need.

To stay bit-identical, the rules use plain arithmetic (``+ - * /`` and unary
``-``, which IEEE 754 rounds the same way for a float and for an element)
and, for the rest, the three operations of ``xp = operations(param)``:
``FLOATS`` (``math.sqrt``, ``max``, ``pow``) for a float, ``COLUMNS`` (the
same three on each element) for a column, ``ARRAYS`` for an array. A column
has that arithmetic and nothing else, so a rule that needs more fails on it
at once, with a ``TypeError``.
``xp.sqrt`` is correctly rounded in both; ``xp.maximum(a, b)`` is Python's
``max(a, b)`` (``b`` if ``b > a``, else ``a``), which ``numpy.maximum`` is
not for -0.0 and NaN; ``xp.power(base, step)`` applies Python's ``**`` to
each distinct step count, since numpy's vectorised ``pow`` may round the
last bit differently. numpy is imported only when an array arrives:
``import autograd_lite`` stays pure Python.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from itertools import repeat
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = [
    "ARRAYS",
    "COLUMNS",
    "FLOATS",
    "RULES",
    "Column",
    "Operations",
    "State",
    "Update",
    "adagrad_update",
    "adam_update",
    "operations",
    "rmsprop_update",
    "sgd_update",
    "shared",
]

#: A parameter's state between steps (momentum buffers, running averages, the step count).
State = dict[str, float]
Update = tuple[float, State]

#: What a rule computes on: a float (one parameter), or a column or a float64 array of them.
Floats = TypeVar("Floats", float, "Column", "NDArray[np.float64]")


# -- the three operations that are not plain arithmetic, for floats and for arrays -----------


@dataclass(frozen=True)
class Operations:
    """``sqrt``, ``maximum`` and ``power`` for one kind of number: a rule's ``xp``."""

    sqrt: Callable[[Any], Any]  # correctly rounded in math and numpy alike
    maximum: Callable[[Any, Any], Any]  # Python's max(a, b): b if b > a, else a
    power: Callable[[float, Any], Any]  # Python's base ** exponent


def _array_sqrt(x: Any) -> Any:
    import numpy  # an array arrived: numpy is there

    return numpy.sqrt(x)


def _array_maximum(a: Any, b: Any) -> Any:
    import numpy

    return numpy.where(b > a, b, a)  # numpy.maximum differs from max() on -0.0 and NaN


def _array_power(base: float, exponent: Any) -> Any:
    """Python's ``**`` on each distinct exponent (step counts: few): numpy may round otherwise."""
    if isinstance(exponent, (int, float)):
        return base**exponent
    import numpy

    distinct, where = numpy.unique(exponent, return_inverse=True)
    table = numpy.array([base**e for e in distinct.tolist()], dtype=numpy.float64)
    return table[where].reshape(numpy.shape(exponent))


# -- a column: the floats of a group's parameters, computed on together in pure Python ------


class Column:
    """The floats of many parameters, one per element, with the rules' arithmetic on each.

    ``Optimizer.step()`` calls its rule once on a column of every parameter of a
    group instead of once per parameter: the same float operations, in the same
    order, so the same bits, without a Python call of the rule per parameter.
    An operand is another column of the same length or a number (shared by
    every element); ``+ - * /`` and unary ``-`` are all there is.

    >>> (Column([1.0, 2.0]) * 3.0 - Column([0.5, 0.25])).floats
    [2.5, 5.75]
    >>> (1.0 / Column([4.0, -0.0])).floats
    Traceback (most recent call last):
    ZeroDivisionError: float division by zero
    """

    __slots__ = ("floats",)

    def __init__(self, floats: list[float]) -> None:
        self.floats = floats

    def __repr__(self) -> str:
        return f"Column({self.floats!r})"

    def __len__(self) -> int:
        return len(self.floats)

    def _map(self, op: Callable[[Any, Any], Any], other: object, mine_first: bool) -> Column:
        """``op`` on each element and ``other``'s (or ``other`` itself, a number)."""
        xs = self.floats
        if isinstance(other, Column):
            ys: Iterable[Any] = other.floats
            if len(other.floats) != len(xs):
                raise ValueError(f"columns of {len(xs)} and {len(other.floats)} floats")
        elif isinstance(other, (int, float)):
            ys = repeat(other, len(xs))
        else:
            raise TypeError(f"a Column computes with a Column or a number, not {type(other)}")
        return Column(list(map(op, xs, ys) if mine_first else map(op, ys, xs)))

    def __add__(self, other: Column | float) -> Column:
        if type(other) is float:  # a comprehension: faster than map() with repeat()
            return Column([x + other for x in self.floats])
        return self._map(operator.add, other, True)

    def __radd__(self, other: float) -> Column:
        if type(other) is float:
            return Column([other + x for x in self.floats])
        return self._map(operator.add, other, False)

    def __sub__(self, other: Column | float) -> Column:
        if type(other) is float:  # a comprehension: faster than map() with repeat()
            return Column([x - other for x in self.floats])
        return self._map(operator.sub, other, True)

    def __rsub__(self, other: float) -> Column:
        if type(other) is float:
            return Column([other - x for x in self.floats])
        return self._map(operator.sub, other, False)

    def __mul__(self, other: Column | float) -> Column:
        if type(other) is float:  # a comprehension: faster than map() with repeat()
            return Column([x * other for x in self.floats])
        return self._map(operator.mul, other, True)

    def __rmul__(self, other: float) -> Column:
        if type(other) is float:
            return Column([other * x for x in self.floats])
        return self._map(operator.mul, other, False)

    def __truediv__(self, other: Column | float) -> Column:
        if type(other) is float:  # a comprehension: faster than map() with repeat()
            return Column([x / other for x in self.floats])
        return self._map(operator.truediv, other, True)

    def __rtruediv__(self, other: float) -> Column:
        if type(other) is float:
            return Column([other / x for x in self.floats])
        return self._map(operator.truediv, other, False)

    def __neg__(self) -> Column:
        return Column(list(map(operator.neg, self.floats)))


def _column_sqrt(x: Any) -> Any:
    return Column(list(map(math.sqrt, x.floats))) if isinstance(x, Column) else math.sqrt(x)


def _column_maximum(a: Any, b: Any) -> Any:
    """Python's ``max(a, b)`` on each pair of elements (an operand may be a number)."""
    if not isinstance(a, Column):
        return Column([max(a, y) for y in b.floats]) if isinstance(b, Column) else max(a, b)
    return a._map(max, b, True)


def _column_power(base: float, exponent: Any) -> Any:
    if isinstance(exponent, Column):
        return Column([base**e for e in exponent.floats])
    return base**exponent


def shared(values: list[float]) -> float | None:
    """The float every one of ``values`` holds (a step count that all parameters share: a
    rule then computes on it once), or None: then they are a column or an array. Zeros are
    never shared (0.0 == -0.0): a column keeps each one's sign."""
    first = values[0]
    if first and values[-1] == first and values.count(first) == len(values):
        return first
    return None


#: The operations on Python floats, on each element of a column, and on numpy arrays.
FLOATS = Operations(sqrt=math.sqrt, maximum=max, power=pow)
COLUMNS = Operations(sqrt=_column_sqrt, maximum=_column_maximum, power=_column_power)
ARRAYS = Operations(sqrt=_array_sqrt, maximum=_array_maximum, power=_array_power)


def operations(x: object) -> Operations:
    """``FLOATS`` for a float (or an int), ``COLUMNS`` for a column, else ``ARRAYS``."""
    if isinstance(x, (int, float)):  # numpy's float64 is a float
        return FLOATS
    return COLUMNS if isinstance(x, Column) else ARRAYS


# -- the rules ------------------------------------------------------------------------------


def sgd_update(
    param: Floats,
    grad: Floats,
    state: Mapping[str, float | Floats],
    lr: float,
    momentum: float = 0.0,
    dampening: float = 0.0,
    weight_decay: float = 0.0,
    nesterov: bool = False,
    maximize: bool = False,
) -> tuple[Floats, dict[str, float | Floats]]:
    """One step of (stochastic) gradient descent, with optional momentum, as ``torch.optim.SGD``.

    >>> sgd_update(1.0, 0.5, {}, lr=0.1)
    (0.95, {})
    >>> sgd_update(1.0, 0.5, {"momentum_buffer": 2.0}, lr=0.1, momentum=0.9)
    (0.77, {'momentum_buffer': 2.3})
    """
    if maximize:
        grad = -grad  # climb: g <- -g
    if weight_decay:
        grad = grad + weight_decay * param  # L2 penalty: g <- g + wd * theta
    if not momentum:
        return param - lr * grad, {}  # theta <- theta - lr * g
    buf = state.get("momentum_buffer")
    # b <- g on the first step, then b <- momentum * b + (1 - dampening) * g
    buf = grad if buf is None else momentum * buf + (1.0 - dampening) * grad
    direction = grad + momentum * buf if nesterov else buf  # Nesterov looks one step ahead
    return param - lr * direction, {"momentum_buffer": buf}


def adagrad_update(
    param: Floats,
    grad: Floats,
    state: Mapping[str, float | Floats],
    lr: float,
    lr_decay: float = 0.0,
    weight_decay: float = 0.0,
    initial_accumulator_value: float = 0.0,
    eps: float = 1e-10,
    maximize: bool = False,
) -> tuple[Floats, dict[str, float | Floats]]:
    """One Adagrad step: the step shrinks as squared gradients pile up, as ``torch.optim.Adagrad``.

    >>> p, s = adagrad_update(1.0, 0.5, {}, lr=0.1)
    >>> round(p, 6), s
    (0.9, {'step': 1.0, 'sum': 0.25})
    """
    xp = operations(param)
    if maximize:
        grad = -grad  # climb: g <- -g
    step = state.get("step", 0.0) + 1.0
    if weight_decay:
        grad = grad + weight_decay * param  # g <- g + wd * theta
    clr = lr / (1.0 + (step - 1.0) * lr_decay)  # lr_t = lr / (1 + (t - 1) * lr_decay)
    total = state.get("sum", initial_accumulator_value) + grad * grad  # G <- G + g^2
    return param - clr * (grad / (xp.sqrt(total) + eps)), {"step": step, "sum": total}


def rmsprop_update(
    param: Floats,
    grad: Floats,
    state: Mapping[str, float | Floats],
    lr: float,
    alpha: float = 0.99,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    momentum: float = 0.0,
    centered: bool = False,
    maximize: bool = False,
) -> tuple[Floats, dict[str, float | Floats]]:
    """One RMSprop step: divide by a running root mean square of gradients (PyTorch's rule).

    With ``centered=True`` the running mean of the gradient is subtracted
    (a variance instead of a second moment); a variance that rounding makes
    slightly negative counts as 0 (PyTorch would produce nan there).

    >>> p, s = rmsprop_update(1.0, 0.5, {}, lr=0.01)
    >>> round(p, 6), s
    (0.9, {'step': 1.0, 'square_avg': 0.0025000000000000022})
    """
    xp = operations(param)
    if maximize:
        grad = -grad  # climb: g <- -g
    new: dict[str, float | Floats] = {"step": state.get("step", 0.0) + 1.0}
    if weight_decay:
        grad = grad + weight_decay * param  # g <- g + wd * theta
    # v <- alpha * v + (1 - alpha) * g^2
    square_avg = alpha * state.get("square_avg", 0.0) + (1.0 - alpha) * grad * grad
    new["square_avg"] = square_avg
    if centered:
        grad_avg = state.get("grad_avg", 0.0)
        grad_avg = grad_avg + (1.0 - alpha) * (grad - grad_avg)  # m <- alpha*m + (1-alpha)*g
        new["grad_avg"] = grad_avg
        square_avg = xp.maximum(square_avg - grad_avg * grad_avg, 0.0)  # v - m^2, a variance
    scaled = grad / (xp.sqrt(square_avg) + eps)  # g / (sqrt(v) + eps)
    if momentum > 0.0:
        scaled = momentum * state.get("momentum_buffer", 0.0) + scaled  # b <- mu*b + g/denom
        new["momentum_buffer"] = scaled
    return param - lr * scaled, new


def adam_update(
    param: Floats,
    grad: Floats,
    state: Mapping[str, float | Floats],
    lr: float,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    amsgrad: bool = False,
    maximize: bool = False,
    decoupled_weight_decay: bool = False,
) -> tuple[Floats, dict[str, float | Floats]]:
    """One Adam step (AdamW's with ``decoupled_weight_decay=True``), as ``torch.optim.Adam``.

    >>> p, s = adam_update(1.0, 0.5, {}, lr=0.1)
    >>> round(p, 6), sorted(s)
    (0.9, ['exp_avg', 'exp_avg_sq', 'step'])
    """
    xp = operations(param)
    if maximize:
        grad = -grad  # climb: g <- -g
    beta1, beta2 = betas
    step = state.get("step", 0.0) + 1.0
    if weight_decay:
        if decoupled_weight_decay:
            param = param * (1.0 - lr * weight_decay)  # AdamW: theta <- theta * (1 - lr * wd)
        else:
            grad = grad + weight_decay * param  # Adam: L2 penalty, g <- g + wd * theta
    exp_avg = state.get("exp_avg", 0.0)
    exp_avg = exp_avg + (1.0 - beta1) * (grad - exp_avg)  # m <- b1 * m + (1 - b1) * g
    exp_avg_sq = beta2 * state.get("exp_avg_sq", 0.0) + (1.0 - beta2) * grad * grad  # v <- ...g^2
    new: dict[str, float | Floats] = {"step": step, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
    second = exp_avg_sq
    if amsgrad:
        second = xp.maximum(state.get("max_exp_avg_sq", 0.0), exp_avg_sq)  # v_max <- max(v_max, v)
        new["max_exp_avg_sq"] = second
    bias1 = 1.0 - xp.power(beta1, step)  # bias corrections: m_hat = m / bias1, v_hat = v / bias2
    bias2 = 1.0 - xp.power(beta2, step)
    denom = xp.sqrt(second) / xp.sqrt(bias2) + eps
    return param - (lr / bias1) * (exp_avg / denom), new  # theta <- theta - lr*m_hat/(...)


#: The rules above: each runs on floats, columns and arrays alike, bit for bit.
RULES = (sgd_update, adagrad_update, rmsprop_update, adam_update)
