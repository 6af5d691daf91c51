"""Planetoid files: restricted unpickling, features in node order, a leak-free edge split."""

import pickle
from pathlib import Path

import pytest
import torch
from torch_geometric.data import Data

from vaezoo.data.planetoid import PlanetoidDataModule, read_edges, read_features, split_edges
from vaezoo.data.safe_pickle import load_data_pickle
from vaezoo.errors import DataFileError

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "planetoid"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="the shared data folder is not beside the checkout")


@needs_shared
@pytest.mark.parametrize("name,nodes,edges,features", [("cora", 2708, 5278, 1433), ("citeseer", 3327, 4552, 3703)])
def test_real_files_load_with_the_restricted_unpickler(name, nodes, edges, features):
    edge_index, num_nodes = read_edges(SHARED / f"ind.{name}.graph")
    assert num_nodes == nodes and edge_index.shape[1] == 2 * edges
    x = read_features(SHARED, name, num_nodes)
    assert x.shape == (nodes, features) and set(x.unique().tolist()) <= {0.0, 1.0}
    if name == "citeseer":  # 15 isolated test nodes without a tx row get zero features
        assert int((x.sum(1) == 0).sum()) >= 15
    for part in ("x", "y", "tx", "ty", "allx", "ally"):
        load_data_pickle(SHARED / f"ind.{name}.{part}")


class RunsCode:
    """Unpickling an instance calls os.system: what a hostile data file would do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        import os
        return os.system, (f"touch {self.marker}",)


def test_a_crafted_pickle_is_refused_without_running_code(tmp_path):
    marker, path = tmp_path / "ran", tmp_path / "ind.cora.graph"
    path.write_bytes(pickle.dumps(RunsCode(marker), protocol=2))
    with pytest.raises(DataFileError, match=r"refused to unpickle \(global (posix|os|nt)\.system is not allowed\)"):
        load_data_pickle(path)
    assert not marker.exists()
    assert pickle.loads(path.read_bytes()) == 0 and marker.exists()   # the same file does run code unrestricted


def test_edge_split_sizes_and_no_leakage(fixtures_dir):
    edges, num_nodes = read_edges(fixtures_dir / "planetoid" / "ind.cora.graph")
    splits = split_edges(Data(edge_index=edges, num_nodes=num_nodes), seed=0)
    total = edges.shape[1] // 2
    sizes = {s: d.pos_edge_label_index.shape[1] for s, d in splits.items()}
    assert sizes["valid"] == int(0.05 * total) and sizes["test"] == int(0.10 * total) and sum(sizes.values()) == total
    for split in ("valid", "test"):
        assert splits[split].neg_edge_label_index.shape[1] == sizes[split]
        assert torch.equal(splits[split].edge_index, splits["train"].edge_index)   # encoded from training edges
    graph = {tuple(e) for e in splits["train"].edge_index.T.tolist()}
    assert len(graph) == 2 * sizes["train"]
    held_out = [tuple(e) for s in ("valid", "test") for e in splits[s].pos_edge_label_index.T.tolist()]
    assert not any(e in graph or e[::-1] in graph for e in held_out)
    all_edges = {tuple(e) for e in edges.T.tolist()}
    negatives = [tuple(e) for s in ("valid", "test") for e in splits[s].neg_edge_label_index.T.tolist()]
    assert not any(e in all_edges for e in negatives)
    again = split_edges(Data(edge_index=edges, num_nodes=num_nodes), seed=0)
    assert torch.equal(again["test"].pos_edge_label_index, splits["test"].pos_edge_label_index)


@needs_shared
def test_pubmed_without_allx_trains_featureless_as_a_proxy(caplog):
    dm = PlanetoidDataModule(str(SHARED.parent), "pubmed", download=False)
    assert dm.model_kwargs() == {"num_nodes": 19717, "in_features": 0}
    assert dm.is_proxy and "training without node features" in caplog.text
    with pytest.raises(DataFileError, match=r"missing ind.pubmed.allx in .*data.features=false"):
        PlanetoidDataModule(str(SHARED.parent), "pubmed", features="true", download=False).prepare_data()
