"""``Backend``: the one interface a compiled step asks a code generator for.

A backend writes a tape out as the source of one function,
``replay(P, X, Y) -> (loss sum, gradient sums, check, outputs)``, and knows
how the batch reaches that function and how its results come back: as
Python lists (``python_backend``), or as arrays (``numpy_backend``). A third
backend (C, numba) is one more module with a subclass of this, listed in
``step.REGISTRY``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

from autograd_lite.compile.tape import Tape, _Layout

__all__ = ["Backend", "Replayed"]

#: What a replay gives back: (loss sum, gradient sums of the trained parameters, each
#: sample's outputs); the gradient sums are a list or an array, as the backend makes them.
Replayed = tuple[float, Any, list[tuple[float, ...]]]


class Backend(ABC):
    """How one kind of generated code is written, fed and read (see the module's docstring)."""

    #: what ``compile(..., backend=name)`` calls it
    name: str
    #: whether ``replay`` takes the parameters as the float64 array a fused run holds them in
    #: (else as a list of floats)
    params_as_array: bool = False

    def lines(self, tape: Tape) -> int:
        """About how many lines ``source`` would write, counted before writing them: here one
        per operation and one per gradient it sends (straight-line code). A backend that
        writes less (layers as matrix products) says so; ``step`` counts the source too."""
        needs = tape.needs
        return sum(1 + sum(needs[j] for j in n.inputs) for n in tape.nodes if n.op is not None)

    @abstractmethod
    def source(self, tape: Tape, layout: _Layout) -> tuple[str, dict[str, Any]]:
        """The code of ``replay`` (without the header) and the namespace it runs in."""

    @abstractmethod
    def batch(
        self, xs: Sequence[Any], ys: Sequence[Any], layout: _Layout
    ) -> tuple[Any, Any, Any, Any]:
        """``(xs, ys, X, Y)``: the batch checked against the example's shape, as samples
        (indexable, for the eager engine) and as ``replay`` takes it."""

    @abstractmethod
    def run(
        self, replay: Callable[..., Any], P: list[float], X: Any, Y: Any, trained: list[int]
    ) -> Replayed | None:
        """``replay`` on the batch: the gradient sums of the ``trained`` parameters only, or
        None where a number stops being finite. It may raise ``ArithmeticError``,
        ``ValueError``, ``TypeError`` or ``IndexError``, which the step takes as None."""

    @abstractmethod
    def means(self, G: Any, n: int) -> list[float]:
        """The gradient sums divided by ``n``, each as Python divides floats."""

    @abstractmethod
    def some(
        self, xs: Any, ys: Any, X: Any, Y: Any, at: list[int]
    ) -> tuple[list[Any], list[Any], Any, Any]:
        """The samples ``at`` of the batch: ``(xs, ys)`` as lists, ``(X, Y)`` for ``replay``."""
