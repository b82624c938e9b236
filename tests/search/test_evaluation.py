import json
import math

import pytest
from glossa.search.evaluation import (
    DatasetError,
    evaluate_grouped,
    evaluate_run,
    load_beir,
    make_run,
    write_reports,
)


def test_metrics_on_a_hand_checked_example():
    qrels = {"q1": {"d1": 2, "d2": 1}, "q2": {"d9": 1}}
    run = {"q1": {"d3": 3.0, "d1": 2.0, "d2": 1.0}, "q2": {"d5": 1.0}}
    metrics = evaluate_run(qrels, run, ["ndcg@10", "recall@10", "mrr@10", "recall@100"])
    # q1: gains 0, 2, 1 at ranks 1-3 (linear gain, Jarvelin & Kekalainen); q2: nothing found
    dcg = 2 / math.log2(3) + 1 / math.log2(4)
    idcg = 2 / math.log2(2) + 1 / math.log2(3)
    assert metrics["ndcg@10"] == pytest.approx((dcg / idcg + 0) / 2, abs=1e-4)
    assert metrics["mrr@10"] == pytest.approx((1 / 2 + 0) / 2)
    assert metrics["recall@10"] == pytest.approx((1 + 0) / 2)
    assert metrics["recall@100"] == pytest.approx(0.5)


def test_missing_queries_in_the_run_count_as_zero():
    metrics = evaluate_run({"q1": {"d1": 1}, "q2": {"d2": 1}}, {"q1": {"d1": 1.0}}, ["mrr@10"])
    assert metrics["mrr@10"] == pytest.approx(0.5)


def write_dataset(path, qrels_lines=("q1\td1\t2", "q2\td2\t1")):
    (path / "qrels").mkdir(parents=True)
    corpus = [
        {
            "_id": "d1",
            "title": "Net Promoter Score",
            "text": "loyalty metric",
            "metadata": {"lang": "en"},
        },
        {"_id": "d2", "title": "Churn", "text": "customers leaving"},
    ]
    (path / "corpus.jsonl").write_text("\n".join(json.dumps(c) for c in corpus), encoding="utf-8")
    queries = [
        {"_id": "q1", "text": "NPS", "metadata": {"lang": "en", "kind": "acronym"}},
        {"_id": "q2", "text": "who leaves", "metadata": {"lang": "en", "kind": "question"}},
    ]
    (path / "queries.jsonl").write_text("\n".join(json.dumps(q) for q in queries), encoding="utf-8")
    (path / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\n" + "\n".join(qrels_lines) + "\n", encoding="utf-8"
    )


def test_beir_loading_grouping_and_reports(tmp_path):
    write_dataset(tmp_path / "ds")
    dataset = load_beir(tmp_path / "ds")
    assert [e.id for e in dataset.corpus] == ["d1", "d2"]
    assert dataset.corpus[0].term == "Net Promoter Score" and dataset.corpus[1].lang == "xx"
    run = make_run(lambda texts: [[("d1", 1.0)] if t == "NPS" else [("d1", 1.0), ("d2", 0.5)] for t in texts],
                   dataset.queries)  # fmt: skip
    report = evaluate_grouped("toy", dataset, run)
    assert report.overall["mrr@10"] == pytest.approx((1 + 0.5) / 2)
    assert report.groups["kind"]["acronym"]["mrr@10"] == pytest.approx(1.0)
    assert report.groups["kind"]["question"]["mrr@10"] == pytest.approx(0.5)
    files = write_reports([report], {"toy": run}, tmp_path / "out", "toy-eval")
    trec = (tmp_path / "out" / "toy-eval.toy.trec").read_text().splitlines()
    assert trec[0].split() == ["q1", "Q0", "d1", "1", "1.000000", "toy"]
    assert "| toy |" in (tmp_path / "out" / "toy-eval.md").read_text()
    assert json.loads((tmp_path / "out" / "toy-eval.json").read_text())[0]["queries"] == 2
    assert len(files) == 3


def test_bad_datasets_are_reported_with_file_and_line(tmp_path):
    with pytest.raises(DatasetError, match="corpus.jsonl: missing"):
        load_beir(tmp_path)
    write_dataset(tmp_path / "bad", qrels_lines=("q1\td1\t2", "q1\tnope\t1"))
    with pytest.raises(DatasetError, match=r"test\.tsv:3: unknown query 'q1' or document 'nope'"):
        load_beir(tmp_path / "bad")
