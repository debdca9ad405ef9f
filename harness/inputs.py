"""Input blobs for the example applications (BT_INPUT) and their golden results.

One `prepare` function per app builds the blob its firmware reads (see the comment at the top
of firmware/apps/<app>/<app>.c for the layout) from the model directory, writes it under
build/inputs/ (named by content, so rebuilding is a no-op) and returns `Prepared(blob,
expected)`: what a correct run must show independent of bit-exactness (true labels, which
clips hold which command).

One `golden` function per app replays the firmware's Populate -> Invoke -> Respond loop in
Python with the tflite-micro wheel on the same blob: the expected output bytes of every
iteration (the PRED line's out=) and the app's Respond lines, for exact comparison with a run.
micro_speech's features come from the wheel's audio_preprocessor_int8.tflite, its command
recogniser is mirrored here with the constants read from the firmware's recognize.h.

    prep = prepare("micro_speech")                  # or micro_speech(models_dir, out_dir)
    gold = golden("micro_speech", prep.blob, 299)   # gold.outputs[i] == PRED i outputs
    check_run("micro_speech", prep.blob, log.preds, log.other)  # harness.run-style verdict
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from harness import models
from harness.errors import InputError

REPO_ROOT = Path(__file__).resolve().parent.parent
BLOB_DIR = REPO_ROOT / "build" / "inputs"
APPS_DIR = REPO_ROOT / "firmware" / "apps"
MNIST_DIR = REPO_ROOT / "models" / "mnist"
MNIST_MODEL = MNIST_DIR / "mnist_cnn_int8.tflite"

# Upstream files per app (manifest paths, sha256-checked by models.fetch).
MODEL = {
    "micro_speech": "micro_speech/micro_speech_quantized.tflite",
    "mnist_lstm": "mnist_lstm/trained_lstm_int8.tflite",
    "person_detection": "person_detection/person_detect.tflite",
}
MS_PREPROCESSOR = "micro_speech/audio_preprocessor_int8.tflite"
MS_LABELS = ("silence", "unknown", "yes", "no")
MS_COMMANDS = ("yes", "no")
# The stream micro_speech hears: a leading second of silence while the 1 s feature window
# fills (the recogniser ignores that warm-up), each command followed by a quiet second so the
# next one is not inside the recogniser's suppression time, then noise.
MS_CLIPS = ("silence", "yes", "silence", "no", "silence", "noise")
MS_RATE, MS_WINDOW, MS_STRIDE, MS_FRAMES, MS_CHANNELS = 16000, 480, 320, 49, 40
MS_MAGIC, MS_NAME_LEN = b"BTAU", 16
PERSON_IMAGES = ("person", "no_person")
PERSON_SIDE = 96


class Prepared(NamedTuple):
    blob: Path
    expected: dict


@dataclass
class Golden:
    outputs: list[list[bytes]]  # per iteration, the bytes of every output (PRED out=)
    lines: list[str]            # the app's Respond lines, in order
    inputs: list[bytes]         # per iteration, input 0 as Populate fills it


# ---------------------------------------------------------------- helpers

def _write_blob(name: str, data: bytes, out_dir: Path | None) -> Path:
    out_dir = Path(out_dir) if out_dir else BLOB_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}-{hashlib.sha256(data).hexdigest()[:12]}.bin"
    if not path.is_file() or path.read_bytes() != data:
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)  # atomic: parallel test workers may write the same blob
    return path


def _runtime():
    try:
        from tflite_micro import runtime
    except ImportError as e:
        raise InputError("the tflite-micro wheel is missing: run `make setup` "
                         "(pip install tflite-micro)") from e
    return runtime


def _interpreter(model: Path):
    return _runtime().Interpreter.from_file(str(model))


def _quant(ip) -> tuple[float, int]:
    q = ip.get_input_details(0)["quantization_parameters"]
    return float(q["scales"][0]), int(q["zero_points"][0])


def _argmax_line(scores: np.ndarray, label: int) -> str:
    best = int(np.argmax(scores))  # first maximum, like the firmware
    return f"digit {best} (score {int(scores[best])}) expected {label}"


def _records(blob: Path, size: int) -> np.ndarray:
    data = np.frombuffer(Path(blob).read_bytes(), dtype=np.int8)
    if data.size == 0 or data.size % size:
        raise InputError(f"{blob}: {data.size} bytes is not a whole number of {size}-byte inputs")
    return data.reshape(-1, size)


# ---------------------------------------------------------------- images

def read_bmp(path: Path) -> np.ndarray:
    """Grey levels (rows top to bottom, uint8) of an uncompressed 8-bit (palette) or 24-bit BMP."""
    data = Path(path).read_bytes()
    if len(data) < 54 or data[:2] != b"BM":
        raise InputError(f"{path}: not a BMP file")
    offset, = struct.unpack_from("<I", data, 10)
    hsize, width, height, planes, bpp, compression = struct.unpack_from("<IiiHHI", data, 14)
    colours, = struct.unpack_from("<I", data, 46)
    if compression != 0 or bpp not in (8, 24) or width <= 0 or height == 0:
        raise InputError(f"{path}: only uncompressed 8-bit or 24-bit BMPs are supported "
                         f"(got {bpp} bpp, compression {compression})")
    rows, stride = abs(height), (width * bpp // 8 + 3) & ~3
    if offset + rows * stride > len(data):
        raise InputError(f"{path}: truncated pixel data")
    px = np.frombuffer(data, dtype=np.uint8, count=rows * stride, offset=offset)
    px = px.reshape(rows, stride)[:, :width * bpp // 8]
    if bpp == 8:
        n = colours or 256
        bgr = np.frombuffer(data, dtype=np.uint8, count=4 * n, offset=14 + hsize).reshape(n, 4)[:, :3]
        bgr = bgr[px]
    else:
        bgr = px.reshape(rows, width, 3)
    b, g, r = (bgr[..., k].astype(np.uint32) for k in range(3))
    grey = ((r * 299 + g * 587 + b * 114 + 500) // 1000).astype(np.uint8)  # ITU-R 601 luma
    return grey if height < 0 else grey[::-1]  # positive height: stored bottom-up


def _read_png(path: Path) -> np.ndarray:
    from PIL import Image
    with Image.open(path) as im:
        return np.asarray(im.convert("L"), dtype=np.uint8)


def mnist(models_dir: Path | None = None, out_dir: Path | None = None) -> Prepared:
    """Our MNIST CNN's ten held-back digits (models/mnist/testdata), label order."""
    del models_dir  # the model and its test digits live in this repository
    parts = []
    for d in range(10):
        f = MNIST_DIR / "testdata" / f"digit_{d}.bin"
        if not f.is_file() or f.stat().st_size != 28 * 28:
            raise InputError(f"{f}: missing or not a 784-byte int8 image")
        parts.append(f.read_bytes())
    return Prepared(_write_blob("mnist", b"".join(parts), out_dir),
                    {"names": [f"digit_{d}" for d in range(10)], "labels": list(range(10))})


