"""Model and test-data loader.

Files are never committed: they come from a local directory laid out like
../shared/models (MANIFEST.tsv beside them) or are downloaded from their upstream
repository at the pinned commit. Either way the sha256 in the manifest is checked.
"""

from __future__ import annotations

import csv
import hashlib
import os
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from harness.errors import InputError

REPO_ROOT = Path(__file__).resolve().parent.parent
MANIFEST = REPO_ROOT / "harness" / "data" / "MANIFEST.tsv"
CACHE = Path(os.environ.get("BOARDTWIN_CACHE", Path.home() / ".cache" / "boardtwin"))
_UPSTREAM = "https://raw.githubusercontent.com/{repo}/{commit}/{path}"


@dataclass(frozen=True)
class Entry:
    path: str  # relative path, e.g. hello_world/hello_world_int8.tflite
    source_repo: str
    source_commit: str
    source_path: str
    bytes: int
    sha256: str
    license: str

    @property
    def url(self) -> str:
        return _UPSTREAM.format(repo=self.source_repo, commit=self.source_commit, path=self.source_path)


def manifest() -> dict[str, Entry]:
    with open(MANIFEST, newline="") as f:
        rows = csv.DictReader(f, delimiter="\t")
        return {r["path"]: Entry(r["path"], r["source_repo"], r["source_commit"], r["source_path"],
                                 int(r["bytes"]), r["sha256"], r["license"]) for r in rows}


def default_models_dir() -> Path | None:
    env = os.environ.get("BOARDTWIN_MODELS")
    if env:
        return Path(env)
    beside = REPO_ROOT.parent / "shared" / "models"
    return beside if beside.is_dir() else None


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch(rel: str, models_dir: Path | None = None) -> Path:
    """Path to the manifest file `rel`, verified; downloaded into the cache if no local copy."""
    entries = manifest()
    if rel not in entries:
        raise InputError(f"{rel}: not in the model manifest ({MANIFEST.name}); known: "
                         + ", ".join(sorted(entries)))
    e = entries[rel]
    models_dir = models_dir or default_models_dir()
    if models_dir is not None:
        local = Path(models_dir) / rel
        if not Path(models_dir).is_dir():
            raise InputError(f"{models_dir}: model directory does not exist "
                             "(set BOARDTWIN_MODELS or pass --models)")
        if local.is_file():
            _verify(local, e)
            return local
    cached = CACHE / "models" / e.source_commit / rel
    if not cached.is_file():
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(cached.suffix + ".part")
        try:
            urllib.request.urlretrieve(e.url, tmp)
        except OSError as exc:
            raise InputError(f"{rel}: no local copy and download from {e.url} failed ({exc}); "
                             "pass --models DIR with a copy") from None
        _verify(tmp, e)
        tmp.replace(cached)
    _verify(cached, e)
    return cached


def _verify(path: Path, e: Entry) -> None:
    got = sha256(path)
    if got != e.sha256:
        raise InputError(f"{path}: sha256 {got[:12]}… does not match the manifest's {e.sha256[:12]}…")
