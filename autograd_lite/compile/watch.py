"""What a recording depends on besides the parameters' data, and why a replay differs.

``_Key`` holds what a recording read (flags, globals, closure cells, closed-over
Values, the modules ``fn`` reads) and is asked at every call whether it still
holds. When a check against the eager engine fails, ``_why_it_differs`` looks
for the cause the user can act on (randomness, state read by a route the
recording cannot see, samples whose gradients cancel).
"""

from __future__ import annotations

import functools
import math
import types
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from autograd_lite.checks import plain_list
from autograd_lite.compile.tape import _constants, _flat, _split, _structure, _tape
from autograd_lite.engine import Value, topological_order
from autograd_lite.tracing import LEAVES

if TYPE_CHECKING:
    from autograd_lite.compile.step import CompiledStep

__all__ = ["MAX_WATCHED", "first_mismatch"]


_PLAIN = (int, float, complex, str, bytes, bool, type(None))
_GONE = object()
#: How many names and cells of the function (and of the functions it calls) a step watches.
MAX_WATCHED = 64


def _same(a: object, b: object) -> bool:
    return a is b or (type(a) is type(b) and isinstance(a, _PLAIN) and a == b)


class _Key:
    """What a recording read besides the parameters' data, re-checked on every call.

    * the parameters' ``requires_grad`` flags and the parameters of the modules ``fn``
      reads (re-read only when the engine saw a leaf made or a flag changed);
    * what the names ``fn`` reads are bound to: its globals and closure cells, and those
      of the plain functions it reads, up to ``MAX_WATCHED`` of them;
    * the data of Values ``fn`` closes over that are not parameters (constants).
    """

    def __init__(self, fn: Any, params: list[Value], outside: list[Value]) -> None:
        self.params = params
        self.flags = [p.requires_grad for p in params]
        self.epoch = LEAVES.epoch
        self.names, self.cells, modules = _bindings(fn)
        self.modules = [(m, m.parameters()) for m in modules]
        self.outside = outside
        self.data = [v.data for v in outside]

    def changed(self) -> tuple[bool, str] | None:
        """None while the recording holds; else (whether it cannot be recorded again, why)."""
        for holder, name, obj in self.names:
            if not _same(holder.get(name, _GONE), obj):
                return False, f"the global {name!r} changed"
        for cell, obj in self.cells:
            try:
                now = cell.cell_contents
            except ValueError:  # emptied
                now = _GONE
            if not _same(now, obj):
                return False, "a variable the function closes over changed"
        for v, data in zip(self.outside, self.data, strict=True):
            if v.data != data:
                return False, "a Value the function closes over changed"
        if self.epoch != LEAVES.epoch:
            return self._leaves_changed()
        return None

    def _leaves_changed(self) -> tuple[bool, str] | None:
        for m, ps in self.modules:
            now = m.parameters()
            if len(now) != len(ps) or any(a is not b for a, b in zip(now, ps, strict=True)):
                return True, (
                    f"the {type(m).__name__} the function reads has other parameters than when "
                    "it was compiled (a layer replaced, added or removed)"
                )
        for k, (p, flag) in enumerate(zip(self.params, self.flags, strict=True)):
            if p.requires_grad != flag:
                return False, f"params[{k}].requires_grad changed"
        self.epoch = LEAVES.epoch
        return None


