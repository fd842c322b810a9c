"""Theme quality and speed: prodloop's themes vs BERTopic's default pipeline on clinc150.

Quality (default): the 4,500-item clinc150 test split (150 intents), embedded once with
all-MiniLM-L6-v2; prodloop's themes and BERTopic (default UMAP + HDBSCAN, given the same
embeddings, seeds 0..2, its outlier topic counted as one cluster) are scored with ARI and NMI
against the intents, neither being told how many there are. prodloop runs twice to check the
themes are byte-identical.

Scale (``--scale``): 100,000 items themed end to end, embeddings included. clinc150 has
23,700 distinct utterances (all splits, out-of-scope included), so the 100,000 items are drawn
from them with replacement and each copy gets seeded character noise (one or two typos:
a dropped, doubled or swapped letter), so most items are new strings and nothing is served
from a cache. Then 1,000 further noisy items are embedded and assigned to the themes.

    .venv/bin/pip install -e '.[bench]'          # BERTopic, UMAP, HDBSCAN (not needed in CI)
    .venv/bin/python benchmarks/bench_themes.py            # quality vs BERTopic
    .venv/bin/python benchmarks/bench_themes.py --scale    # 100k items, throughput, assign
    .venv/bin/python benchmarks/bench_themes.py --scale --embedder hashing  # theming at scale
    .venv/bin/python benchmarks/bench_themes.py --throughput 2000          # MiniLM items/s
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from prodloop.feedback.understanding import (
    Corpus,
    HashingEmbedder,
    MiniLMEmbedder,
    ThemeConfig,
    assign,
    build_themes,
)

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "clinc150" / "data_full.json"
SEEDS = (0, 1, 2)


def load(split: str) -> tuple[list[str], list[str]]:
    """Texts and intents of one clinc150 split."""
    rows = json.loads(DATA.read_text())[split]
    return [r[0] for r in rows], [r[1] for r in rows]


def prodloop_labels(corpus: Corpus, config: ThemeConfig) -> tuple[list[int], str, int, int]:
    """Cluster label per item (unthemed = -1), the canonical JSON, themes, unthemed count."""
    model = build_themes(corpus, config=config)
    where = {key: n for n, key in enumerate(t.key for t in model.themes)}
    membership = model.membership()
    labels = [where[membership[i]] if i in membership else -1 for i in corpus.ids]
    return labels, model.to_json(), len(model.themes), len(model.unthemed)


def bertopic_labels(texts: list[str], embeddings: np.ndarray, seed: int) -> list[int]:
    """BERTopic's default pipeline with a fixed UMAP seed; outliers stay topic -1."""
    from bertopic import BERTopic
    from umap import UMAP

    umap_model = UMAP(
        n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=seed
    )
    topics, _ = BERTopic(umap_model=umap_model).fit_transform(texts, embeddings=embeddings)
    return [int(t) for t in topics]


def quality(split: str) -> None:
    texts, intents = load(split)
    embedder = MiniLMEmbedder()
    started = time.perf_counter()
    vectors = embedder.embed(texts)
    seconds = time.perf_counter() - started
    print(f"clinc150 {split}: {len(texts)} items, {len(set(intents))} intents")
    print(f"embedding: {seconds:.1f} s, {len(texts) / seconds:.0f} items/s")
    corpus = Corpus.of(list(range(len(texts))), texts, vectors)
    config = ThemeConfig()
    started = time.perf_counter()
    labels, first, themes, unthemed = prodloop_labels(corpus, config)
    theming = time.perf_counter() - started
    _, second, _, _ = prodloop_labels(corpus, config)
    ari = adjusted_rand_score(intents, labels)
    nmi = normalized_mutual_info_score(intents, labels)
    print(
        f"prodloop : ARI {ari:.3f}  NMI {nmi:.3f}  themes {themes}  "
        f"unthemed {100 * unthemed / len(texts):.1f}%  re-run identical {first == second}  "
        f"({theming:.1f} s)"
    )
    try:
        import bertopic  # noqa: F401
    except ImportError:
        print("BERTopic is not installed: .venv/bin/pip install -e '.[bench]'")
        return
    aris, nmis = [], []
    for seed in SEEDS:
        started = time.perf_counter()
        topics = bertopic_labels(texts, vectors, seed)
        aris.append(adjusted_rand_score(intents, topics))
        nmis.append(normalized_mutual_info_score(intents, topics))
        outliers = sum(1 for t in topics if t == -1)
        print(
            f"BERTopic seed {seed}: ARI {aris[-1]:.3f}  NMI {nmis[-1]:.3f}  "
            f"topics {len(set(topics) - {-1})}  outliers {100 * outliers / len(texts):.1f}%  "
            f"({time.perf_counter() - started:.1f} s)"
        )
    ari_b, nmi_b = statistics.mean(aris), statistics.mean(nmis)
    print(f"BERTopic mean over seeds {SEEDS}: ARI {ari_b:.3f}  NMI {nmi_b:.3f}")
    print(f"ratio prodloop/BERTopic: ARI {ari / ari_b:.2f}x  NMI {nmi / nmi_b:.2f}x")


