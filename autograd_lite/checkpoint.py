"""Save and load a model (and its optimiser) as versioned JSON: never pickle.

A checkpoint is a readable JSON file::

    {"format": "autograd_lite.checkpoint", "version": 1,
     "model": {"type": "MLP", "repr": "MLP(2, [16, 16, 1], ...)",
               "state": {"layers.0.neurons.0.w.0": 0.23, ...}},
     "optimizer": {"type": "SGD", "state": {...}},      (optional)
     "metadata": {...}}                                  (optional, your own JSON)

Saving is atomic: the JSON goes to a temporary file in the same directory,
which then replaces the target in one step (``os.replace``), so a crash
mid-save leaves the previous checkpoint whole. Loading checks everything
(the JSON, the format and version, every key and number, the optimiser's
state) before it changes anything: on any problem it raises an error that
names it, and the model and optimiser are exactly as they were.

>>> import tempfile, os
>>> from autograd_lite import nn
>>> model = nn.MLP(2, [4, 1], seed=0)
>>> path = os.path.join(tempfile.mkdtemp(), "model.json")
>>> save(path, model, metadata={"epochs": 10})
>>> other = nn.MLP(2, [4, 1], seed=1)
>>> load(path, other)
{'epochs': 10}
>>> other.state_dict() == model.state_dict()
True
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Mapping
from typing import Any

from autograd_lite.nn import Module

__all__ = ["FORMAT", "VERSION", "CheckpointError", "load", "save"]

FORMAT = "autograd_lite.checkpoint"
#: The format version this library writes and reads.
VERSION = 1

PathLike = str | os.PathLike[str]


class CheckpointError(ValueError):
    """A checkpoint file that cannot be loaded: corrupt, truncated, or not for this model."""


def save(
    path: PathLike,
    model: Module,
    *,
    optimizer: Any = None,
    metadata: Mapping[str, Any] | None = None,
) -> None:
    """Write ``model`` (and ``optimizer``'s state, and ``metadata``) to ``path`` atomically."""
    if not isinstance(model, Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    state = model.state_dict()
    for name, x in state.items():
        if not math.isfinite(x):
            raise ValueError(f"cannot save: {name} is {x} (the model has diverged)")
    doc: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "model": {"type": type(model).__name__, "repr": repr(model), "state": state},
    }
    if optimizer is not None:
        doc["optimizer"] = {"type": type(optimizer).__name__, "state": optimizer.state_dict()}
    if metadata is not None:
        doc["metadata"] = dict(metadata)
    try:
        text = json.dumps(doc, indent=1, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"cannot save to {os.fspath(path)}: not JSON-serialisable: {error}"
        ) from None
    _write_atomically(os.fspath(path), text)


def _write_atomically(path: str, text: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot save to {path}: directory {directory} does not exist")
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())  # the bytes are on disk before the rename makes them visible
        os.chmod(tmp, os.stat(path).st_mode & 0o777 if os.path.exists(path) else 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a finite number")


def _read(path: str) -> dict[str, Any]:
    """The checkpoint's JSON document, with its format and version checked."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise FileNotFoundError(f"no checkpoint at {path}") from None
    except UnicodeDecodeError:
        raise CheckpointError(f"{path} is not a checkpoint: it is not UTF-8 text") from None
    if not text.strip():
        raise CheckpointError(f"{path} is empty (was it truncated?)")
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except ValueError as error:
        raise CheckpointError(
            f"{path} is not valid JSON (truncated or corrupt?): {error}"
        ) from None
    except RecursionError:  # e.g. "[[[[..." nested deeper than Python's stack allows
        raise CheckpointError(
            f"{path} is not a checkpoint (corrupt?): its JSON is nested too deeply to read"
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise CheckpointError(
            f'{path} is not an autograd_lite checkpoint (no "format": "{FORMAT}")'
        )
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise CheckpointError(f"{path} has an invalid format version: {version!r}")
    if version > VERSION:
        raise CheckpointError(
            f"{path} has format version {version}, newer than this library reads ({VERSION}); "
            "upgrade autograd_lite"
        )
    for key in ("model", "optimizer", "metadata"):
        if key in doc and not isinstance(doc[key], dict):
            raise CheckpointError(f'{path}: "{key}" must be a JSON object')
    if "model" not in doc or not isinstance(doc["model"].get("state"), dict):
        raise CheckpointError(f'{path} has no model state ("model": {{"state": ...}})')
    return doc


def load(path: PathLike, model: Module, *, optimizer: Any = None) -> dict[str, Any]:
    """Load ``path`` into ``model`` (and ``optimizer``); return the saved metadata (or {}).

    Raises ``FileNotFoundError`` for a missing file and ``CheckpointError``
    (a ``ValueError``) for anything wrong with it, naming the problem; in
    every such case the model and optimiser are unchanged.
    """
    if not isinstance(model, Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    where = os.fspath(path)
    doc = _read(where)
    saved = doc["model"]
    try:
        model.check_state_dict(saved["state"], strict=True)
    except (TypeError, ValueError, OverflowError) as error:
        raise CheckpointError(
            f"{where} does not fit this model: it holds {saved.get('repr', 'a model')}, "
            f"this is {model!r}: {error}"
        ) from None
    if optimizer is not None:
        if "optimizer" not in doc:
            raise CheckpointError(f"{where} has no optimizer state (it was saved without one)")
        opt = doc["optimizer"]
        kind = type(optimizer).__name__
        if opt.get("type") != kind:
            raise CheckpointError(
                f"{where} holds the state of a {opt.get('type')} optimizer, not a {kind}"
            )
        try:
            optimizer.load_state_dict(
                opt.get("state")
            )  # checks everything before it changes anything
        except (TypeError, ValueError, KeyError, OverflowError) as error:
            raise CheckpointError(f"{where}: the optimizer state does not fit: {error}") from None
    model.load_state_dict(saved["state"], strict=True)  # already checked: cannot fail now
    return dict(doc.get("metadata", {}))
