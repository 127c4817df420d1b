"""Lab 6: train SpiralMLP with Lightning's DistributedDataParallel across processes.

    python -m dllab.lightning ddp --processes 2 --epochs 60 --out runs/06_lightning_search/ddp-1

Each process holds a copy of the model and draws its own share of every epoch's training data
(Lightning gives each a DistributedSampler); after every backward pass the processes average
their gradients, so all copies take the same step. On the CPU the processes talk through gloo;
with GPUs there is one process per GPU. The result, with how many and which training points each
process saw per epoch, is written to <out>/result.json by the first process.

DDP does not run inside a notebook kernel: Lightning starts the other processes by running this
same command again, which is why the lab calls this script rather than the function.

On one machine the processes meet on 127.0.0.1 only (nothing listens on the network). On N
machines every machine runs the same command with --nodes N, under torchrun or SLURM, or with
MASTER_ADDR (the first machine's address), MASTER_PORT and NODE_RANK (0 … N-1) set; the first
machine gives up after --timeout seconds if the others do not join.
"""

import argparse
import json
import os
import socket
import sys
import tempfile
import time
import warnings
from datetime import timedelta
from pathlib import Path

import lightning as L
import torch

from dllab import get_device, validate
from dllab.lightning.data import search_data, split_sizes
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
    timeout: float = 120,
) -> dict | None:
    """Train with `processes` processes per machine on `nodes` machines (DDP when more than one
    process in all) for `epochs` epochs, with an effective minibatch of `batch_size` (divided
    equally between all processes).

    Returns, in the first process, a dict with the test metrics, the last validation loss and
    per-epoch sample counts; None in the other processes. The processes wait `timeout` seconds
    for each other (other machines) before they give up with an error.
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
    splits = search_data(n_per_class, n_loops=n_loops, seed=seed)  # the search's split
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
        strategy=L.pytorch.strategies.DDPStrategy(timeout=timedelta(seconds=timeout))
        if world > 1
        else "auto",
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


def loopback_rendezvous():
    """One machine: host the store where the processes meet on 127.0.0.1 only, and point every
    process (they inherit the environment) at it, with gloo on the loopback interface, so that
    nothing listens on the network. Keep the returned store alive until training ends."""
    import psutil

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    store = torch.distributed.TCPStore(
        "127.0.0.1",
        port,
        is_master=True,
        wait_for_workers=False,
        master_listen_fd=listener.detach(),
    )
    loopback = next(
        (
            name
            for name, addresses in psutil.net_if_addrs().items()
            if any(a.address == "127.0.0.1" for a in addresses)
        ),
        None,
    )
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    os.environ["TORCHELASTIC_USE_AGENT_STORE"] = "True"  # connect to this store, do not host one
    if loopback:
        os.environ.setdefault("GLOO_SOCKET_IFNAME", loopback)
    return store


def launched_by_cluster() -> bool:
    """Whether torchrun or SLURM started this process (they tell each process its rank)."""
    return "TORCHELASTIC_RUN_ID" in os.environ or "SLURM_NTASKS" in os.environ


def is_first_process() -> bool:
    """Whether this is the process that writes the result (global rank 0)."""
    if "RANK" in os.environ:
        return os.environ["RANK"] == "0"
    node = os.environ.get("NODE_RANK", os.environ.get("SLURM_NODEID", "0"))
    return node == "0" and os.environ.get("LOCAL_RANK", "0") == "0"


def prepare_out(out) -> Path:
    """The folder for result.json, made now and checked writable: a bad --out fails before any
    training, and an earlier result is never overwritten."""
    if out is None:
        return new_run_dir(LAB, "ddp")
    out = Path(out).expanduser()
    if out.exists() and not out.is_dir():
        validate.fail("--out", "a folder", f"{str(out)!r}, which is a file")
    if (out / "result.json").exists():
        validate.fail(
            "--out",
            "a folder without a result.json (an earlier result is never overwritten)",
            f"{str(out)!r}, which holds one",
            hint="choose another folder, or leave --out out for a new run folder",
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as error:
        validate.fail("--out", "a folder this user can write", f"{str(out)!r} ({error.strerror})")
    return out


def write_result(out: Path, result: dict) -> Path:
    """out/result.json, written whole (a temporary file, then linked: never replaces one)."""
    fd, tmp = tempfile.mkstemp(prefix=".result.", suffix=".tmp", dir=out)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(result, f, indent=1)
        os.link(tmp, out / "result.json")
    finally:
        os.unlink(tmp)
    return out / "result.json"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog=os.environ.get("DLLAB_PROG", "python -m dllab.lightning ddp"),
        description="Train lab 6's spiral MLP with Lightning DDP; write <out>/result.json.",
    )
    p.add_argument(
        "--processes",
        type=int,
        help="processes (CPU) or GPUs per machine (default: every GPU if there are 2 or more, "
        "else 2 CPU processes)",
    )
    p.add_argument(
        "--nodes",
        type=int,
        default=1,
        help="machines (default 1); with N > 1 every machine runs this same command under "
        "torchrun or SLURM, or with MASTER_ADDR=<first machine> MASTER_PORT=<free port> "
        "NODE_RANK=<0 … N-1> set (see the README)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=120,
        help="seconds the processes wait for each other (other machines) before giving up "
        "(default 120)",
    )
    p.add_argument("--epochs", type=int, default=15, help="epochs (default 15)")
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
    try:
        for name in ("processes", "nodes", "epochs", "points", "batch_size"):
            validate.integer(f"--{name.replace('_', '-')}", getattr(args, name))
        validate.seed("--seed", args.seed)
        validate.number("--lr", args.lr, positive=True)
        validate.number("--loops", args.loops, positive=True)
        validate.number("--timeout", args.timeout, positive=True)
        world = args.processes * args.nodes
        gpus = torch.cuda.device_count()
        if args.accelerator == "cuda" and gpus == 0:
            validate.fail(
                "--accelerator", "cpu on this machine (it has no GPU that torch can use)", "cuda"
            )
        if args.accelerator == "cuda" and args.processes > gpus:
            validate.fail(
                "--processes with --accelerator cuda",
                f"at most the {gpus} GPU(s) this machine has (one per GPU)",
                str(args.processes),
                hint="use --accelerator cpu for CPU processes",
            )
        if args.batch_size % world:
            validate.fail(
                f"--batch-size {args.batch_size}",
                f"divisible by --processes {args.processes} × --nodes {args.nodes}",
                "a remainder",
                hint="each process takes an equal share of every minibatch",
            )
        train_points = split_sizes(args.points)["train"]
        if train_points < args.batch_size:
            validate.fail(
                "--points",
                f"at least {args.batch_size} per class, so that the {2 * args.points} points' "
                f"training half fills one minibatch of --batch-size {args.batch_size}",
                str(args.points),
            )
        if args.nodes > 1 and not launched_by_cluster():
            missing = [
                v for v in ("MASTER_ADDR", "MASTER_PORT", "NODE_RANK") if v not in os.environ
            ]
            if missing:
                others = "1" if args.nodes == 2 else f"1 to {args.nodes - 1}"
                validate.fail(
                    f"--nodes {args.nodes}",
                    "run on every machine under torchrun or SLURM, or with MASTER_ADDR (the "
                    "first machine's address), MASTER_PORT (a free port there) and NODE_RANK "
                    f"(0 on the first machine, {others} on the others) set",
                    f"no {', '.join(missing)}",
                    hint="see the README, 'Several machines'",
                )
        out = None
        if is_first_process():
            fresh = args.out is None or not Path(args.out).expanduser().exists()
            out = prepare_out(args.out)
    except (ValueError, TypeError) as error:
        p.error(str(error))
    store = None
    if args.nodes == 1 and world > 1 and "LOCAL_RANK" not in os.environ:
        if not launched_by_cluster() and "MASTER_PORT" not in os.environ:
            store = loopback_rendezvous()
    if args.nodes > 1 and is_first_process():
        print(
            f"ddp: waiting up to {args.timeout:g} s for {args.nodes - 1} more machine(s) to run "
            "the same command (NODE_RANK 1 …)",
            flush=True,
        )
    try:
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
            timeout=args.timeout,
        )
    except torch.distributed.DistError as error:
        if os.environ.get("LOCAL_RANK", "0") == "0":
            print(
                f"ddp: the {world} processes did not all meet within --timeout {args.timeout:g} s "
                f"({type(error).__name__}); with --nodes {args.nodes}, is every machine running "
                "the same command?",
                file=sys.stderr,
            )
        if out is not None and fresh and not any(out.iterdir()):
            out.rmdir()  # made by this run, still empty: leave nothing behind
        return 1
    finally:
        del store
    if result is not None:  # the first process only
        path = write_result(out, result)
        counts = result["per_epoch"][-1]
        print(
            f"ddp: {result['processes']} process(es) on {result['accelerator']}, "
            f"{result['epochs']} epochs in {result['seconds']:.1f} s; last epoch: "
            f"{counts['per_process']} points per process, overlap {counts['overlap']}; "
            f"test accuracy {result['test']['accuracy']:.4f}; wrote {path}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
