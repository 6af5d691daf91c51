"""Davidson et al.'s Fig. 2: the Hammer projection, and the figure from two trained smoke runs."""

import csv

import numpy as np

from tests.cli.conftest import run_task_in
from vaezoo.report.latent_space import hammer, main


def test_hammer_maps_landmarks_and_is_equal_area():
    """(1, 0, 0) -> origin, the pole -> (0, sqrt 2); uniform points on the sphere fill the
    2 sqrt 2 x sqrt 2 ellipse uniformly, so a quarter land in the ellipse of half its axes."""
    assert np.allclose(hammer(np.array([[1.0, 0, 0], [0, 0, 1.0]])), [[0, 0], [0, np.sqrt(2)]])
    points = np.random.default_rng(0).standard_normal((200_000, 3))
    plane = hammer(points / np.linalg.norm(points, axis=1, keepdims=True))
    radius = (plane[:, 0] / (2 * np.sqrt(2))) ** 2 + (plane[:, 1] / np.sqrt(2)) ** 2
    assert radius.max() <= 1 + 1e-9
    assert abs((radius <= 0.25).mean() - 0.25) < 0.005


def test_the_figure_from_a_2d_s_vae_and_n_vae(tmp_path):
    runs = []
    for latent in ("vmf", "gaussian"):
        run_task_in(tmp_path / latent, ["+experiment=davidson2018/table1", f"latent={latent}", "paper_d=2"])
        runs.append(tmp_path / latent)
    main([str(runs[0]), str(runs[1]), "--out", str(tmp_path / "fig2.png"), "--points", "20"])
    assert (tmp_path / "fig2.png").stat().st_size > 10_000
    with (tmp_path / "fig2.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["run"], r["space"]) for r in rows[::20]] == [("vmf", "sphere"), ("gaussian", "plane")]
    sphere = np.array([[float(r["x"]), float(r["y"])] for r in rows if r["run"] == "vmf"])
    assert len(sphere) == len(rows) / 2 == 20
    assert ((sphere[:, 0] / (2 * np.sqrt(2))) ** 2 + (sphere[:, 1] / np.sqrt(2)) ** 2 <= 1 + 1e-9).all()
