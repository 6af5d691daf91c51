"""Data root, checksummed downloads and file checks shared by every DataModule.

Files live under ``<root>/<dataset>/<file>``; ``root`` comes from ``data.root``, which
defaults to ``$VAEZOO_DATA`` or ``~/.cache/vaezoo``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pooch
import requests

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
    return pooch.file_hash(str(path), alg="md5")


def download(remote: RemoteFile, target: Path) -> None:
    """Fetch ``remote`` into ``target`` with pooch, which writes to a temporary file and moves it
    into place only once complete and its md5 verified, so nothing partial is left; tries the
    mirrors in turn."""
    target.parent.mkdir(parents=True, exist_ok=True)
    errors = []
    for url in remote.urls:
        log.info("downloading %s -> %s", url, target)
        try:
            pooch.retrieve(url, known_hash=None if remote.md5 is None else f"md5:{remote.md5}", fname=target.name,
                           path=target.parent, progressbar=False,
                           downloader=pooch.HTTPDownloader(timeout=DOWNLOAD_TIMEOUT_S))
            return
        except (OSError, requests.RequestException) as err:  # first: some requests errors are ValueErrors
            errors.append(f"{url}: {err}")
        except ValueError as err:  # pooch's hash check
            errors.append(f"{url}: md5 mismatch ({err})")
    raise DataFileError(f"could not download {target.name} into {target.parent}: " + "; ".join(errors))


def ensure_files(directory: Path, remotes: Sequence[RemoteFile], allow_download: bool, how_to_get: str) -> None:
    """Make sure every file of ``remotes`` is present in ``directory``, downloading the missing
    ones when allowed; otherwise raise naming the missing files, the directory and a remedy."""
    missing = [r for r in remotes if not (directory / r.name).is_file()]
    if not missing:
        return
    names = ", ".join(r.name for r in missing)
    hint = (f"Set data_root=<folder> (or $VAEZOO_DATA) to a folder that holds {directory.name}/, "
            f"or {how_to_get}.")
    if not allow_download:
        raise DataFileError(f"missing {names} in {directory} (data.download=false). {hint}")
    for remote in missing:
        try:
            download(remote, directory / remote.name)
        except DataFileError as err:
            raise DataFileError(f"missing {remote.name} in {directory} and {err}. {hint}") from None
