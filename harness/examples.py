"""The evaluated applications: which firmware app runs which model on which inputs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness import models
from harness.errors import InputError


@dataclass(frozen=True)
class Example:
    name: str
    app: str  # folder under firmware/apps
    model: str  # manifest path
    iterations: int = 50


EXAMPLES = {
    e.name: e for e in [
        Example("hello_world", "hello_world", "hello_world/hello_world_int8.tflite", iterations=50),
    ]
}


def resolve(name_or_path: str, models_dir: Path | None = None) -> tuple[Example, Path]:
    """An example name, or a path to any .tflite (run by the generic model_runner app)."""
    if name_or_path in EXAMPLES:
        ex = EXAMPLES[name_or_path]
        return ex, models.fetch(ex.model, models_dir)
    p = Path(name_or_path)
    if p.suffix == ".tflite" or p.exists():
        if not p.is_file():
            raise InputError(f"{p}: model file does not exist")
        return Example(p.stem, "model_runner", str(p), iterations=10), p
    raise InputError(f"--model {name_or_path}: neither a known example "
                     f"({', '.join(EXAMPLES)}) nor a .tflite file")
