"""Neural-network building blocks made of engine operations.

Every layer is written with ``Value`` arithmetic and ``functional``
operations, so the backward pass, second derivatives and diagrams all work
through a network exactly as through a hand-written expression. A neuron's
weighted sum is one ``dot`` node (not 2n additions and multiplications),
which keeps graphs small and training fast.

The API follows PyTorch (``parameters()``, ``named_parameters()``,
``zero_grad()``, ``state_dict()``, ``train()``/``eval()``,
``requires_grad_()``) and the defaults follow micrograd: ``MLP(nin, nouts)``
has ReLU hidden layers, a linear last layer, weights drawn from U(-1, 1),
biases at 0, and ``parameters()`` in micrograd's order (layer by layer,
neuron by neuron, weights then bias), so weights copy between the two.

Calling a module on one example returns a list of ``Value`` (one per output
unit), or the ``Value`` alone when there is exactly one output, as in
micrograd. Unlike micrograd, a one-unit layer can sit anywhere in a network.

>>> from autograd_lite import nn
>>> model = nn.MLP(2, [4, 1], seed=0)
>>> y = model([1.0, -2.0])          # one output unit: a Value
>>> y.backward()
>>> len(model.parameters()), type(y).__name__
(17, 'Value')
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from itertools import product
from typing import Any, ClassVar, NamedTuple, overload

from autograd_lite import functional as F
from autograd_lite.data import _count
from autograd_lite.engine import TraceError, Value, is_tracing
from autograd_lite.init import Seed, make_rng, resolve, sample_weights

__all__ = [
    "ACTIVATIONS",
    "MLP",
    "BatchNorm1d",
    "Conv1d",
    "Conv2d",
    "Dropout",
    "Flatten",
    "IncompatibleKeys",
    "Layer",
    "LeakyReLU",
    "Linear",
    "Module",
    "Neuron",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Tanh",
    "label_inputs",
    "short_name",
]


class Parameter(Value):
    """A Value that a module learns: diagrams draw it as a parameter, named by its place.

    Exactly a ``Value`` otherwise (PyTorch's ``nn.Parameter`` plays the same
    part). A module's parameters take their dotted names from
    ``named_parameters()`` as labels the first time the module is called,
    shortened where that reads better: ``layers.0.neurons.3.w.1`` reads
    ``L0.n3.w1``. A label you set yourself is kept.
    """

    __slots__ = ()


#: Words of our modules' dotted names, shortened in labels.
_SHORT = {"layers": "L", "neurons": "n"}


def short_name(dotted: str) -> str:
    """A dotted parameter name as a diagram label: ``layers.0.neurons.3.w.1`` -> ``L0.n3.w1``.

    >>> short_name("layers.1.neurons.0.b"), short_name("0.weight.2")
    ('L1.n0.b', '0.weight.2')
    """
    parts = dotted.split(".")
    out: list[str] = []
    for part in parts:
        if part.isdigit() and out and (out[-1] in _SHORT.values() or out[-1] in ("w",)):
            out[-1] += part
        else:
            out.append(_SHORT.get(part, part))
    return ".".join(out)


def label_inputs(x: Signal, name: str = "x", what: str = "input") -> Signal:
    """Numbers of one example as constant Values labelled ``x[0]``, ``x[1][2]``, ...

    Values pass through as they are. Modules do this to their input, and
    losses to their target, so that diagrams name what a learner knows.
    ``what`` names the argument in errors (``input[1] must be finite``).

    >>> [v.label for v in label_inputs([1.0, 2.0])]
    ['x[0]', 'x[1]']
    """
    if isinstance(x, (list, tuple)):
        return [label_inputs(item, f"{name}[{i}]", f"{what}[{i}]") for i, item in enumerate(x)]
    if isinstance(x, numbers.Real) and not isinstance(x, (bool, Value)):
        return Value(_finite(x, what), label=name, requires_grad=False)
    return x


#: What flows between modules: a list of Values for one example (nested lists
#: for convolutions: channels, then positions).
Signal = Any

#: Activation functions by name; ``None`` and ``"linear"`` mean none.
ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    "linear": lambda v: v,
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "leaky_relu": Value.leaky_relu,
}


def _activation_name(activation: str | None) -> str:
    name = "linear" if activation is None else activation
    if name not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {activation!r}; choose one of: {', '.join(ACTIVATIONS)} or None"
        )
    return name


def _finite(x: numbers.Real, where: str) -> float:
    """``x`` as a finite float, or a ``ValueError`` naming ``where``."""
    try:
        f = float(x)
    except OverflowError:  # an int such as 10**400: too large for a float (repr may fail too)
        raise ValueError(f"{where} must be finite, got a number too large for a float") from None
    if not math.isfinite(f):
        raise ValueError(f"{where} must be finite, got {x!r}")
    return f


def _real(x: object, what: str) -> float:
    """``x`` as a finite float; ``TypeError`` for a non-number (or a bool) naming ``what``."""
    if not isinstance(x, numbers.Real) or isinstance(x, bool):
        raise TypeError(f"{what} must be a real number, got {type(x).__name__}: {x!r}")
    return _finite(x, what)


def _as_value(x: object, where: str) -> Value:
    """``x`` as a Value; a plain number becomes a constant (no gradient)."""
    if isinstance(x, Value):
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return Value(_finite(x, where), requires_grad=False)
    raise TypeError(f"{where} must be a number or a Value, got {type(x).__name__}: {x!r}")


def _as_vector(x: object, what: str) -> list[Value]:
    """One example's inputs as a list of Values (a lone number or Value is a list of one)."""
    if isinstance(x, (Value, numbers.Real)) and not isinstance(x, bool):
        return [_as_value(x, f"{what}[0]")]
    if isinstance(x, (str, bytes)) or not hasattr(x, "__iter__"):
        raise TypeError(f"{what} must be a list of numbers or Values, got {type(x).__name__}")
    return [_as_value(v, f"{what}[{i}]") for i, v in enumerate(x)]


