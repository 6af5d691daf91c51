"""Test-time estimators any model can request, configured by the ``eval/`` group at test time."""

from vaezoo.evaluation.base import EvalSettings, EvalStep, Evaluator
from vaezoo.evaluation.classification import LabelAccuracy
from vaezoo.evaluation.generation import DecodingBLEU, PriorSamples, ResponseDiversity
from vaezoo.evaluation.link_prediction import LinkPrediction
from vaezoo.evaluation.loglik import ImportanceSampledLogLik, ImportanceSampling, importance_log_weights
from vaezoo.evaluation.perplexity import CorpusPerplexity, DocumentPerplexity, PerDocumentPerplexity, SentencePerplexity
from vaezoo.evaluation.posterior_usage import ActiveUnitCount, AggregatePosteriorMI, PosteriorUsage

__all__ = ["ActiveUnitCount", "AggregatePosteriorMI", "CorpusPerplexity", "DecodingBLEU", "DocumentPerplexity",
           "EvalSettings", "EvalStep", "Evaluator", "ImportanceSampledLogLik", "ImportanceSampling", "LabelAccuracy",
           "LinkPrediction", "PerDocumentPerplexity", "PosteriorUsage", "PriorSamples", "ResponseDiversity",
           "SentencePerplexity", "importance_log_weights"]
