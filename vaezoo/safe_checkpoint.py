"""Reading a checkpoint without running its code, and refusing one that does not fit the model.

A checkpoint is a pickle, and a pickle can name any callable. Every load here passes
``weights_only=True`` explicitly: torch then resolves tensors and plain containers only, and
``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD`` cannot turn that off (it applies only where the caller left
``weights_only`` unset). The check of the parameters' names and shapes runs before training or
evaluation starts, so a checkpoint of another model fails with what differs, not in
``load_state_dict`` halfway through a run.
"""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path

import torch
from torch import nn

from vaezoo.errors import VaezooError

SHOWN = 3   # differences named in a message; the rest are counted


class CheckpointError(VaezooError):
    """A checkpoint that cannot be read safely, or that another model wrote."""


def read_checkpoint(path: str | Path) -> dict:
    """The checkpoint's contents, loaded as weights only; CheckpointError if it is not one."""
    path = Path(path).expanduser()
    try:
        state = torch.load(path, weights_only=True, map_location="cpu")
    except pickle.UnpicklingError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CheckpointError(f"{path}: refused: it holds more than tensors and plain containers, and loading it "
                              f"could run code it names ({first_line}). Use only checkpoints vaezoo wrote; if you "
                              "wrote this one yourself, re-save its state_dict as plain tensors.") from None
    except (RuntimeError, EOFError, OSError, ValueError, zipfile.BadZipFile) as error:
        raise CheckpointError(f"{path}: not a readable checkpoint (truncated or another kind of file: "
                              f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error) else ''}); "
                              "point ckpt_path at <run dir>/checkpoints/last.ckpt or best.ckpt") from None
    if not isinstance(state, dict) or not isinstance(state.get("state_dict"), dict):
        raise CheckpointError(f"{path}: not a Lightning checkpoint (no state_dict); point ckpt_path at "
                              "<run dir>/checkpoints/last.ckpt or best.ckpt")
    return state


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:SHOWN])
    return shown + (f" and {len(names) - SHOWN} more" if len(names) > SHOWN else "")


def check_fits(state: dict, model: nn.Module, path: str | Path) -> None:
    """CheckpointError naming what differs when ``state`` holds parameters that ``model`` does not
    have, lacks some it has, or has them in another shape (another model, latent size or vocabulary)."""
    expected = {name: tuple(value.shape) for name, value in model.state_dict().items()}
    found = {name: tuple(value.shape) for name, value in state["state_dict"].items() if torch.is_tensor(value)}
    missing = sorted(expected.keys() - found.keys())
    unexpected = sorted(found.keys() - expected.keys())
    reshaped = sorted(name for name in expected.keys() & found.keys() if expected[name] != found[name])
    if not (missing or unexpected or reshaped):
        return
    differences = []
    if reshaped:
        differences.append("shapes differ: " + _listed([f"{name} {list(found[name])} in the checkpoint, "
                                                        f"{list(expected[name])} in this config" for name in reshaped]))
    if missing:
        differences.append(f"this config has parameters the checkpoint lacks: {_listed(missing)}")
    if unexpected:
        differences.append(f"the checkpoint has parameters this config lacks: {_listed(unexpected)}")
    raise CheckpointError(f"{path} was written by another model than this config builds; "
                          + "; ".join(differences)
                          + ". Resume or evaluate with the config it was trained with (its run's config.yaml): "
                          "the same model, latent, latent size and data (vocabulary).")