def mnist_lstm(models_dir: Path | None = None, out_dir: Path | None = None) -> Prepared:
    """samples/sample<d>.png quantized with the model's input scale / zero point."""
    model = models.fetch(MODEL["mnist_lstm"], models_dir)
    scale, zp = _quant(_interpreter(model))
    parts = []
    for d in range(10):
        png = models.fetch(f"mnist_lstm/samples/sample{d}.png", models_dir)
        grey = _read_png(png)
        if grey.shape != (28, 28):
            raise InputError(f"{png}: {grey.shape} image, the model wants 28x28")
        # As upstream's evaluate.py: pixels / 255 as the float input, then quantize.
        q = np.clip(np.round(grey.astype(np.float64) / 255.0 / scale) + zp, -128, 127)
        parts.append(q.astype(np.int8).tobytes())
    return Prepared(_write_blob("mnist_lstm", b"".join(parts), out_dir),
                    {"names": [f"sample{d}" for d in range(10)], "labels": list(range(10))})


def person_detection(models_dir: Path | None = None, out_dir: Path | None = None,
                     offset: bool = False) -> Prepared:
    """person.bmp then no_person.bmp, 96x96 grey levels, rows top to bottom.

    By default the grey bytes go into the int8 input unchanged (200 reads as -56), exactly as
    upstream's person_detection_test does (generate_cc_arrays.py's PIL bytes, memcpy'd into
    input->data.int8); upstream's expected results -- person wins on person.bmp -- hold only
    so. offset=True applies the input's declared quantization instead (scale 2/255, zero
    point -1: pixel - 128), with which this model scores person.bmp 4 vs 4 the wrong way.
    """
    models.fetch(MODEL["person_detection"], models_dir)
    parts = []
    for name in PERSON_IMAGES:
        bmp = models.fetch(f"person_detection/testdata/{name}.bmp", models_dir)
        grey = read_bmp(bmp)
        if grey.shape != (PERSON_SIDE, PERSON_SIDE):
            raise InputError(f"{bmp}: {grey.shape} image, the model wants 96x96")
        q = grey.astype(np.int16) - 128 if offset else grey.view(np.int8)
        parts.append(q.astype(np.int8).tobytes())
    return Prepared(_write_blob("person_detection", b"".join(parts), out_dir),
                    {"names": list(PERSON_IMAGES), "person": [True, False]})


