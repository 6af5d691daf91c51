"""Repeated updates of one optimiser on the step's batch before the others update once: the
aggressive training of the inference network of He et al. 2019 ("Lagging inference networks"),
at most ``max_steps`` encoder updates per decoder update, each on a fresh sample of z. He et al.'s
Algorithm 1 draws a new minibatch for every encoder update; here they reuse the step's batch.
What ends the aggressive phase (He et al.: the validation mutual information stops rising) sets
``active`` to False; nothing here does."""

from __future__ import annotations


class InnerLoop:
    """Args:
        optimizer: the optimiser updated in the loop (an ``optimizer`` group entry, such as one
            training the modules ``encoder`` and ``latent``).
        max_steps: its updates per training step at most (He et al.'s code: 100).
        check_every: the loop stops when the mean loss over the last ``check_every`` updates is no
            lower than over the ``check_every`` before (He et al.'s code: 15).
        active: while False every optimiser updates once per step.
    """

    def __init__(self, optimizer: str, max_steps: int = 100, check_every: int = 15, active: bool = True) -> None:
        if max_steps < 1 or check_every < 1:
            raise ValueError(f"InnerLoop: max_steps={max_steps} and check_every={check_every} must be >= 1")
        self.optimizer, self.max_steps, self.check_every, self.active = optimizer, max_steps, check_every, active

    def should_stop(self, losses: list[float]) -> bool:
        """Whether the last ``check_every`` losses of the loop, against the ones before, stopped falling."""
        n = self.check_every
        if len(losses) < 2 * n or len(losses) % n:
            return False
        return sum(losses[-n:]) >= sum(losses[-2 * n:-n])
