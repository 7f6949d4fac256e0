"""``compile`` and ``CompiledStep``: a recorded loss, replayed on batches by a backend.

The step checks each batch (``batch``), re-records when what the recording
read has changed (``watch``), runs the backend's code, compares the first
call and every ``check_every``-th with the eager engine, and falls back to
the engine where the numbers stop being finite. The backend is chosen once,
by name, from ``REGISTRY``; nothing here compares its name.
"""

from __future__ import annotations

import builtins
import time
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from autograd_lite import functional as F
from autograd_lite.checks import plain_list, real
from autograd_lite.compile.backend import Backend
from autograd_lite.compile.batch import _finite, _ordered
from autograd_lite.compile.codegen import _row_comments
from autograd_lite.compile.numpy_backend import NumpyBackend
from autograd_lite.compile.python_backend import PythonBackend
from autograd_lite.compile.tape import (
    GraphTooLargeError,
    _constants,
    _flat,
    _params,
    _shape_of,
    _split,
    _tape,
)
from autograd_lite.compile.watch import (
    _Key,
    _sample_by_sample,
    _why_it_differs,
    first_mismatch,
)
from autograd_lite.engine import Value, add_to_grad, grad

__all__ = [
    "BACKENDS",
    "CHECK_SAMPLES",
    "CHECK_SHARE",
    "CHECK_SPACING",
    "MAX_LINES",
    "REGISTRY",
    "CompiledStep",
    "ReplayMismatchError",
    "compile",
]

#: Every backend, by name. A new backend is a module with a ``Backend`` subclass, listed here.
REGISTRY: dict[str, Backend] = {b.name: b for b in (PythonBackend(), NumpyBackend())}
BACKENDS = tuple(REGISTRY)


#: How many samples of a batch each check replays on the eager engine, spread evenly over the
#: batch whatever its size (all of a smaller batch); each later check starts elsewhere.
CHECK_SAMPLES = 8

#: The largest share of a run's time the later checks take by default (``compile``'s
#: ``check_share``): a check waits until the replays since the last one took 1 / share times
#: what the last check cost, so a large network, or a small batch, is checked less often than
#: ``check_every`` says.
CHECK_SHARE = 0.1

#: The clock the checks' schedule reads (a name of its own, so that a test can set the time).
_clock = time.perf_counter

#: Checks space out while they keep passing: the interval between two checks doubles after
#: each one that passes, up to this many times ``check_every`` (a new recording starts over).
CHECK_SPACING = 16


#: The most lines of code a step may be written as: Python's compile of straight-line code
#: takes about 0.45 s and 150 MB per 50,000 lines here (a chain of 25,000 nodes), and grows
#: faster than the lines beyond. The MLP 64-128-128-10 is 44,589 lines on the python backend;
#: the digits lesson's CNN 167,277 (and about 3,400 on numpy).
MAX_LINES = 60_000


def _refuse_lines(lines: int, backend: str, did: str) -> None:
    if lines > MAX_LINES:
        raise GraphTooLargeError(
            f"compile: the {backend} backend {did} {lines:,} lines of code for this step, more "
            f"than MAX_LINES = {MAX_LINES:,}: Python takes seconds and gigabytes to compile that "
            'much. Use backend="numpy" (layers and their gradients as matrix products: a few '
            "lines each), compile a smaller function, or train without compile"
        )


class ReplayMismatchError(RuntimeError):
    """A compiled step no longer computes what the eager engine computes; the message says
    why. The step refuses every later call: compile again."""