# ---------------------------------------------------------------- micro_speech

def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        if (w.getnchannels(), w.getsampwidth(), w.getframerate()) != (1, 2, MS_RATE):
            raise InputError(f"{path}: want mono 16-bit {MS_RATE} Hz PCM")
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.int16)


def pack_audio(clips: list[tuple[str, np.ndarray]]) -> bytes:
    """The micro_speech blob: "BTAU", count, {samples, name[16]} per clip, then the PCM."""
    if not clips:
        raise InputError("micro_speech: no clips")
    head = [MS_MAGIC, struct.pack("<I", len(clips))]
    for name, pcm in clips:
        raw = name.encode()
        if len(raw) > MS_NAME_LEN or len(pcm) < MS_WINDOW:
            raise InputError(f"micro_speech clip {name!r}: name over {MS_NAME_LEN} bytes or "
                             f"fewer than {MS_WINDOW} samples")
        head.append(struct.pack("<I", len(pcm)) + raw.ljust(MS_NAME_LEN, b"\0"))
    return b"".join(head) + b"".join(np.asarray(p, dtype="<i2").tobytes() for _, p in clips)


def unpack_audio(blob: Path) -> tuple[list[str], list[int], np.ndarray]:
    data = Path(blob).read_bytes()
    if data[:4] != MS_MAGIC:
        raise InputError(f"{blob}: not a micro_speech audio blob")
    count, = struct.unpack_from("<I", data, 4)
    names, sizes = [], []
    for c in range(count):
        n, raw = struct.unpack_from(f"<I{MS_NAME_LEN}s", data, 8 + c * (4 + MS_NAME_LEN))
        sizes.append(n)
        names.append(raw.rstrip(b"\0").decode())
    pcm = np.frombuffer(data, dtype="<i2", offset=8 + count * (4 + MS_NAME_LEN)).astype(np.int16)
    if len(pcm) != sum(sizes):
        raise InputError(f"{blob}: header announces {sum(sizes)} samples, blob has {len(pcm)}")
    return names, sizes, pcm


def stream_iterations(sizes: list[int]) -> int:
    """Iterations (20 ms strides) that hear the whole stream once."""
    return (sum(sizes) - MS_WINDOW) // MS_STRIDE + 1


