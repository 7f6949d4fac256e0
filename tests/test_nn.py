"""autograd_lite.nn: structure, micrograd compatibility, initialisation, layers vs PyTorch."""

from __future__ import annotations

import itertools
import math
import random
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import Value, grad, nn
from autograd_lite.init import calculate_gain, make_rng, sample_weights


def _data(out: object) -> object:
    """Nested lists of Values -> nested lists of floats."""
    if isinstance(out, Value):
        return out.data
    assert isinstance(out, list)
    return [_data(o) for o in out]


# -- micrograd compatibility -------------------------------------------------------


@pytest.fixture
def global_random_state():  # type: ignore[no-untyped-def]
    state = random.getstate()
    yield
    random.setstate(state)


def test_same_weights_as_micrograd_for_the_same_seed(global_random_state: None) -> None:
    mg = pytest.importorskip("micrograd.nn")
    random.seed(1337)
    theirs = mg.MLP(2, [16, 16, 1])
    ours = nn.MLP(2, [16, 16, 1], seed=1337)
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]


def test_weights_copied_from_micrograd_give_the_same_outputs(global_random_state: None) -> None:
    mg = pytest.importorskip("micrograd.nn")
    random.seed(7)
    theirs = mg.MLP(3, [5, 4, 2])
    ours = nn.MLP(3, [5, 4, 2], seed=123)
    assert len(ours.parameters()) == len(theirs.parameters()) == 5 * 4 + 4 * 6 + 2 * 5
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        p.data = q.data
    rng = random.Random(0)
    for _ in range(10):
        x = [rng.uniform(-2, 2) for _ in range(3)]
        got = [v.data for v in ours(x)]
        want = [v.data for v in theirs(x)]
        assert got == pytest.approx(want, rel=1e-12, abs=1e-12)
    # micrograd's order: layer by layer, neuron by neuron, weights then bias
    names = [name for name, _ in ours.named_parameters()]
    assert names[:5] == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
        "layers.0.neurons.0.w.2",
        "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0",
    ]
    assert "layers.1.neurons.3.w.1" in names


def test_defaults_relu_hidden_linear_last() -> None:
    model = nn.MLP(2, [3, 3, 2])
    assert [layer.activation for layer in model.layers] == ["relu", "relu", "linear"]  # type: ignore[attr-defined]
    assert all(n.b.data == 0.0 for layer in model.layers for n in layer.neurons)  # type: ignore[attr-defined]
    assert all(-1.0 <= p.data <= 1.0 for p in model.parameters())


def test_output_convention_value_for_one_unit_list_otherwise() -> None:
    one = nn.MLP(2, [4, 1], seed=0)([0.5, 0.5])
    many = nn.MLP(2, [4, 3], seed=0)([0.5, 0.5])
    assert isinstance(one, Value)
    assert isinstance(many, list) and len(many) == 3


def test_one_unit_hidden_layer_works() -> None:
    model = nn.MLP(2, [1, 3, 1], seed=3)
    y = model([1.0, 2.0])
    y.backward()
    assert isinstance(y, Value)
    # and a lone Value (the output of a one-unit module) can be fed to the next module
    layer = nn.Layer(1, 2, seed=0)
    assert len(layer(nn.Layer(2, 1, seed=0)([1.0, 1.0]))) == 2


def test_micrograd_style_training_step_lowers_the_loss() -> None:
    model = nn.MLP(2, [8, 1], seed=0)
    xs = [[1.0, 2.0], [-1.0, 0.5], [0.0, -1.0]]
    ys = [1.0, -1.0, 1.0]

    def loss() -> Value:
        return sum(((model(x) - y) ** 2 for x, y in zip(xs, ys, strict=True)), Value(0.0))

    before = loss()
    model.zero_grad()
    before.backward()
    for p in model.parameters():
        p.data -= 0.01 * p.grad
    assert loss().data < before.data


# -- structure -----------------------------------------------------------------------


