"""The optimisers: the ``Optimizer`` base class, then SGD, Adagrad, RMSprop, Adam, AdamW.

The base class holds what every optimiser shares (parameter groups,
``zero_grad()``, a ``step()`` that checks every new value before writing
any, ``state_dict()``). A subclass says two things, as PyTorch's files do:
its update rule (a pure function from ``rules``) and its constructor, whose
signature declares each hyper-parameter once: its name, its default, and how
it is checked, written as the argument's type::

    class SGD(Optimizer):
        rule = staticmethod(sgd_update)

        def __init__(self, params: Params, lr: LearningRate = 1e-3,
                     momentum: NonNegative = 0.0, ..., *, maximize: Flag = False) -> None:
            super().__init__(params, locals())

``LearningRate`` is ``Annotated[float, Hyper(check)]``: a float to a type
checker, and to the optimiser the check that says ``Invalid learning rate``.
Everything else is derived from that signature (``Optimizer.hyper``): the
checks in ``__init__``, ``add_param_group`` and ``load_state_dict``, the
``defaults`` and ``param_groups``, ``state_dict()``, the repr, and the call of
the rule, which takes every hyper-parameter by name.
"""

from __future__ import annotations

import inspect
import math
import re
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from operator import itemgetter
from typing import Annotated, Any, ClassVar, TypeAlias, TypeVar

from autograd_lite.checks import bounded_list, flag, hyper_parameter, real, short
from autograd_lite.engine import Value, trainable
from autograd_lite.optim.rules import (
    RULES,
    Column,
    State,
    Update,
    adagrad_update,
    adam_update,
    rmsprop_update,
    sgd_update,
    shared,
)

__all__ = [
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "Betas",
    "Epsilon",
    "Finite",
    "Flag",
    "Fraction",
    "Hyper",
    "LearningRate",
    "NonNegative",
    "Optimizer",
    "Params",
    "RMSprop",
    "param_list",
]

R = TypeVar("R")


# -- hyper-parameters: each declared once, as an argument of an optimiser's constructor ------


@dataclass(frozen=True)
class Hyper:
    """How a hyper-parameter is checked, attached to its argument with ``Annotated``.

    ``check(value, name)`` returns the value to keep (a float, a bool, a pair)
    or raises ``TypeError`` / ``ValueError`` naming the argument.

    >>> Epsilon.__metadata__[0].check(0.0, "eps")
    Traceback (most recent call last):
    ValueError: Invalid epsilon value: 0.0 (eps must be a finite number > 0, got 0.0)
    """

    check: Callable[[Any, str], Any]


def _number(what: str = "", **bounds: Any) -> Hyper:
    """A real number within ``bounds``; ``ValueError: Invalid <what>: ...`` as PyTorch says it."""

    def check(value: object, name: str) -> float:
        return hyper_parameter(value, name, what=what or f"{name} value", **bounds)

    return Hyper(check)


def _betas(value: object, name: str) -> tuple[float, float]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != 2:
        raise TypeError(f"{name} must be a pair of numbers (beta1, beta2), got {short(value)}")
    b1, b2 = (
        hyper_parameter(
            b, f"{name}[{i}]", what=f"beta parameter at index {i}", low=0, high=1, high_open=True
        )
        for i, b in enumerate(value)
    )
    return b1, b2


_LEARNING_RATE = _number("learning rate", low=0.0)  # also checks a group's "initial_lr"

#: A learning rate: a finite number >= 0.
LearningRate: TypeAlias = Annotated[float, _LEARNING_RATE]
#: A finite number >= 0 (momentum, weight decay, ...).
NonNegative: TypeAlias = Annotated[float, _number(low=0.0)]
#: Any finite number (SGD's dampening).
Finite: TypeAlias = Annotated[float, _number()]
#: A number in [0, 1] (RMSprop's alpha; PyTorch allows any alpha >= 0, but above 1 the
#: running mean of g^2 turns negative).
Fraction: TypeAlias = Annotated[float, _number(low=0.0, high=1.0)]
#: eps > 0, where PyTorch allows 0: with eps = 0 a zero gradient divides 0 by 0.
Epsilon: TypeAlias = Annotated[float, _number("epsilon value", low=0.0, low_open=True)]
#: True or False (not 0, 1 or a string).
Flag: TypeAlias = Annotated[bool, Hyper(flag)]
#: Adam's (beta1, beta2), each in [0, 1).
Betas: TypeAlias = Annotated[tuple[float, float], Hyper(_betas)]

#: What an optimiser takes: Values, or parameter groups (dicts with "params").
Params: TypeAlias = Iterable[Value] | Iterable[dict[str, Any]]