def _unwrap(out: Signal) -> Signal:
    """micrograd's convention: a one-element output is returned as the Value itself."""
    if isinstance(out, list) and len(out) == 1 and isinstance(out[0], Value):
        return out[0]
    return out


def _map(fn: Callable[[Value], Value], signal: Signal, where: str = "input") -> Signal:
    """Apply ``fn`` to every Value of a (possibly nested) list of numbers or Values."""
    if isinstance(signal, (list, tuple)):
        return [_map(fn, s, f"{where}[{i}]") for i, s in enumerate(signal)]
    return fn(_as_value(signal, where))


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict`` found missing or unexpected (as in PyTorch)."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def _preview(keys: Sequence[str], limit: int = 4) -> str:
    shown = ", ".join(keys[:limit])
    return shown + (f" (and {len(keys) - limit} more)" if len(keys) > limit else "")


# -- Module ---------------------------------------------------------------------


class Module:
    """Base class: finds its parameters by looking at its attributes.

    Any public attribute holding a ``Value``, a ``Module``, or a (nested)
    list of them is part of the module; its dotted name is the attribute
    path (``layers.0.neurons.3.w.1``). Subclasses implement ``forward(x)``
    for one example; ``model(x)`` calls it. Attributes whose names start
    with ``_`` are ignored, and so are plain floats (``_buffer_names`` lists
    float lists such as running statistics that belong in ``state_dict()``).

    >>> class Scale(Module):
    ...     def __init__(self) -> None:
    ...         self.k = Value(2.0)
    ...     def forward(self, x):
    ...         return [self.k * v for v in x]
    >>> Scale()([1.5]).data, [name for name, _ in Scale().named_parameters()]
    (3.0, ['k'])
    """

    #: Training mode (``train()``) or evaluation mode (``eval()``).
    training: bool = True
    #: Attributes that are lists of floats saved in ``state_dict()`` (not parameters).
    _buffer_names: ClassVar[tuple[str, ...]] = ()

    # -- running ------------------------------------------------------------

    def forward(self, x: Signal) -> Signal:
        """One example in, a list of Values out (override this)."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def forward_batch(self, xs: Sequence[Signal]) -> list[Signal]:
        """``forward`` on each example; layers that mix examples (BatchNorm1d) override it."""
        return [self.forward(x) for x in xs]

    def __call__(self, x: Signal) -> Signal:
        """The output for one example: a list of Values, or one Value when there is one.

        Numbers given as input become constants labelled ``x[0]``, ``x[1]``,
        ..., and the first call labels the parameters by their place (see
        ``Parameter``), so that a diagram of the output reads like the model.
        """
        if not self.__dict__.get("_labelled_parameters"):
            self.label_parameters()
        return _unwrap(self.forward(label_inputs(x)))

    def label_parameters(self) -> None:
        """Label every unlabelled parameter by its place in this module (``L0.n3.w1``)."""
        for name, p in self.named_parameters():
            if not p.label:
                p.label = short_name(name)
        self.__dict__["_labelled_parameters"] = True

    def call_batch(self, xs: Sequence[Signal]) -> list[Signal]:
        """``[model(x) for x in xs]``, except that layers such as BatchNorm1d see the batch."""
        return [_unwrap(out) for out in self.forward_batch(list(xs))]

    # -- structure ------------------------------------------------------------

    def _public_attributes(self) -> Iterator[tuple[str, object]]:
        for name, value in vars(self).items():
            if not name.startswith("_"):
                yield name, value

    def _tree(self, prefix: str) -> Iterator[tuple[str, Module | Value]]:
        """Every module and parameter inside, once each, depth first, with dotted names."""
        seen: set[int] = set()

        def walk(name: str, obj: object) -> Iterator[tuple[str, Module | Value]]:
            if isinstance(obj, (Module, Value)):
                if id(obj) in seen:
                    return
                seen.add(id(obj))
                yield name, obj
                if isinstance(obj, Module):
                    for attr, value in obj._public_attributes():
                        yield from walk(_join(name, attr), value)
            elif isinstance(obj, (list, tuple)):
                for i, item in enumerate(obj):
                    yield from walk(_join(name, str(i)), item)

        return walk(prefix, self)

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every module inside it, with dotted names ("" for this one)."""
        for name, obj in self._tree(prefix):
            if isinstance(obj, Module):
                yield name, obj

    def modules(self) -> list[Module]:
        return [m for _, m in self.named_modules()]

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Value]]:
        """``(dotted name, parameter)`` pairs; a parameter shared by two places appears once."""
        for name, obj in self._tree(prefix):
            if isinstance(obj, Value):
                yield name, obj

    def parameters(self) -> list[Value]:
        """Every parameter, in the order of ``named_parameters()``."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0 (gradients accumulate otherwise)."""
        for p in self.parameters():
            p.grad = 0.0

    def train(self, mode: bool = True) -> Module:
        """Training mode (Dropout drops, BatchNorm1d uses batch statistics); returns self."""
        if not isinstance(mode, bool):
            raise TypeError(f"train(mode) needs a bool, got {type(mode).__name__}")
        for _, m in self.named_modules():
            m.training = mode
        return self

    def eval(self) -> Module:
        """Evaluation mode, the same as ``train(False)``; returns self."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Freeze (``False``) or unfreeze every parameter; returns self.

        A frozen parameter takes no gradient, and optimisers leave it alone:
        this is how fine-tuning keeps early layers fixed.
        """
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    # -- state ------------------------------------------------------------------

    def _state_slots(self) -> Iterator[tuple[str, Value | list[float], int]]:
        """Everything in the state dict: a parameter, or a float list and an index."""
        for name, p in self.named_parameters():
            yield name, p, -1
        for mname, m in self.named_modules():
            for bname in m._buffer_names:
                buffer: list[float] = getattr(m, bname)
                for i in range(len(buffer)):
                    yield _join(mname, f"{bname}.{i}"), buffer, i

    def state_dict(self) -> dict[str, float]:
        """Every parameter's value (and buffers such as running means) by dotted name."""
        return {
            name: slot.data if isinstance(slot, Value) else slot[i]
            for name, slot, i in self._state_slots()
        }

    def check_state_dict(
        self, state: Mapping[str, object], strict: bool = True
    ) -> IncompatibleKeys:
        """Everything ``load_state_dict`` checks, without changing anything.

        Raises ``ValueError`` / ``TypeError`` naming the problem: a value that
        is not a finite number, or (with ``strict``) missing or unexpected keys.
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"a state dict must be a mapping, got {type(state).__name__}")
        expected = [name for name, _, _ in self._state_slots()]
        known = set(expected)
        missing = [k for k in expected if k not in state]
        unexpected = [str(k) for k in state if k not in known]
        if strict and (missing or unexpected):
            problems = []
            if missing:
                problems.append(f"missing keys: {_preview(missing)}")
            if unexpected:
                problems.append(f"unexpected keys: {_preview(unexpected)}")
            raise ValueError(
                f"the state does not fit this {type(self).__name__} ({len(expected)} entries "
                f"expected, {len(state)} given): " + "; ".join(problems)
            )
        for key in expected:
            if key in state:
                x = state[key]
                if not isinstance(x, numbers.Real) or isinstance(x, bool):
                    raise TypeError(f"state[{key!r}] must be a number, got {type(x).__name__}")
                _finite(x, f"state[{key!r}]")
        return IncompatibleKeys(missing, unexpected)

    def load_state_dict(self, state: Mapping[str, object], strict: bool = True) -> IncompatibleKeys:
        """Copy values from ``state`` into the parameters and buffers.

        Everything is checked first (``check_state_dict``): when it raises,
        the module is unchanged.

        >>> a, b = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=1)
        >>> _ = b.load_state_dict(a.state_dict())
        >>> a([1.0, 2.0]).data == b([1.0, 2.0]).data
        True
        """
        result = self.check_state_dict(state, strict)
        for name, slot, i in self._state_slots():
            if name in state:
                x = float(state[name])  # type: ignore[arg-type]
                if isinstance(slot, Value):
                    slot.data = x
                else:
                    slot[i] = x
        return result

    def architecture(self) -> dict[str, str]:
        """Every module's kind and options by dotted name: what a checkpoint must match.

        A module's options are its public attributes that hold plain data
        (a number, a string, a flag, ``None``, or a tuple of those), such as
        ``activation`` or ``negative_slope``; parameters and submodules are
        described by their own entries and by ``state_dict()``. Keep a
        counter or a cache in a private (``_name``) attribute.

        >>> MLP(2, [3, 1], seed=0).architecture()["layers.0.neurons.2"]
        "Neuron(activation='relu')"
        """
        return {name: _describe(m) for name, m in self.named_modules()}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _plain(x: object) -> bool:
    if isinstance(x, tuple):
        return all(_plain(item) for item in x)
    return x is None or isinstance(x, (bool, int, float, str))


def _describe(module: Module) -> str:
    """``Kind(option=value, ...)``: the module's class and its plain public attributes."""
    options = sorted(
        (name, value)
        for name, value in module._public_attributes()
        if name != "training" and name not in module._buffer_names and _plain(value)
    )
    inner = ", ".join(f"{name}={value!r}" for name, value in options)
    return f"{type(module).__name__}({inner})"


