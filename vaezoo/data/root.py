"""Data root, checksummed downloads and file checks shared by every DataModule.

Files live under ``<root>/<dataset>/<file>``; ``root`` comes from ``data.root``, which
defaults to ``$VAEZOO_DATA`` or ``~/.cache/vaezoo``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from vaezoo.errors import DataFileError

log = logging.getLogger(__name__)

DOWNLOAD_TIMEOUT_S = 30


@dataclass(frozen=True)
class RemoteFile:
    """A file of a dataset, where to fetch it and its md5 (None: no published checksum)."""

    name: str
    urls: tuple[str, ...]
    md5: str | None


def resolve_root(root: str | os.PathLike) -> Path:
    return Path(os.path.expanduser(str(root))).resolve()


def md5sum(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download(remote: RemoteFile, target: Path) -> None:
    """Fetch ``remote`` into ``target``, verifying its md5; the file appears only when complete
    and verified (written to a temporary file, then renamed), so nothing partial is left."""
    target.parent.mkdir(parents=True, exist_ok=True)
    errors = []
    for url in remote.urls:
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        tmp = Path(tmp_name)
        try:
            log.info("downloading %s -> %s", url, target)
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:
                for block in iter(lambda: response.read(1 << 20), b""):
                    out.write(block)
            if remote.md5 is not None and md5sum(tmp) != remote.md5:
                raise OSError(f"md5 mismatch (expected {remote.md5})")
            tmp.replace(target)
            return
        except OSError as err:
            errors.append(f"{url}: {err}")
        finally:
            tmp.unlink(missing_ok=True)
    raise DataFileError(f"could not download {target.name} into {target.parent}: " + "; ".join(errors))


def ensure_files(directory: Path, remotes: Sequence[RemoteFile], allow_download: bool, how_to_get: str) -> None:
    """Make sure every file of ``remotes`` is present in ``directory``, downloading the missing
    ones when allowed; otherwise raise naming the missing files, the directory and a remedy."""
    missing = [r for r in remotes if not (directory / r.name).is_file()]
    if not missing:
        return
    names = ", ".join(r.name for r in missing)
    hint = (f"Set data.root (or $VAEZOO_DATA) to a folder that holds {directory.name}/, "
            f"or {how_to_get}.")
    if not allow_download:
        raise DataFileError(f"missing {names} in {directory} (data.download=false). {hint}")
    for remote in missing:
        try:
            download(remote, directory / remote.name)
        except DataFileError as err:
            raise DataFileError(f"missing {remote.name} in {directory} and {err}. {hint}") from None
