"""How ``step.source`` names what it computes, and the one way user text reaches a comment.

Every identifier in generated source is made here, from the compiler's own
words and from the parameters' labels (a module labels its parameters from
``named_parameters()``: ``layers.0.neurons.3.w.1`` reads ``L0.n3.w1``):

* a parameter: its label as an identifier (``L0_n3_w1``), or ``p0``, ``p1``,
  ... where it has none; the sum of its gradient over the batch ``G_L0_n3_w1``
  (``G0`` for ``p0``);
* a node: what the diagrams call it, where that makes a short identifier:
  ``loss`` for the loss, ``L0_n3`` for the weighted sum of neuron ``L0.n3``,
  ``relu_L0_n3`` for a call of a library row on a named node; else ``v1``,
  ``v2``, ... in the order the source first uses them (no gaps); its gradient
  ``g_relu_L0_n3`` (``g2`` for ``v2``).

``identifier`` is the only route from a label to code: letters, digits and
``_`` only, never a keyword, a builtin or a name the compiler makes, and made
unique by a suffix (``w``, ``w_2``). ``comment_text`` is the only route from
user text to a comment: one line of printable ASCII, escaped and bounded.
"""

from __future__ import annotations

import builtins
import functools
import keyword
import re
from collections.abc import Sequence

from autograd_lite.compile.tape import Tape, _Layout
from autograd_lite.ops import PRIMITIVES, Primitive, dot_layout

__all__ = ["LONGEST_NAME", "Names", "comment_text", "identifier"]

#: The longest identifier made from a label; a longer label is cut.
LONGEST_NAME = 32
#: A node named after its row and its input (``relu_L0_n3``) at most this long, else ``v1``...
LONGEST_EXPRESSION_NAME = 24
#: User text in a comment (a label, a row's name): at most this many characters.
LONGEST_COMMENT = 60

#: The shapes of the names the backends make themselves: a prefix and a number.
MADE = re.compile(r"(?:v|g|p|x|y|t|f|d|G|GA|GS|GH|GR|H|R|S|M|W|B)\d+")
#: Words generated source uses itself, besides what the rows' templates name.
_OWN_WORDS = {"replay", "P", "X", "Y", "Pa", "G", "n", "x", "y", "losses", "check", "outs",
              "total", "grads", "fsum", "np", "np_sigmoid", "np_fsum", "np_total"}  # fmt: skip


def _template_words() -> set[str]:
    """Every word in the library rows' code templates (``np``, ``where``, ``sigmoid``, ...)."""
    words: set[str] = set()
    for row in PRIMITIVES.values():
        for text in (row.code, row.np_code, *(row.grad_code or ()), *(row.np_grad_code or ())):
            words.update(re.findall(r"[A-Za-z_]\w*", text or ""))
    return words


#: What no name made from a label may be: keywords, builtins, the compiler's own words.
RESERVED = frozenset(
    {*keyword.kwlist, *keyword.softkwlist, *dir(builtins), *_OWN_WORDS, *_template_words()}
)
_WORD = re.compile(r"[A-Za-z0-9]+")
_NUMBERED = re.compile(r"v\d+")
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)*")
_INFIX = {"+", "-", "*", "/", "**"}
_DOT = PRIMITIVES["dot"]


def identifier(text: str) -> str:
    """``text`` as the stem of an identifier: its ASCII letters and digits joined by ``_``,
    at most ``LONGEST_NAME`` characters; "" when it has none. (``Names`` then keeps it clear
    of reserved words and other names.)

    >>> identifier("L0.n3.w1"), identifier("x[0]"), identifier("0.weight"), identifier("θ")
    ('L0_n3_w1', 'x_0', 'p0_weight', '')
    """
    if len(text) <= LONGEST_NAME and _PLAIN.fullmatch(text):  # the usual label: L0.n3.w1
        return text.replace(".", "_")
    name = "_".join(_WORD.findall(text[: 4 * LONGEST_NAME]))[:LONGEST_NAME].rstrip("_")
    if name[:1].isdigit():
        name = ("p" + name)[:LONGEST_NAME].rstrip("_")
    return name