# -- dense layers -----------------------------------------------------------------


class Neuron(Module):
    """One unit: ``activation(w . x + b)``, its weighted sum a single ``dot`` node.

    ``init`` names a scheme from ``autograd_lite.init``; ``fan_out`` matters
    only for Xavier initialisation (a ``Layer`` passes its width).

    >>> n = Neuron(2, activation="tanh", seed=0)
    >>> out = n([1.0, 2.0])
    >>> out.backward()
    >>> n.w[1].grad == 2.0 * (1 - out.data**2)
    True
    """

    def __init__(
        self,
        nin: int,
        *,
        activation: str | None = "relu",
        init: str = "uniform",
        bias: bool = True,
        seed: Seed = None,
        fan_out: int = 1,
    ) -> None:
        _count(nin, "nin")
        self.activation = _activation_name(activation)
        rng = make_rng(seed)
        weights = sample_weights(init, nin, fan_in=nin, fan_out=fan_out, rng=rng)
        self.w: list[Value] = [Parameter(x) for x in weights]
        self.b: Value | None = Parameter(0.0) if bias else None
        self._fn = ACTIVATIONS[self.activation]

    def fire(self, xs: Sequence[Value]) -> Value:
        """The neuron's output for inputs that are already Values (no checks)."""
        return self._fn(F.dot(self.w, xs, self.b))  # activation(w . x + b), one dot node

    def forward(self, x: Signal) -> list[Value]:
        xs = _as_vector(x, "input")
        if len(xs) != len(self.w):
            raise ValueError(f"{self!r} expects {len(self.w)} inputs, got {len(xs)}")
        return [self.fire(xs)]

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)}, activation={self.activation!r})"


