"""A record counted for another table's row: only when its protocol is that experiment's."""

import pytest
import yaml
from omegaconf import OmegaConf

from tests.cli.conftest import compose_config
from vaezoo.report.same_model import differences, rows_also_filled

OVERRIDES = ["+experiment=xu2018/table3", "experiment/xu2018/variant=g_vae", "seed=0", "trainer.max_epochs=20"]


def record_of(folder, overrides):
    """A record folder as collect writes it: the run's resolved config and its overrides."""
    folder.mkdir()
    (folder / "config.yaml").write_text(OmegaConf.to_yaml(compose_config(overrides), resolve=True))
    (folder / "overrides.yaml").write_text(yaml.safe_dump([*overrides, "ckpt_path=checkpoints/last.ckpt"]))
    return folder


def test_the_table3_g_vae_is_table1s_annealed_one_layer_row(tmp_path):
    record = record_of(tmp_path / "gvae", OVERRIDES)
    expected = ["xu2018_table1.csv:split=dev,annealing=sigmoid,encoder_layers=1"]
    assert rows_also_filled(record, "xu2018/table1") == expected
    three_layers = record_of(tmp_path / "three", [*OVERRIDES, "model.encoder.num_layers=3"])   # its own overrides too
    assert rows_also_filled(three_layers, "xu2018/table1") == [expected[0].replace("layers=1", "layers=3")]


def test_a_record_of_another_model_is_refused_with_the_settings_that_differ(tmp_path):
    record = record_of(tmp_path / "gvae", OVERRIDES)
    with pytest.raises(ValueError, match=r"not experiment xu2018/table1_vmf's model: .*latent._target_: record "
                                         r"'vaezoo.latent.GaussianHead'"):
        rows_also_filled(record, "xu2018/table1_vmf")
    # the record's value overrides apply to the experiment too, its group choices do not
    unannealed = record_of(tmp_path / "unannealed", [*OVERRIDES, "objective.terms.kl.weight.epochs=0"])
    assert rows_also_filled(unannealed, "xu2018/table1") == rows_also_filled(record, "xu2018/table1")
    spherical = record_of(tmp_path / "spherical", [*OVERRIDES, "latent=vmf"])
    with pytest.raises(ValueError, match="latent._target_: record 'vaezoo.latent.VMFHead'"):
        rows_also_filled(spherical, "xu2018/table1")


def test_only_protocol_settings_count():
    recorded = {"name": "a", "data": {"root": "/here", "cache_dir": "~/.cache", "batch_size": 32},
                "trainer": {"max_epochs": 20}, "callbacks": {"progress": None}}
    composed = {"name": "b", "data": {"root": "/there", "cache_dir": "/tmp/cache", "batch_size": 32},
                "trainer": {"max_epochs": 20}, "callbacks": {}}
    assert differences(recorded, composed) == []
    composed["trainer"]["accumulate_grad_batches"] = 1     # added by later code at its neutral value
    assert differences(recorded, composed) == []
    composed["trainer"]["accumulate_grad_batches"] = 4
    assert differences(recorded, composed) == ["trainer.accumulate_grad_batches: record '<absent>', experiment 4"]
    composed["trainer"]["accumulate_grad_batches"] = 1
    composed["data"]["batch_size"] = 64
    assert differences(recorded, composed) == ["data.batch_size: record 32, experiment 64"]
