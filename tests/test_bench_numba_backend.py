"""benchmarks/bench_numba_backend.py: it runs, refuses a bad count, and says what to install."""

from __future__ import annotations

import builtins
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytest.importorskip("numpy")

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_numba_backend.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_numba_backend", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_without_numba_it_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = builtins.__import__

    def no_numba(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "numba":
            raise ImportError("no numba here")
        return real(name, *args, **kwargs)

    module = _load()
    monkeypatch.delitem(sys.modules, "numba", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_numba)
    assert module.main(["--calls", "1"]) == 0
    assert "pip install numba" in capsys.readouterr().err


@pytest.mark.parametrize("calls", ["0", "100001", "-5"])
def test_a_count_of_calls_out_of_range_is_refused(calls: str) -> None:
    with pytest.raises(SystemExit) as info:
        _load().main(["--calls", calls])
    assert info.value.code == 2


@pytest.mark.slow
def test_the_jitted_python_backend_gives_its_numbers_bit_for_bit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("numba")
    assert _load().main(["--calls", "2"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    table = [r for r in rows if r and r[0] in {"1", "10", "100"}]
    assert [r[0] for r in table] == ["1", "10", "100"]
    assert all(r[4] == "yes" for r in table)  # same: the python backend's numbers
