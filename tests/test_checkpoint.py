"""autograd_lite.checkpoint: JSON round trips, atomic saves, every bad file refused cleanly."""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from autograd_lite import checkpoint, checks, nn, optim
from autograd_lite.checkpoint import (
    MAX_BYTES,
    MAX_DEPTH,
    VERSION,
    CheckpointError,
    load,
    max_bytes_for,
    save,
)
from autograd_lite.losses import hinge_loss
from autograd_lite.train import fit


def _trained() -> tuple[nn.MLP, optim.Adam]:
    model = nn.MLP(2, [4, 1], seed=0)
    opt = optim.Adam(model.parameters(), lr=0.01)
    X, y = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [1, 0, 1]
    fit(model, hinge_loss, opt, (X, y), epochs=2, batch_size=3, progress=False)
    return model, opt


def test_round_trip_model_optimizer_and_metadata(tmp_path: Path) -> None:
    model, opt = _trained()
    path = tmp_path / "ckpt.json"
    save(path, model, optimizer=opt, metadata={"epoch": 2, "note": "moons"})
    doc = json.loads(path.read_text())
    assert doc["format"] == "autograd_lite.checkpoint" and doc["version"] == VERSION
    assert doc["model"]["type"] == "MLP" and doc["optimizer"]["type"] == "Adam"

    other = nn.MLP(2, [4, 1], seed=9)
    other_opt = optim.Adam(other.parameters(), lr=0.5)
    assert load(path, other, optimizer=other_opt) == {"epoch": 2, "note": "moons"}
    assert other.state_dict() == model.state_dict()  # floats survive JSON exactly
    assert other_opt.param_groups[0]["lr"] == 0.01
    # the two optimisers now take identical steps
    for m in (model, other):
        m.zero_grad()
        m([1.0, 1.0]).backward()
    opt.step()
    other_opt.step()
    assert other.state_dict() == model.state_dict()


def test_save_replaces_atomically_and_a_failed_save_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model, _ = _trained()
    path = tmp_path / "ckpt.json"
    save(path, model)
    before = path.read_bytes()

    def crash(*args: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    model.layers[0].neurons[0].b.data = 123.0  # type: ignore[attr-defined]
    with pytest.raises(OSError, match="disk full"):
        save(path, model)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.json"]  # no temporary file left behind


def test_save_refuses_non_finite_weights_and_missing_directory(tmp_path: Path) -> None:
    model = nn.MLP(2, [1], seed=0)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save(tmp_path / "nope" / "m.json", model)
    # .data = inf is refused now; a model that diverged inside the engine is simulated
    model.layers[0].neurons[0].w[0]._data = float("inf")  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match=r"layers.0.neurons.0.w.0 is inf"):
        save(tmp_path / "m.json", model)
    assert os.listdir(tmp_path) == []


def _good_doc(tmp_path: Path) -> dict[str, Any]:
    model, opt = _trained()
    path = tmp_path / "good.json"
    save(path, model, optimizer=opt)
    doc: dict[str, Any] = json.loads(path.read_text())
    return doc


