"""Optimisers, gradient clipping and learning-rate schedules, with PyTorch's names and rules.

An optimiser holds parameters (``Value`` leaves) and, on ``step()``, moves
each one's ``data`` using its ``grad``: the same constructor arguments,
defaults and update rules as ``torch.optim`` (checked step by step against
PyTorch in the tests), so code and intuition move between the two.

The update math of each optimiser is a small pure function on floats
(``sgd_update``, ``adagrad_update``, ``rmsprop_update``, ``adam_update``):
``(param, grad, state, **hyper) -> (new_param, new_state)``. You can call
one by hand to see a single step.

Where we differ from PyTorch:

- A ``Value``'s ``grad`` is never ``None``: ``zero_grad()`` sets it to 0.0,
  and ``step()`` updates every parameter whose ``requires_grad`` is True,
  even one whose gradient is exactly 0.0 (weight decay and momentum still
  act on it). PyTorch skips parameters whose ``grad`` is ``None``, so it
  matches us when you call its ``zero_grad(set_to_none=False)``.
- To freeze a parameter, set ``requires_grad = False`` (``module.requires_grad_(False)``):
  ``step()`` and the clipping functions leave it alone.
- Updates write plain floats to ``.data`` and never build a graph. If you
  ran ``backward(create_graph=True)``, ``grad`` is a ``Value``; its number is used.
- ``step()`` never writes inf or NaN: it computes and checks every new value
  first, and if one would not be finite (a NaN gradient, a step that
  overflows) it raises ``FloatingPointError`` naming the optimiser and the
  parameter, and changes nothing. PyTorch writes the inf or NaN. Likewise a
  schedule that would make a learning rate inf raises ``ValueError``.
- ``eps`` must be > 0 (PyTorch allows 0, and then divides 0 by 0 on a zero
  gradient), and RMSprop's ``alpha`` must be in [0, 1] (PyTorch allows any
  alpha >= 0; above 1 the running mean of squares turns negative).

>>> from autograd_lite import Value
>>> from autograd_lite.optim import SGD
>>> w = Value(1.0)
>>> opt = SGD([w], lr=0.1)
>>> for _ in range(50):
...     opt.zero_grad()
...     loss = (w - 3.0) ** 2            # minimum at w = 3
...     loss.backward()
...     opt.step()
>>> round(w.data, 4)
3.0
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar, NamedTuple, TypeVar

from autograd_lite.engine import Value

__all__ = [
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "Optimizer",
    "RMSprop",
    "StepLR",
    "adagrad_update",
    "adam_update",
    "clip_grad_norm_",
    "clip_grad_value_",
    "rmsprop_update",
    "sgd_update",
]

State = dict[str, float]
Update = tuple[float, State]
R = TypeVar("R")

# -- the update rules, one pure function each -------------------------------------
# Each takes the parameter, its gradient (already negated for maximize=True),
# the parameter's state from the previous step ({} before the first), and
# the group's hyper-parameters; it returns the new parameter and new state.


def sgd_update(
    param: float,
    grad: float,
    state: Mapping[str, float],
    *,
    lr: float,
    momentum: float = 0.0,
    dampening: float = 0.0,
    weight_decay: float = 0.0,
    nesterov: bool = False,
) -> Update:
    """One step of (stochastic) gradient descent, with optional momentum, as ``torch.optim.SGD``.

    >>> sgd_update(1.0, 0.5, {}, lr=0.1)
    (0.95, {})
    >>> sgd_update(1.0, 0.5, {"momentum_buffer": 2.0}, lr=0.1, momentum=0.9)
    (0.77, {'momentum_buffer': 2.3})
    """
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
    param: float,
    grad: float,
    state: Mapping[str, float],
    *,
    lr: float,
    lr_decay: float = 0.0,
    weight_decay: float = 0.0,
    initial_accumulator_value: float = 0.0,
    eps: float = 1e-10,
) -> Update:
    """One Adagrad step: the step shrinks as squared gradients pile up, as ``torch.optim.Adagrad``.

    >>> p, s = adagrad_update(1.0, 0.5, {}, lr=0.1)
    >>> round(p, 6), s
    (0.9, {'step': 1.0, 'sum': 0.25})
    """
    step = state.get("step", 0.0) + 1.0
    if weight_decay:
        grad = grad + weight_decay * param  # g <- g + wd * theta
    clr = lr / (1.0 + (step - 1.0) * lr_decay)  # lr_t = lr / (1 + (t - 1) * lr_decay)
    total = state.get("sum", initial_accumulator_value) + grad * grad  # G <- G + g^2
    return param - clr * (grad / (math.sqrt(total) + eps)), {"step": step, "sum": total}


def rmsprop_update(
    param: float,
    grad: float,
    state: Mapping[str, float],
    *,
    lr: float,
    alpha: float = 0.99,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    momentum: float = 0.0,
    centered: bool = False,
) -> Update:
    """One RMSprop step: divide by a running root mean square of gradients (PyTorch's rule).

    With ``centered=True`` the running mean of the gradient is subtracted
    (a variance instead of a second moment); a variance that rounding makes
    slightly negative counts as 0 (PyTorch would produce nan there).

    >>> p, s = rmsprop_update(1.0, 0.5, {}, lr=0.01)
    >>> round(p, 6), s
    (0.9, {'step': 1.0, 'square_avg': 0.0025000000000000022})
    """
    new: State = {"step": state.get("step", 0.0) + 1.0}
    if weight_decay:
        grad = grad + weight_decay * param  # g <- g + wd * theta
    # v <- alpha * v + (1 - alpha) * g^2
    square_avg = alpha * state.get("square_avg", 0.0) + (1.0 - alpha) * grad * grad
    new["square_avg"] = square_avg
    if centered:
        grad_avg = state.get("grad_avg", 0.0)
        grad_avg = grad_avg + (1.0 - alpha) * (grad - grad_avg)  # m <- alpha*m + (1-alpha)*g
        new["grad_avg"] = grad_avg
        square_avg = max(square_avg - grad_avg * grad_avg, 0.0)  # v - m^2, a variance
    scaled = grad / (math.sqrt(square_avg) + eps)  # g / (sqrt(v) + eps)
    if momentum > 0.0:
        scaled = momentum * state.get("momentum_buffer", 0.0) + scaled  # b <- mu*b + g/denom
        new["momentum_buffer"] = scaled
    return param - lr * scaled, new


def adam_update(
    param: float,
    grad: float,
    state: Mapping[str, float],
    *,
    lr: float,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    amsgrad: bool = False,
    decoupled_weight_decay: bool = False,
) -> Update:
    """One Adam step (AdamW's with ``decoupled_weight_decay=True``), as ``torch.optim.Adam``.

    >>> p, s = adam_update(1.0, 0.5, {}, lr=0.1)
    >>> round(p, 6), sorted(s)
    (0.9, ['exp_avg', 'exp_avg_sq', 'step'])
    """
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
    new: State = {"step": step, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
    second = exp_avg_sq
    if amsgrad:
        second = max(state.get("max_exp_avg_sq", 0.0), exp_avg_sq)  # v_max <- max(v_max, v)
        new["max_exp_avg_sq"] = second
    bias1 = 1.0 - beta1**step  # bias corrections: m_hat = m / bias1, v_hat = v / bias2
    bias2 = 1.0 - beta2**step
    denom = math.sqrt(second) / math.sqrt(bias2) + eps
    return param - (lr / bias1) * (exp_avg / denom), new  # theta <- theta - lr*m_hat/(...)


# -- checking hyper-parameters -------------------------------------------------------


class _Rule(NamedTuple):
    what: str  # PyTorch's words in "Invalid <what>: <value>"
    kind: str  # "nonneg" (finite, >= 0), "positive" (finite, > 0), "unit" (in [0, 1]),
    #            "real" (finite), "flag" (bool), "betas"


#: What each numeric kind allows: (a test on a finite float, its words).
_RANGES: dict[str, tuple[Callable[[float], bool], str]] = {
    "real": (lambda x: True, "finite"),
    "nonneg": (lambda x: x >= 0.0, "a finite number >= 0"),
    "positive": (lambda x: x > 0.0, "a finite number > 0"),
    "unit": (lambda x: 0.0 <= x <= 1.0, "in [0, 1]"),
}

_LR = _Rule("learning rate", "nonneg")
# eps > 0, where PyTorch allows 0: with eps = 0 a zero gradient divides 0 by 0
_EPS = _Rule("epsilon value", "positive")
_WEIGHT_DECAY = _Rule("weight_decay value", "nonneg")
_MOMENTUM = _Rule("momentum value", "nonneg")
_FLAG = _Rule("flag", "flag")


def _checked(name: str, rule: _Rule, value: object) -> Any:
    """``value`` made canonical (floats, a tuple for betas), or an error naming ``name``."""
    if rule.kind == "flag":
        if not isinstance(value, bool):
            raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
        return value
    if rule.kind == "betas":
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != 2:
            raise TypeError(f"betas must be a pair of numbers (beta1, beta2), got {value!r}")
        for i, b in enumerate(value):
            x = _checked(f"betas[{i}]", _Rule("beta", "real"), b)
            if not 0.0 <= x < 1.0:
                raise ValueError(
                    f"Invalid beta parameter at index {i}: {b!r} (betas[{i}] must be in [0, 1))"
                )
        return (float(value[0]), float(value[1]))
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    try:
        x = float(value)
    except OverflowError:  # an int such as 10**400
        x = math.inf
    allowed, rule_text = _RANGES[rule.kind]
    if not (math.isfinite(x) and allowed(x)):
        raise ValueError(f"Invalid {rule.what}: {value!r} ({name} must be {rule_text})")
    return x


# -- the optimiser base class -------------------------------------------------------


_NO_STATE: Mapping[str, float] = {}
_GROUP_EXTRAS = ("params", "initial_lr")  # group keys that are not hyper-parameters


class Optimizer:
    """Base class: parameter groups, ``zero_grad()``, ``step()``, ``state_dict()``.

    ``params`` is an iterable of ``Value`` leaves, or of dicts (parameter
    groups, as in PyTorch), each with ``"params"`` and any hyper-parameters
    that should differ from the defaults given to the constructor::

        Adam([{"params": model.layers[0].parameters(), "lr": 1e-4},
              {"params": model.layers[1].parameters()}], lr=1e-3)

    ``param_groups`` is the list of those dicts with every hyper-parameter
    filled in; change ``group["lr"]`` to change the learning rate (that is
    what the schedulers do). ``state`` maps each parameter to a dict of
    floats, created on its first update.

    A subclass sets ``_rules`` (hyper-parameter name -> check) and
    ``_update`` (its pure update function).

    >>> from autograd_lite import Value
    >>> a, b = Value(1.0), Value(2.0)
    >>> opt = SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    >>> a.grad = b.grad = 1.0
    >>> opt.step()
    >>> a.data, b.data
    (0.9, 1.5)
    >>> [g["lr"] for g in opt.param_groups]
    [0.1, 0.5]
    """

    _rules: ClassVar[dict[str, _Rule]]
    _update: ClassVar[Callable[..., Update]]

    defaults: dict[str, Any]
    param_groups: list[dict[str, Any]]
    state: dict[Value, State]

    def __init__(self, params: Iterable[Value] | Iterable[dict[str, Any]], defaults: Any) -> None:
        if not hasattr(type(self), "_update"):
            raise TypeError(
                "Optimizer is a base class: use SGD, Adam, ... or subclass it with "
                "_rules and _update"
            )
        self.defaults = self._check_hyper(defaults, "")
        self.param_groups = []
        self.state = {}
        if isinstance(params, (Value, dict)) or not isinstance(params, Iterable):
            raise TypeError(
                f"params must be an iterable of Values or of dicts (parameter groups), "
                f"got {type(params).__name__}"
            )
        items: list[Any] = list(params)
        if not items:
            raise ValueError("optimizer got an empty parameter list")
        groups = items if all(isinstance(g, dict) for g in items) else [{"params": items}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i} ({len(group['params'])} parameters)")
            lines += [f"    {k}: {v}" for k, v in group.items() if k != "params"]
        return "\n".join([*lines, ")"])

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters (a dict with ``"params"``), e.g. a new layer to fine-tune."""
        if not isinstance(param_group, dict) or "params" not in param_group:
            raise TypeError(f"a parameter group must be a dict with 'params', got {param_group!r}")
        params = self._param_list(param_group["params"])
        where = f"param_groups[{len(self.param_groups)}]"
        known = set(self.defaults) | set(_GROUP_EXTRAS)
        unknown = sorted(set(param_group) - known)
        if unknown:
            raise ValueError(
                f"{where} has unknown keys {unknown}; {type(self).__name__} takes {sorted(known)}"
            )
        group = {**self.defaults, **self._check_hyper(param_group, where), "params": params}
        if "initial_lr" in param_group:
            group["initial_lr"] = _checked("initial_lr", _LR, param_group["initial_lr"])
        taken = {p for g in self.param_groups for p in g["params"]}
        if any(p in taken for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    @staticmethod
    def _param_list(params: object) -> list[Value]:
        items = [params] if isinstance(params, Value) else params
        if isinstance(items, (str, bytes, dict)) or not isinstance(items, Iterable):
            raise TypeError(f"'params' must be an iterable of Values, got {type(params).__name__}")
        out = list(items)
        for i, p in enumerate(out):
            if not isinstance(p, Value):
                raise TypeError(f"params[{i}] must be a Value, got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(
                    f"params[{i}] is computed from other Values; an optimizer can only "
                    "update leaves (parameters you created)"
                )
        if len(set(out)) != len(out):
            raise ValueError("a parameter group lists the same parameter twice")
        return out

    def _check_hyper(self, values: Mapping[str, Any], where: str) -> dict[str, Any]:
        """The hyper-parameters among ``values``, checked and made canonical.

        ``where`` (e.g. ``"param_groups[1]"``) prefixes error messages.
        """
        try:
            checked = {
                name: _checked(name, rule, values[name])
                for name, rule in self._rules.items()
                if name in values
            }
            self._check_combination({**getattr(self, "defaults", {}), **checked})
        except (TypeError, ValueError) as error:
            if not where:
                raise
            raise type(error)(f"{where}: {error}") from None
        return checked

    def _check_combination(self, hyper: Mapping[str, Any]) -> None:
        """Checks that involve several hyper-parameters (a subclass may add some)."""

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0.0 (PyTorch sets it to None by default)."""
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = 0.0

    def _hyper(self, group: Mapping[str, Any]) -> dict[str, Any]:
        """The keyword arguments of the update function for ``group``."""
        return {k: group[k] for k in self._rules if k != "maximize"}

    def step(self, closure: Callable[[], R] | None = None) -> R | None:
        """Update every parameter that requires a gradient; return ``closure()``'s result.

        ``closure`` (optional, as in PyTorch) recomputes the loss: it should
        zero the gradients, compute the loss, call ``backward()`` and return it.

        Every new value is computed and checked before any is written: if a
        parameter or its state would stop being a finite number (a NaN or
        infinite gradient, or a step that overflows), ``FloatingPointError``
        names the optimiser and the parameter, and nothing changes.
        (PyTorch writes the inf or NaN.)
        """
        loss = closure() if closure is not None else None
        update = type(self)._update
        planned: list[tuple[Value, float, State]] = []
        index = -1  # the parameter's number in state_dict(), across all groups
        for g, group in enumerate(self.param_groups):
            hyper = self._hyper(group)
            sign = -1.0 if group["maximize"] else 1.0  # maximize: climb, g <- -g
            for i, p in enumerate(group["params"]):
                index += 1
                if not p.requires_grad:
                    continue  # frozen
                grad = sign * float(p.grad)
                try:
                    data, new = update(p.data, grad, self.state.get(p, _NO_STATE), **hyper)
                except (ArithmeticError, ValueError) as error:  # e.g. an overflow in x ** y
                    why = f"fail ({type(error).__name__}: {error})"
                    raise self._step_error(index, g, i, p, grad, why) from None
                if not math.isfinite(data):
                    raise self._step_error(index, g, i, p, grad, f"{data}")
                for name, x in new.items():
                    if not math.isfinite(x):
                        raise self._step_error(index, g, i, p, grad, f"have {name} {x}")
                planned.append((p, data, new))
        for p, data, new in planned:
            p.data = data
            if new:
                self.state[p] = new
        return loss

    def _step_error(
        self, index: int, g: int, i: int, p: Value, grad: float, what: str
    ) -> FloatingPointError:
        """The error for a step that would make parameter ``index`` ``what``."""
        label = f" {p.label!r}" if p.label else ""
        who = f"parameter {index}{label} (param_groups[{g}]['params'][{i}])"
        if not math.isfinite(grad):
            cause = f"its gradient is {grad}"
        elif not math.isfinite(p.data):
            cause = f"it is {p.data} already"
        else:
            lr = self.param_groups[g]["lr"]
            cause = f"the step overflows (gradient {grad:g}, lr {lr:g})"
        return FloatingPointError(
            f"{type(self).__name__}.step() would make {who} {what}: {cause}; nothing was changed"
        )

    # -- saving and loading --------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``.

        PyTorch's layout: parameters are numbered 0, 1, ... across the groups
        in order. Plain numbers, lists and dicts only, so ``json.dumps`` can
        write it (JSON turns the int keys and the betas tuple into strings
        and a list; ``load_state_dict`` accepts that back).
        """
        index: dict[Value, int] = {}
        groups: list[dict[str, Any]] = []
        for group in self.param_groups:
            ids = [index.setdefault(p, len(index)) for p in group["params"]]
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": ids})
        state = {index[p]: dict(s) for p, s in self.state.items() if p in index}
        return {"state": dict(sorted(state.items())), "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore hyper-parameters and per-parameter state saved by ``state_dict()``.

        The saved groups must hold as many parameters as this optimiser's,
        in the same order. Everything is checked before anything changes:
        the keys of each group, every hyper-parameter, and each parameter's
        state, which must hold exactly the entries this optimiser keeps with
        those settings (``exp_avg``, ``exp_avg_sq`` and ``step`` for Adam, say),
        as finite numbers. A parameter may appear once, as ``3`` or as ``"3"``
        (what JSON makes of it). A bad ``state_dict`` raises ``ValueError`` /
        ``TypeError`` and leaves the optimiser as it was.
        """
        if not isinstance(state_dict, Mapping) or set(state_dict) != {"state", "param_groups"}:
            raise ValueError("an optimizer state_dict must have exactly 'state' and 'param_groups'")
        saved_groups = state_dict["param_groups"]
        if not isinstance(saved_groups, list) or len(saved_groups) != len(self.param_groups):
            n = len(saved_groups) if isinstance(saved_groups, list) else saved_groups
            raise ValueError(
                f"the state_dict has {n} parameter groups, this optimizer has "
                f"{len(self.param_groups)}"
            )
        by_index: dict[int, tuple[Value, dict[str, Any]]] = {}
        new_groups: list[dict[str, Any]] = []
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups, strict=True)):
            new_groups.append(self._loaded_group(saved, group, f"param_groups[{i}]", by_index))
        new_state = self._loaded_state(state_dict["state"], by_index)
        self.param_groups = new_groups
        self.state = new_state

    def _loaded_group(
        self,
        saved: object,
        group: dict[str, Any],
        where: str,
        by_index: dict[int, tuple[Value, dict[str, Any]]],
    ) -> dict[str, Any]:
        if not isinstance(saved, Mapping):
            raise TypeError(f"{where} must be a dict, got {type(saved).__name__}")
        expected = set(self.defaults) | {"params"}
        missing = sorted(expected - set(saved))
        extra = sorted(set(saved) - expected - set(_GROUP_EXTRAS))
        if missing or extra:
            raise ValueError(f"{where} is missing keys {missing} / has unknown keys {extra}")
        ids = saved["params"]
        if not isinstance(ids, list) or len(ids) != len(group["params"]):
            raise ValueError(
                f"{where} lists {len(ids) if isinstance(ids, list) else ids!r} parameters, "
                f"this optimizer's group has {len(group['params'])}"
            )
        new = {**self._check_hyper(saved, where), "params": group["params"]}
        if "initial_lr" in saved:
            new["initial_lr"] = _checked("initial_lr", _LR, saved["initial_lr"])
        for k, p in zip(ids, group["params"], strict=True):
            if not isinstance(k, int) or isinstance(k, bool) or k in by_index:
                raise ValueError(f"{where}['params'] must hold distinct ints, got {k!r}")
            by_index[k] = (p, new)
        return new

    def _state_names(self, group: Mapping[str, Any]) -> set[str]:
        """The state entries this optimiser keeps for a parameter of ``group``.

        The update function says it: what it returns after one step.
        """
        return set(type(self)._update(0.0, 0.0, _NO_STATE, **self._hyper(group))[1])

    def _loaded_state(
        self, saved: object, by_index: dict[int, tuple[Value, dict[str, Any]]]
    ) -> dict[Value, State]:
        if not isinstance(saved, Mapping):
            raise TypeError(f"state_dict['state'] must be a dict, got {type(saved).__name__}")
        kind = type(self).__name__
        out: dict[Value, State] = {}
        seen: dict[int, object] = {}
        for key, entry in saved.items():
            k = int(key) if isinstance(key, str) and _INDEX.fullmatch(key) else key
            where = f"state_dict['state'][{_short(key)}]"
            if not isinstance(k, int) or isinstance(k, bool) or k not in by_index:
                raise ValueError(
                    f"state_dict['state'] has an entry for unknown parameter {_short(key)}"
                )
            if k in seen:
                raise ValueError(
                    f"state_dict['state'] has parameter {k} twice, as {seen[k]!r} and {key!r}"
                )
            seen[k] = key
            if not isinstance(entry, Mapping) or not all(isinstance(n, str) for n in entry):
                raise TypeError(f"{where} must be a dict of numbers")
            p, group = by_index[k]
            expected = self._state_names(group)
            if set(entry) != expected:
                missing, unknown = sorted(expected - set(entry)), sorted(set(entry) - expected)
                raise ValueError(
                    f"{where} does not hold what {kind} keeps with these settings "
                    f"({sorted(expected)}): missing {missing}, unknown {_short(unknown)} "
                    "(the state of another optimiser, or of other settings?)"
                )
            values = {
                name: _state_number(f"{where}[{name!r}]", name, x) for name, x in entry.items()
            }
            if values:
                out[p] = values
        return out


#: A parameter's number as JSON writes a dict key: digits only.
_INDEX = re.compile(r"[0-9]{1,18}")


def _short(x: object, limit: int = 80) -> str:
    """``repr(x)`` cut to ``limit`` characters, for an error message."""
    text = repr(x)
    return text if len(text) <= limit else text[: limit - 3] + "..."


#: state entries that are sums of squares or counts, so never negative
_NON_NEGATIVE_STATE = frozenset({"step", "sum", "square_avg", "exp_avg_sq", "max_exp_avg_sq"})


def _state_number(where: str, name: str, x: object) -> float:
    """A saved state value as a float, or an error naming it (before anything changes)."""
    if not isinstance(x, (int, float)) or isinstance(x, bool):
        raise TypeError(f"{where} must be a number, got {_short(x)}")
    try:
        value = float(x)
    except OverflowError:
        raise ValueError(f"{where} is too large for a float") from None
    if not math.isfinite(value):
        raise ValueError(f"{where} must be finite, got {value!r}")
    if name in _NON_NEGATIVE_STATE and value < 0.0:
        raise ValueError(f"{where} cannot be negative, got {value!r}")
    if name == "step" and not (value >= 1.0 and value.is_integer()):
        raise ValueError(f"{where} counts the steps taken: a whole number >= 1, got {value!r}")
    return value


# -- the optimisers ------------------------------------------------------------------


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum (``torch.optim.SGD``).

    ``theta <- theta - lr * g``, where ``g`` is the gradient plus
    ``weight_decay * theta``; with ``momentum`` a running buffer
    ``b <- momentum * b + (1 - dampening) * g`` replaces ``g`` (Nesterov:
    ``g + momentum * b``). PyTorch 2's default ``lr`` is 1e-3.

    >>> from autograd_lite import Value
    >>> x = Value(5.0)
    >>> opt = SGD([x], lr=0.1, momentum=0.9, nesterov=True)
    >>> for _ in range(100):
    ...     opt.zero_grad()
    ...     (x * x).backward()
    ...     opt.step()
    >>> abs(x.data) < 1e-3
    True
    """

    _rules: ClassVar[dict[str, _Rule]] = {
        "lr": _LR,
        "momentum": _MOMENTUM,
        "dampening": _Rule("dampening value", "real"),
        "weight_decay": _WEIGHT_DECAY,
        "nesterov": _FLAG,
        "maximize": _FLAG,
    }
    _update = staticmethod(sgd_update)

    def __init__(
        self,
        params: Iterable[Value] | Iterable[dict[str, Any]],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        hyper = {"lr": lr, "momentum": momentum, "dampening": dampening}
        hyper |= {"weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize}
        super().__init__(params, hyper)

    def _check_combination(self, hyper: Mapping[str, Any]) -> None:
        if hyper["nesterov"] and (hyper["momentum"] <= 0.0 or hyper["dampening"] != 0.0):
            raise ValueError(
                "Nesterov momentum requires a momentum and zero dampening (nesterov=True with "
                f"momentum={hyper['momentum']!r}, dampening={hyper['dampening']!r})"
            )


class Adagrad(Optimizer):
    """Adagrad: steps shrink as squared gradients add up (``torch.optim.Adagrad``).

    ``G <- G + g^2``, ``theta <- theta - lr_t * g / (sqrt(G) + eps)`` with
    ``lr_t = lr / (1 + (t - 1) * lr_decay)``; ``G`` starts at
    ``initial_accumulator_value``.

    >>> from autograd_lite import Value
    >>> x = Value(1.0)
    >>> opt = Adagrad([x], lr=0.5)
    >>> x.grad = 4.0
    >>> opt.step()
    >>> round(x.data, 6), opt.state[x]          # 1 - 0.5 * 4 / sqrt(16)
    (0.5, {'step': 1.0, 'sum': 16.0})
    """

    _rules: ClassVar[dict[str, _Rule]] = {
        "lr": _LR,
        "lr_decay": _Rule("lr_decay value", "nonneg"),
        "weight_decay": _WEIGHT_DECAY,
        "initial_accumulator_value": _Rule("initial_accumulator_value value", "nonneg"),
        "eps": _EPS,
        "maximize": _FLAG,
    }
    _update = staticmethod(adagrad_update)

    def __init__(
        self,
        params: Iterable[Value] | Iterable[dict[str, Any]],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        hyper = {"lr": lr, "lr_decay": lr_decay, "weight_decay": weight_decay}
        hyper |= {"initial_accumulator_value": initial_accumulator_value, "eps": eps}
        super().__init__(params, {**hyper, "maximize": maximize})


class RMSprop(Optimizer):
    """RMSprop: steps divided by a running root mean square of gradients (``torch.optim.RMSprop``).

    ``v <- alpha * v + (1 - alpha) * g^2``, ``theta <- theta - lr * g / (sqrt(v) + eps)``;
    ``centered`` uses the variance ``v - mean(g)^2``; ``momentum`` keeps a
    buffer of the scaled steps.

    >>> from autograd_lite import Value
    >>> x = Value(1.0)
    >>> opt = RMSprop([x], lr=0.01)
    >>> x.grad = 3.0
    >>> opt.step()
    >>> round(x.data, 6)               # first step: lr / sqrt(1 - alpha)
    0.9
    """

    _rules: ClassVar[dict[str, _Rule]] = {
        "lr": _LR,
        # alpha in [0, 1] (PyTorch: >= 0): above 1 the running mean of g^2 turns negative
        "alpha": _Rule("alpha value", "unit"),
        "eps": _EPS,
        "weight_decay": _WEIGHT_DECAY,
        "momentum": _MOMENTUM,
        "centered": _FLAG,
        "maximize": _FLAG,
    }
    _update = staticmethod(rmsprop_update)

    def __init__(
        self,
        params: Iterable[Value] | Iterable[dict[str, Any]],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        hyper = {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay}
        hyper |= {"momentum": momentum, "centered": centered, "maximize": maximize}
        super().__init__(params, hyper)


_ADAM_RULES: dict[str, _Rule] = {
    "lr": _LR,
    "betas": _Rule("beta parameter", "betas"),
    "eps": _EPS,
    "weight_decay": _WEIGHT_DECAY,
    "amsgrad": _FLAG,
    "maximize": _FLAG,
    "decoupled_weight_decay": _FLAG,
}


class Adam(Optimizer):
    """Adam: momentum plus a per-parameter step size from running moments (``torch.optim.Adam``).

    ``m <- b1*m + (1-b1)*g``, ``v <- b2*v + (1-b2)*g^2``, then
    ``theta <- theta - lr * m_hat / (sqrt(v_hat) + eps)`` with the bias
    corrections ``m_hat = m / (1 - b1^t)``, ``v_hat = v / (1 - b2^t)``.
    ``amsgrad`` uses the largest ``v`` seen so far. ``weight_decay`` adds
    ``wd * theta`` to the gradient (L2), unless ``decoupled_weight_decay``
    (that is ``AdamW``).

    >>> from autograd_lite import Value
    >>> x = Value(1.0)
    >>> opt = Adam([x], lr=0.1)
    >>> x.grad = 123.0
    >>> opt.step()
    >>> round(x.data, 6)               # the first step is lr, whatever the gradient's size
    0.9
    """

    _rules: ClassVar[dict[str, _Rule]] = _ADAM_RULES
    _update = staticmethod(adam_update)

    def __init__(
        self,
        params: Iterable[Value] | Iterable[dict[str, Any]],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        hyper = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay}
        hyper |= {"amsgrad": amsgrad, "maximize": maximize}
        super().__init__(params, {**hyper, "decoupled_weight_decay": decoupled_weight_decay})


class AdamW(Adam):
    """Adam with decoupled weight decay (``torch.optim.AdamW``; ``weight_decay`` defaults to 1e-2).

    Each step first shrinks the parameter, ``theta <- theta * (1 - lr * wd)``,
    instead of adding ``wd * theta`` to the gradient, so the decay is not
    rescaled by Adam's per-parameter step size.

    >>> from autograd_lite import Value
    >>> x = Value(1.0)
    >>> opt = AdamW([x], lr=0.1, weight_decay=0.5)
    >>> opt.step()                     # zero gradient: only the decay acts
    >>> x.data
    0.95
    """

    def __init__(
        self,
        params: Iterable[Value] | Iterable[dict[str, Any]],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )


# -- gradient clipping ---------------------------------------------------------------


def _grads_of(parameters: Value | Iterable[Value]) -> list[Value]:
    """The parameters that take a gradient (frozen ones are left out, as in ``step()``)."""
    params = Optimizer._param_list(parameters)
    return [p for p in params if p.requires_grad]


def clip_grad_norm_(
    parameters: Value | Iterable[Value],
    max_norm: float,
    norm_type: float | str = 2.0,
    error_if_nonfinite: bool = False,
) -> float:
    """Scale all gradients together so that their norm is at most ``max_norm``; return the norm.

    The norm is taken over every gradient as one vector
    (``(sum |g|^p)^(1/p)``, or ``max |g|`` for ``norm_type=inf`` or
    ``"inf"``), before clipping. Each gradient is multiplied by
    ``min(1, max_norm / (norm + 1e-6))``, as in
    ``torch.nn.utils.clip_grad_norm_``. The remedy for exploding gradients.
    A non-finite norm raises ``RuntimeError`` if ``error_if_nonfinite``.

    >>> from autograd_lite import Value
    >>> a, b = Value(0.0), Value(0.0)
    >>> a.grad, b.grad = 3.0, 4.0
    >>> clip_grad_norm_([a, b], max_norm=1.0)
    5.0
    >>> round(a.grad, 6), round(b.grad, 6)
    (0.6, 0.8)
    """
    params = _grads_of(parameters)
    limit = _checked("max_norm", _Rule("max_norm", "nonneg"), max_norm)
    p = _norm_type(norm_type)
    grads = [float(q.grad) for q in params]
    if not grads:
        return 0.0
    if p == math.inf:
        total = max(abs(g) for g in grads)
    else:
        scale = max(abs(g) for g in grads)
        try:
            if 0.0 < scale < math.inf:
                # ||g||_p = m ||g / m||_p with m = max |g|: the powers cannot overflow
                total = scale * math.fsum((abs(g) / scale) ** p for g in grads) ** (1.0 / p)
            else:  # all zero, or an inf: the plain formula gives the right 0 or inf
                total = math.fsum(abs(g) ** p for g in grads) ** (1.0 / p)
        except OverflowError:  # a tiny p: (sum |g|^p)^(1/p) is beyond the floats
            total = math.inf  # PyTorch's answer too
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"the total norm of order {p} of the gradients is {total}, so they cannot be "
            "clipped; pass error_if_nonfinite=False to scale them anyway"
        )
    coef = min(limit / (total + 1e-6), 1.0)  # min(1, max_norm / (||g|| + 1e-6)); nan stays nan
    for q, g in zip(params, grads, strict=True):
        q.grad = g * coef
    return total


def _norm_type(norm_type: object) -> float:
    if norm_type == "inf":
        return math.inf
    if not isinstance(norm_type, numbers.Real) or isinstance(norm_type, bool):
        raise TypeError(f"norm_type must be a number or 'inf', got {norm_type!r}")
    p = float(norm_type)
    if not p > 0.0:
        raise ValueError(f"norm_type must be > 0 (or inf), got {norm_type!r}")
    return p


def clip_grad_value_(parameters: Value | Iterable[Value], clip_value: float) -> None:
    """Clamp each gradient into ``[-clip_value, clip_value]`` (``torch.nn.utils.clip_grad_value_``).

    >>> from autograd_lite import Value
    >>> a, b = Value(0.0), Value(0.0)
    >>> a.grad, b.grad = 3.0, -0.5
    >>> clip_grad_value_([a, b], clip_value=1.0)
    >>> a.grad, b.grad
    (1.0, -0.5)
    """
    params = _grads_of(parameters)
    c = _checked("clip_value", _Rule("clip_value", "nonneg"), clip_value)
    for q in params:
        g = float(q.grad)
        q.grad = c if g > c else -c if g < -c else g  # nan stays nan, as in torch.clamp


# -- learning-rate schedules ----------------------------------------------------------


class LRScheduler:
    """Base class: changes each parameter group's ``lr`` once per ``step()`` call.

    As in PyTorch, making a scheduler counts as its step 0 (``last_epoch``
    becomes 0, the learning rates stay at their start values, remembered in
    each group as ``"initial_lr"``). Call ``scheduler.step()`` after
    ``optimizer.step()``, usually once per epoch. A subclass implements
    ``_next_lrs()``.

    >>> from autograd_lite import Value
    >>> opt = SGD([Value(0.0)], lr=1.0)
    >>> sched = StepLR(opt, step_size=2, gamma=0.5)
    >>> lrs = []
    >>> for epoch in range(5):
    ...     lrs.append(sched.get_last_lr()[0])  # train one epoch with this lr, then:
    ...     opt.step()
    ...     sched.step()
    >>> lrs
    [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    optimizer: Optimizer
    base_lrs: list[float]
    last_epoch: int
    _last_lr: list[float]

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__} needs an Optimizer, got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self.step()

    def _next_lrs(self) -> list[float]:
        raise NotImplementedError

    def _current_lrs(self) -> list[float]:
        return [float(group["lr"]) for group in self.optimizer.param_groups]

    def step(self) -> None:
        """Advance one epoch and set each group's learning rate for it.

        A learning rate that would leave the float range (``ExponentialLR``
        with a large ``gamma``, say) raises ``ValueError`` naming the group,
        and nothing changes.
        """
        self.last_epoch += 1
        try:
            lrs = self._next_lrs()
            for i, lr in enumerate(lrs):
                if not (math.isfinite(lr) and lr >= 0.0):
                    raise ValueError(
                        f"{type(self).__name__}.step() would set the learning rate of "
                        f"param_groups[{i}] to {lr!r} in epoch {self.last_epoch} (from "
                        f"{self.optimizer.param_groups[i]['lr']!r}); nothing was changed"
                    )
        except BaseException:
            self.last_epoch -= 1
            raise
        for group, lr in zip(self.optimizer.param_groups, lrs, strict=True):
            group["lr"] = lr
        self._last_lr = list(lrs)

    def get_last_lr(self) -> list[float]:
        """The learning rate of each group, as set by the last ``step()``."""
        return list(self._last_lr)

    def _hyper(self) -> dict[str, Any]:
        return {}

    def state_dict(self) -> dict[str, Any]:
        """``last_epoch``, ``base_lrs``, ``last_lr`` and the schedule's settings (JSON-ready)."""
        core = {"last_epoch": self.last_epoch, "base_lrs": list(self.base_lrs)}
        return {**core, "last_lr": list(self._last_lr), **self._hyper()}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore what ``state_dict()`` returned (checked before anything changes)."""
        expected = set(self.state_dict())
        if not isinstance(state_dict, Mapping) or set(state_dict) != expected:
            raise ValueError(
                f"a {type(self).__name__} state_dict must have exactly the keys {sorted(expected)}"
            )
        epoch = state_dict["last_epoch"]
        if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
            raise ValueError(f"last_epoch must be an int >= 0, got {epoch!r}")
        n = len(self.optimizer.param_groups)
        lists = {}
        for key in ("base_lrs", "last_lr"):
            values = state_dict[key]
            if not isinstance(values, list) or len(values) != n:
                raise ValueError(f"{key} must be a list of {n} learning rates, got {values!r}")
            lists[key] = [_checked(f"{key}[{i}]", _LR, v) for i, v in enumerate(values)]
        hyper = self._checked_hyper(state_dict)
        self.last_epoch = epoch
        self.base_lrs, self._last_lr = lists["base_lrs"], lists["last_lr"]
        for key, value in hyper.items():
            setattr(self, key, value)

    def _checked_hyper(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return {}


def _gamma(gamma: object) -> float:
    x = _checked("gamma", _Rule("gamma", "nonneg"), gamma)
    if x == 0.0:
        raise ValueError("Invalid gamma: 0.0 (gamma must be > 0)")
    return float(x)


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs (PyTorch's ``StepLR``).

    >>> from autograd_lite import Value
    >>> opt = SGD([Value(0.0)], lr=0.1)
    >>> sched = StepLR(opt, step_size=3, gamma=0.1)
    >>> for _ in range(3):
    ...     sched.step()
    >>> round(opt.param_groups[0]["lr"], 12)
    0.01
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        checked = self._checked_hyper({"step_size": step_size, "gamma": gamma})
        self.step_size: int = checked["step_size"]
        self.gamma: float = checked["gamma"]
        super().__init__(optimizer)

    def _checked_hyper(self, values: Mapping[str, Any]) -> dict[str, Any]:
        size = values["step_size"]
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ValueError(f"step_size must be an int >= 1, got {size!r}")
        return {"step_size": size, "gamma": _gamma(values["gamma"])}

    def _hyper(self) -> dict[str, Any]:
        return {"step_size": self.step_size, "gamma": self.gamma}

    def _next_lrs(self) -> list[float]:
        lrs = self._current_lrs()
        if self.last_epoch == 0 or self.last_epoch % self.step_size:
            return lrs
        return [lr * self.gamma for lr in lrs]  # lr <- lr * gamma every step_size epochs


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every epoch (PyTorch's ``ExponentialLR``).

    >>> from autograd_lite import Value
    >>> opt = SGD([Value(0.0)], lr=1.0)
    >>> sched = ExponentialLR(opt, gamma=0.5)
    >>> sched.step(); sched.step()
    >>> sched.get_last_lr()
    [0.25]
    """

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        self.gamma = _gamma(gamma)
        super().__init__(optimizer)

    def _checked_hyper(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return {"gamma": _gamma(values["gamma"])}

    def _hyper(self) -> dict[str, Any]:
        return {"gamma": self.gamma}

    def _next_lrs(self) -> list[float]:
        lrs = self._current_lrs()
        if self.last_epoch == 0:
            return lrs
        return [lr * self.gamma for lr in lrs]  # lr <- lr * gamma


class LambdaLR(LRScheduler):
    """Learning rate = initial lr times ``lr_lambda(epoch)`` (PyTorch's ``LambdaLR``).

    ``lr_lambda`` is one function for every group or a list with one per
    group. Functions are not saved by ``state_dict()``: make the scheduler
    with the same function, then load the state.

    >>> from autograd_lite import Value
    >>> opt = SGD([Value(0.0)], lr=1.0)
    >>> sched = LambdaLR(opt, lr_lambda=lambda epoch: 1.0 / (1 + epoch))
    >>> sched.step(); sched.step(); sched.step()
    >>> sched.get_last_lr()
    [0.25]
    """

    lr_lambdas: list[Callable[[int], float]]

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
    ) -> None:
        n = len(optimizer.param_groups) if isinstance(optimizer, Optimizer) else 0
        if callable(lr_lambda):
            self.lr_lambdas = [lr_lambda] * n
        elif isinstance(lr_lambda, Sequence) and all(callable(f) for f in lr_lambda):
            if len(lr_lambda) != n:
                raise ValueError(
                    f"Expected {n} lr_lambdas (one per parameter group), got {len(lr_lambda)}"
                )
            self.lr_lambdas = list(lr_lambda)
        else:
            raise TypeError(
                f"lr_lambda must be a function or a list of functions, got {lr_lambda!r}"
            )
        super().__init__(optimizer)

    def _next_lrs(self) -> list[float]:
        lrs: list[float] = []
        for i, (base, f) in enumerate(zip(self.base_lrs, self.lr_lambdas, strict=True)):
            factor = f(self.last_epoch)
            if not isinstance(factor, numbers.Real) or isinstance(factor, bool):
                raise TypeError(
                    f"lr_lambda({self.last_epoch}) must return a number, got {factor!r}"
                )
            lr = base * float(factor)
            if not math.isfinite(lr) or lr < 0.0:
                raise ValueError(
                    f"lr_lambda({self.last_epoch}) = {factor!r} makes the learning rate of "
                    f"param_groups[{i}] {lr!r}; it must be a finite number >= 0"
                )
            lrs.append(lr)
        return lrs  # lr = initial_lr * lr_lambda(epoch)