class Layer(Module):
    """``nout`` neurons that all read the same ``nin`` inputs (a fully connected layer).

    >>> layer = Layer(3, 2, activation=None, seed=0)
    >>> len(layer([1.0, 2.0, 3.0])), len(layer.parameters())
    (2, 8)
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        *,
        activation: str | None = "relu",
        init: str = "uniform",
        bias: bool = True,
        seed: Seed = None,
    ) -> None:
        _count(nout, "nout")
        rng = make_rng(seed)
        self.neurons = [
            Neuron(nin, activation=activation, init=init, bias=bias, seed=rng, fan_out=nout)
            for _ in range(nout)
        ]
        self.activation = self.neurons[0].activation

    @property
    def nin(self) -> int:
        return len(self.neurons[0].w)

    @property
    def nout(self) -> int:
        return len(self.neurons)

    def forward(self, x: Signal) -> list[Value]:
        xs = _as_vector(x, "input")
        if len(xs) != self.nin:
            raise ValueError(f"{self!r} expects {self.nin} inputs, got {len(xs)}")
        return [n.fire(xs) for n in self.neurons]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.nin}, {self.nout}, activation={self.activation!r})"


class Linear(Layer):
    """PyTorch's name for a layer without activation: ``Linear(in_features, out_features)``.

    The default initialisation is micrograd's, not PyTorch's: weights from
    U(-1, 1) and biases at 0, where ``torch.nn.Linear`` draws both from
    U(-1/sqrt(in_features), 1/sqrt(in_features)). Pass ``init=`` for another
    scheme.

    >>> Linear(4, 2, seed=0)
    Linear(4, 2, activation='linear')
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        *,
        init: str = "uniform",
        seed: Seed = None,
    ) -> None:
        super().__init__(
            in_features, out_features, activation=None, init=init, bias=bias, seed=seed
        )


