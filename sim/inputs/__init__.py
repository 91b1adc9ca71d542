"""Reading and validating what users hand in: files (the one reader), params (the one
table), the scenario schema and binding, theatres and their roads, conditions, reported
control changes, ACLED exports, synthetic theatres. Imports only sim.errors and
sim.records from outside the package."""
