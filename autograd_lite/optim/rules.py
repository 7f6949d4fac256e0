"""The optimisers' update rules: one pure function on floats each, the formula on each line.

Each takes the parameter, its gradient (already negated for
``maximize=True``), the parameter's state from the previous step (``{}``
before the first) and the group's hyper-parameters, and returns the new
parameter and the new state: ``(param, grad, state, **hyper) -> (new_param,
new_state)``. Call one by hand to see a single step, naming the
hyper-parameters; the classes in ``optimizers`` map them over every
parameter, passing the hyper-parameters by position (a call with keywords
costs about twice as much).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

__all__ = ["State", "Update", "adagrad_update", "adam_update", "rmsprop_update", "sgd_update"]

#: A parameter's state between steps (momentum buffers, running averages, the step count).
State = dict[str, float]
Update = tuple[float, State]


def sgd_update(
    param: float,
    grad: float,
    state: Mapping[str, float],
    lr: float,
    momentum: float = 0.0,
    dampening: float = 0.0,
    weight_decay: float = 0.0,
    nesterov: bool = False,
) -> Update:
    """One step of (stochastic) gradient descent, with optional momentum, as ``torch.optim.SGD``.

    >>> sgd_update(1.0, 0.5, {}, lr=0.1)
    (0.95, {})
    >>> sgd_update(1.0, 0.5, {"momentum_buffer": 2.0}, lr=0.1, momentum=0.9)
    (0.77, {'momentum_buffer': 2.3})
    """
    if weight_decay:
        grad = grad + weight_decay * param  # L2 penalty: g <- g + wd * theta
    if not momentum:
        return param - lr * grad, {}  # theta <- theta - lr * g
    buf = state.get("momentum_buffer")
    # b <- g on the first step, then b <- momentum * b + (1 - dampening) * g
    buf = grad if buf is None else momentum * buf + (1.0 - dampening) * grad
    direction = grad + momentum * buf if nesterov else buf  # Nesterov looks one step ahead
    return param - lr * direction, {"momentum_buffer": buf}


def adagrad_update(
    param: float,
    grad: float,
    state: Mapping[str, float],
    lr: float,
    lr_decay: float = 0.0,
    weight_decay: float = 0.0,
    initial_accumulator_value: float = 0.0,
    eps: float = 1e-10,
) -> Update:
    """One Adagrad step: the step shrinks as squared gradients pile up, as ``torch.optim.Adagrad``.

    >>> p, s = adagrad_update(1.0, 0.5, {}, lr=0.1)
    >>> round(p, 6), s
    (0.9, {'step': 1.0, 'sum': 0.25})
    """
    step = state.get("step", 0.0) + 1.0
    if weight_decay:
        grad = grad + weight_decay * param  # g <- g + wd * theta
    clr = lr / (1.0 + (step - 1.0) * lr_decay)  # lr_t = lr / (1 + (t - 1) * lr_decay)
    total = state.get("sum", initial_accumulator_value) + grad * grad  # G <- G + g^2
    return param - clr * (grad / (math.sqrt(total) + eps)), {"step": step, "sum": total}


def rmsprop_update(
    param: float,
    grad: float,
    state: Mapping[str, float],
    lr: float,
    alpha: float = 0.99,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    momentum: float = 0.0,
    centered: bool = False,
) -> Update:
    """One RMSprop step: divide by a running root mean square of gradients (PyTorch's rule).

    With ``centered=True`` the running mean of the gradient is subtracted
    (a variance instead of a second moment); a variance that rounding makes
    slightly negative counts as 0 (PyTorch would produce nan there).

    >>> p, s = rmsprop_update(1.0, 0.5, {}, lr=0.01)
    >>> round(p, 6), s
    (0.9, {'step': 1.0, 'square_avg': 0.0025000000000000022})
    """
    new: State = {"step": state.get("step", 0.0) + 1.0}
    if weight_decay:
        grad = grad + weight_decay * param  # g <- g + wd * theta
    # v <- alpha * v + (1 - alpha) * g^2
    square_avg = alpha * state.get("square_avg", 0.0) + (1.0 - alpha) * grad * grad
    new["square_avg"] = square_avg
    if centered:
        grad_avg = state.get("grad_avg", 0.0)
        grad_avg = grad_avg + (1.0 - alpha) * (grad - grad_avg)  # m <- alpha*m + (1-alpha)*g
        new["grad_avg"] = grad_avg
        square_avg = max(square_avg - grad_avg * grad_avg, 0.0)  # v - m^2, a variance
    scaled = grad / (math.sqrt(square_avg) + eps)  # g / (sqrt(v) + eps)
    if momentum > 0.0:
        scaled = momentum * state.get("momentum_buffer", 0.0) + scaled  # b <- mu*b + g/denom
        new["momentum_buffer"] = scaled
    return param - lr * scaled, new


def adam_update(
    param: float,
    grad: float,
    state: Mapping[str, float],
    lr: float,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    amsgrad: bool = False,
    decoupled_weight_decay: bool = False,
) -> Update:
    """One Adam step (AdamW's with ``decoupled_weight_decay=True``), as ``torch.optim.Adam``.

    >>> p, s = adam_update(1.0, 0.5, {}, lr=0.1)
    >>> round(p, 6), sorted(s)
    (0.9, ['exp_avg', 'exp_avg_sq', 'step'])
    """
    beta1, beta2 = betas
    step = state.get("step", 0.0) + 1.0
    if weight_decay:
        if decoupled_weight_decay:
            param = param * (1.0 - lr * weight_decay)  # AdamW: theta <- theta * (1 - lr * wd)
        else:
            grad = grad + weight_decay * param  # Adam: L2 penalty, g <- g + wd * theta
    exp_avg = state.get("exp_avg", 0.0)
    exp_avg = exp_avg + (1.0 - beta1) * (grad - exp_avg)  # m <- b1 * m + (1 - b1) * g
    exp_avg_sq = beta2 * state.get("exp_avg_sq", 0.0) + (1.0 - beta2) * grad * grad  # v <- ...g^2
    new: State = {"step": step, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
    second = exp_avg_sq
    if amsgrad:
        second = max(state.get("max_exp_avg_sq", 0.0), exp_avg_sq)  # v_max <- max(v_max, v)
        new["max_exp_avg_sq"] = second
    bias1 = 1.0 - beta1**step  # bias corrections: m_hat = m / bias1, v_hat = v / bias2
    bias2 = 1.0 - beta2**step
    denom = math.sqrt(second) / math.sqrt(bias2) + eps
    return param - (lr / bias1) * (exp_avg / denom), new  # theta <- theta - lr*m_hat/(...)
