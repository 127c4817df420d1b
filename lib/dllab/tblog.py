"""TensorBoard logging for fit(): scalars, histograms, decision-boundary images, hparams, graph."""

import shutil
import warnings

import torch

from dllab import validate
from dllab.session import new_run_dir

# SummaryWriter and the decision-boundary plot (scikit-learn, TensorBoard) are imported where
# they are used: the exercise checker imports log_losses/log_gradients in every lab.


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


# The HParams tab reads a run's metrics from its scalars: the last value of each tag named here.
# Naming curves that are logged anyway keeps one-point "metric" charts out of the Scalars tab.
HPARAMS_METRICS = ("loss/train", "loss/valid")


def _check_logger_arguments(hparams, every, image_epochs, boundary, grid_steps, losses, gradients):
    """TensorBoardLogger's arguments, checked before its run folder is created."""
    if not isinstance(hparams, dict):
        allowed = "a dict of the run's settings, e.g. {'lr': 0.01}"
        validate.fail("hparams", allowed, validate.describe(hparams), error=TypeError)
    validate.integer("every", every)
    if not isinstance(image_epochs, list | tuple | set | range):
        allowed = "a list of epochs, e.g. [1, 10, 50]"
        validate.fail("image_epochs", allowed, validate.describe(image_epochs), error=TypeError)
    for epoch in image_epochs:
        validate.integer("image_epochs: epoch", epoch, minimum=0)
    if boundary is not None:
        if not isinstance(boundary, tuple | list) or len(boundary) != 3:
            allowed = "a triple (X_test, y_test, lim)"
            validate.fail("boundary", allowed, validate.describe(boundary), error=TypeError)
        X, y, lim = boundary
        validate.array("boundary X", X, columns=2)
        validate.labels("boundary y", y, n=len(X))
        validate.number("boundary lim", lim, positive=True)
    validate.integer("grid_steps", grid_steps, minimum=2)
    validate.function("losses", losses, "a function f(writer, history, epoch)")
    validate.function("gradients", gradients, "a function f(writer, model, epoch)")


class TensorBoardLogger:
    """Writes one training run into a new folder runs/<lab>/<name>-<timestamp>/.

    Use it as a context manager and pass it to fit(callbacks=[logger]). Logs the losses every
    epoch (tags loss/train, loss/valid), each parameter and its gradient as histograms every
    `every` epochs, and the decision boundary over the test points `boundary` = (X, y, lim) at
    `image_epochs`. `losses` and `gradients` are the functions that log those two (lab 4 lets
    students write their own). `hparams` go to the HParams tab when the run starts, with the
    last loss/train and loss/valid as the run's metrics.

    If the `with` block fails (an error, or Ctrl-C), the run's folder is removed: TensorBoard
    would otherwise list the half-written run beside the complete ones, and a re-run of the
    cell adds a new folder anyway. The error's traceback names the folder removed.
    """

    def __init__(
        self,
        lab: str,
        name: str,
        *,
        hparams: dict,
        every: int = 10,
        image_epochs=(),
        boundary=None,
        grid_steps: int = 80,
        losses=log_losses,
        gradients=log_gradients,
    ):
        _check_logger_arguments(
            hparams, every, image_epochs, boundary, grid_steps, losses, gradients
        )
        if image_epochs and boundary is None:
            raise ValueError(
                "image_epochs needs boundary=(X, y, lim) to draw the decision boundary"
            )
        from torch.utils.tensorboard import SummaryWriter
        from torch.utils.tensorboard.summary import hparams as hparams_summaries

        # TensorBoard's HParams tab accepts numbers, strings and booleans; lists become text.
        self.hparams = {
            k: v if isinstance(v, int | float | str | bool) else str(v) for k, v in hparams.items()
        }
        self.every, self.image_epochs = every, set(image_epochs)
        self.boundary, self.grid_steps = boundary, grid_steps
        self.log_losses, self.log_gradients = losses, gradients
        self.run_dir = new_run_dir(lab, name)
        self.writer = SummaryWriter(log_dir=str(self.run_dir))
        experiment, start, self._end = hparams_summaries(
            self.hparams, dict.fromkeys(HPARAMS_METRICS)
        )
        for summary in (experiment, start):
            self.writer.file_writer.add_summary(summary)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        if exc_type is None:
            self.writer.file_writer.add_summary(self._end)  # the HParams tab: status success
            self.close()
            return
        self.close()
        shutil.rmtree(self.run_dir, ignore_errors=True)
        if exc is not None:
            exc.add_note(f"TensorBoardLogger: removed the unfinished run {self.run_dir}")

    def close(self):
        self.writer.flush()
        self.writer.close()

    def __call__(self, epoch: int, model, history) -> None:
        if epoch > 0:
            self.log_losses(self.writer, history, epoch)
        if epoch % self.every == 0:
            self.log_histograms(model, epoch)
        if epoch in self.image_epochs:
            self.log_boundary(model, epoch)

    def log_histograms(self, model, epoch: int) -> None:
        """Weights and biases of every layer, and their gradients once there are any."""
        for name, param in model.named_parameters():
            self.writer.add_histogram(f"params/{name}", param.detach(), epoch, bins=30)
        self.log_gradients(self.writer, model, epoch)

    def log_boundary(self, model, epoch: int) -> None:
        from dllab.boundary import decision_boundary

        X, y, lim = self.boundary
        fig = decision_boundary(
            model,
            X,
            y,
            lim=lim,
            title=f"epoch {epoch}",
            points="test",
            steps=self.grid_steps,
            dpi=60,
            compact=True,
        )
        self.writer.add_figure("decision_boundary", fig, epoch)  # closes the figure

    def log_graph(self, model, example) -> None:
        """The model's graph, traced on `example` (one batch of inputs)."""
        device = next(model.parameters()).device
        with warnings.catch_warnings():
            # add_graph traces with torch.jit.trace, which torch now flags as deprecated; the
            # TensorBoard graph has no other source, so the warning tells a student nothing.
            warnings.filterwarnings("ignore", category=DeprecationWarning, module="torch.jit")
            self.writer.add_graph(model, torch.as_tensor(example, dtype=torch.float32).to(device))
