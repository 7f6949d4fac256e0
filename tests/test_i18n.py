"""The Japanese edition: the language choice, the catalogues, the font, the wrapping.

The catalogue checks read the lessons' source (no lesson is run): every
sentence a translated lesson passes to ``tr``/``say``/``section``/``pic`` has
a translation with the same ``{fields}``, and every translation is used.
A lesson is translated when ``examples/_ja.py`` has its docstring.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import io
import sys
import textwrap
import warnings
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import i18n, lessons
from autograd_lite.cli import main as cli_main
from autograd_lite.locale import ja as library_ja

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
TRANSLATING = ("tr", "say", "section", "pic", "N_")


def lessons_catalogue() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_test_lessons_ja", EXAMPLES / "_ja.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


JA = lessons_catalogue()
TRANSLATED = sorted(JA.DOCS)


def sentences(path: Path) -> tuple[list[str], list[int]]:
    """The English sentences ``path`` translates, and the lines of any f-string passed instead."""
    found: list[str] = []
    formatted: list[int] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        if node.func.id not in TRANSLATING or not node.args:
            continue
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            found.append(first.value)
        elif isinstance(first, ast.JoinedStr):
            formatted.append(node.lineno)
    return found, formatted


def library_sentences() -> list[str]:
    """The English text the library translates: passed to ``i18n.tr`` and its cousins as a
    literal, and every string literal of ``visualize`` (its legends reach ``tr_diagram``)."""
    found = []
    for path in (ROOT / "visualize").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.append(node.value)
    for folder in (ROOT / "autograd_lite", ROOT / "visualize"):
        for path in folder.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("tr", "tr_picture", "tr_diagram")
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                ):
                    found.append(str(node.args[0].value))
    return found


# -- the catalogues ------------------------------------------------------------------


@pytest.mark.parametrize("name", TRANSLATED)
def test_every_sentence_of_a_translated_lesson_has_its_japanese(name: str) -> None:
    found, formatted = sentences(EXAMPLES / f"{name}.py")
    assert not formatted, f"{name}: an f-string cannot be translated (lines {formatted})"
    catalogue = {i18n.key(e): t for e, t in JA.MESSAGES.items()}
    catalogue.update({i18n.key(e): t for e, t in library_ja.MESSAGES.items()})
    missing = [s for s in found if i18n.key(s) not in catalogue]
    assert not missing, f"{name}: no Japanese for {missing}"
    for english in found:
        japanese = catalogue[i18n.key(english)]
        assert i18n.placeholders(japanese) == i18n.placeholders(english), english


def test_every_translation_is_used_and_keeps_the_fields() -> None:
    used = {i18n.key(s) for p in EXAMPLES.glob("*.py") for s in sentences(p)[0]}
    used |= {i18n.key(s) for s in library_sentences()}
    used |= {i18n.key(e) for e, _, _ in library_ja.GLOSSARY}
    for english, japanese in [*JA.MESSAGES.items(), *library_ja.MESSAGES.items()]:
        assert i18n.key(english) in used, f"a translation nothing uses: {english!r}"
        assert i18n.placeholders(japanese) == i18n.placeholders(english), english
        assert japanese.strip(), english


def test_a_translated_lessons_docstring_names_its_own_settings() -> None:
    names = {p.stem for p in EXAMPLES.glob("*.py") if not p.name.startswith("_")}
    assert set(JA.DOCS) <= names, set(JA.DOCS) - names
    for name, doc in JA.DOCS.items():
        assert doc.strip().splitlines()[0], name  # a one-line title
        assert f"autograd-lite lesson {name} --lang ja" in doc, name


def test_glossary_is_the_one_in_readme_ja() -> None:
    readme = (ROOT / "README.ja.md").read_text(encoding="utf-8")
    assert library_ja.glossary_markdown() in readme
    terms = [ja for _, ja, _ in library_ja.GLOSSARY]
    for term in ("誤差逆伝播法", "順伝播", "連鎖律", "偏微分", "勾配", "学習率", "損失関数"):
        assert any(term in t for t in terms), term
    for term in ("活性化関数", "ミニバッチ", "エポック", "過学習", "勾配消失", "勾配爆発"):
        assert any(term in t for t in terms), term
    for term in ("勾配クリッピング", "勾配確認", "重みの初期化", "ドロップアウト", "バッチ正規化"):
        assert any(term in t for t in terms), term
    for term in ("ファインチューニング", "畳み込み", "全結合層 (Affine"):
        assert any(term in t for t in terms), term
    assert "(README.ja.md)" in (ROOT / "README.md").read_text(encoding="utf-8")  # linked


# -- choosing the language -----------------------------------------------------------


def test_the_language_comes_from_set_language_then_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(i18n.ENV_VAR, raising=False)
    assert i18n.language() == "en"
    monkeypatch.setenv(i18n.ENV_VAR, "ja")
    assert i18n.language() == "ja" and i18n.tr("gradient") == "勾配"
    with i18n.language_set("en"):
        assert i18n.tr("gradient") == "gradient"
    assert i18n.language() == "ja"
    monkeypatch.setenv(i18n.ENV_VAR, "klingon")
    with pytest.raises(ValueError, match=r"\$AUTOGRAD_LITE_LANG must be one of en, ja"):
        i18n.language()
    with pytest.raises(ValueError, match="language must be one of"):
        i18n.set_language("fr")
    with pytest.raises(TypeError, match="language must be a str"):
        i18n.set_language(1)  # type: ignore[arg-type]


def test_a_missing_translation_falls_back_to_english_or_fails_when_strict() -> None:
    with i18n.language_set("ja"):
        assert i18n.tr("no such sentence {n}", n=3) == "no such sentence 3"
        with i18n.strict(), pytest.raises(i18n.MissingTranslation, match="no such sentence"):
            i18n.tr("no such sentence")
        assert i18n.doc("no_such_lesson", "English doc") == "English doc"
        with i18n.strict(), pytest.raises(i18n.MissingTranslation, match="no_such_lesson"):
            i18n.doc("no_such_lesson", "English doc")


def test_the_cli_takes_lang_and_refuses_a_wrong_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(i18n.ENV_VAR, raising=False)
    try:
        assert cli_main(["lessons", "--lang", "ja"]) == 0
        out = capsys.readouterr().out
        assert JA.DOCS["toast_robot"].splitlines()[0] in out
        assert "実行するには" in out
    finally:
        i18n.set_language(None)
    monkeypatch.setenv(i18n.ENV_VAR, "xx")
    with pytest.raises(SystemExit) as exited:
        cli_main(["lessons"])
    assert exited.value.code == 2
    assert "AUTOGRAD_LITE_LANG must be one of en, ja, got 'xx'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli_main(["lessons", "--lang", "xx"])
    assert "invalid choice: 'xx'" in capsys.readouterr().err


def test_the_notebook_in_japanese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(i18n.ENV_VAR, "ja")
    cells = lessons.notebook("toast_robot")["cells"]
    assert cells[0]["source"].startswith("# レッスン toast_robot: トーストロボット")
    start = next(c["source"] for c in cells if "start(" in c["source"])
    assert "'--lang', 'ja'" in start  # the lesson runs in Japanese in the kernel too


def library_translated_literals() -> list[tuple[Path, str]]:
    """Every literal the library passes to ``i18n.tr``/``tr_picture``/``tr_diagram``."""
    found = []
    for folder in (ROOT / "autograd_lite", ROOT / "visualize"):
        for path in folder.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("tr", "tr_picture", "tr_diagram")
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    found.append((path, node.args[0].value))
    return found


def test_every_library_sentence_has_its_japanese() -> None:
    found = library_translated_literals()
    files = {p.name for p, _ in found}
    assert {"demo.py", "plots.py", "cli.py"} <= files, files
    catalogue = {i18n.key(e): t for e, t in library_ja.MESSAGES.items()}
    missing = [(p.name, s) for p, s in found if i18n.key(s) not in catalogue]
    assert not missing, f"no Japanese for {missing}"
    for _, english in found:
        assert i18n.placeholders(catalogue[i18n.key(english)]) == i18n.placeholders(english)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")  # without the ja extra
def test_the_demo_in_japanese_prints_and_draws_japanese(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every sentence the demo prints, and every label of its pictures, has its Japanese."""
    if i18n.japanese_font() is None:  # the labels are checked all the same, as if it were there
        monkeypatch.setattr(i18n, "picture_language", i18n.language)
        monkeypatch.setattr(i18n, "use_japanese_font", lambda: True)
    drawn: list[str] = []
    import matplotlib.text

    real_set_text = matplotlib.text.Text.set_text

    def set_text(self: matplotlib.text.Text, s: object) -> None:
        drawn.append(str(s))
        real_set_text(self, s)

    monkeypatch.setattr(matplotlib.text.Text, "set_text", set_text)
    argv = ["demo", "--epochs", "3", "--samples", "30", "--no-progress", "--out", str(tmp_path)]
    try:
        with i18n.strict():
            assert cli_main([*argv, "--lang", "ja"]) == 0
    finally:
        i18n.set_language(None)
    out = capsys.readouterr().out
    for text in ("エポック 3/3", "損失関数 hinge_loss", "混同行列 (訓練データ", "3 エポック後"):
        assert text in out, text
    assert "(決定境界)" in out and "(学習曲線)" in out and "(モデル)" in out
    assert not [line for line in out.splitlines() if line.startswith(("epoch", "after", "wrote"))]
    for text in ("決定境界", "クラス 0", "x₁ (1 つ目の入力)", "訓練損失", "正解率 (%)", "エポック"):
        assert text in drawn, text
    assert "3 エポック後の決定境界、訓練データの正解率" in " ".join(drawn)


