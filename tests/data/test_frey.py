import pickle
from pathlib import Path

import numpy as np
import pytest

from tests.graph.test_planetoid import RunsCode
from vaezoo.data import FreyFacesDataModule
from vaezoo.data.frey import read_frey
from vaezoo.errors import DataFileError

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


def test_fixture_split_sizes_pixel_grid_and_seeded_split(fixtures_dir):
    dm = FreyFacesDataModule(str(fixtures_dir), val_size=20, test_size=20, download=False)
    dm.prepare_data()
    dm.setup()
    assert [len(dm.splits[s]) for s in ("train", "val", "test")] == [80, 20, 20]
    x = dm.splits["train"].tensors[0]
    assert x.shape == (80, 560) and np.allclose((x * 256 - 0.5).numpy(), np.round((x * 256 - 0.5).numpy()))
    again = FreyFacesDataModule(str(fixtures_dir), val_size=20, test_size=20, download=False)
    again.setup()
    assert (again.splits["test"].tensors[0] == dm.splits["test"].tensors[0]).all()


@pytest.mark.skipif(not (SHARED / "frey" / "freyfaces.pkl").is_file(), reason="needs the real Frey faces")
def test_real_file_loads_with_the_restricted_unpickler_and_splits_as_the_original_code():
    faces = read_frey(SHARED / "frey" / "freyfaces.pkl")
    assert faces.shape == (1965, 560) and faces.dtype == np.uint8 and (faces.min(), faces.max()) == (8, 238)
    dm = FreyFacesDataModule(str(SHARED), download=False)
    dm.setup()
    assert [len(dm.splits[s]) for s in ("train", "val", "test")] == [1565, 200, 200]


def test_a_crafted_frey_pickle_is_refused_without_running_code(tmp_path):
    marker = tmp_path / "ran"
    (tmp_path / "frey").mkdir()
    (tmp_path / "frey" / "freyfaces.pkl").write_bytes(pickle.dumps([RunsCode(marker)], protocol=2))
    dm = FreyFacesDataModule(str(tmp_path), download=False)
    with pytest.raises(DataFileError, match="refused to unpickle"):
        dm.setup()
    assert not marker.exists()


def test_a_pickle_of_the_wrong_shape_is_named(tmp_path):
    path = tmp_path / "freyfaces.pkl"
    path.write_bytes(pickle.dumps([np.zeros((3, 4), dtype=np.uint8)]))
    with pytest.raises(DataFileError, match=r"uint8 array of shape \[n, 560\]"):
        read_frey(path)


def test_a_truncated_frey_pickle_is_called_truncated_not_refused(tmp_path):
    path = tmp_path / "freyfaces.pkl"
    path.write_bytes(pickle.dumps([np.zeros((3, 560), dtype=np.uint8)])[:-40])
    with pytest.raises(DataFileError, match=r"not a readable data pickle .*truncated or corrupt; delete it"):
        read_frey(path)
