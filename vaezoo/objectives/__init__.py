"""Training objectives: losses as sums of named, weighted terms, their weight schedules and the
score-function correction, applied once for every term that reads the sample."""

from vaezoo.objectives.adversarial import LatentAdversary
from vaezoo.objectives.bag_of_words import BagOfWords
from vaezoo.objectives.base import CriticTerm, Pass, Passes, Term
from vaezoo.objectives.inner_loop import InnerLoop
from vaezoo.objectives.kl import KL
from vaezoo.objectives.mmd import MMD
from vaezoo.objectives.mutual_information import MutualInformationBound
from vaezoo.objectives.objective import Objective, StepResult, elbo
from vaezoo.objectives.reconstruction import Reconstruction
from vaezoo.objectives.scale_kl import KLToUnitScale
from vaezoo.objectives.schedules import Constant, Cyclical, Linear, Peaking, Progress, Schedule, Sigmoid, TrainingShare

__all__ = ["KL", "MMD", "BagOfWords", "Constant", "CriticTerm", "Cyclical", "InnerLoop", "KLToUnitScale",
           "LatentAdversary", "Linear", "MutualInformationBound", "Objective", "Pass", "Passes", "Peaking", "Progress",
           "Reconstruction", "Schedule", "Sigmoid", "StepResult", "Term", "TrainingShare", "elbo"]
