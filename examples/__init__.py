"""The lessons: one runnable script per idea of backpropagation.

Run one from a checkout with ``python examples/NAME.py``, or from anywhere
with ``autograd-lite lesson NAME``. The wheel installs this folder as
``autograd_lite.examples`` (see ``autograd_lite.lessons``); the scripts
import their shared helper as ``_lesson``, by its bare name.
"""
