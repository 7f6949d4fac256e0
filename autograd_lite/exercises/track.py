"""The track: twelve exercises that build a scalar autodiff engine, one idea each.

Each exercise is a small Python file the learner completes: a statement, the
code the earlier exercises built (given, already correct), then one or more
parts, each a function or class to write. ``starter`` leaves the parts as
``raise NotImplementedError`` stubs; ``solution`` is our reference, for
teachers. The learner's engine is their own code: the checker
(``autograd_lite.exercises.checks``) compares it with autograd_lite's.

>>> [e.name for e in EXERCISES][:3]
['derivative', 'value', 'local_derivatives']
>>> exercise("backward").lesson
'chain_rule'
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass

__all__ = ["EXERCISES", "LESSON_EXERCISES", "Exercise", "Part", "exercise", "names"]


@dataclass(frozen=True)
class Part:
    """One thing to write: its task in words, the stub and our reference solution."""

    task: str
    starter: str
    solution: str


@dataclass(frozen=True)
class Exercise:
    """One exercise: a name, what it asks, the lesson it practises, the given code and the parts."""

    name: str
    asks: str
    lesson: str
    statement: str
    given: str
    parts: tuple[Part, ...]

    def _file(self, bodies: list[str]) -> str:
        head = f"# Exercise {self.name}: {self.asks}\n#\n"
        head += "".join(f"# {line}".rstrip() + "\n" for line in self.statement.splitlines())
        head += f"#\n# Check it with:  autograd-lite check {self.name} exercises/{self.name}.py\n"
        text = head + "\n" + self.given.strip("\n") + "\n"
        for number, (part, body) in enumerate(zip(self.parts, bodies, strict=True), 1):
            task = "".join(f"# {line}".rstrip() + "\n" for line in part.task.splitlines())
            text += f"\n\n# -- part {number} " + "-" * 60 + "\n" + task + "\n" + body.strip("\n")
            text += "\n"
        return text

    def starter(self) -> str:
        """The file the learner starts from: the parts are stubs to replace."""
        return self._file([p.starter for p in self.parts])

    def solution(self) -> str:
        """Our reference solution: the same file with every part written."""
        return self._file([p.solution for p in self.parts])


def _stub(signature: str, doc: str) -> str:
    return f'{signature}\n    """{doc}"""\n    raise NotImplementedError("write this")\n'


# -- the code each exercise hands on to the next ----------------------------------------

_VALUE = '''
class Value:
    """A number that remembers the operation and the inputs that made it."""

    def __init__(self, data, inputs=(), op=""):
        self.data = float(data)
        self.grad = 0.0
        self.inputs = tuple(inputs)  # a tuple, in order: a + a has two inputs
        self.op = op  # "" for a leaf, else the operation: "+", "*", ...

    def __repr__(self):
        return f"Value({self.data:g}, grad={self.grad:g})"
'''

_ADD_MUL = """
    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), "+")

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), "*")

    def __radd__(self, other):  # 2 + v: Python asks v.__radd__(2)
        return self + other

    def __rmul__(self, other):
        return self * other
"""

_MORE_OPS = """
    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def __pow__(self, k):  # k is a plain number
        return Value(self.data**k, (self, Value(k)), "**")

    def __truediv__(self, other):
        return self * other**-1

    def __rtruediv__(self, other):
        return other * self**-1
"""

_RULES = """
def add_rule(g, out, a, b):
    return g, g  # d(a + b)/da = 1, d(a + b)/db = 1


def mul_rule(g, out, a, b):
    return g * b, g * a  # d(a * b)/da = b, d(a * b)/db = a


def pow_rule(g, out, a, k):
    return g * k * a ** (k - 1), 0.0  # d(a**k)/da = k a**(k-1); k is a constant


RULES = {"+": add_rule, "*": mul_rule, "**": pow_rule}
"""

_TOPO = '''
def topological_order(root):
    """Every node of root's graph once, each after its inputs (no recursion)."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))
            stack.extend((x, False) for x in reversed(node.inputs))
    return order
'''

_BACKWARD = '''
def backward(root):
    """Add d root / d node into node.grad, for every node of root's graph."""
    root.grad = 1.0
    for node in reversed(topological_order(root)):  # outputs before inputs
        if node.inputs:
            rule = RULES[node.op]
            grads = rule(node.grad, node.data, *(x.data for x in node.inputs))
            for x, g in zip(node.inputs, grads):
                x.grad += g  # += : a node used twice gets both contributions
