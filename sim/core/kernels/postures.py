"""A unit's posture, as the integer codes the kernels compare (numba reads them as constants)
and the names the scenario files and the browser view use."""

ATTACK, HOLD, RESERVE, WITHDRAW = 0, 1, 2, 3
POSTURES = ("attack", "hold", "reserve", "withdraw")     # POSTURES[code] is its name
