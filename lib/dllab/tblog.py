"""TensorBoard logging: losses, histograms, the model's graph, hyper-parameters.

Lab 4 creates its SummaryWriter itself and calls these functions from its own callback; the
run folders come from dllab.session (start_run, finish_run). Lab 6's Lightning runs log
through lightning_logger, which counts steps in epochs as lab 4 does.
"""

import warnings

import torch
from torch.utils.tensorboard.summary import hparams as hparams_summaries

# Seconds between a SummaryWriter's writes to disk: SummaryWriter(log_dir, flush_secs=FLUSH_SECS).
# torch's default, 120, delays TensorBoard's curves by up to two minutes, and so does closing a
# writer that Ctrl-C interrupted inside add_*: the interrupt can cost the writer's thread its
# wake-up (CPython's Condition.notify is not safe against KeyboardInterrupt), and the thread then
# sleeps until its next timed write before it sees the close.
FLUSH_SECS = 2


def log_losses(writer, history, epoch: int) -> None:
    """The epoch's mean training and validation loss as scalars loss/train and loss/valid."""
    writer.add_scalar("loss/train", history.train_loss[-1], epoch)
    if history.valid_loss:
        writer.add_scalar("loss/valid", history.valid_loss[-1], epoch)


def log_gradients(writer, model, epoch: int) -> None:
    """Each parameter's gradient (of the epoch's last batch) as a histogram grads/<name>."""
    for name, param in model.named_parameters():
        if param.grad is not None:  # no gradient before the first backward pass
            writer.add_histogram(f"grads/{name}", param.grad, epoch, bins=30)


def log_parameters(writer, model, epoch: int) -> None:
    """Each parameter's values (weights and biases) as a histogram params/<name>."""
    for name, param in model.named_parameters():
        writer.add_histogram(f"params/{name}", param.detach(), epoch, bins=30)


def log_hparams(writer, hparams: dict) -> None:
    """The run's settings for the HParams tab: one row per run.

    Only the row is written, no column list ("experiment"): TensorBoard then takes the
    columns from all the runs it serves (their settings, and every scalar tag as a metric,
    with its last value), so runs of different labs served together keep their own columns.
    Lists become text (the tab accepts numbers, strings and booleans).
    """

    if not isinstance(hparams, dict):
        raise TypeError(
            f"hparams must be a dict of the run's settings, got {type(hparams).__name__}"
        )
    values = {
        k: v if isinstance(v, int | float | str | bool) else str(v) for k, v in hparams.items()
    }
    _, session_start, _ = hparams_summaries(values, {})
    # _get_file_writer reopens the event file of a writer that was closed (Lightning closes its
    # writer when fit or test ends); SummaryWriter's own add_hparams would make a new run.
    file_writer = writer._get_file_writer()
    file_writer.add_summary(session_start)
    file_writer.flush()  # a reopened writer may never be closed again


def log_graph(writer, model, example) -> None:
    """The model's graph, traced on `example` (one batch of inputs, (B, D))."""
    device = next(model.parameters()).device
    with warnings.catch_warnings():
        # add_graph traces with torch.jit.trace, which torch now flags as deprecated; the
        # TensorBoard graph has no other source, so the warning tells a student nothing.
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="torch.jit")
        writer.add_graph(model, torch.as_tensor(example, dtype=torch.float32).to(device))


def lightning_logger(save_dir, name: str, *, steps: str = "epochs", **kwargs):
    """Lightning's TensorBoardLogger without the chart `epoch` that Lightning adds to every run.

    steps="epochs": epoch-level metrics at step = epoch (from 1), as lab 4 logs them, so that
    lab 4's and lab 6's loss curves share one unit in TensorBoard (Lightning's own step is the
    number of minibatches so far). steps="minibatches": Lightning's step (search trials, which
    validate several times per epoch). Other arguments go to TensorBoardLogger (and its
    SummaryWriter: flush_secs=FLUSH_SECS unless given).
    """
    if steps not in ("epochs", "minibatches"):
        raise ValueError(f"steps={steps!r} is not allowed; allowed: 'epochs', 'minibatches'")
    from lightning.pytorch.loggers import TensorBoardLogger  # only lab 6 pays for Lightning

    class EpochStepsLogger(TensorBoardLogger):
        def log_metrics(self, metrics, step=None):
            metrics = dict(metrics)
            epoch = metrics.pop("epoch", None)
            if epoch is not None and steps == "epochs":
                step = int(epoch) + 1
            super().log_metrics(metrics, step)

    kwargs = {"flush_secs": FLUSH_SECS, **kwargs}
    return EpochStepsLogger(str(save_dir), name=name, default_hp_metric=False, **kwargs)
