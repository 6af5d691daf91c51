"""Checks of a composed config before any data is read or any model is trained.

``precheck`` runs before torch and Lightning are imported (they take seconds) and reports a bad
value, size or latent/prior pair at once; ``validate`` then checks everything, building the
groups that need no data."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterator

from hydra.errors import InstantiationException
from hydra.utils import get_class, get_method, instantiate
from omegaconf import DictConfig, OmegaConf

from vaezoo.errors import ConfigError
from vaezoo.results import SCALES
from vaezoo.traits import MATCHES_POSTERIOR, class_name, trait

log = logging.getLogger(__name__)

# Keys whose values are sizes of tensors and must be positive integers.
SIZE_KEYS = ("dim", "in_features", "out_features", "hidden_sizes", "batch_size", "eval_batch_size",
             "is_chunk", "val_is_examples", "num_pseudo_inputs", "num_components")
# Keys that keep part of a dataset: a positive count, or a fraction in (0, 1).
SUBSET_KEYS = ("subset", "train_subset")
# Keys whose values must be positive numbers, and keys that must not be negative.
POSITIVE_KEYS = ("lr", "val_size", "kappa_min", "kappa_max")
NONNEGATIVE_KEYS = ("is_samples", "val_is_samples", "epochs")


def _entries(node, keys: tuple[str, ...], path: str = "") -> Iterator[tuple[str, object]]:
    """(dotted path, value) of every non-null entry named in ``keys``, at any depth."""
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}" if path else str(key)
            if key in keys and value is not None:
                yield where, value
            yield from _entries(value, keys, where)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _entries(value, keys, f"{path}[{i}]")


def _check_sizes(cfg: DictConfig) -> None:
    """Latent and prior first: other sizes (the decoder's input) are interpolated from them."""
    container = OmegaConf.to_container(cfg)
    first = ("latent", "prior", "eval")
    ordered = {k: container[k] for k in first if k in container} | {
        k: v for k, v in container.items() if k not in first}
    for where, value in _entries(ordered, SIZE_KEYS):
        for v in value if isinstance(value, list) else [value]:
            if not _is_int(v) or v <= 0:
                raise ConfigError(f"{where}={value!r}: sizes must be positive integers")
    for keys, ok, what in ((POSITIVE_KEYS, lambda v: v > 0, "a positive number"),
                           (NONNEGATIVE_KEYS, lambda v: v >= 0, "a number >= 0")):
        for where, value in _entries(ordered, keys):
            if isinstance(value, bool) or not isinstance(value, int | float) or not ok(value):
                raise ConfigError(f"{where}={value!r}: must be {what}")
    for where, value in _entries(ordered, SUBSET_KEYS):
        fraction = isinstance(value, float) and 0 < value < 1
        count = _is_int(value) and value > 0
        if not (fraction or count):
            raise ConfigError(f"{where}={value!r}: must be a positive count or a fraction in (0, 1)")


def _check_latent_prior(cfg: DictConfig) -> None:
    latent, prior = cfg.latent._target_, cfg.prior._target_
    latent_support, prior_support = trait(latent, "support"), trait(prior, "support")
    if prior_support not in (latent_support, MATCHES_POSTERIOR):
        raise ConfigError(
            f"latent {class_name(latent)} lives in {latent_support} space but prior "
            f"{class_name(prior)} in {prior_support} space: their supports differ, so the KL is "
            f"undefined. Pick a prior on the {latent_support} (e.g. "
            f"{'prior=normal' if latent_support == 'euclidean' else 'prior=sphere_uniform'}).")
    fixed_kappa = trait(latent, "takes_fixed_kappa")
    if cfg.kappa is not None and not fixed_kappa:
        raise ConfigError(f"kappa={cfg.kappa} is set but latent {class_name(latent)} does not take a "
                          f"fixed concentration; use latent=vmf_fixed or drop kappa")
    if fixed_kappa and (cfg.kappa is None or isinstance(cfg.kappa, bool) or not isinstance(cfg.kappa, int | float)
                        or cfg.kappa <= 0):
        raise ConfigError(f"latent {class_name(latent)} needs a positive fixed concentration: set kappa=<number>, "
                          f"got kappa={cfg.kappa!r}")
    if latent_support == "sphere" and cfg.latent.dim < 2:
        raise ConfigError(f"latent.dim={cfg.latent.dim}: a sphere latent needs the ambient dimension m >= 2")


def _check_prior_fits_model(cfg: DictConfig) -> None:
    """Checked before resolving: a prior made of pseudo-inputs (the VampPrior) passes them through
    the model's encoder, so the model must encode flat input vectors (its interpolations read the
    image encoder's keys)."""
    prior, model = cfg.get("prior") or {}, cfg.get("model") or {}
    if "_target_" not in prior or "_target_" not in model:
        return
    if get_class(prior._target_).reads_inputs and not getattr(get_class(model._target_), "encodes_flat_inputs", False):
        raise ConfigError(f"prior={prior.get('_target_')} passes pseudo-inputs through the model's encoder, which "
                          f"must read images (model=image_vae or model=vamp_vae); model={model.get('_target_')} "
                          "does not: pick a prior that reads no inputs (normal, sphere_uniform, mog, vmf_mixture)")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_budget(cfg: DictConfig) -> None:
    """A run must be able to train: at least one epoch, step and batch."""
    trainer = cfg.get("trainer") or {}
    epochs, steps = trainer.get("max_epochs"), trainer.get("max_steps", -1)
    if epochs is not None and not (_is_int(epochs) and (epochs >= 1 or epochs == -1)):
        raise ConfigError(f"trainer.max_epochs={epochs!r}: must be a whole number of epochs >= 1 (or -1: no limit, "
                          "with trainer.max_steps or +trainer.max_time ending the run)")
    if not (_is_int(steps) and (steps >= 1 or steps == -1)):
        raise ConfigError(f"trainer.max_steps={steps!r}: must be a whole number of steps >= 1, or -1 (no limit)")
    limit = trainer.get("limit_train_batches")
    if limit is not None and not ((_is_int(limit) and limit >= 1)
                                  or (isinstance(limit, float) and 0 < limit <= 1)):
        raise ConfigError(f"trainer.limit_train_batches={limit!r}: must be a number of batches >= 1 or a fraction "
                          "in (0, 1]; with none the run cannot train")
    val_size = (cfg.get("data") or {}).get("val_size")
    if isinstance(val_size, float) and not 0 < val_size < 1:
        raise ConfigError(f"data.val_size={val_size!r}: a fraction of the training split must lie in (0, 1); "
                          "a whole number is a count of examples")


def _check_values(cfg: DictConfig) -> None:
    """The checks of a resolved config that import nothing heavy."""
    if cfg.scale not in SCALES:
        raise ConfigError(f"scale={cfg.scale!r} is not one of {list(SCALES)}")
    if not _is_int(cfg.get("seed")):
        raise ConfigError(f"seed={cfg.get('seed')!r}: must be a whole number")
    _check_sizes(cfg)
    _check_budget(cfg)
    if "latent" in cfg and "prior" in cfg:
        _check_latent_prior(cfg)
    if cfg.get("trainer", {}).get("gradient_clip_val") is not None:
        raise ConfigError(f"trainer.gradient_clip_val={cfg.trainer.gradient_clip_val}: clipping is part of the "
                          "optimiser's protocol; set optimizer.main.gradient_clip_norm instead")


def precheck(cfg: DictConfig) -> None:
    """``_check_values`` on a resolved copy, before torch is imported. A config that does not
    resolve is left to ``validate``, whose earlier checks explain some such failures better."""
    resolved = cfg.copy()
    try:
        OmegaConf.resolve(resolved)
    except Exception:  # noqa: BLE001 -- validate() reports it
        return
    _check_values(resolved)


def _check_model_fits_data(cfg: DictConfig) -> None:
    """An image model's input width is the data's pixel count (784 for MNIST, 560 for Frey faces)."""
    data, encoder = cfg.get("data") or {}, (cfg.get("model") or {}).get("encoder") or {}
    if "_target_" not in data or not _is_int(encoder.get("in_features")):
        return
    shape = getattr(get_class(data._target_), "image_shape", None)
    if shape is not None and encoder.in_features != shape[0] * shape[1]:
        data_class = data._target_.rsplit(".", 1)[-1]
        raise ConfigError(f"model.encoder.in_features={encoder.in_features}: the data ({data_class}) "
                          f"has {shape[0]} x {shape[1]} = {shape[0] * shape[1]} pixels per image; set "
                          f"model.encoder.in_features={shape[0] * shape[1]} or pick the data it was meant for")


def validate(cfg: DictConfig) -> None:
    """Raise ConfigError naming the key, the value and what is accepted."""
    _check_prior_fits_model(cfg)
    try:
        OmegaConf.resolve(cfg)
    except Exception as err:  # interpolation errors carry the key in their message
        raise ConfigError(f"config could not be resolved: {err}") from None
    _check_values(cfg)
    _check_model_fits_data(cfg)
    _check_objective_fits_model(cfg)
    _check_model_choices(cfg)
    _check_by_construction(cfg)
    _warn_unfinished_warmup(cfg)


# Groups whose objects need no data: built once here, so that their classes' own argument checks
# reject a bad value before any data is read.
BUILT_BEFORE_DATA = ("objective", "optimizer", "eval", "task")


def instantiation_error(err: InstantiationException, group: str) -> ConfigError:
    """A ConfigError naming the key whose object could not be built (Hydra's ``full_key``) and why."""
    cause = err.__cause__ or err
    where = str(err).rsplit("full_key: ", 1)[-1].strip() if "full_key: " in str(err) else group
    return ConfigError(f"{where}: {str(cause).strip()}")


def _check_by_construction(cfg: DictConfig) -> None:
    for group in BUILT_BEFORE_DATA:
        if group not in cfg:
            continue
        try:
            built = instantiate(cfg[group])
        except InstantiationException as err:
            raise instantiation_error(err, group) from None
        if group == "optimizer":
            _check_optimizers(built)
    _check_task_settings(cfg)


def _check_objective_fits_model(cfg: DictConfig) -> None:
    """Every objective term reads a pass that the model's training steps make, and a code without
    a density (latent=deterministic) meets no term or estimator that needs one."""
    model = get_class(cfg.model._target_)
    latent = get_class(cfg.latent._target_)
    if not latent.has_density:
        for name, term in ((cfg.get("objective") or {}).get("terms") or {}).items():
            if getattr(get_class(term._target_), "needs_density", False):
                raise ConfigError(f"objective.terms.{name} needs the posterior's density, which latent "
                                  f"{latent.__name__} has not: pick an objective without it (objective=wae_d)")
        for key in ("is_samples", "val_is_samples"):
            if (cfg.get("eval") or {}).get(key):
                raise ConfigError(f"eval.{key}={cfg.eval[key]}: importance sampling needs the posterior's density, "
                                  f"which latent {latent.__name__} has not; set eval.{key}=0")
    for name, term in ((cfg.get("objective") or {}).get("terms") or {}).items():
        wanted = term.get("from_pass", "data")
        if wanted not in getattr(model, "pass_names", ("data",)):
            raise ConfigError(f"objective.terms.{name}.from_pass={wanted!r}: {model.__name__}'s training steps have "
                              f"the passes {list(model.pass_names)}; pick an objective for this model (model/*.yaml "
                              "selects its own)")


def _check_model_choices(cfg: DictConfig) -> None:
    """A model setting with a fixed set of values (the model class's ``setting_choices``, e.g.
    ``model.classifier_input``) is checked before any data is read."""
    model = get_class(cfg.model._target_)
    for key, allowed in getattr(model, "setting_choices", {}).items():
        value = cfg.model.get(key)
        if value is not None and value not in allowed:
            raise ConfigError(f"model.{key}={value!r} is not one of {list(allowed)}")


def _check_optimizers(optimizations: dict) -> None:
    """Optimisers and schedulers are partials: build each on a stand-in parameter, so that a bad
    argument fails here rather than after the data is read."""
    import torch

    for name, optimization in optimizations.items():
        try:
            optimization.lightning_config([torch.nn.Parameter(torch.zeros(1))])
        except (TypeError, ValueError) as err:
            raise ConfigError(f"optimizer.{name}: {err}") from None


def _check_task_settings(cfg: DictConfig) -> None:
    """A task's settings are the keyword-only arguments of its function: none unknown, none missing."""
    target = cfg.task._target_
    parameters = inspect.signature(get_method(target)).parameters.values()
    accepted = {p.name: p for p in parameters if p.kind == inspect.Parameter.KEYWORD_ONLY}
    given = {key for key in cfg.task if not str(key).startswith("_")}
    for key in sorted(given - set(accepted)):
        raise ConfigError(f"task.{key}: not a setting of {target}; it takes {sorted(accepted) or 'none'}")
    for name in sorted(set(accepted) - given):
        if accepted[name].default is inspect.Parameter.empty:
            raise ConfigError(f"task.{name} is missing: {target} needs it (conf/task/ gives every task its settings)")


TRAINING_TASK = "vaezoo.tasks.train.run"


def _warn_unfinished_warmup(cfg: DictConfig) -> None:
    """A run shorter than a term's warm-up trains with that weight below its final value throughout
    the last epochs; legal (a reduced-scale run may want it) but rarely intended. Tasks that read a
    trained checkpoint (evaluate, probes) train nothing: no warning."""
    if (cfg.get("task") or {}).get("_target_") != TRAINING_TASK:
        return
    epochs = cfg.get("trainer", {}).get("max_epochs")
    terms = (cfg.get("objective") or {}).get("terms") or {}
    for name, term in terms.items():
        weight = term.get("weight") if isinstance(term, DictConfig) else None
        if not isinstance(weight, DictConfig) or "_target_" not in weight:
            continue
        warmup = weight.get("epochs") or 0
        if get_class(weight._target_).warms_up and epochs is not None and 0 < epochs < warmup:
            log.warning("objective.terms.%s.weight.epochs=%s exceeds trainer.max_epochs=%s: the weight never "
                        "reaches %s; shorten the warm-up with objective.terms.%s.weight.epochs=<epochs> if that "
                        "is not intended", name, warmup, epochs, weight.get("weight", 1.0), name)
