"""Wrong solutions, as learners write them: each is our reference solution with one edit.

A row is (exercise, what the learner did, the reference text, what they wrote
instead, a piece of the message the checker must give). The test checks that
the reference text is there (so that an edit never silently does nothing),
that the edited file fails, and that the message says the intended thing.
"""

from __future__ import annotations

MISTAKES: list[tuple[str, str, str, str, str]] = [
    # -- derivative
    (
        "derivative",
        "forward difference",
        "return (f(x + h) - f(x - h)) / (2 * h)",
        "return (f(x + h) - f(x)) / h",
        "forward difference",
    ),
    (
        "derivative",
        "backward difference",
        "return (f(x + h) - f(x - h)) / (2 * h)",
        "return (f(x) - f(x - h)) / h",
        "backward difference",
    ),
    (
        "derivative",
        "divides by h",
        "return (f(x + h) - f(x - h)) / (2 * h)",
        "return (f(x + h) - f(x - h)) / h",
        "divide by 2 * h",
    ),
    (
        "derivative",
        "a / 2 * h",
        "return (f(x + h) - f(x - h)) / (2 * h)",
        "return (f(x + h) - f(x - h)) / 2 * h",
        "(a / 2) * h",
    ),
    (
        "derivative",
        "missing brackets",
        "return (f(x + h) - f(x - h)) / (2 * h)",
        "return f(x + h) - f(x - h) / (2 * h)",
        "brackets",
    ),
    (
        "derivative",
        "ignores h",
        "return (f(x + h) - f(x - h)) / (2 * h)",
        "return (f(x + 1e-5) - f(x - 1e-5)) / (2 * 1e-5)",
        "use the step h",
    ),
    # -- value
    (
        "value",
        "inputs in a set",
        'Value(self.data + other.data, (self, other), "+")',
        'Value(self.data + other.data, {self, other}, "+")',
        "a set keeps a once",
    ),
    (
        "value",
        "numbers not wrapped",
        "    other = other if isinstance(other, Value) else Value(other)\n"
        "    return Value(self.data + other.data",
        "    return Value(self.data + other.data",
        "wrap it",
    ),
    (
        "value",
        "no __radd__",
        "Value.__radd__, Value.__rmul__ = radd, rmul",
        "Value.__rmul__ = rmul",
        "__radd__",
    ),
    (
        "value",
        "* adds",
        'Value(self.data * other.data, (self, other), "*")',
        'Value(self.data + other.data, (self, other), "*")',
        ".data is",
    ),
    (
        "value",
        "op named mul",
        'Value(self.data * other.data, (self, other), "*")',
        'Value(self.data * other.data, (self, other), "mul")',
        ".op is 'mul', expected '*'",
    ),
    (
        "value",
        "inputs not recorded",
        'Value(self.data + other.data, (self, other), "+")',
        'Value(self.data + other.data, (), "+")',
        "record both operands",
    ),
    # -- local_derivatives
    ("local_derivatives", "mul swapped", "return g * b, g * a", "return g * a, g * b", "swapped"),
    (
        "local_derivatives",
        "mul forgets g",
        "return g * b, g * a",
        "return b, a",
        "multiply the local derivative by g",
    ),
    (
        "local_derivatives",
        "mul passes g",
        "return g * b, g * a",
        "return g, g",
        "d(a * b)/da is b, not 1",
    ),
    (
        "local_derivatives",
        "add forgets g",
        "return g * 1.0, g * 1.0",
        "return 1.0, 1.0",
        "multiply the local derivative by g",
    ),
    (
        "local_derivatives",
        "add only to a",
        "return g * 1.0, g * 1.0",
        "return g, 0.0",
        "depends on b as much as on a",
    ),
    (
        "local_derivatives",
        "one gradient",
        "return g * 1.0, g * 1.0",
        "return g",
        "a tuple of two gradients",
    ),
    # -- chain_rule
    (
        "chain_rule",
        "stops at d",
        "return dd * b, dd * a, de * 1.0, e",
        "return b, a, 1.0, e",
        "you stopped at d",
    ),
    (
        "chain_rule",
        "dL/dc is 1",
        "return dd * b, dd * a, de * 1.0, e",
        "return dd * b, dd * a, 1.0, e",
        "c reaches L through e",
    ),
    (
        "chain_rule",
        "dL/df is d",
        "return dd * b, dd * a, de * 1.0, e",
        "return dd * b, dd * a, de * 1.0, d",
        "dL/df is e",
    ),
    (
        "chain_rule",
        "a and b swapped",
        "return dd * b, dd * a, de * 1.0, e",
        "return dd * a, dd * b, de * 1.0, e",
        "swapped",
    ),
    (
        "chain_rule",
        "a sign lost",
        "return dd * b, dd * a, de * 1.0, e",
        "return dd * b, dd * a, de * 1.0, -e",
        "dL/df is",
    ),
    # -- topological_order
    (
        "topological_order",
        "no visited set",
        "        if node not in seen:\n            seen.add(node)\n"
        "            for x in node.inputs:\n"
        "                visit(x)\n            order.append(node)",
        "        for x in node.inputs:\n            visit(x)\n        order.append(node)",
        "keep a set of the nodes already visited",
    ),
    (
        "topological_order",
        "appends before the inputs",
        "            for x in node.inputs:\n"
        "                visit(x)\n            order.append(node)",
        "            order.append(node)\n"
        "            for x in node.inputs:\n                visit(x)",
        "append a node after visiting its inputs",
    ),
    (
        "topological_order",
        "root first",
        "    visit(root)\n    return order",
        "    visit(root)\n    return order[::-1]",
        "comes before its input",
    ),
    (
        "topological_order",
        "leaves left out",
        "            order.append(node)",
        "            if node.inputs:\n                order.append(node)",
        "is missing from your list",
    ),
    (
        "topological_order",
        "only the root's inputs",
        "    visit(root)\n    return order",
        "    return list(root.inputs) + [root]",
        "listed 2 times",
    ),
    (
        "topological_order",
        "a set",
        "    visit(root)\n    return order",
        "    visit(root)\n    return set(order)",
        "returned a set, not a list",
    ),
    # -- backward
    ("backward", "= instead of +=", "x.grad += g", "x.grad = g", "x.grad += ..., not x.grad = ..."),
    (
        "backward",
        "naive recursion",
        "    for node in reversed(topological_order(root)):  # outputs before inputs\n"
        "        if node.inputs:\n"
        "            rule = RULES[node.op]\n"
        "            grads = rule(node.grad, node.data, *(x.data for x in node.inputs))\n"
        "            for x, g in zip(node.inputs, grads):\n"
        "                x.grad += g  # += : a node used twice gets both contributions\n",
        "    visit(root)\n\n\n"
        "def visit(node):\n"
        "    if node.inputs:\n"
        "        grads = RULES[node.op](node.grad, node.data, *(x.data for x in node.inputs))\n"
        "        for x, g in zip(node.inputs, grads):\n"
        "            x.grad += g\n"
        "            visit(x)\n",
        "passed its gradient on twice",
    ),
    (
        "backward",
        "inputs first",
        "for node in reversed(topological_order(root)):",
        "for node in topological_order(root):",
        "outputs-first",
    ),
    ("backward", "no seed", "    root.grad = 1.0\n", "", "set root.grad = 1.0"),
    (
        "backward",
        "rule called without out",
        "rule(node.grad, node.data, *(x.data for x in node.inputs))",
        "rule(node.grad, *(x.data for x in node.inputs))",
        "raised TypeError",
    ),
    # -- tanh_exp
    (
        "tanh_exp",
        "1 - x²",
        "return (g * (1 - out**2),)",
        "return (g * (1 - x**2),)",
        "1 - out**2, not 1 - x**2",
    ),
    ("tanh_exp", "tanh²", "return (g * (1 - out**2),)", "return (g * out**2,)", "not tanh(x)²"),
    ("tanh_exp", "1 - tanh", "return (g * (1 - out**2),)", "return (g * (1 - out),)", "square it"),
    (
        "tanh_exp",
        "tanh forgets g",
        "return (g * (1 - out**2),)",
        "return ((1 - out**2),)",
        "multiply by g",
    ),
    (
        "tanh_exp",
        "not a tuple",
        "return (g * (1 - out**2),)",
        "return g * (1 - out**2)",
        "(value,) with the comma",
    ),
    ("tanh_exp", "exp rule g * x", "return (g * out,)", "return (g * x,)", "exp(x), which is out"),
    ("tanh_exp", "exp not registered", 'RULES["exp"] = exp_rule', "", "KeyError"),
    (
        "tanh_exp",
        "tanh op misnamed",
        'Value(math.tanh(x.data), (x,), "tanh")',
        'Value(math.tanh(x.data), (x,), "Tanh")',
        "must record op 'tanh'",
    ),
    # -- neuron
    ("neuron", "no bias", "        z = self.b\n", "        z = 0\n", "add the bias"),
    ("neuron", "no tanh", "        return tanh(z)", "        return z", "goes through tanh"),
    (
        "neuron",
        "b not a parameter",
        "        return self.w + [self.b]",
        "        return self.w",
        "has 1 Values, expected 2",
    ),
    (
        "neuron",
        "one neuron repeated",
        "[Neuron(n_inputs) for _ in range(n_outputs)]",
        "[Neuron(n_inputs)] * n_outputs",
        "[Neuron(n)] * k is one neuron k times",
    ),
    ("neuron", "weights copied", "z = z + w * x", "z = z + Value(w.data) * x", "not from copies"),
    (
        "neuron",
        "first neuron's parameters only",
        "        return [p for n in self.neurons for p in n.parameters()]",
        "        return self.neurons[0].parameters()",
        "Values, expected",
    ),
    # -- sgd
    ("sgd", "sum, not mean", "    return total / len(ys)", "    return total", "take the mean"),
    (
        "sgd",
        "no 1/2",
        "total = total + 0.5 * (y - t) ** 2",
        "total = total + (y - t) ** 2",
        "1/2 (y - t)²",
    ),
    (
        "sgd",
        "uphill",
        "p.data -= lr * p.grad",
        "p.data += lr * p.grad",
        "step against the gradient",
    ),
    (
        "sgd",
        "no learning rate",
        "p.data -= lr * p.grad",
        "p.data -= p.grad",
        "scale the step by the learning rate",
    ),
    (
        "sgd",
        "gradient not zeroed",
        "        w.grad = b.grad = 0.0\n",
        "",
        "gradient not zeroed between steps",
    ),
    (
        "sgd",
        "zeroed after backward",
        "        w.grad = b.grad = 0.0\n        backward(error)",
        "        backward(error)\n        w.grad = b.grad = 0.0",
        "zero the gradients before backward()",
    ),
    # -- mlp
    (
        "mlp",
        "last layer tanh",
        "Layer(i, o, linear=k == last)",
        "Layer(i, o)",
        "the last layer is linear",
    ),
    (
        "mlp",
        "every layer sees the inputs",
        "ins = [n_inputs] + sizes[:-1]",
        "ins = [n_inputs] * len(sizes)",
        "Values, expected",
    ),
    (
        "mlp",
        "last layer's parameters only",
        "        return [p for layer in self.layers for p in layer.parameters()]",
        "        return self.layers[-1].parameters()",
        "Values, expected",
    ),
    (
        "mlp",
        "gradient not zeroed",
        "        for p in params:\n            p.grad = 0.0\n",
        "",
        "gradient not zeroed between steps",
    ),
    (
        "mlp",
        "one example per step",
        "error = loss([model(x)[0] for x in xs], ts)",
        "error = loss([model(xs[0])[0]], ts[:1])",
        "losses",
    ),
    (
        "mlp",
        "returns one output",
        "            xs = layer(xs)\n        return xs",
        "            xs = layer(xs)\n        return xs[0]",
        "must return the list",
    ),
    # -- softmax
    (
        "softmax",
        "no max subtracted",
        "es = [exp(z - top) for z in zs]",
        "es = [exp(z) for z in zs]",
        "subtract the largest score first",
    ),
    (
        "softmax",
        "not normalised",
        "    return [e / total for e in es]",
        "    return es",
        "so that the p's add up to 1",
    ),
    (
        "softmax",
        "log without minus",
        "    return -log(softmax(zs)[k])",
        "    return log(softmax(zs)[k])",
        "the minus sign",
    ),
    (
        "softmax",
        "every class",
        "    return -log(softmax(zs)[k])",
        "    return -sum((log(p) for p in softmax(zs)), Value(0.0))",
        "only the true class",
    ),
    (
        "softmax",
        "scores detached",
        "es = [exp(z - top) for z in zs]",
        "es = [exp(Value(z.data - top)) for z in zs]",
        "so that backward reaches them",
    ),
    (
        "softmax",
        "off by one",
        "    return -log(softmax(zs)[k])",
        "    return -log(softmax(zs)[k - 1])",
        "expected -log p_",
    ),
    # -- newton
    (
        "newton",
        "first derivative",
        "    return grad(grad(f))(x).data",
        "    return grad(f)(x).data",
        "differentiate the gradient again",
    ),
    (
        "newton",
        "a Value back",
        "    return grad(grad(f))(x).data",
        "    return grad(grad(f))(x)",
        "use .data",
    ),
    (
        "newton",
        "uphill",
        "        x = x - grad(f)(x).data / second_derivative(f, x)",
        "        x = x + grad(f)(x).data / second_derivative(f, x)",
        "step downhill",
    ),
    (
        "newton",
        "finds a root",
        "        x = x - grad(f)(x).data / second_derivative(f, x)",
        "        x = x - f(Value(x)).data / grad(f)(x).data",
        "finds where f = 0",
    ),
    (
        "newton",
        "gradient descent",
        "        x = x - grad(f)(x).data / second_derivative(f, x)",
        "        x = x - 0.1 * grad(f)(x).data",
        "expected",
    ),
    (
        "newton",
        "one step short",
        "    for _ in range(steps):\n        x = x - grad",
        "    for _ in range(steps - 1):\n        x = x - grad",
        "expected",
    ),
]

