"""Review of the split of issue 17: every public name of 61cf591 is still importable from its path.

The names below were listed once from commit 61cf591 (the last commit before
``compile`` became a package and grad mode and tracing left ``engine``): each
module's ``__all__`` and the other names it defined without a leading
underscore (names it merely imported are left out). Today's modules must
still have every one of them; adding names is fine. One was left out on
purpose: ``visualize.playground.MAX_VIEW_VALUES``, a limit on values that could
not bound the page's layout time, replaced by ``MAX_VIEW_LAYERS`` (a limit of
another kind, so no alias keeps the old name).
"""

from __future__ import annotations

import importlib

import pytest

PUBLIC_AT_61CF591 = """
autograd_lite:
    CompiledStep GradcheckError PRIMITIVES Primitive TraceError Value compile derivative
    enable_grad functional grad gradcheck gradgradcheck hessian hvp is_grad_enabled jacobian
    losses nn no_grad topological_order value_and_grad
autograd_lite.calculus:
    MAX_ENTRIES MAX_ORDER derivative hessian hvp jacobian value_and_grad
autograd_lite.checkpoint:
    BYTES_PER_PARAMETER CheckpointError FORMAT MAX_BYTES MAX_DEPTH VERSION load max_bytes_for
    save
autograd_lite.checks:
    MAX_ITEMS Seed as_value as_vector bounded_list count flag hyper_parameter items make_rng
    number plain_list read_regular_file real short shown
autograd_lite.cli:
    COMMANDS build_parser main
autograd_lite.compile:
    BACKENDS CHECK_SAMPLES CompiledStep GraphTooLargeError LONGEST_EXPRESSION MAX_BATCH
    MAX_DEPTH MAX_NODES MAX_WATCHED ReplayMismatchError Tape TraceError compile
autograd_lite.data:
    DIGITS_MAX_BYTES DIGITS_RESOURCE DIGIT_MAX DIGIT_PIXELS Standardizer T batches load_digits
    make_blobs make_circles make_moons make_spirals train_test_split xor
autograd_lite.demo:
    DATASETS HELP MAX_GRAPH MAX_NEURON_RUNS MAX_NOISE MAX_SAMPLES OPTIMIZERS Result
    WEIGHT_DECAY add_arguments check dataset_classes parameter_count run train
autograd_lite.engine:
    GradModeContext PRIMITIVES TraceError Value add_to_grad apply backward backward_replay
    enable_grad grad grad_passes is_grad_enabled is_tracing no_grad topological_order tracing
    trainable
autograd_lite.exercises:
    EXERCISES Exercise LESSON_EXERCISES Report check_cells check_file check_source exercise
    names notebook
autograd_lite.exercises.checks:
    ACCURACY CHECKS Check EXAMPLES Failure Graph LEARNER_FILE LR MODERATE MOONS Outcome
    PRIMITIVES QUOTED STEPS as_float call close compare_grads falsify graph_picture graphs
    learner_grads mistaken_grads need num quote reference_grads run
autograd_lite.exercises.child:
    BLOCKED EVASIONS MODULE limit main refusal
autograd_lite.exercises.commands:
    CheckExercise EXERCISES FOLDER ListExercises MAX_BYTES PASSED RECORD_BYTES WriteExercise
autograd_lite.exercises.feedback:
    RIGHT WRONG diagram write
autograd_lite.exercises.notebook:
    CHECK_CALL METADATA cells_source check_cells notebook write_notebook
autograd_lite.exercises.runner:
    CPU_S MAX_BYTES MEMORY OUTPUT Report SHOWN_OUTPUT WALL_S check_file check_source
autograd_lite.exercises.track:
    EXERCISES Exercise LESSON_EXERCISES Part exercise names
autograd_lite.export:
    FLOAT_DTYPES to_torch
autograd_lite.expression:
    ATOM Text expression_text format_operation number_text
autograd_lite.functional:
    PRIMITIVES abs cos dot exp leaky_relu log log_clamped logsumexp relu sigmoid sin softplus
    sqrt sum tanh
autograd_lite.gradcheck:
    ATOL EPS GradcheckError MAX_INPUTS RTOL SEED gradcheck gradgradcheck nonsmooth_nodes
autograd_lite.i18n:
    ENV_VAR FONT_FILE FONT_NAME FONT_PACKAGE LANGUAGES MissingTranslation NO_LINE_END
    NO_LINE_START add_catalogue catalogue diagram_format diagram_language display_width doc
    fill japanese_font key language language_set layout_environment ljust picture_language
    placeholders rjust set_language strict tr tr_diagram tr_picture use_japanese_font
autograd_lite.init:
    ALIASES SCHEMES calculate_gain make_rng resolve sample_weights
autograd_lite.lessons:
    ENV_VAR HELPER_IMPORT ListLessons METADATA ORDER PACKAGED_HELPER RunLesson SETUP START
    describe examples_dir lesson_names lesson_path load notebook write_notebook
autograd_lite.locale:
autograd_lite.locale.ja:
    GLOSSARY MESSAGES glossary_markdown
autograd_lite.losses:
    Classes L binary_cross_entropy binary_cross_entropy_with_logits classes_of classifies
    cross_entropy hinge_loss l1_loss log_softmax mse_loss softmax
autograd_lite.metrics:
    ClassScores MAX_CLASSES accuracy confusion_matrix format_confusion_matrix
    precision_recall_f1
autograd_lite.nn:
    ACTIVATIONS BatchNorm1d Conv1d Conv2d Dropout Flatten IncompatibleKeys Layer LeakyReLU
    Linear MLP Module Neuron Parameter ReLU Sequential Sigmoid Tanh as_list as_output
    label_inputs short_name
autograd_lite.ops:
    DotLayout LOG_FLOOR PRIMITIVES Primitive dot_layout is_smooth
autograd_lite.optim:
    Adagrad Adam AdamW ExponentialLR LRScheduler LambdaLR Optimizer RMSprop SGD StepLR
    adagrad_update adam_update clip_grad_norm_ clip_grad_value_ rmsprop_update sgd_update
autograd_lite.optim.clipping:
    clip_grad_norm_ clip_grad_value_
autograd_lite.optim.optimizers:
    Adagrad Adam AdamW Optimizer R RMSprop SGD param_list
autograd_lite.optim.rules:
    State Update adagrad_update adam_update rmsprop_update sgd_update
autograd_lite.optim.schedules:
    ExponentialLR LRScheduler LambdaLR StepLR
autograd_lite.testing:
    ATOL ATOM Apply Constant EPS Expression JUDGE_AFTER LARGEST MARGIN MAX_DISCARDED
    PRIMITIVES RTOL Sample Variable check_gradients expressions expressions_with_inputs
    in_library in_torch torch_apply torch_functions
autograd_lite.train:
    DivergenceError Evaluation History eval_mode evaluate fit predict_classes
visualize:
    GraphTooLargeError RendererNotFoundError animate_backward backward_steps draw_graph
    draw_model render
visualize.animate:
    BackwardFrames DEFAULT_MAX_FRAMES DEFAULT_TIMEOUT_S Frame MAX_PAGE_BYTES TYPE_CHECKING
    animate_backward page_path
visualize.cli:
    DEFAULT_MAX_FRAMES DEFAULT_MAX_NODES DEFAULT_TIMEOUT_S FUNCTIONS HELP add_arguments
    parse_assignments run
visualize.diagram:
    DEFAULT_TIMEOUT_S Diagram FORMATS
visualize.expr:
    ExpressionError FUNCTIONS MAX_DEPTH MAX_EXPONENT MAX_LENGTH MAX_NODES PRIMITIVES evaluate
    variable_names
visualize.graph:
    ATOM Analysis Contribution DEFAULT_MAX_NODES DEFINITION_LENGTH FONT GraphTooLargeError
    KIND_COLOURS MAX_DEFINED NAME_LENGTH NOT_COMPUTED OUTPUT_NAME SUMMED Step TYPE_CHECKING
    View Widths backward_steps backward_view_of draw_graph forward_view operand_text
    stable_widths text_width to_digraph
visualize.model:
    DEFAULT_MAX_EDGES FONT TYPE_CHECKING draw_model
visualize.notebook:
    INLINE_LIMIT fit_to_width mimebundle
visualize.playground:
    ACTIVATIONS DATA_SETS DEFAULT_STATE FUNCTIONS GRID LR_RANGE MAX_ABS_VALUE MAX_EXPR
    MAX_LAYERS MAX_LENGTH MAX_QUERY MAX_REMEMBERED MAX_STEPS MAX_STEPS_PER_CALL MAX_VARIABLES
    MAX_WIDTH N_POINTS Playground STEP_BUDGET_S State TABS Trainer
    python_script
visualize.plots:
    COLOURS plot_decision_boundary plot_training_curve
visualize.renderer:
    DEFAULT_TIMEOUT_S LayoutTimeoutError MAX_PNG_PIXELS MIN_PNG_DPI PNG_DPI
    RendererNotFoundError TYPE_CHECKING check_timeout find_renderer format_of pipe png_dpi
    render
visualize.style:
    FONT KIND_COLOURS Kind NOT_FINITE RANKDIRS check_rankdir diverging esc fmt legend_table
    printable
"""


def _listed() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    module = ""
    for line in PUBLIC_AT_61CF591.strip().splitlines():
        if not line.startswith(" "):
            module = line.rstrip(":")
            out[module] = []
        else:
            out[module] += line.split()
    return out


LISTED = _listed()


def test_the_list_is_whole() -> None:
    assert len(LISTED) == 49
    assert sum(map(len, LISTED.values())) == 507


@pytest.mark.parametrize("module", sorted(LISTED))
def test_every_public_name_of_61cf591_is_still_importable(module: str) -> None:
    mod = importlib.import_module(module)
    missing = [name for name in LISTED[module] if not hasattr(mod, name)]
    assert not missing, f"{module} no longer has {missing}"
