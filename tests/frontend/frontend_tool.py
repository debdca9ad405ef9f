"""Python side of the front-end tests: build and run the C host driver, and compute the golden
features with the tflite-micro wheel (audio_preprocessor_int8.tflite), plus the micro_speech
classifier for the end-to-end check.

CLI: python tests/frontend/frontend_tool.py FILE.wav   -> compares our features with the golden.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
FRONTEND = REPO / "firmware" / "frontend"
MODELS = Path(os.environ.get("BOARDTWIN_MODELS", REPO.parent / "shared" / "models"))
MS_DIR = MODELS / "micro_speech"
PREPROCESSOR = MS_DIR / "audio_preprocessor_int8.tflite"
CLASSIFIER = MS_DIR / "micro_speech_quantized.tflite"
LABELS = ("silence", "unknown", "yes", "no")
WINDOW, STRIDE, CHANNELS, FRAMES = 480, 320, 40, 49
SOURCES = sorted((FRONTEND / "src").glob("*.c")) + [FRONTEND / "host" / "bt_frontend_dump.c"]
FLAGS = ["-std=c11", "-O2", "-Wall", "-Wextra", "-Werror"]
SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer"]

# Intermediate tensors of the preprocessor graph, by name, and the trace tag we print for each.
STAGES = {
    "W": "signal_window", "S": "signal_fft_auto_scale1", "X": "signal_rfft",
    "B": "signal_filter_bank", "Q": "signal_filter_bank_square_root",
    "U": "signal_filter_bank_spectral_subtraction", "N": "signal_filter_bank_spectral_subtraction1",
    "P": "signal_pcan", "L": "signal_filter_bank_log",
}


def build(sanitize: bool = False, cc: str = "gcc", out_dir: Path | None = None) -> Path:
    """Compile the host driver (cached by sources and flags); returns the executable."""
    flags = FLAGS + (SANITIZE if sanitize else [])
    key = hashlib.sha256()
    for f in SOURCES + sorted((FRONTEND / "src").glob("*.h")) + [FRONTEND / "include/bt/frontend.h"]:
        key.update(f.read_bytes())
    key.update(" ".join([cc] + flags).encode())
    out_dir = out_dir or Path(tempfile.gettempdir()) / "bt_frontend_build"
    out_dir.mkdir(parents=True, exist_ok=True)
    exe = out_dir / f"bt_frontend_dump-{key.hexdigest()[:16]}"
    if exe.exists():
        return exe
    tmp = exe.with_name(f"{exe.name}.{os.getpid()}.tmp")
    cmd = [cc, *flags, "-I", str(FRONTEND / "include"), "-I", str(FRONTEND / "src"),
           *map(str, SOURCES), "-o", str(tmp)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(f"build failed: {' '.join(cmd)}\n{r.stderr}")
    os.replace(tmp, exe)  # atomic: parallel test workers may race on the same cache entry
    return exe


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        if (w.getnchannels(), w.getsampwidth(), w.getframerate()) != (1, 2, 16000):
            raise ValueError(f"{path}: want mono 16-bit 16 kHz")
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.int16)


def _parse(text: str, trace: bool):
    feats, traces = [], []
    for line in text.splitlines():
        tag, *vals = line.split()
        if tag == "F":
            feats.append([int(v) for v in vals])
            if trace:
                traces.append({})
        elif trace:
            traces[-1][tag] = np.array([int(v) for v in vals], dtype=np.int64)
    f = np.array(feats, dtype=np.int8).reshape(-1, CHANNELS)
    return (f, traces) if trace else f


def run_file(path: Path, exe: Path, raw: bool = False, trace: bool = False, repeat: int = 1):
    """Features (frames x 40 int8) from the C driver; with trace also per-stage dicts.
    repeat > 1 processes the clip that many times, resetting the state in between."""
    cmd = [str(exe), *(["--raw"] if raw else []), *(["--trace"] if trace else []),
           "--repeat", str(repeat), str(path)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr}")
    return _parse(r.stdout, trace)


def run_pcm(pcm: np.ndarray, exe: Path, trace: bool = False, repeat: int = 1):
    with tempfile.NamedTemporaryFile(suffix=".raw", delete=False) as f:
        f.write(np.asarray(pcm, dtype="<i2").tobytes())
    try:
        return run_file(Path(f.name), exe, raw=True, trace=trace, repeat=repeat)
    finally:
        os.unlink(f.name)


def frames(pcm: np.ndarray):
    for s in range(0, len(pcm) - WINDOW + 1, STRIDE):
        yield pcm[s:s + WINDOW]


class Golden:
    """The reference: the upstream preprocessor model in the tflite-micro wheel."""

    def __init__(self, preserve: bool = False):
        from tflite_micro import runtime
        cfg = (runtime.InterpreterConfig.kPreserveAllTensors if preserve
               else runtime.InterpreterConfig.kAllocationRecording)
        self.ip = runtime.Interpreter.from_file(str(PREPROCESSOR), intrepreter_config=cfg)
        self.preserve = preserve
        if preserve:
            from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as s
            g = s.ModelT.InitFromPackedBuf(PREPROCESSOR.read_bytes(), 0).subgraphs[0]
            index = {t.name.decode(): i for i, t in enumerate(g.tensors)}
            self.tensor = {tag: index[name] for tag, name in STAGES.items()}

    def features(self, pcm: np.ndarray, trace: bool = False):
        """One clip from a fresh state (reset() clears the noise estimate)."""
        self.ip.reset()
        out, traces = [], []
        for w in frames(np.asarray(pcm, dtype=np.int16)):
            self.ip.set_input(w.reshape(1, WINDOW), 0)
            self.ip.invoke()
            out.append(self.ip.get_output(0).copy())
            if trace:
                traces.append({tag: np.asarray(self.ip.GetTensor(i, 0)["tensor_data"]).astype(np.int64)
                               .reshape(-1) for tag, i in self.tensor.items()})
        f = np.array(out, dtype=np.int8).reshape(-1, CHANNELS)
        return (f, traces) if trace else f


def classify(features: np.ndarray) -> tuple[str, np.ndarray]:
    """micro_speech_quantized on a 49 x 40 int8 spectrogram: (label, int8 scores)."""
    from tflite_micro import runtime
    if features.shape != (FRAMES, CHANNELS):
        raise ValueError(f"want {FRAMES}x{CHANNELS} features, got {features.shape}")
    ip = runtime.Interpreter.from_file(str(CLASSIFIER))
    ip.set_input(features.reshape(1, FRAMES * CHANNELS).astype(np.int8), 0)
    ip.invoke()
    scores = ip.get_output(0).reshape(-1)
    return LABELS[int(np.argmax(scores))], scores


def compare(ours: np.ndarray, ref: np.ndarray) -> dict:
    if ours.shape != ref.shape:
        raise AssertionError(f"shape {ours.shape} != golden {ref.shape}")
    d = np.abs(ours.astype(np.int32) - ref.astype(np.int32))
    return {"max_abs_diff": int(d.max(initial=0)), "exact_fraction": float((d == 0).mean()) if d.size else 1.0,
            "features": int(d.size)}


def main(argv: list[str]) -> int:
    exe = build()
    golden = Golden()
    worst = 0
    for p in map(Path, argv):
        pcm = read_wav(p)
        stats = compare(run_file(p, exe), golden.features(pcm))
        worst = max(worst, stats["max_abs_diff"])
        print(f"{p.name}: {stats}")
    return 1 if worst else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
