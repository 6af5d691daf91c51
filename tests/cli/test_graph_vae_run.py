def test_graph_vae_outside_its_experiment_checkpoints_on_the_held_out_elbo(run_inprocess):
    """The default checkpoint criterion (val/elbo) exists for the graph VAE too."""
    record, out = run_inprocess(["model=graph_vae", "data=cora", "latent=vmf"])
    assert record["metrics"]["val/elbo"] < 0 and record["metrics"]["test/elbo"] < 0
    assert (out / "checkpoints" / "best.ckpt").is_file()
