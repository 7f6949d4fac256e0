"""A standing hostile test of the training side: loaders under a memory cap, fuzzed checkpoints.

Every loader that reads what a file or a user supplies must finish quickly
within a bounded amount of memory, or refuse early with a clear message.
The checkpoint loader is fuzzed with mutated valid files (Hypothesis, a
bounded number of examples): each one either loads whole or raises
``CheckpointError`` with a short printable message, and the model and the
optimiser are unchanged when it raises. The demo's options that the
hostile review found are checked end to end.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd_lite import data, demo, nn, optim
from autograd_lite.checkpoint import MAX_BYTES, CheckpointError, load, save
from autograd_lite.cli import main

ROOT = Path(__file__).resolve().parent.parent

# -- loaders under a memory cap and a timeout ---------------------------------------------

#: The bounds that issue 9 sets for every loader: address space and wall time.
MEMORY_CAP = 500 * 2**20
TIME_CAP = 60.0  # seconds; generous, as the machine is shared (a blocked read never ends)

_LOADER = textwrap.dedent(
    """
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
    from autograd_lite import nn, optim
    from autograd_lite.checkpoint import CheckpointError, load
    model = nn.MLP(2, [4, 1], seed=0)
    try:
        load(sys.argv[1], model, optimizer=optim.Adam(model.parameters()))
    except (CheckpointError, FileNotFoundError) as error:
        print("refused:", error)
    else:
        print("loaded")
    """
)


def _make_input(kind: str, tmp_path: Path) -> str:
    path = tmp_path / f"{kind}.json"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "huge sparse file":
        with open(path, "wb") as f:
            f.truncate(2 * 2**30)  # 2 GB that read() would have to hold
    elif kind == "just under the cap, worst case for JSON":
        # "[]," is the densest JSON in Python objects: 3 bytes make one list
        head = b'{"format": "autograd_lite.checkpoint", "version": 2, "x": ['
        count = (MAX_BYTES - len(head) - 10) // 3
        path.write_bytes(head + b"[]," * count + b"[]]}")
        assert path.stat().st_size <= MAX_BYTES
    elif kind == "deep nesting":
        path.write_bytes(b"[" * (MAX_BYTES // 2))
    elif kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs on this system")
        os.mkfifo(path)
    elif kind == "/dev/zero":
        if not os.path.exists("/dev/zero"):
            pytest.skip("no /dev/zero on this system")
        return "/dev/zero"
    elif kind == "directory":
        path.mkdir()
    return str(path)


@pytest.mark.skipif(sys.platform == "win32", reason="resource.setrlimit is POSIX only")
@pytest.mark.parametrize(
    "kind",
    [
        "empty",
        "huge sparse file",
        pytest.param("just under the cap, worst case for JSON", marks=pytest.mark.slow),
        "deep nesting",
        "fifo",
        "/dev/zero",
        "directory",
    ],
)
def test_checkpoint_load_is_bounded_in_memory_and_time(kind: str, tmp_path: Path) -> None:
    path = _make_input(kind, tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", _LOADER.format(cap=MEMORY_CAP), path],
        capture_output=True,
        text=True,
        env=env,
        timeout=TIME_CAP,  # a FIFO opened for reading would block here forever
    )
    assert done.returncode == 0, done.stderr[-2000:]  # no MemoryError, no traceback
    assert done.stdout.startswith("refused: "), done.stdout
    assert len(done.stdout.splitlines()) == 1 and len(done.stdout) < 600


# -- fuzzing the checkpoint loader ------------------------------------------------------


def _valid_checkpoint(tmp_path: Path) -> bytes:
    model = nn.Sequential(nn.Linear(2, 3, seed=0), nn.LeakyReLU(0.1), nn.Linear(3, 1, seed=1))
    opt = optim.Adam(model.parameters(), lr=0.01)
    model([1.0, -1.0]).backward()
    opt.step()
    path = tmp_path / "valid.json"
    save(path, model, optimizer=opt, metadata={"epoch": 1, "notes": ["a", {"b": 2}]})
    return path.read_bytes()


def _fresh() -> tuple[nn.Module, optim.Adam]:
    model = nn.Sequential(nn.Linear(2, 3, seed=5), nn.LeakyReLU(0.1), nn.Linear(3, 1, seed=6))
    opt = optim.Adam(model.parameters(), lr=0.3)
    model([0.5, 0.5]).backward()
    opt.step()
    return model, opt


_BYTE_MUTATIONS: list[Callable[[bytes, int, int, bytes], bytes]] = [
    lambda b, i, j, new: b[:i] + b[j:],  # delete a slice
    lambda b, i, j, new: b[:i] + new + b[i:],  # insert bytes
    lambda b, i, j, new: b[:i] + new + b[j:],  # overwrite a slice
    lambda b, i, j, new: b[:i],  # truncate
    lambda b, i, j, new: b[:j] + b[i:j] + b[j:],  # repeat a slice
]

_JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document, as a tuple of keys and indices."""
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, (*prefix, i))
    return out


