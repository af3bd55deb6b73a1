"""The benchmark: it runs, end to end, and what it prints is well formed. Its accuracy
figures are not asserted here; the published table is where they are judged."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import DATA, ROOT
from voiceguide.audio import denoise
from voiceguide.bench.labelled import Row, check_intents, read_rows
from voiceguide.bench.peers import MiniLMClassifier, NaiveClassifier
from voiceguide.bench.run import main as bench_main
from voiceguide.bench.scoring import score_text, word_errors
from voiceguide.errors import BenchError
from voiceguide.guide import Guide

pytestmark = pytest.mark.speech


def _rate(value: object) -> bool:
    return value is None or (isinstance(value, float) and 0.0 <= value <= 1.0)


def _check_text(system: dict) -> None:
    assert system["rows"] > 0
    assert 0.0 <= system["accuracy"] <= 1.0
    for key in ("emergency_recall", "out_of_scope_refused", "false_refusals"):
        assert _rate(system[key]), key
    assert 0.0 < system["latency_p50_ms"] <= system["latency_p95_ms"] < 1000
    assert sum(s["support"] for s in system["per_intent"].values()) == system["rows"]
    for score in system["per_intent"].values():
        assert _rate(score["precision"]) and _rate(score["recall"])
    for expected, got, count in system["confusions"]:
        assert expected != got and count >= 1


@pytest.mark.skipif(shutil.which("espeak-ng") is None or shutil.which("sox") is None,
                    reason="the speech half renders clips with espeak-ng and sox: "
                           "sudo apt-get install espeak-ng sox")
def test_quick_benchmark_runs_end_to_end_and_writes_well_formed_figures(
        tmp_path: Path) -> None:
    markdown, figures = tmp_path / "bench.md", tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench.py"), "--quick", "--peers", "naive",
         "--clips", str(tmp_path / "clips"), "--markdown", str(markdown),
         "--json", str(figures)],
        capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    results = json.loads(figures.read_text(encoding="utf-8"))

    assert results["quick"] is True and results["cores"] == os.cpu_count()
    [dev] = results["text"]
    assert dev["set_name"] == "devset.tsv"
    assert [s["name"] for s in dev["systems"]] == ["voiceguide matcher", "naive rapidfuzz"]
    for system in dev["systems"]:
        _check_text(system)

    assert results["speech"], "no speech figures"
    for cell in results["speech"]:
        # The shipped setting: RNNoise in front, where it is installed.
        assert cell["setup"] == ("pocketsphinx:mix +RNNoise (shipped)" if denoise.available()
                                 else "pocketsphinx:mix (shipped)")
        assert cell["snr"] in ("clean", "10") and cell["clips"] > 0
        assert cell["wer"] >= 0.0 and cell["rtf"] > 0.0
        for key in ("in_scope_accuracy", "emergency_recall", "out_of_scope_accepted"):
            assert _rate(cell[key]), key
        assert 0.0 < cell["latency_p50_ms"] <= cell["latency_p95_ms"]
    [footprint] = results["footprints"]
    assert 0.0 < footprint["ready_s"] < 60 and 20 < footprint["peak_rss_mb"] < 4000

    assert [f["target"] for f in results["fuzzing"]] == ["WAV reader", "article parser"]
    for fuzzed in results["fuzzing"]:
        assert fuzzed["inputs"] > 0 and 0 <= fuzzed["refused"] <= fuzzed["inputs"]
        assert isinstance(fuzzed["crashes"], list)

    verdicts = {t["what"]: t["met"] for t in results["targets"]}
    assert verdicts["matcher speed vs MiniLM (p50 per query)"] is None  # peer not asked for
    assert all(isinstance(v, bool) for k, v in verdicts.items() if "MiniLM" not in k)

    table = markdown.read_text(encoding="utf-8")
    assert results["command"] in table and results["date"] in table
    assert f"{os.cpu_count()} cores" in table
    assert done.stdout.startswith(table)
    for target in results["targets"]:
        assert f"| {target['what']} |" in table


def test_bench_compares_on_every_set_given_and_refuses_a_bad_label(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    figures = tmp_path / "bench.json"
    assert bench_main(["--quick", "--no-speech", "--peers", "naive", "--set",
                       str(DATA / "heldout.tsv"), "--json", str(figures)]) == 0
    results = json.loads(figures.read_text(encoding="utf-8"))
    assert [run["set_name"] for run in results["text"]] == ["devset.tsv", "heldout.tsv"]
    for run in results["text"]:
        for system in run["systems"]:
            _check_text(system)
    assert results["speech"] == [] and results["footprints"] == []

    bad = tmp_path / "bad.tsv"
    bad.write_text("utterance\tintent\nmy calf is cramping\tcramp.relief\n"
                   "my calf hurts\tcramp.releif\n", encoding="utf-8")
    capsys.readouterr()
    assert bench_main(["--quick", "--no-speech", "--set", str(bad)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0
    assert "row 3" in error and "cramp.releif" in error and "bad.tsv" in error


@pytest.mark.parametrize(("content", "complaint"), [
    (None, "does not exist"),
    ("just a line\n", "needs a tab-separated header"),
    ("utterance\tintent\n", "has no labelled rows"),
])
def test_a_labelled_set_that_cannot_be_read_says_what_to_do(
        tmp_path: Path, content: str | None, complaint: str) -> None:
    path = tmp_path / "set.tsv"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(BenchError, match=complaint):
        read_rows(path)


def test_labels_are_checked_against_the_catalogue(tmp_path: Path) -> None:
    rows = read_rows(DATA / "devset.tsv")
    check_intents(rows, {r.intent for r in rows}, DATA / "devset.tsv")
    with pytest.raises(BenchError, match="row 2 is labelled 'cramp'"):
        check_intents([Row("cramp", "my calf")], {"cramp.relief"}, tmp_path / "x.tsv")


def test_word_errors_count_substitutions_insertions_and_deletions() -> None:
    assert word_errors("my calf is cramping", "my calf is cramping") == 0
    assert word_errors("my calf is cramping", "my half is cramping") == 1
    assert word_errors("my calf is cramping", "my calf cramping") == 1
    assert word_errors("my calf is cramping", "oh my calf is cramping now") == 2
    assert word_errors("stop", "") == 1 and word_errors("", "stop") == 1


def test_scores_count_precision_recall_refusals_and_confusions() -> None:
    rows = [Row("cramp.relief", "a"), Row("cramp.relief", "b"), Row("emergency", "c"),
            Row("out_of_scope", "d"), Row("out_of_scope", "e")]
    predicted = ["cramp.relief", "out_of_scope", "emergency", "cramp.relief",
                 "out_of_scope"]
    scores = score_text("t", "", rows, predicted, [1.0, 2.0, 3.0, 4.0, 5.0])
    assert scores.accuracy == pytest.approx(3 / 5)
    assert scores.emergency_recall == 1.0
    assert scores.out_of_scope_refused == pytest.approx(1 / 2)
    assert scores.false_refusals == pytest.approx(1 / 3)
    relief = scores.per_intent["cramp.relief"]
    assert (relief.precision, relief.recall, relief.support) == (0.5, 0.5, 2)
    assert scores.latency_p50_ms == 3.0 and math.isclose(scores.latency_p95_ms, 4.8)
    assert sorted(scores.confusions) == [("cramp.relief", "out_of_scope", 1),
                                         ("out_of_scope", "cramp.relief", 1)]


def test_the_naive_baseline_is_plain_nearest_example(guide: Guide) -> None:
    naive = NaiveClassifier(guide.kb)
    assert naive.classify("my calf is cramping") == "cramp.relief"
    # No threshold: the weather still lands on some intent's example.
    assert naive.classify("what's the weather like in paris") != ""


def test_the_minilm_peer_embeds_offline_and_refuses_below_its_floor(guide: Guide) -> None:
    # The guide installs the model's package alone; the peer runs it the stock way,
    # through sentence-transformers and PyTorch.
    pytest.importorskip("sentence_transformers",
                        reason="the MiniLM peer is in the optional bench extra: "
                               "bash scripts/install.sh '[test,bench]'")
    rows = read_rows(DATA / "devset.tsv")[::8]
    peer = MiniLMClassifier(guide.kb, rows)
    assert 0.3 <= peer.floor <= 0.8
    assert peer.classify("my calf is cramping really badly") == "cramp.relief"
    assert peer.classify("who won the football last night") == "out_of_scope"
