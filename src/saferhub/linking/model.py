"""The person linkage model: what Splink compares, how it blocks, how it learns without labels.

Comparisons are written as Splink comparison levels over the fields ``features.prepare``
makes. Their SQL is DuckDB's; Splink translates plain SQL for its other backends, and the
few list functions used here exist on Spark too, so a force-sized linkage can move to
Spark by changing the ``DatabaseAPI``.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

import polars as pl
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.comparison_creator import ComparisonCreator

log = logging.getLogger(__name__)

# Splink logs sample values at some levels; the hub's logs must never hold personal data.
SPLINK_LOG_LEVEL = logging.ERROR

MODEL_FORMAT = 3  # bumped when the fields the model compares change

# Columns the model reads (besides the mention id).
MODEL_COLUMNS = [
    "agency",
    "fn",
    "fn_sw",
    "fn_init",
    "fn_groups",
    "ln",
    "ln_sw",
    "ln_parts",
    "dob",
    "dob_swap",
    "phone",
    "phone_block",
    "postcode",
    "pc_sector",
    "addr_nums",
    "addr_words",
    "home_key",
    "street_key",
    "fn_key",
    "ref_key",
]


def _jaccard(col: str) -> str:
    return (
        f"len(list_intersect({col}_l, {col}_r))::DOUBLE"
        f" / greatest(len(list_distinct(list_concat({col}_l, {col}_r))), 1)"
    )


# Starting values (m, u) per level: what share of true pairs and of random pairs fall in
# it, from experience of UK agency records. EM moves m; random sampling sets u. A level
# that training never observes (small hubs) keeps these rather than Splink's 1e-6, which
# would weigh a rare agreement as a near certainty.
PRIORS: dict[str, dict[str, tuple[float, float]]] = {
    "forename": {
        "same forename": (0.82, 0.01),
        "forename and surname swapped": (0.003, 1e-6),
        "nickname or other spelling (Bill/William)": (0.06, 0.003),
        "forename with a typo": (0.04, 0.0025),
        "nickname with a typo (Gaaz/Gareth)": (0.01, 0.001),
        "forename similar": (0.02, 0.03),
        "initial agrees": (0.03, 0.01),
        "forename unclear": (0.012, 0.05),
        "forename differs": (0.005, 0.895),
    },
    "surname": {
        "same surname": (0.82, 0.002),
        "forename and surname swapped": (0.003, 1e-6),
        "surname with a typo": (0.04, 0.001),
        "one part of a double-barrelled surname": (0.02, 1e-4),
        "surname similar": (0.02, 0.02),
        "surname differs": (0.097, 0.977),
    },
    "date_of_birth": {
        "same date of birth": (0.92, 4e-5),
        "day and month transposed": (0.01, 1e-5),
        "one digit different": (0.04, 0.001),
        "within a year": (0.01, 0.01),
        "date of birth differs": (0.02, 0.989),
    },
    "phone": {
        "same phone": (0.8, 1e-4),
        "phone with one digit wrong": (0.01, 1e-5),
        "phone differs": (0.19, 0.9999),
    },
    "home": {
        "same home": (0.75, 2e-4),
        "same postcode": (0.05, 3e-4),
        "same postcode sector": (0.05, 0.01),
        "home differs": (0.15, 0.99),
    },
    "agency_reference": {
        "same agency reference": (0.9, 1e-5),
        "same agency, another reference": (0.1, 0.99999),
    },
}


# Swapped forename and surname, allowing a typo in either: "FOX Hayley" is "Haylye Fox".
# The *_sw columns are copies of fn and ln, so that EM training blocked on fn or ln still
# estimates the other comparison.
_SWAPPED = (
    "substr(fn_l, 1, 1) = substr(ln_sw_r, 1, 1) AND substr(ln_sw_l, 1, 1) = substr(fn_r, 1, 1)"
    " AND jaro_winkler_similarity(fn_l, ln_sw_r) >= 0.9"
    " AND jaro_winkler_similarity(ln_sw_l, fn_r) >= 0.9"
)
# A nickname written with a slip: one side's name is close to a name of the other's group.
_NICKNAME_TYPO = (
    "list_bool_or(list_transform(fn_groups_l, lambda x: jaro_winkler_similarity(x, fn_r) >= 0.9))"
    " OR list_bool_or(list_transform(fn_groups_r, lambda x: jaro_winkler_similarity(x, fn_l) >= 0.9))"
)
_SWAPPED_SURNAME = (
    "substr(ln_l, 1, 1) = substr(fn_sw_r, 1, 1) AND substr(fn_sw_l, 1, 1) = substr(ln_r, 1, 1)"
    " AND jaro_winkler_similarity(ln_l, fn_sw_r) >= 0.9"
    " AND jaro_winkler_similarity(fn_sw_l, ln_r) >= 0.9"
)


def comparisons() -> list[ComparisonCreator | dict[str, Any]]:
    """One comparison per kind of evidence, levels from strongest to weakest."""
    forename = cl.CustomComparison(
        output_column_name="forename",
        comparison_description="First forename: exact, nickname, typo, initial",
        comparison_levels=[
            cll.CustomLevel(
                "(fn_l IS NULL AND fn_init_l IS NULL) OR (fn_r IS NULL AND fn_init_r IS NULL)",
                "forename missing",
            ).configure(is_null_level=True),
            cll.ExactMatchLevel("fn", term_frequency_adjustments=True).configure(
                label_for_charts="same forename"
            ),
            cll.CustomLevel(_SWAPPED, "forename and surname swapped"),
            cll.CustomLevel(
                "list_has_any(fn_groups_l, fn_groups_r)",
                "nickname or other spelling (Bill/William)",
            ),
            cll.CustomLevel(
                "jaro_winkler_similarity(fn_l, fn_r) >= 0.92",
                "forename with a typo",
            ),
            cll.CustomLevel(_NICKNAME_TYPO, "nickname with a typo (Gaaz/Gareth)"),
            cll.CustomLevel("jaro_winkler_similarity(fn_l, fn_r) >= 0.8", "forename similar"),
            cll.CustomLevel("(fn_l IS NULL OR fn_r IS NULL) AND fn_init_l = fn_init_r", "initial agrees"),
            # Not clearly different: one slip in a short name (Lee/Lwe), or a name given
            # alone that is the other's surname (a clerk cannot tell which it was).
            cll.CustomLevel(
                "damerau_levenshtein(fn_l, fn_r) <= 1"
                " OR (ln_l IS NULL AND jaro_winkler_similarity(fn_l, ln_r) >= 0.9)"
                " OR (ln_r IS NULL AND jaro_winkler_similarity(fn_r, ln_l) >= 0.9)",
                "forename unclear",
            ),
            cll.ElseLevel().configure(label_for_charts="forename differs"),
        ],
    )
    surname = cl.CustomComparison(
        output_column_name="surname",
        comparison_description="Surname: exact, typo, one part of a double-barrelled name",
        comparison_levels=[
            cll.NullLevel("ln").configure(label_for_charts="surname missing"),
            cll.ExactMatchLevel("ln", term_frequency_adjustments=True).configure(
                label_for_charts="same surname"
            ),
            cll.CustomLevel(_SWAPPED_SURNAME, "forename and surname swapped"),
            cll.CustomLevel(
                "jaro_winkler_similarity(ln_l, ln_r) >= 0.92",
                "surname with a typo",
            ),
            cll.CustomLevel(
                "list_has_any(ln_parts_l, ln_parts_r)",
                "one part of a double-barrelled surname",
            ),
            cll.CustomLevel("jaro_winkler_similarity(ln_l, ln_r) >= 0.8", "surname similar"),
            cll.ElseLevel().configure(label_for_charts="surname differs"),
        ],
    )
    dob = cl.CustomComparison(
        output_column_name="date_of_birth",
        comparison_description="Date of birth: exact, day and month swapped, near miss",
        comparison_levels=[
            cll.NullLevel("dob").configure(label_for_charts="date of birth missing"),
            cll.ExactMatchLevel("dob", term_frequency_adjustments=True).configure(
                label_for_charts="same date of birth"
            ),
            cll.CustomLevel("dob_swap_l = dob_r", "day and month transposed"),
            cll.CustomLevel("levenshtein(dob_l, dob_r) <= 1", "one digit different"),
            cll.CustomLevel(
                "abs(date_diff('day', dob_l::DATE, dob_r::DATE)) <= 366",
                "within a year",
            ),
            cll.ElseLevel().configure(label_for_charts="date of birth differs"),
        ],
    )
    phone = cl.CustomComparison(
        output_column_name="phone",
        comparison_description="Phone number (E.164)",
        comparison_levels=[
            cll.NullLevel("phone").configure(label_for_charts="phone missing"),
            # No term frequencies: a number is frequent mostly because one person calls a
            # lot; numbers shared by many people (hostels) are kept out of blocking and
            # the names then tell their users apart.
            cll.ExactMatchLevel("phone").configure(label_for_charts="same phone"),
            cll.CustomLevel(
                "CASE WHEN length(phone_l) = length(phone_r) THEN hamming(phone_l, phone_r) <= 1 END",
                "phone with one digit wrong",
            ),
            cll.ElseLevel().configure(label_for_charts="phone differs"),
        ],
    )
    home = cl.CustomComparison(
        output_column_name="home",
        comparison_description="Home address and postcode",
        comparison_levels=[
            cll.CustomLevel(
                "NOT ((postcode_l IS NOT NULL AND postcode_r IS NOT NULL)"
                " OR (addr_words_l IS NOT NULL AND addr_words_r IS NOT NULL))",
                "home missing",
            ).configure(is_null_level=True),
            cll.CustomLevel(
                "CASE WHEN addr_nums_l = addr_nums_r THEN postcode_l = postcode_r"
                f" OR {_jaccard('addr_words')} >= 0.5 END",
                "same home",
            ),
            cll.CustomLevel("postcode_l = postcode_r", "same postcode"),
            cll.CustomLevel("pc_sector_l = pc_sector_r", "same postcode sector"),
            cll.ElseLevel().configure(label_for_charts="home differs"),
        ],
    )
    reference = cl.CustomComparison(
        output_column_name="agency_reference",
        comparison_description="The agency's own person reference (only within one agency)",
        comparison_levels=[
            cll.CustomLevel(
                "ref_key_l IS NULL OR ref_key_r IS NULL OR agency_l <> agency_r",
                "no reference to compare",
            ).configure(is_null_level=True),
            cll.ExactMatchLevel("ref_key").configure(label_for_charts="same agency reference"),
            cll.ElseLevel().configure(label_for_charts="same agency, another reference"),
        ],
    )
    out: list[ComparisonCreator | dict[str, Any]] = []
    for comparison in (forename, surname, dob, phone, home, reference):
        priors = list(PRIORS[str(comparison.create_output_column_name())].values())
        out.append(
            comparison.configure(
                m_probabilities=[m for m, _ in priors], u_probabilities=[u for _, u in priors]
            )
        )
    return out


def blocking_rules() -> list[BlockingRuleCreator | dict[str, Any]]:
    """Candidate pairs: each rule catches matches the others miss, each block stays small.

    Chosen with Splink's blocking analysis (``linking.evaluate.blocking_report``):
    together they find nearly every true pair while comparisons grow near-linearly.
    """
    return [
        block_on("ln", "dob"),
        block_on("fn_key", "dob"),  # a changed surname (marriage) or a typo in it
        # Same name, dates of birth not clearly different (pairs whose dates clearly
        # differ would be vetoed anyway; leaving them out halves the cost of this rule).
        {
            "blocking_rule": "l.ln = r.ln AND l.fn_key = r.fn_key AND (l.dob IS NULL"
            " OR r.dob IS NULL OR l.dob_swap = r.dob OR levenshtein(l.dob, r.dob) <= 1"
            " OR abs(date_diff('day', l.dob::DATE, r.dob::DATE)) <= 366)"
        },
        block_on("phone_block"),
        block_on("home_key", "fn_init"),
        # the same numbers on the same street, for addresses given without a postcode
        block_on("street_key", "fn_init"),
        block_on("ln", "postcode"),
        block_on("fn", "postcode"),
        block_on("ln", "addr_nums", "fn_init"),
        block_on("ref_key"),
        # forename and surname swapped; day and month transposed
        {"blocking_rule": "l.fn = r.ln_sw AND l.ln = r.fn_sw"},
        {"blocking_rule": "l.dob_swap = r.dob AND l.fn_init = r.fn_init"},
    ]


def settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="mention_id",
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=blocking_rules(),
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=False,
        additional_columns_to_retain=[],
        max_iterations=25,
        em_convergence=0.0005,
        probability_two_random_records_match=PRIOR_MATCH_PROBABILITY,
    )


# Before training: two random mentions in a hub of ~100,000 mentions of ~60,000 people.
PRIOR_MATCH_PROBABILITY = 2e-5


def prior_model() -> dict[str, Any]:
    """The model as its starting values, for a store too small to train on."""
    model = settings().get_settings("duckdb").as_dict()
    return with_priors_for_unobserved(json.loads(json.dumps(model)))


def model_input(features: pl.DataFrame) -> pl.DataFrame:
    """The columns the model reads, for the mentions that have enough to link on."""
    return (
        features.filter(pl.col("linkable"))
        .with_columns(fn_sw=pl.col("fn"), ln_sw=pl.col("ln"))
        .select("mention_id", *[c for c in MODEL_COLUMNS if c not in ("fn_sw", "ln_sw")], "fn_sw", "ln_sw")
    )


TF_COLUMNS = ("fn", "ln", "dob")
TF_PSEUDO_PEOPLE = 200
_TF_PRIORS = {"fn": 0.01, "ln": 0.002, "dob": 4e-5}


def term_frequencies(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """How common each forename, surname and date of birth is among *people*, not mentions.

    Splink would count mentions, so a frequent caller would make their own name look
    common and weaken their links. Counting distinct (forename, surname, date of birth)
    identities instead is close to counting people.
    """
    identities = frame.select(pl.coalesce("fn_key", "fn_init").alias("who"), "fn", "ln", "dob").unique(
        subset=["who", "ln", "dob"]
    )
    out = {}
    for col in TF_COLUMNS:
        counts = identities.filter(pl.col(col).is_not_null()).group_by(col).agg(n=pl.len())
        total = int(counts["n"].sum() or 0)
        # Shrunk towards the prior chance of agreeing: in a small store every name
        # looks common, which would wipe out the evidence of agreeing on it.
        prior = _TF_PRIORS[col]
        out[col] = counts.select(
            col, ((pl.col("n") + TF_PSEUDO_PEOPLE * prior) / (total + TF_PSEUDO_PEOPLE)).alias(f"tf_{col}")
        )
    return out


def make_linker(
    db_api: DuckDBAPI,
    frame: pl.DataFrame,
    model: dict[str, Any] | SettingsCreator,
    name: str = "mentions",
    frequencies: dict[str, pl.DataFrame] | None = None,
) -> Linker:
    """A Splink linker over ``frame`` with ``model``, people-based term frequencies registered."""
    sdf = db_api.register(frame.to_arrow(), table_name=name)
    linker = Linker(sdf, model, log_level=SPLINK_LOG_LEVEL)
    for col, table in (frequencies or term_frequencies(frame)).items():
        tf = db_api.register(table.to_arrow(), table_name=f"{name}_tf_{col}")
        linker.table_management.register_term_frequency_lookup(tf, col)
    return linker


# Pairs sampled for training: enough for stable estimates, bounded so that training a
# million-mention hub takes seconds, not minutes.
U_PAIRS = 1.5e6
EM_PAIRS = 1e6


def train(frame: pl.DataFrame, *, seed: int = 42) -> dict[str, Any]:
    """A model trained on ``frame`` without labels: u by random sampling, m by EM.

    Three EM sessions each leave out the fields they block on, so every field is
    estimated from pairs chosen by other fields. Returns the model as a Splink settings
    dict (JSON-able).
    """
    db_api = DuckDBAPI()
    linker = make_linker(db_api, frame, settings())
    training = linker.training
    # The prior from pairs that agree on a full name and a date of birth or phone: about
    # half of all true pairs, since agencies leave dates of birth out so often.
    training.estimate_probability_two_random_records_match(
        [
            "l.fn = r.fn AND l.ln = r.ln AND l.dob = r.dob",
            "l.fn = r.fn AND l.ln = r.ln AND l.phone = r.phone",
        ],
        recall=0.5,
    )
    training.estimate_u_using_random_sampling(max_pairs=U_PAIRS, seed=seed)
    for rule in (block_on("ln", "dob"), block_on("fn", "dob"), block_on("fn", "ln")):
        training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True, max_pairs=EM_PAIRS
        )
    model = json.loads(json.dumps(linker.misc.save_model_to_json()))
    return with_priors_for_unobserved(model)


def with_priors_for_unobserved(model: dict[str, Any]) -> dict[str, Any]:
    """``model`` with every m or u that training did not observe set to its prior."""
    for comparison in model["comparisons"]:
        priors = PRIORS.get(comparison["output_column_name"], {})
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            prior = priors.get(level.get("label_for_charts", ""))
            for k, name in enumerate(("m_probability", "u_probability")):
                value = level.get(name)
                if not isinstance(value, float | int) and prior is not None:
                    level[name] = prior[k]
    return model


def level_weights(model: dict[str, Any]) -> dict[str, list[tuple[str, float]]]:
    """Each comparison's levels (label, match weight), strongest first, null levels left out.

    Splink's predictions carry each comparison's match weight (``mw_<name>``); a weight
    names its level, which is how the waterfall and the vetoes read predictions.
    """
    out: dict[str, list[tuple[str, float]]] = {}
    for comparison in model["comparisons"]:
        levels = []
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m, u = float(level["m_probability"]), float(level["u_probability"])
            levels.append((str(level.get("label_for_charts", "")), math.log2(m / u)))
        out[comparison["output_column_name"]] = levels
    return out


# Levels that say two mentions are different people whatever else agrees: a family shares
# a surname, an address and a landline, but not a forename and a date of birth.
VETO_LEVELS = {"forename": "forename differs", "date_of_birth": "date of birth differs"}


# A level that links two mentions on its own unless a veto forbids it: the contract's
# P_ref is the agency's own person reference, so two of one agency's records carrying
# the same reference are that agency's own statement that they are one person.
DECISIVE_LEVELS = {"agency_reference": "same agency reference"}


def decisive_expr(model: dict[str, Any]) -> pl.Expr:
    """True for predicted pairs (with mw_ columns) that a decisive level links."""
    weights = level_weights(model)
    out = pl.lit(False)
    for comparison, label in DECISIVE_LEVELS.items():
        weight = dict(weights[comparison])[label]
        out = out | ((pl.col(f"mw_{comparison}") - weight).abs() < 1e-6)
    return out


def veto_expr(model: dict[str, Any]) -> pl.Expr:
    """True for predicted pairs (with mw_ columns) that a veto level forbids linking."""
    weights = level_weights(model)
    out = pl.lit(False)
    for comparison, label in VETO_LEVELS.items():
        weight = dict(weights[comparison])[label]
        out = out | ((pl.col(f"mw_{comparison}") - weight).abs() < 1e-6)
    return out
