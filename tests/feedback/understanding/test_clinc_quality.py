"""Theme quality on real data: 600 clinc150 test utterances from 20 intents, real MiniLM."""

from __future__ import annotations

import json
from pathlib import Path

from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from prodloop.feedback.understanding import Corpus, MiniLMEmbedder, build_themes

DATA = Path(__file__).resolve().parents[4] / "shared" / "datasets" / "clinc150" / "data_full.json"


def test_themes_recover_clinc150_intents(minilm: MiniLMEmbedder) -> None:
    rows = json.loads(DATA.read_text())["test"]
    intents = sorted({intent for _, intent in rows})[::7][:20]
    chosen = [(text, intent) for text, intent in rows if intent in intents]
    assert len(chosen) == 600
    texts = [t for t, _ in chosen]
    corpus = Corpus.of(list(range(len(texts))), texts, minilm.embed(texts))
    model = build_themes(corpus)
    labels = [model.theme_of(i) or "unthemed" for i in corpus.ids]
    truth = [intent for _, intent in chosen]
    assert adjusted_rand_score(truth, labels) >= 0.72  # measured 0.77
    assert normalized_mutual_info_score(truth, labels) >= 0.85  # measured 0.89
    assert len(model.unthemed) < 0.05 * len(texts)
    assert build_themes(corpus).to_json() == model.to_json()