@pytest.mark.slow
def test_the_demo_without_the_font_says_so_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(i18n, "japanese_font", lambda: None)
    argv = ["demo", "--epochs", "2", "--samples", "20", "--no-progress", "--out", str(tmp_path)]
    try:
        assert cli_main([*argv, "--lang", "ja"]) == 0
    finally:
        i18n.set_language(None)
    out = capsys.readouterr().out
    assert out.count("日本語フォントがないため") == 1
    assert "エポック 2/2" in out  # the printed text is Japanese all the same


def test_the_graph_table_in_japanese_lines_up_by_display_width(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["graph", "tanh(x*w + b)*重み", "x=2", "w=-3", "b=6.88", "重み=1"]
    assert cli_main(argv) == 0
    english = capsys.readouterr().out.splitlines()
    assert english[1].split() == ["variable", "value", "gradient"]
    try:
        with i18n.strict():
            assert cli_main([*argv, "--lang", "ja"]) == 0
    finally:
        i18n.set_language(None)
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["変数", "値", "勾配"]
    widths = {i18n.display_width(line) for line in lines[1:]}
    assert len(widths) == 1, lines  # every row as wide as the header, in terminal columns
    assert lines[-1].startswith("重み ") and lines[-1].split()[1:] == english[-1].split()[1:]


# -- a lesson in Japanese ------------------------------------------------------------


def run(name: str, out: Path, lang: str) -> str:
    printed = io.StringIO()
    with i18n.strict(), contextlib.redirect_stdout(printed):
        lessons.load(name).main(["--quick", "--out", str(out), "--lang", lang])
    i18n.set_language(None)
    sys.stdout.write(printed.getvalue())
    return printed.getvalue()


def english_sentences(text: str) -> set[str]:
    """Lines of English prose in ``text``: four or more words of letters."""
    return {
        line.strip()
        for line in text.splitlines()
        if sum(w.isalpha() and len(w) > 1 for w in line.split()) >= 4
    }


@pytest.mark.slow
def test_toast_robot_in_japanese_prints_no_english_sentence(tmp_path: Path) -> None:
    english = run("toast_robot", tmp_path / "en", "en")
    japanese = run("toast_robot", tmp_path / "ja", "ja")
    left = english_sentences(english) & set(map(str.strip, japanese.splitlines()))
    assert not left, f"untranslated: {left}"
    assert "E = 0.72" in japanese and "= 0.6" in japanese  # the numbers are the same
    assert "トーストが焦げた" in japanese


def test_pictures_draw_japanese_glyphs_with_the_font() -> None:
    if i18n.japanese_font() is None:
        pytest.skip('not installed: the ja extra (pip install "autograd_lite[ja]")')
    import matplotlib.pyplot as plt

    assert i18n.use_japanese_font()
    fig, ax = plt.subplots()
    ax.set_title("ステップごとの誤差")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png")
    plt.close(fig)
    assert not [w for w in caught if "missing from font" in str(w.message)]


def test_without_the_font_pictures_keep_english_and_say_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(i18n, "japanese_font", lambda: None)
    with i18n.language_set("ja"):
        assert i18n.picture_language() == "en"
        assert i18n.tr_picture("The error per step") == "The error per step"
        assert i18n.tr("The error per step") == "ステップごとの誤差"
    text = run("toast_robot", tmp_path, "ja")
    assert "日本語フォントがないため" in " ".join(text.split())


# -- display width and line breaking -------------------------------------------------


def test_display_width_counts_wide_characters_twice() -> None:
    assert i18n.display_width("abc") == 3
    assert i18n.display_width("勾配") == 4
    assert i18n.display_width("ｱ") == 1  # half-width katakana
    assert i18n.display_width("e\u0301") == 1  # a combining accent takes no column


def test_english_is_wrapped_as_before() -> None:
    text = "The error falls below 1e-06 after 15 steps; the weight approaches t / x = 0. " * 4
    assert i18n.fill(text, 88) == textwrap.wrap(text, 88, break_on_hyphens=False)


def test_japanese_lines_join_without_spaces() -> None:
    assert i18n.fill("トーストが\n焦げた", 88) == ["トーストが焦げた"]
    assert i18n.fill("入力 x は\nトースター", 88) == ["入力 x はトースター"]
    assert i18n.fill("誤差は\nE = 2", 88) == ["誤差は E = 2"]


JAPANESE = "あいうえおかきくけこ勾配連鎖律誤差逆伝播法"
PIECES = st.one_of(
    st.text(alphabet=JAPANESE, min_size=1, max_size=12),
    st.sampled_from(["、", "。", "」", "（", "「", "）", "ー", "っ"]),
    st.text(alphabet="abcxyz0123", min_size=1, max_size=8).map(lambda w: f" {w} "),
)


@given(st.lists(PIECES, min_size=1, max_size=30), st.integers(min_value=8, max_value=60))
def test_japanese_wrapping_follows_the_line_break_rules(pieces: list[str], width: int) -> None:
    text = "".join(pieces).strip()
    lines = i18n.fill(text, width)
    for line in lines[1:]:
        assert line[0] not in i18n.NO_LINE_START, (line, lines)
    for line in lines[:-1]:
        assert line[-1] not in i18n.NO_LINE_END, (line, lines)
    for line in lines:
        longest = max(i18n.display_width(w) for w in line.split() or [""])
        hanging = sum(1 for c in line if c in i18n.NO_LINE_START) * 2
        assert i18n.display_width(line) <= max(width, longest) + hanging, (line, width)
    # nothing lost: the lines put back together are the text, up to spaces
    assert "".join(lines).replace(" ", "") == "".join(text.split())


def section_texts(name: str) -> list[str]:
    """The section headings lesson ``name`` prints: their fixed text, and its Japanese."""
    texts = []
    for node in ast.walk(ast.parse((EXAMPLES / f"{name}.py").read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        if node.func.id == "section" and node.args:
            first = node.args[0]
            parts = first.values if isinstance(first, ast.JoinedStr) else [first]
            for part in parts:
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    texts.append(part.value)
                    texts.append(JA.MESSAGES.get(part.value, ""))
    return [t for t in texts if t]


def test_the_articles_page_quotes_headings_the_lessons_print() -> None:
    readme = (ROOT / "README.ja.md").read_text(encoding="utf-8")
    page = readme.split("## 記事とレッスンの対応", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in page.splitlines() if line.startswith("| ") and "`" in line]
    assert len(rows) >= 20
    named = set()
    for row in rows:
        name = row.split("`")[1]
        named.add(name)
        quoted = [q.split("」")[0] for q in row.split("「")[1:]]
        assert quoted, row
        for text in quoted:
            assert any(text in heading for heading in section_texts(name)), (name, text)
    assert named == set(lessons.lesson_names())  # every lesson has its row


# -- diagrams and the animation ------------------------------------------------------


def test_animation_captions_are_in_the_readers_language(tmp_path: Path) -> None:
    from autograd_lite import Value
    from visualize import animate_backward

    x = Value(3.0, label="x")
    y = x * x
    with i18n.language_set("ja"):
        page = animate_backward(y, tmp_path / "ja.html")
    text = Path(page).read_text(encoding="utf-8")
    assert "順伝播が終わり" in text and "完了: すべての勾配がそろいました。" in text
    assert "<title>逆伝播を 1 ステップずつ</title>" in text
    english = Path(animate_backward(y, tmp_path / "en.html")).read_text(encoding="utf-8")
    assert "Forward pass done" in english and "順伝播" not in english


def test_diagram_legends_keep_english_where_graphviz_pure_draws_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from autograd_lite import Value
    from visualize import draw_graph

    x = Value(3.0, label="x")
    y = x * x
    with i18n.language_set("ja"):
        monkeypatch.setattr(i18n, "_system_dot_draws_japanese", lambda: False)
        assert i18n.diagram_language() == "en"
        assert "Forward view" in draw_graph(y).source
        monkeypatch.setattr(i18n, "_system_dot_draws_japanese", lambda: True)
        assert i18n.diagram_language() == "ja"
        source = draw_graph(y).source
        assert "順伝播の図" in source and "勾配の色" in source and "入力" in source


def _pure_svg_width(source: str) -> float:
    """The width in points of ``source`` laid out by graphviz-pure (never the system dot)."""
    import re
    import shutil
    import subprocess

    program = shutil.which("graphviz-pure") or str(Path(sys.executable).parent / "graphviz-pure")
    svg = subprocess.run(
        [program, "-Tsvg"], input=source.encode(), capture_output=True, check=True, timeout=60
    ).stdout.decode()
    found = re.search(r'<svg width="([\d.]+)pt"', svg)
    assert found, svg[:300]
    return float(found.group(1))


def test_svg_diagrams_carry_japanese_legends_with_room_for_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An SVG's viewer draws Japanese; graphviz-pure measures it as spaces, so the legend's
    cells are given the width of its text counted in East Asian width (1 em a character)."""
    from autograd_lite import Value
    from visualize import draw_graph
    from visualize.style import _room, legend_table

    monkeypatch.setattr(i18n, "_system_dot_draws_japanese", lambda: False)
    x = Value(3.0, label="x")
    y = (x * x).tanh()
    y.backward()
    english = draw_graph(y, backward_view=True).source
    with i18n.language_set("ja"):
        assert i18n.diagram_language() == "en"  # a PNG, or a format not known yet
        assert draw_graph(y, backward_view=True).source == english
        with i18n.diagram_format("svg"):
            assert i18n.diagram_language() == "ja"
            japanese = draw_graph(y, backward_view=True).source
        with i18n.diagram_format("png"):
            assert i18n.diagram_language() == "en"
    assert "逆伝播の図" in japanese and "勾配の色" in japanese
    assert _room("grad colour: blue negative, white zero, red positive", 14) == ""  # as before
    note = "ノードの勾配 = 辺が運んでくるものの和 (経路についての和)"
    assert int(_room(note, 10).split('"')[1]) >= i18n.display_width(note) / 2 * 10
    caption = "grad colour: blue negative, white zero, red positive"
    with i18n.language_set("ja"), i18n.diagram_format("svg"):
        table = legend_table("Network view", ["input"], caption, 1.0, notes=[note])
        japanese_caption = i18n.tr_diagram(caption)
    laid_out = _pure_svg_width(f"digraph {{ legend [shape=plaintext label=<{table}>] }}")
    # the caption (14 points, 1 em a wide character) and the five 44-point cells of the scale
    assert laid_out >= i18n.display_width(japanese_caption) / 2 * 14 + 5 * 44
    with pytest.raises(ValueError, match="svg, png or dot"), i18n.diagram_format("jpeg"):
        pass


def test_the_graph_command_writes_japanese_svg_and_says_when_a_png_keeps_english(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(i18n, "_system_dot_draws_japanese", lambda: False)
    argv = ["graph", "x*x", "x=3", "--lang", "ja"]
    try:
        assert cli_main([*argv, "-o", str(tmp_path / "g.dot")]) == 0
        assert "順伝播の図" not in (tmp_path / "g.dot").read_text(encoding="utf-8")
        assert "英語のまま" in capsys.readouterr().out  # a .dot is drawn later, as a PNG may be
        with i18n.diagram_format("svg"):  # what -o g.svg does around draw_graph
            assert i18n.diagram_language() == "ja"
        assert cli_main([*argv, "--animate", str(tmp_path / "a.html")]) == 0
        page = (tmp_path / "a.html").read_text(encoding="utf-8")
        assert "順伝播の図" in page or "逆伝播の図" in page  # the frames are SVG in a browser
    finally:
        i18n.set_language(None)


def test_the_system_dot_finds_the_ja_extras_font_through_fontconfig() -> None:
    """With system Graphviz, PNG diagrams draw Japanese with the font of autograd_lite[ja]:
    dot runs with FONTCONFIG_FILE naming a fonts.conf that adds the font's folder."""
    import shutil
    import subprocess

    if i18n.japanese_font() is None:
        assert i18n.layout_environment() is None
        pytest.skip('not installed: the ja extra (pip install "autograd_lite[ja]")')
    if shutil.which("fc-list") is None:
        pytest.skip("no fontconfig (fc-list) here")
    env = i18n.layout_environment()
    assert env is not None
    conf = Path(env["FONTCONFIG_FILE"])
    assert str(i18n.japanese_font().parent) in conf.read_text(encoding="utf-8")  # type: ignore[union-attr]
    found = subprocess.run(
        ["fc-list", ":lang=ja", "family"], env=env, capture_output=True, text=True, timeout=30
    )
    assert i18n.FONT_NAME in found.stdout
    if shutil.which("dot") is None:
        return  # the rest needs the system Graphviz, which autograd_lite does not require
    i18n._system_dot_draws_japanese.cache_clear()
    with i18n.language_set("ja"):
        assert i18n.diagram_language() == "ja"  # a PNG drawn by dot can have Japanese legends


@pytest.mark.slow
@pytest.mark.parametrize("name", lessons.lesson_names())
def test_every_lesson_runs_in_japanese(name: str, tmp_path: Path) -> None:
    """Every lesson runs with --lang ja; a translated one has no sentence left in English."""
    printed = io.StringIO()
    strictly = i18n.strict() if name in TRANSLATED else contextlib.nullcontext()
    with strictly, contextlib.redirect_stdout(printed):
        outcome = lessons.load(name).main(["--quick", "--out", str(tmp_path), "--lang", "ja"])
    i18n.set_language(None)
    assert outcome.pictures
    text = printed.getvalue()
    assert text.startswith(f"レッスン {name}: ")
    if name in TRANSLATED:
        with i18n.language_set("ja"):
            assert lessons.describe(name) in text  # the Japanese title


@pytest.mark.notebook
@pytest.mark.slow
def test_the_japanese_notebook_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    from test_notebooks import _execute, _text

    monkeypatch.setenv(i18n.ENV_VAR, "ja")  # the notebook is written in Japanese
    outputs = _execute("toast_robot", tmp_path)
    assert not [o for o in outputs if o["output_type"] == "error"]
    text = _text(outputs)
    assert "E = 0.72" in text and "トーストが焦げた" in text
    assert len([o for o in outputs if "image/png" in o.get("data", {})]) == 1


def test_every_lesson_is_translated_and_readme_ja_says_so() -> None:
    readme = (ROOT / "README.ja.md").read_text(encoding="utf-8")
    assert sorted(lessons.lesson_names()) == TRANSLATED
    assert f"{len(TRANSLATED)} のレッスンすべてが" in readme
