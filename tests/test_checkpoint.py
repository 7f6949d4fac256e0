"""autograd_lite.checkpoint: JSON round trips, atomic saves, every bad file refused cleanly."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from autograd_lite import nn, optim
from autograd_lite.checkpoint import VERSION, CheckpointError, load, save
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
    model.layers[0].neurons[0].w[0].data = float("inf")  # type: ignore[attr-defined]
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
        ("non-number", edited(**{f"model__state__{first}": "0.5"}), "must be a number"),
        ("null", edited(**{f"model__state__{first}": None}), "must be a number"),
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
