"""Themes: recovery of planted groups, determinism, incremental assignment, people's edits."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from prodloop.feedback.understanding import (
    Corpus,
    ThemeConfig,
    ThemeModel,
    assign,
    build_themes,
    merge,
    move_items,
    pin,
    relabel,
    rename,
    split,
)
from prodloop.feedback.understanding.themes import theme_key

TOPICS = ["export csv report", "login password reset", "invoice billing charge", "slack alert"]


def planted(
    groups: int = 4, per_group: int = 25, spread: float = 0.25, seed: int = 3, start: int = 1
) -> tuple[Corpus, list[int]]:
    """Noisy points around ``groups`` random directions in 32 dimensions, with their group."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(groups, 32))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    vectors, truth, texts = [], [], []
    for g in range(groups):
        for n in range(per_group):
            vectors.append(centres[g] + spread * rng.normal(size=32) / np.sqrt(32) * 3)
            truth.append(g)
            texts.append(f"{TOPICS[g % len(TOPICS)]} problem number {n}")
    ids = list(range(start, start + len(vectors)))
    return Corpus.of(ids, texts, np.array(vectors)), truth


def test_planted_groups_are_found_without_being_told_how_many() -> None:
    corpus, truth = planted()
    model = build_themes(corpus)
    assert len(model.themes) == 4
    assert not model.unthemed
    found = [model.theme_of(i) for i in corpus.ids]
    assert adjusted_rand_score(truth, found) == pytest.approx(1.0)
    # Labels come from the words that set a theme apart.
    export = model.theme_of(1)
    assert export is not None
    assert set(model.get(export).keywords[:3]) == {"export", "csv", "report"}
    assert model.get(export).label == " / ".join(model.get(export).keywords[:3])
    assert model.get(export).phrases[0].startswith("export csv report")


def test_rerun_is_byte_identical_whatever_the_input_order() -> None:
    corpus, _ = planted(groups=3, per_group=30, spread=0.4)
    first = build_themes(corpus).to_json()
    order = np.random.default_rng(0).permutation(len(corpus))
    shuffled = Corpus.of(
        [corpus.ids[i] for i in order], [corpus.texts[i] for i in order], corpus.embeddings[order]
    )
    assert build_themes(corpus).to_json() == first
    assert build_themes(shuffled).to_json() == first
    assert ThemeModel.from_json(first).to_json() == first


def test_theme_keys_hash_their_medoid() -> None:
    model = build_themes(planted()[0])
    for theme in model.themes:
        assert theme.key in {theme_key(i) for i in theme.member_ids}
        assert len(theme.key) == 11


def test_assign_adds_new_items_without_moving_existing_members() -> None:
    corpus, _ = planted(per_group=20)
    model = build_themes(corpus)
    before = model.membership()
    # Same groups, new ids: every one joins the theme of its group.
    new, truth = planted(per_group=5, seed=3, start=1000)
    new = Corpus.of(new.ids, new.texts, new.embeddings + 0.01)
    updated = assign(model, new)
    after = updated.membership()
    assert {i: after[i] for i in before} == before
    assert {t.key for t in updated.themes} == {t.key for t in model.themes}
    joined = [after[i] for i in new.ids]
    by_group = {}
    for item_id, group in zip(corpus.ids, planted(per_group=20)[1], strict=True):
        by_group[group] = before[item_id]
    assert joined == [by_group[g] for g in truth]


def test_assign_forms_a_new_theme_from_a_tight_unfamiliar_group() -> None:
    corpus, _ = planted(groups=2, per_group=20)
    model = build_themes(corpus)
    rng = np.random.default_rng(9)
    direction = rng.normal(size=32)
    far = [direction / np.linalg.norm(direction) + 0.02 * rng.normal(size=32) for _ in range(6)]
    far_corpus = Corpus.of(list(range(500, 506)), ["slack alert"] * 6, np.array(far))
    # Make sure the new group is unlike both existing themes.
    assert max(float(np.max(far_corpus.embeddings @ t.centroid)) for t in model.themes) < 0.4
    updated = assign(model, far_corpus)
    assert len(updated.themes) == 3
    assert len({updated.theme_of(i) for i in far_corpus.ids}) == 1
    assert assign(updated, far_corpus).to_json() == updated.to_json()


def test_rename_pin_merge_split_move() -> None:
    corpus, _ = planted()
    model = build_themes(corpus)
    a, b = model.themes[0].key, model.themes[1].key
    renamed = rename(model, a, "  CSV   exports ")
    assert renamed.get(a).label == "CSV exports"
    assert renamed.get(a).renamed
    with pytest.raises(ValueError, match="label"):
        rename(model, a, "   ")
    assert pin(model, a).get(a).pinned

    merged = merge(renamed, [b], into=a, corpus=corpus)
    assert len(merged.themes) == 3
    assert merged.get(a).label == "CSV exports"
    assert set(merged.get(a).member_ids) == set(model.get(a).member_ids) | set(
        model.get(b).member_ids
    )
    with pytest.raises(KeyError):
        merged.get(b)

    parts = split(merged, a, corpus=corpus)
    assert len(parts.themes) == 4
    halves = [set(t.member_ids) for t in parts.themes if t.key != merged.themes[1].key]
    originals = [set(model.get(a).member_ids), set(model.get(b).member_ids)]
    assert all(o in halves for o in originals)
    assert parts.get(a).label == "CSV exports"

    moved = move_items(model, [model.get(a).member_ids[0]], to=b, corpus=corpus)
    assert moved.theme_of(model.get(a).member_ids[0]) == b
    out = move_items(model, [model.get(a).member_ids[0]], to=None, corpus=corpus)
    assert out.unthemed == (model.get(a).member_ids[0],)
    assert relabel(model, corpus).to_json() == model.to_json()


def test_rebuild_keeps_pinned_themes_and_peoples_labels() -> None:
    corpus, _ = planted()
    model = build_themes(corpus)
    a, b = model.themes[0].key, model.themes[1].key
    odd_one = model.get(b).member_ids[0]
    edited = move_items(model, [odd_one], to=a, corpus=corpus)
    edited = pin(rename(edited, a, "Exports"), a)
    edited = rename(edited, b, "Sign-in")
    rebuilt = build_themes(corpus, previous=edited)
    assert rebuilt.get(a).member_ids == edited.get(a).member_ids  # pinned: kept as people left it
    assert rebuilt.get(a).label == "Exports"
    assert rebuilt.get(b).label == "Sign-in"  # the same group again keeps its key and label
    assert rebuilt.theme_of(odd_one) == a
    # New items like the pinned theme's members join it on the next rebuild.
    new, _ = planted(per_group=25, seed=3, start=1000)
    group = (model.get(a).member_ids[0] - 1) // 25  # the planted group theme a holds
    near_ids = [1000 + 25 * group, 1001 + 25 * group]
    grown = build_themes(corpus.concat(new.subset(near_ids)), previous=rebuilt)
    assert set(grown.get(a).member_ids) == set(rebuilt.get(a).member_ids) | set(near_ids)


def test_config_is_validated() -> None:
    with pytest.raises(ValueError, match="ward_threshold"):
        ThemeConfig(ward_threshold=0)
    with pytest.raises(ValueError, match="same length"):
        Corpus.of([1, 2], ["a"], np.zeros((2, 3)))
