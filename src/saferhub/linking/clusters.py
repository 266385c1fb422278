"""People from pairwise links: clustering under cannot-link constraints, and stable ids.

Connected components of the accepted links make the people. Where a component would hold
two mentions that must not be one person (a reviewer said "different", or the model saw a
clear disagreement on forename or date of birth), that component alone is rebuilt
greedily, strongest links first, never joining two groups across such a pair: a chain of
weak links cannot put one person's history on another.

Person ids are kept across runs: each new cluster takes the id of the old person it
shares most mentions with, so unrelated data never renames anyone, and merges and splits
are reported as events.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def _index(mention_ids: np.ndarray, ids: pl.Series) -> np.ndarray:
    """Positions of ``ids`` in the sorted ``mention_ids``; -1 where absent."""
    values = ids.to_numpy()
    pos = np.searchsorted(mention_ids, values)
    pos = np.clip(pos, 0, max(mention_ids.size - 1, 0))
    found = mention_ids.size > 0
    ok = (mention_ids[pos] == values) if found else np.zeros(values.size, dtype=bool)
    return np.where(ok, pos, -1)


def cluster(
    mention_ids: np.ndarray,
    links: pl.DataFrame,
    cannot_link: pl.DataFrame | None = None,
) -> np.ndarray:
    """A cluster label for each of ``mention_ids`` (sorted int64).

    ``links`` has ``l``, ``r`` and ``strength`` (higher first: reviewer decisions should
    carry +inf); ``cannot_link`` has ``l``, ``r``. Mentions with no link are singletons.
    """
    n = mention_ids.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    li, ri = _index(mention_ids, links["l"]), _index(mention_ids, links["r"])
    keep = (li >= 0) & (ri >= 0)
    li, ri = li[keep], ri[keep]
    strength = links["strength"].to_numpy()[keep]
    graph = coo_matrix((np.ones(li.size), (li, ri)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    labels = labels.astype(np.int64)
    if cannot_link is None or cannot_link.height == 0:
        return labels
    ci, cj = _index(mention_ids, cannot_link["l"]), _index(mention_ids, cannot_link["r"])
    ok = (ci >= 0) & (cj >= 0)
    ci, cj = ci[ok], cj[ok]
    clash = labels[ci] == labels[cj]
    if not clash.any():
        return labels
    bad = np.unique(labels[ci[clash]])
    next_label = int(labels.max()) + 1
    in_bad = np.isin(labels[li], bad)
    # Rebuild each conflicting component on its own: few and small, so plain Python.
    # Strongest link first; links of equal strength (the same levels agree) in mention
    # order, so the result never depends on the order the pairs were scored in.
    bad_l, bad_r = np.minimum(li[in_bad], ri[in_bad]), np.maximum(li[in_bad], ri[in_bad])
    order = np.lexsort((bad_r, bad_l, -strength[in_bad]))
    edges_l, edges_r = bad_l[order], bad_r[order]
    forbidden: dict[int, set[int]] = {}
    for a, b in zip(ci[clash], cj[clash], strict=True):
        forbidden.setdefault(int(a), set()).add(int(b))
        forbidden.setdefault(int(b), set()).add(int(a))
    members = np.flatnonzero(np.isin(labels, bad))
    parent = {int(m): int(m) for m in members}
    group = {int(m): {int(m)} for m in members}
    banned = {int(m): set(forbidden.get(int(m), ())) for m in members}

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(edges_l.tolist(), edges_r.tolist(), strict=True):
        ra, rb = root(a), root(b)
        if ra == rb or banned[ra] & group[rb]:
            continue
        if len(group[ra]) < len(group[rb]):
            ra, rb = rb, ra
        parent[rb] = ra
        group[ra] |= group.pop(rb)
        banned[ra] |= banned.pop(rb)
    roots = np.array([root(int(m)) for m in members])
    _, local = np.unique(roots, return_inverse=True)
    labels[members] = next_label + local
    return labels


@dataclass(frozen=True)
class IdChange:
    """A merge or split of people: ``kind`` is "merged" or "split"."""

    kind: str
    person_id: str  # the person that continues
    other_person_id: str  # merged: the id retired into person_id; split: the new person
    mentions: int  # how many mentions moved


def new_person_id() -> str:
    """An opaque person id: no personal data, no order, no guessable sequence."""
    return "P" + secrets.token_hex(6).upper()


def assign_person_ids(
    mention_ids: np.ndarray, labels: np.ndarray, previous: pl.DataFrame
) -> tuple[pl.DataFrame, list[IdChange]]:
    """A person id for each mention, keeping old ids, and the merges and splits that made it.

    ``previous`` has ``mention_id`` and ``person_id`` for mentions linked before. Each
    cluster takes the old id it shares most mentions with (each old id goes to one
    cluster, the one with most of its mentions); a cluster with none gets a new id.
    """
    now = pl.DataFrame({"mention_id": mention_ids, "cluster": labels})
    old = now.join(previous.select("mention_id", old=pl.col("person_id")), on="mention_id", how="left")
    overlap = (
        old.filter(pl.col("old").is_not_null())
        .group_by("cluster", "old")
        .agg(n=pl.len())
        .sort(["n", "old", "cluster"], descending=[True, False, False])
    )
    kept: dict[int, str] = {}
    taken: set[str] = set()
    # Easy case first: a cluster whose only old id lives wholly in it.
    cluster_ids = overlap.group_by("cluster").agg(k=pl.len())
    old_clusters = overlap.group_by("old").agg(k=pl.len())
    simple = overlap.join(cluster_ids.filter(pl.col("k") == 1), on="cluster").join(
        old_clusters.filter(pl.col("k") == 1), on="old"
    )
    kept.update(zip(simple["cluster"].to_list(), simple["old"].to_list(), strict=True))
    taken.update(simple["old"].to_list())
    rest = overlap.join(simple.select("cluster"), on="cluster", how="anti")
    for cluster_label, old_id, _n in rest.iter_rows():
        if cluster_label in kept or old_id in taken:
            continue
        kept[cluster_label] = old_id
        taken.add(old_id)
    labels_needing = np.setdiff1d(np.unique(labels), np.fromiter(kept, dtype=np.int64))
    fresh = {int(c): new_person_id() for c in labels_needing}
    mapping = pl.DataFrame(
        {"cluster": [*kept, *fresh], "person_id": [*kept.values(), *fresh.values()]},
        schema={"cluster": pl.Int64, "person_id": pl.String},
    )
    result = now.join(mapping, on="cluster", how="left", maintain_order="left")
    changes: list[IdChange] = []
    for cluster_label, old_id, n in rest.iter_rows():
        winner = kept.get(cluster_label) or fresh[cluster_label]
        if winner == old_id:
            continue
        if old_id in taken:  # its id lives on elsewhere: these mentions split off
            changes.append(IdChange("split", old_id, winner, int(n)))
        else:  # its id was given to no cluster: it merged into this one
            changes.append(IdChange("merged", winner, old_id, int(n)))
    return result.select("mention_id", "person_id"), changes