def micro_speech(models_dir: Path | None = None, out_dir: Path | None = None,
                 clips: tuple[str, ...] = MS_CLIPS) -> Prepared:
    """testdata/<clip>_1000ms.wav back to back; expected: which clips hold a command."""
    models.fetch(MODEL["micro_speech"], models_dir)
    pcms = [(f"{c}_1000ms", read_wav(models.fetch(f"micro_speech/testdata/{c}_1000ms.wav",
                                                  models_dir))) for c in clips]
    sizes = [len(p) for _, p in pcms]
    starts = np.cumsum([0] + sizes)[:-1] * 1000 // MS_RATE
    expected = {
        "clips": [{"name": n, "start_ms": int(s), "samples": len(p),
                   "word": c if c in MS_COMMANDS else None}
                  for (n, p), s, c in zip(pcms, starts, clips)],
        "iterations": stream_iterations(sizes),
    }
    return Prepared(_write_blob("micro_speech", pack_audio(pcms), out_dir), expected)


def recognizer_constants(header: Path = APPS_DIR / "micro_speech" / "recognize.h") -> dict:
    """RC_* constants from the firmware's recognize.h, so the mirror cannot drift."""
    found = dict(re.findall(r"#define\s+RC_(\w+)\s+(\d+)u?\b", header.read_text()))
    return {k: int(v) for k, v in found.items()}