'''

_TANH_EXP = """
def tanh(x):
    t = math.tanh(x.data)
    return Value(t, (x,), "tanh")


def exp(x):
    return Value(math.exp(x.data), (x,), "exp")


def log(x):
    return Value(math.log(x.data), (x,), "log")


RULES["tanh"] = lambda g, out, x: (g * (1 - out**2),)  # tanh' = 1 - tanh²
RULES["exp"] = lambda g, out, x: (g * out,)  # exp' = exp
RULES["log"] = lambda g, out, x: (g / x,)  # log' = 1/x
"""

_NEURON = '''
class Neuron:
    """tanh(w · x + b), or w · x + b when linear=True."""

    def __init__(self, n_inputs, linear=False):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(n_inputs)]
        self.b = Value(0.0)
        self.linear = linear

    def __call__(self, xs):
        z = sum((w * x for w, x in zip(self.w, xs)), self.b)
        return z if self.linear else tanh(z)

    def parameters(self):
        return self.w + [self.b]


class Layer:
    """n_outputs neurons, each seeing every input."""

    def __init__(self, n_inputs, n_outputs, linear=False):
        self.neurons = [Neuron(n_inputs, linear) for _ in range(n_outputs)]

    def __call__(self, xs):
        return [n(xs) for n in self.neurons]

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]
'''


def _engine(*pieces: str, imports: str = "import math") -> str:
    return imports + "\n\n\n" + "\n\n".join(p.strip("\n") + "\n" for p in pieces)


_VALUE_OPS = _VALUE.rstrip("\n") + "\n" + _ADD_MUL
_VALUE_ALL = _VALUE_OPS.rstrip("\n") + "\n" + _MORE_OPS

# -- the exercises ---------------------------------------------------------------------

_DERIVATIVE = Exercise(
    name="derivative",
    asks="the derivative of any function by central differences",
    lesson="gradient_checking",
    statement="""\
The slope of f at x is about (f(x + h) - f(x - h)) / (2h) for a small h: the
central difference. It is how every gradient checker (and this checker)
tells a right derivative from a wrong one.
Write derivative(f, x, h) for any function f of one float.""",
    given="import math  # f may use it",
    parts=(
        Part(
            task="derivative(f, x, h=1e-5): the central difference of f at x, with step h.",
            starter=_stub("def derivative(f, x, h=1e-5):", "The slope of f at x."),
            solution='''
def derivative(f, x, h=1e-5):
    """The slope of f at x."""
    return (f(x + h) - f(x - h)) / (2 * h)
''',
        ),
    ),
)

_VALUE_EX = Exercise(
    name="value",
    asks="a Value that records + and *",
    lesson="five_steps",
    statement="""\
A Value holds a number (data) and remembers how it was made: the operation
(op: "+" or "*", "" for a leaf) and its inputs, in order, in a tuple.
a + a has two inputs, both a. Plain numbers work on either side:
v * 2, 2 * v, v + 1 and 1 + v are all Values; wrap the number in a Value.""",
    given=_engine(_VALUE),
    parts=(
        Part(
            task="""\
Give Value the methods __add__, __mul__, __radd__ and __rmul__ (Python calls
v.__radd__(2) for 2 + v). Write them as functions here; the lines after
them attach them to the class.""",
            starter=_stub("def add(self, other):", "self + other, recorded.")
            + "\n\n"
            + _stub("def mul(self, other):", "self * other, recorded.")
            + "\n\n"
            + _stub("def radd(self, other):", "other + self, for a plain number other.")
            + "\n\n"
            + _stub("def rmul(self, other):", "other * self, for a plain number other.")
            + "\n\nValue.__add__, Value.__mul__ = add, mul"
            + "\nValue.__radd__, Value.__rmul__ = radd, rmul\n",
            solution='''
def add(self, other):
    """self + other, recorded."""
    other = other if isinstance(other, Value) else Value(other)
    return Value(self.data + other.data, (self, other), "+")


def mul(self, other):
    """self * other, recorded."""
    other = other if isinstance(other, Value) else Value(other)
    return Value(self.data * other.data, (self, other), "*")


def radd(self, other):
    """other + self, for a plain number other."""
    return add(self, other)


def rmul(self, other):
    """other * self, for a plain number other."""
    return mul(self, other)