def _check_load(path: Path) -> None:
    """Load ``path``: it loads whole, or it is refused cleanly and nothing changes."""
    model, opt = _fresh()
    before = (model.state_dict(), json.dumps(opt.state_dict()))
    try:
        load(path, model, optimizer=opt)
    except CheckpointError as error:
        message = str(error)
        assert message.isprintable() and len(message) < 2000, message[:3000]
        assert (model.state_dict(), json.dumps(opt.state_dict())) == before
    else:  # what was loaded is usable: finite weights, and a step works
        model([1.0, 2.0]).backward()
        opt.step()


_FUZZ = settings(
    max_examples=150,
    deadline=2000,  # ms per example: a slow case is a bug too
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.slow
@_FUZZ
@given(
    mutation=st.sampled_from(range(len(_BYTE_MUTATIONS))),
    where=st.tuples(st.floats(0, 1), st.floats(0, 1)),
    new=st.binary(max_size=12) | st.sampled_from([b'"', b"{", b"]", b"NaN", b"1e999", b"\xff"]),
)
def test_fuzz_byte_mutations_of_a_valid_checkpoint(
    tmp_path_factory: pytest.TempPathFactory,
    mutation: int,
    where: tuple[float, float],
    new: bytes,
) -> None:
    tmp = tmp_path_factory.mktemp("fuzz")
    valid = _valid_checkpoint(tmp)
    i, j = sorted(int(w * len(valid)) for w in where)
    path = tmp / "mutated.json"
    path.write_bytes(_BYTE_MUTATIONS[mutation](valid, i, j, new))
    _check_load(path)


@pytest.mark.slow
@_FUZZ
@given(choice=st.integers(min_value=0), value=_JSON_VALUES, delete=st.booleans())
def test_fuzz_json_mutations_of_a_valid_checkpoint(
    tmp_path_factory: pytest.TempPathFactory, choice: int, value: Any, delete: bool
) -> None:
    tmp = tmp_path_factory.mktemp("fuzz")
    doc = json.loads(_valid_checkpoint(tmp))
    places = _paths(doc)[1:]  # not the whole document
    place = places[choice % len(places)]
    parent = doc
    for key in place[:-1]:
        parent = parent[key]
    if delete:
        del parent[place[-1]]
    else:
        parent[place[-1]] = value
    path = tmp / "mutated.json"
    path.write_text(json.dumps(doc))
    _check_load(path)


# -- the demo's options, end to end ------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--dataset", "blobs", "--samples", "1"], "--samples 1 is fewer than the 3 classes"),
        (["--dataset", "spirals", "--samples", "2"], "fewer than the 3 classes of spirals"),
        (["--samples", "1"], "--samples 1 is fewer than the 2 classes of moons"),
        (["--noise", "1e308"], f"--noise: expected a number from 0 to {demo.MAX_NOISE:g}"),
        (["--noise", "1e200"], "got '1e200'"),
        (["--noise", "nan"], "got 'nan'"),
        (["--samples", str(demo.MAX_SAMPLES + 1)], f"more than the demo's {demo.MAX_SAMPLES:,}"),
        (["--hidden", "100000,100000"], "one step would use 10,000,500,001 parameters"),
        (["--hidden", "64,64,64", "--dataset", "spirals", "--samples", "350"], "3,047,450 weight"),
    ],
)
def test_demo_refuses_hostile_options_in_one_line(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    try:
        code = main(["demo", *argv, "--epochs", "1", "--no-progress", "--out", str(out)])
    except SystemExit as stop:  # argparse's usage error
        code = int(stop.code or 0)
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1, err
    assert not out.exists()  # refused before anything was written


def test_the_demo_counts_parameters_as_the_mlp_has_them() -> None:
    for hidden, outputs in (([16, 16], 1), ([64, 64, 64], 3), ([], 1), ([5], 2)):
        model = nn.MLP(2, [*hidden, outputs], seed=0)
        assert demo.parameter_count(hidden, outputs) == len(model.parameters())


@pytest.mark.parametrize("dataset", list(demo.DATASETS))
def test_as_many_samples_as_classes_give_every_class_a_point(dataset: str) -> None:
    make, extra, noise = demo.DATASETS[dataset]
    k = demo.dataset_classes(dataset)
    for n in range(k, k + 4):
        _, y = make(n, noise=noise, seed=0, **extra)
        assert set(y) == set(range(k)), (dataset, n, y)


def test_leaky_relu_names_its_slope() -> None:
    with pytest.raises(TypeError, match="LeakyReLU negative_slope must be a real number, got str"):
        nn.LeakyReLU("a")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="LeakyReLU negative_slope must be finite"):
        nn.LeakyReLU(float("nan"))


