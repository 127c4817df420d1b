"""Lab 6: lab 3's MLP with PyTorch Lightning, hyper-parameter search with Optuna, and DDP.

module.py: the LightningModule and DataLoaders; search.py: search spaces, trials, Optuna studies
and the worker processes; plots.py: the search figures; ddp.py: DistributedDataParallel.
"""