Value.__add__, Value.__mul__ = add, mul
Value.__radd__, Value.__rmul__ = radd, rmul
''',
        ),
    ),
)

_LOCAL = Exercise(
    name="local_derivatives",
    asks="the local derivatives of + and *",
    lesson="chain_rule",
    statement="""\
A rule receives g, the gradient of the final output with respect to this
operation's output, and returns one gradient per input: g times the local
derivative (the chain rule, one step). out is the operation's result and
a, b its inputs, all plain floats.""",
    given="",
    parts=(
        Part(
            task="add_rule(g, out, a, b): the gradients of out = a + b, as a tuple (da, db).",
            starter=_stub("def add_rule(g, out, a, b):", "(d/da, d/db) of out = a + b, times g."),
            solution='''
def add_rule(g, out, a, b):
    """(d/da, d/db) of out = a + b, times g."""
    return g * 1.0, g * 1.0
''',
        ),
        Part(
            task="mul_rule(g, out, a, b): the gradients of out = a * b, as a tuple (da, db).",
            starter=_stub("def mul_rule(g, out, a, b):", "(d/da, d/db) of out = a * b, times g."),
            solution='''
def mul_rule(g, out, a, b):
    """(d/da, d/db) of out = a * b, times g."""
    return g * b, g * a
''',
        ),
    ),
)

_CHAIN = Exercise(
    name="chain_rule",
    asks="the chain rule by hand on a three-node graph",
    lesson="chain_rule",
    statement="""\
The graph:  d = a * b,  e = d + c,  L = e * f.
Multiply the local derivatives along the path from L down to each input.
No engine here: write the formulas.""",
    given="",
    parts=(
        Part(
            task="gradients(a, b, c, f): (dL/da, dL/db, dL/dc, dL/df) as a tuple of floats.",
            starter=_stub("def gradients(a, b, c, f):", "(dL/da, dL/db, dL/dc, dL/df)."),
            solution='''
def gradients(a, b, c, f):
    """(dL/da, dL/db, dL/dc, dL/df)."""
    d = a * b
    e = d + c
    de = f  # L = e * f
    dd = de * 1.0  # e = d + c
    return dd * b, dd * a, de * 1.0, e
''',
        ),
    ),
)

_TOPO_EX = Exercise(
    name="topological_order",
    asks="list a graph's nodes once each, inputs before outputs",
    lesson="topological_order",
    statement="""\
The backward pass visits each node once, after every node that uses it. So
first list the nodes so that each comes after its inputs. The trap: in
b = a + a; c = b + b the node a is reached along four paths; list it once.
(Recursion works here; a loop with your own stack also works on graphs
deeper than Python's recursion limit.)""",
    given=_engine(_VALUE_OPS),
    parts=(
        Part(
            task="""\
topological_order(root): a list of every node reachable from root through
.inputs, each exactly once, each after all of its inputs (so root is last).""",
            starter=_stub("def topological_order(root):", "Every node once, inputs first."),
            solution='''
def topological_order(root):
    """Every node once, inputs first."""
    order, seen = [], set()

    def visit(node):
        if node not in seen:
            seen.add(node)
            for x in node.inputs:
                visit(x)
            order.append(node)

    visit(root)
    return order
''',
        ),
    ),
)

_BACKWARD_EX = Exercise(
    name="backward",
    asks="backward(): the chain rule over the whole graph, with accumulation",
    lesson="chain_rule",
    statement="""\
Given: Value with + and *, the rules of exercise local_derivatives in a
table RULES (op -> rule), and topological_order. Write backward(root): set
root's grad to 1, then take the nodes outputs-first and pass each one's
grad to its inputs through its rule. A node used twice (a * a, or
b = a + a) receives a gradient from each use: they add up. Like PyTorch's,
your backward adds into .grad and resets nothing (a new graph starts at 0).""",
    given=_engine(_VALUE_OPS, _RULES, _TOPO),
    parts=(
        Part(
            task="""\
backward(root): fill node.grad with d root / d node for every node of the
graph. RULES[node.op](node.grad, node.data, *input datas) returns one
gradient per input.""",
            starter=_stub("def backward(root):", "d root / d node into node.grad."),
            solution=_BACKWARD,
        ),
    ),
)

_TANH_EX = Exercise(
    name="tanh_exp",
    asks="the forward and backward rules of tanh and exp",
    lesson="activations",
    statement="""\
A new operation is two things: its forward (a Value recording op and input)
and its rule in RULES. A rule gets g, out (the result, a float) and the
input x (a float) and returns a tuple with one gradient. The slope of tanh
is 1 - tanh(x)², of exp it is exp(x): out has them at hand.""",
    given=_engine(_VALUE_OPS, _RULES, _TOPO, _BACKWARD),
    parts=(
        Part(
            task="tanh(x): a Value with data math.tanh(x.data), op 'tanh' and the input x.",
            starter=_stub("def tanh(x):", "tanh of a Value, recorded."),
            solution='''
