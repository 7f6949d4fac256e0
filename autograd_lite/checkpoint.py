"""Save and load a model (and its optimiser) as versioned JSON: never pickle.

A checkpoint is a readable JSON file::

    {"format": "autograd_lite.checkpoint", "version": 2,
     "model": {"type": "MLP", "repr": "MLP(2, [16, 16, 1], ...)",
               "architecture": {"layers.0": "Layer(activation='relu')", ...},
               "state": {"layers.0.neurons.0.w.0": 0.23, ...}},
     "optimizer": {"type": "SGD", "state": {...}},      (optional)
     "metadata": {...}}                                  (optional, your own JSON)

Saving is atomic: the JSON goes to a temporary file ``NAME.PID-XXXX.tmp``
next to the target, which then replaces the target in one step
(``os.replace``), so a crash mid-save leaves the previous checkpoint whole.
A temporary file left by a save that was killed is removed by the next save
to the same name (once its process is gone). Saving through a symbolic link
writes the link's target and keeps the link.

Loading reads regular files only, no larger than a file ``save`` could have
written for the model it loads into (``max_bytes_for(model)``: ``MAX_BYTES``
for the metadata and the rest, plus a bound per parameter; ``max_bytes=``
sets another cap), and checks everything (the JSON, the format and version,
the architecture: every module's kind and options, every key and number,
the optimiser's state) before it changes anything: on any problem it raises
an error that names it, and the model and optimiser are exactly as they
were. Text from the file is shortened and escaped in messages.

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

import contextlib
import json
import math
import os
import re
import tempfile
from collections.abc import Mapping
from typing import Any

from autograd_lite.checks import bounded_list, read_regular_file
from autograd_lite.nn import Module

__all__ = [
    "BYTES_PER_PARAMETER",
    "FORMAT",
    "MAX_BYTES",
    "MAX_DEPTH",
    "VERSION",
    "CheckpointError",
    "load",
    "max_bytes_for",
    "save",
]

FORMAT = "autograd_lite.checkpoint"
#: The format version this library writes. Version 2 added the model's
#: architecture; version 1 files still load (their parameter names and
#: shapes are checked, but not the modules' options).
VERSION = 2
#: What ``load`` allows, by default, besides the model's parameters: the metadata, the
#: model's repr, the optimiser's settings (``max_bytes_for``).
MAX_BYTES = 8 * 2**20
#: A bound on the bytes ``save`` writes per parameter besides its name and its module's
#: architecture: its value, and an optimiser's state for it. Each number is JSON of at
#: most 24 characters ("-1.2345678901234567e-308"); with its key, indentation and
#: brackets a parameter takes under 300 bytes with Adam's four numbers (amsgrad), the
#: most any optimiser here keeps per parameter.
BYTES_PER_PARAMETER = 400
#: How deeply ``metadata`` may nest (dicts and lists inside each other).
MAX_DEPTH = 100
#: How much of a text taken from a file an error message shows.
_SHOWN = 120

PathLike = str | os.PathLike[str]


class CheckpointError(ValueError):
    """A checkpoint file that cannot be loaded: corrupt, truncated, or not for this model."""


def _shown(text: object, limit: int = _SHOWN) -> str:
    """``text`` for an error message: control characters escaped, at most ``limit`` characters."""
    s = str(text)
    cut = s[:limit]
    safe = "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in cut
    )
    return safe + (f"... ({len(s):,} characters)" if len(s) > limit else "")


def _depth_problem(value: object) -> str | None:
    """Why ``value`` cannot be nested JSON here (too deep, or containing itself), or None."""
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list, tuple)):
            if depth >= MAX_DEPTH:
                return f"it nests more than {MAX_DEPTH} levels deep (or contains itself)"
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return None


def save(
    path: PathLike,
    model: Module,
    *,
    optimizer: Any = None,
    metadata: Mapping[str, Any] | None = None,
) -> None:
    """Write ``model`` (and ``optimizer``'s state, and ``metadata``) to ``path`` atomically.

    ``metadata`` is your own JSON: dicts, lists, strings, finite numbers,
    at most ``MAX_DEPTH`` levels deep, with keys that stay distinct when
    JSON writes them as strings (``1`` and ``"1"`` do not).
    """
    if not isinstance(model, Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    where = os.fspath(path)
    if not where:
        raise ValueError("cannot save: the path is empty")
    if os.path.isdir(where):
        raise IsADirectoryError(f"cannot save to {where}: it is a directory; name a file in it")
    if optimizer is not None and not callable(getattr(optimizer, "state_dict", None)):
        raise TypeError(f"optimizer must have state_dict(), got {type(optimizer).__name__}")
    if metadata is not None and not isinstance(metadata, Mapping):
        raise TypeError(f"metadata must be a dict, got {type(metadata).__name__}")
    # the optimiser's first: a fused run that holds the weights writes them back on state_dict()
    saved_optimizer = optimizer.state_dict() if optimizer is not None else None
    state = model.state_dict()
    for name, x in state.items():
        if not math.isfinite(x):
            raise ValueError(f"cannot save: {name} is {x} (the model has diverged)")
    doc: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "model": {
            "type": type(model).__name__,
            "repr": repr(model),
            "architecture": model.architecture(),
            "state": state,
        },
    }
    if optimizer is not None:
        doc["optimizer"] = {"type": type(optimizer).__name__, "state": saved_optimizer}
    if metadata is not None:
        own = dict(bounded_list(metadata.items(), "metadata"))  # an endless Mapping is refused
        problem = _depth_problem(own)
        if problem:
            raise ValueError(f"cannot save to {where}: metadata is not JSON-ready: {problem}")
        doc["metadata"] = own
    try:
        text = json.dumps(doc, indent=1, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ValueError(f"cannot save to {where}: not JSON-serialisable: {error}") from None
    try:
        _parse(text)  # JSON writes every key as a string: 1 and "1" would become one
    except ValueError as error:
        raise ValueError(
            f"cannot save to {where}: in the metadata, {error} once JSON writes keys as "
            "strings (such as 1 and '1'); make the keys distinct strings"
        ) from None
    _write_atomically(os.path.realpath(where), text)  # through a symbolic link: to its target


def _tmp_pattern(name: str) -> re.Pattern[str]:
    """Temporary files of saves to ``name``: ``NAME.PID-XXXX.tmp``."""
    return re.compile(re.escape(name) + r"\.(\d+)-[A-Za-z0-9_]+\.tmp")


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except PermissionError:  # it exists, and belongs to someone else
        return True
    except (OSError, OverflowError):  # no such process
        return False
    return True


def _remove_stale(directory: str, name: str) -> None:
    """Delete temporary files that saves to ``name`` left behind when they were killed."""
    if os.name != "posix":  # os.kill(pid, 0) would end the process on Windows
        return
    pattern = _tmp_pattern(name)
    for entry in os.listdir(directory):
        match = pattern.fullmatch(entry)
        if match and not _running(int(match.group(1))):
            with contextlib.suppress(FileNotFoundError):  # another save removed it first
                os.unlink(os.path.join(directory, entry))


def _write_atomically(path: str, text: str) -> None:
    directory, name = os.path.split(path)
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot save to {path}: directory {directory} does not exist")
    _remove_stale(directory, name)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f"{name}.{os.getpid()}-", suffix=".tmp")
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


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {_shown(repr(key))} appears twice in one object")
        out[key] = value
    return out


def _parse(text: str) -> Any:
    """JSON with finite numbers only and no key twice in one object."""
    return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)


def _read_bytes(path: str, max_bytes: int) -> bytes:
    """The file's bytes: a regular file of at most ``max_bytes``, opened without blocking."""
    try:
        data, size = read_regular_file(path, "checkpoint", max_bytes)
    except (FileNotFoundError, PermissionError):
        raise
    except ValueError as error:
        raise CheckpointError(str(error)) from None
    except OSError as error:  # e.g. /proc/self/mem: a "regular file" whose read fails
        raise CheckpointError(f"{path} cannot be read: {error.strerror or error}") from None
    if max(size, len(data)) > max_bytes:
        raise CheckpointError(
            f"{path} is {max(size, len(data)):,} bytes, more than the {max_bytes:,} that load "
            "reads for this model (more than save writes for it, unless its metadata are "
            "huge); pass max_bytes= to read a larger file you trust"
        )
    return data


def _read(path: str, max_bytes: int) -> dict[str, Any]:
    """The checkpoint's JSON document, with its format and version checked."""
    data = _read_bytes(path, max_bytes)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise CheckpointError(f"{path} is not a checkpoint: it is not UTF-8 text") from None
    if not text.strip():
        raise CheckpointError(f"{path} is empty (was it truncated?)")
    try:
        doc = _parse(text)
    except ValueError as error:
        raise CheckpointError(
            f"{path} is not valid JSON (truncated or corrupt?): {_shown(error, 300)}"
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
        raise CheckpointError(f"{path} has an invalid format version: {_shown(repr(version), 40)}")
    if version > VERSION:
        raise CheckpointError(
            f"{path} has format version {_shown(version, 40)}, newer than this library reads "
            f"({VERSION}); upgrade autograd_lite"
        )
    for key in ("model", "optimizer", "metadata"):
        if key in doc and not isinstance(doc[key], dict):
            raise CheckpointError(f'{path}: "{key}" must be a JSON object')
    if "model" not in doc or not isinstance(doc["model"].get("state"), dict):
        raise CheckpointError(f'{path} has no model state ("model": {{"state": ...}})')
    architecture = doc["model"].get("architecture")
    if version >= 2 and not (
        isinstance(architecture, dict) and all(isinstance(v, str) for v in architecture.values())
    ):
        raise CheckpointError(
            f'{path} has no model architecture ("model": {{"architecture": {{name: text}}}})'
        )
    return doc


def _architecture_problem(saved: Mapping[str, str], model: Module) -> str | None:
    """The first module whose kind or options differ between the file and ``model``, or None."""
    here = model.architecture()
    for name in [*here, *(k for k in saved if k not in here)]:
        if saved.get(name) != here.get(name):
            label = repr(name) if name else "the top level"
            there_text = _shown(saved[name]) if name in saved else "nothing"
            here_text = here.get(name, "nothing")
            return (
                f"a different architecture: at {_shown(label)} the file has {there_text}, "
                f"this model has {here_text}"
            )
    return None


def max_bytes_for(model: Module) -> int:
    """The largest file ``load`` reads for ``model`` by default: any that ``save`` wrote.

    ``MAX_BYTES`` (metadata, settings), plus what the model's own text
    takes (its repr, its parameters' names and its architecture, as JSON), plus
    ``BYTES_PER_PARAMETER`` per parameter (values and optimiser state).

    >>> from autograd_lite import nn
    >>> max_bytes_for(nn.MLP(2, [1])) - MAX_BYTES < 2_000
    True
    """
    if not isinstance(model, Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    names = [len(json.dumps(name)) for name, _ in model.named_parameters()]
    architecture = len(json.dumps(model.architecture(), indent=1))
    # each line of the architecture sits two levels deeper in the file: 2 more spaces
    indent = 2 * (architecture // 2 + 1)  # at most one line per two characters
    described = len(json.dumps(repr(model)))
    per_parameter = sum(names) + len(names) * BYTES_PER_PARAMETER
    return MAX_BYTES + described + architecture + indent + per_parameter


def load(
    path: PathLike, model: Module, *, optimizer: Any = None, max_bytes: int | None = None
) -> dict[str, Any]:
    """Load ``path`` into ``model`` (and ``optimizer``); return the saved metadata (or {}).

    Raises ``FileNotFoundError`` for a missing file and ``CheckpointError``
    (a ``ValueError``) for anything wrong with it, naming the problem: not a
    regular file, larger than ``max_bytes`` (by default ``max_bytes_for(model)``,
    which any file ``save`` wrote for this model fits), corrupt, or made by a model of
    another architecture (other modules, activations or options, not only
    other shapes). In every such case the model and optimiser are unchanged.
    """
    if not isinstance(model, Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    if max_bytes is None:
        max_bytes = max_bytes_for(model)
    elif not isinstance(max_bytes, int) or isinstance(max_bytes, bool) or max_bytes < 1:
        raise ValueError(f"max_bytes must be an int >= 1, got {max_bytes!r}")
    where = os.fspath(path)
    doc = _read(where, max_bytes)
    saved = doc["model"]
    holds = f"it holds {_shown(saved.get('repr', 'a model'))}, this is {_shown(repr(model))}"
    try:
        model.check_state_dict(saved["state"], strict=True)
    except (TypeError, ValueError, OverflowError) as error:
        raise CheckpointError(
            f"{where} does not fit this model: {holds}: {_shown(error, 300)}"
        ) from None
    if "architecture" in saved:
        problem = _architecture_problem(saved["architecture"], model)
        if problem:
            raise CheckpointError(f"{where} does not fit this model: {holds}: {problem}")
    if optimizer is not None:
        if "optimizer" not in doc:
            raise CheckpointError(f"{where} has no optimizer state (it was saved without one)")
        opt = doc["optimizer"]
        kind = type(optimizer).__name__
        if opt.get("type") != kind:
            raise CheckpointError(
                f"{where} holds the state of a {_shown(opt.get('type'), 40)} optimizer, "
                f"not a {kind}"
            )
        try:
            optimizer.load_state_dict(
                opt.get("state")
            )  # checks everything before it changes anything
        except (TypeError, ValueError, KeyError, OverflowError) as error:
            raise CheckpointError(
                f"{where}: the optimizer state does not fit: {_shown(error, 300)}"
            ) from None
    model.load_state_dict(saved["state"], strict=True)  # already checked: cannot fail now
    return dict(doc.get("metadata", {}))
