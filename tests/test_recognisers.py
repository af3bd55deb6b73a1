"""The recognisers' set-up: the domain model's cache, its pronunciations, Vosk."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import ROOT
from voiceguide.asr.choose import find_vosk_model, make_recognizer
from voiceguide.asr.language_model import (
    EXTRA_DICT,
    build,
    read_dictionary,
    sentences,
    stock_model_dir,
)
from voiceguide.errors import ModelError
from voiceguide.guide import Guide
from voiceguide.kb import load_knowledge_base

pytestmark = pytest.mark.speech


def test_every_word_the_content_uses_can_be_recognised(guide: Guide) -> None:
    known = read_dictionary(stock_model_dir() / "cmudict-en-us.dict")
    known.update(read_dictionary(EXTRA_DICT))
    words = {w for s in sentences(guide.kb) for w in s.split()}
    missing = sorted(words - set(known))
    assert not missing, f"add pronunciations for {missing} to {EXTRA_DICT}"


def test_model_is_cached_and_rebuilt_when_content_changes(guide: Guide, tmp_path: Path
                                                          ) -> None:
    first = build(guide.kb, "domain", cache=tmp_path)
    assert first.lm is not None and first.lm.exists()
    stamp = first.lm.stat().st_mtime_ns
    again = build(guide.kb, "domain", cache=tmp_path)
    assert again.lm == first.lm and again.lm.stat().st_mtime_ns == stamp
    content = tmp_path / "content"
    import shutil

    shutil.copytree(ROOT / "voiceguide" / "content", content)
    relief = content / "intents" / "relief.toml"
    text = relief.read_text(encoding="utf-8")
    relief.write_text(text.replace('"my calf is cramping"',
                                   '"my calf is cramping", "my calf has seized up"', 1),
                      encoding="utf-8")
    changed = build(load_knowledge_base(content), "domain", cache=tmp_path)
    assert changed.lm != first.lm
    assert "seized" in changed.dictionary.read_text(encoding="utf-8")


def test_asking_for_vosk_without_a_model_says_how_to_get_one(
        guide: Guide, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VOICEGUIDE_MODELS", str(tmp_path))
    monkeypatch.delenv("VOICEGUIDE_VOSK_MODEL", raising=False)
    assert find_vosk_model() is None
    with pytest.raises(ModelError, match="voiceguide models download"):
        make_recognizer(guide.kb, "vosk")


def test_a_half_copied_vosk_model_falls_back_to_pocketsphinx(
        guide: Guide, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "vosk-model-small-en-us-0.15" / "am").mkdir(parents=True)
    monkeypatch.setenv("VOICEGUIDE_MODELS", str(tmp_path))
    recognizer = make_recognizer(guide.kb, "auto")
    assert recognizer.name.startswith("pocketsphinx")
    with pytest.raises(ModelError, match="incomplete"):
        make_recognizer(guide.kb, "vosk")


def test_vosk_recognises_speech_when_a_model_is_installed(guide: Guide, speech) -> None:
    path = find_vosk_model()
    if path is None:
        pytest.skip("no Vosk model installed (this machine cannot download one); run "
                    "`voiceguide models download` to include this test")
    from voiceguide.asr import transcribe
    from voiceguide.audio.wav import pcm_bytes, read_wav

    recognizer = make_recognizer(guide.kb, "vosk", path)
    clip = speech([("cramp.relief", "my calf is cramping")])[0]
    heard = transcribe(recognizer, pcm_bytes(read_wav(clip.path)))
    assert "cramp" in heard.text


def test_pocketsphinx_decodes_in_its_own_process_and_survives_losing_it(
        guide: Guide, speech) -> None:
    # Its own process, so decoding never holds the guide's GIL (the speaker's stream
    # starved); if that process is killed, the next utterance starts a new one.
    import os
    import signal

    from voiceguide.asr import transcribe
    from voiceguide.audio.wav import pcm_bytes, read_wav

    clip = speech([("cramp.relief", "my calf is cramping")])[0].path
    pcm = pcm_bytes(read_wav(clip))
    recognizer = make_recognizer(guide.kb, "pocketsphinx")
    assert transcribe(recognizer, pcm).text == "my calf is cramping"
    worker = recognizer._worker._process
    assert worker.pid != os.getpid() and worker.poll() is None
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    heard = transcribe(recognizer, pcm)
    assert heard.text == "my calf is cramping" and heard.confidence > 0.3
    assert recognizer._worker._process.pid != worker.pid


def test_a_broken_pocketsphinx_dictionary_is_one_line_naming_the_problem(
        guide: Guide, tmp_path: Path) -> None:
    from voiceguide.asr.language_model import LanguageModel
    from voiceguide.asr.sphinx import PocketSphinxRecognizer

    model = build(guide.kb, "domain", cache=tmp_path)
    broken = tmp_path / "missing.dict"
    with pytest.raises(ModelError, match="PocketSphinx could not start") as error:
        PocketSphinxRecognizer(LanguageModel("domain", model.lm, broken))
    assert "\n" not in str(error.value)
