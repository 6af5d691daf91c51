"""Planetoid citation graphs (Cora, Citeseer, Pubmed) for link prediction (Davidson et al. 2018,
§5.4, following Kipf & Welling 2016).

The GCN distribution files (``ind.<name>.{x,tx,allx,graph,test.index}``) are read with the
restricted unpickler of ``vaezoo.data.safe_pickle``; node features are assembled as in Kipf &
Welling's code (allx then tx, test rows put back in their node order; Citeseer's isolated test
nodes get zero rows). Edges are made undirected without self-loops, and split 85 / 5 / 10 into
message-passing/training, validation and test edges by torch_geometric's ``RandomLinkSplit``,
with as many sampled non-edges as positives in validation and test.
"""

from __future__ import annotations

import logging
from pathlib import Path

import lightning.pytorch as pl
import numpy as np
import scipy.sparse
import torch
from torch.utils.data import DataLoader
from torch_geometric.data import Data
from torch_geometric.transforms import RandomLinkSplit
from torch_geometric.utils import coalesce, remove_self_loops, to_undirected

from vaezoo.data.root import RemoteFile, ensure_files, resolve_root
from vaezoo.data.safe_pickle import load_data_pickle
from vaezoo.errors import ConfigError, DataFileError

log = logging.getLogger(__name__)

_GCN = "https://raw.githubusercontent.com/tkipf/gcn/39a4089fe72ad9f055ed6fdb9746abdcfebc4d81/gcn/data/"
_MD5 = {
    "cora": {"x": "190831eee19d8f330d89d94b40a65c5a", "tx": "b29c36916768e1d2f55391c1aa9317ac",
             "allx": "c9083193a57057dd1238321e140194d7", "graph": "b37c419cec179f45834467630c278e4c",
             "test.index": "9b822cae1d01f41e8bf8782e20367c0e"},
    "citeseer": {"x": "baeb0100b5a8af8d41f928113ce0a4e5", "tx": "c25ab826a7e95c0922ab625de705f7df",
                 "allx": "28486b4b9c4ee076b4eee2febd89ba86", "graph": "5f88483d5f5cc2b26b987bbbfb695005",
                 "test.index": "70af39d4dff8aaa5c63f8dc526b16534"},
    "pubmed": {"x": "2e93a89281c7597939cfb24976696f54", "tx": "30d5abd15cf10e46ebd9514b256e0347",
               "allx": None, "graph": "601ee2ffa59197989ff7267383a4ea46",
               "test.index": "57cdfacfa20179b9b92e077fba394d1c"},
}
GRAPHS = tuple(_MD5)
FEATURE_PARTS, STRUCTURE_PARTS = ("x", "tx", "allx", "test.index"), ("graph",)


def _remote(name: str, part: str) -> RemoteFile:
    filename = f"ind.{name}.{part}"
    return RemoteFile(filename, (_GCN + filename,), _MD5[name][part])


def read_edges(path: Path) -> tuple[torch.Tensor, int]:
    """Undirected edge_index (both directions, no self-loops, no duplicates) and the node count of
    a Planetoid ``graph`` pickle (a dict node -> neighbour list)."""
    graph = load_data_pickle(path)
    if not isinstance(graph, dict) or not graph:
        raise DataFileError(f"{path}: expected a non-empty dict node -> neighbours, got {type(graph).__name__}")
    num_nodes = len(graph)
    pairs = [(int(node), int(other)) for node, neighbours in graph.items() for other in neighbours]
    edges = torch.tensor(pairs, dtype=torch.long).T
    if edges.numel() and (edges.min() < 0 or edges.max() >= num_nodes):
        raise DataFileError(f"{path}: a neighbour id lies outside 0..{num_nodes - 1}")
    edges, _ = remove_self_loops(edges)
    return coalesce(to_undirected(edges, num_nodes=num_nodes), num_nodes=num_nodes), num_nodes


def read_features(directory: Path, name: str, num_nodes: int) -> torch.Tensor:
    """Node features [num_nodes, F] in node order, as Kipf & Welling's ``load_data`` builds them."""
    allx = load_data_pickle(directory / f"ind.{name}.allx")
    tx = load_data_pickle(directory / f"ind.{name}.tx")
    test_index = [int(line) for line in (directory / f"ind.{name}.test.index").read_text().split()]
    test_range = np.sort(test_index)
    if name == "citeseer":  # isolated test nodes have no row in tx: give them zero features
        full = np.arange(test_range.min(), test_range.max() + 1)
        extended = scipy.sparse.lil_matrix((len(full), tx.shape[1]))
        extended[test_range - test_range.min(), :] = tx
        tx = extended
    features = scipy.sparse.vstack((allx, tx)).tolil()
    features[test_index, :] = features[test_range, :]
    if features.shape[0] != num_nodes:
        raise DataFileError(f"{directory}: {features.shape[0]} feature rows for {num_nodes} graph nodes")
    return torch.from_numpy(features.toarray().astype(np.float32))


