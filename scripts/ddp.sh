#!/usr/bin/env bash
# Usage: scripts/ddp.sh [--processes N] [--epochs E] [--accelerator cpu|cuda] [--out DIR]
#                       [--nodes M] [--timeout S] [...]
#
# Trains lab 6's spiral MLP with Lightning DistributedDataParallel: N processes on the CPU
# (gloo), or one per GPU with --accelerator cuda --processes <number of GPUs>; on one machine
# they meet on 127.0.0.1 only. Writes result.json (per-epoch points per process, test metrics)
# into a new run folder runs/06_lightning_search/ddp-<time>/, or into --out DIR, which must not
# hold a result.json already. Defaults: 2 CPU processes (every GPU with --accelerator cuda and
# 2 or more GPUs), 15 epochs (lab 6 runs 20), 1000 points per class, seed 1234. Other options:
# python -m dllab.lightning ddp --help.
# On M machines: every machine runs the same command with --nodes M under torchrun or SLURM, or
# with MASTER_ADDR, MASTER_PORT and NODE_RANK set (see the README); they give up after S seconds
# (--timeout, default 120) if the others do not join.
# Example: scripts/ddp.sh --processes 2 --epochs 20
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

case "${1:-}" in -h | --help) usage; exit 0 ;; esac
"$REPO/scripts/setup.sh" --if-needed
DLLAB_PROG="$0" exec "$VPY" -m dllab.lightning ddp "$@"
