"""A record that is another published row too, because its run is that row's model.

Xu & Durrett's Table 1 reports the dev-split numbers of the same inputless G-VAE and vMF-VAE whose
test numbers fill Table 3; training them twice would cost hours for nothing. ``report.yaml``
names such a record with the experiment of the other table (``status: same_model``); this module
composes that experiment with the record's own overrides and checks that the protocol (every
setting that changes what is trained or measured) is the record's, so that the claim is checked
each time the report is built rather than typed by hand. The rows the record also fills are the
composed experiment's ``paper_rows``.
"""

from __future__ import annotations

from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import OmegaConf

from vaezoo.cli import CONFIG_DIR
from vaezoo.config import register_resolvers

# The settings that decide what is trained and measured (not where files go or what is logged).
PROTOCOL = ("model", "latent", "prior", "objective", "optimizer", "eval", "trainer", "data", "seed", "kappa",
            "setting")
# Where the data and its caches lie on the machine that ran (VAEZOO_DATA, VAEZOO_CACHE), not what
# the data is.
NOT_PROTOCOL = frozenset({"data.root", "data.download"})
NOT_PROTOCOL_NAMES = frozenset({"cache_dir"})
# Settings later code added with the value that keeps earlier runs' behaviour.
ADDED_SINCE = {"trainer.accumulate_grad_batches": 1}


def _leaves(tree: object, prefix: str = "") -> dict[str, object]:
    if isinstance(tree, dict):
        leaves: dict[str, object] = {}
        for key, value in tree.items():
            leaves.update(_leaves(value, f"{prefix}{key}."))
        return leaves
    return {prefix[:-1]: tree}


def protocol(config: dict) -> dict[str, object]:
    """The protocol's leaves of a resolved config, by dotted key."""
    leaves = {key: value for name in PROTOCOL if name in config for key, value in _leaves({name: config[name]}).items()}
    return {key: value for key, value in leaves.items()
            if key not in NOT_PROTOCOL and key.rsplit(".", 1)[-1] not in NOT_PROTOCOL_NAMES}


def differences(recorded: dict, composed: dict) -> list[str]:
    """Each protocol setting in which the composed config departs from the recorded one."""
    ours, theirs = protocol(recorded), protocol(composed)
    found = []
    for key in sorted(set(ours) | set(theirs)):
        if key not in ours and ADDED_SINCE.get(key, object()) == theirs[key]:
            continue
        if ours.get(key, "<absent>") != theirs.get(key, "<absent>"):
            found.append(f"{key}: record {ours.get(key, '<absent>')!r}, experiment {theirs.get(key, '<absent>')!r}")
    return found


def is_group_choice(override: str) -> bool:
    """``latent=vmf``, ``experiment/xu2018/variant=g_vae``: a choice of config file, not a value."""
    key = override.partition("=")[0].lstrip("+~")
    return "/" in key or (Path(CONFIG_DIR) / key).is_dir()


def compose_as(record: Path, experiment: str) -> dict:
    """The named experiment composed with the record's value overrides (seed, epochs, ...), resolved.
    The record's group choices are left out: the experiment makes its own (which model, which
    latent), so a record of another model cannot pass for it; nor is the resume checkpoint kept."""
    overrides = [o for o in OmegaConf.load(record / "overrides.yaml")
                 if not is_group_choice(o) and not o.lstrip("+").startswith("ckpt_path=")]
    register_resolvers()
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        composed = compose(config_name="config", overrides=[f"+experiment={experiment}", *overrides])
    GlobalHydra.instance().clear()
    return OmegaConf.to_container(composed, resolve=True)


def rows_also_filled(record: Path, experiment: str) -> list[str]:
    """The paper rows of ``experiment`` that the record fills; ValueError naming each setting that
    differs when the record's run is not that experiment's model."""
    composed = compose_as(record, experiment)
    recorded = OmegaConf.to_container(OmegaConf.load(record / "config.yaml"), resolve=True)
    found = differences(recorded, composed)
    if found:
        raise ValueError(f"{record} is not experiment {experiment}'s model: " + "; ".join(found))
    return list(composed.get("paper_rows") or [])