def _bindings(fn: Any) -> tuple[list[tuple[dict[str, Any], str, Any]], list[Any], list[Any]]:
    """(global names, closure cells, modules) that ``fn`` reads, following the plain functions
    it reads (not the library's own), at most ``MAX_WATCHED`` names and cells in all."""
    from autograd_lite.nn import Module  # here: nn does not need the compiler

    names: list[tuple[dict[str, Any], str, Any]] = []
    cells: list[Any] = []
    modules: list[Any] = []
    seen: set[int] = set()
    todo: list[Any] = [fn]

    def found(obj: Any) -> None:
        if id(obj) in seen:
            return
        seen.add(id(obj))
        if isinstance(obj, Module):
            modules.append(obj)
        elif isinstance(obj, (types.FunctionType, types.MethodType, functools.partial)):
            todo.append(obj)

    while todo and len(names) + len(cells) < MAX_WATCHED:
        f = todo.pop()
        if isinstance(f, functools.partial):
            for obj in (f.func, *f.args, *f.keywords.values()):
                found(obj)
            continue
        if isinstance(f, types.MethodType):
            found(f.__self__)
            f = f.__func__
        if not isinstance(f, types.FunctionType):
            found(f)  # a module or an object with __call__: what it holds is not followed
            continue
        if f is not fn and str(getattr(f, "__module__", "")).startswith(
            ("autograd_lite", "visualize")
        ):
            continue  # the library's functions read only the library
        space = f.__globals__
        for name in _names_read(f.__code__):
            obj = space.get(name, _GONE)
            if obj is _GONE or isinstance(obj, (types.ModuleType, type)):
                continue
            if len(names) + len(cells) < MAX_WATCHED:
                names.append((space, name, obj))
            found(obj)
        for cell in f.__closure__ or ():
            try:
                obj = cell.cell_contents
            except ValueError:  # not yet filled
                obj = _GONE
            if len(names) + len(cells) < MAX_WATCHED:
                cells.append((cell, obj))
            if obj is not _GONE:
                found(obj)
    return names, cells, modules


def _names_read(code: types.CodeType) -> list[str]:
    """The global names a code object (and the code nested in it) may read."""
    out: list[str] = []
    stack = [code]
    while stack:
        c = stack.pop()
        out += c.co_names
        stack += [k for k in c.co_consts if isinstance(k, types.CodeType)]
    return list(dict.fromkeys(out))


#: How far a replayed number may be from the engine's: this much of the largest number in
#: play (see ``first_mismatch``).
TOLERANCE = 1e-9


def first_mismatch(
    replayed: Sequence[float], eager: Sequence[float], magnitude: float = 0.0
) -> int | None:
    """Where a replay's numbers (the loss sum, then the gradient sums) first disagree with the
    engine's beyond rounding, or None.

    Each number is judged against the largest of itself, the engine's and the largest
    number of the engine's result: a gradient far smaller than the others (softmax -
    one-hot for a confident sample) keeps only the digits that cancellation left it. A
    wrong rule is wrong on all counts. ``magnitude``: the largest value computed on the
    way, where rounding of those numbers is to be allowed too (see
    ``_sample_by_sample``).
    """
    for k, (a, b) in enumerate(zip(replayed, eager, strict=True)):
        if not math.isfinite(b) and a != b:  # (a replay's numbers are all finite)
            return k
    scale = max(max(map(abs, eager), default=0.0), magnitude, 1e-300)
    for k, (a, b) in enumerate(zip(replayed, eager, strict=True)):
        if abs(a - b) > TOLERANCE * max(abs(a), abs(b), scale):
            return k
    return None


