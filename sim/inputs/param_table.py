"""The parameter table: every model parameter with its default, bounds, unit, meaning and
source (the modelling assumption behind it, and, where a default was chosen by a check, the
check and its figures). sim.inputs.params resolves values against it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Param:
    name: str
    default: float | str
    low: float | None
    high: float | None
    unit: str
    meaning: str
    source: str
    choices: tuple[str, ...] = ()


_P = Param
TABLE: tuple[Param, ...] = (
    # --- combat -------------------------------------------------------------------------
    _P("combat_law", "helmbold", None, None, "-",
       "Attrition law: 'square' (aimed fire), 'linear' (area fire), 'mixed' (a weighted "
       "mean of the two) or 'helmbold' (Helmbold's form with exponent helmbold_weight).",
       "Lanchester (1916); Helmbold (1964). Fits to historical battles do not bear out the "
       "square law's reward for numbers (Helmbold 1964; Dupuy 1987; Bracken 1995 on the "
       "Ardennes, Fricker 1998 on Kursk). Helmbold with weight 1/2 is the default: under "
       "the square law Armenia lost every place in 45 of 100 Karabakh runs (at the "
       "library's speeds), and the "
       "filter's log evidence of the reports before each forecast origin was no worse "
       "(NW Syria -50.3 vs -50.5) or better (Iraq -42.2 vs -39.5).",
       choices=("square", "linear", "mixed", "helmbold")),
    _P("kill_rate", 0.06, 0.005, 0.3, "1/day",
       "Attrition coefficient of every combat law but the linear one: fighters disabled per "
       "effective enemy fighter per day (the square law's a and b; Helmbold's scale).",
       "Order of Engel (1954) Iwo Jima fit (a=0.0106, b=0.0544/day); set for brigade battles."),
    _P("linear_rate", 0.06, 0.005, 0.3, "1/day per 1000 fighters",
       "Linear-law coefficient, per 1000 effective enemy fighters (area fire).",
       "Lanchester (1916) linear law; scaled so 1000 vs 1000 matches the square law."),
    _P("helmbold_weight", 0.5, 0.0, 1.0, "-",
       "Exponent w of Helmbold's form (1: square law; 0: losses in proportion to own size; "
       "1/2: the two sides' absolute losses stand in the ratio of their kill rates).",
       "Helmbold (1964); modelling choice."),
    _P("mixed_weight", 0.5, 0.0, 1.0, "-",
       "Share of the square law in the mixed law (the rest is linear).", "Modelling choice."),
    _P("combat_noise", 0.3, 0.0, 1.0, "-",
       "Coefficient of variation of daily losses (gamma-distributed multiplier, mean 1).",
       "Modelling choice; battle outcomes vary widely at equal ratios (Dupuy 1987)."),
    _P("defence_bonus", 1.5, 1.0, 3.0, "x",
       "Multiplier on a defender's effective strength in its own town.",
       "Dupuy (1987): prepared defence worth about 1.3-1.6x."),
    _P("fortification_effect", 1.0, 0.0, 3.0, "x per unit",
       "Extra defender multiplier per unit of town fortification (0..1).", "Modelling choice."),
    _P("air_effect", 0.6, 0.0, 2.0, "x per unit",
       "Effective-strength gain per unit of air support (0..1) in a battle.",
       "Modelling choice; Russian air power was decisive in 2015-20 (ISW)."),
    _P("air_interdiction", 0.04, 0.0, 0.3, "1/day per unit",
       "Daily share of strength an enemy unit loses per unit of a faction's air support "
       "while inside that faction's territory or attacking towards it.",
       "Order of magnitude from interdiction campaigns (Pape 1996); modelling choice."),
    _P("drone_effect", 0.4, 0.0, 2.0, "x per unit",
       "Effective-strength gain per unit of drone support (0..1) in a battle.",
       "Modelling choice; HTS 'Shaheen' drone units in 2024 (Reuters, Al-Monitor)."),
    _P("breakpoint", 0.3, 0.05, 0.9, "-",
       "Share of its strength a unit may lose in one engagement before it breaks off.",
       "Combat-modelling convention: units break at 10-40% losses (Dupuy 1987; Helmbold)."),
    _P("hold_ratio", 2.0, 0.5, 6.0, "enemy/own",
       "Force ratio (effective) above which a garrison at full morale withdraws.",
       "Modelling choice; a defender at 1/2 (or worse) of 3:1 gives ground."),
    _P("stand_days", 0.0, 0.0, 5.0, "days",
       "Days of battle a garrison fights before it may withdraw because it is outmatched "
       "(a unit that breaks leaves at once).",
       "Modelling choice, off by default: with 1 day the particle filter's log evidence of "
       "NW Syria's reports up to 30 Nov 2024 falls from -31.00 to -34.37 (the record has "
       "five places taken on the first day); Karabakh to 15 Oct 2020 -7.00 -> -7.05, Iraq "
       "to 15 Jun 2014 -28.05 -> -27.95 (1000 members; scripts/evidence.py, re-measured 30 "
       "Nov 2026). Saraqib's garrison withdrew after two days of clashes (AFP/SOHR, 29 Nov "
       "2024): set it for such a what-if."),
    _P("urban_stand_days", 0.0, 0.0, 5.0, "days",
       "Days of battle the garrison of a town or city (kinds 'town' and 'city') fights before "
       "it may withdraw because it is outmatched; the larger of this and stand_days applies "
       "there (villages, bases and crossings: stand_days).",
       "Modelling choice, off by default: built-up areas take longer to clear (urban terrain; "
       "Saraqib's garrison withdrew after two days of clashes, AFP/SOHR 29 Nov 2024), but "
       "with 1 day the log evidence of NW Syria's reports up to 30 Nov 2024 falls from "
       "-31.00 to -33.57 (Aleppo and Khan Shaykhun fell within days there); Iraq to 15 Jun "
       "2014 -28.05 -> -27.90, Karabakh to 15 Oct 2020 -7.00 -> -6.89 (1000 members; "
       "scripts/evidence.py, re-measured 30 Nov 2026)."),
    _P("redeploy_ratio", 3.0, 1.0, 10.0, "x hold limit",
       "A garrison (and any reserve in its town) pulls back, attacked or not, once the "
       "estimated odds it faces have exceeded this multiple of its hold limit for more than "
       "redeploy_days ('redeployment').",
       "Modelling choice; the army's 'redeployment' of 29-30 Nov 2024 (seed report)."),
    _P("morale_sensitivity", 1.5, 0.0, 5.0, "-",
       "How steeply low morale lowers the hold ratio: hold_ratio * morale**sensitivity.",
       "Modelling choice: low morale lowers the will to hold, so collapses cascade."),
    # --- planning -----------------------------------------------------------------------
    _P("attack_ratio", 2.0, 0.5, 6.0, "own/enemy",
       "Estimated effective force ratio a faction assembles before it attacks a town.",
       "The 3:1 rule of thumb (Mearsheimer 1989), relaxed for surprise and quality."),
    _P("intel_noise", 0.3, 0.0, 1.5, "log-sd",
       "Log-normal error of a faction's estimate of an enemy garrison.", "Modelling choice."),
    _P("objective_weight", 4.0, 0.0, 20.0, "-",
       "Extra score of a target on the way to a phase objective.", "Modelling choice."),
    _P("objective_range_km", 40.0, 5.0, 200.0, "km",
       "Distance over which an objective attracts the attack (exponential decay), in km of "
       "ordinary road (route cost: a highway km counts speed_other_share km).",
       "Modelling choice."),
    _P("max_attack_km", 60.0, 5.0, 300.0, "km",
       "Furthest a unit is sent to join an attack in one order, in km of ordinary road (route "
       "cost: a highway km counts speed_other_share km).", "Modelling choice."),
    _P("garrison_focus", 2.0, 0.0, 4.0, "-",
       "Garrisons are spread in proportion to town value to this power (0: evenly).",
       "Modelling choice: cities and bases hold most of a garrison army."),
    _P("garrison_share", 0.35, 0.0, 1.0, "-",
       "Share of a faction's strength spread over its towns as garrisons (rest is mobile).",
       "Scenario default; factions may override."),
    _P("brigade_size", 2500.0, 200.0, 10000.0, "fighters",
       "Strength of one mobile unit when forces are allocated automatically.",
       "Brigade/regiment-sized groupings (ISW orders of battle)."),
    _P("counterattack_ratio", 2.0, 0.5, 6.0, "own/enemy",
       "Estimated effective ratio at which a faction sends free reserves to retake a town it "
       "has lost (without a scripted counteroffensive).",
       "Modelling choice; local counterattacks follow the same force-ratio logic as attacks "
       "(Mearsheimer 1989)."),
    _P("breakout_ratio", 2.0, 0.0, 6.0, "own/enemy",
       "Estimated effective ratio at which a faction's idle mobile units in a pocket (towns its "
       "side holds that its supply no longer reaches, out of contact) attack the first hostile "
       "town on the shortest road back to its supplied territory whose hostile towns are on "
       "the map and next to that territory (round a hostile off-map place), if the town they "
       "attack from is within max_attack_km of them, as for any attack order; their strength "
       "there is counted as an attack's (culmination at the target's supply depth, approach "
       "of the road in); 0: they hold where they are, cut off, until they are reduced.",
       "Modelling choice; the breakout from encirclement, a defined tactical task (US Army "
       "FM 3-90, Tactics: an encircled force attacks to regain contact with friendly forces "
       "before it is reduced); 2 is the counterattack odds. The default since 1 Dec 2026, "
       "checked under a rule written before the runs: log evidence NW Syria -31.30 against "
       "-31.00 with 0, Karabakh -7.00 both, Iraq -28.05 both; Armenia lost every "
       "place in 6 of 1000 Karabakh runs against 5; on a new user's fictional theatre the "
       "defender lost every place in 8 of 30 runs against 20 (docs/decisions.md, 'Pockets "
       "that break out')."),
    _P("salient_ratio", 1.0, 0.0, 6.0, "x hold limit",
       "Estimated odds, as a multiple of the hold limit, past which a town of a faction is the "
       "neck of a salient: the garrisons and reserves of the towns its supply would no longer "
       "reach if such towns fell fall back to towns it would still reach, before they are "
       "cut off, if the salient is worth less than those towns. 0: off (they stay until cut "
       "off).",
       "Modelling choice; giving up a salient before it is pinched off is the retrograde of an "
       "elastic defence (US Army FM 3-90). The default since 2 Dec 2026, under a rule written "
       "before the runs (adopt 0.5 or 1 if no spec's log evidence falls by more than 1 nat and "
       "the sum rises; the larger sum if both): log evidence NW Syria -30.63 against -30.71 "
       "with 0, Karabakh -7.02 against -7.00, Iraq -27.15 against -28.05 (0.5: -30.61, -6.95, "
       "-28.01; 1000 members, scripts/evidence.py)."),
    _P("pursuit_morale", 0.7, 0.0, 1.0, "share of start",
       "An enemy whose morale has fallen below this share of its starting morale is breaking: "
       "attackers pursue beyond their objectives, towards its supply and its valuable towns.",
       "Modelling choice; exploitation of a collapse (Clausewitz, On War, book 4 ch. 12)."),
    _P("beyond_objectives", "pursuit", None, None, "-",
       "What an offensive phase with objectives does once it holds them all: 'pursuit' "
       "goes on only against an enemy that is breaking (pursuit_morale) and otherwise "
       "consolidates (it holds and counterattacks, as when defending); 'always' goes on "
       "attacking the best frontier targets while it can meet its attack ratio. A phase "
       "without objectives always goes on.",
       "Modelling choice: limited-aim offensives stop at their objectives unless the enemy "
       "collapses (Clausewitz, On War, book 7: the culminating point of victory). The "
       "default since 1 Dec 2026, under a rule written before the check: the filter's log "
       "evidence of every spec's reports before its first origin is the same (NW -31.00, "
       "Karabakh -7.00, Iraq -28.05, 1000 members), Armenia loses every place in 5 of "
       "karabakh_2020's seeds 0-999 against 21 with 'always' (record: it kept 12), and on "
       "synthetic theatres (scripts/balance.py --rear --stake 10) the favoured defender "
       "loses everything in 1% of runs against 27%, the even one in 0% against 3% "
       "(docs/decisions.md, 'Offensives that stop at their objectives'; measured with "
       "breakout_ratio 0, the default then).",
       choices=("always", "pursuit")),
    _P("reserve_reach_days", 0.0, 0.0, 5.0, "days",
       "How far (days of march on ordinary roads) a faction sends its free reserves to a "
       "town whose garrison faces odds past the point of pulling back (redeploy_ratio x hold "
       "limit), if the reserves within that reach could bring it within the hold limit; "
       "0: such a town is never reinforced (the garrison is left to pull back).",
       "Modelling choice: reserves are committed where they can still decide the fight, not "
       "to lost causes. 0 by default: with 2, scripts/balance.py --rear --stake 10's even "
       "defender keeps 0.67 of its places (0.61 with 0) and loses everything in 1% of runs "
       "(3%), the favoured one 0.27 (0.16) and 14% (27%; measured 30 Nov 2026 "
       "under that day's defaults), but the NW Syria record up to 30 Nov 2024 is less "
       "likely (log evidence -42.97 with a prior "
       "U[0, 3] against -40.90, 4000 members), and so is Iraq's up to 5 Aug 2014 (-73.84 "
       "at 2 against -71.44 at 0), which the rule fixed beforehand did not allow. Set it for "
       "a defender that is not collapsing."),
    _P("stand_down", 0.0, 0.0, 1.0, "x hold limit",
       "A mobile unit holding a town (a reserve sent there to reinforce it, or fallen back "
       "there) goes back into reserve, free for new orders, when the town is out of contact "
       "and its odds without the unit (true threat over the defence left) would stay "
       "under this multiple of the hold limit; 0: such units stay in the town's garrison "
       "for good (0.5 is the level reserves are sent to restore, so none is sent straight "
       "back).",
       "Modelling choice: a reinforcement is lent to a garrison, not given to it. 0 by "
       "default: with 0.5, scripts/balance.py --rear --stake 10 keeps the even defender in "
       "0.77 of its places (0.61 with 0) and nearly stops its front (0.12 places lost in the "
       "last ten days, against 1.25), the favoured one loses everything in 6% of runs "
       "(27%), and the log evidence of every spec's record before its origin is no worse "
       "(NW -40.71 against -40.83, Iraq to 15 Jun -37.42 against -39.14, to 5 Aug -73.82 "
       "against -75.23, Karabakh -7.73 against -7.61); but Armenia loses every place in 2 "
       "of 100 Karabakh runs (none with 0; record: it kept 12), which the rule fixed "
       "beforehand did not allow, and over seeds 100-499 in 23 of 400 against 11 with 0 "
       "(measured 30 Nov 2026, when beyond_objectives defaulted to 'always'). Set it for a "
       "defender that held."),
    _P("rebalance", 0.0, 0.0, 0.5, "x hold limit",
       "Each day a reinforcement holding a town goes where the reserves could not cover a "
       "threat, or back into reserve at the faction's core, if the town's odds without it "
       "stay under this multiple of the hold limit, in contact or not; 0: it stays.",
       "Economy of force (a principle of war, US Army FM 3-0; Clausewitz, On War, III.14): "
       "the least in quiet sectors, the rest where the decision falls. 0 by default: with "
       "0.25, scripts/balance.py --rear --stake 10 keeps the even defender in 0.72 of its "
       "places (0.61 with 0) and nearly stops its front (0.21 places lost in the last ten "
       "days, against 1.25), the favoured one loses everything in 6% of runs (27%), and the "
       "log evidence before each origin is unchanged (NW -30.99 against -31.00, Karabakh "
       "-7.02 against -7.00, Iraq -27.95 against -28.05); but Armenia loses every place in "
       "2 of 100 Karabakh runs (none with 0) and in 50 of seeds 0-999 (21 with 0), though it "
       "ends with three places or fewer in 227 (283 with 0), which the rule fixed beforehand "
       "did not allow (measured 30 Nov 2026, when beyond_objectives defaulted to 'always'). "
       "Set it for a defender that held."),
    _P("redeploy_days", 1.0, 0.0, 10.0, "days",
       "Days a garrison's odds must stay past redeploy_ratio x its hold limit before it "
       "pulls back (orders take time to be given).",
       "Modelling choice; the army's 'redeployment' came on the third day of the 2024 "
       "offensive (seed report)."),
    _P("decision_noise", 0.2, 0.0, 1.0, "log-sd",
       "Day-to-day variation of each faction's resolve: its attack and hold thresholds are "
       "multiplied by a log-normal factor each day.", "Modelling choice: decisions are not "
       "a deterministic function of estimated odds."),
    _P("force_uncertainty", 0.15, 0.0, 1.0, "log-sd",
       "Uncertainty of each faction's true strength around the scenario's estimate: each "
       "run draws a log-normal factor per faction.", "Public order-of-battle estimates "
       "often differ by a factor of 1.5 (UN monitoring reports; ISW)."),
    _P("occupation_share", 0.05, 0.0, 0.5, "-",
       "Share of its strength a mobile unit leaves behind to hold a town it has taken.",
       "Modelling choice: an offensive thins out as it advances (Clausewitz's culminating "
       "point)."),
    _P("min_strength", 50.0, 1.0, 1000.0, "fighters",
       "A unit below this is spent and leaves the field.", "Modelling choice."),
    # --- movement and ground ------------------------------------------------------------
    _P("speed_highway", 40.0, 5.0, 120.0, "km/day",
       "Advance rate along highways when not in contact.",
       "Pickup-borne infantry: the 2024 offensive covered ~40 km to Aleppo in 3 days (seed "
       "report); ISIS covered ~300 km Mosul-Tikrit in 2 days in June 2014; 120 km/day is a "
       "road march, the fastest any offensive moved."),
    _P("speed_other_share", 0.5, 0.1, 1.0, "-",
       "Speed on other roads as a share of highway speed (so minor roads are never faster).",
       "Modelling choice; road-class speed ratios of 0.4-0.7 are usual in route planning."),
    _P("opposed_speed", 15.0, 1.0, 60.0, "km/day",
       "Rate of an advance into a town the enemy defends (the last road before contact).",
       "Dupuy (1987): opposed advance rates of 1-6 km/day for divisions in the 20th "
       "century; light forces with surprise several times that."),
    _P("tempo_noise", 0.0, 0.0, 1.0, "log-sd",
       "Friction: each faction's daily movement is multiplied by a log-normal factor (mean "
       "1) that wanders from day to day, an AR(1) process in its logarithm with this "
       "standard deviation, so a campaign runs ahead of or behind its pace for days at a "
       "time (weather, fuel, traffic jams, hesitation).",
       "Clausewitz's friction, represented as weather ensembles represent model error: "
       "persistent random multipliers on the model's tendencies (SPPT: Buizza, Miller & "
       "Palmer 1999; Palmer et al. 2009). Off by default, and not in the forecast specs: "
       "with a prior [0, 0.8] the forecasts from the report dates before each spec's first "
       "origin scored a mean CRPS of 1.46 days against 1.38 without it (log score 1.71 "
       "against 1.72; benchmarks/observation_check.py)."),
    _P("tempo_days", 3.0, 0.5, 30.0, "days",
       "Correlation time of the tempo factor: the day-to-day correlation of its logarithm "
       "is exp(-1/tempo_days).", "Modelling choice: spells of good or bad going last days "
       "(SPPT perturbations are correlated over hours to days)."),
    _P("terrain_speed_share", 0.5, 0.1, 1.0, "-",
       "Speed on mountain roads as a share of the road's class speed (hills: halfway "
       "between it and 1).", "Modelling choice; Dupuy (1987) terrain factors for movement."),
    _P("crossing_delay_days", 0.5, 0.0, 5.0, "days",
       "Extra days to cross a river on a road marked `bridge` (twice that at a `ford`).",
       "Modelling choice: crossing under fire, bridging (Dupuy 1987)."),
    _P("river_defence", 1.5, 1.0, 4.0, "x",
       "A defender's effective strength against attackers coming across a river crossing.",
       "Dupuy (1987): a defended river line is worth about 1.5x (more at a wide river)."),
    _P("mountain_defence", 1.5, 1.0, 4.0, "x",
       "A defender's effective strength against attackers coming up a mountain road "
       "(hills: its square root).", "Dupuy (1987) terrain factors: rugged/mountain 1.4-1.6x."),
    # --- supply, culmination and morale --------------------------------------------------
    _P("supply_range_km", 150.0, 20.0, 2000.0, "km",
       "Distance by road from its supply at which an attacking unit's combat power is halved "
       "(power x 1 / (1 + depth / supply_range_km)); depth is route cost in km of ordinary "
       "road (a highway km counts speed_other_share km; crossings add their delay).",
       "Boulding (1962) loss-of-strength gradient; Clausewitz's culminating point."),
    _P("fatigue_per_day", 0.08, 0.0, 0.5, "1/day",
       "Fatigue a unit gains each day it fights (power x (1 - fatigue), at most 0.9).",
       "Modelling choice: offensives lose momentum after days of continuous combat."),
    _P("fatigue_recovery", 0.2, 0.0, 1.0, "1/day",
       "Fatigue a unit sheds each day out of contact.", "Modelling choice."),
    _P("stock_days", 0.0, 0.0, 30.0, "days",
       "Days a unit cut off from supply lives on the food, fuel and ammunition it carries "
       "before it starts to waste away (restocked as soon as it is supplied again).",
       "Modelling choice, off by default: pockets have held for weeks on stocks (Debaltseve "
       "2015, Mariupol 2022), but with 5 days the log evidence of Iraq's reports up to "
       "15 Jun 2014 fell from -39.5 to -42.0 (cut-off units melted away at once there) and "
       "NW Syria's and Karabakh's did not change (1000 members; scripts/evidence.py)."),
    _P("cutoff_attrition", 0.05, 0.0, 0.5, "1/day",
       "Daily share of strength lost by a unit cut off from supply once its stocks are "
       "used up.", "Modelling choice."),
    _P("cutoff_morale", 0.05, 0.0, 0.5, "1/day",
       "Daily cohesion loss (down to 0.05) of a unit cut off from supply once its stocks "
       "are used up (stock_days).", "Modelling choice."),
    _P("morale_loss", 1.5, 0.0, 10.0, "per stake share",
       "Faction morale lost per share of its stake lost in one day (stake: declared per "
       "faction, else the value of all it holds at the start, off-map places included).",
       "Modelling choice; the fall of a capital city shakes a whole army."),
    _P("morale_recovery", 0.15, 0.0, 0.3, "1/day",
       "Daily recovery of faction morale towards its initial value (0.15: the gap left by "
       "a defeat shrinks by 0.85 a day and halves in about 4.3 days, so an army that stops "
       "losing ground rallies within a week or two); a supplied unit regains as much "
       "cohesion a day (up to 1).",
       "Modelling choice. At 0.02 (a 34-day half-life) the defender of both library wars "
       "of 2014 and 2020 lost every place in 95-100% of runs although the record has its "
       "front stabilise (theatre READMEs); 0.15 keeps NW Syria's 2024 collapse."),
    _P("surrender_morale", 0.25, 0.0, 1.0, "-",
       "A cut-off unit whose morale x cohesion is below this surrenders when it must leave a "
       "battle (broken or outmatched) rather than fall back.", "Modelling choice."),
)
