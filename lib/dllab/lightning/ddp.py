"""Lab 6: train SpiralMLP with Lightning's DistributedDataParallel across processes.

    python -m dllab.lightning.ddp --processes 2 --epochs 60 --out runs/06_lightning_search/ddp

Each process holds a copy of the model and draws its own share of every epoch's training data
(Lightning gives each a DistributedSampler); after every backward pass the processes average
their gradients, so all copies take the same step. On the CPU the processes talk through gloo;
with GPUs there is one process per GPU. The result, with how many and which training points each
process saw per epoch, is written to <out>/result.json by the first process.

DDP does not run inside a notebook kernel: Lightning starts the other processes by running this
same command again, which is why the lab calls this script rather than the function.
"""

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import lightning as L
import torch

from dllab import get_device
from dllab.data import spiral, split
from dllab.lightning.module import Points, SpiralMLP, loader
from dllab.metrics import evaluate
from dllab.session import new_run_dir

LAB = "06_lightning_search"
# Lightning gathers through a torch function that torch plans to rename; nothing to act on here.
warnings.filterwarnings("ignore", message=r".*all_gather is deprecated.*")


class IndexedPoints(Points):
    """Points that also hand out their row numbers: batches (X, y, idx)."""

    def __getitem__(self, i):
        return self.X[i], self.y[i], i

    def __getitems__(self, indices):
        return self.X[indices], self.y[indices], torch.as_tensor(indices)


class CountingMLP(SpiralMLP):
    """SpiralMLP that records which training points this process saw in each epoch, and after
    the epoch gathers every process's list to count samples per process, overlap and union."""

    def __init__(self, hidden=(20, 15, 10, 5), lr: float = 0.01):
        super().__init__(hidden, lr)
        self.seen, self.per_epoch = [], []

    def on_train_epoch_start(self):
        self.seen = []

    def training_step(self, batch, batch_idx):
        X, y, idx = batch
        self.seen.append(idx)
        return super().training_step((X, y), batch_idx)

    def on_train_epoch_end(self):
        mine = torch.cat(self.seen).to(self.device)
        gathered = self.all_gather(mine).reshape(self.trainer.world_size, -1).cpu()
        sets = [set(row.tolist()) for row in gathered]
        union = set().union(*sets)
        self.per_epoch.append(
            {
                "epoch": self.current_epoch + 1,
                "per_process": [len(s) for s in sets],
                "overlap": sum(len(s) for s in sets) - len(union),
                "union": len(union),
            }
        )


def default_devices() -> tuple[str, int]:
    """(accelerator, processes): one process per GPU where there are at least 2 GPUs, else
    2 CPU processes (gloo)."""
    if get_device().type == "cuda" and torch.cuda.device_count() >= 2:
        return "cuda", torch.cuda.device_count()
    return "cpu", 2


