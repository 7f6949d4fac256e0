"""The catalogues of ``autograd_lite.i18n``: one module per language, named by its code.

Each module has ``MESSAGES``, a dict from English text to its translation.
``ja`` also has ``GLOSSARY``, the terms the Japanese edition uses; README.ja.md shows it.
"""
