"""The optimisers: the ``Optimizer`` base class, then SGD, Adagrad, RMSprop, Adam, AdamW.

The base class holds what every optimiser shares (parameter groups,
``zero_grad()``, a ``step()`` that checks every new value before writing
any, ``state_dict()``). A subclass adds two things, as PyTorch's files do:
its update rule (a pure function from ``rules``) and ``_checked``, which
checks each hyper-parameter on one line.
"""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache, partial
from itertools import chain, repeat
from operator import itemgetter
from typing import Any, ClassVar, TypeVar

from autograd_lite.checks import bounded_list, flag, hyper_parameter, real, short
from autograd_lite.engine import Value, trainable
from autograd_lite.optim.rules import (
    State,
    Update,
    adagrad_update,
    adam_update,
    rmsprop_update,
    sgd_update,
)

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "param_list"]

R = TypeVar("R")


# -- checking hyper-parameters: PyTorch's words, one line per setting ----------------------


def _setting(
    values: Mapping[str, Any], name: str, *, what: str = "", low: float = -math.inf, **bounds: Any
) -> float:
    """``values[name]`` as a float, or ``ValueError: Invalid <what>: ...`` as PyTorch says it."""
    return hyper_parameter(values[name], name, what=what or f"{name} value", low=low, **bounds)


def _lr(values: Mapping[str, Any], name: str = "lr") -> float:
    return _setting(values, name, what="learning rate", low=0.0)


def _eps(values: Mapping[str, Any]) -> float:
    # eps > 0, where PyTorch allows 0: with eps = 0 a zero gradient divides 0 by 0
    return _setting(values, "eps", what="epsilon value", low=0.0, low_open=True)


def _flag(values: Mapping[str, Any], name: str) -> bool:
    return flag(values[name], name)


def _betas(value: object) -> tuple[float, float]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != 2:
        raise TypeError(f"betas must be a pair of numbers (beta1, beta2), got {short(value)}")
    b1, b2 = (
        _setting(
            {"b": b}, "b", what=f"beta parameter at index {i}", low=0.0, high=1.0, high_open=True
        )
        for i, b in enumerate(value)
    )
    return b1, b2


_NO_STATE: Mapping[str, float] = {}
_first, _second = itemgetter(0), itemgetter(1)


def _split_hyper(
    rule: Callable[..., Update], names: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[Any, ...], tuple[str, ...]]:
    """Which of ``names`` ``rule`` takes by position (in its order) and their defaults there,
    and which it takes by keyword only.

    The signature read is the rule's own (not that of a function it wraps: a decorator's
    ``**hyper`` takes keywords only). A rule whose signature cannot be read gets them all
    by keyword, as it did before hyper-parameters went by position.
    """
    try:
        signature = inspect.signature(rule, follow_wrapped=False)
    except (TypeError, ValueError):  # a builtin or compiled function, say
        return (), (), names
    parameters = list(signature.parameters.values())[3:]  # after param, grad, state
    order = [p for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD]
    # up to the first one the group does not set (the rule's default): past it, by keyword
    stop = next((i for i, p in enumerate(order) if p.name not in names), len(order))
    positional = tuple(p.name for p in order[:stop])
    defaults = tuple(p.default for p in order[:stop])
    return positional, defaults, tuple(name for name in names if name not in positional)


#: ``_split_hyper`` remembered for the last rules used (a bounded cache: classes made on
#: the fly do not pile up in it).
_hyper_names = lru_cache(maxsize=64)(_split_hyper)


def _same(value: object, default: object) -> bool:
    """Whether a hyper-parameter is the rule's default: of the same type (False is not 0.0),
    equal, and written the same (-0.0 is not 0.0: ``x + -0.0`` keeps the sign of a zero)."""
    return type(value) is type(default) and value == default and repr(value) == repr(default)


_GROUP_EXTRAS = ("params", "initial_lr")  # group keys that are not hyper-parameters


