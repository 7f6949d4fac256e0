"""The playground's Python side: everything the page shows is computed here.

The playground page (``playground/``, built by ``tools/build_playground.py``)
runs this module in the browser with Pyodide. JavaScript only forwards what
the learner types and draws what comes back: the value and gradients, the
DOT text of each frame of the backward pass and its caption (the very frames
of ``animate_backward``), the graph of a gradient (``create_graph=True``),
the training state (loss curve, decision boundary and network view), the
state as a URL fragment, and "copy as Python".

Every call takes and returns plain JSON-able dicts. Everything read from the
page or from a URL is untrusted: ``State.from_dict`` and ``State.from_query``
check and bound each field, and raise ``ValueError`` naming the field.

>>> pg = Playground()
>>> shown = pg.update({"expr": "x*x + x", "values": {"x": 2.0}})
>>> shown["value"], shown["grads"]["x"]["text"]    # d(x*x + x)/dx = 2x + 1
('6.0000', '5.0000')
>>> pg.frame("main", 0)["caption"].startswith("Forward pass done")
True
"""

from __future__ import annotations

import html
import math
import reprlib
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from autograd_lite import Value, losses
from autograd_lite.compile import CompiledStep, compile
from autograd_lite.engine import grad
from autograd_lite.ops import Primitive
from visualize.animate import BackwardFrames
from visualize.expr import FUNCTIONS, MAX_LENGTH, ExpressionError, evaluate, variable_names
from visualize.graph import Analysis, GraphTooLargeError
from visualize.model import draw_model
from visualize.style import fmt, printable

__all__ = [
    "ACTIVATIONS",
    "DEFAULT_STATE",
    "MAX_VIEW_VALUES",
    "Playground",
    "State",
    "Trainer",
    "python_script",
]

#: The most variables an expression may have (each gets a field and a slider).
MAX_VARIABLES = 12
#: Variables whose values the page remembers after they leave the expression.
MAX_REMEMBERED = 100
#: The largest |value| a variable may take from the page or a URL.
MAX_ABS_VALUE = 1e6
#: Graphs with more values than this show their value and gradients but no diagram:
#: every frame is a layout in the browser, and beyond this one takes seconds.
MAX_VIEW_VALUES = 150
#: The longest URL fragment read (a teacher's link, not a file).
MAX_QUERY = 6_000
#: The longest expression a URL or the page may give (the parser's own limit is larger).
MAX_EXPR = min(MAX_LENGTH, 2_000)
#: The data sets the Train tab offers: the names of ``autograd_lite.demo.DATASETS``, written
#: out so that the first view need not import the demo and the training modules behind it
#: (a test checks that the two agree).
DATA_SETS = ("moons", "circles", "xor", "blobs", "spirals")
#: Activations of the hidden layers that the page offers.
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu")
#: Hidden layers: at most this many, each of 1 to MAX_WIDTH neurons.
MAX_LAYERS = 3
MAX_WIDTH = 32
#: Learning rates the page accepts.
LR_RANGE = (1e-4, 10.0)
#: Points in the training set, and the decision-boundary grid's cells per side.
N_POINTS = 100
GRID = 24
#: Steps one ``Trainer.step`` call may run, and steps one training run may last.
MAX_STEPS_PER_CALL = 200
MAX_STEPS = 100_000
#: The most seconds one ``Trainer.step`` call spends training before it returns.
STEP_BUDGET_S = 0.5
TABS = ("graph", "second", "train")