def _sample_by_sample(
    step: CompiledStep, xs: list[Any], ys: list[Any]
) -> tuple[int | None, bool] | None:
    """Each sample alone, after a batch's mismatch: ``(beyond, exact)``, where ``beyond`` is
    the first number (loss, then gradients) on which some sample disagrees beyond the
    rounding of the largest value it computed on the way (None: every sample agrees within
    it), and ``exact`` whether every sample agrees without that allowance. None where it
    cannot tell (a sample that fails alone). Bounded: at most ``CHECK_SAMPLES`` samples.

    A confident sample's cross-entropy (2e-16, the difference of logits of 36) keeps only
    the digits rounding left it, in the engine and in the replay alike: rounding inside the
    samples, not a mismatch. Where every sample agrees exactly, the batch's mismatch is in
    its sum over the samples (their contributions cancel), which ``_why_it_differs`` names.
    """
    beyond: int | None = None
    exact = True
    for x, y in zip(xs, ys, strict=True):
        try:
            X, Y = step._inputs([x], [y])[2:]
            replayed = step._try_replay(X, Y)
            e_total, e_grads, _ = step._eager([x], [y])
            loss = _split(step.fn(_constants(x), _constants(y)))[0]
        except Exception:
            return None
        if replayed is None:
            return None
        computed = (v.data for v in topological_order(loss) if not v.is_leaf)
        magnitude = max((abs(d) for d in computed if math.isfinite(d)), default=0.0)
        mine, theirs = [replayed[0], *plain_list(replayed[1])], [e_total, *e_grads]
        k = first_mismatch(mine, theirs, magnitude)
        if k is not None and (beyond is None or k < beyond):
            beyond = k
        exact = exact and first_mismatch(mine, theirs) is None
    return beyond, exact


def _why_it_differs(step: CompiledStep, xs: list[Any], ys: list[Any]) -> str | None:
    """Why the eager engine and the replay differ, if ``fn`` is to blame (else None)."""
    x, y = xs[0], ys[0]
    try:
        first = _split(step.fn(_constants(x), _constants(y)))[0].data
        again = _split(step.fn(_constants(x), _constants(y)))[0].data
    except Exception:
        return None
    if first != again and not (math.isnan(first) and math.isnan(again)):
        return (
            f"the function gives two answers for one sample ({first!r}, then {again!r}): it "
            "uses randomness or state it changes itself, and a recording replays one answer. "
            "Compile a function of (x, y) and the parameters only"
        )
    try:
        tape = _tape(step.fn, step.params, step._example)[0]
    except Exception as error:
        return f"recording the function again fails ({type(error).__name__}: {error})"
    if _structure(tape) != _structure(step.tape):
        return (
            "recording the function again gives another computation: it reads state that "
            "changed after the recording (an attribute, a list or a dict it closes over, a "
            "layer), which a step cannot see. Keep such state out of the function, or pass it "
            "as data"
        )
    (x_shape, _), (y_shape, _) = step._example
    for x, y in zip(xs, ys, strict=True):  # at most CHECK_SAMPLES: bounded, and only on failure
        sample = (
            (x_shape, [float(v) for v in _flat(x, len(x_shape))]),
            (y_shape, [float(v) for v in _flat(y, len(y_shape))]),
        )
        try:
            other = _tape(step.fn, step.params, sample)[0]
        except Exception:
            continue
        if _structure(other) != _structure(step.tape):
            return (
                "recorded on a sample of this batch, the function gives another computation "
                "than on the example: it takes a decision on the data by a route the recording "
                "cannot see (a private attribute such as _data, the Value's pickled state). "
                "Write the decision with the engine's operations (relu, abs), or keep it out of fn"
            )
    if _each_sample_agrees(step, xs, ys):
        return (
            "the samples' contributions cancel: the replay and the engine agree on each sample "
            "alone and differ only in their sum over the batch, which each adds in its own "
            "order (neither sum is exact when large terms cancel). Scale the data so that the "
            "samples' gradients do not cancel, or train without compile"
        )
    return None


def _each_sample_agrees(step: CompiledStep, xs: list[Any], ys: list[Any]) -> bool:
    """Whether the replay equals the engine on each sample alone (at most CHECK_SAMPLES)."""
    if len(xs) < 2:
        return False
    for x, y in zip(xs, ys, strict=True):
        try:
            X, Y = step._inputs([x], [y])[2:]
            replayed = step._try_replay(X, Y)
            e_total, e_grads, _ = step._eager([x], [y])
        except Exception:
            return False
        if replayed is None:
            return False
        mine = [replayed[0], *plain_list(replayed[1])]
        if first_mismatch(mine, [e_total, *e_grads]) is not None:
            return False
    return True
