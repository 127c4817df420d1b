#!/usr/bin/env bash
# Usage: scripts/search.sh [--workers N] [--trials T] [--sampler random|tpe] [--storage URL]
#                          [--study NAME] [--run-dir DIR [--new]] [--seed S] [--points P]
#                          [--loops L] [--steps K]
#
# Lab 6's hyper-parameter search with Optuna, in N worker processes that share one study, until
# the study holds exactly T finished trials. By default the study is an SQLite file in a new run
# folder runs/06_lightning_search/search-<time>/ (study.db, one TensorBoard folder per trial, a
# new summary-<study>-<time>.json per run of the command). To resume, run the command it prints
# (the same settings with --run-dir): finished trials are kept, only the missing ones run.
# Across machines: run it on each machine with the same --storage (a database server all of
# them reach) and --study; put the password in ~/.pgpass or $PGPASSWORD, not in the URL.
# Ctrl-C or SIGTERM stops the workers too; the summary says how far the study got. While it runs
# it prints a line each time a trial finishes.
# Defaults: --workers 1 --trials 20 --sampler tpe --study spiral --seed 1234, and each trial
# trains --steps 100 minibatches on a spiral of --points 1000 per class and --loops 1.5 turns.
# Examples: scripts/search.sh --workers 2 --trials 40
#           scripts/search.sh --workers 4 --storage postgresql://lab@db.example.org:5432/optuna
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

case "${1:-}" in -h | --help) usage; exit 0 ;; esac
"$REPO/scripts/setup.sh" --if-needed
DLLAB_PROG="$0" exec "$VPY" -m dllab.lightning search "$@"
