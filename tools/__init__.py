"""Development tools of the source tree (not part of the installed package).

``python -m tools.make_pictures`` redraws the README's pictures in ``docs/``;
``python tools/make_lesson_images.py`` redraws ``examples/images/``;
``tools.browser`` drives a headless Chromium for the animation test.
"""