class Sequential(Module):
    """Modules applied one after another (``layers.0``, ``layers.1``, ...).

    Supports ``len``, iteration, ``model[i]`` and ``model[i] = new_module``
    (replace an output layer to fine-tune on a new task).

    >>> model = Sequential(Linear(2, 8, seed=0), ReLU(), Linear(8, 3, seed=1))
    >>> len(model([0.5, -0.5])), len(model)
    (3, 3)
    """

    def __init__(self, *layers: Module) -> None:
        for i, m in enumerate(layers):
            if not isinstance(m, Module):
                raise TypeError(f"Sequential takes Modules, got {type(m).__name__} at position {i}")
        self.layers: list[Module] = list(layers)

    def forward(self, x: Signal) -> Signal:
        for m in self.layers:
            x = m.forward(x)
        return x

    def forward_batch(self, xs: Sequence[Signal]) -> list[Signal]:
        out = list(xs)
        for m in self.layers:
            out = m.forward_batch(out)
        return out

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)

    @overload
    def __getitem__(self, i: int) -> Module: ...
    @overload
    def __getitem__(self, i: slice) -> Sequential: ...
    def __getitem__(self, i: int | slice) -> Module:
        if isinstance(i, slice):
            return Sequential(*self.layers[i])  # shares the modules, as PyTorch does
        return self.layers[i]

    def __setitem__(self, i: int, module: Module) -> None:
        if not isinstance(module, Module):
            raise TypeError(f"Sequential takes Modules, got {type(module).__name__}")
        self.layers[i] = module

    def __repr__(self) -> str:
        inner = ",\n".join(f"  ({i}): {m!r}" for i, m in enumerate(self.layers))
        return f"{type(self).__name__}(\n{inner}\n)"


