"""Metrics of a binary classifier, as plain numbers.

Average precision and ROC AUC are computed as scikit-learn computes them (a test compares the two);
numpy does it without scikit-learn's second of import time in every lab that evaluates a model.
"""

import numpy as np
import torch

from dllab import validate


@torch.no_grad()
def predict_proba(model, X, *, batch_size: int = 1024):
    """P(class 1) for every row.  X: (N, D) array or tensor → numpy (N,), float64."""
    validate.instance("model", model, torch.nn.Module, validate.MODEL)
    validate.array("X", X)
    batch_size = validate.integer("batch_size", batch_size)
    validate.one_logit_per_row(model, X)
    X = torch.as_tensor(X, dtype=torch.float32)
    device = next(model.parameters(), torch.empty(0)).device  # a model may have no parameters
    was_training = model.training
    model.eval()
    chunks = [
        torch.sigmoid(model(X[i : i + batch_size].to(device))).squeeze(1).cpu()
        for i in range(0, len(X), batch_size)
    ]
    model.train(was_training)  # callbacks call this mid-training
    return torch.cat(chunks).double().numpy()


def binary_metrics(y_true, prob, *, threshold: float = 0.5) -> dict:
    """accuracy, average precision and ROC AUC.  y_true: (N,) in {0, 1}, prob: (N,) in [0, 1]."""
    validate.array("prob", prob, ndim=1)
    prob = np.asarray(prob)
    if prob.min() < 0 or prob.max() > 1:
        got = f"{validate.describe(prob)} from {prob.min():g} to {prob.max():g}"
        hint = "logits? apply torch.sigmoid, or use predict_proba(model, X)"
        validate.fail("prob", "probabilities in [0, 1]", got, hint=hint)
    y_true = validate.labels("y_true", y_true, n=len(prob), per="probability")
    if len(np.unique(y_true)) < 2:
        got = f"only class {int(y_true[0])} in {len(y_true)} labels"
        validate.fail("y_true", "labels of both classes, 0 and 1 (ROC AUC compares them)", got)
    threshold = validate.number("threshold", threshold)
    if not 0 < threshold < 1:
        validate.fail("threshold", "a number between 0 and 1", repr(threshold))
    return {
        "accuracy": float(np.mean((prob >= threshold) == y_true)),
        "average_precision": _average_precision(y_true, prob),
        "roc_auc": _roc_auc(y_true, prob),
    }


def _average_precision(y_true, prob) -> float:
    """Σ (R_k − R_{k−1}) · P_k over the distinct thresholds, highest first: precision P_k and
    recall R_k of calling class 1 every point with prob ≥ the k-th highest value.
    y_true: (N,) in {0, 1}, prob: (N,)."""
    order = np.argsort(-prob, kind="stable")
    ranked, hits = prob[order], np.asarray(y_true)[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(ranked)), len(ranked) - 1]
    true_pos = np.cumsum(hits)[last_of_tie]
    precision = true_pos / (last_of_tie + 1)
    recall = true_pos / true_pos[-1]
    return float(np.sum(np.diff(recall, prepend=0) * precision))


def _roc_auc(y_true, prob) -> float:
    """The share of (class 1, class 0) pairs whose class-1 point has the higher prob (a tie counts
    half), from the ranks of prob (Mann–Whitney).  y_true: (N,) in {0, 1}, prob: (N,)."""
    positive = np.asarray(y_true) == 1
    order = np.argsort(prob, kind="stable")
    ranked = prob[order]
    first_of_tie = np.r_[True, ranked[1:] != ranked[:-1]]
    starts = np.flatnonzero(first_of_tie)
    ends = np.r_[starts[1:], len(ranked)]
    ranks = np.empty(len(prob))
    ranks[order] = ((starts + 1 + ends) / 2)[np.cumsum(first_of_tie) - 1]  # ties share a mean rank
    n_pos, n_neg = positive.sum(), (~positive).sum()
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def evaluate(model, X, y) -> dict:
    """binary_metrics of `model` on (X, y).  X: (N, D), y: (N,) or (N, 1) labels 0 and 1."""
    prob = predict_proba(model, X)  # checks model and X
    return binary_metrics(validate.labels("y", y, n=len(X)), prob)
