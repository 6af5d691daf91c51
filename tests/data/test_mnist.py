import shutil
from types import SimpleNamespace

import pytest
import torch

from vaezoo.data import MNISTDataModule
from vaezoo.data.mnist import embedded_sample_dir
from vaezoo.errors import ConfigError, DataFileError


def datamodule(fixtures_dir, **kwargs) -> MNISTDataModule:
    defaults = dict(root=str(fixtures_dir), val_size=20, batch_size=16, eval_batch_size=16, download=False)
    return MNISTDataModule(**{**defaults, **kwargs})


def training_at(epoch, batch, training=True):
    """What the binarisation reads of a Trainer: the mode, the rank and the batch's position."""
    progress = SimpleNamespace(current=SimpleNamespace(ready=batch))
    return SimpleNamespace(training=training, current_epoch=epoch, global_rank=0,
                           fit_loop=SimpleNamespace(epoch_loop=SimpleNamespace(batch_progress=progress)))


def binarized(dm, batch, epoch, index, training=True):
    dm.trainer = training_at(epoch, index, training)
    return dm.on_after_batch_transfer(batch, 0)


def test_split_sizes_and_binary_values(fixtures_dir):
    dm = datamodule(fixtures_dir)
    dm.prepare_data()
    dm.setup()
    assert [len(dm.splits[s]) for s in ("train", "val", "test")] == [100, 20, 40]
    batch = next(iter(dm.train_dataloader()))
    assert batch[0].shape == (16, 784) and not set(batch[0].unique().tolist()) <= {0.0, 1.0}   # grey levels
    x, y = binarized(dm, batch, epoch=0, index=0)          # drawn once the batch is on its device
    assert x.shape == (16, 784) and set(x.unique().tolist()) <= {0.0, 1.0} and y.dtype == torch.long
    assert set(dm.splits["test"].tensors[0].unique().tolist()) == {0.0, 1.0}


def test_training_images_are_rebinarised_every_epoch_and_evaluation_images_are_fixed(fixtures_dir):
    dm = datamodule(fixtures_dir)
    dm.setup()
    grey = dm.splits["train"].tensors
    first, second = binarized(dm, grey, 0, 0)[0], binarized(dm, grey, 1, 0)[0]
    assert not torch.equal(first, second)
    assert torch.equal(first, binarized(dm, grey, 0, 0)[0])          # keyed by the batch's place: resumable
    assert torch.equal(binarized(dm, grey, 0, 0, training=False)[0], grey[0])   # evaluation: untouched
    # Each draw is Bernoulli(grey): its mean over pixels matches the grey level's mean.
    assert abs(first.mean().item() - grey[0].mean().item()) < 0.01
    again = datamodule(fixtures_dir)
    again.setup()
    assert torch.equal(dm.splits["test"].tensors[0], again.splits["test"].tensors[0])
    assert torch.equal(dm.splits["val"].tensors[0], again.splits["val"].tensors[0])


def test_test_images_do_not_depend_on_the_validation_size(fixtures_dir):
    small, large = datamodule(fixtures_dir, val_size=20), datamodule(fixtures_dir, val_size=30)
    small.setup()
    large.setup()
    assert torch.equal(small.splits["test"].tensors[0], large.splits["test"].tensors[0])


def test_split_is_seeded(fixtures_dir):
    a, b, c = (datamodule(fixtures_dir, split_seed=s) for s in (0, 0, 1))
    for dm in (a, b, c):
        dm.setup()
    assert torch.equal(a.splits["val"].tensors[1], b.splits["val"].tensors[1])
    assert not torch.equal(a.splits["val"].tensors[1], c.splits["val"].tensors[1])


def test_fraction_validation_size_and_subset(fixtures_dir):
    dm = datamodule(fixtures_dir, val_size=0.25, subset=10)
    dm.setup()
    assert [len(dm.splits[s]) for s in ("train", "val", "test")] == [10, 10, 10]
    with pytest.raises(ConfigError, match="data.val_size=500 leaves no examples on one side out of"):
        datamodule(fixtures_dir, val_size=500).setup()


