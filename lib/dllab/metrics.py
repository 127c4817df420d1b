"""Metrics of a binary classifier, as plain numbers (scikit-learn does the counting)."""

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
    # Imported here: scikit-learn takes ~0.7 s to import, and predict_proba does not need it.
    from sklearn.metrics import accuracy_score, average_precision_score, roc_auc_score

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
        "accuracy": float(accuracy_score(y_true, prob >= threshold)),
        "average_precision": float(average_precision_score(y_true, prob)),
        "roc_auc": float(roc_auc_score(y_true, prob)),
    }


def evaluate(model, X, y) -> dict:
    """binary_metrics of `model` on (X, y).  X: (N, D), y: (N,) or (N, 1) labels 0 and 1."""
    prob = predict_proba(model, X)  # checks model and X
    return binary_metrics(validate.labels("y", y, n=len(X)), prob)
