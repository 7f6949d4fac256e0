"""The Japanese catalogue (日本語): the glossary, and the library's text in pictures and lists.

``GLOSSARY`` is the one place for the terms the Japanese edition uses, as
the introductory articles on 誤差逆伝播法 use them: the lessons, the
pictures and README.ja.md (whose table ``glossary_markdown()`` writes, and
a test compares) take their words from it. ``MESSAGES`` maps English text
to Japanese: the glossary's terms, then the library's own text.
"""

from __future__ import annotations

#: (English term, Japanese term, a note for the reader). The articles' words, used as they use them.
GLOSSARY: tuple[tuple[str, str, str], ...] = (
    ("backpropagation", "誤差逆伝播法", "「誤差伝播」は測定誤差の伝播のことなので使わない"),
    ("forward pass", "順伝播", "入力から出力へ値を計算すること"),
    ("backward pass", "逆伝播", "出力から入力へ勾配を送ること"),
    ("chain rule", "連鎖律", "経路ごとに掛け、経路について足す"),
    ("partial derivative", "偏微分", ""),
    ("total differential", "全微分", ""),
    ("gradient", "勾配", ""),
    ("gradient descent", "勾配降下法", ""),
    ("stochastic gradient descent", "確率的勾配降下法 (SGD)", "1 サンプルずつ更新する"),
    ("mini-batch", "ミニバッチ", ""),
    ("batch size", "バッチサイズ", ""),
    ("epoch", "エポック", ""),
    ("learning rate", "学習率", "記号は η (イータ)"),
    ("loss function", "損失関数", "誤差関数とも"),
    ("mean squared error", "平均二乗誤差", ""),
    ("cross-entropy", "交差エントロピー誤差", ""),
    ("activation function", "活性化関数", ""),
    ("sigmoid", "シグモイド関数", ""),
    ("softmax", "ソフトマックス関数", ""),
    ("weight", "重み", ""),
    ("bias", "バイアス", ""),
    ("affine layer", "全結合層 (Affine レイヤ)", ""),
    ("convolution", "畳み込み", ""),
    ("convolution layer", "畳み込み層", ""),
    ("kernel", "カーネル (フィルタ)", ""),
    ("optimiser", "最適化手法", "モーメンタム、AdaGrad、RMSProp、Adam"),
    ("momentum", "モーメンタム", ""),
    ("vanishing gradients", "勾配消失", ""),
    ("exploding gradients", "勾配爆発", ""),
    ("gradient clipping", "勾配クリッピング", ""),
    ("gradient checking", "勾配確認", "誤差逆伝播法の勾配を数値微分と比べる"),
    ("numerical differentiation", "数値微分", ""),
    ("weight initialisation", "重みの初期化", "重みの初期値: Xavier、He"),
    ("dropout", "ドロップアウト", ""),
    ("batch normalisation", "バッチ正規化", ""),
    ("normalising inputs", "正規化・標準化", ""),
    ("over-fitting", "過学習", ""),
    ("generalisation", "汎化性能", ""),
    ("confusion matrix", "混同行列", ""),
    ("accuracy", "正解率", ""),
    ("fine-tuning", "ファインチューニング", ""),
    ("transfer learning", "転移学習", ""),
    ("hyper-parameter", "ハイパーパラメータ", ""),
    ("computation graph", "計算グラフ", ""),
    ("automatic differentiation", "自動微分", ""),
    ("topological order", "トポロジカル順序", "ノードを、それを使うノードより先に並べた順"),
)


def glossary_markdown() -> str:
    """The glossary as a Markdown table (README.ja.md shows this exact text)."""
    rows = ["| English | 日本語 | 補足 |", "| --- | --- | --- |"]
    rows += [f"| {en} | {ja} | {note} |" for en, ja, note in GLOSSARY]
    return "\n".join(rows)


MESSAGES: dict[str, str] = {
    **{en: ja for en, ja, _ in GLOSSARY},
    # autograd-lite lessons
    "Run one with `autograd-lite lesson NAME` (`--notebook` to get it as a notebook),\n"
    "or `python {folder}/NAME.py`.": "\n実行するには `autograd-lite lesson NAME --lang ja`"
    " (ノートブックにするには `--notebook`)、\nまたは `python {folder}/NAME.py --lang ja`。",
    "Lesson {name}: {title}": "レッスン {name}: {title}",
    "(quick mode: a smaller run that makes the same point)": "(クイックモード: 同じことを示す、"
    "より小さな実行)",
    "  picture: {path}": "  図: {path}",
    "{count} picture(s) in {folder}/": "図 {count} 枚: {folder}/",
    "(no Japanese font: pictures keep English labels; "
    'pip install "autograd_lite[ja]" installs one)': "(日本語フォントがないため、図のラベルは英語の"
    'ままです。pip install "autograd_lite[ja]" で入ります)',
}
