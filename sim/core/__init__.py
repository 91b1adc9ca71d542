"""The model: a run's state, the situation factions read from it, their orders, scheduled
events, battles, deployment, results, and the Mesa model whose step runs the daily phases.
Pure numeric kernels live in ``sim.core.kernels``."""
