"""A fused training run: a compiled step and an optimiser sharing one array of parameters.

``run = step.fused(opt)`` (best as ``with step.fused(opt) as run:``) holds the
step's parameters in one float64 array for the run. ``loss = run(xs, ys)`` is
what ``opt.zero_grad(); loss = step(xs, ys); opt.step()`` does, but the replay
reads the array directly and the optimiser's update rule (the same function of
``optim.rules``, called on arrays) runs once per parameter group instead of
once per parameter. Clipping (``max_norm=``, ``clip_value=``) runs on the array
between the step and the update, as ``clip_grad_norm_`` / ``clip_grad_value_``
would.

The Values, their ``.grad`` and ``opt.state`` are written back, bit for bit
what the unfused loop makes, at these points: ``run.sync()``, leaving the
``with`` block (``run.close()``), an exception inside ``run(...)``, and any
method of the optimiser (``state_dict()``, ``zero_grad()``,
``load_state_dict()``, ``add_param_group()``; so ``checkpoint.save`` given the
optimiser too). In between, the Values hold the
numbers of the last write-back: call ``run.sync()`` before reading or
assigning ``.data``, ``.grad`` or ``opt.state`` by hand (a write made after a
``sync()`` is what the next call reads). Learning-rate schedules change
``param_groups``' ``lr``, which each call reads: they need nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from autograd_lite.checks import hyper_parameter
from autograd_lite.engine import Value
from autograd_lite.optim import rules
from autograd_lite.optim.clipping import _norm_type, clamp_array, clip_norm_of_array
from autograd_lite.optim.optimizers import Optimizer

if TYPE_CHECKING:
    from autograd_lite.compile.step import CompiledStep

__all__ = ["FusedRun", "fusable"]


def fusable(optimizer: object) -> str | None:
    """None if a fused run can drive ``optimizer``; else why not (``fit`` then runs unfused)."""
    if not isinstance(optimizer, Optimizer):
        return f"{type(optimizer).__name__} is not an optim.Optimizer"
    kind = type(optimizer)
    if kind.step is not Optimizer.step or kind.zero_grad is not Optimizer.zero_grad:
        return f"{kind.__name__} has a step() or zero_grad() of its own"
    if not any(kind.rule is r for r in rules.RULES):  # those run on arrays, bit for bit
        return f"{kind.__name__}.rule is not one of optim.rules' (which run on arrays)"
    return None


@dataclass
class _Class:
    """Parameters of one group that share the same state entries: one call of the rule."""

    at: Any  #: their positions in the array (an index array, or a slice)
    params: list[Value]
    state: dict[str, Any]  #: each entry an array, or a float that every one of them shares


class FusedRun:
    """``run(xs, ys)``: ``zero_grad()``, the compiled step and ``optimizer.step()`` on one
    array of parameters (see the module's docstring for when the Values are written back).

    >>> from autograd_lite import compile, nn, optim
    >>> model = nn.MLP(2, [3, 1], seed=0)
    >>> step = compile(lambda x, y: (model(x) - y) ** 2, model.parameters(),
    ...                example=([0.0, 0.0], 0.0), backend="numpy")
    >>> opt = optim.Adam(model.parameters(), lr=0.01)
    >>> with step.fused(opt) as run:
    ...     losses = [run([[1.0, 2.0], [0.5, -1.0]], [1.0, 0.0]) for _ in range(50)]
    >>> losses[-1] < losses[0]
    True
    """

    def __init__(
        self,
        step: CompiledStep,
        optimizer: Any,
        *,
        max_norm: float | None = None,
        norm_type: float | str = 2.0,
        error_if_nonfinite: bool = False,
        clip_value: float | None = None,
    ) -> None:
        why = fusable(optimizer)
        if why is not None:
            raise TypeError(f"a fused run needs one of the library's optimisers: {why}")
        ours = {p for g in optimizer.param_groups for p in g["params"]}
        if len(ours) != len(step.params) or any(p not in ours for p in step.params):
            raise ValueError(
                "a fused run needs the optimiser to hold exactly the step's parameters (in any "
                f"order): the step has {len(step.params)}, the optimiser {len(ours)}, "
                f"{len(ours - set(step.params))} of them not the step's"
            )
        for other, what in ((optimizer, "optimiser"), (step, "compiled step")):
            if getattr(other, "_fused", None) is not None:
                raise RuntimeError(f"this {what} is in another fused run already: close it first")
        taken = _OPEN.intersection(map(id, step.params))
        if taken:
            raise RuntimeError(
                "another fused run holds some of these parameters: close it first (two runs "
                "would each overwrite what the other wrote)"
            )
        self.max_norm = (
            None
            if max_norm is None
            else hyper_parameter(max_norm, "max_norm", what="max_norm", low=0.0)
        )
        self.norm_type = _norm_type(norm_type)
        self.error_if_nonfinite = bool(error_if_nonfinite)
        self.clip_value = (
            None
            if clip_value is None
            else hyper_parameter(clip_value, "clip_value", what="clip_value", low=0.0)
        )
        import numpy  # the run holds arrays: numpy only now

        self._np = numpy
        self.step, self.optimizer = step, optimizer
        self.steps = 0  #: how many calls completed
        self._arrays = False  # whether the arrays hold the truth (else the Values do)
        self._closed = False
        optimizer._fused = step._fused = self
        _OPEN.update(map(id, step.params))

    # -- holding the parameters --------------------------------------------------------------

    def _gather(self) -> None:
        """The Values' data and the optimiser's state into arrays (at the start, and after a
        write-back)."""
        np, step, opt = self._np, self.step, self.optimizer
        params = step.params
        self._data = np.array([p._data for p in params], dtype=np.float64)
        self._grad: Any = None  # the gradients of the last call, once it has them
        self._added = False  # whether the step added them (the engine's pass count)
        at = {p: i for i, p in enumerate(params)}
        self._layout = [id(g["params"]) for g in opt.param_groups]
        self._recordings = step.recordings
        trained = step._trained_at  # the step's gradients are theirs, in this order
        every = len(trained) == len(params)  # (positions in order: all of them, or a subset)
        self._trained: Any = slice(None) if every else np.array(trained, dtype=np.intp)
        self._any_trained = bool(trained)
        self._classes: list[list[_Class]] = []
        for group in opt.param_groups:
            by_keys: dict[tuple[str, ...], list[Value]] = {}
            for p in group["params"]:
                if p.requires_grad:
                    by_keys.setdefault(tuple(sorted(opt.state.get(p, {}))), []).append(p)
            classes = []
            for keys, members in by_keys.items():
                where = np.array([at[p] for p in members], dtype=np.intp)
                whole = len(where) == len(params) and bool((where == np.arange(len(params))).all())
                state = {k: self._entry([opt.state[p][k] for p in members]) for k in keys}
                classes.append(_Class(slice(None) if whole else where, members, state))
            self._classes.append(classes)
        self._arrays = True

    def _entry(self, values: list[float]) -> Any:
        """A state entry: the float every parameter shares (``rules.shared``), else an
        array."""
        one = rules.shared(values)
        return self._np.array(values, dtype=self._np.float64) if one is None else one

    def sync(self) -> None:
        """Write the parameters, their gradients and the optimiser's state back to the Values
        and ``optimizer.state``: what the unfused loop would hold now. The next call reads
        the Values again (so a value assigned after ``sync()`` is taken)."""
        if not self._arrays:
            return
        self._arrays = False
        params, opt = self.step.params, self.optimizer
        for p, d in zip(params, self._data.tolist(), strict=True):
            p._data = d
        if self._grad is not None:
            for p, g in zip(params, self._grad.tolist(), strict=True):
                p._grad = g
            if self._added:
                for p in self.step._trained:
                    p._passes = 1  # as add_to_grad counts a pass after zero_grad()
        for classes in self._classes:
            for c in classes:
                if not c.state:
                    continue
                columns = [
                    (k, v.tolist() if isinstance(v, self._np.ndarray) else [v] * len(c.params))
                    for k, v in c.state.items()
                ]
                for j, p in enumerate(c.params):
                    opt.state[p] = {k: col[j] for k, col in columns}

    def close(self) -> None:
        """Write everything back (``sync()``) and end the run: the optimiser and the Values
        are the user's again."""
        if self._closed:
            return
        try:
            self.sync()
        finally:
            self._closed = True
            self.optimizer._fused = self.step._fused = None
            _OPEN.difference_update(map(id, self.step.params))

    def __enter__(self) -> FusedRun:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<FusedRun: {len(self.step.params)} parameters, {self.steps} steps, {state}>"

    # -- one step ----------------------------------------------------------------------------

    def __call__(self, xs: Sequence[Any], ys: Sequence[Any]) -> float:
        """``zero_grad()``, the step's mean loss and gradients, clipping, ``step()``: the mean
        loss. On an exception, the Values hold what the unfused loop would hold after it."""
        if self._closed:
            raise RuntimeError("this fused run is closed: make a new one with step.fused(opt)")
        if self._arrays and self._layout != [id(g["params"]) for g in self.optimizer.param_groups]:
            self.sync()  # the groups were changed by hand: read them again
        if not self._arrays:
            self._gather()
        try:
            return self._call(xs, ys)
        except BaseException:
            self.sync()
            raise

    def _call(self, xs: Sequence[Any], ys: Sequence[Any]) -> float:
        np, step = self._np, self.step
        data = self._data
        self._grad, self._added = np.zeros(len(data)), False  # zero_grad()
        P = data if step._backend.params_as_array else data.tolist()
        loss, sums, n = step._step(xs, ys, P, self._values_read)
        if step.recordings != self._recordings:  # recorded again: a flag changed, say
            self._regroup()
        grad, trained = self._grad, self._trained
        grad[trained] = 0.0 + np.asarray(sums, dtype=np.float64) / n  # as add_to_grad adds
        self._added = True
        if self.max_norm is not None and self._any_trained:
            clipped, _ = clip_norm_of_array(
                grad[trained], self.max_norm, self.norm_type, self.error_if_nonfinite
            )
            grad[trained] = clipped
        if self.clip_value is not None and self._any_trained:
            grad[trained] = clamp_array(grad[trained], self.clip_value)
        self._update()
        self.steps += 1
        return loss

    def _values_read(self) -> None:
        """The eager engine is about to read the parameters: give the Values their data."""
        for p, d in zip(self.step.params, self._data.tolist(), strict=True):
            p._data = d

    def _regroup(self) -> None:
        """The trained parameters changed: the state back to ``optimizer.state``, then grouped
        again (the array of data stays)."""
        data, grad, added = self._data, self._grad, self._added
        self.sync()
        self._gather()
        self._data, self._grad, self._added = data, grad, added

    def _update(self) -> None:
        """The optimiser's rule on each class of parameters; nothing is written unless every
        new number is finite (else the unfused ``step()`` says which parameter, as it would)."""
        np, opt = self._np, self.optimizer
        rule = type(opt).rule
        data, grad = self._data, self._grad
        news = []
        with np.errstate(all="ignore"):
            try:
                for group, classes in zip(opt.param_groups, self._classes, strict=True):
                    hyper = opt.hyper_of(group)
                    for c in classes:
                        param, state = rule(data[c.at], grad[c.at], c.state, **hyper)
                        news.append((c, param, state))
            except ArithmeticError:
                news = []
        if (not news and any(self._classes)) or not all(_finite(np, n) for n in news):
            self._unfused_step()
            return
        for c, param, state in news:
            data[c.at] = param
            c.state = state

    def _unfused_step(self) -> None:
        """The optimiser's own ``step()`` on the Values, written back first: it raises the
        error that names the parameter (and changes nothing), as in the unfused loop."""
        opt = self.optimizer
        self.sync()
        opt._fused = None
        try:
            opt.step()
        finally:
            opt._fused = self


def _finite(np: Any, new: tuple[_Class, Any, dict[str, Any]]) -> bool:
    _, param, state = new
    arrays = [param, *state.values()]
    return all(bool(np.isfinite(a).all()) for a in arrays)


#: ids of the parameters that open fused runs hold (each run holds its Values alive)
_OPEN: set[int] = set()
