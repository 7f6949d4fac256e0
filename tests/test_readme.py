"""README.md's promises, run: the opening example prints what its comments say."""

import contextlib
import importlib.util
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_opening_example_prints_what_it_says() -> None:
    code = _python_blocks()[0]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})  # our own README, not user input
    assert out.getvalue().splitlines() == ["0.7071 -1.5000 1.0000 0.5000", "27.0 (18.0,)"]


def test_quick_start_has_exactly_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block is not None
    lines = [line for line in block.group(1).splitlines() if line.strip()]
    assert len(lines) == 2
    assert lines[0].endswith("autograd-lite demo")
    assert "pytest" in lines[1]


@pytest.mark.slow
def test_checking_gradients_examples_run(tmp_path: Path) -> None:
    section = README.read_text(encoding="utf-8").split("## Checking gradients", 1)[1]
    section = section.split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 3
    if importlib.util.find_spec("torch") is None:  # the third block compares with PyTorch
        blocks = blocks[:2]
    # a real file, so that Hypothesis can find the test's source
    (tmp_path / "readme_checking.py").write_text("\n".join(blocks), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(
        "readme_checking", tmp_path / "readme_checking.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # runs gradcheck and gradgradcheck
    module.test_random_expressions()  # the Hypothesis property runs its examples
    if len(blocks) == 3:
        module.test_my_loss()
        module.test_random_expressions_against_pytorch()


def test_the_number_of_lessons_in_words_is_the_number_of_lessons() -> None:
    from autograd_lite.lessons import lesson_names

    units = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    teens = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen"
    tens = {2: "twenty", 3: "thirty", 4: "forty"}

    def words(n: int) -> str:
        if n < 10:
            return units[n]
        if n < 20:
            return teens.split()[n - 10]
        return tens[n // 10] + (f"-{units[n % 10]}" if n % 10 else "")

    said = re.findall(r"\b([a-z]+(?:-[a-z]+)?) runnable lessons", README.read_text().lower())
    assert said, "README no longer says how many lessons there are"
    assert set(said) == {words(len(lesson_names()))}
