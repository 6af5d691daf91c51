"""Config errors are reported before torch is imported, from class traits that agree with the classes."""

import subprocess
import sys

import pytest
from hydra.utils import get_class

from vaezoo.traits import KNOWN

EARLY = """
import sys
from hydra import compose, initialize_config_dir
from vaezoo.cli import CONFIG_DIR
from vaezoo.config import register_resolvers
from vaezoo.errors import ConfigError
from vaezoo.tasks import check_early
register_resolvers()
with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
    cfg = compose(config_name="config", overrides=sys.argv[1:])
try:
    check_early(cfg)
    print("passed")
except ConfigError as error:
    print("ConfigError:", error)
print("torch imported" if "torch" in sys.modules else "torch not imported")
"""


@pytest.mark.parametrize("target", sorted(KNOWN))
def test_every_known_trait_is_what_the_class_declares(target):
    cls = get_class(target)
    assert {name: getattr(cls, name) for name in KNOWN[target]} == KNOWN[target]


@pytest.mark.parametrize("overrides,says", [
    (["latent.dim=abc"], "latent.dim='abc': sizes must be positive integers"),
    (["+experiment=davidson2018/table1", "latent=vmf", "prior=normal"], "latent VMFHead lives in sphere space"),
    (["latent=vmf_fixed"], "latent FixedKappaVMFHead needs a positive fixed concentration"),
    (["+experiment=table3", "kappa=-3"], "needs a positive fixed concentration: set kappa=<number>, got kappa=-3"),
    (["scale=huge"], "scale='huge' is not one of"),
    (["data.batch_size=0"], "data.batch_size=0: sizes must be positive integers"),
])
def test_a_bad_value_is_reported_before_torch_is_imported(overrides, says):
    out = subprocess.run([sys.executable, "-c", EARLY, *overrides], capture_output=True, text=True, timeout=120)
    assert says in out.stdout, out.stdout + out.stderr
    assert out.stdout.strip().endswith("torch not imported")


def test_a_good_config_passes_the_early_checks_without_torch():
    out = subprocess.run([sys.executable, "-c", EARLY, "+experiment=vampprior/table1", "prior=vampprior"],
                         capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["passed", "torch", "not", "imported"], out.stdout + out.stderr
