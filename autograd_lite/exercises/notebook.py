"""An exercise as a Jupyter notebook: statement, given code, a check cell after each part.

The notebook is written as nbformat 4 JSON directly (no nbformat import).
A check cell calls ``check_cells(NAME, In, part=k)``: it joins the code cells
run so far (IPython's ``In``), leaving out the check cells themselves, and
checks the result like a file, in a child process, up to part ``k``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from autograd_lite.exercises.runner import Report, check_source
from autograd_lite.exercises.track import exercise
from autograd_lite.lessons import METADATA

#: A check cell contains this call; check_cells leaves such cells out of the learner's code.
CHECK_CALL = "check_cells("


def notebook(name: str) -> dict[str, Any]:
    """Exercise ``name`` as a notebook (a dict in nbformat 4, ready for ``json.dump``)."""
    e = exercise(name)
    cells = [
        _cell(
            "markdown",
            f"# Exercise {e.name}: {e.asks}\n\n{e.statement}\n\n"
            f"Practises lesson `{e.lesson}` (`autograd-lite lesson {e.lesson}`).",
        ),
    ]
    if e.given.strip():
        cells.append(_cell("code", "# Given: the code the earlier exercises built.\n" + e.given))
    for number, part in enumerate(e.parts, 1):
        cells.append(_cell("markdown", f"## Part {number}\n\n{part.task}"))
        cells.append(_cell("code", part.starter))
        check = "from autograd_lite.exercises import check_cells\n\n"
        check += f"check_cells({name!r}, In, part={number})"
        cells.append(_cell("code", check))
    for index, cell in enumerate(cells):
        cell["id"] = f"{name}-{index}"
    return {
        "cells": cells,
        "metadata": json.loads(json.dumps(METADATA)),
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _cell(kind: str, text: str) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": kind, "metadata": {}, "source": text.strip("\n")}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def write_notebook(name: str, folder: Path) -> Path:
    """Write ``notebook(name)`` as ``folder/NAME.ipynb``; ``FileExistsError`` if it is there."""
    path = folder / f"{name}.ipynb"
    text = json.dumps(notebook(name), indent=1, ensure_ascii=False) + "\n"
    with open(path, "x", encoding="utf-8") as file:  # "x": never overwrite the learner's work
        file.write(text)
    return path


def cells_source(cells: Sequence[object]) -> str:
    """The learner's code from a notebook's cells: every cell but the check cells and magics."""
    if isinstance(cells, str) or not isinstance(cells, Sequence):
        raise TypeError(
            f"cells must be a list of cell sources (IPython's In), got {type(cells).__name__}"
        )
    keep = []
    for cell in cells:
        if not isinstance(cell, str):
            raise TypeError(f"each cell must be a str, got {type(cell).__name__}")
        if (
            not cell.strip()
            or CHECK_CALL in cell
            or cell.lstrip().startswith(("%", "!", "get_ipython"))
        ):
            continue
        keep.append(cell)
    return "\n\n".join(keep) + "\n"


def check_cells(name: str, cells: Sequence[object], *, part: int | None = None) -> Report:
    """Check the notebook's code so far against exercise ``name`` up to ``part``; print it."""
    report = check_source(name, cells_source(cells), upto=part)
    print(("OK: " if report.passed else "WRONG: ") + report.text())
    return report