def test_generator_arguments_too_large_for_a_float_are_named() -> None:
    with pytest.raises(ValueError, match="noise is an int too large for a float"):
        data.make_moons(10, noise=10**400)


# -- the README's table of refusals is what the code says -------------------------------


def _refusals_table() -> list[tuple[str, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### What training refuses", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `(.+?)` \| `(.+?)` \|$", section, re.M)


def test_readme_refusals_are_the_real_messages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from autograd_lite import Value, checkpoint
    from autograd_lite.data import Standardizer
    from autograd_lite.metrics import confusion_matrix
    from autograd_lite.optim import SGD, Adam, ExponentialLR, RMSprop

    monkeypatch.chdir(tmp_path)
    checkpoint.save("relu.json", nn.MLP(2, [3, 1], seed=0))
    names = {
        "Value": Value,
        "nn": nn,
        "checkpoint": checkpoint,
        "SGD": SGD,
        "Adam": Adam,
        "RMSprop": RMSprop,
        "ExponentialLR": ExponentialLR,
        "Standardizer": Standardizer,
        "confusion_matrix": confusion_matrix,
    }
    rows = _refusals_table()
    assert len(rows) >= 10
    for code, shown in rows:
        w = Value(1.0)
        w.grad = 1e10
        with pytest.raises(Exception) as info:
            eval(code, {**names, "w": w})  # our own README's code, not user input
        actual = f"{type(info.value).__name__}: {info.value}"
        if " ... " in shown:  # the README leaves out the middle of a long message
            head, _, tail = shown.partition(" ... ")
            assert actual.startswith(head) and actual.endswith(tail), (shown, actual)
        else:
            assert actual == shown
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"of at most {MAX_BYTES // 2**20} MiB" in text
    assert f"noise of at most {demo.MAX_NOISE:g}, at most {demo.MAX_SAMPLES:,} points" in text
    assert f"at most {demo.MAX_GRAPH:,} weight\nuses in one step" in text
    assert f"at most {demo.MAX_NEURON_RUNS:,}\nneuron runs" in text