def noisy(text: str, rng: random.Random) -> str:
    """One or two typos: a dropped, doubled or swapped letter."""
    chars = list(text)
    for _ in range(rng.randint(1, 2)):
        if len(chars) < 3:
            break
        at = rng.randrange(1, len(chars) - 1)
        edit = rng.choice(("drop", "double", "swap"))
        if edit == "drop":
            del chars[at]
        elif edit == "double":
            chars.insert(at, chars[at])
        else:
            chars[at], chars[at + 1] = chars[at + 1], chars[at]
    return "".join(chars)


def scale(count: int, new: int, embedder_name: str) -> None:
    data = json.loads(DATA.read_text())
    pool = [row[0] for split in data.values() for row in split]
    rng = random.Random(7)
    texts = [noisy(rng.choice(pool), rng) for _ in range(count + new)]
    print(
        f"{count} items from {len(pool)} clinc150 utterances with typo noise "
        f"({len(set(texts[:count]))} distinct strings)"
    )
    embedder = MiniLMEmbedder() if embedder_name == "minilm" else HashingEmbedder()
    print(f"embedder: {embedder.name}")
    embedder.embed(["warm up"])
    started = time.perf_counter()
    vectors = embedder.embed(texts[:count])
    embedding = time.perf_counter() - started
    corpus = Corpus.of(list(range(count)), texts[:count], vectors)
    model = build_themes(corpus)
    total = time.perf_counter() - started
    print(f"embedding: {embedding:.1f} s, {count / embedding:.0f} items/s")
    print(
        f"themed {count} items end to end in {total:.1f} s (themes {len(model.themes)}, "
        f"unthemed {100 * len(model.unthemed) / count:.1f}%)"
    )
    started = time.perf_counter()
    extra_vectors = embedder.embed(texts[count:])
    extra = Corpus.of(list(range(count, count + new)), texts[count:], extra_vectors)
    updated = assign(model, extra)
    seconds = time.perf_counter() - started
    joined = sum(1 for i in extra.ids if updated.theme_of(i) is not None)
    print(f"assigned {new} new items (embedding included) in {seconds:.2f} s; {joined} joined")


def throughput(count: int) -> None:
    """MiniLM items per second on ``count`` noisy clinc150 utterances (after a warm-up)."""
    data = json.loads(DATA.read_text())
    pool = [row[0] for split in data.values() for row in split]
    rng = random.Random(11)
    texts = [noisy(rng.choice(pool), rng) for _ in range(count)]
    embedder = MiniLMEmbedder()
    embedder.embed(texts[:64])
    started = time.perf_counter()
    embedder.embed(texts)
    seconds = time.perf_counter() - started
    print(f"MiniLM: {count} items in {seconds:.1f} s, {count / seconds:.0f} items/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="test", choices=("test", "val"))
    parser.add_argument("--scale", action="store_true", help="100k items end to end")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--embedder", choices=("minilm", "hashing"), default="minilm")
    parser.add_argument(
        "--throughput", type=int, default=0, help="only time MiniLM on this many items"
    )
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}; load average {os.getloadavg()[0]:.1f}")
    if args.throughput:
        throughput(args.throughput)
    elif args.scale:
        scale(args.count, 1_000, args.embedder)
    else:
        quality(args.split)


if __name__ == "__main__":
    main()
