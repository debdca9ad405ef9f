"""What a measurement depends on, as one hash: a stored run with the same fingerprint
need not be run again (matrix resume, and "rebuild only what changed")."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Everything that can change a figure: firmware sources, board descriptions and timing
# tables, the emulator, and the harness code that builds and parses.
_TREES = ("firmware", "platforms", "harness/emulate")
_FILES = ("harness/build.py", "harness/parse.py", "harness/run.py", "harness/inputs.py",
          "harness/examples.py")
_SUFFIXES = {".c", ".h", ".S", ".s", ".ld", ".txt", ".cmake", ".py", ".toml", ".repl", ".resc"}


@lru_cache(maxsize=1)
def source_hash() -> str:
    h = hashlib.sha256()
    paths = [p for t in _TREES for p in sorted((REPO / t).rglob("*"))
             if p.is_file() and p.suffix in _SUFFIXES and "__pycache__" not in p.parts]
    paths += [REPO / f for f in _FILES if (REPO / f).is_file()]
    for p in paths:
        h.update(str(p.relative_to(REPO)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def run_fingerprint(example: str, board: str, kernels: str, target: str, model_sha: str,
                    iterations: int | None) -> str:
    h = hashlib.sha256("|".join(map(str, (source_hash(), example, board, kernels, target,
                                          model_sha, iterations))).encode())
    return h.hexdigest()[:16]
