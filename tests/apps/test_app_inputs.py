"""Input preparation (harness/inputs.py) and the golden references, on the host only:
the blobs hold what the firmware expects and the wheel's answers are the right ones."""

from __future__ import annotations

import re
import struct

import numpy as np
import pytest

from harness import inputs

from appcommon import iterations


def test_mnist_blob_is_the_test_digits_in_label_order(prepared):
    prep = prepared("mnist")
    want = b"".join((inputs.MNIST_DIR / "testdata" / f"digit_{d}.bin").read_bytes() for d in range(10))
    assert prep.blob.read_bytes() == want
    assert prep.expected["labels"] == list(range(10))


def test_mnist_lstm_blob_uses_the_input_quantization(prepared, models_dir):
    from PIL import Image
    prep = prepared("mnist_lstm")
    data = np.frombuffer(prep.blob.read_bytes(), dtype=np.int8).reshape(10, 28, 28)
    for d in range(10):
        px = np.asarray(Image.open(models_dir / "mnist_lstm" / "samples" / f"sample{d}.png"))
        # scale 1/255, zero point -128: q = pixel - 128
        assert np.array_equal(data[d].astype(int), px.astype(int) - 128)


def test_read_bmp_matches_pillow(models_dir):
    from PIL import Image
    for name in inputs.PERSON_IMAGES:
        path = models_dir / "person_detection" / "testdata" / f"{name}.bmp"
        assert np.array_equal(inputs.read_bmp(path), np.asarray(Image.open(path).convert("L")))


def test_read_bmp_rejects_other_files(tmp_path):
    bad = tmp_path / "x.bmp"
    bad.write_bytes(b"PNG" + bytes(100))
    with pytest.raises(inputs.InputError):
        inputs.read_bmp(bad)


def test_person_blob_layout(prepared, models_dir):
    prep = prepared("person_detection")
    data = prep.blob.read_bytes()
    assert len(data) == 2 * 96 * 96
    grey = inputs.read_bmp(models_dir / "person_detection" / "testdata" / "person.bmp")
    assert data[:96 * 96] == grey.tobytes()  # upstream's test feeds the grey bytes as int8


@pytest.mark.parametrize("app", ["mnist", "mnist_lstm"])
def test_golden_digits_are_right(app, prepared, golden):
    prep, gold = prepared(app), golden(app)
    for i, (line, outs) in enumerate(zip(gold.lines, gold.outputs)):
        scores = np.frombuffer(outs[0], dtype=np.int8)
        label = prep.expected["labels"][i % 10]
        assert int(np.argmax(scores)) == label, (app, i, scores)
        assert line.startswith(f"digit {label} (score ") and line.endswith(f"expected {label}")


def test_golden_person_detection(golden):
    gold = golden("person_detection")
    person, no_person = (np.frombuffer(o[0], dtype=np.int8) for o in gold.outputs)
    assert person[1] > person[0], person          # [no person, person]
    assert no_person[0] > no_person[1], no_person
    assert re.fullmatch(r"person score -?\d+ no person score -?\d+", gold.lines[0])


def test_audio_blob_roundtrip(prepared):
    prep = prepared("micro_speech")
    names, sizes, pcm = inputs.unpack_audio(prep.blob)
    clips = prep.expected["clips"]
    assert names == [c["name"] for c in clips] and sizes == [c["samples"] for c in clips]
    assert len(pcm) == sum(sizes)
    data = prep.blob.read_bytes()
    assert data[:4] == b"BTAU" and struct.unpack_from("<I", data, 4)[0] == len(clips)
    assert (8 + 20 * len(clips)) % 2 == 0  # PCM stays 2-byte aligned in flash


def test_pack_audio_rejects_short_clip():
    with pytest.raises(inputs.InputError):
        inputs.pack_audio([("tiny", np.zeros(100, dtype=np.int16))])


def heard(lines):
    return [(m.group(1), int(m.group(3))) for m in
            (re.fullmatch(r"Heard (\w+) \((-?\d+)\) @(\d+)ms", ln) for ln in lines) if m]


def test_golden_micro_speech_hears_yes_and_no_only(prepared, golden):
    prep, gold = prepared("micro_speech"), golden("micro_speech")
    assert len(gold.outputs) == iterations("micro_speech", prep)
    hits = heard(gold.lines)
    assert [w for w, _ in hits] == ["yes", "no"], gold.lines
    for word, t in hits:  # recognised while, or within a second after, its clip plays
        clip = next(c for c in prep.expected["clips"] if c["word"] == word)
        assert clip["start_ms"] < t <= clip["start_ms"] + 2000, (word, t)
    starts = [ln for ln in gold.lines if ln.startswith("clip ")]
    assert starts == [f"clip {k} {c['name']} @{c['start_ms']}ms"
                      for k, c in enumerate(prep.expected["clips"])]


def test_recognizer_constants_follow_the_firmware():
    k = inputs.recognizer_constants()
    assert k["LABELS"] == 4 and k["FIRST_COMMAND"] == 2
    assert k["WINDOW_MS"] == 1000 and k["SUPPRESSION_MS"] >= k["WINDOW_MS"]
    assert k["MIN_COUNT"] >= 1 and k["MAX_RESULTS"] * 20 > k["WINDOW_MS"]


def test_recognizer_threshold_suppression_min_count():
    k = dict(inputs.recognizer_constants(), MIN_COUNT=3, THRESHOLD=72, WINDOW_MS=1000,
             SUPPRESSION_MS=1500)
    rc = inputs.Recognizer(k)
    yes = [-128, -128, 100, -128]
    assert rc.process(0, yes) is None and rc.process(20, yes) is None  # fewer than MIN_COUNT
    assert rc.process(40, yes) == (2, 100)
    assert all(rc.process(t, yes) is None for t in range(60, 1540, 20))  # suppressed
    assert rc.process(1540, yes) == (2, 100)
    rc = inputs.Recognizer(k)
    weak = [-128, -128, 71, -128]
    assert all(rc.process(t, weak) is None for t in range(0, 400, 20))  # below threshold
    rc = inputs.Recognizer(k)
    silence = [120, -128, -128, -128]
    assert all(rc.process(t, silence) is None for t in range(0, 400, 20))  # not a command


def test_recognizer_truncates_like_c():
    k = dict(inputs.recognizer_constants(), MIN_COUNT=3, THRESHOLD=-10)
    rc = inputs.Recognizer(k)
    for t, s in enumerate([-7, -7, -8]):  # sum -22 / 3: C gives -7, floor would give -8
        hit = rc.process(t * 20, [-128, -128, s, -128])
    assert hit == (2, -7)