class CompiledStep:
    """A recorded loss, replayed on batches: ``loss = step(xs, ys)`` (see ``compile``).

    ``source`` is the generated code, ``nodes`` the size of the recorded graph,
    ``outputs`` each sample's extra outputs from the last call (when ``fn``
    returned ``(loss, outputs)``), ``calls`` how many times it ran, ``checks``
    how many of those were compared with the eager engine, ``eager_runs`` how
    many fell back to it, ``recordings`` how many times ``fn`` was recorded
    (again when something it reads changed: see ``compile``).
    """

    def __init__(
        self,
        fn: Callable[[Any, Any], Any],
        params: list[Value],
        example: tuple[Any, Any],
        backend: str,
        check_every: int | None,
        check_share: float | None = CHECK_SHARE,
    ) -> None:
        self.fn = fn
        self.params = params
        self.backend = backend
        self._backend: Backend = REGISTRY[backend]
        self.check_every = check_every
        self.check_share = check_share
        self.calls = 0
        self.checks = 0
        self.eager_runs = 0
        self.recordings = 0
        self.outputs: list[tuple[float, ...]] = []
        self._example = example
        self._broken: str | None = None
        self._fused: Any = None  # the fused run that holds the parameters, while one is open
        self._record()

    def _record(self) -> None:
        """Record ``fn`` on the example and write the tape out as code; note what it read."""
        tape, layout, outside = _tape(self.fn, self.params, self._example)
        self.tape = tape
        self._layout = layout
        self.nodes = len(tape.nodes)
        self._trained = [p for p, t in zip(self.params, layout.trainable, strict=True) if t]
        self._trained_at = [j for j, t in enumerate(layout.trainable) if t]
        _refuse_lines(self._backend.lines(tape), self.backend, "would write")  # before writing
        code, namespace = self._backend.source(tape, layout)
        _refuse_lines(code.count("\n"), self.backend, "wrote")  # before Python compiles it
        header = (
            "# autograd_lite.compile: one sample's loss and its backward pass, unrolled "
            f"({self.backend} backend)\n"
        )
        self.source = header + _row_comments(tape) + code
        exec(builtins.compile(self.source, f"<compiled {self.backend} step>", "exec"), namespace)
        self._replay: Callable[..., Any] = namespace["replay"]
        self._key = _Key(self.fn, self.params, outside)
        self._unchecked = True  # the first call of every recording is checked
        self._interval = self.check_every or 0  # and then every check_every-th, spacing out
        self._next_check = 0
        self._last_check = self.calls
        self._replayed = 0.0  # seconds of replay since the last check
        self._check_cost = 0.0  # what the next check will cost, in seconds
        self.recordings += 1

    def __repr__(self) -> str:
        return f"<CompiledStep: {self.nodes} nodes, {self.backend} backend>"

    def __reduce_ex__(self, protocol: Any) -> Any:
        raise TypeError(
            "a compiled step cannot be copied or pickled: it replays code made for the "
            "parameters it was compiled with. Copy the model, then compile a step for the copy"
        )

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        self.__reduce_ex__(4)

    # -- one call ---------------------------------------------------------------------------

    def __call__(self, xs: Sequence[Any], ys: Sequence[Any]) -> float:
        """The mean loss over the batch; its gradient is added to each parameter's ``.grad``.

        ``xs`` and ``ys``: sequences of samples (lists, tuples, or numpy arrays,
        which the numpy backend reads without a copy).
        """
        if self._fused is not None:
            raise RuntimeError(
                "this compiled step is in a fused run, which holds the parameters: call the "
                "run (loss = run(xs, ys)), or close it first"
            )
        loss, sums, n = self._step(xs, ys, [p.data for p in self.params], None)
        # numpy divides each entry as Python would: the same means, bit for bit
        means = [g / n for g in sums] if isinstance(sums, list) else self._backend.means(sums, n)
        add_to_grad(zip(self._trained, means, strict=True))
        return loss

    def fused(self, optimizer: Any, **clipping: Any) -> Any:
        """A fused training run of this step and ``optimizer`` (see ``compile.fused``):
        ``run(xs, ys)`` is ``zero_grad()``, this step and ``optimizer.step()``, with the
        parameters held in one array for the run. Use it as a context manager."""
        from autograd_lite.compile.fused import FusedRun

        return FusedRun(self, optimizer, **clipping)

    def _step(
        self, xs: Sequence[Any], ys: Sequence[Any], P: Any, before_eager: Callable[[], None] | None
    ) -> tuple[float, Any, int]:
        """(mean loss, the trained parameters' gradient sums, batch size) with the parameters'
        values ``P`` (a list, or an array for a backend with ``params_as_array``).

        ``before_eager`` is called before anything runs the eager engine (a check, a
        fallback, a new recording), which reads the parameters' ``.data``.
        """
        if self._broken is not None:
            raise ReplayMismatchError(self._broken)
        self._still_valid(before_eager)
        xs, ys, X, Y = self._inputs(xs, ys)
        n = len(xs)
        self.calls += 1
        started = _clock()
        result = self._try_replay(X, Y, P)
        replayed = _clock()
        self._replayed += replayed - started
        if result is None:  # not finite, or an error: the engine says what and where
            _finite(X, "input")
            _finite(Y, "target")
            self.eager_runs += 1
            if before_eager is not None:
                before_eager()
            total, sums, outs = self._eager(plain_list(xs), plain_list(ys))
        else:
            total, sums, outs = result
            if self._unchecked or self._due():
                if before_eager is not None:
                    before_eager()
                self._check(xs, ys, X, Y, result, P)
                self._checked(_clock() - replayed)
        self.outputs = outs
        return total / n, sums, n

    def _due(self) -> bool:
        """Whether this call is checked: ``check_every``'s schedule has come, and the replays
        since the last check took ``1 / check_share`` times what the next one will cost (or
        the schedule is far past: a clock that jumped must not put checks out of reach)."""
        if not self.check_every or self.calls < self._next_check:
            return False
        share = self.check_share
        return (
            share is None
            or self._replayed * share >= self._check_cost
            or self.calls - self._last_check >= CHECK_SPACING * self.check_every * 64
        )

    def _checked(self, cost: float) -> None:
        """A check passed, in ``cost`` seconds: the next one comes ``interval`` calls later,
        and the interval doubles after each periodic check that passes, up to
        ``CHECK_SPACING`` times ``check_every`` (and ``_due`` waits for its share of time)."""
        self._check_cost = cost
        self._replayed = 0.0
        self._last_check = self.calls
        if self.check_every is None:
            self._unchecked = False
            return
        every = self.check_every
        if self._unchecked:  # the first call of a recording: then the next multiple of every
            self._next_check = (self.calls // every + 1) * every
        else:
            self._interval = min(2 * self._interval, CHECK_SPACING * every)
            self._next_check = self.calls + self._interval
        self._unchecked = False

    def _still_valid(self, before_eager: Callable[[], None] | None = None) -> None:
        """Re-record if something the recording read has changed; refuse if it cannot be."""
        key = self._key
        changed = key.changed()
        if changed is None:
            return
        fatal, why = changed
        if fatal:
            self._broken = (
                f"compiled step (call {self.calls + 1}): {why}. This step refuses every later "
                "call: compile again with the Values the function reads now (and give the "
                "optimiser the same ones)"
            )
            raise ReplayMismatchError(self._broken)
        if before_eager is not None:
            before_eager()
        try:
            self._record()  # the recording no longer holds: make it again, as it is now
        except Exception as error:
            error.add_note(f"(recording the function again at call {self.calls + 1}: {why})")
            raise

    def _check(self, xs: Any, ys: Any, X: Any, Y: Any, result: Any, P: Any) -> None:
        """Compare the replay with the eager engine on ``CHECK_SAMPLES`` samples spread over
        the batch (all of a small batch): the cost does not grow with the batch. Each later
        check starts 0.618 of the batch (the golden ratio's fraction) after the last one, so
        that the checks of a run cover the batch evenly."""
        n = len(xs)
        k = CHECK_SAMPLES
        if n <= k:
            sx, sy, (total, G, _) = plain_list(xs), plain_list(ys), result
        else:
            start = int(self.checks * 0.6180339887498949 * n) % n
            at = sorted((start + i * n // k) % n for i in range(k))
            sx, sy, SX, SY = self._backend.some(xs, ys, X, Y, at)
            sub = self._try_replay(SX, SY, P)
            if sub is None:  # the whole batch replayed, part of it did not: no engine does that
                self._fail(f"the replay of {CHECK_SAMPLES} of the batch's samples failed")
            total, G, _ = sub
        self._compare(sx, sy, total, plain_list(G))

    def _inputs(self, xs: Sequence[Any], ys: Sequence[Any]) -> tuple[Any, Any, Any, Any]:
        """``(xs, ys, X, Y)``: the batch checked against the example's shape, and as the replay
        takes it (numpy: each as an array of samples, and transposed, one row per entry)."""
        xs, ys = _ordered(xs, "inputs"), _ordered(ys, "targets")
        return self._backend.batch(xs, ys, self._layout)

    def _try_replay(
        self, X: Any, Y: Any, P: Any = None
    ) -> tuple[float, Any, list[tuple[float, ...]]] | None:
        """(loss sum, gradient sums, outputs), or None where the numbers stop being finite.

        The gradient sums are a list or an array, as the backend makes them. ``P``: the
        parameters' values (by default their ``.data`` now).
        """
        if P is None:
            P = [p.data for p in self.params]
        try:
            result = self._backend.run(self._replay, P, X, Y, self._trained_at)
        except (ArithmeticError, ValueError, TypeError, IndexError):
            return None
        return result

    # -- the eager engine, for checks and for errors -----------------------------------------

    def _eager(
        self, xs: list[Any], ys: list[Any]
    ) -> tuple[float, list[float], list[tuple[float, ...]]]:
        # the samples as constant Values, as the recording gave them (as Values) to fn
        results = [
            _split(self.fn(_constants(x), _constants(y))) for x, y in zip(xs, ys, strict=True)
        ]
        loss = F.sum([r[0] for r in results]) / len(results)
        grads = grad(loss, self._trained) if self._trained else ()
        outs = [tuple(v.data for v in r[1]) for r in results]
        return loss.data * len(xs), [float(g) * len(xs) for g in grads], outs

    def _compare(self, xs: list[Any], ys: list[Any], total: float, grads: list[float]) -> None:
        e_total, e_grads, _ = self._eager(xs, ys)
        self.checks += 1
        k = first_mismatch([total, *grads], [e_total, *e_grads])
        if k is None:
            return
        alone = _sample_by_sample(self, xs, ys)
        if alone is not None:
            beyond, exact = alone
            if beyond is None and not exact:
                return  # rounding inside the samples, in the engine and the replay alike
            k = k if beyond is None else beyond  # (exact: the batch's sum; see _fail)
        a, b = [total, *grads][k], [e_total, *e_grads][k]
        # (k - 1 counts the trained parameters: say where it is in params)
        at = self._trained_at[k - 1] if k else 0
        what = "the loss" if k == 0 else f"the gradient of parameter {at} of params"
        self._fail(f"{what} is {a!r} replayed but {b!r} in the eager engine", xs, ys)

    def _fail(
        self, what: str, xs: list[Any] | None = None, ys: list[Any] | None = None
    ) -> NoReturn:
        """Raise ``ReplayMismatchError`` saying why, as far as it can be told; the step then
        refuses every later call."""
        why = _why_it_differs(self, xs, ys) if xs and ys else None
        if why is None:
            why = "an internal error of the compiler: please report this with the function"
        self._broken = (
            f"compiled step (call {self.calls}, {self.backend} backend): {what}. Cause: {why}. "
            "This step refuses every later call: compile again"
        )
        raise ReplayMismatchError(self._broken)


def compile(
    fn: Callable[[Any, Any], Any],
    params: Sequence[Value],
    *,
    example: tuple[Any, Any],
    backend: str = "python",
    check_every: int | None = 100,
    check_share: float | None = CHECK_SHARE,
) -> CompiledStep:
    """Record ``fn(x, y)``, one sample's loss, and return a step that replays it on batches.

    ``params``: the Values the step reads (their current ``.data``) and adds
    gradients to; every other leaf of the recording is a constant.
    ``example = (x0, y0)``: one sample, whose shape every batch must have (a
    number or a nested list of numbers each). ``fn`` may also return
    ``(loss, outputs)``; the step then keeps each sample's outputs in
    ``step.outputs`` (for accuracy, say). ``backend``: ``"python"`` or
    ``"numpy"``. ``check_every``: the first call and the N-th are compared
    with the eager engine on ``CHECK_SAMPLES`` samples spread over the batch
    (``None``: the first call only); while checks pass, the interval doubles
    after each, up to ``CHECK_SPACING`` times N (calls 1, 100, 300, 700, ...).
    ``check_share``: the largest share of a run's time the later checks may
    take (``CHECK_SHARE``, a tenth), measured as it runs: a check waits until
    the replays since the last one took 1 / share times what that one cost, so
    where a check costs more than a tenth of N replays (a large network, a
    small batch) it comes later than those calls. ``None``: exactly at them.

    What a step may depend on, and how each is kept true at every call:

    * the parameters' ``.data``: read at every call;
    * their ``requires_grad`` flags, the Values fn's globals and closure name,
      the data of Values it closes over that are not parameters: re-checked
      at every call; a change records ``fn`` again (``step.recordings``);
    * the parameters of a module ``fn`` reads (a global or closed-over
      ``nn.Module``): a layer replaced makes every later call raise
      ``ReplayMismatchError``: compile again.

    A step may not depend on state the checks cannot see: randomness, an
    attribute or an element of an object that changes (``cfg.scale = 3``), a
    global read by a function of another module. The periodic check catches
    these (``ReplayMismatchError``, which names the cause); from then on the
    step refuses every call until compiled again.

    Raises ``TraceError`` if ``fn`` takes a Python decision on data while it
    is recorded (``if v > 0``, ``max()`` of Values, ``float(v)``, ``v.data``,
    ``repr(v)``, ``f"{v:.3f}"``, ``copy.copy(v)``), naming the file and line.
    """
    if not callable(fn):
        raise TypeError(f"compile() needs a function fn(x, y) -> loss, got {type(fn).__name__}")
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if check_every is not None and (
        isinstance(check_every, bool) or not isinstance(check_every, int) or check_every < 1
    ):
        raise ValueError(f"check_every must be a positive int or None, got {check_every!r}")
    share = (
        None
        if check_share is None
        else real(check_share, "check_share", low=0.0, high=1.0, low_open=True)
    )
    params = _params(params)
    if not isinstance(example, (tuple, list)) or len(example) != 2:
        raise TypeError("example must be a pair (x0, y0): one sample's input and its target")
    x_shape = _shape_of(example[0], "example input")
    y_shape = _shape_of(example[1], "example target")
    x0 = [float(v) for v in _flat(example[0], len(x_shape))]
    y0 = [float(v) for v in _flat(example[1], len(y_shape))]
    return CompiledStep(fn, params, ((x_shape, x0), (y_shape, y0)), backend, check_every, share)
