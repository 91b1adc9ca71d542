"""Many runs and what they mean: metrics, experiments (designs, batches on a process pool or
Dask, results on disk), calibration to reported changes, forecasts and their scores."""