def tanh(x):
    """tanh of a Value, recorded."""
    return Value(math.tanh(x.data), (x,), "tanh")
''',
        ),
        Part(
            task="tanh_rule(g, out, x): the gradient of tanh's input, as a tuple of one float.",
            starter=_stub("def tanh_rule(g, out, x):", "(d tanh / dx * g,)")
            + '\n\nRULES["tanh"] = tanh_rule\n',
            solution='''
def tanh_rule(g, out, x):
    """(d tanh / dx * g,)"""
    return (g * (1 - out**2),)


RULES["tanh"] = tanh_rule
''',
        ),
        Part(
            task="exp(x) and exp_rule(g, out, x): the same for exp (op 'exp').",
            starter=_stub("def exp(x):", "exp of a Value, recorded.")
            + "\n\n"
            + _stub("def exp_rule(g, out, x):", "(d exp / dx * g,)")
            + '\n\nRULES["exp"] = exp_rule\n',
            solution='''
def exp(x):
    """exp of a Value, recorded."""
    return Value(math.exp(x.data), (x,), "exp")


def exp_rule(g, out, x):
    """(d exp / dx * g,)"""
    return (g * out,)


RULES["exp"] = exp_rule
''',
        ),
    ),
)

_NEURON_EX = Exercise(
    name="neuron",
    asks="a neuron and a layer of neurons",
    lesson="affine_layer",
    statement="""\
A neuron has one weight per input and a bias: it computes tanh(w · x + b).
A layer is a list of independent neurons that all see the same inputs.
Given: the engine so far (Value with + * - / **, RULES, backward, tanh, exp).""",
    given=_engine(
        _VALUE_ALL, _RULES, _TOPO, _BACKWARD, _TANH_EXP, imports="import math\nimport random"
    ),
    parts=(
        Part(
            task="""\
class Neuron: Neuron(n_inputs) has .w (a list of n_inputs Values, random in
[-1, 1]) and .b (a Value); neuron(xs) returns tanh(w · xs + b) for a list xs
of numbers or Values; neuron.parameters() returns w + [b].""",
            starter="""
class Neuron:
    def __init__(self, n_inputs):
        raise NotImplementedError("write this")

    def __call__(self, xs):
        raise NotImplementedError("write this")

    def parameters(self):
        raise NotImplementedError("write this")
""",
            solution="""
class Neuron:
    def __init__(self, n_inputs):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(n_inputs)]
        self.b = Value(0.0)

    def __call__(self, xs):
        z = self.b
        for w, x in zip(self.w, xs):
            z = z + w * x
        return tanh(z)

    def parameters(self):
        return self.w + [self.b]
""",
        ),
        Part(
            task="""\
class Layer: Layer(n_inputs, n_outputs) has .neurons (n_outputs separate
Neurons); layer(xs) returns the list of their outputs; layer.parameters()
returns all their parameters, neuron after neuron.""",
            starter="""
class Layer:
    def __init__(self, n_inputs, n_outputs):
        raise NotImplementedError("write this")

    def __call__(self, xs):
        raise NotImplementedError("write this")

    def parameters(self):
        raise NotImplementedError("write this")
""",
            solution="""
class Layer:
    def __init__(self, n_inputs, n_outputs):
        self.neurons = [Neuron(n_inputs) for _ in range(n_outputs)]

    def __call__(self, xs):
        return [n(xs) for n in self.neurons]

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]
""",
        ),
    ),
)

_SGD_EX = Exercise(
    name="sgd",
    asks="a loss, one step of gradient descent, and a training loop",
    lesson="toast_robot",
    statement="""\
The toast robot of lesson toast_robot: model y = w * x, error
E = 1/2 (y - t)², one step w <- w - lr * dE/dw. With x = 2, t = 4, w = 1
and lr = 0.1 the error goes from 2 to 0.72. backward() adds into .grad,
so gradients must be set to zero before each backward pass.""",
    given=_engine(_VALUE_ALL, _RULES, _TOPO, _BACKWARD),
    parts=(
        Part(
            task="loss(ys, ts): the mean over i of 1/2 (ys[i] - ts[i])², a Value.",
            starter=_stub("def loss(ys, ts):", "mean of 1/2 (y - t)², as a Value."),
            solution='''
