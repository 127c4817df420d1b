"""Metrics of a binary classifier, as plain numbers (scikit-learn does the counting)."""

import numpy as np
import torch


@torch.no_grad()
def predict_proba(model, X, *, batch_size: int = 1024):
    """P(class 1) for every row.  X: (N, D) array or tensor → numpy (N,), float64."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    X = torch.as_tensor(X, dtype=torch.float32)
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

    y_true, prob = np.asarray(y_true), np.asarray(prob)
    if y_true.shape != prob.shape:
        raise ValueError(
            f"y_true and prob must have the same shape, got {y_true.shape} and {prob.shape}"
        )
    return {
        "accuracy": float(accuracy_score(y_true, prob >= threshold)),
        "average_precision": float(average_precision_score(y_true, prob)),
        "roc_auc": float(roc_auc_score(y_true, prob)),
    }


def evaluate(model, X, y) -> dict:
    """binary_metrics of `model` on (X, y)."""
    return binary_metrics(y, predict_proba(model, X))
