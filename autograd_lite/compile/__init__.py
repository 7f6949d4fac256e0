"""``compile``: record a per-sample loss once, then replay it on whole batches, fast.

Eager training rebuilds the graph of every example at every step and walks
it node by node. When the graph's shape does not change between steps (the
same network, the same loss), it can be recorded once, flattened into a
tape, and written out as plain code that runs forward and backward without
building a single ``Value``:

>>> from autograd_lite import compile, nn
>>> from autograd_lite.losses import hinge_loss
>>> model = nn.MLP(2, [4, 1], seed=0)
>>> step = compile(lambda x, y: hinge_loss(model(x), y), model.parameters(),
...                example=([0.5, -1.0], 1.0))
>>> loss = step([[0.5, -1.0], [1.0, 2.0]], [1.0, -1.0])   # mean loss; adds to each .grad
>>> print(step.source.splitlines()[0])
# autograd_lite.compile: one sample's loss and its backward pass, unrolled (python backend)

``step(xs, ys)`` does what building ``mean(fn(x, y) for ...)`` and calling
``backward()`` does: it returns the mean loss and *adds* its gradient to
each parameter's ``.grad``, so ``zero_grad()`` and the optimisers work
unchanged. Two backends write the tape out:

* ``"python"``: straight-line Python for one sample, in a loop over the
  batch. Each operation is written by its row of ``PRIMITIVES`` (its
  ``code`` and ``grad_code`` templates, or a call of its functions).
  ``step.source`` shows what backpropagation unrolls to. Every name in it
  is made by the compiler (``names``): parameters after their labels
  (``L0_n3_w1``), nodes after what they compute (``relu_L0_n3``, ``v2``); a
  row of the user's own is called by number (``f3``), and its name appears
  only in an escaped comment.
* ``"numpy"``: the same tape with one array per node across the batch; the
  ``dot`` nodes of a layer (same inputs, parameter weights) become one
  matrix product, and an activation of the whole layer one operation on
  that matrix. numpy is imported only here.

The package, one module per part: ``tape`` records and flattens,
``codegen`` writes one node as code for every backend (in the names that
``names`` makes; ``wrap`` breaks its long lines), ``python_backend``
and ``numpy_backend`` write a whole tape (each a ``backend.Backend``),
``step`` is ``compile`` and ``CompiledStep``, ``batch`` its batch checks,
``watch`` what a recording read and why a replay differs.

A replay never silently differs from the engine: the recording refuses
Python decisions on data (``TraceError``); what the recording read besides
the parameters' data (their flags, fn's globals and closure, closed-over
Values, the parameters of modules fn reads) is re-checked at every call,
and recorded again or refused when it changed (see ``compile``); the first
call and every ``check_every``-th (spacing out, the later ones within
``CHECK_SHARE`` of the time) are checked against the eager engine on
``CHECK_SAMPLES`` samples, after which a step that failed refuses every
call; and a step whose numbers stop being finite is re-run eagerly, so
that the engine's own error names the operation and its input.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import types
from typing import Any

from autograd_lite.compile.backend import Backend
from autograd_lite.compile.batch import MAX_BATCH
from autograd_lite.compile.codegen import LONGEST_EXPRESSION
from autograd_lite.compile.step import (
    BACKENDS,
    CHECK_SAMPLES,
    CHECK_SHARE,
    CHECK_SPACING,
    MAX_LINES,
    REGISTRY,
    CompiledStep,
    ReplayMismatchError,
    compile,
)
from autograd_lite.compile.tape import MAX_DEPTH, MAX_NODES, GraphTooLargeError, Tape
from autograd_lite.compile.watch import MAX_WATCHED
from autograd_lite.tracing import TraceError

__all__ = [
    "BACKENDS",
    "CHECK_SAMPLES",
    "CHECK_SHARE",
    "CHECK_SPACING",
    "LONGEST_EXPRESSION",
    "MAX_BATCH",
    "MAX_DEPTH",
    "MAX_LINES",
    "MAX_NODES",
    "MAX_WATCHED",
    "REGISTRY",
    "Backend",
    "CompiledStep",
    "GraphTooLargeError",
    "ReplayMismatchError",
    "Tape",
    "TraceError",
    "compile",
]


class _CallableModule(types.ModuleType):
    """This package, callable as ``compile``: ``autograd_lite.compile(fn, params, ...)`` and
    ``from autograd_lite import compile`` keep working, while ``autograd_lite.compile`` (and
    ``import autograd_lite.compile as cm``) is the package with its constants."""

    def __call__(self, *args: Any, **kwargs: Any) -> CompiledStep:
        return compile(*args, **kwargs)

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        # pickled (and copied) by name, as the function was: a module cannot be pickled
        return importlib.import_module, (self.__name__,)


sys.modules[__name__].__class__ = _CallableModule
__signature__ = inspect.signature(compile)  # help() and inspect show the function's arguments
