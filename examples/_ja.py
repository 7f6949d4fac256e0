"""The lessons in Japanese (日本語版): each lesson's docstring, and its sentences.

``DOCS`` maps a lesson's name to its docstring in Japanese; ``MESSAGES`` maps
each English sentence a lesson passes to ``tr``/``say``/``section``/``pic``
to its Japanese, keyed by the English text (whitespace does not matter).
Numbers are ``{fields}`` formatted after translation, with the same names as
in the English text; the terms are those of ``autograd_lite.locale.ja.GLOSSARY``.
The tests check that every sentence of a translated lesson is here, that
every entry here is used, and that the fields match.
"""

from __future__ import annotations

DOCS: dict[str, str] = {}
MESSAGES: dict[str, str] = {}

# -- toast_robot ---------------------------------------------------------------------

DOCS["toast_robot"] = """\
トーストロボット: 入力 1 つ、重み 1 つ、出力 1 つで、学習の 1 ステップを手で計算する。

パンをどれだけ焼くかを学習するロボットがいます。このネットワークは重み ``w`` ただ 1 つ
で、``w`` はパンがきつね色になってから、さらに何分焼き続けるかです。入力 ``x`` は
トースターの火力、出力 ``y = w * x`` はトーストの焦げ具合で、目標は ``t = 0`` (まったく
焦げていない) です。誤差 (損失関数) は ``E = 1/2 (y - t)^2`` です。連鎖律により勾配は
``dE/dw = dE/dy * dy/dw = (y - t) * x`` となり、勾配降下法は重みを勾配と逆向きに動かします:
``w <- w - η * dE/dw``。

教科書の数値 ``x = 2``、目標 ``t = 0``、初期値 ``w = 1``、学習率 ``η = 0.1`` では
``y = 2``、``E = 2``、``dE/dw = 4`` です。トーストが焦げたので、ロボットは焼き時間を短く
します。新しい重みは ``0.6``、新しい出力は ``1.2``、1 ステップ後の誤差は ``0.72`` です。
このレッスンはこれらを 1 つずつ表示し、勾配をエンジンの ``backward()`` と照らし合わせ、
誤差がほぼ 0 になるまで学習を続けて、ステップごとの誤差と重みをグラフにします。

実行: ``autograd-lite lesson toast_robot --lang ja`` (``--out DIR``、``--quick`` も使えます)。
"""

MESSAGES.update(
    {
        """The weight w is how many minutes the robot toasts past golden brown; the input x is
        how hot the toaster is; the output y = w * x is how burnt the toast comes out. Model
        y = w * x, error E = 1/2 (y - t)^2, with x = {x:g}, target t = {t:g} (not burnt),
        starting weight w = {w:g} and learning rate eta = {eta:g}.""": """\
重み w は、パンがきつね色になってからロボットがさらに焼き続ける時間 (分) です。入力 x は
トースターの火力、出力 y = w * x はトーストの焦げ具合です。モデルは y = w * x、誤差は
E = 1/2 (y - t)^2 で、x = {x:g}、目標 t = {t:g} (焦げていない)、重みの初期値 w = {w:g}、
学習率 η = {eta:g} とします。""",
        "one step of learning, number by number": "学習の 1 ステップを、数値で 1 つずつ",
        "forward:  y = w * x = {w:g} * {x:g} = {y:g}": "順伝播:  y = w * x = {w:g} * {x:g} = {y:g}",
        "error:    E = 1/2 (y - t)^2 = 1/2 ({y:g} - {t:g})^2 = {e:g}": (
            "誤差:    E = 1/2 (y - t)^2 = 1/2 ({y:g} - {t:g})^2 = {e:g}"
        ),
        "gradient: dE/dw = dE/dy * dy/dw = (y - t) * x = ({y:g} - {t:g}) * {x:g} = {g:g}": (
            "勾配:    dE/dw = dE/dy * dy/dw = (y - t) * x = ({y:g} - {t:g}) * {x:g} = {g:g}"
        ),
        "          the engine's backward pass agrees: w.grad = {g:g}": (
            "         エンジンの逆伝播も同じ値: w.grad = {g:g}"
        ),
        "update:   w <- w - eta * dE/dw = {w:g} - {eta:g} * ({g:g}) = {new:g}": (
            "更新:    w <- w - η * dE/dw = {w:g} - {eta:g} * ({g:g}) = {new:g}"
        ),
        "again:    y = {w:g} * {x:g} = {y:g},  E = {e:g}": (
            "もう一度: y = {w:g} * {x:g} = {y:g}、 E = {e:g}"
        ),
        """The toast came out burnt (y = {y0:g} > t = {t:g}), so the gradient is positive and
        the robot shortens its toasting time: w falls from {w0:g} to {w1:g} minutes past golden
        brown, and the error falls from {e0:g} to {e1:g}.""": """\
トーストが焦げた (y = {y0:g} > t = {t:g}) ので勾配は正になり、ロボットは焼き時間を短く
します。きつね色からの焼き時間 w は {w0:g} 分から {w1:g} 分に減り、誤差は {e0:g} から
{e1:g} に下がりました。""",
        "training on: {steps} more steps of the same": "学習を続ける: 同じことをあと {steps} ステップ",
        "step  weight w   error E": "ステップ  重み w     誤差 E",
        "{dots:>4}  ({n} steps left out)": "{dots:>4}  ({n} ステップ省略)",
        """The error falls below {near:g} after {steps} steps; the weight approaches
        t / x = {best:g}, the time that toasts exactly right (golden brown, not burnt). Each
        step multiplies the distance to it by (1 - eta x^2) = {factor:g}.""": """\
誤差は {steps} ステップで {near:g} を下回ります。重みは t / x = {best:g}、つまりちょうど
よく焼ける時間 (きつね色で、焦げていない) に近づきます。1 ステップごとに、そこまでの距離は
(1 - η x^2) = {factor:g} 倍になります。""",
        "error E": "誤差 E",
        "near zero ({near:g})": "ほぼ 0 ({near:g})",
        "after one step: E = {e:g}": "1 ステップ後: E = {e:g}",
        "step": "ステップ",
        "E = 1/2 (y - t)^2 (log scale)": "E = 1/2 (y - t)^2 (対数目盛)",
        "The error per step": "ステップごとの誤差",
        "weight w": "重み w",
        "t / x = {best:g}": "t / x = {best:g}",
        "w: minutes past golden brown": "w: きつね色からの焼き時間 (分)",
        "The weight per step: the toasting time gets shorter": (
            "ステップごとの重み: 焼き時間が短くなる"
        ),
        "Toast robot: y = w x, x = {x:g}, t = {t:g}, eta = {eta:g}": (
            "トーストロボット: y = w x、x = {x:g}、t = {t:g}、η = {eta:g}"
        ),
    }
)
