"""Exercises: build the engine yourself, step by step, checked automatically.

Twelve small exercises (``track.EXERCISES``), in the order of the lessons,
take a learner from the derivative by central differences to a trained
network and Newton's method. ``autograd-lite exercises`` lists them,
``autograd-lite exercise NAME`` writes a starter, ``autograd-lite check NAME``
checks it: random inputs and random graphs (``checks``), the learner's code
in a child process with limits (``child``, ``runner``), feedback with the
smallest failing case, a hint for the typical mistake and a diagram
(``feedback``).

The modules: ``track`` (statements, starters, solutions), ``checks`` (what
each part must do; runs in the child), ``child`` (the child process and its
import guard), ``runner`` (starting it, reading its report), ``feedback``
(the diagram), ``notebook`` (an exercise as a notebook, ``check_cells``),
``commands`` (the three commands).
"""

from __future__ import annotations

from autograd_lite.exercises.notebook import check_cells, notebook
from autograd_lite.exercises.runner import Report, check_file, check_source
from autograd_lite.exercises.track import EXERCISES, LESSON_EXERCISES, Exercise, exercise, names

__all__ = [
    "EXERCISES",
    "LESSON_EXERCISES",
    "Exercise",
    "Report",
    "check_cells",
    "check_file",
    "check_source",
    "exercise",
    "names",
    "notebook",
]
