"""Our C front end against the golden preprocessor (tflite-micro wheel): bit-exact features,
stage by stage, on the micro_speech test clips and on synthetic PCM."""

from pathlib import Path

import numpy as np
import pytest

import frontend_tool as ft

WAVS = sorted((ft.MS_DIR / "testdata").glob("*.wav"))
N = 16000  # 1 s


def _signals():
    """Synthetic clips (name -> int16 PCM), each chosen to stress one part of the pipeline."""
    rng = np.random.default_rng(20261125)
    t = np.arange(N) / 16000
    clip = lambda x: np.clip(x, -32768, 32767).astype(np.int16)  # noqa: E731
    quirk = rng.integers(-3, 4, N).astype(np.int16)
    quirk[240::320] = -32768  # -32768 at the window peak: the int16 auto-scale peak wraps
    spikes = np.zeros(N, np.int16)
    spikes[::7] = -32768
    levels = np.repeat(rng.uniform(1, 20000, 50), 1600)  # 5 s, level steps every 0.1 s
    return {
        "uniform_full_scale": rng.integers(-32768, 32768, N).astype(np.int16),
        "gauss_quiet": clip(rng.normal(0, 30, N)),
        "gauss_mid": clip(rng.normal(0, 3000, N)),
        "gauss_clipped": clip(rng.normal(0, 40000, N)),
        "chirp_full_scale": clip(32767 * np.sin(2 * np.pi * (50 + 4000 * t) * t)),
        "square_full_scale": np.where(np.sin(2 * np.pi * 440 * t) >= 0, 32767, -32768).astype(np.int16),
        "zeros": np.zeros(N, np.int16),
        "dc_min": np.full(N, -32768, np.int16),
        "dc_max": np.full(N, 32767, np.int16),
        "spikes": spikes,
        "autoscale_wrap": quirk,
        "level_steps_5s": clip(rng.normal(0, 1, 5 * N) * levels),
        "odd_length": rng.integers(-2000, 2000, 1234).astype(np.int16),
    }


SIGNALS = _signals()


def _assert_exact(ours, ref, what):
    stats = ft.compare(ours, ref)
    print(f"{what}: {stats}")
    assert stats["max_abs_diff"] == 0, f"{what}: not bit-exact vs golden: {stats}"


@pytest.mark.parametrize("wav", WAVS, ids=[w.stem for w in WAVS])
def test_wav_features_bit_exact(wav, exe, golden):
    ref = golden.features(ft.read_wav(wav))
    ours = ft.run_file(wav, exe)
    want_frames = 49 if "1000ms" in wav.name else 1
    assert ours.shape == ref.shape == (want_frames, 40)
    _assert_exact(ours, ref, wav.name)


def test_testdata_present():
    names = {w.name for w in WAVS}
    assert {"yes_1000ms.wav", "no_1000ms.wav", "noise_1000ms.wav", "silence_1000ms.wav",
            "yes_30ms.wav", "no_30ms.wav"} <= names


@pytest.mark.parametrize("name", list(SIGNALS))
def test_synthetic_stages_bit_exact(name, exe, golden_traced):
    """Every intermediate tensor, every frame: a mismatch names the first stage that differs."""
    pcm = SIGNALS[name]
    ours, ot = ft.run_pcm(pcm, exe, trace=True)
    ref, rt = golden_traced.features(pcm, trace=True)
    assert len(ot) == len(rt) == (len(pcm) - ft.WINDOW) // ft.STRIDE + 1
    for f, (a, b) in enumerate(zip(ot, rt)):
        for tag in ft.STAGES:  # pipeline order
            assert np.array_equal(a[tag], b[tag]), (
                f"{name} frame {f}: stage {ft.STAGES[tag]} differs at "
                f"{np.flatnonzero(a[tag] != b[tag])[:8].tolist()}")
    _assert_exact(ours, ref, name)


def test_autoscale_wrap_is_exercised(golden_traced):
    """The wrap case only tests something if the reference really scales those frames."""
    _, rt = golden_traced.features(SIGNALS["autoscale_wrap"], trace=True)
    assert max(int(t["S"][0]) for t in rt) > 0


def test_reset_restarts_the_noise_estimate(exe, golden):
    pcm = SIGNALS["gauss_mid"]
    twice = ft.run_pcm(pcm, exe, repeat=2)
    ref = golden.features(pcm)
    _assert_exact(twice[:49], ref, "first pass")
    _assert_exact(twice[49:], ref, "after reset")


def test_state_is_carried_across_frames(exe, golden):
    """A 320-sample periodic clip makes every window identical; the features still change from
    frame to frame because the noise estimate adapts, as in the reference."""
    rng = np.random.default_rng(7)
    pcm = np.tile(rng.integers(-4000, 4000, ft.STRIDE).astype(np.int16), 10)
    ours = ft.run_pcm(pcm, exe)
    assert not np.array_equal(ours[0], ours[1])
    _assert_exact(ours, golden.features(pcm), "periodic")


@pytest.mark.parametrize("name", ["uniform_full_scale", "autoscale_wrap", "level_steps_5s", "zeros"])
def test_sanitized_build_bit_exact(name, exe_sanitized, golden):
    """ASan + UBSan build (aborts on any report): same features, no undefined behaviour."""
    pcm = SIGNALS[name]
    ours, _ = ft.run_pcm(pcm, exe_sanitized, trace=True)
    _assert_exact(ours, golden.features(pcm), f"{name} (asan+ubsan)")


@pytest.mark.parametrize("wav", WAVS, ids=[w.stem for w in WAVS])
def test_sanitized_build_wavs(wav, exe_sanitized, golden):
    _assert_exact(ft.run_file(wav, exe_sanitized), golden.features(ft.read_wav(wav)),
                  f"{wav.name} (asan+ubsan)")


def _random_clip(rng, kind):
    t = np.arange(N) / 16000
    if kind == 0:  # full-scale white
        x = rng.integers(-32768, 32768, N)
    elif kind == 1:  # white at a random level, 0 .. 94 dB
        x = rng.normal(0, 10 ** rng.uniform(0, 4.7), N)
    elif kind == 2:  # one tone anywhere in the band
        x = 10 ** rng.uniform(1, 4.6) * np.sin(2 * np.pi * rng.uniform(20, 7900) * t + rng.uniform(0, 6))
    elif kind == 3:  # level jumping every 10 ms (drives the noise estimate and PCAN)
        x = rng.normal(0, 1, N) * np.repeat(10 ** rng.uniform(0, 4.6, 100), 160)
    else:  # noise with sparse full-scale clicks
        x = rng.normal(0, 1, N) * 10 ** rng.uniform(0, 4) + (rng.random(N) < 0.01) * rng.choice([-32768, 32767], N)
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)


def test_random_pcm_sweep(exe, golden):
    """60 random 1 s clips of five kinds: every feature bit-exact."""
    rng = np.random.default_rng(12345)
    total = worst = exact = 0
    for c in range(60):
        pcm = _random_clip(rng, c % 5)
        s = ft.compare(ft.run_pcm(pcm, exe), golden.features(pcm))
        total += s["features"]
        worst = max(worst, s["max_abs_diff"])
        exact += round(s["exact_fraction"] * s["features"])
    print(f"random sweep: {total} features, max_abs_diff {worst}, exact {exact / total:.6f}")
    assert total == 60 * 49 * 40
    assert worst == 0 and exact == total