@given(
    nin=st.integers(1, 4),
    nouts=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    seed=st.integers(0, 2**32),
)
def test_parameter_count_and_state_round_trip(nin: int, nouts: list[int], seed: int) -> None:
    a = nn.MLP(nin, nouts, seed=seed)
    sizes = [nin, *nouts]
    assert len(a.parameters()) == sum((i + 1) * o for i, o in itertools.pairwise(sizes))
    b = nn.MLP(nin, nouts, seed=seed + 1)
    b.load_state_dict(a.state_dict())
    x = [0.3 * i - 0.5 for i in range(nin)]
    assert _data(a.forward(x)) == _data(b.forward(x))
    assert a.state_dict() == b.state_dict()


def test_zero_grad_and_grads_flow_to_every_parameter() -> None:
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    model([1.0, -1.0]).backward()
    assert all(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_requires_grad_false_freezes_a_layer() -> None:
    model = nn.MLP(2, [3, 3, 1], activation="tanh", seed=0)
    model.layers[0].requires_grad_(False)
    model([1.0, -1.0]).backward()
    assert all(p.grad == 0.0 and not p.requires_grad for p in model.layers[0].parameters())
    assert all(p.grad != 0.0 for p in model.layers[1].parameters())
    model.requires_grad_(True)
    assert all(p.requires_grad for p in model.parameters())


def test_train_eval_reach_every_submodule() -> None:
    model = nn.Sequential(nn.Linear(2, 2, seed=0), nn.Dropout(0.5), nn.Sequential(nn.ReLU()))
    assert model.eval() is model
    assert [m.training for m in model.modules()] == [
        False
    ] * 7  # 2 Sequentials, Linear, its 2 Neurons, Dropout, ReLU
    model.train()
    assert all(m.training for m in model.modules())


def test_shared_parameter_listed_once() -> None:
    layer = nn.Linear(2, 2, seed=0)
    model = nn.Sequential(layer, layer)
    assert len(model.parameters()) == 6


def test_sequential_replace_output_layer_for_fine_tuning() -> None:
    model = nn.MLP(2, [4, 3], seed=0)
    model[-1] = nn.Linear(4, 5, seed=1)
    assert len(model([1.0, 2.0])) == 5
    assert len(model) == 2 and isinstance(model[0], nn.Layer)
    with pytest.raises(TypeError, match="Modules"):
        model[0] = "not a module"  # type: ignore[assignment]


def test_repr_is_readable() -> None:
    assert repr(nn.MLP(2, [16, 1])) == "MLP(2, [16, 1], activation='relu', init='uniform')"
    assert "Linear(2, 3" in repr(nn.Sequential(nn.Linear(2, 3), nn.Tanh()))


# -- state dicts ---------------------------------------------------------------------


def test_load_state_dict_rejects_bad_states_and_changes_nothing() -> None:
    model = nn.MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    # every good entry differs from the model's own value (another seed's weights;
    # the biases, 0 in both, shifted), so a load that wrote entries before it
    # found the bad one would show in the state dict
    good = {
        k: v + 0.5 * k.endswith(".b") for k, v in nn.MLP(2, [2, 1], seed=1).state_dict().items()
    }
    assert all(good[k] != before[k] for k in good)

    # the bad entry is the model's last one, and last in the dict too: a load
    # that goes through either order and writes as it goes has written the rest
    key = list(good)[-1]

    def with_last(value: object) -> dict[str, object]:
        return {**{k: v for k, v in good.items() if k != key}, key: value}

    missing = {k: v for k, v in good.items() if k != key}
    extra = {**good, "layers.2.neurons.0.b": 0.0}
    for bad, error, text in [
        (missing, ValueError, f"missing keys: {key}"),
        (extra, ValueError, "unexpected keys: layers.2.neurons.0.b"),
        (with_last("abc"), TypeError, key),
        (with_last(math.nan), ValueError, "finite"),
        (with_last(True), TypeError, "bool"),
        (with_last(10**400), ValueError, "too large for a float"),
        ([1.0], TypeError, "mapping"),
    ]:
        with pytest.raises(error, match=text):
            model.load_state_dict(bad)  # type: ignore[arg-type]
        assert model.state_dict() == before


def test_load_state_dict_non_strict_reports_keys() -> None:
    model = nn.MLP(2, [1], seed=0)
    result = model.load_state_dict({"layers.0.neurons.0.b": 0.5, "other": 1.0}, strict=False)
    assert result.missing_keys == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1"]
    assert result.unexpected_keys == ["other"]
    assert model.layers[0].neurons[0].b.data == 0.5  # type: ignore[attr-defined]


# -- initialisation -----------------------------------------------------------------


def test_seeded_init_is_reproducible_and_seeds_differ() -> None:
    for scheme in ["uniform", "he_normal", "he_uniform", "xavier_normal", "xavier_uniform", "he"]:
        a = nn.MLP(3, [4, 2], init=scheme, seed=5).state_dict()
        assert a == nn.MLP(3, [4, 2], init=scheme, seed=5).state_dict()
        assert a != nn.MLP(3, [4, 2], init=scheme, seed=6).state_dict()


@pytest.mark.parametrize(
    ("scheme", "std"),
    [
        ("uniform", 1 / math.sqrt(3)),
        ("he_normal", math.sqrt(2 / 50)),
        ("he_uniform", math.sqrt(2 / 50)),
        ("xavier_normal", math.sqrt(2 / (50 + 30))),
        ("xavier_uniform", math.sqrt(2 / (50 + 30))),
        ("glorot", math.sqrt(2 / (50 + 30))),
        ("kaiming", math.sqrt(2 / 50)),
    ],
)
def test_init_scheme_spread(scheme: str, std: float) -> None:
    w = sample_weights(scheme, 4000, fan_in=50, fan_out=30, rng=make_rng(0))
    assert statistics.pstdev(w) == pytest.approx(std, rel=0.06)
    assert abs(statistics.fmean(w)) < 0.1 * std
    if scheme.endswith("uniform") or scheme in ("uniform", "glorot"):
        bound = math.sqrt(3) * std
        assert max(abs(x) for x in w) <= bound


def test_layer_init_uses_layer_fans() -> None:
    layer = nn.Layer(200, 50, init="xavier_uniform", seed=0)
    bound = math.sqrt(6 / 250)
    ws = [p.data for n in layer.neurons for p in n.w]
    assert max(abs(w) for w in ws) <= bound
    assert max(abs(w) for w in ws) > 0.9 * bound


def test_calculate_gain_matches_pytorch_table() -> None:
    assert calculate_gain("relu") == math.sqrt(2)
    assert calculate_gain("tanh") == 5 / 3
    assert calculate_gain("leaky_relu", 0.2) == math.sqrt(2 / 1.04)
    with pytest.raises(ValueError, match="softsign"):
        calculate_gain("softsign")


# -- input checks --------------------------------------------------------------------


def test_bad_arguments_raise_clear_errors() -> None:
    with pytest.raises(ValueError, match="unknown activation 'relux'"):
        nn.MLP(2, [2], activation="relux")
    with pytest.raises(ValueError, match="unknown init scheme 'lecun'"):
        nn.MLP(2, [2], init="lecun")
    with pytest.raises(ValueError, match="nin must be at least 1"):
        nn.MLP(0, [2])
    with pytest.raises(TypeError, match="nouts must be a non-empty list"):
        nn.MLP(2, 3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"nouts\[1\] must be an int"):
        nn.MLP(2, [3, 2.5])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="seed must be"):
        nn.MLP(2, [2], seed="abc")  # type: ignore[arg-type]
    model = nn.MLP(2, [2, 1], seed=0)
    with pytest.raises(ValueError, match="expects 2 inputs, got 3"):
        model([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="input must be a sequence of numbers or Values"):
        model("ab")
    with pytest.raises(TypeError, match=r"input\[1\] must be a number"):
        model([1.0, "x"])
    with pytest.raises(ValueError, match=r"input\[0\] must be finite"):
        model([math.inf, 1.0])
    with pytest.raises(ValueError, match=r"input\[0\] is an int too large for a float"):
        model([10**400, 1.0])


# -- second derivatives through a network ------------------------------------------------


def test_second_derivative_through_an_mlp_matches_finite_differences() -> None:
    model = nn.MLP(2, [3, 1], activation="tanh", seed=1)
    w = model.layers[0].neurons[0].w[0]  # type: ignore[attr-defined]

    def dy_dx(at_w: float) -> float:
        w.data = at_w
        x = Value(0.7)
        (g,) = grad(model([x, 0.3]), x)
        return float(g)

    # d/dw (dy/dx) by the engine, against a central difference of dy/dx
    w0, h = w.data, 1e-6
    numeric = (dy_dx(w0 + h) - dy_dx(w0 - h)) / (2 * h)
    w.data = w0
    x = Value(0.7)
    (gx,) = grad(model([x, 0.3]), x, create_graph=True)
    (gxw,) = grad(gx, w)
    assert gxw == pytest.approx(numeric, rel=1e-5)
    assert gxw != 0.0


# -- element-wise modules, Dropout ----------------------------------------------------------


def test_activation_modules() -> None:
    x = [-2.0, 0.0, 3.0]
    assert _data(nn.ReLU()(x)) == [0.0, 0.0, 3.0]
    assert _data(nn.Tanh()(x)) == [math.tanh(v) for v in x]
    assert _data(nn.Sigmoid()([0.0])) == 0.5
    assert _data(nn.LeakyReLU(0.5)(x)) == [-1.0, 0.0, 3.0]
    assert _data(nn.Flatten()([[[1.0]], [[2.0], [3.0]]])) == [1.0, 2.0, 3.0]


def test_dropout_training_eval_and_seed() -> None:
    d = nn.Dropout(0.25, seed=1)
    out = _data(d([1.0] * 2000))
    assert isinstance(out, list)
    assert set(out) == {0.0, 1 / 0.75}
    assert out.count(0.0) / 2000 == pytest.approx(0.25, abs=0.03)
    assert _data(nn.Dropout(0.25, seed=1)([1.0] * 2000)) == out
    d.eval()
    assert _data(d([1.0, 2.0])) == [1.0, 2.0]
    assert _data(nn.Dropout(1.0).train()([1.0, 2.0])) == [0.0, 0.0]
    for p in (-0.1, 1.5, math.nan):
        with pytest.raises(ValueError, match="dropout probability p must be"):
            nn.Dropout(p)
    for bad in ("0.5", True, None):
        with pytest.raises(TypeError, match="dropout probability p must be a real number"):
            nn.Dropout(bad)  # type: ignore[arg-type]


def test_dropped_units_take_no_gradient() -> None:
    w = Value(2.0)
    outs = nn.Dropout(0.5, seed=3)([w * 1.0 for _ in range(20)])
    sum(outs, Value(0.0)).backward()
    kept = sum(1 for o in outs if o.data != 0.0)
    assert w.grad == pytest.approx(kept * 2.0)


# -- BatchNorm1d ---------------------------------------------------------------------------------


def test_batchnorm_normalises_each_feature() -> None:
    bn = nn.BatchNorm1d(2)
    batch = [[1.0, 10.0], [2.0, 20.0], [6.0, 0.0]]
    out = bn.call_batch(batch)
    for j in range(2):
        col = [row[j].data for row in out]
        assert statistics.fmean(col) == pytest.approx(0.0, abs=1e-12)
        assert statistics.pvariance(col) == pytest.approx(1.0, rel=1e-4)
    with pytest.raises(ValueError, match="mini-batch"):
        bn([1.0, 2.0])
    with pytest.raises(ValueError, match="at least 2 examples"):
        bn.call_batch([[1.0, 2.0]])
    bn.eval()
    assert len(bn([1.0, 2.0])) == 2


def test_batchnorm_checks_its_arguments() -> None:
    for kwargs, error, text in [
        ({"eps": "x"}, TypeError, "eps must be a real number, got str"),
        ({"eps": 0.0}, ValueError, "eps must be a finite number > 0"),
        ({"eps": math.inf}, ValueError, "eps must be a finite number > 0, got inf"),
        ({"momentum": None}, TypeError, "momentum must be a number"),
        ({"momentum": "0.1"}, TypeError, "momentum must be a real number"),
        ({"momentum": True}, TypeError, "momentum must be a real number"),
        ({"momentum": 1.5}, ValueError, r"momentum must be in \[0, 1\]"),
    ]:
        with pytest.raises(error, match=text):
            nn.BatchNorm1d(2, **kwargs)


def test_batchnorm_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    batch = [[0.5, -1.0, 2.0], [1.5, 0.0, -2.0], [-0.5, 3.0, 1.0], [2.0, 1.0, 0.0]]
    ours = nn.BatchNorm1d(3, momentum=0.2)
    ours.weight[1].data = 1.5  # type: ignore[index]
    ours.bias[2].data = -0.25  # type: ignore[index]
    theirs = torch.nn.BatchNorm1d(3, momentum=0.2).double()
    with torch.no_grad():
        theirs.weight[1] = 1.5
        theirs.bias[2] = -0.25
    xs = [[Value(v) for v in row] for row in batch]
    out = ours.call_batch(xs)
    tx = torch.tensor(batch, dtype=torch.float64, requires_grad=True)
    tout = theirs(tx)
    coef = [[0.3, -1.0, 2.0], [1.0, 0.5, -0.7], [0.2, 0.1, 0.0], [-1.0, 2.0, 1.0]]
    loss = sum(
        (o * c for r, cr in zip(out, coef, strict=True) for o, c in zip(r, cr, strict=True)),
        Value(0.0),
    )
    loss.backward()
    (tout * torch.tensor(coef, dtype=torch.float64)).sum().backward()
    flat = [v.data for row in out for v in row]
    assert flat == pytest.approx(tout.detach().flatten().tolist(), abs=1e-12)
    assert [x.grad for r in xs for x in r] == pytest.approx(tx.grad.flatten().tolist(), abs=1e-10)
    assert [p.grad for p in ours.weight] == pytest.approx(theirs.weight.grad.tolist(), abs=1e-10)  # type: ignore[union-attr]
    state = ours.state_dict()
    assert [state[f"running_mean.{j}"] for j in range(3)] == pytest.approx(
        theirs.running_mean.tolist()
    )
    assert [state[f"running_var.{j}"] for j in range(3)] == pytest.approx(
        theirs.running_var.tolist()
    )
    ours.eval()
    theirs.eval()
    probe = [0.1, 0.2, 0.3]
    assert _data(ours(probe)) == pytest.approx(
        theirs(torch.tensor([probe], dtype=torch.float64))[0].tolist()
    )


# -- convolutions ---------------------------------------------------------------------------------


def test_conv1d_by_hand() -> None:
    conv = nn.Conv1d(1, 1, 3, stride=2, padding=1, seed=0)
    for k, w in enumerate([1.0, 2.0, 3.0]):
        conv.weight[0][0][k].data = w
    conv.bias[0].data = 0.5  # type: ignore[index]
    # padded input: 0 1 2 3 4 0 -> windows at 0, 2: (0,1,2), (2,3,4)
    out = conv([[1.0, 2.0, 3.0, 4.0]])
    assert _data(out) == [[0 + 2 + 6 + 0.5, 2 + 6 + 12 + 0.5]]


@pytest.mark.parametrize("dims", [1, 2])
def test_conv_matches_pytorch(dims: int) -> None:
    torch = pytest.importorskip("torch")
    rng = random.Random(dims)
    if dims == 1:
        ours: nn.Module = nn.Conv1d(2, 3, 3, stride=2, padding=1, seed=0)
        theirs = torch.nn.Conv1d(2, 3, 3, stride=2, padding=1).double()
        shape: tuple[int, ...] = (2, 7)
    else:
        ours = nn.Conv2d(2, 3, (2, 3), stride=(1, 2), padding=(1, 0), seed=0)
        theirs = torch.nn.Conv2d(2, 3, (2, 3), stride=(1, 2), padding=(1, 0)).double()
        shape = (2, 4, 5)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(_data(ours.weight), dtype=torch.float64))  # type: ignore[attr-defined]
        theirs.bias.copy_(torch.tensor(_data(ours.bias), dtype=torch.float64))  # type: ignore[attr-defined]
    tx = torch.tensor([rng.uniform(-1, 1) for _ in range(math.prod(shape))], dtype=torch.float64)
    tx = tx.reshape(shape).requires_grad_(True)
    out = ours(tx.detach().tolist())
    tout = theirs(tx)
    flat_ours = nn.Flatten()(out)
    assert [v.data for v in flat_ours] == pytest.approx(tout.detach().flatten().tolist(), abs=1e-12)
    coef = [rng.uniform(-1, 1) for _ in flat_ours]
    sum((v * c for v, c in zip(flat_ours, coef, strict=True)), Value(0.0)).backward()
    (tout.flatten() * torch.tensor(coef, dtype=torch.float64)).sum().backward()
    got = [p.grad for p in nn.Flatten()(ours.weight)]  # type: ignore[attr-defined]
    assert got == pytest.approx(theirs.weight.grad.flatten().tolist(), abs=1e-10)
    assert [b.grad for b in ours.bias] == pytest.approx(theirs.bias.grad.tolist(), abs=1e-10)  # type: ignore[attr-defined]
    names = [n for n, _ in ours.named_parameters()]
    assert names[0] == ("weight.0.0.0" if dims == 1 else "weight.0.0.0.0")