def _variants(doc: dict[str, Any], text: str) -> list[tuple[str, str, str]]:
    """(name, file contents, expected message) for every kind of bad file."""

    def edited(**changes: Any) -> str:
        d = json.loads(json.dumps(doc))
        for dotted, value in changes.items():
            target = d
            keys = dotted.split("__")
            for k in keys[:-1]:
                target = target[k]
            if value is _DELETE:
                del target[keys[-1]]
            else:
                target[keys[-1]] = value
        return json.dumps(d)

    state = doc["model"]["state"]
    first = next(iter(state))
    return [
        ("empty", "", "empty"),
        ("truncated", text[: len(text) // 2], "not valid JSON"),
        ("garbage", "\x00\x01 not json", "not valid JSON"),
        ("nan", text.replace(str(state[first]), "NaN", 1), "not valid JSON.*NaN"),
        ("not a checkpoint", json.dumps({"weights": [1, 2]}), "not an autograd_lite checkpoint"),
        ("list", "[1, 2]", "not an autograd_lite checkpoint"),
        ("newer version", edited(version=VERSION + 1), "newer than this library"),
        ("bad version", edited(version="1"), "invalid format version"),
        ("no model", edited(model=_DELETE), "no model state"),
        ("missing key", edited(**{f"model__state__{first}": _DELETE}), f"missing keys: {first}"),
        ("extra key", edited(**{"model__state__layers.9.b": 1.0}), "unexpected keys: layers.9.b"),
        ("non-number", edited(**{f"model__state__{first}": "0.5"}), "must be a real number"),
        ("null", edited(**{f"model__state__{first}": None}), "must be a real number"),
        ("optimizer kind", edited(optimizer__type="SGD"), "SGD optimizer, not a Adam"),
        ("optimizer state", edited(optimizer__state={"state": {}}), "optimizer state does not fit"),
        ("no optimizer", edited(optimizer=_DELETE), "no optimizer state"),
        # JSON allows integers of any size; 10**400 does not fit in a float
        ("huge weight", edited(**{f"model__state__{first}": 10**400}), "too large for a float"),
        ("huge lr", _with_huge_lr(doc), "optimizer state does not fit"),
        ("deep nesting", "[" * 100_000, "nested too deeply"),
    ]


def _with_huge_lr(doc: dict[str, Any]) -> str:
    d = json.loads(json.dumps(doc))
    d["optimizer"]["state"]["param_groups"][0]["lr"] = 10**400
    return json.dumps(d)


_DELETE = object()


def test_bad_files_raise_clear_errors_and_change_nothing(tmp_path: Path) -> None:
    doc = _good_doc(tmp_path)
    text = (tmp_path / "good.json").read_text()
    for name, contents, message in _variants(doc, text):
        path = tmp_path / f"{name}.json"
        path.write_text(contents)
        model = nn.MLP(2, [4, 1], seed=5)
        opt = optim.Adam(model.parameters(), lr=0.3)
        model([1.0, 1.0]).backward()
        opt.step()  # some optimiser state to keep
        before = (model.state_dict(), opt.state_dict())
        with pytest.raises(CheckpointError, match=message):
            load(path, model, optimizer=opt)
        assert (model.state_dict(), opt.state_dict()) == before, name


def test_wrong_architecture_names_both_models(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    save(path, nn.MLP(2, [16, 16, 1], seed=0))
    small = nn.MLP(2, [8, 1], seed=0)
    before = small.state_dict()
    with pytest.raises(
        CheckpointError, match=r"holds MLP\(2, \[16, 16, 1\].*this is MLP\(2, \[8, 1\]"
    ):
        load(path, small)
    assert small.state_dict() == before


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        load(tmp_path / "absent.json", nn.MLP(2, [1]))


def test_never_pickle() -> None:
    import autograd_lite.checkpoint as module

    source = Path(module.__file__).read_text()
    assert "pickle" not in source.replace("never pickle", "")


# -- hostile files and paths (issue 9) -------------------------------------------------


@pytest.mark.parametrize("kind", ["fifo", "directory", "dev-zero"])
def test_only_regular_files_are_read_and_nothing_blocks(tmp_path: Path, kind: str) -> None:
    if kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs on this system")
        path = str(tmp_path / "pipe")
        os.mkfifo(path)  # opening it for reading would wait for a writer forever
        expected = "it is a FIFO"
    elif kind == "directory":
        path, expected = str(tmp_path), "it is a directory"
    else:
        if not os.path.exists("/dev/zero"):
            pytest.skip("no /dev/zero on this system")
        path, expected = "/dev/zero", "it is a character device"
    model = nn.MLP(2, [1], seed=0)
    before = model.state_dict()
    with pytest.raises(CheckpointError, match=expected):
        load(path, model)
    assert model.state_dict() == before


def test_a_file_larger_than_the_cap_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    model = nn.MLP(2, [4, 1], seed=0)
    path = tmp_path / "m.json"
    save(path, model)
    size = path.stat().st_size
    with pytest.raises(CheckpointError, match=rf"{size:,} bytes, more than the {size - 1:,}"):
        load(path, model, max_bytes=size - 1)
    assert load(path, model, max_bytes=size) == {}
    big = tmp_path / "big.json"
    with open(big, "wb") as f:  # sparse: one byte over the default cap, zeros, not JSON at all
        f.truncate(max_bytes_for(model) + 1)
    with pytest.raises(CheckpointError, match="more than the"):
        load(big, model)
    with pytest.raises(ValueError, match="max_bytes must be an int >= 1"):
        load(path, model, max_bytes=0)


def _tanh_variant() -> nn.Module:
    return nn.MLP(2, [3, 1], activation="tanh", seed=0)


@pytest.mark.parametrize(
    ("saved", "other", "where"),
    [
        (lambda: nn.MLP(2, [3, 1], seed=0), _tanh_variant, "the top level"),
        (
            lambda: nn.Sequential(nn.Linear(2, 2, seed=0), nn.LeakyReLU(0.1)),
            lambda: nn.Sequential(nn.Linear(2, 2, seed=0), nn.LeakyReLU(0.2)),
            "'layers.1' the file has LeakyReLU\\(negative_slope=0.1\\)",
        ),
        (
            lambda: nn.Sequential(nn.Linear(2, 2, seed=0), nn.ReLU()),
            lambda: nn.Sequential(nn.Linear(2, 2, seed=0), nn.Tanh()),
            "'layers.1' the file has ReLU\\(\\), this model has Tanh\\(\\)",
        ),
        (
            lambda: nn.Sequential(nn.Linear(2, 2, seed=0), nn.Dropout(0.5)),
            lambda: nn.Sequential(nn.Linear(2, 2, seed=0), nn.Dropout(0.1)),
            "'layers.1' the file has Dropout\\(p=0.5\\), this model has Dropout\\(p=0.1\\)",
        ),
    ],
)
def test_same_shapes_but_another_architecture_is_refused(
    tmp_path: Path, saved: Any, other: Any, where: str
) -> None:
    path = tmp_path / "m.json"
    save(path, saved())
    model = other()
    before = model.state_dict()
    with pytest.raises(CheckpointError, match=f"a different architecture: at {where}"):
        load(path, model)
    assert model.state_dict() == before


def test_a_version_1_file_without_architecture_still_loads(tmp_path: Path) -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    path = tmp_path / "m.json"
    save(path, model)
    doc = json.loads(path.read_text())
    del doc["model"]["architecture"]
    doc["version"] = 1
    path.write_text(json.dumps(doc))
    other = nn.MLP(2, [3, 1], seed=1)
    load(path, other)
    assert other.state_dict() == model.state_dict()
    doc["version"] = 2  # a version 2 file must carry its architecture
    path.write_text(json.dumps(doc))
    with pytest.raises(CheckpointError, match="no model architecture"):
        load(path, other)


def test_saving_through_a_symbolic_link_writes_its_target(tmp_path: Path) -> None:
    target = tmp_path / "real.json"
    link = tmp_path / "latest.json"
    save(target, nn.MLP(2, [1], seed=0))
    link.symlink_to(target.name)
    newer = nn.MLP(2, [1], seed=1)
    save(link, newer)
    assert link.is_symlink() and os.readlink(link) == target.name
    check = nn.MLP(2, [1], seed=2)
    load(target, check)
    assert check.state_dict() == newer.state_dict()
    assert sorted(os.listdir(tmp_path)) == ["latest.json", "real.json"]


def test_a_killed_save_leaves_a_visible_tmp_file_that_the_next_save_removes(
    tmp_path: Path,
) -> None:
    model = nn.MLP(2, [1], seed=0)
    code = (
        "import os, sys\n"
        "from autograd_lite import nn, checkpoint\n"
        "os.fsync = lambda fd: os._exit(9)  # killed after writing, before the rename\n"
        "checkpoint.save(sys.argv[1], nn.MLP(2, [1], seed=0))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "m.json")], env=env, timeout=60
    )
    assert done.returncode == 9
    (left,) = os.listdir(tmp_path)
    assert re.fullmatch(r"m\.json\.\d+-\w+\.tmp", left), left  # named after the target
    mine = tmp_path / f"m.json.{os.getpid()}-inuse.tmp"  # a save in progress: kept
    mine.write_text("{}")
    save(tmp_path / "m.json", model)
    assert sorted(os.listdir(tmp_path)) == ["m.json", mine.name]


def test_text_from_the_file_is_short_and_printable_in_messages(tmp_path: Path) -> None:
    model = nn.MLP(2, [1], seed=0)
    path = tmp_path / "m.json"
    save(path, model)
    doc = json.loads(path.read_text())
    doc["model"]["repr"] = "\x1b[2J\x07" + "A" * 1_000_000
    doc["model"]["state"]["\x1b[31m" + "k" * 100_000] = 1.0
    path.write_text(json.dumps(doc))
    with pytest.raises(CheckpointError) as info:
        load(path, model)
    message = str(info.value)
    assert len(message) < 1000 and message.isprintable(), message
    assert "\\x1b[2J\\x07AAA" in message and "1,000,005 characters" in message


def test_a_key_twice_in_a_file_is_refused(tmp_path: Path) -> None:
    model = nn.MLP(2, [1], seed=0)
    path = tmp_path / "m.json"
    save(path, model)
    text = path.read_text().replace('"format"', '"version": 1, "format"', 1)
    path.write_text(text)
    with pytest.raises(CheckpointError, match="the key 'version' appears twice"):
        load(path, model)


def test_metadata_that_json_cannot_round_trip_is_refused_at_save(tmp_path: Path) -> None:
    model = nn.MLP(2, [1], seed=0)
    path = tmp_path / "m.json"
    for metadata in ({1: "a", "1": "b"}, {"run": [{True: 1, "true": 2}]}):
        with pytest.raises(ValueError, match="appears twice in one object once JSON writes"):
            save(path, model, metadata=metadata)
    deep: list[Any] = []
    for _ in range(10_000):
        deep = [deep]
    loop: dict[str, Any] = {}
    loop["self"] = loop
    for metadata in ({"deep": deep}, loop):
        with pytest.raises(ValueError, match=f"more than {MAX_DEPTH} levels deep"):
            save(path, model, metadata=metadata)
    assert not path.exists()
    nested: Any = "leaf"
    for _ in range(MAX_DEPTH - 1):
        nested = {"k": nested}
    save(path, model, metadata=nested)  # as deep as allowed: saved and read back
    assert load(path, model) == nested


def test_save_refuses_an_empty_path_and_a_directory(tmp_path: Path) -> None:
    model = nn.MLP(2, [1], seed=0)
    with pytest.raises(ValueError, match="the path is empty"):
        save("", model)
    with pytest.raises(IsADirectoryError, match="it is a directory"):
        save(tmp_path, model)
    with pytest.raises(FileNotFoundError, match="the path is empty"):
        load("", model)
    assert os.listdir(tmp_path) == []


# -- the default cap follows the model (issue 16, section 3) ---------------------------------


@pytest.mark.slow
def test_a_large_model_saved_then_loaded_round_trips_by_default(tmp_path: Path) -> None:
    """MLP 50-600-600-1 writes about 20 MB, over the 8 MiB that load once read by default."""
    model = nn.MLP(50, [600, 600, 1], seed=0)
    path = tmp_path / "big.json"
    save(path, model)
    assert path.stat().st_size > MAX_BYTES
    other = nn.MLP(50, [600, 600, 1], seed=1)
    assert load(path, other) == {}
    assert other.state_dict() == model.state_dict()


OPTIMIZERS: dict[str, Any] = {
    "SGD momentum": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
    "Adam amsgrad": lambda ps: optim.Adam(ps, amsgrad=True),
    "AdamW": lambda ps: optim.AdamW(ps),
    "RMSprop centered": lambda ps: optim.RMSprop(ps, centered=True, momentum=0.9),
    "Adagrad": lambda ps: optim.Adagrad(ps),
    "a group per parameter": lambda ps: optim.Adam([{"params": [p]} for p in ps], amsgrad=True),
}


@pytest.mark.parametrize("kind", list(OPTIMIZERS))
@pytest.mark.parametrize(
    "make",
    [
        lambda: nn.MLP(7, [9, 3], seed=0),
        lambda: nn.Sequential(
            nn.Linear(3, 4, seed=0), nn.BatchNorm1d(4), nn.Tanh(), nn.Linear(4, 2, seed=1)
        ),
        lambda: nn.Sequential(nn.Sequential(nn.Sequential(nn.Linear(2, 2, seed=0)))),
    ],
)
def test_the_bound_per_parameter_covers_what_save_writes(
    kind: str, make: Callable[[], nn.Module], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a fixed overhead of only 1 KiB (not MAX_BYTES), every file save wrote still loads."""
    model = make()
    opt = OPTIMIZERS[kind](model.parameters())
    for p in model.parameters():
        p.grad = -1.2345678901234567e-300  # the longest numbers JSON writes
    opt.step()
    path = tmp_path / "m.json"
    save(path, model, optimizer=opt, metadata={"note": "x"})
    monkeypatch.setattr(checkpoint, "MAX_BYTES", 1024)
    assert path.stat().st_size <= max_bytes_for(model)
    load(path, make(), optimizer=OPTIMIZERS[kind](make().parameters()))


def test_a_hostile_file_is_still_refused_before_it_is_read(tmp_path: Path) -> None:
    model = nn.MLP(2, [3, 1], seed=0)
    cap = max_bytes_for(model)
    assert MAX_BYTES < cap < MAX_BYTES + 10_000  # a small model: barely more than the overhead
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as f:  # sparse, 1 TB: refused from its size, never read
        f.truncate(10**12)
    with pytest.raises(CheckpointError, match=rf"more than the {cap:,} that load reads"):
        load(huge, model)
    deep = tmp_path / "deep.json"
    deep.write_text("[" * (cap - 1))
    with pytest.raises(CheckpointError, match="nested too deeply"):
        load(deep, model)


def test_the_readme_states_the_bounds_the_code_uses() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    text = " ".join(readme.split())
    assert f"{checkpoint.BYTES_PER_PARAMETER} bytes per parameter" in text
    assert f"of at most {MAX_BYTES // 2**20} MiB" in text


def test_endless_metadata_is_refused_at_save(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Endless(Mapping[str, int]):
        def __getitem__(self, key: str) -> int:
            return 0

        def __iter__(self) -> Iterator[str]:
            return (str(i) for i in itertools.count())

        def __len__(self) -> int:
            return 1  # it lies

    monkeypatch.setattr(checks, "MAX_ITEMS", 100)
    with pytest.raises(
        ValueError, match=r"metadata: more than 100 items \(an endless iterator\?\)"
    ):
        save(tmp_path / "m.json", nn.MLP(2, [1], seed=0), metadata=Endless())
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(not os.path.exists("/proc/self/mem"), reason="needs Linux's /proc")
def test_a_file_whose_read_fails_is_a_checkpoint_error() -> None:
    """/proc/self/mem is a 'regular file' of size 0 whose read fails with EIO."""
    with pytest.raises(CheckpointError, match=r"/proc/self/mem cannot be read: Input/output error"):
        load("/proc/self/mem", nn.MLP(2, [1], seed=0))