#: Right solutions written differently from ours: (exercise, how, reference text, theirs).
RIGHT: list[tuple[str, str, str, str]] = [
    (
        "derivative",
        "divided twice",
        "return (f(x + h) - f(x - h)) / (2 * h)",
        "left, right = f(x - h), f(x + h)\n    return (right - left) / h / 2",
    ),
    (
        "value",
        "number first in radd",
        'def radd(self, other):\n    """other + self, for a plain number other."""\n'
        "    return add(self, other)",
        'def radd(self, other):\n    return Value(other + self.data, (Value(other), self), "+")',
    ),
    (
        "chain_rule",
        "written at once",
        "    d = a * b\n",
        "    return b * f, a * f, f, a * b + c\n    d = a * b\n",
    ),
    (
        "backward",
        "its own order",
        "    for node in reversed(topological_order(root)):  # outputs before inputs\n",
        "    order = []\n    seen = set()\n\n    def build(v):\n        if v not in seen:\n"
        "            seen.add(v)\n            for c in v.inputs:\n                build(c)\n"
        "            order.append(v)\n\n    build(root)\n    for node in order[::-1]:\n",
    ),
    (
        "tanh_exp",
        "tanh from its input",
        "return (g * (1 - out**2),)",
        "return (g / math.cosh(x) ** 2,)",
    ),
    (
        "softmax",
        "cross-entropy as log-sum-exp",
        "    return -log(softmax(zs)[k])",
        "    top = max(z.data for z in zs)\n"
        "    total = sum((exp(z - top) for z in zs[1:]), exp(zs[0] - top))\n"
        "    return log(total) - (zs[k] - top)",
    ),
    (
        "newton",
        "a named second derivative",
        "    return grad(grad(f))(x).data",
        "    f1 = grad(f)\n    f2 = grad(f1)\n    return float(f2(x).data)",
    ),
]
