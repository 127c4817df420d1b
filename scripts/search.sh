#!/usr/bin/env bash
# Usage: scripts/search.sh [--workers N] [--trials T] [--sampler random|tpe] [--storage URL]
#                          [--study NAME] [--run-dir DIR] [--seed S] [--points P] [--steps K]
#
# Lab 6's hyper-parameter search with Optuna, in N worker processes that share one study.
# By default the study is an SQLite file in a new run folder runs/06_lightning_search/<time>-search/
# (study.db, one TensorBoard folder per trial, summary-<study>.json). Run the same command with
# the printed --run-dir again to resume: finished trials are kept, only the missing ones run.
# Across machines: start it on each machine with the same --storage (a database server all of
# them reach, e.g. postgresql://user:password@host:5432/db) and the same --study.
# Examples: scripts/search.sh --workers 2 --trials 40
#           scripts/search.sh --workers 4 --storage postgresql://lab:secret@db.example.org/optuna
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

case "${1:-}" in -h | --help) usage; exit 0 ;; esac
"$REPO/scripts/setup.sh" --if-needed
exec "$VPY" -m dllab.lightning.search "$@"
