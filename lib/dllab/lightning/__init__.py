"""Lab 6: lab 3's MLP with PyTorch Lightning, hyper-parameter search with Optuna, and DDP.

module.py: the LightningModule and DataLoaders; data.py: the small spiral shared by the search
and DDP; search.py: the search space, one trial, Optuna studies (its figure is in dllab.display);
storage.py: the study's database; workers.py: the search's parent and worker processes; ddp.py:
DistributedDataParallel. Command lines: `python -m dllab.lightning search|ddp` (__main__.py).
"""
