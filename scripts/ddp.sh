#!/usr/bin/env bash
# Usage: scripts/ddp.sh [--processes N] [--epochs E] [--accelerator cpu|cuda] [--out DIR] [...]
#
# Trains lab 6's spiral MLP with Lightning DistributedDataParallel: N processes on the CPU
# (gloo), or one per GPU with --accelerator cuda --processes <number of GPUs>. Writes
# result.json (per-epoch points per process, test metrics) into DIR (default: a new run folder
# runs/06_lightning_search/<time>-ddp/). Other options: python -m dllab.lightning.ddp --help.
# On several machines: see the README (torchrun, or the cluster's launcher, and num_nodes).
# Example: scripts/ddp.sh --processes 2 --epochs 20
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

case "${1:-}" in -h | --help) usage; exit 0 ;; esac
"$REPO/scripts/setup.sh" --if-needed
exec "$VPY" -m dllab.lightning.ddp "$@"