class MLP(Sequential):
    """A multi-layer perceptron: ``Layer``s of sizes ``nouts`` on ``nin`` inputs.

    Hidden layers use ``activation``; the last layer is linear. With a seed,
    the weights are reproducible; ``MLP(nin, nouts, seed=s)`` draws the very
    same weights as micrograd's ``MLP(nin, nouts)`` after ``random.seed(s)``.
    ``model(x)`` returns a list of Values, or one Value when the last layer
    has one unit.

    >>> model = MLP(2, [16, 16, 1], seed=1337)
    >>> len(model.parameters()), model.layers[0].activation, model.layers[-1].activation
    (337, 'relu', 'linear')
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        *,
        activation: str | None = "relu",
        init: str = "uniform",
        seed: Seed = None,
    ) -> None:
        if isinstance(nouts, int) or not isinstance(nouts, Sequence) or not nouts:
            raise TypeError(f"nouts must be a non-empty list of layer sizes, got {nouts!r}")
        rng = make_rng(seed)
        sizes = [_count(nin, "nin"), *(_count(n, f"nouts[{i}]") for i, n in enumerate(nouts))]
        last = len(nouts) - 1
        super().__init__(
            *(
                Layer(
                    sizes[i],
                    sizes[i + 1],
                    activation=None if i == last else activation,
                    init=init,
                    seed=rng,
                )
                for i in range(len(nouts))
            )
        )
        self.activation = _activation_name(activation)
        self._init = resolve(init)

    def __repr__(self) -> str:
        if all(isinstance(m, Layer) for m in self.layers):
            sizes = [m.nout for m in self.layers]  # type: ignore[attr-defined]
            nin = self.layers[0].nin  # type: ignore[attr-defined]
            return f"MLP({nin}, {sizes}, activation={self.activation!r}, init={self._init!r})"
        return super().__repr__()


# -- element-wise modules -----------------------------------------------------------


class _Elementwise(Module):
    """Applies one activation to every Value of its input."""

    name: ClassVar[str] = "linear"

    def forward(self, x: Signal) -> Signal:
        return _map(ACTIVATIONS[self.name], x)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class ReLU(_Elementwise):
    """max(x, 0) on every input.

    >>> [v.data for v in ReLU()([-1.0, 2.0])]
    [0.0, 2.0]
    """

    name = "relu"


class Tanh(_Elementwise):
    """tanh on every input.

    >>> Tanh()([0.0]).data
    0.0
    """

    name = "tanh"


class Sigmoid(_Elementwise):
    """1 / (1 + e^-x) on every input.

    >>> Sigmoid()([0.0]).data
    0.5
    """

    name = "sigmoid"


class LeakyReLU(Module):
    """x if x > 0 else negative_slope * x, on every input.

    >>> LeakyReLU(0.1)([-2.0]).data
    -0.2
    """

    def __init__(self, negative_slope: float = 0.01) -> None:
        self.negative_slope = _real(negative_slope, "LeakyReLU negative_slope")

    def forward(self, x: Signal) -> Signal:
        return _map(lambda v: v.leaky_relu(self.negative_slope), x)

    def __repr__(self) -> str:
        return f"LeakyReLU(negative_slope={self.negative_slope})"


class Flatten(Module):
    """Nested lists (e.g. a convolution's channels x positions) to one flat list.

    >>> [v.data for v in Flatten()([[1.0, 2.0], [3.0, 4.0]])]
    [1.0, 2.0, 3.0, 4.0]
    """

    def forward(self, x: Signal) -> list[Value]:
        flat: list[Value] = []

        def walk(s: Signal) -> None:
            if isinstance(s, (list, tuple)):
                for item in s:
                    walk(item)
            else:
                flat.append(_as_value(s, "input"))

        walk(x)
        return flat


class Dropout(Module):
    """Zero each input with probability ``p`` in training mode, scaling the rest by 1/(1-p).

    In evaluation mode (``model.eval()``) it passes inputs through. Seeded:
    the same seed drops the same units.

    >>> d = Dropout(0.5, seed=0)
    >>> sorted({v.data for v in d([1.0] * 20)})
    [0.0, 2.0]
    >>> [v.data for v in d.eval()([1.0, 1.0])]
    [1.0, 1.0]
    """

    def __init__(self, p: float = 0.5, *, seed: Seed = None) -> None:
        self.p: float = _real(p, "dropout probability p")
        if not 0.0 <= self.p <= 1.0:
            raise ValueError(f"dropout probability p must be between 0 and 1, got {p!r}")
        self._rng: random.Random = make_rng(seed)

    def _drop(self, v: Value) -> Value:
        if self._rng.random() < self.p:
            return Value(0.0, requires_grad=False)
        return v * (1.0 / (1.0 - self.p))  # kept units are scaled so the mean is unchanged

    def forward(self, x: Signal) -> Signal:
        if not self.training or self.p == 0.0:
            return _map(lambda v: v, x)
        if is_tracing():
            raise TraceError(
                f"{self!r} in training mode draws a new mask every step, which a compiled "
                "step would freeze into one mask; train it without compile, or call .eval() "
                "on it (dropout off) before compiling"
            )
        return _map(self._drop, x)

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"


class BatchNorm1d(Module):
    """Batch normalisation over a mini-batch of vectors (PyTorch's ``BatchNorm1d``).

    In training mode each feature is normalised with the mean and (biased)
    variance of the batch, ``y = weight * (x - mean) / sqrt(var + eps) + bias``,
    and running statistics are updated with ``momentum``; it needs the
    whole batch, so call ``model.call_batch(xs)`` (``fit`` does). In
    evaluation mode the running statistics are used and ``model(x)`` works
    on one example.

    >>> bn = BatchNorm1d(1)
    >>> [round(y.data, 3) for y in bn.call_batch([[1.0], [3.0]])]
    [-1.0, 1.0]
    """

    _buffer_names = ("running_mean", "running_var")

    def __init__(
        self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = True
    ) -> None:
        _count(num_features, "num_features")
        if momentum is None:  # PyTorch's cumulative average: not supported here
            raise TypeError("momentum must be a number between 0 and 1 (None is not supported)")
        self.num_features = num_features
        self.eps = _real(eps, "eps")
        self.momentum = _real(momentum, "momentum")
        if not self.eps > 0.0:
            raise ValueError(f"eps must be positive, got {eps!r}")
        if not 0.0 <= self.momentum <= 1.0:
            raise ValueError(f"momentum must be between 0 and 1, got {momentum!r}")
        self.weight: list[Value] | None = (
            [Parameter(1.0) for _ in range(num_features)] if affine else None
        )
        self.bias: list[Value] | None = (
            [Parameter(0.0) for _ in range(num_features)] if affine else None
        )
        self.running_mean = [0.0] * num_features
        self.running_var = [1.0] * num_features

    def _vectors(self, xs: Sequence[Signal]) -> list[list[Value]]:
        rows = [_as_vector(x, f"batch[{i}]") for i, x in enumerate(xs)]
        for i, row in enumerate(rows):
            if len(row) != self.num_features:
                raise ValueError(
                    f"{self!r} expects {self.num_features} features, batch[{i}] has {len(row)}"
                )
        return rows

    def _scale_shift(self, j: int, xhat: Value) -> Value:
        if self.weight is None or self.bias is None:
            return xhat
        return self.weight[j] * xhat + self.bias[j]

    def forward_batch(self, xs: Sequence[Signal]) -> list[Signal]:
        if not self.training:
            return [self.forward(x) for x in xs]
        rows = self._vectors(xs)
        n = len(rows)
        if n < 2:
            raise ValueError(
                f"{self!r} needs at least 2 examples per batch in training mode, got {n}"
            )
        out: list[list[Value]] = [[] for _ in rows]
        m = self.momentum
        for j in range(self.num_features):
            col = [row[j] for row in rows]
            mean = F.sum(col) / n  # mu = sum x / n
            centred = [x - mean for x in col]
            var = F.dot(centred, centred) / n  # sigma^2 = sum (x - mu)^2 / n
            inv_std = (var + self.eps) ** -0.5
            for i, c in enumerate(centred):
                out[i].append(self._scale_shift(j, c * inv_std))
            # running statistics use the unbiased variance, as PyTorch does
            self.running_mean[j] = (1 - m) * self.running_mean[j] + m * mean.data
            self.running_var[j] = (1 - m) * self.running_var[j] + m * var.data * n / (n - 1)
        return out

    def forward(self, x: Signal) -> list[Value]:
        if self.training and is_tracing():
            raise TraceError(
                f"{self!r} in training mode normalises with each batch's statistics, which a "
                "per-sample compiled step cannot see; train it without compile, or call "
                ".eval() on it (running statistics) before compiling"
            )
        if self.training:
            raise ValueError(
                f"{self!r} in training mode needs a mini-batch: call model.call_batch(xs), "
                "or model.eval() to use the running statistics"
            )
        (row,) = self._vectors([x])
        return [
            self._scale_shift(
                j, (v - self.running_mean[j]) * (self.running_var[j] + self.eps) ** -0.5
            )
            for j, v in enumerate(row)
        ]

    def __repr__(self) -> str:
        return f"BatchNorm1d({self.num_features}, eps={self.eps}, momentum={self.momentum})"


# -- convolutions --------------------------------------------------------------------


def _tuple(x: int | Sequence[int], d: int, what: str, minimum: int) -> tuple[int, ...]:
    items = (x,) * d if isinstance(x, int) else tuple(x)
    if len(items) != d or not all(isinstance(v, int) and not isinstance(v, bool) for v in items):
        raise TypeError(f"{what} must be an int or {d} ints, got {x!r}")
    if min(items) < minimum:
        raise ValueError(f"{what} must be at least {minimum}, got {x!r}")
    return items


def _nest(flat: list[Any], shape: Sequence[int]) -> list[Any]:
    """A flat row-major list as nested lists of ``shape``."""
    if len(shape) == 1:
        return flat
    step = len(flat) // shape[0]
    return [_nest(flat[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])]


def _pad(x: Signal, pads: Sequence[int], zero: Value) -> Signal:
    """A nested list with ``pads[i]`` zeros on both sides along dimension ``i``."""
    if not pads:
        return _as_value(x, "input")
    inner = [_pad(item, pads[1:], zero) for item in x]
    blank = _map(lambda _: zero, inner[0])
    return [blank] * pads[0] + inner + [blank] * pads[0]


def _shape(x: Signal, d: int, what: str) -> tuple[list[Any], tuple[int, ...]]:
    """Flatten a nested list of depth ``d``; return it and its shape (rows must be equal)."""
    if d == 0:
        return [x], ()
    if not isinstance(x, (list, tuple)) or not x:
        raise TypeError(
            f"{what} must be a non-empty nested list of depth {d}, got {type(x).__name__}"
        )
    parts = [_shape(item, d - 1, f"{what}[{i}]") for i, item in enumerate(x)]
    inner = parts[0][1]
    for i, (_, s) in enumerate(parts):
        if s != inner:
            raise ValueError(f"{what}[{i}] has shape {s}, expected {inner} like {what}[0]")
    return [v for flat, _ in parts for v in flat], (len(x), *inner)


class _ConvNd(Module):
    """Cross-correlation (what deep-learning libraries call convolution) in ``d`` dimensions.

    Input: ``in_channels`` nested lists of size ``L`` (1-D) or ``H x W``
    (2-D). Output: ``out_channels`` of the same nesting. Each output value is
    one ``dot`` node of the kernel with the window it covers, plus the bias.
    """

    _d: ClassVar[int] = 1

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: int | Sequence[int] = 0,
        bias: bool = True,
        *,
        init: str = "he_uniform",
        seed: Seed = None,
    ) -> None:
        d = self._d
        self.in_channels = _count(in_channels, "in_channels")
        self.out_channels = _count(out_channels, "out_channels")
        self.kernel_size = _tuple(kernel_size, d, "kernel_size", 1)
        self.stride = _tuple(stride, d, "stride", 1)
        self.padding = _tuple(padding, d, "padding", 0)
        k = math.prod(self.kernel_size)
        rng = make_rng(seed)
        # fans as in PyTorch: fan_in = in_channels * kernel area, fan_out = out_channels * area
        self.weight = [
            _nest(
                [
                    Parameter(w)
                    for w in sample_weights(
                        init,
                        in_channels * k,
                        fan_in=in_channels * k,
                        fan_out=out_channels * k,
                        rng=rng,
                    )
                ],
                (in_channels, *self.kernel_size),
            )
            for _ in range(out_channels)
        ]
        self.bias: list[Value] | None = (
            [Parameter(0.0) for _ in range(out_channels)] if bias else None
        )

    def forward(self, x: Signal) -> list[Any]:
        d = self._d
        if not isinstance(x, (list, tuple)) or len(x) != self.in_channels:
            got = len(x) if isinstance(x, (list, tuple)) else type(x).__name__
            raise ValueError(f"{self!r} expects {self.in_channels} input channels, got {got}")
        _, shape = _shape(list(x), d + 1, "input")  # checks that the input is rectangular
        zero = Value(0.0, requires_grad=False)
        padded = [_shape(_pad(ch, self.padding, zero), d, "input")[0] for ch in x]
        size = [n + 2 * p for n, p in zip(shape[1:], self.padding, strict=True)]
        out_size = [
            (n - k) // s + 1 for n, k, s in zip(size, self.kernel_size, self.stride, strict=True)
        ]
        if min(out_size) < 1:
            raise ValueError(f"{self!r}: an input of size {shape[1:]} is smaller than the kernel")
        # row-major positions: a window is the kernel's offsets added to its corner
        strides = [math.prod(size[i + 1 :]) for i in range(d)]
        offsets = [
            sum(o * s for o, s in zip(off, strides, strict=True))
            for off in product(*(range(k) for k in self.kernel_size))
        ]
        corners = [
            sum(p * st * s for p, st, s in zip(pos, self.stride, strides, strict=True))
            for pos in product(*(range(n) for n in out_size))
        ]
        out: list[Any] = []
        for o in range(self.out_channels):
            kernel, _ = _shape(self.weight[o], d + 1, "weight")
            values = []
            bias = self.bias[o] if self.bias is not None else None
            for corner in corners:
                window = [ch[corner + off] for ch in padded for off in offsets]
                values.append(F.dot(kernel, window, bias))  # b + sum of k * x, one node
            out.append(_nest(values, out_size))
        return out

    def __repr__(self) -> str:
        ks = self.kernel_size[0] if self._d == 1 else self.kernel_size
        return (
            f"{type(self).__name__}({self.in_channels}, {self.out_channels}, kernel_size={ks}, "
            f"stride={self.stride}, padding={self.padding})"
        )


class Conv1d(_ConvNd):
    """1-D convolution: input ``[channel][position]``, kernel ``weight[out][in][k]``.

    The default initialisation is not PyTorch's: kernels from ``"he_uniform"``,
    U(+-sqrt(6 / fan_in)) with fan_in = in_channels x kernel size, and biases
    at 0, where PyTorch draws both from U(+-1/sqrt(fan_in)). ``init=`` changes it.

    >>> conv = Conv1d(1, 1, 2, bias=False, seed=0)
    >>> conv.weight[0][0][0].data, conv.weight[0][0][1].data = 1.0, -1.0
    >>> [v.data for v in conv([[1.0, 4.0, 9.0]])[0]]    # differences of neighbours
    [-3.0, -5.0]
    """

    _d = 1


class Conv2d(_ConvNd):
    """2-D convolution: input ``[channel][row][column]``, kernel ``weight[out][in][kh][kw]``.

    The default initialisation is not PyTorch's: kernels from ``"he_uniform"``,
    U(+-sqrt(6 / fan_in)) with fan_in = in_channels x kh x kw, and biases
    at 0, where PyTorch draws both from U(+-1/sqrt(fan_in)). ``init=`` changes it.

    >>> conv = Conv2d(1, 2, 3, padding=1, seed=0)
    >>> out = conv([[[1.0] * 4 for _ in range(4)]])
    >>> len(out), len(out[0]), len(out[0][0])            # channels, rows, columns
    (2, 4, 4)
    """

    _d = 2
