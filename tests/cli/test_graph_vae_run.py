import pytest
import torch


def test_graph_vae_outside_its_experiment_checkpoints_on_the_held_out_elbo(run_inprocess):
    """The default checkpoint criterion (val/elbo) exists for the graph VAE too."""
    record, out = run_inprocess(["model=graph_vae", "data=cora", "latent=vmf"])
    m = record["metrics"]
    assert m["val/elbo"] == pytest.approx(m["val/re"] - m["val/kl"], rel=1e-5)
    assert m["test/elbo"] == pytest.approx(m["test/re"] - m["test/kl"], rel=1e-5)
    state = torch.load(out / "checkpoints" / "best.ckpt", weights_only=True)
    (checkpointing,) = [v for k, v in state["callbacks"].items() if k.startswith("ModelCheckpoint")]
    assert "'monitor': 'val/elbo'" in str(list(state["callbacks"])) and checkpointing["best_model_score"] is not None