class Recognizer:
    """Python mirror of firmware/apps/micro_speech/recognize.c (integer arithmetic)."""

    def __init__(self, constants: dict | None = None):
        self.k = constants or recognizer_constants()
        self.history: list[tuple[int, np.ndarray]] = []
        self.last_detect: int | None = None

    def process(self, time_ms: int, scores) -> tuple[int, int] | None:
        k = self.k
        self.history.append((time_ms, np.asarray(scores, dtype=np.int32)))
        self.history = self.history[-k["MAX_RESULTS"]:]
        self.history = [(t, s) for t, s in self.history if time_ms - t < k["WINDOW_MS"]]
        if len(self.history) < k["MIN_COUNT"]:
            return None
        sums = np.sum([s for _, s in self.history], axis=0)
        n = len(self.history)
        avgs = [int(abs(int(v)) // n) * (1 if v >= 0 else -1) for v in sums]  # C truncation
        top = max(range(k["LABELS"]), key=lambda l: (avgs[l], -l))
        if top < k["FIRST_COMMAND"] or avgs[top] < k["THRESHOLD"]:
            return None
        if self.last_detect is not None and time_ms - self.last_detect < k["SUPPRESSION_MS"]:
            return None
        self.last_detect = time_ms
        return top, avgs[top]


def golden_micro_speech(blob: Path, iterations: int, models_dir: Path | None = None) -> Golden:
    names, sizes, pcm = unpack_audio(blob)
    total = len(pcm)
    pre = _interpreter(models.fetch(MS_PREPROCESSOR, models_dir))
    cls = _interpreter(models.fetch(MODEL["micro_speech"], models_dir))
    window = np.full((MS_FRAMES, MS_CHANNELS), -128, dtype=np.int8)
    rec = Recognizer()
    outputs, lines, fed = [], [], []
    frame_start, clip, next_clip_at = 0, 0, sizes[0]
    ramp = np.arange(MS_WINDOW)
    for i in range(iterations):
        pre.set_input(pcm[(frame_start + ramp) % total].reshape(1, MS_WINDOW), 0)
        pre.invoke()
        window = np.roll(window, -1, axis=0)
        window[-1] = pre.get_output(0).reshape(-1)
        fed.append(window.tobytes())
        cls.set_input(window.reshape(1, MS_FRAMES * MS_CHANNELS), 0)
        cls.invoke()
        scores = np.array(cls.get_output(0)).reshape(-1)
        outputs.append([scores.astype(np.int8).tobytes()])

        consumed = i * MS_STRIDE + MS_WINDOW
        frame_start = (frame_start + MS_STRIDE) % total
        started = i == 0
        while consumed > next_clip_at:
            clip = (clip + 1) % len(sizes)
            next_clip_at += sizes[clip]
            started = True
        if started:
            lines.append(f"clip {clip} {names[clip]} @{(next_clip_at - sizes[clip]) * 1000 // MS_RATE}ms")
        if i + 1 >= MS_FRAMES:
            now = consumed * 1000 // MS_RATE
            hit = rec.process(now, scores)
            if hit:
                lines.append(f"Heard {MS_LABELS[hit[0]]} ({hit[1]}) @{now}ms")
    return Golden(outputs, lines, fed)


# ---------------------------------------------------------------- golden image apps

def _golden_images(model: Path, blob: Path, iterations: int, line, reset: bool) -> Golden:
    ip = _interpreter(model)
    d = ip.get_input_details(0)
    recs = _records(blob, int(np.prod(d["shape"])))
    outputs, lines, fed = [], [], []
    for i in range(iterations):
        k = i % len(recs)
        fed.append(recs[k].tobytes())
        if reset:
            ip.reset()
        ip.set_input(recs[k].reshape(d["shape"]), 0)
        ip.invoke()
        out = np.array(ip.get_output(0)).reshape(-1).astype(np.int8)
        outputs.append([out.tobytes()])
        lines.append(line(out, k))
    return Golden(outputs, lines, fed)


def golden_mnist(blob: Path, iterations: int, models_dir: Path | None = None) -> Golden:
    return _golden_images(MNIST_MODEL, blob, iterations, _argmax_line, reset=False)


def golden_mnist_lstm(blob: Path, iterations: int, models_dir: Path | None = None) -> Golden:
    # The LSTM's state persists across invokes: the firmware resets it per image, as here.
    return _golden_images(models.fetch(MODEL["mnist_lstm"], models_dir), blob, iterations,
                          _argmax_line, reset=True)


def golden_person_detection(blob: Path, iterations: int, models_dir: Path | None = None) -> Golden:
    return _golden_images(models.fetch(MODEL["person_detection"], models_dir), blob, iterations,
                          lambda s, k: f"person score {int(s[1])} no person score {int(s[0])}",
                          reset=False)


# ---------------------------------------------------------------- checking a run

RESPOND = {  # the app's Respond lines among a run's other output
    "micro_speech": re.compile(r"^(clip |Heard )"),
    "mnist": re.compile(r"^digit "),
    "mnist_lstm": re.compile(r"^digit "),
    "person_detection": re.compile(r"^person score "),
}


def check_run(app: str, blob: Path, preds: list[dict], lines: list[str],
              models_dir: Path | None = None) -> dict:
    """Compare a run with the golden replay: `preds` as harness.parse gives them (PRED lines
    carry no input for these apps), `lines` the run's other output (Respond lines are picked
    out). Fields as harness.run.check_predictions, plus respond_matching."""
    gold = golden(app, blob, len(preds), models_dir)
    mismatches = [p["i"] for p, want in zip(preds, gold.outputs)
                  if [bytes(o) for o in p["outputs"]] != want]
    respond = [ln.strip() for ln in lines if RESPOND[app].match(ln.strip())]
    checked = len(preds)
    return dict(preds_checked=checked, preds_matching=checked - len(mismatches),
                bit_exact=(not mismatches) if checked else None,
                mismatch_iterations=",".join(map(str, mismatches[:5])),
                respond_matching=respond == gold.lines)


# ---------------------------------------------------------------- registry

PREPARE = {"micro_speech": micro_speech, "mnist": mnist, "mnist_lstm": mnist_lstm,
           "person_detection": person_detection}
GOLDEN = {"micro_speech": golden_micro_speech, "mnist": golden_mnist,
          "mnist_lstm": golden_mnist_lstm, "person_detection": golden_person_detection}


def prepare(app: str, models_dir: Path | None = None, out_dir: Path | None = None) -> Prepared:
    if app not in PREPARE:
        raise InputError(f"no input preparation for app {app!r} (known: {', '.join(PREPARE)})")
    return PREPARE[app](models_dir, out_dir)


def golden(app: str, blob: Path, iterations: int, models_dir: Path | None = None) -> Golden:
    if app not in GOLDEN:
        raise InputError(f"no golden reference for app {app!r} (known: {', '.join(GOLDEN)})")
    return GOLDEN[app](Path(blob), iterations, models_dir)