def test_fixed_binarisation_reads_the_npz(fixtures_dir):
    dm = datamodule(fixtures_dir, binarization="fixed")
    dm.prepare_data()
    dm.setup()
    assert [len(dm.splits[s]) for s in ("train", "val", "test")] == [100, 40, 40]
    x, y = next(iter(dm.train_dataloader()))
    assert set(x.unique().tolist()) <= {0.0, 1.0} and (y == -1).all()


def test_missing_files_name_the_file_the_root_and_the_remedy(tmp_path):
    dm = MNISTDataModule(root=str(tmp_path / "nowhere"), download=False)
    with pytest.raises(DataFileError) as err:
        dm.prepare_data()
    message = str(err.value)
    assert "train-images-idx3-ubyte.gz" in message and str(tmp_path / "nowhere" / "mnist") in message
    assert "VAEZOO_DATA" in message


def test_failed_download_leaves_no_partial_file(tmp_path, monkeypatch, fixtures_url):
    from vaezoo.data import mnist
    from vaezoo.data.root import RemoteFile

    unreachable = [RemoteFile(r.name, (f"{fixtures_url}/nowhere/{r.name}", "http://127.0.0.1:9/x"), r.md5)
                   for r in mnist.IDX_FILES]
    monkeypatch.setattr(mnist, "IDX_FILES", unreachable)
    dm = MNISTDataModule(root=str(tmp_path), download=True)
    with pytest.raises(DataFileError, match="could not download train-images-idx3-ubyte.gz"):
        dm.prepare_data()
    assert list((tmp_path / "mnist").iterdir()) == []


def test_truncated_file_fails_at_setup_with_its_name(tmp_path, fixtures_dir):
    shutil.copytree(fixtures_dir / "mnist", tmp_path / "mnist")
    target = tmp_path / "mnist" / "t10k-images-idx3-ubyte.gz"
    target.write_bytes(target.read_bytes()[:100])
    with pytest.raises(DataFileError, match="t10k-images-idx3-ubyte.gz is truncated"):
        MNISTDataModule(root=str(tmp_path), val_size=20, download=False).setup()


@pytest.mark.parametrize("file,change,says", [
    ("t10k-labels-idx1-ubyte.gz", lambda labels: labels + 3, r"t10k-labels-idx1-ubyte.gz: label 1[0-2] of record \d+ "
                                                             r"\(and \d+ more\) is outside 0..9"),
    ("train-labels-idx1-ubyte.gz", lambda labels: labels[:-1], r"train-labels-idx1-ubyte.gz holds \(\d+,\) labels "
                                                               r"for the \d+ images .* do not belong together"),
    ("train-images-idx3-ubyte.gz", lambda images: images[:, :, :20], r"holds images of shape \(28, 20\), not "
                                                                     r"\(28, 28\)"),
])
def test_files_that_disagree_are_named_before_training(tmp_path, fixtures_dir, file, change, says):
    from vaezoo.data.idx import read_idx_gz, write_idx_gz
    shutil.copytree(fixtures_dir / "mnist", tmp_path / "mnist")
    target = tmp_path / "mnist" / file
    write_idx_gz(target, change(read_idx_gz(target).astype("int64")))
    with pytest.raises(DataFileError, match=says):
        MNISTDataModule(root=str(tmp_path), val_size=20, download=False).setup()


def test_embedded_sample_needs_no_root():
    assert (embedded_sample_dir() / "mnist" / "train-images-idx3-ubyte.gz").is_file()
    dm = MNISTDataModule(root=None, val_size=200)
    dm.prepare_data()
    dm.setup()
    assert dm.is_proxy and len(dm.splits["train"]) == 800 and len(dm.splits["test"]) == 200
