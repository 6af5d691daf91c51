import pytest
import torch

from tests.data.test_mnist import training_at
from vaezoo.data import SemiSupervisedMNIST
from vaezoo.data.semi_supervised import balanced_label_indices
from vaezoo.errors import ConfigError, DataFileError


def datamodule(fixtures_dir, **kwargs) -> SemiSupervisedMNIST:
    defaults = dict(root=str(fixtures_dir), val_size=20, batch_size=16, eval_batch_size=16, download=False,
                    labelled=20)
    return SemiSupervisedMNIST(**{**defaults, **kwargs})


def test_labelled_set_is_balanced_and_disjoint_from_the_unlabelled_set(fixtures_dir):
    dm = datamodule(fixtures_dir)
    dm.setup()
    labelled_x, labelled_y = dm.splits["labelled"].tensors
    unlabelled_x = dm.splits["unlabelled"].tensors[0]
    assert torch.bincount(labelled_y, minlength=10).tolist() == [2] * 10
    assert (dm.num_labelled, dm.num_unlabelled) == (20, 80)
    # No labelled image is also among the unlabelled ones (the fixture has no duplicate images).
    assert not (torch.cdist(labelled_x, unlabelled_x) == 0).any()


def test_label_seed_changes_the_labelled_set_and_fixes_it(fixtures_dir):
    first, again, other = (datamodule(fixtures_dir, label_seed=s) for s in (0, 0, 1))
    for dm in (first, again, other):
        dm.setup()
    assert torch.equal(first.splits["labelled"].tensors[0], again.splits["labelled"].tensors[0])
    assert not torch.equal(first.splits["labelled"].tensors[0], other.splits["labelled"].tensors[0])


def test_subset_shortens_the_unlabelled_set_but_not_the_labelled_one(fixtures_dir):
    dm = datamodule(fixtures_dir, subset=8)
    dm.setup()
    assert (dm.num_labelled, dm.num_unlabelled, len(dm.splits["test"])) == (20, 8, 8)


def test_each_training_step_gets_a_labelled_and_an_unlabelled_binary_batch(fixtures_dir):
    dm = datamodule(fixtures_dir)
    dm.setup()
    loader = dm.train_dataloader()
    batches = list(loader)
    assert len(batches) == 5  # 80 unlabelled images / 16; the 20 labelled ones cycle
    (batch, _, _) = batches[0]
    dm.trainer = training_at(epoch=0, batch=0)
    binary = dm.on_after_batch_transfer(batch, 0)          # drawn once the batch is on its device
    (x_l, y_l), (x_u, _) = binary["labelled"], binary["unlabelled"]
    assert x_l.shape == (16, 784) and x_u.shape == (16, 784) and y_l.dtype == torch.long
    assert set(torch.cat([x_l, x_u]).unique().tolist()) <= {0.0, 1.0}
    assert torch.equal(y_l, batch["labelled"][1])


def test_label_counts_that_cannot_be_balanced_are_refused(fixtures_dir):
    labels = torch.arange(10).repeat(3)
    with pytest.raises(ConfigError, match="multiple of 10"):
        balanced_label_indices(labels, 15, 0, "here")
    with pytest.raises(DataFileError, match="fewer than"):
        balanced_label_indices(labels, 40, 0, "here")
    with pytest.raises(ConfigError, match="needs labels"):
        datamodule(fixtures_dir, binarization="fixed")