def split_edges(data: Data, seed: int) -> dict[str, Data]:
    """85 / 5 / 10 split of the edges (Kipf & Welling 2016), reproducible from ``seed``; the
    held-out edges of validation and test are never in any split's message-passing graph."""
    transform = RandomLinkSplit(num_val=0.05, num_test=0.10, is_undirected=True, split_labels=True,
                                add_negative_train_samples=False)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        train, valid, test = transform(data)
    # Every split is encoded from the training graph, as in Kipf & Welling's code (PyG's test
    # graph would also hold the validation edges).
    test.edge_index = train.edge_index
    return {"train": train, "valid": valid, "test": test}


class PlanetoidDataModule(pl.LightningDataModule):
    """One citation graph, full batch: every epoch is one step on the whole training graph.

    Args:
        root: data root holding ``planetoid/``.
        name: "cora", "citeseer" or "pubmed".
        features: "auto" (node features when ``allx`` is present, else none), "true" or "false".
            Without features the encoder learns one input vector per node (Kipf & Welling's
            featureless variant), and the run's scale is "proxy": it is not the paper's setting.
        split_seed: seed of the edge split (the run's seed by default).
    """

    def __init__(self, root: str, name: str = "cora", features: str = "auto", split_seed: int = 0,
                 download: bool = True) -> None:
        super().__init__()
        if name not in GRAPHS:
            raise ConfigError(f"data.name={name!r} is not one of {list(GRAPHS)}")
        if str(features) not in ("auto", "true", "false", "True", "False"):
            raise ConfigError(f"data.features={features!r} must be auto, true or false")
        self.name, self.features, self.split_seed, self.download = name, str(features).lower(), split_seed, download
        self.directory = resolve_root(root) / "planetoid"
        self.is_proxy = False
        self.splits: dict[str, Data] = {}

    def _files(self, parts: tuple[str, ...]) -> list[RemoteFile]:
        return [_remote(self.name, part) for part in parts]

    def prepare_data(self) -> None:
        how = "allow data.download=true with network access (gcn/data of tkipf/gcn), or data.features=false"
        ensure_files(self.directory, self._files(STRUCTURE_PARTS), self.download, how)
        if self.features == "true":
            ensure_files(self.directory, self._files(FEATURE_PARTS), self.download, how)

    def setup(self, stage: str | None = None) -> None:
        if self.splits:
            return
        present = all((self.directory / r.name).is_file() for r in self._files(FEATURE_PARTS))
        use_features = self.features == "true" or (self.features == "auto" and present)
        if self.features == "auto" and not present:
            log.warning("%s: ind.%s.{x,tx,allx,test.index} incomplete; training without node features "
                        "(scale: proxy)", self.directory, self.name)
        edges, num_nodes = read_edges(self.directory / f"ind.{self.name}.graph")
        x = read_features(self.directory, self.name, num_nodes) if use_features else None
        self.is_proxy = not use_features
        self.splits = split_edges(Data(x=x, edge_index=edges, num_nodes=num_nodes), self.split_seed)
        counts = {s: int(d.pos_edge_label_index.shape[1]) for s, d in self.splits.items()}
        log.info("%s: %d nodes, %s features, undirected edges %s", self.name, num_nodes,
                 x.shape[1] if x is not None else "no", counts)

    def model_kwargs(self) -> dict[str, int]:
        """Sizes the encoder takes from the graph: node count and feature width (0: featureless)."""
        self.setup()
        x = self.splits["train"].x
        return {"num_nodes": int(self.splits["train"].num_nodes), "in_features": 0 if x is None else int(x.shape[1])}

    def _loader(self, split: str) -> DataLoader:
        return DataLoader([self.splits[split]], batch_size=None)

    def train_dataloader(self) -> DataLoader:
        return self._loader("train")

    def val_dataloader(self) -> DataLoader:
        return self._loader("valid")

    def test_dataloader(self) -> DataLoader:
        return self._loader("test")
