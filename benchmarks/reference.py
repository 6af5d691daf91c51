"""The public s-vae-pytorch implementation (Davidson et al. 2018), imported from ``$SVAE_REF``."""

from __future__ import annotations

import importlib
import os
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import git_commit

ENV_VAR = "SVAE_REF"


@dataclass(frozen=True)
class Reference:
    """Its distribution classes and where they came from.

    ``shims`` lists the compatibility patches applied at import time; the checkout itself is
    never edited. None are needed with torch 2.13: the code runs unmodified.
    """

    path: Path
    commit: str | None
    von_mises_fisher: type
    hyperspherical_uniform: type
    shims: tuple[str, ...] = ()


def load_reference() -> Reference | None:
    """Import ``hyperspherical_vae.distributions`` from the checkout in $SVAE_REF, if set."""
    root = os.environ.get(ENV_VAR)
    if not root:
        return None
    path = Path(root).expanduser().resolve()
    if not (path / "hyperspherical_vae").is_dir():
        raise FileNotFoundError(f"{ENV_VAR}={root} is not an s-vae-pytorch checkout "
                                "(no hyperspherical_vae/ in it)")
    sys.path.insert(0, str(path))
    module = importlib.import_module("hyperspherical_vae.distributions")
    if not Path(module.__file__).resolve().is_relative_to(path):
        raise ImportError(f"hyperspherical_vae was imported from {module.__file__}, not {path}")
    # Its HypersphericalUniform defines no arg_constraints; torch warns at every construction.
    warnings.filterwarnings("ignore", message=".*does not define `arg_constraints`.*")
    return Reference(path, git_commit(path), module.VonMisesFisher, module.HypersphericalUniform)