def train(
    processes: int,
    *,
    epochs: int,
    nodes: int = 1,
    seed: int = 1234,
    n_per_class: int = 1000,
    n_loops: float = 1.5,
    batch_size: int = 128,
    lr: float = 0.01,
    accelerator: str | None = None,
) -> dict | None:
    """Train with `processes` processes per machine on `nodes` machines (DDP when more than one
    process in all) for `epochs` epochs, with an effective minibatch of `batch_size` (divided
    equally between all processes).

    Returns, in the first process, a dict with the test metrics, the last validation loss and
    per-epoch sample counts; None in the other processes.
    """
    world = processes * nodes
    if processes < 1 or nodes < 1 or batch_size % world:
        raise ValueError(
            f"processes={processes} × nodes={nodes} must be positive and divide "
            f"batch_size={batch_size}"
        )
    accelerator = accelerator or get_device().type
    if accelerator == "mps" and processes > 1:
        accelerator = "cpu"  # Apple's GPU has no DDP backend
    torch.set_num_threads(1)  # the processes share the cores; tiny layers gain nothing from threads
    L.seed_everything(seed, verbose=False)
    X, y = spiral(n_per_class, n_loops=n_loops, seed=seed)
    n_held = len(X) // 4
    splits = split(X, y, n_test=n_held, n_valid=n_held, seed=seed)
    train_dl = torch.utils.data.DataLoader(
        IndexedPoints(*splits["train"]),
        batch_size=batch_size // world,
        shuffle=True,
        drop_last=True,
        collate_fn=torch.utils.data.default_convert,
    )
    model = CountingMLP(lr=lr)
    trainer = L.Trainer(
        accelerator=accelerator,
        devices=processes,
        num_nodes=nodes,
        strategy="ddp" if world > 1 else "auto",
        max_epochs=epochs,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
    )
    start = time.perf_counter()
    trainer.fit(model, train_dl, loader(splits["valid"], batch_size=1024))
    seconds = time.perf_counter() - start
    if not trainer.is_global_zero:
        return None
    return {
        "processes": processes,
        "nodes": nodes,
        "accelerator": accelerator,
        "strategy": type(trainer.strategy).__name__,
        "epochs": epochs,
        "batch_size_per_process": batch_size // world,
        "train_points": len(splits["train"][0]),
        "per_epoch": model.per_epoch,
        "val_loss": float(trainer.callback_metrics["loss/valid"]),
        "test": evaluate(model, *splits["test"]),
        "seconds": seconds,
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m dllab.lightning.ddp",
        description="Train lab 6's spiral MLP with Lightning DDP; write <out>/result.json.",
    )
    p.add_argument(
        "--processes",
        type=int,
        help="processes (CPU) or GPUs per machine (default: every GPU if there are 2 or more, "
        "else 2 CPU processes)",
    )
    p.add_argument("--nodes", type=int, default=1, help="machines (default 1; see the README)")
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--points", type=int, default=1000, help="spiral points per class")
    p.add_argument("--loops", type=float, default=1.5, help="turns of each spiral arm")
    p.add_argument(
        "--batch-size", type=int, default=128, help="effective minibatch (all processes together)"
    )
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--accelerator", help="cpu or cuda (default: see --processes)")
    p.add_argument(
        "--out",
        help="folder for result.json (default: a new run folder runs/06_lightning_search/…-ddp)",
    )
    args = p.parse_args(argv)
    if args.accelerator not in (None, "cpu", "cuda"):
        p.error(f"--accelerator {args.accelerator!r} is unknown; allowed: cpu, cuda")
    accelerator, processes = default_devices()
    if args.accelerator not in (None, accelerator):
        accelerator, processes = args.accelerator, 2
    args.accelerator = accelerator
    args.processes = processes if args.processes is None else args.processes
    for name in ("processes", "nodes", "epochs", "points", "batch_size"):
        if getattr(args, name) < 1:
            p.error(
                f"--{name.replace('_', '-')} must be a positive integer, got {getattr(args, name)}"
            )
    if args.batch_size % (args.processes * args.nodes):
        p.error(
            f"--batch-size {args.batch_size} must be divisible by --processes {args.processes} "
            f"× --nodes {args.nodes} (each process takes an equal share of every minibatch)"
        )
    result = train(
        args.processes,
        nodes=args.nodes,
        epochs=args.epochs,
        seed=args.seed,
        n_per_class=args.points,
        n_loops=args.loops,
        batch_size=args.batch_size,
        lr=args.lr,
        accelerator=args.accelerator,
    )
    if result is not None:  # the first process only
        out = Path(args.out) if args.out else new_run_dir(LAB, "ddp")
        out.mkdir(parents=True, exist_ok=True)
        (out / "result.json").write_text(json.dumps(result, indent=1))
        counts = result["per_epoch"][-1]
        print(
            f"ddp: {result['processes']} process(es) on {result['accelerator']}, "
            f"{result['epochs']} epochs in {result['seconds']:.1f} s; last epoch: "
            f"{counts['per_process']} points per process, overlap {counts['overlap']}; "
            f"test accuracy {result['test']['accuracy']:.4f}; wrote {out / 'result.json'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