def _finite(value: object, what: str, *, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{what} must be a number, got {type(value).__name__}")
    try:
        x = float(value)
    except (ValueError, OverflowError):
        raise ValueError(f"{what} must be a number, got {reprlib.repr(value)}") from None
    if not math.isfinite(x) or not low <= x <= high:
        raise ValueError(f"{what} must be a finite number from {low:g} to {high:g}, got {x!r}")
    return x


def _name(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.isidentifier() or len(value) > 40:
        raise ValueError(f"{what} must be a variable name, got {reprlib.repr(value)}")
    if value in FUNCTIONS:
        raise ValueError(f"{what} {value!r} is the name of a function")
    return value


@dataclass(frozen=True)
class State:
    """Everything the page shows, as the learner set it; the URL holds exactly this."""

    expr: str = "tanh(x*w + b)"
    values: dict[str, float] = field(default_factory=lambda: {"x": 2.0, "w": -3.0, "b": 6.8814})
    params: tuple[str, ...] = ("w", "b")
    wrt: str = "x"
    tab: str = "graph"
    data: str = "moons"
    hidden: tuple[int, ...] = (16, 16)
    activation: str = "relu"
    lr: float = 0.5

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> State:
        """A checked ``State`` from the page's dict; a missing field keeps its default."""
        if not isinstance(raw, Mapping):
            raise ValueError(f"the state must be a dict, got {type(raw).__name__}")
        unknown = set(raw) - {f for f in cls.__dataclass_fields__}
        if unknown:
            raise ValueError(f"unknown field {reprlib.repr(sorted(unknown)[0])} in the state")
        base = cls()
        expr = raw.get("expr", base.expr)
        if not isinstance(expr, str):
            raise ValueError(f"the expression must be text, got {type(expr).__name__}")
        if len(expr) > MAX_EXPR:
            raise ValueError(
                f"the expression is {len(expr):,} characters; the limit is {MAX_EXPR:,}"
            )
        values_raw = raw.get("values", base.values)
        if not isinstance(values_raw, Mapping):
            raise ValueError("values must map variable names to numbers")
        if len(values_raw) > MAX_VARIABLES:
            raise ValueError(f"{len(values_raw)} variables; the limit is {MAX_VARIABLES}")
        values = {
            _name(k, "a variable"): _finite(
                v, f"the value of {k}", low=-MAX_ABS_VALUE, high=MAX_ABS_VALUE
            )
            for k, v in values_raw.items()
        }
        params_raw = raw.get("params", base.params)
        if isinstance(params_raw, str) or not isinstance(params_raw, Sequence):
            raise ValueError("params must be a list of variable names")
        if len(params_raw) > MAX_VARIABLES:
            raise ValueError(f"{len(params_raw)} parameters; the limit is {MAX_VARIABLES}")
        params = tuple(dict.fromkeys(_name(p, "a parameter") for p in params_raw))
        wrt = raw.get("wrt", base.wrt)
        if wrt != "":
            wrt = _name(wrt, "the variable to differentiate by")
        tab = _choice(raw.get("tab", base.tab), TABS, "tab")
        data = _choice(raw.get("data", base.data), DATA_SETS, "the data set")
        hidden = _hidden(raw.get("hidden", base.hidden))
        activation = _choice(raw.get("activation", base.activation), ACTIVATIONS, "activation")
        lr = _finite(raw.get("lr", base.lr), "the learning rate", low=LR_RANGE[0], high=LR_RANGE[1])
        return cls(expr, values, params, wrt, tab, data, hidden, activation, lr)

    def to_dict(self) -> dict[str, Any]:
        """The state as JSON-able data (``from_dict`` reads it back)."""
        return {
            "expr": self.expr,
            "values": dict(self.values),
            "params": list(self.params),
            "wrt": self.wrt,
            "tab": self.tab,
            "data": self.data,
            "hidden": list(self.hidden),
            "activation": self.activation,
            "lr": self.lr,
        }

    def to_query(self) -> str:
        """The state as a URL fragment (without ``#``): what "share" puts in the link."""
        pairs = [
            ("expr", self.expr),
            ("values", ";".join(f"{k}={v!r}" for k, v in self.values.items())),
            ("params", ",".join(self.params)),
            ("wrt", self.wrt),
            ("tab", self.tab),
            ("data", self.data),
            ("hidden", ",".join(str(n) for n in self.hidden)),
            ("act", self.activation),
            ("lr", repr(self.lr)),
        ]
        return urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote)

    @classmethod
    def from_query(cls, text: str) -> State:
        """The state a URL fragment describes, checked like ``from_dict`` (``ValueError``)."""
        if not isinstance(text, str):
            raise ValueError(f"the link must be text, got {type(text).__name__}")
        text = text.removeprefix("#")
        if len(text) > MAX_QUERY:
            raise ValueError(
                f"the link's state is {len(text):,} characters; the limit is {MAX_QUERY:,}"
            )
        keys = {"expr", "values", "params", "wrt", "tab", "data", "hidden", "act", "lr"}
        try:
            pairs = urllib.parse.parse_qsl(
                text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=len(keys)
            )
        except ValueError as error:
            raise ValueError(f"the link's state cannot be read: {error}") from None
        got: dict[str, str] = {}
        for key, value in pairs:
            if key not in keys:
                raise ValueError(f"unknown field {reprlib.repr(key)} in the link")
            if key in got:
                raise ValueError(f"the field {key} appears twice in the link")
            got[key] = value
        raw: dict[str, Any] = {}
        if "expr" in got:
            raw["expr"] = got["expr"]
        if "values" in got:
            raw["values"] = _pairs(got["values"])
        if "params" in got:
            raw["params"] = [p for p in got["params"].split(",") if p]
        for key, name in (("wrt", "wrt"), ("tab", "tab"), ("data", "data"), ("act", "activation")):
            if key in got:
                raw[name] = got[key]
        if "hidden" in got:
            raw["hidden"] = [
                _int(n, "a hidden layer's size") for n in got["hidden"].split(",") if n
            ]
        if "lr" in got:
            raw["lr"] = got["lr"]
        return cls.from_dict(raw)


DEFAULT_STATE = State()


def _choice(value: object, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise ValueError(f"{what} must be one of {', '.join(allowed)}, got {reprlib.repr(value)}")
    assert isinstance(value, str)  # it is one of allowed
    return value


def _int(text: str, what: str) -> int:
    if not text.isdigit() or len(text) > 4:
        raise ValueError(f"{what} must be a whole number, got {reprlib.repr(text)}")
    return int(text)


def _hidden(value: object) -> tuple[int, ...]:
    if isinstance(value, str):  # as typed in the page: "16, 16"
        if len(value) > 40:
            raise ValueError("hidden must be a few layer sizes, such as 16, 16")
        value = [_int(n.strip(), "a hidden layer's size") for n in value.split(",") if n.strip()]
    if isinstance(value, bytes) or not isinstance(value, Sequence):
        raise ValueError("hidden must be a list of layer sizes")
    if not 1 <= len(value) <= MAX_LAYERS:
        raise ValueError(f"hidden must have 1 to {MAX_LAYERS} layers, got {len(value)}")
    sizes = []
    for n in value:
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_WIDTH:
            raise ValueError(f"a hidden layer has 1 to {MAX_WIDTH} neurons, got {reprlib.repr(n)}")
        sizes.append(n)
    return tuple(sizes)


def _pairs(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in text.split(";"):
        if not part:
            continue
        name, eq, number = part.partition("=")
        if not eq:
            raise ValueError(
                f"a variable in the link must read NAME=NUMBER, got {reprlib.repr(part)}"
            )
        if name in out:
            raise ValueError(f"the variable {reprlib.repr(name)} appears twice in the link")
        if len(out) >= MAX_VARIABLES:
            raise ValueError(f"more than {MAX_VARIABLES} variables in the link")
        out[name] = number
    return out


# -- the expression ----------------------------------------------------------------


def _number(x: float) -> dict[str, Any]:
    """A number as the page shows it (4 decimals) and exactly (for tests and tooltips)."""
    return {"text": fmt(x), "exact": repr(float(x))}


def _slider(x: float) -> list[float]:
    """A slider range around ``x``: [-5, 5] for everyday values, wider for larger ones."""
    span = max(5.0, 2.0 * abs(x))
    return [-span, span, span / 500.0]


@dataclass
class _Graph:
    """One diagram's frames (left to right, and top to bottom when asked), or why not drawn."""

    frames: BackwardFrames | None
    why_not: str = ""
    top_down: BackwardFrames | None = None

    def count(self) -> int:
        return len(self.frames) if self.frames is not None else 0

    def frame(self, k: int, rankdir: str) -> dict[str, Any]:
        if self.frames is None:
            return {"index": 0, "count": 0, "caption": self.why_not, "node": "", "dot": ""}
        frames = self.frames
        if rankdir == "TB":
            if self.top_down is None:
                self.top_down = BackwardFrames(self.frames.analysis, rankdir="TB")
            frames = self.top_down
        k = max(0, min(len(frames) - 1, k))
        drawn = frames[k]
        return {
            "index": k,
            "count": len(self.frames),
            "caption": printable(drawn.caption),
            "node": drawn.node,
            "dot": drawn.dot.source,
        }


def _graph_of(root: Value, params: Sequence[Value]) -> _Graph:
    a = Analysis(root, params=params)
    if len(a.order) > MAX_VIEW_VALUES:
        return _Graph(
            None,
            f"This graph has {len(a.order):,} values; the playground draws graphs of up to "
            f"{MAX_VIEW_VALUES} values. The value and gradients above are still exact.",
        )
    return _Graph(BackwardFrames(a))


#: What the gradient's graph calls the expression's output (the page calls it so too).
OUT = "out"


def _named_out(expr: str, out: Value, leaves: dict[str, Value]) -> tuple[Value, dict[str, Value]]:
    """The expression built again with its output labelled ``OUT`` (unless that is a variable).

    A copy, so that the main graph keeps its own names (there the output is
    named by what it computes).
    """
    if out.is_leaf or out.label or OUT in leaves:
        return out, leaves
    again, fresh = evaluate(expr, {n: v.data for n, v in leaves.items()})
    again.label = OUT
    return again, fresh


class Playground:
    """The page's session: the state, the graphs drawn from it, and the training run.

    ``update(state)`` recomputes after an edit; ``frame(which, k)`` draws one
    frame of the backward pass (``which``: ``"main"`` or ``"second"``);
    ``train(...)`` drives the training run.
    """

    def __init__(self) -> None:
        self.state = DEFAULT_STATE
        #: name -> (value, is a parameter) of every variable seen, so that a variable that
        #: leaves the expression while the learner types comes back as it was
        self.remembered: dict[str, tuple[float, bool]] = {
            n: (x, n in DEFAULT_STATE.params) for n, x in DEFAULT_STATE.values.items()
        }
        self.graphs: dict[str, _Graph] = {"main": _Graph(None), "second": _Graph(None)}
        self.trainer: Trainer | None = None
        #: the last good expression: its output, its leaves by name, the parameters among them
        self._built: tuple[State, Value, dict[str, Value], list[Value]] | None = None
        self._second_done = False
        self._second_shown: dict[str, Any] = {}

    def update(
        self, raw: Mapping[str, Any], second: bool = True, script: bool = True
    ) -> dict[str, Any]:
        """Recompute after an edit; an error comes back in ``error``, never raised.

        ``second`` and ``script``: also the gradient's graph and "copy as Python"
        (the page asks for them only while they are on screen; ``second_view()``
        and ``script()`` give them later).
        """
        try:
            state = State.from_dict(raw)
        except ValueError as error:
            return {"error": str(error), "state": self.state.to_dict()}
        try:
            names = variable_names(state.expr)  # the state's check bounded its length
        except ExpressionError:
            names = [n for n in state.values if n in self.state.values] or list(state.values)
        if len(names) > MAX_VARIABLES:
            return {"error": f"{len(names)} variables; the limit is {MAX_VARIABLES}"}
        remembered = self.remembered
        values = {n: state.values.get(n, remembered.get(n, (1.0, False))[0]) for n in names}
        params = tuple(
            n
            for n in names
            if n in state.params or (n not in state.values and remembered.get(n, (0, False))[1])
        )
        for n, x in values.items():  # newest last; the oldest forgotten beyond the limit
            remembered.pop(n, None)
            remembered[n] = (x, n in params)
        while len(remembered) > MAX_REMEMBERED:
            del remembered[next(iter(remembered))]
        wrt = state.wrt if state.wrt in values else (names[0] if names else "")
        state = replace(state, values=values, params=params, wrt=wrt)
        self.state = state
        shown: dict[str, Any] = {
            "state": state.to_dict(),
            "variables": [
                {"name": n, "value": _number(x), "param": n in params, "slider": _slider(x)}
                for n, x in values.items()
            ],
            "url": "#" + state.to_query(),
            "error": "",
        }
        try:
            out, leaves = evaluate(state.expr, values)
            if not math.isfinite(out.data):
                raise ExpressionError(f"the value is {out.data}: not a finite number")
            gs = grad(out, list(leaves.values()))
        except (ExpressionError, ArithmeticError, ValueError) as error:
            shown["error"] = str(error) or type(error).__name__
            return shown
        marked = [leaves[p] for p in params]
        self.graphs["main"] = _graph_of(out, marked)
        shown["value"] = _number(out.data)["text"]
        shown["value_exact"] = repr(out.data)
        shown["grads"] = {n: _number(g) for n, g in zip(leaves, gs, strict=True)}
        shown["frames"] = self.graphs["main"].count()
        self._built = (state, out, leaves, marked)
        self._second_done = False
        if second:
            shown["second"] = self.second_view()
        if script:
            shown["python"] = self.script()
        return shown

    def second_view(self) -> dict[str, Any]:
        """The graph of ∂out/∂wrt for the last good state, and its gradients."""
        if self._built is None:
            return {"wrt": "", "value": "", "grads": {}, "frames": 0}
        state, out, leaves, _ = self._built
        if not self._second_done:
            self._second_shown = self._second(state, out, leaves)
            self._second_done = True
        return self._second_shown

    def script(self) -> str:
        """The "copy as Python" script of the last good state."""
        if self._built is None:
            return ""
        state, out, leaves, _ = self._built
        return python_script(state, out, leaves)

    def _second(self, state: State, out: Value, leaves: dict[str, Value]) -> dict[str, Any]:
        """The graph of ∂out/∂wrt (``create_graph=True``) and its own gradients."""
        wrt = state.wrt
        if not wrt:
            self.graphs["second"] = _Graph(None, "The expression has no variable.")
            return {"wrt": "", "value": "", "grads": {}, "frames": 0}
        # The gradient's graph is drawn from a copy of the expression whose output is named
        # "out", as on the page: its nodes then read 1 - out*out, not v8 (the long
        # tanh(x*w + b)*tanh(x*w + b) that a name of 18 characters cannot hold).
        out, leaves = _named_out(state.expr, out, leaves)
        marked = [leaves[n] for n in state.params]
        (g,) = grad(out, [leaves[wrt]], create_graph=True)
        if not isinstance(g, Value) or not g.requires_grad:
            data = g.data if isinstance(g, Value) else float(g)
            self.graphs["second"] = _Graph(
                None,
                f"∂out/∂{wrt} = {fmt(data)} does not depend on any variable: "
                "its graph has nothing to differentiate.",
            )
            return {
                "wrt": wrt,
                "value": _number(data),
                "grads": {n: _number(0.0) for n in leaves},
                "frames": 0,
            }
        if g is not out and not g.label:
            g.label = f"∂{OUT}/∂{wrt}"  # the output of the gradient's graph
        seconds = grad(g, list(leaves.values()))
        self.graphs["second"] = _graph_of(g, marked)
        return {
            "wrt": wrt,
            "value": _number(g.data),
            "grads": {n: _number(s) for n, s in zip(leaves, seconds, strict=True)},
            "frames": self.graphs["second"].count(),
        }

    def frame(self, which: str, k: int, rankdir: str = "LR") -> dict[str, Any]:
        """Frame ``k`` of the main graph or the gradient's graph: caption, current node, DOT.

        ``rankdir``: ``"LR"`` (inputs on the left, the output on the right) or ``"TB"``
        (inputs at the top, the output at the bottom: for narrow screens and wide graphs).
        """
        graph = self.graphs[_choice(which, ("main", "second"), "which")]
        if isinstance(k, bool) or not isinstance(k, int):
            raise ValueError(f"the frame must be a whole number, got {reprlib.repr(k)}")
        return graph.frame(k, _choice(rankdir, ("LR", "TB"), "rankdir"))

    def train(self, action: str, steps: int = 1, views: bool = True) -> dict[str, Any]:
        """``"reset"`` a run from the state's settings, or ``"step"`` it ``steps`` times.

        ``views=False`` leaves out the decision boundary and the network view (the
        page redraws them about once a second while training plays).
        """
        _choice(action, ("reset", "step", "show"), "action")
        if action == "reset" or self.trainer is None:
            self.trainer = Trainer(self.state)
        error = ""
        if action == "step":
            steps = _steps(steps)
            try:
                self.trainer.step(steps)
            except (ArithmeticError, ValueError) as stopped:  # diverged: the engine says where
                why = str(stopped)
                error = f"training stopped: {why if len(why) <= 300 else why[:299] + '…'}"
        return self.trainer.shown(views=bool(views)) | {"error": error}

    def choices(self) -> dict[str, Any]:
        """What the page's menus offer, and the versions it reports."""
        import sys

        import autograd_lite

        return {
            "data": list(DATA_SETS),
            "activation": list(ACTIVATIONS),
            "python": sys.version.split()[0],
            "version": autograd_lite.__version__,
        }

    def query(self, text: str) -> dict[str, Any]:
        """The state a URL fragment holds, or the default state and the reason it was refused."""
        try:
            return {"state": State.from_query(text).to_dict(), "error": ""}
        except ValueError as error:
            return {"state": DEFAULT_STATE.to_dict(), "error": f"the link was not used: {error}"}


# -- copy as Python -------------------------------------------------------------------


def _comment(text: str) -> str:
    """User text as a comment: one line, control characters escaped."""
    return "# " + printable(text)


_INFIX = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}


def _line(op: Primitive, out: str, args: list[str]) -> str:
    if op.name in _INFIX:
        return f"{out} = {args[0]} {_INFIX[op.name]} {args[1]}"
    if op.name == "neg":
        return f"{out} = -{args[0]}"
    return f"{out} = F.{op.name}({', '.join(args)})"


def python_script(state: State, out: Value, leaves: Mapping[str, Value]) -> str:
    """A script that builds the same graph with the engine and prints what the page shows.

    Every identifier is made here (``x0``, ``v3``); the learner's expression and
    names appear only in comments.
    """
    from autograd_lite import topological_order

    order = topological_order(out)
    names: dict[Value, str] = {}
    lines = [
        "# autograd_lite playground, as a script",
        _comment(f"expression: {state.expr}"),
        "from autograd_lite import Value, grad",
        "from autograd_lite import functional as F",
        "",
    ]
    by_leaf = {v: n for n, v in leaves.items()}
    for k, (label, leaf) in enumerate(leaves.items()):
        names[leaf] = f"x{k}"
        kind = "parameter" if label in state.params else "variable"
        lines.append(f"x{k} = Value({leaf.data!r})  {_comment(f'{kind} {label}')}")
    for i, v in enumerate(order):
        if v in names:
            continue
        name = f"v{i}"
        names[v] = name
        if v.op is None:
            lines.append(f"{name} = Value({v.data!r}, requires_grad=False)  # a constant")
        else:
            lines.append(_line(v.op, name, [names[p] for p in v.parents]))
    root = names[out]
    xs = ", ".join(names[v] for v in leaves.values())
    lines += ["", f"out = {root}", "out.backward()", "print(out.data)  # the value"]
    for v in leaves.values():
        lines.append(f"print({names[v]}.grad)  {_comment(f'∂out/∂{by_leaf[v]}')}")
    if state.wrt in leaves:
        w = names[leaves[state.wrt]]
        lines += [
            "",
            _comment(f"differentiate again: the graph of ∂out/∂{state.wrt}, then its gradients"),
            f"(d,) = grad(out, [{w}], create_graph=True)",
            f"print(grad(d, [{xs}]))",
        ]
    lines += ["", *_train_script(state)]
    return "\n".join(lines) + "\n"


def _train_script(state: State) -> list[str]:
    from autograd_lite.demo import dataset_classes

    k = dataset_classes(state.data)
    outputs = 1 if k == 2 else k
    loss = "hinge_loss" if k == 2 else "cross_entropy"
    return [
        "# train: the playground's network on its data set (compiled, python backend)",
        "from autograd_lite import compile, losses, nn, optim",
        "from autograd_lite.demo import DATASETS",
        "",
        f"make, extra, noise = DATASETS[{state.data!r}]",
        f"X, y = make({N_POINTS}, noise=noise, seed=0, **extra)",
        f"model = nn.MLP(2, {[*state.hidden, outputs]}, activation={state.activation!r}, seed=0)",
        f"opt = optim.SGD(model.parameters(), lr={state.lr!r})",
        f"step = compile(lambda x, t: losses.{loss}(model(x), t), model.parameters(),",
        "               example=(X[0], y[0]))",
        "for epoch in range(100):",
        "    opt.zero_grad()",
        "    loss = step(X, y)",
        "    opt.step()",
        "print(loss)",
    ]


# -- training ------------------------------------------------------------------------


def _steps(n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_STEPS_PER_CALL:
        raise ValueError(f"steps must be a whole number from 1 to {MAX_STEPS_PER_CALL}")
    return n


class Trainer:
    """One compiled (python backend) training run on a 2-D data set, a step at a time."""

    def __init__(self, state: State, *, seed: int = 0) -> None:
        # Imported here, when the Train tab is first used: the first view does without them.
        from autograd_lite import nn, optim
        from autograd_lite.demo import DATASETS, dataset_classes

        make, extra, noise = DATASETS[state.data]
        self.X, self.y = make(N_POINTS, noise=noise, seed=seed, **extra)
        self.classes = dataset_classes(state.data)
        outputs = 1 if self.classes == 2 else self.classes
        self.loss_fn: Callable[..., Value] = (
            losses.hinge_loss if self.classes == 2 else losses.cross_entropy
        )
        self.model = nn.MLP(2, [*state.hidden, outputs], activation=state.activation, seed=seed)
        self.params = self.model.parameters()
        self.opt = optim.SGD(self.params, lr=state.lr)
        model, loss_fn = self.model, self.loss_fn
        # A recorded target cannot pick a logit by index: several classes go in one-hot.
        self.targets: list[Any] = (
            list(self.y)
            if self.classes == 2
            else [[float(j == t) for j in range(self.classes)] for t in self.y]
        )
        self.compiled: CompiledStep = compile(
            lambda x, t: (loss_fn(model(x), t), model(x)),
            self.params,
            example=(self.X[0], self.targets[0]),
        )
        # The first call is checked against the eager engine on its whole batch: make it a
        # small one, not the decision-boundary grid.
        self.compiled(self.X[:4], self.targets[:4])
        self.opt.zero_grad()
        self.losses: list[float] = []
        self.accuracy = 0.0
        self.seconds = 0.0
        self.grads = [0.0] * len(self.params)
        self.outputs: list[Any] = []
        self.state = state
        xs = [p[0] for p in self.X]
        ys = [p[1] for p in self.X]
        pad_x, pad_y = 0.1 * (max(xs) - min(xs)), 0.1 * (max(ys) - min(ys))
        self.box = (min(xs) - pad_x, max(xs) + pad_x, min(ys) - pad_y, max(ys) + pad_y)

    def step(self, n: int) -> None:
        """Up to ``n`` full-batch gradient steps (fewer if ``STEP_BUDGET_S`` runs out)."""
        n = _steps(n)
        started = time.perf_counter()
        for _ in range(n):
            if len(self.losses) >= MAX_STEPS:
                break
            self.opt.zero_grad()
            loss = self.compiled(self.X, self.targets)
            if not math.isfinite(loss):
                raise FloatingPointError(f"the loss is {loss}: lower the learning rate")
            self.outputs = list(self.compiled.outputs)
            self.grads = [float(p.grad) for p in self.params]
            self.opt.step()
            self.losses.append(loss)
            if time.perf_counter() - started > STEP_BUDGET_S:
                break
        self.seconds += time.perf_counter() - started

    def _scores(self, points: list[list[float]]) -> list[tuple[float, ...]]:
        """The model's outputs at ``points`` (the compiled step, gradients put back after)."""
        saved = [p.grad for p in self.params]
        self.compiled(points, [self.targets[0]] * len(points))
        for p, g in zip(self.params, saved, strict=True):
            p.grad = g
        return [tuple(o) for o in self.compiled.outputs]

    def _class(self, score: tuple[float, ...]) -> int:
        if self.classes == 2:
            return int(score[0] > 0.0)
        return max(range(len(score)), key=score.__getitem__)

    def shown(self, *, views: bool = True) -> dict[str, Any]:
        """The figures and loss curve, and (``views``) the decision boundary and network view.

        The loss and accuracy are those of the last step: the mean loss and the
        share of points classified right by the network that step started from.
        """
        outputs = self.outputs or self._scores(self.X)
        predicted = [self._class(tuple(s)) for s in outputs]
        self.accuracy = sum(p == t for p, t in zip(predicted, self.y, strict=True)) / len(self.y)
        steps = len(self.losses)
        shown = {
            "step": steps,
            "loss": fmt(self.losses[-1]) if self.losses else "",
            "loss_exact": repr(self.losses[-1]) if self.losses else "",
            "accuracy": f"{self.accuracy:.0%}",
            "steps_per_s": f"{steps / self.seconds:.1f}" if self.seconds else "",
            "curve": self._curve_svg(),
            "caption": self._caption(),
        }
        if views:
            x0, x1, y0, y1 = self.box
            cells = [
                [x0 + (i + 0.5) * (x1 - x0) / GRID, y1 - (j + 0.5) * (y1 - y0) / GRID]
                for j in range(GRID)
                for i in range(GRID)
            ]
            try:
                grid: list[tuple[float, ...]] | None = self._scores(cells)
            except (ArithmeticError, ValueError):  # a diverged network: the points alone
                grid = None
            shown["boundary"] = self._boundary_svg(grid)
            for p, g in zip(self.params, self.grads, strict=True):
                p.grad = g  # the network view draws the last step's gradients
            try:
                shown["network"] = draw_model(self.model).source
                shown["network_note"] = ""
            except GraphTooLargeError as error:  # the layout would take the page's seconds
                shown["network"] = ""
                shown["network_note"] = f"The network view is not drawn: {error}"
        return shown

    def _caption(self) -> str:
        s = self.state
        return (
            f"MLP 2-{'-'.join(map(str, s.hidden))}-{1 if self.classes == 2 else self.classes}, "
            f"{s.activation}, SGD lr {s.lr:g}, {self.loss_fn.__name__} on {N_POINTS} {s.data} "
            "points; one step = one pass over all of them (compiled, python backend)"
        )

    def _boundary_svg(self, grid: list[tuple[float, ...]] | None) -> str:
        size = 300
        cell = size / GRID
        x0, x1, y0, y1 = self.box
        colours = ("#4575b4", "#d73027", "#1a9850")
        light = ("#c6dbef", "#fcbba1", "#c7e9c0")
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
            f'role="img" aria-label="decision boundary">'
        ]
        for k, score in enumerate(grid or []):
            i, j = k % GRID, k // GRID
            c = self._class(score)
            parts.append(
                f'<rect x="{i * cell:.2f}" y="{j * cell:.2f}" width="{cell + 0.3:.2f}" '
                f'height="{cell + 0.3:.2f}" fill="{light[c % 3]}"/>'
            )
        for (px, py), t in zip(self.X, self.y, strict=True):
            cx = (px - x0) / (x1 - x0) * size
            cy = (y1 - py) / (y1 - y0) * size
            parts.append(
                f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3.5" fill="{colours[t % 3]}" '
                'stroke="white" stroke-width="0.8"/>'
            )
        parts.append("</svg>")
        return "".join(parts)

    def _curve_svg(self) -> str:
        w, h, pad = 300, 150, 44
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" '
            f'aria-label="loss per step">',
            f'<line x1="{pad}" y1="{h - pad}" x2="{w - 4}" y2="{h - pad}" stroke="#888"/>',
            f'<line x1="{pad}" y1="4" x2="{pad}" y2="{h - pad}" stroke="#888"/>',
        ]
        finite = [x for x in self.losses if math.isfinite(x)]
        top = max(finite, default=1.0) or 1.0
        n = len(self.losses)
        if n >= 2:
            points = " ".join(
                f"{pad + k / (n - 1) * (w - pad - 6):.1f},"
                f"{h - pad - min(x, top) / top * (h - pad - 8):.1f}"
                for k, x in enumerate(self.losses)
                if math.isfinite(x)
            )
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="#d95f02" stroke-width="2"/>'
            )
        parts += [
            f'<text x="{pad - 3}" y="12" font-size="10" text-anchor="end">'
            f"{html.escape(fmt(top))}</text>",
            f'<text x="{pad - 3}" y="{h - pad}" font-size="10" text-anchor="end">0</text>',
            f'<text x="{w - 6}" y="{h - 10}" font-size="10" text-anchor="end">step {n}</text>',
            f'<text x="{pad + 4}" y="{h - 10}" font-size="10">loss per step</text>',
            "</svg>",
        ]
        return "".join(parts)