def test_conv_checks_its_input() -> None:
    conv = nn.Conv2d(1, 1, 3)
    with pytest.raises(ValueError, match="expects 1 input channels, got 2"):
        conv([[[1.0]], [[1.0]]])
    with pytest.raises(ValueError, match="smaller than the kernel"):
        conv([[[1.0, 2.0], [3.0, 4.0]]])
    with pytest.raises(ValueError, match="shape"):
        conv([[[1.0, 2.0, 3.0], [3.0, 4.0]]])
    with pytest.raises(ValueError, match="kernel_size must be at least 1"):
        nn.Conv1d(1, 1, 0)


def test_sequential_slice_shares_modules() -> None:
    model = nn.MLP(2, [3, 4, 1], seed=0)
    head = model[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is model[0]
    assert len(head([1.0, 2.0])) == 4


def test_one_example_is_a_batch_of_one_and_as_list_undoes_the_lone_value() -> None:
    model = nn.Sequential(
        nn.Linear(2, 3, seed=0), nn.BatchNorm1d(3).eval(), nn.Linear(3, 1, seed=1)
    )
    xs = [[1.0, -2.0], [0.5, 0.25]]
    batch = model.call_batch(xs)
    for x, out in zip(xs, batch, strict=True):
        one = model(x)
        assert isinstance(one, Value) and isinstance(out, Value)  # micrograd's lone Value
        assert one.data == out.data
        assert nn.as_list(one) == [one]
        assert nn.as_output(nn.as_list(one)) is one
    wide = nn.Linear(2, 3, seed=0)
    assert [v.data for v in nn.as_list(wide(xs[0]))] == [v.data for v in wide.call_batch(xs)[0]]