def loss(ys, ts):
    """mean of 1/2 (y - t)², as a Value."""
    total = Value(0.0)
    for y, t in zip(ys, ts):
        total = total + 0.5 * (y - t) ** 2
    return total / len(ys)
''',
        ),
        Part(
            task="sgd_step(params, lr): move each parameter's data by -lr times its grad.",
            starter=_stub("def sgd_step(params, lr):", "p.data <- p.data - lr * p.grad."),
            solution='''
def sgd_step(params, lr):
    """p.data <- p.data - lr * p.grad."""
    for p in params:
        p.data -= lr * p.grad
''',
        ),
        Part(
            task="""\
fit(xs, ts, lr, steps): the line y = w * x + b, from w = b = 0, after
`steps` steps of gradient descent on loss; return (w, b) as floats. Each
step: forward, zero the gradients, backward(the loss), sgd_step.""",
            starter=_stub("def fit(xs, ts, lr, steps):", "(w, b) after `steps` steps."),
            solution='''
def fit(xs, ts, lr, steps):
    """(w, b) after `steps` steps."""
    w, b = Value(0.0), Value(0.0)
    for _ in range(steps):
        error = loss([w * x + b for x in xs], ts)
        w.grad = b.grad = 0.0
        backward(error)
        sgd_step([w, b], lr)
    return w.data, b.data
''',
        ),
    ),
)

_MLP_EX = Exercise(
    name="mlp",
    asks="a multi-layer perceptron, trained on the two moons",
    lesson="batch_size",
    statement="""\
An MLP is layers in a row: each layer's outputs are the next one's inputs.
Hidden layers use tanh; the last is linear (Layer(..., linear=True)), so
it can output any number. Train it on the two moons (labels -1 and +1)
with the loss mean 1/2 (y - t)².
Given: the engine, Neuron and Layer (with a linear option).""",
    given=_engine(
        _VALUE_ALL,
        _RULES,
        _TOPO,
        _BACKWARD,
        _TANH_EXP,
        _NEURON,
        imports="import math\nimport random",
    )
    + "\n\n"
    + "\n\n\n".join(p.solution.strip("\n") for p in _SGD_EX.parts[:2])
    + "\n",
    parts=(
        Part(
            task="""\
class MLP: MLP(n_inputs, sizes) with sizes such as [8, 8, 1]: .layers, a
list of Layers (the last one linear); mlp(xs) returns the last layer's
list of outputs; mlp.parameters() returns every layer's parameters, in order.""",
            starter="""
class MLP:
    def __init__(self, n_inputs, sizes):
        raise NotImplementedError("write this")

    def __call__(self, xs):
        raise NotImplementedError("write this")

    def parameters(self):
        raise NotImplementedError("write this")
""",
            solution="""
class MLP:
    def __init__(self, n_inputs, sizes):
        ins = [n_inputs] + sizes[:-1]
        last = len(sizes) - 1
        self.layers = [Layer(i, o, linear=k == last) for k, (i, o) in enumerate(zip(ins, sizes))]

    def __call__(self, xs):
        for layer in self.layers:
            xs = layer(xs)
        return xs

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]
""",
        ),
        Part(
            task="""\
train(model, xs, ts, lr, steps): `steps` steps of gradient descent on
loss([model(x)[0] for x in xs], ts), the whole data set each step; return
the list of the losses (floats) before each step.""",
            starter=_stub("def train(model, xs, ts, lr, steps):", "The loss before each step."),
            solution='''
def train(model, xs, ts, lr, steps):
    """The loss before each step."""
    losses = []
    params = model.parameters()
    for _ in range(steps):
        error = loss([model(x)[0] for x in xs], ts)
        losses.append(error.data)
        for p in params:
            p.grad = 0.0
        backward(error)
        sgd_step(params, lr)
    return losses
''',
        ),
    ),
)

_SOFTMAX_EX = Exercise(
    name="softmax",
    asks="softmax and cross-entropy, whose gradient is p - onehot",
    lesson="losses",
    statement="""\
softmax turns scores z into probabilities p_i = exp(z_i) / sum_j exp(z_j).
Cross-entropy for the true class k is -log(p_k); its gradient with respect
to z is p - onehot(k). exp(1000) overflows: subtract the largest score from
every score first (a constant: it does not change p).
Given: the engine with + - * / **, exp and log.""",
    given=_engine(_VALUE_ALL, _RULES, _TOPO, _BACKWARD, _TANH_EXP),
    parts=(
        Part(
            task="softmax(zs): a list of Values (the probabilities), for a list of Values zs.",
            starter=_stub("def softmax(zs):", "The probabilities, as Values."),
            solution='''
