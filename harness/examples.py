"""The evaluated applications: which firmware app runs which model on which inputs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness import models
from harness.errors import InputError


REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Example:
    name: str
    app: str  # folder under firmware/apps
    model: str  # manifest path (upstream, sha256-checked) or a path inside this repository
    iterations: int = 50
    inputs: bool = False  # the app reads a BT_INPUT blob built by harness.inputs


EXAMPLES = {
    e.name: e for e in [
        Example("hello_world", "hello_world", "hello_world/hello_world_int8.tflite", iterations=50),
        # 299 iterations = one pass over the 6 s stream of silence/yes/silence/no/silence/noise.
        Example("micro_speech", "micro_speech", "micro_speech/micro_speech_quantized.tflite",
                iterations=299, inputs=True),
        Example("mnist", "mnist", "models/mnist/mnist_cnn_int8.tflite", iterations=10, inputs=True),
        Example("mnist_lstm", "mnist_lstm", "mnist_lstm/trained_lstm_int8.tflite", iterations=10,
                inputs=True),
        Example("person_detection", "person_detection", "person_detection/person_detect.tflite",
                iterations=2, inputs=True),
    ]
}


def resolve(name_or_path: str, models_dir: Path | None = None) -> tuple[Example, Path]:
    """An example name, or a path to any .tflite (run by the generic model_runner app)."""
    if name_or_path in EXAMPLES:
        ex = EXAMPLES[name_or_path]
        local = REPO_ROOT / ex.model  # a model the project trains itself is committed
        return ex, local if local.is_file() else models.fetch(ex.model, models_dir)
    p = Path(name_or_path)
    if p.suffix == ".tflite" or p.exists():
        if not p.is_file():
            raise InputError(f"{p}: model file does not exist")
        return Example(p.stem, "model_runner", str(p), iterations=10), p
    raise InputError(f"--model {name_or_path}: neither a known example "
                     f"({', '.join(EXAMPLES)}) nor a .tflite file")