def literal(x: float) -> str:
    """A constant as code: its repr, in parentheses when negative (``(-1.5)``)."""
    text = repr(float(x))
    return f"({text})" if text.startswith("-") else text


def comment_text(text: str) -> str:
    """User text as a comment may hold it: printable ASCII on one line (anything else
    escaped, as ``ascii`` does), at most ``LONGEST_COMMENT`` characters."""
    text = text[:LONGEST_COMMENT]
    if not (text.isascii() and text.isprintable()):
        text = ascii(text)[1:-1]
    return text if len(text) <= LONGEST_COMMENT else text[: LONGEST_COMMENT - 3] + "..."


def _common_prefix(labels: Sequence[str]) -> str | None:
    """The dotted prefix that all ``labels`` share, shorter than each (``L0.n3``), or None."""
    if not labels or not all(labels):
        return None
    parts = [label[: 4 * LONGEST_NAME].split(".") for label in labels]
    common: list[str] = []
    for words in zip(*parts, strict=False):
        if len(set(words)) != 1:
            break
        common.append(words[0])
    if not common or any(len(p) == len(common) for p in parts):
        return None
    return ".".join(common)


class Names:
    """The identifiers of one tape's source (see the module's docstring), made on first use."""

    def __init__(self, tape: Tape, layout: _Layout | None = None) -> None:
        self.tape = tape
        self._taken: set[str] = set()
        self._suffix: dict[str, int] = {}  # the last suffix each wanted name was given
        self.numbered = 0  #: how many nodes are named v1, v2, ...
        labels = () if layout is None else layout.labels or ("",) * layout.nparams
        self.labels: tuple[str, ...] = labels
        #: each parameter's identifier: its label through the sanitizer, or p0, p1, ...
        self.params = [self._take(identifier(label)) or f"p{j}" for j, label in enumerate(labels)]
        self._values: dict[int, str] = {}
        self._grads: dict[int, str] = {}
        #: the nodes named after a neuron (L0_n3), and after a row called on a node (relu_L0_n3)
        self.neurons: dict[int, str] = {}
        self.called: dict[int, tuple[str, str]] = {}
        self._neurons: dict[int, str | None] = {}

    @functools.cached_property
    def sums(self) -> list[str]:
        """Each parameter's gradient summed over the batch (python backend): ``G_L0_n3_w1``."""
        return [self._derived("G", p) for p in self.params]

    def _take(self, wanted: str) -> str:
        """``wanted`` (made from text, or "") kept clear of the reserved and the taken."""
        if not wanted:
            return ""
        if wanted in RESERVED or MADE.fullmatch(wanted):
            wanted += "_"
        name, k = wanted, self._suffix.get(wanted, 1)
        while name in self._taken:  # w, w_2, w_3, ...: each stem goes on where it stopped
            k += 1
            name = f"{wanted}_{k}"
        self._suffix[wanted] = k
        self._taken.add(name)
        return name

    def _derived(self, prefix: str, name: str) -> str:
        """A name made from another: ``g3`` for ``v3``, ``G0`` for ``p0``, else ``g_name``."""
        if MADE.fullmatch(name):
            return prefix + name.lstrip("vp")
        return self._take(f"{prefix}_{name}")

    def value(self, i: int) -> str:
        """Node ``i``'s value: a constant's literal, a slot's name, or an operation's name."""
        name = self._values.get(i)
        if name is None:
            name = self._values[i] = self._name(i)
        return name

    def grad(self, i: int) -> str:
        """The name of d(loss)/d(node ``i``) for one sample."""
        name = self._grads.get(i)
        if name is None:
            name = self._grads[i] = self._derived("g", self.value(i))
        return name

    def temp(self, i: int) -> str:
        """The name of the tuple that a rule called by number returns for node ``i``."""
        return self._derived("t", self.value(i))

    def _name(self, i: int) -> str:
        n = self.tape.nodes[i]
        if n.kind == "param":  # (without a layout, the tape's parameters are p0, p1, ...)
            return self.params[n.index] if n.index < len(self.params) else f"p{n.index}"
        if n.kind in ("x", "y"):
            return f"{n.kind}{n.index}"
        if n.kind == "const":
            return literal(n.value)
        name = ""
        if i == self.tape.root:
            name = self._take("loss")
        elif self.neuron(i) is not None:
            name = self._take(identifier(self.neuron(i) or ""))
            if name:
                self.neurons[i] = name
        elif n.op is not None and self._called(n.op):
            named = [j for j in n.inputs if self.tape.nodes[j].kind != "const"]
            # its input's name, if the source has one (a row inside a numpy block has none)
            of = self._values.get(named[0]) if len(named) == 1 else None
            if of is not None and not _NUMBERED.fullmatch(of):
                stem = f"{n.op.name}_{of}"
                if len(stem) <= LONGEST_EXPRESSION_NAME:
                    name = self._take(stem)
                    self.called[i] = (name, f"{n.op.name} of {of}")
        if not name:
            self.numbered += 1
            name = f"v{self.numbered}"
        return name

    @staticmethod
    def _called(op: Primitive) -> bool:
        """A library row written as a call (``relu(a)``), whose name is an identifier."""
        library = PRIMITIVES.get(op.name) is op  # this very row is in the table
        return library and op.symbol not in _INFIX and op.name.isidentifier()

    def neuron(self, i: int) -> str | None:
        """The label text a ``dot`` node's parameters share (``L0.n3``): the neuron it
        computes; None if it is not a ``dot`` of labelled parameters."""
        if i not in self._neurons:
            self._neurons[i] = self._neuron(i)
        return self._neurons[i]

    def _neuron(self, i: int) -> str | None:
        n = self.tape.nodes[i]
        if n.op is not _DOT or len(n.inputs) < 2:
            return None
        w, _, b = dot_layout(len(n.inputs))
        mine = [*n.inputs[w], *(() if b is None else (n.inputs[b],))]
        nodes = self.tape.nodes
        if not all(nodes[j].kind == "param" for j in mine):
            return None
        labels = self.labels
        return _common_prefix([labels[nodes[j].index] if labels else "" for j in mine])

    def layer(self, i: int) -> str | None:
        """The layer a node computes part of (``L0`` for neuron ``L0.n3`` and for a row
        called on it, ``relu_L0_n3``), or None."""
        n = self.tape.nodes[i]
        neuron = self.neuron(i)
        if neuron is None and n.op is not None and self._called(n.op):
            named = [j for j in n.inputs if self.tape.nodes[j].kind != "const"]
            neuron = self.neuron(named[0]) if len(named) == 1 else None
        if neuron is None or "." not in neuron:
            return None
        return neuron.rsplit(".", 1)[0]

    def header(self, *, sums: bool) -> str:
        """What the names in the source stand for, with examples from this tape (``sums``:
        with the names of the gradients summed over the batch)."""
        labelled = [j for j, label in enumerate(self.labels) if label]
        parts = []
        if labelled:
            j = next((j for j in labelled if self.labels[j] != self.params[j]), labelled[0])
            label = comment_text(self.labels[j])
            example = label if label == self.params[j] else f"{label} is {self.params[j]}"
            parts.append(
                f"parameters by their labels (a module's from named_parameters(): {example})"
            )
            if len(labelled) < len(self.labels):
                parts.append("p0, p1, ..: those without")
        elif self.labels:
            parts.append("p0, p1, ..: the parameters")
        parts.append("x0, x1, ..: one sample's input; y0, ..: its target")
        if self.neurons:
            i, name = next(iter(self.neurons.items()))
            parts.append(f"{name}: the weighted sum of neuron {comment_text(self.neuron(i) or '')}")
        if self.called:
            name, what = next(iter(self.called.values()))
            parts.append(f"{name}: {what}")
        if self.numbered:
            parts.append("v1, v2, ..: the other nodes")
        parts.append("g_name (g1 for v1): d(loss)/d(name)")
        if self.labels and sums:
            parts.append("G_name (G0 for p0): a parameter's gradient, summed over the batch")
        return "; ".join(parts)