def _declared(cls: type) -> dict[str, Hyper]:
    """The hyper-parameters that ``cls``'s constructors declare, in their order, with their checks.

    A subclass's constructor may change a default or a check, and may leave
    out an argument of its base's: ``AdamW`` fixes ``decoupled_weight_decay``,
    which stays a setting of its groups.
    """
    out: dict[str, Hyper] = {}
    for klass in reversed(cls.__mro__):
        init = klass.__dict__.get("__init__")
        if klass is Optimizer or not issubclass(klass, Optimizer) or init is None:
            continue
        where = f"{klass.__name__}.__init__"
        try:
            hints = typing.get_type_hints(init, include_extras=True)
        except Exception as error:  # an annotation that names something out of reach
            raise TypeError(f"cannot read the annotations of {where}: {error}") from None
        arguments = list(inspect.signature(init).parameters.values())
        if [a.name for a in arguments[:2]] != ["self", "params"]:
            raise TypeError(f"{where} must take (self, params, ...), as every optimiser does")
        for argument in arguments[2:]:
            metadata = getattr(hints.get(argument.name), "__metadata__", ())
            checks = [m for m in metadata if isinstance(m, Hyper)]
            if len(checks) != 1 or argument.kind not in (
                argument.POSITIONAL_OR_KEYWORD,
                argument.KEYWORD_ONLY,
            ):
                raise TypeError(
                    f"{where}: argument {argument.name!r} must be a hyper-parameter annotated with "
                    "its check (LearningRate, NonNegative, Flag, ... or Annotated[T, Hyper(check)])"
                )
            out[argument.name] = checks[0]
    return out