def param_list(params: object, name: str = "params") -> list[Value]:
    """``params`` (one Value or an iterable of them) as a list of distinct leaves.

    An endless iterator is refused (``checks.bounded_list``), never read to the end.
    """
    items = [params] if isinstance(params, Value) else params
    if isinstance(items, (str, bytes, dict)) or not isinstance(items, Iterable):
        raise TypeError(f"'{name}' must be an iterable of Values, got {type(params).__name__}")
    out = bounded_list(items, name)
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

    A subclass sets ``_update`` (its pure update function) and writes
    ``_checked`` (its hyper-parameters, checked).

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

    _update: ClassVar[Callable[..., Update]]

    defaults: dict[str, Any]
    param_groups: list[dict[str, Any]]
    state: dict[Value, State]

    def __init__(self, params: Iterable[Value] | Iterable[dict[str, Any]], defaults: Any) -> None:
        if not hasattr(type(self), "_update"):
            raise TypeError(
                "Optimizer is a base class: use SGD, Adam, ... or subclass it with "
                "_update and _checked"
            )
        self.defaults = self._check_hyper(defaults, "")
        self.param_groups = []
        self.state = {}
        if isinstance(params, (Value, dict)) or not isinstance(params, Iterable):
            raise TypeError(
                f"params must be an iterable of Values or of dicts (parameter groups), "
                f"got {type(params).__name__}"
            )
        items: list[Any] = bounded_list(params, "params")
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
        params = param_list(param_group["params"])
        where = f"param_groups[{len(self.param_groups)}]"
        known = set(self.defaults) | set(_GROUP_EXTRAS)
        unknown = sorted(set(param_group) - known)
        if unknown:
            raise ValueError(
                f"{where} has unknown keys {unknown}; {type(self).__name__} takes {sorted(known)}"
            )
        group = {**self.defaults, **self._check_hyper(param_group, where), "params": params}
        if "initial_lr" in param_group:
            group["initial_lr"] = _lr(param_group, "initial_lr")
        taken = {p for g in self.param_groups for p in g["params"]}
        if any(p in taken for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def _check_hyper(self, values: Mapping[str, Any], where: str) -> dict[str, Any]:
        """Every hyper-parameter, from ``values`` or else the defaults, checked and made canonical.

        ``where`` (e.g. ``"param_groups[1]"``) prefixes error messages.
        """
        given = {k: v for k, v in values.items() if k not in _GROUP_EXTRAS}
        try:
            return self._checked({**getattr(self, "defaults", {}), **given})
        except (TypeError, ValueError) as error:
            if not where:
                raise
            raise type(error)(f"{where}: {error}") from None

    def _checked(self, hyper: Mapping[str, Any]) -> dict[str, Any]:
        """Each hyper-parameter checked, one line each (a subclass writes it)."""
        raise NotImplementedError

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0.0 (PyTorch sets it to None by default)."""
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = 0.0

    def _hyper(self, group: Mapping[str, Any]) -> dict[str, Any]:
        """The keyword arguments of the update function for ``group``."""
        return {k: group[k] for k in self.defaults if k != "maximize"}

    def _rule(self, group: Mapping[str, Any]) -> tuple[Callable[..., Update], list[Any]]:
        """The update function for ``group``, and the hyper-parameters it takes by position.

        ``step`` maps the rule over a group's parameters with every argument
        by position: keywords cost a dict per call, which for SGD's rule is
        about as much as the rule itself. Hyper-parameters that a rule takes
        only by keyword (a subclass's rule may) are bound in a ``partial``.
        """
        update = type(self)._update
        hyper = self._hyper(group)  # a subclass may derive the rule's arguments there
        names = tuple(hyper)
        try:
            positional, defaults, by_keyword = _hyper_names(update, names)
        except TypeError:  # a rule that cannot be a key of the cache (no __hash__)
            positional, defaults, by_keyword = _split_hyper(update, names)
        args = [hyper[name] for name in positional]
        while args and _same(args[-1], defaults[len(args) - 1]):
            args.pop()  # the rule's own default: one argument fewer in each call
        if by_keyword:
            return partial(update, **{name: hyper[name] for name in by_keyword}), args
        return update, args

    def _failed(
        self,
        rule: Callable[..., Update],
        hyper: Sequence[Any],
        params: Sequence[Value],
        grads: Sequence[float],
        olds: Sequence[Mapping[str, float]],
    ) -> FloatingPointError:
        """The error for a step whose rule raised: which parameter, and what it raised."""
        for p, g, old in zip(params, grads, olds, strict=True):
            try:
                rule(p.data, g, old, *hyper)
            except (ArithmeticError, ValueError) as error:
                return self._step_error(p, f"fail ({type(error).__name__}: {error})")
        return FloatingPointError(  # a rule that raised once but for no parameter alone
            f"{type(self).__name__}.step(): the update rule raised; nothing was changed"
        )

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
        state = self.state.get
        # every new value first, into flat lists ...
        who: list[Value] = []
        datas: list[float] = []
        news: list[State] = []
        for group in self.param_groups:
            params = trainable(group["params"])  # the frozen stay put
            # the slots behind .grad and .data, read directly: properties cost a call each
            grads = list(map(float, [p._grad for p in params]))  # float: a create_graph grad too
            if group["maximize"]:
                grads = [-g for g in grads]  # climb: g <- -g
            olds = list(map(state, params, repeat(_NO_STATE)))
            rule, hyper = self._rule(group)
            try:  # one map over the group, every argument by position: the loop runs in C
                steps = list(map(rule, [p._data for p in params], grads, olds, *map(repeat, hyper)))
            except (ArithmeticError, ValueError):  # e.g. an overflow in x ** y
                raise self._failed(rule, hyper, params, grads, olds) from None
            who += params
            datas += map(_first, steps)
            news += map(_second, steps)
        check = sum(datas)  # ... and their sum: inf or NaN if any of them is
        stateful = any(news)  # SGD without momentum keeps none
        if stateful:
            check += sum(chain.from_iterable(map(dict.values, news)))  # the new states too
        if check - check != 0.0:  # find the first that is not finite (or the sum overflowed)
            for p, data, new in zip(who, datas, news, strict=True):
                if not math.isfinite(data):
                    raise self._step_error(p, f"{data}")
                for name, x in new.items():
                    if not math.isfinite(x):
                        raise self._step_error(p, f"have {name} {x}")
        for p, data in zip(who, datas, strict=True):
            p._data = data  # a finite float, checked above: the slot behind .data
        if stateful:
            self.state.update((p, new) for p, new in zip(who, news, strict=True) if new)
        return loss

    def _step_error(self, p: Value, what: str) -> FloatingPointError:
        """The error for a step that would make parameter ``p`` ``what``, naming where it is."""
        index = 0  # its number in state_dict(), across all groups
        for g, group in enumerate(self.param_groups):
            for i, q in enumerate(group["params"]):
                if q is p:
                    return self._named_error(index, g, i, p, what)
                index += 1
        raise AssertionError("unreachable: p is one of this optimiser's parameters")

    def _named_error(self, index: int, g: int, i: int, p: Value, what: str) -> FloatingPointError:
        group = self.param_groups[g]
        grad = (-1.0 if group["maximize"] else 1.0) * float(p.grad)
        label = f" {p.label!r}" if p.label else ""
        who = f"parameter {index}{label} (param_groups[{g}]['params'][{i}])"
        if not math.isfinite(grad):
            cause = f"its gradient is {grad}"
        elif not math.isfinite(p.data):
            cause = f"it is {p.data} already"
        else:
            cause = f"the step overflows (gradient {grad:g}, lr {group['lr']:g})"
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
            new["initial_lr"] = _lr(saved, "initial_lr")
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
            where = f"state_dict['state'][{short(key)}]"
            if not isinstance(k, int) or isinstance(k, bool) or k not in by_index:
                raise ValueError(
                    f"state_dict['state'] has an entry for unknown parameter {short(key)}"
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
                    f"({sorted(expected)}): missing {missing}, unknown {short(unknown)} "
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


#: state entries that are sums of squares or counts, so never negative
_NON_NEGATIVE_STATE = frozenset({"step", "sum", "square_avg", "exp_avg_sq", "max_exp_avg_sq"})


def _state_number(where: str, name: str, x: object) -> float:
    """A saved state value as a float, or an error naming it (before anything changes)."""
    if not isinstance(x, (int, float)) or isinstance(x, bool):
        raise TypeError(f"{where} must be a number, got {short(x)}")
    low = 0.0 if name in _NON_NEGATIVE_STATE else -math.inf
    value = real(x, where, low=low)
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

    def _checked(self, hyper: Mapping[str, Any]) -> dict[str, Any]:
        h = {
            "lr": _lr(hyper),
            "momentum": _setting(hyper, "momentum", low=0.0),
            "dampening": _setting(hyper, "dampening"),
            "weight_decay": _setting(hyper, "weight_decay", low=0.0),
            "nesterov": _flag(hyper, "nesterov"),
            "maximize": _flag(hyper, "maximize"),
        }
        if h["nesterov"] and (h["momentum"] <= 0.0 or h["dampening"] != 0.0):
            raise ValueError(
                "Nesterov momentum requires a momentum and zero dampening (nesterov=True with "
                f"momentum={h['momentum']!r}, dampening={h['dampening']!r})"
            )
        return h


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

    _update = staticmethod(adagrad_update)

    def _checked(self, hyper: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "lr": _lr(hyper),
            "lr_decay": _setting(hyper, "lr_decay", low=0.0),
            "weight_decay": _setting(hyper, "weight_decay", low=0.0),
            "initial_accumulator_value": _setting(hyper, "initial_accumulator_value", low=0.0),
            "eps": _eps(hyper),
            "maximize": _flag(hyper, "maximize"),
        }

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

    _update = staticmethod(rmsprop_update)

    def _checked(self, hyper: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "lr": _lr(hyper),
            # alpha in [0, 1] (PyTorch: >= 0): above 1 the running mean of g^2 turns negative
            "alpha": _setting(hyper, "alpha", low=0.0, high=1.0),
            "eps": _eps(hyper),
            "weight_decay": _setting(hyper, "weight_decay", low=0.0),
            "momentum": _setting(hyper, "momentum", low=0.0),
            "centered": _flag(hyper, "centered"),
            "maximize": _flag(hyper, "maximize"),
        }

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

    _update = staticmethod(adam_update)

    def _checked(self, hyper: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "lr": _lr(hyper),
            "betas": _betas(hyper["betas"]),
            "eps": _eps(hyper),
            "weight_decay": _setting(hyper, "weight_decay", low=0.0),
            "amsgrad": _flag(hyper, "amsgrad"),
            "maximize": _flag(hyper, "maximize"),
            "decoupled_weight_decay": _flag(hyper, "decoupled_weight_decay"),
        }

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