def softmax(zs):
    """The probabilities, as Values."""
    top = max(z.data for z in zs)
    es = [exp(z - top) for z in zs]
    total = sum(es[1:], es[0])
    return [e / total for e in es]
''',
        ),
        Part(
            task="cross_entropy(zs, k): -log of softmax(zs)[k], a Value.",
            starter=_stub("def cross_entropy(zs, k):", "-log p_k."),
            solution='''
def cross_entropy(zs, k):
    """-log p_k."""
    return -log(softmax(zs)[k])
''',
        ),
    ),
)

_NEWTON_GIVEN = '''
class Value:
    """A Value whose backward pass is itself made of Values (create_graph)."""

    def __init__(self, data, inputs=(), op=""):
        self.data = float(data)
        self.grad = None
        self.inputs = tuple(inputs)
        self.op = op

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), "+")

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), "*")

    def __pow__(self, k):  # k is a plain number
        return Value(self.data**k, (self, Value(k)), "**")

    __radd__ = __add__
    __rmul__ = __mul__

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other


# The rules, written with Values: the backward pass records a graph too.
RULES = {
    "+": lambda g, a, b: (g, g),
    "*": lambda g, a, b: (g * b, g * a),
    "**": lambda g, a, k: (g * k.data * a ** (k.data - 1), g * 0),
}


def topological_order(root):
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))
            stack.extend((x, False) for x in reversed(node.inputs))
    return order


def grad(f):
    """The function x -> df/dx at x, as a Value: a graph that can be differentiated again."""

    def df(x):
        x = x if isinstance(x, Value) else Value(x)
        out = f(x)
        order = topological_order(out)
        for node in order:
            node.grad = Value(0.0)
        out.grad = Value(1.0)
        for node in reversed(order):
            if node.inputs:
                for x_i, g in zip(node.inputs, RULES[node.op](node.grad, *node.inputs)):
                    x_i.grad = x_i.grad + g
        return x.grad

    return df
'''

_NEWTON_EX = Exercise(
    name="newton",
    asks="second derivatives, and Newton's method with them",
    lesson="newton",
    statement="""\
Given: an engine whose rules are written with Values, so grad(f)(x) is a
Value with a graph of its own, and grad(grad(f)) works. Newton's method
minimises f by x <- x - f'(x) / f''(x): one step lands on the minimum of a
parabola, a few on that of any smooth convex function.""",
    given=_NEWTON_GIVEN,
    parts=(
        Part(
            task="second_derivative(f, x): f''(x) as a float, for f of one Value and a float x.",
            starter=_stub("def second_derivative(f, x):", "f''(x), a float."),
            solution='''
def second_derivative(f, x):
    """f''(x), a float."""
    return grad(grad(f))(x).data
''',
        ),
        Part(
            task="newton(f, x, steps): x after `steps` Newton steps from x, as a float.",
            starter=_stub("def newton(f, x, steps):", "x after `steps` Newton steps."),
            solution='''
def newton(f, x, steps):
    """x after `steps` Newton steps."""
    for _ in range(steps):
        x = x - grad(f)(x).data / second_derivative(f, x)
    return x
''',
        ),
    ),
)

#: The track, in the order of the lessons.
EXERCISES: tuple[Exercise, ...] = (
    _DERIVATIVE,
    _VALUE_EX,
    _LOCAL,
    _CHAIN,
    _TOPO_EX,
    _BACKWARD_EX,
    _TANH_EX,
    _NEURON_EX,
    _SGD_EX,
    _MLP_EX,
    _SOFTMAX_EX,
    _NEWTON_EX,
)


def names() -> list[str]:
    """The exercises' names, in order."""
    return [e.name for e in EXERCISES]


def exercise(name: object) -> Exercise:
    """The exercise called ``name``; ``ValueError`` naming the choices if there is none."""
    if not isinstance(name, str):
        raise TypeError(f"an exercise name is a str, got {type(name).__name__}")
    for e in EXERCISES:
        if e.name == name:
            return e
    raise ValueError(f"no exercise named {reprlib.repr(name)}; choose one of: {', '.join(names())}")


def _by_lesson() -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for e in EXERCISES:
        found.setdefault(e.lesson, []).append(e.name)
    return {lesson: tuple(names) for lesson, names in found.items()}


#: lesson -> the exercises that practise it (``autograd-lite lessons`` shows them)
LESSON_EXERCISES: dict[str, tuple[str, ...]] = _by_lesson()