def _rule_takes(rule: Callable[..., Any], names: Sequence[str]) -> tuple[bool, list[str]]:
    """Whether ``rule`` takes ``names`` by position, right after (param, grad, state), in that
    order; and which of them it cannot take even by keyword. A signature that cannot be read
    (a builtin, say) is trusted with keywords."""
    try:
        parameters = list(inspect.signature(rule, follow_wrapped=False).parameters.values())
    except (TypeError, ValueError):
        return False, []
    after = [p for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD][3 : 3 + len(names)]
    by_position = [p.name for p in after] == list(names)
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        return by_position, []
    takes = {p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    return by_position, [name for name in names if name not in takes]


_NO_STATE: Mapping[str, float] = {}
_first, _second = itemgetter(0), itemgetter(1)

_GROUP_EXTRAS = ("params", "initial_lr")  # group keys that are not hyper-parameters
_NOT_HYPER = frozenset({"self", "params", "__class__"})  # what else a constructor's locals() holds


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

    A subclass sets ``rule`` (its pure update function, from ``rules``) and
    writes ``__init__(self, params, <hyper-parameters>)``, each argument
    annotated with its check (``lr: LearningRate = 1e-3``), whose body is
    ``super().__init__(params, locals())``. ``hyper`` (each hyper-parameter's
    check, in the constructor's order) is read from that signature when the
    class is made; ``step()`` calls ``rule(param, grad, state, **settings)``
    with every hyper-parameter of the group by name (``hyper_of``): once per
    parameter, or, for the rules of ``rules`` (``rules.RULES``), once per group
    on columns of its parameters (``rules.Column``), with the same bits.

    >>> from autograd_lite import Value
    >>> a, b = Value(1.0), Value(2.0)
    >>> opt = SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    >>> a.grad = b.grad = 1.0
    >>> opt.step()
    >>> a.data, b.data
    (0.9, 1.5)
    >>> [g["lr"] for g in opt.param_groups]
    [0.1, 0.5]
    >>> list(SGD.hyper)
    ['lr', 'momentum', 'dampening', 'weight_decay', 'nesterov', 'maximize']
    """

    rule: ClassVar[Callable[..., Update]]
    hyper: ClassVar[dict[str, Hyper]] = {}
    #: whether ``rule`` takes the hyper-parameters by position, in ``hyper``'s order (as the
    #: rules in ``rules`` do): a call with keywords costs about a third more on SGD
    _by_position: ClassVar[bool] = False

    defaults: dict[str, Any]
    param_groups: list[dict[str, Any]]
    state: dict[Value, State]
    #: a fused training run (``CompiledStep.fused``) that holds the parameters, their
    #: gradients and this state in arrays while it is open: every method writes them back first
    _fused: Any = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.hyper = _declared(cls)
        if hasattr(cls, "rule"):
            cls._by_position, missing = _rule_takes(cls.rule, list(cls.hyper))
            if missing:
                raise TypeError(
                    f"{cls.__name__}.rule takes no argument {missing[0]!r}: a rule takes every "
                    f"hyper-parameter of its optimiser by name ({', '.join(cls.hyper)})"
                )

    def __init__(self, params: Params, defaults: Mapping[str, Any]) -> None:
        """``defaults``: every hyper-parameter's value by name (a subclass passes ``locals()``)."""
        if not hasattr(type(self), "rule"):
            raise TypeError(
                "Optimizer is a base class: use SGD, Adam, ... or subclass it with a rule "
                "and an __init__ that declares its hyper-parameters"
            )
        if not isinstance(defaults, Mapping):
            raise TypeError(f"defaults must be a dict of hyper-parameters, got {short(defaults)}")
        unknown = sorted(set(defaults) - set(self.hyper) - _NOT_HYPER)
        missing = [name for name in self.hyper if name not in defaults]
        if unknown or missing:
            raise TypeError(
                f"{type(self).__name__} takes the hyper-parameters {list(self.hyper)}: "
                f"missing {missing}, unknown {short(unknown)}"
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
        self._written_back()
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
            group["initial_lr"] = _LEARNING_RATE.check(param_group["initial_lr"], "initial_lr")
        taken = {p for g in self.param_groups for p in g["params"]}
        if any(p in taken for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def _written_back(self) -> None:
        """A fused run's arrays written back to the Values and ``state``, if one is open."""
        if self._fused is not None:
            self._fused.sync()

    def _check_hyper(self, values: Mapping[str, Any], where: str) -> dict[str, Any]:
        """Every hyper-parameter, from ``values`` or else the defaults, checked and made canonical.

        ``where`` (e.g. ``"param_groups[1]"``) prefixes error messages.
        """
        given = {**getattr(self, "defaults", {}), **values}
        try:
            checked = {name: hyper.check(given[name], name) for name, hyper in self.hyper.items()}
            self._check_together(checked)
        except (TypeError, ValueError) as error:
            if not where:
                raise
            raise type(error)(f"{where}: {error}") from None
        return checked

    def _check_together(self, hyper: Mapping[str, Any]) -> None:
        """Refuse settings that are fine one by one but not together (SGD's Nesterov)."""

    def hyper_of(self, group: Mapping[str, Any]) -> dict[str, Any]:
        """The rule's keyword arguments for ``group``: each hyper-parameter, by name."""
        return {name: group[name] for name in self.hyper}

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0.0 (PyTorch sets it to None by default)."""
        self._written_back()
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = 0.0

    def _failed(
        self,
        hyper: Mapping[str, Any],
        params: Sequence[Value],
        grads: Sequence[float],
        olds: Sequence[Mapping[str, float]],
    ) -> FloatingPointError:
        """The error for a step whose rule raised: which parameter, and what it raised."""
        rule = type(self).rule
        for p, g, old in zip(params, grads, olds, strict=True):
            try:
                rule(p.data, g, old, **hyper)
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
        if self._fused is not None:
            raise RuntimeError(
                f"{type(self).__name__}.step() inside a fused run: the run steps the optimiser "
                "itself (loss = run(xs, ys) is zero_grad(), the step and step()); close the run "
                "first to step it by hand"
            )
        loss = closure() if closure is not None else None
        rule, state = type(self).rule, self.state.get
        on_columns = any(rule is r for r in RULES)  # else one call of the rule per parameter
        # every new value first, into flat lists ...
        who: list[Value] = []
        datas: list[float] = []
        news: list[State] = []
        check = 0.0  # ... with the sum of the new states: inf or NaN if any of them is
        for group in self.param_groups:
            params = trainable(group["params"])  # the frozen stay put
            if not params:
                continue
            hyper = self.hyper_of(group)
            # the slots behind .grad and .data, read directly: properties cost a call each
            grads = list(map(float, [p._grad for p in params]))  # float: a create_graph grad too
            olds = list(map(state, params, repeat(_NO_STATE)))
            datas_in = [p._data for p in params]
            try:
                if on_columns:
                    new_datas, new_states, total = _on_columns(rule, datas_in, grads, olds, hyper)
                else:
                    if self._by_position:  # the loop runs in C
                        steps = list(map(rule, datas_in, grads, olds, *map(repeat, hyper.values())))
                    else:
                        steps = [
                            rule(*args, **hyper) for args in zip(datas_in, grads, olds, strict=True)
                        ]
                    new_datas, new_states = list(map(_first, steps)), list(map(_second, steps))
                    total = sum(chain.from_iterable(map(dict.values, new_states)))
            except (ArithmeticError, ValueError):  # e.g. an overflow in x ** y
                raise self._failed(hyper, params, grads, olds) from None
            who += params
            datas += new_datas
            news += new_states
            check += total
        check += sum(datas)  # ... and of the new values
        if check - check != 0.0:  # find the first that is not finite (or the sum overflowed)
            for p, data, new in zip(who, datas, news, strict=True):
                if not math.isfinite(data):
                    raise self._step_error(p, f"{data}")
                for name, x in new.items():
                    if not math.isfinite(x):
                        raise self._step_error(p, f"have {name} {x}")
        for p, data in zip(who, datas, strict=True):
            p._data = data  # a finite float, checked above: the slot behind .data
        if all(news):  # every parameter keeps a state (SGD without momentum keeps none)
            self.state.update(zip(who, news, strict=True))
        elif any(news):
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
        grad = (-1.0 if group.get("maximize") else 1.0) * float(p.grad)
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
        self._written_back()
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
        self._written_back()
        if not isinstance(state_dict, Mapping) or set(state_dict) != {"state", "param_groups"}:
            raise ValueError("an optimizer state_dict must have exactly 'state' and 'param_groups'")
        saved_groups = state_dict["param_groups"]
        if not isinstance(saved_groups, list):
            raise TypeError(f"state_dict['param_groups'] must be a list, got {short(saved_groups)}")
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"the state_dict has {len(saved_groups)} parameter groups, this optimizer has "
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
            raise ValueError(f"{where} is missing keys {missing} / has unknown keys {short(extra)}")
        ids = saved["params"]
        if not isinstance(ids, list):
            raise TypeError(f"{where}['params'] must be a list of ints, got {short(ids)}")
        if len(ids) != len(group["params"]):
            raise ValueError(
                f"{where} lists {len(ids)} parameters, this optimizer's group has "
                f"{len(group['params'])}"
            )
        new = {**self._check_hyper(saved, where), "params": group["params"]}
        if "initial_lr" in saved:
            new["initial_lr"] = _LEARNING_RATE.check(saved["initial_lr"], "initial_lr")
        for k, p in zip(ids, group["params"], strict=True):
            if not isinstance(k, int) or isinstance(k, bool) or k in by_index:
                raise ValueError(f"{where}['params'] must hold distinct ints, got {k!r}")
            by_index[k] = (p, new)
        return new

    def _state_names(self, group: Mapping[str, Any]) -> set[str]:
        """The state entries this optimiser keeps for a parameter of ``group``.

        The update function says it: what it returns after one step.
        """
        return set(type(self).rule(0.0, 0.0, _NO_STATE, **self.hyper_of(group))[1])

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


def _on_columns(
    rule: Callable[..., Any],
    datas: list[float],
    grads: list[float],
    olds: list[Mapping[str, float]],
    hyper: Mapping[str, Any],
) -> tuple[list[float], list[State], float]:
    """A group's new values and states, and the sum of the states (inf or NaN if one is):
    ``rule`` called once on columns (``rules.Column``) of every parameter whose state holds
    the same entries, rather than once per parameter.

    The same float operations in the same order as one call per parameter, so the same
    bits, without a Python call of the rule per parameter (``benchmarks/bench_optim.py``
    measures what that saves).
    """
    sizes = set(map(len, olds))
    if len(sizes) == 1:  # the same number of entries ...
        try:  # ... and each of the first's: every state holds the same entries (the usual)
            return _one_class(rule, datas, grads, olds, hyper)
        except KeyError:
            pass
    classes: dict[frozenset[str], list[int]] = {}
    for i, old in enumerate(olds):
        classes.setdefault(frozenset(old), []).append(i)
    new_datas: list[float] = [0.0] * len(datas)
    new_states: list[State] = [{}] * len(datas)
    total = 0.0
    for members in classes.values():
        some_datas, some_states, some_total = _one_class(
            rule,
            [datas[i] for i in members],
            [grads[i] for i in members],
            [olds[i] for i in members],
            hyper,
        )
        for i, data, new in zip(members, some_datas, some_states, strict=True):
            new_datas[i], new_states[i] = data, new
        total += some_total
    return new_datas, new_states, total


def _one_class(
    rule: Callable[..., Any],
    datas: list[float],
    grads: list[float],
    olds: list[Mapping[str, float]],
    hyper: Mapping[str, Any],
) -> tuple[list[float], list[State], float]:
    """``rule`` on columns of parameters whose states hold the same entries as the first's
    (``KeyError`` if one lacks one), and the sum of the new states."""
    n = len(datas)
    state = {name: _one(list(map(itemgetter(name), olds))) for name in olds[0]}
    param, new = rule(Column(datas), Column(grads), state, **hyper)
    columns = [_floats(x, n) for x in new.values()]
    total = sum(map(sum, columns))
    return _floats(param, n), _records(list(new), columns, n), total


def _one(column: list[float]) -> Column | float:
    """A state entry of a group: the float all share (``rules.shared``), else the column."""
    one = shared(column)
    return Column(column) if one is None else one


def _floats(x: object, n: int) -> list[float]:
    """What a rule returned for ``n`` parameters (a column, or a float they share) as a list."""
    if isinstance(x, Column) and len(x) == n:
        return x.floats
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return [x] * n
    raise TypeError(f"an update rule on a column of {n} returned {short(x)}")


def _records(names: list[str], columns: list[list[float]], n: int) -> list[State]:
    """``n`` dicts, one per element, from one column per name: a dict display per size,
    since ``dict(zip(names, ...))`` costs three times as much."""
    if not names:
        return [{}] * n  # no state (SGD without momentum): one empty dict, never stored
    if len(names) == 1:
        (a,), (xs,) = names, columns
        return [{a: x} for x in xs]
    if len(names) == 2:
        a, b = names
        return [{a: x, b: y} for x, y in zip(*columns, strict=True)]
    if len(names) == 3:
        a, b, c = names
        return [{a: x, b: y, c: z} for x, y, z in zip(*columns, strict=True)]
    if len(names) == 4:
        a, b, c, d = names
        return [{a: x, b: y, c: z, d: w} for x, y, z, w in zip(*columns, strict=True)]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


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

    rule = staticmethod(sgd_update)

    def __init__(
        self,
        params: Params,
        lr: LearningRate = 1e-3,
        momentum: NonNegative = 0.0,
        dampening: Finite = 0.0,
        weight_decay: NonNegative = 0.0,
        nesterov: Flag = False,
        *,
        maximize: Flag = False,
    ) -> None:
        super().__init__(params, locals())

    def _check_together(self, hyper: Mapping[str, Any]) -> None:
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

    rule = staticmethod(adagrad_update)

    def __init__(
        self,
        params: Params,
        lr: LearningRate = 1e-2,
        lr_decay: NonNegative = 0.0,
        weight_decay: NonNegative = 0.0,
        initial_accumulator_value: NonNegative = 0.0,
        eps: Epsilon = 1e-10,
        *,
        maximize: Flag = False,
    ) -> None:
        super().__init__(params, locals())


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

    rule = staticmethod(rmsprop_update)

    def __init__(
        self,
        params: Params,
        lr: LearningRate = 1e-2,
        alpha: Fraction = 0.99,
        eps: Epsilon = 1e-8,
        weight_decay: NonNegative = 0.0,
        momentum: NonNegative = 0.0,
        centered: Flag = False,
        *,
        maximize: Flag = False,
    ) -> None:
        super().__init__(params, locals())


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

    rule = staticmethod(adam_update)

    def __init__(
        self,
        params: Params,
        lr: LearningRate = 1e-3,
        betas: Betas = (0.9, 0.999),
        eps: Epsilon = 1e-8,
        weight_decay: NonNegative = 0.0,
        amsgrad: Flag = False,
        *,
        maximize: Flag = False,
        decoupled_weight_decay: Flag = False,
    ) -> None:
        super().__init__(params, locals())


class AdamW(Adam):
    """Adam with decoupled weight decay (``torch.optim.AdamW``; ``weight_decay`` defaults to 1e-2).

    Each step first shrinks the parameter, ``theta <- theta * (1 - lr * wd)``,
    instead of adding ``wd * theta`` to the gradient, so the decay is not
    rescaled by Adam's per-parameter step size. ``decoupled_weight_decay`` is
    True in its groups, and not an argument.

    >>> from autograd_lite import Value
    >>> x = Value(1.0)
    >>> opt = AdamW([x], lr=0.1, weight_decay=0.5)
    >>> opt.step()                     # zero gradient: only the decay acts
    >>> x.data
    0.95
    """

    def __init__(
        self,
        params: Params,
        lr: LearningRate = 1e-3,
        betas: Betas = (0.9, 0.999),
        eps: Epsilon = 1e-8,
        weight_decay: NonNegative = 1e-2,
        amsgrad: Flag = False,
        *,
        maximize: Flag = False,
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

    def _check_together(self, hyper: Mapping[str, Any]) -> None:
        # a group (or a loaded state_dict) with decoupled_weight_decay False would be Adam's
        if not hyper["decoupled_weight_decay"]:
            raise ValueError(
                "AdamW always decouples its weight decay (decoupled_weight_decay=True); "
                "use Adam for weight decay added to the gradient"
            )
