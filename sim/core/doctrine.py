"""A faction's doctrine: its standing rules, read once from the scenario and the parameters."""

from __future__ import annotations

from ..inputs.params import Params
from ..inputs.spec import FactionSpec


class Doctrine:
    """A faction's standing rules: the force ratio it assembles before attacking, the odds
    its garrisons face before withdrawing, the odds at which it counterattacks (and whether
    it does), the share of its strength that garrisons towns. A faction's own value in the
    scenario overrides the parameter of the same name."""

    def __init__(self, spec: FactionSpec, p: Params) -> None:
        self.attack_ratio = spec.attack_ratio or p.attack_ratio
        self.hold_ratio = spec.hold_ratio or p.hold_ratio
        self.counterattack_ratio = spec.counterattack_ratio or p.counterattack_ratio
        self.counterattacks = spec.counterattacks
        self.garrison_share = (spec.garrison_share if spec.garrison_share is not None
                               else p.garrison_share)
