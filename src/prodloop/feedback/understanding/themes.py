"""Themes: deterministic grouping of feedback by meaning, incremental and editable by people.

How a build works (no number of themes is asked for):

1. Items are ordered by id. Up to ``max_cluster_items`` of them (a sample chosen by a hash of
   the id, so the same corpus always picks the same sample) are clustered by Ward's
   agglomeration on the unit-length embeddings, cut at ``ward_threshold``: two groups join
   while merging them raises the within-group spread by less than that (Ward's distance,
   ``sqrt(2 · Δ sum of squares)``; on unit vectors this is a cosine criterion).
2. Groups smaller than ``min_theme_size`` are dissolved; their items, and every item left out
   of the sample, join the theme whose centroid is nearest when the cosine similarity is at
   least ``attach_similarity``. What is still left is clustered again the same way (up to
   three rounds); anything after that stays unthemed.
3. A theme's key is ``"t"`` + 10 hex digits of a hash of its medoid's id, its label comes from
   class-based TF-IDF keywords and its phrases are the verbatims nearest its centroid.

The same inputs give a byte-identical :meth:`ThemeModel.to_json`. :func:`assign` adds new
items to existing themes without moving anyone already themed; the edit functions (rename,
pin, merge, split, move) are pure: they return a new model.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt
from scipy.cluster.hierarchy import fcluster, linkage

from prodloop.feedback.understanding.corpus import Corpus, Vectors, unit_rows
from prodloop.feedback.understanding.labels import (
    class_keywords,
    label_from,
    representative_phrases,
)


@dataclass(frozen=True)
class ThemeConfig:
    """The knobs of theming; the defaults were tuned on the clinc150 validation split."""

    ward_threshold: float = 2.3
    min_theme_size: int = 3
    attach_similarity: float = 0.35
    assign_similarity: float = 0.40
    max_cluster_items: int = 10_000
    rounds: int = 3

    def __post_init__(self) -> None:
        if self.ward_threshold <= 0:
            raise ValueError("ward_threshold must be positive")
        if self.min_theme_size < 1:
            raise ValueError("min_theme_size must be at least 1")
        if self.max_cluster_items < 2:
            raise ValueError("max_cluster_items must be at least 2")


@dataclass(frozen=True)
class Theme:
    """One theme: who is in it and how it reads to a person."""

    key: str
    label: str
    keywords: tuple[str, ...]
    phrases: tuple[str, ...]
    member_ids: tuple[int, ...]
    centroid: Vectors = field(compare=False, repr=False)
    pinned: bool = False
    renamed: bool = False

    @property
    def size(self) -> int:
        """Number of members."""
        return len(self.member_ids)


@dataclass(frozen=True)
class ThemeModel:
    """All themes (largest first, then by key) and the items no theme took."""

    themes: tuple[Theme, ...]
    unthemed: tuple[int, ...] = ()

    def get(self, key: str) -> Theme:
        """The theme with ``key``; ``KeyError`` when there is none."""
        for theme in self.themes:
            if theme.key == key:
                return theme
        raise KeyError(f"no theme {key!r}")

    def theme_of(self, item_id: int) -> str | None:
        """Key of the theme holding ``item_id``, or None."""
        return self.membership().get(item_id)

    def membership(self) -> dict[int, str]:
        """Item id → theme key for every themed item."""
        return {i: theme.key for theme in self.themes for i in theme.member_ids}

    def to_json(self) -> str:
        """A canonical JSON text: equal models give equal bytes."""
        payload = {
            "themes": [
                {
                    "key": t.key,
                    "label": t.label,
                    "keywords": list(t.keywords),
                    "phrases": list(t.phrases),
                    "member_ids": list(t.member_ids),
                    "centroid": [round(float(x), 6) for x in t.centroid],
                    "pinned": t.pinned,
                    "renamed": t.renamed,
                }
                for t in self.themes
            ],
            "unthemed": list(self.unthemed),
        }
        return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ThemeModel:
        """The inverse of :meth:`to_json`."""
        data = json.loads(text)
        themes = tuple(
            Theme(
                key=t["key"],
                label=t["label"],
                keywords=tuple(t["keywords"]),
                phrases=tuple(t["phrases"]),
                member_ids=tuple(int(i) for i in t["member_ids"]),
                centroid=np.asarray(t["centroid"], dtype=np.float32),
                pinned=bool(t["pinned"]),
                renamed=bool(t["renamed"]),
            )
            for t in data["themes"]
        )
        return cls(themes, tuple(int(i) for i in data["unthemed"]))


def theme_key(medoid_id: int) -> str:
    """The stable key of a theme whose medoid is ``medoid_id``."""
    return "t" + hashlib.blake2b(str(medoid_id).encode(), digest_size=5).hexdigest()


# -- building -------------------------------------------------------------------------------


def build_themes(
    corpus: Corpus, *, config: ThemeConfig | None = None, previous: ThemeModel | None = None
) -> ThemeModel:
    """Themes for every item of ``corpus``; deterministic.

    With ``previous``: its pinned themes keep their members that are still in the corpus
    (nothing is re-clustered out of them) and take in items new since ``previous`` whose
    cosine similarity to the pinned centroid is at least ``assign_similarity``. Every new
    theme whose members overlap a previous theme's by a Jaccard index of at least 0.5 takes
    that theme's key (and its label, when a person renamed it), so ids people refer to
    survive a rebuild.
    """
    config = config or ThemeConfig()
    corpus = _sorted(corpus)
    pinned = [t for t in previous.themes if t.pinned] if previous else []
    held = {i for t in pinned for i in t.member_ids}
    joining = _join_pinned(corpus, pinned, previous, config) if pinned else {}
    held |= {i for members in joining.values() for i in members}
    free = [i for i in corpus.ids if i not in held]
    groups = _group(corpus.subset(free), config) if free else ([], list(free))
    clusters, leftover = groups
    themes = [_make_theme(corpus.subset(sorted(members)), None) for members in clusters]
    themes = _relabel_all(themes, corpus)
    kept = [_keep_pinned(t, corpus, joining.get(t.key, [])) for t in pinned]
    if previous is not None:
        themes = _inherit(themes, [t for t in previous.themes if not t.pinned])
    return _model([*kept, *themes], leftover)


def _sorted(corpus: Corpus) -> Corpus:
    return corpus.subset(sorted(corpus.ids))


def _group(corpus: Corpus, config: ThemeConfig) -> tuple[list[list[int]], list[int]]:
    """Clusters (lists of item ids) and the ids that joined none."""
    clusters: list[list[int]] = []
    pending = corpus
    for _ in range(config.rounds):
        if not len(pending):
            break
        sample = _sample(pending.ids, config.max_cluster_items)
        found = [
            members
            for members in _agglomerate(pending.subset(sample), config.ward_threshold)
            if len(members) >= config.min_theme_size
        ]
        if not found:
            break
        clusters.extend(found)
        pending = _attach(pending, clusters, corpus, config.attach_similarity, found)
    return [sorted(c) for c in clusters], sorted(pending.ids)


def _sample(ids: Sequence[int], limit: int) -> list[int]:
    if len(ids) <= limit:
        return list(ids)
    ranked = sorted(
        ids, key=lambda i: (hashlib.blake2b(str(i).encode(), digest_size=8).digest(), i)
    )
    return sorted(ranked[:limit])


def _agglomerate(corpus: Corpus, threshold: float) -> list[list[int]]:
    """Ward clusters cut at ``threshold``, ordered by their first id."""
    if len(corpus) < 2:
        return [list(corpus.ids)]
    tree = linkage(corpus.embeddings.astype(np.float64), method="ward")
    labels = fcluster(tree, t=threshold, criterion="distance")
    by_label: dict[int, list[int]] = {}
    for item_id, label in zip(corpus.ids, labels, strict=True):
        by_label.setdefault(int(label), []).append(item_id)
    return sorted(by_label.values(), key=lambda members: members[0])


def _attach(
    pending: Corpus,
    clusters: list[list[int]],
    everything: Corpus,
    threshold: float,
    fresh: list[list[int]],
) -> Corpus:
    """Adds pending items (not yet in a cluster) to the nearest cluster; returns the rest."""
    placed = {i for c in fresh for i in c}
    rest = [i for i in pending.ids if i not in placed]
    if not rest or not clusters:
        return pending.subset(rest)
    where = everything.positions()
    centroids = np.vstack(
        [_centroid(everything.embeddings[[where[i] for i in c]]) for c in clusters]
    )
    candidates = pending.subset(rest)
    best, score = _nearest(candidates.embeddings, centroids)
    left = []
    for item_id, column, similarity in zip(candidates.ids, best, score, strict=True):
        if similarity >= threshold:
            clusters[int(column)].append(item_id)
        else:
            left.append(item_id)
    return pending.subset(left)


def _nearest(vectors: Vectors, centroids: Vectors) -> tuple[npt.NDArray[np.int64], Vectors]:
    """Index and similarity of the nearest centroid for each row (ties: lowest index)."""
    best = np.zeros(len(vectors), dtype=np.int64)
    score = np.full(len(vectors), -np.inf, dtype=np.float32)
    for start in range(0, len(vectors), 4096):
        block = vectors[start : start + 4096] @ centroids.T
        best[start : start + 4096] = np.argmax(block, axis=1)
        score[start : start + 4096] = np.max(block, axis=1)
    return best, score


def _centroid(vectors: Vectors) -> Vectors:
    centroid: Vectors = unit_rows(vectors.astype(np.float64).sum(axis=0))[0]
    return centroid


def _make_theme(members: Corpus, previous: Theme | None) -> Theme:
    """A theme over ``members`` (labels filled in later by :func:`_relabel_all`)."""
    centroid = _centroid(members.embeddings)
    scores = members.embeddings @ centroid
    medoid = members.ids[int(np.lexsort((np.asarray(members.ids), -scores))[0])]
    phrases = representative_phrases(members.texts, members.embeddings, centroid)
    theme = Theme(
        key=theme_key(medoid),
        label=label_from((), phrases),
        keywords=(),
        phrases=phrases,
        member_ids=tuple(sorted(members.ids)),
        centroid=centroid,
    )
    if previous is not None:
        theme = replace(theme, key=previous.key, pinned=previous.pinned)
        if previous.renamed:
            theme = replace(theme, label=previous.label, renamed=True)
    return theme


def _relabel_all(themes: Sequence[Theme], corpus: Corpus) -> list[Theme]:
    """Fresh keywords for every theme (c-TF-IDF needs them all) and labels where not renamed."""
    texts = corpus.positions()
    groups = {t.key: [corpus.texts[texts[i]] for i in t.member_ids if i in texts] for t in themes}
    keywords = class_keywords(groups)
    out = []
    for theme in themes:
        words = keywords.get(theme.key, ())
        label = theme.label if theme.renamed else label_from(words, theme.phrases)
        out.append(replace(theme, keywords=words, label=label))
    return out


def _join_pinned(
    corpus: Corpus, pinned: Sequence[Theme], previous: ThemeModel | None, config: ThemeConfig
) -> dict[str, list[int]]:
    """Items new since ``previous`` that join a pinned theme, as :func:`assign` would."""
    known = set(previous.membership()) | set(previous.unthemed) if previous else set()
    new = corpus.subset([i for i in corpus.ids if i not in known])
    if not len(new):
        return {}
    centroids = np.vstack([t.centroid for t in pinned]).astype(np.float32)
    best, score = _nearest(new.embeddings, centroids)
    joining: dict[str, list[int]] = {}
    for item_id, column, similarity in zip(new.ids, best, score, strict=True):
        if similarity >= config.assign_similarity:
            joining.setdefault(pinned[int(column)].key, []).append(item_id)
    return joining


def _keep_pinned(theme: Theme, corpus: Corpus, joining: Sequence[int]) -> Theme:
    present = set(corpus.ids)
    members = sorted({*(i for i in theme.member_ids if i in present), *joining})
    if list(members) == list(theme.member_ids) or not members:
        return replace(theme, member_ids=tuple(members))
    kept = _make_theme(corpus.subset(members), theme)
    return replace(kept, key=theme.key, label=theme.label, keywords=theme.keywords)


def _inherit(themes: list[Theme], previous: Sequence[Theme]) -> list[Theme]:
    """Gives new themes the keys (and people's labels) of previous themes they continue."""
    pairs = []
    for new_index, theme in enumerate(themes):
        new_members = set(theme.member_ids)
        for old in previous:
            old_members = set(old.member_ids)
            union = len(new_members | old_members)
            jaccard = len(new_members & old_members) / union if union else 0.0
            if jaccard >= 0.5:
                pairs.append((-jaccard, old.key, new_index, old))
    pairs.sort(key=lambda p: (p[0], p[1], p[2]))
    taken_old: set[str] = set()
    taken_new: set[int] = set()
    out = list(themes)
    for _, old_key, new_index, old in pairs:
        if old_key in taken_old or new_index in taken_new:
            continue
        taken_old.add(old_key)
        taken_new.add(new_index)
        theme = replace(out[new_index], key=old_key)
        if old.renamed:
            theme = replace(theme, label=old.label, renamed=True)
        out[new_index] = theme
    return out


def _model(themes: Iterable[Theme], unthemed: Iterable[int]) -> ThemeModel:
    ordered = sorted((t for t in themes if t.member_ids), key=lambda t: (-t.size, t.key))
    themed = {i for t in ordered for i in t.member_ids}
    return ThemeModel(tuple(ordered), tuple(sorted(set(unthemed) - themed)))


# -- incremental ----------------------------------------------------------------------------


def assign(model: ThemeModel, corpus: Corpus, *, config: ThemeConfig | None = None) -> ThemeModel:
    """Adds the new items of ``corpus`` to ``model`` without moving anyone already themed.

    Each new item joins the theme with the nearest centroid when the cosine similarity is at
    least ``assign_similarity``; centroids are those of the model before this call, so the
    result does not depend on the order of new items. The items that joined no theme are
    clustered among themselves; groups of at least ``min_theme_size`` become new themes.
    Items already in the model (themed or unthemed) are ignored.
    """
    config = config or ThemeConfig()
    known = set(model.membership()) | set(model.unthemed)
    new = _sorted(corpus).subset([i for i in sorted(corpus.ids) if i not in known])
    if not len(new):
        return model
    joined: dict[str, list[int]] = {}
    left: list[int] = []
    if model.themes:
        centroids = np.vstack([t.centroid for t in model.themes]).astype(np.float32)
        best, score = _nearest(new.embeddings, centroids)
        for item_id, column, similarity in zip(new.ids, best, score, strict=True):
            if similarity >= config.assign_similarity:
                joined.setdefault(model.themes[int(column)].key, []).append(item_id)
            else:
                left.append(item_id)
    else:
        left = list(new.ids)
    themes = []
    for theme in model.themes:
        extra = joined.get(theme.key)
        if not extra:
            themes.append(theme)
            continue
        added = new.subset(extra).embeddings.astype(np.float64).sum(axis=0)
        centroid = unit_rows(theme.centroid.astype(np.float64) * theme.size + added)[0]
        members = tuple(sorted((*theme.member_ids, *extra)))
        themes.append(replace(theme, member_ids=members, centroid=centroid))
    clusters, leftover = _group(new.subset(left), config) if left else ([], [])
    fresh = [_make_theme(new.subset(c), None) for c in clusters]
    fresh = _relabel_all(fresh, new)
    return _model([*themes, *fresh], [*model.unthemed, *leftover])


# -- edits by people ------------------------------------------------------------------------


def rename(model: ThemeModel, key: str, label: str) -> ThemeModel:
    """Gives a theme a label of a person's choosing; rebuilds keep it."""
    label = " ".join(label.split())
    if not label:
        raise ValueError("label must not be empty")
    return _replace_theme(model, replace(model.get(key), label=label[:200], renamed=True))


def pin(model: ThemeModel, key: str, pinned: bool = True) -> ThemeModel:
    """Pins (or unpins) a theme: a rebuild keeps a pinned theme's members together."""
    return _replace_theme(model, replace(model.get(key), pinned=pinned))


def merge(model: ThemeModel, keys: Sequence[str], *, into: str, corpus: Corpus) -> ThemeModel:
    """Folds the themes ``keys`` into theme ``into``, which keeps its key, label and pin."""
    target = model.get(into)
    sources = [model.get(k) for k in dict.fromkeys(keys) if k != into]
    if not sources:
        raise ValueError("name at least one theme to merge other than the target")
    members = sorted({i for t in (target, *sources) for i in t.member_ids})
    merged = _make_theme(_members(corpus, members), target)
    merged = replace(merged, key=into, label=target.label, renamed=target.renamed)
    gone = {t.key for t in sources}
    rest = [t for t in model.themes if t.key not in gone and t.key != into]
    themes = _relabel_all([*rest, merged], corpus)
    return _model(themes, model.unthemed)


def split(model: ThemeModel, key: str, *, corpus: Corpus, parts: int = 2) -> ThemeModel:
    """Splits a theme into ``parts`` by spherical k-means from farthest-point seeds.

    The part holding the old medoid keeps the key (and a person's label); the others get keys
    of their own medoids.
    """
    theme = model.get(key)
    if parts < 2:
        raise ValueError("parts must be at least 2")
    if theme.size < parts:
        raise ValueError(f"theme {key!r} has {theme.size} members, fewer than {parts} parts")
    members = _members(corpus, list(theme.member_ids))
    groups = _kmeans(members, parts)
    pieces = [_make_theme(members.subset(g), None) for g in groups]
    keep = next((i for i, p in enumerate(pieces) if key in {theme_key(m) for m in p.member_ids}), 0)
    pieces[keep] = replace(
        pieces[keep], key=key, label=theme.label, renamed=theme.renamed, pinned=theme.pinned
    )
    rest = [t for t in model.themes if t.key != key]
    return _model(_relabel_all([*rest, *pieces], corpus), model.unthemed)


def move_items(
    model: ThemeModel, item_ids: Sequence[int], *, to: str | None, corpus: Corpus
) -> ThemeModel:
    """Moves items into theme ``to`` (or out of every theme when ``to`` is None)."""
    moving = set(item_ids)
    if to is not None:
        model.get(to)
    themes = []
    for theme in model.themes:
        members = [i for i in theme.member_ids if i not in moving]
        if theme.key == to:
            members = sorted({*members, *moving})
        if members == list(theme.member_ids):
            themes.append(theme)
        elif members:
            rebuilt = _make_theme(_members(corpus, members), theme)
            themes.append(replace(rebuilt, label=theme.label, keywords=theme.keywords))
    unthemed = set(model.unthemed) - moving
    if to is None:
        unthemed |= moving
    return _model(themes, unthemed)


def relabel(model: ThemeModel, corpus: Corpus) -> ThemeModel:
    """Fresh keywords, phrases and labels for every theme a person has not renamed."""
    themes = []
    for theme in model.themes:
        members = _members(corpus, list(theme.member_ids))
        phrases = representative_phrases(members.texts, members.embeddings, theme.centroid)
        themes.append(replace(theme, phrases=phrases))
    return _model(_relabel_all(themes, corpus), model.unthemed)


def _replace_theme(model: ThemeModel, theme: Theme) -> ThemeModel:
    return _model([theme if t.key == theme.key else t for t in model.themes], model.unthemed)


def _members(corpus: Corpus, item_ids: Sequence[int]) -> Corpus:
    return corpus.subset(sorted(item_ids))


def _kmeans(members: Corpus, parts: int, iterations: int = 20) -> list[list[int]]:
    """Deterministic spherical k-means: seeds are farthest points, starting from the medoid."""
    vectors = members.embeddings
    centroid = _centroid(vectors)
    seeds = [int(np.argmax(vectors @ centroid))]
    while len(seeds) < parts:
        nearest = np.max(vectors @ vectors[seeds].T, axis=1)
        nearest[seeds] = np.inf
        seeds.append(int(np.argmin(nearest)))
    centres = vectors[seeds]
    labels = np.zeros(len(vectors), dtype=np.int64)
    for _ in range(iterations):
        labels = np.argmax(vectors @ centres.T, axis=1)
        labels[seeds] = np.arange(parts)
        updated = np.vstack([_centroid(vectors[labels == k]) for k in range(parts)])
        if np.array_equal(updated, centres):
            break
        centres = updated
    return [[members.ids[r] for r in np.flatnonzero(labels == k)] for k in range(parts)]
