"""The model download, against a real HTTP server on 127.0.0.1: no internet needed."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import re
import socket
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from voiceguide.asr.download import (
    MEGABYTE,
    MODELS,
    VOSK_SMALL_EN_US,
    WHISPER_BASE_EN,
    WHISPER_TINY_EN,
    HubFile,
    HubModel,
    ModelSpec,
    download_hub_model,
    download_model,
    list_main,
    main,
    text_progress,
)
from voiceguide.errors import ModelError

ROOT = Path(__file__).resolve().parent.parent
FOLDER = VOSK_SMALL_EN_US.folder
FILES = {
    f"{FOLDER}/am/final.mdl": os.urandom(300_000),
    f"{FOLDER}/conf/model.conf": b"--sample-frequency=16000\n",
    f"{FOLDER}/README": b"fake model for tests\n",
}


def build_zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as bundle:
        for name, data in entries.items():
            bundle.writestr(name, data)
    return buffer.getvalue()


class ModelServer:
    """Serves one zip at /model.zip, honours Range, and can misbehave on request."""

    def __init__(self) -> None:
        self.payload = build_zip(FILES)
        self.drop_after: int | None = None
        """Send only this many body bytes, then close: an interrupted download."""
        self.ignore_range = False
        self.ranges: list[str | None] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                wanted = self.headers.get("Range")
                server.ranges.append(wanted)
                if self.path != "/model.zip":
                    self.send_error(404)
                    return
                data, start = server.payload, 0
                if wanted and not server.ignore_range:
                    start = int(wanted.removeprefix("bytes=").rstrip("-"))
                    if start >= len(data):
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(data)}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range",
                                     f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                body = data[start:]
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if server.drop_after is not None:
                    body = body[:server.drop_after]
                    server.drop_after = None
                    self.close_connection = True
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/model.zip"

    def spec(self, sha256: str | None = None) -> ModelSpec:
        digest = sha256 or hashlib.sha256(self.payload).hexdigest()
        return ModelSpec(name=VOSK_SMALL_EN_US.name, url=self.url, sha256=digest,
                         folder=FOLDER)


@pytest.fixture
def server() -> Iterator[ModelServer]:
    model_server = ModelServer()
    thread = threading.Thread(target=model_server.httpd.serve_forever, args=(0.01,),
                              daemon=True)
    thread.start()
    yield model_server
    model_server.httpd.shutdown()
    model_server.httpd.server_close()


@pytest.fixture
def models(tmp_path: Path) -> Path:
    return tmp_path / "site" / "models"


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/model.zip"


def assert_installed(models: Path) -> None:
    for name, data in FILES.items():
        assert (models / name).read_bytes() == data
    assert sorted(path.name for path in models.iterdir()) == [FOLDER]


def test_download_checks_hash_unzips_into_place_and_shows_progress(
        server: ModelServer, models: Path) -> None:
    screen = io.StringIO()
    calls: list[tuple[int, int | None]] = []
    bar = text_progress(screen)

    def progress(done: int, total: int | None) -> None:
        calls.append((done, total))
        bar(done, total)

    path = download_model(server.spec(), models, progress=progress)

    assert path == models / FOLDER
    assert_installed(models)  # nothing else left behind: no zip, no .part, no scratch
    size = len(server.payload)
    assert calls[0] == (0, size) and calls[-1] == (size, size)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    drawn = screen.getvalue()
    assert drawn.startswith("\r  0.0 MB of 0.3 MB [")
    assert drawn.endswith("[####################] 100%\n")
    assert server.ranges == [None]


def test_interrupted_download_keeps_part_and_next_run_resumes(
        server: ModelServer, models: Path) -> None:
    server.drop_after = 100_000

    with pytest.raises(ModelError, match=r"stopped at .*again to resume") as caught:
        download_model(server.spec(), models)

    assert "\n" not in str(caught.value)
    part = models / f"{VOSK_SMALL_EN_US.name}.zip.part"
    assert part.read_bytes() == server.payload[:100_000]
    assert not (models / FOLDER).exists()

    assert download_model(server.spec(), models) == models / FOLDER
    assert server.ranges == [None, "bytes=100000-"]
    assert_installed(models)


def test_server_that_ignores_range_is_downloaded_afresh(
        server: ModelServer, models: Path) -> None:
    models.mkdir(parents=True)
    (models / f"{VOSK_SMALL_EN_US.name}.zip.part").write_bytes(b"stale half download")
    server.ignore_range = True

    download_model(server.spec(), models)

    assert server.ranges == ["bytes=19-"]
    assert_installed(models)


def test_wrong_sha256_refuses_and_removes_the_download(
        server: ModelServer, models: Path) -> None:
    with pytest.raises(ModelError, match=r"corrupt.*SHA-256.*again"):
        download_model(server.spec(sha256="0" * 64), models)

    assert list(models.iterdir()) == []


@pytest.mark.parametrize("misbehaviour", ["refused", "timeout", "not found"])
def test_unreachable_server_says_what_to_do_in_one_line(
        server: ModelServer, models: Path, misbehaviour: str) -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # accepts the connection but never answers
    url = {
        "refused": closed_port_url(),
        "timeout": f"http://127.0.0.1:{silent.getsockname()[1]}/model.zip",
        "not found": server.url.replace("model.zip", "missing.zip"),
    }[misbehaviour]
    spec = ModelSpec(name=FOLDER, url=url, sha256="0" * 64, folder=FOLDER)

    with silent, pytest.raises(ModelError) as caught:
        download_model(spec, models, timeout=0.3)

    message = str(caught.value)
    assert "\n" not in message
    assert "127.0.0.1" in message
    assert "run `voiceguide models download` again" in message
    expected = {"refused": "could not reach", "timeout": "did not answer within 0.3 s",
                "not found": "HTTP 404"}[misbehaviour]
    assert expected in message
    assert not (models / FOLDER).exists()
    assert {path.name for path in models.iterdir()} <= {f"{FOLDER}.zip.part"}


@pytest.mark.parametrize("evil", ["../evil", f"{FOLDER}/../../evil", "/evil", "C:/evil"])
def test_zip_slip_entry_is_refused_before_anything_is_written(
        server: ModelServer, tmp_path: Path, models: Path, evil: str) -> None:
    server.payload = build_zip({**FILES, evil: b"pwned"})

    with pytest.raises(ModelError, match="points outside its folder"):
        download_model(server.spec(), models)

    assert [path for path in tmp_path.rglob("*evil*")] == []
    assert list(models.iterdir()) == []


def test_installed_model_returns_at_once_without_a_request(
        server: ModelServer, models: Path) -> None:
    (models / FOLDER / "am").mkdir(parents=True)

    assert download_model(server.spec(), models) == models / FOLDER
    assert server.ranges == []


def test_main_prints_only_the_path_on_stdout(
        server: ModelServer, models: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["--url", server.url, "--sha256", server.spec().sha256.upper(),
                   "--dest", str(models)])

    out, err = capsys.readouterr()
    assert status == 0
    assert out == f"{models / FOLDER}\n"
    assert err.endswith("100%\n")
    assert_installed(models)


def run_script(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "VOICEGUIDE_MODELS"}
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "download_model.py"), *args],
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=30,
                          check=False)


def test_script_downloads_and_prints_the_path(
        server: ModelServer, tmp_path: Path, models: Path) -> None:
    result = run_script("--url", server.url, "--sha256", server.spec().sha256,
                        "--dest", str(models), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{models / FOLDER}\n"
    assert_installed(models)


def test_script_with_unreachable_url_exits_2_with_one_error_line(
        tmp_path: Path, models: Path) -> None:
    result = run_script("--url", closed_port_url(), "--dest", str(models), cwd=tmp_path)

    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("voiceguide: error: could not reach 127.0.0.1")
    assert not (models / FOLDER).exists()


def test_verified_download_is_unpacked_on_the_next_run_even_offline(
        server: ModelServer, models: Path) -> None:
    models.mkdir(parents=True)
    (models / f"{VOSK_SMALL_EN_US.name}.zip.part").write_bytes(server.payload)
    spec = ModelSpec(name=VOSK_SMALL_EN_US.name, url=closed_port_url(),
                     sha256=server.spec().sha256, folder=FOLDER)

    assert download_model(spec, models) == models / FOLDER
    assert_installed(models)


def test_models_folder_defaults_to_the_repository_unless_overridden(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from voiceguide.asr.download import default_models_dir

    monkeypatch.delenv("VOICEGUIDE_MODELS", raising=False)
    assert default_models_dir() == ROOT / "models"
    monkeypatch.setenv("VOICEGUIDE_MODELS", str(tmp_path / "elsewhere"))
    assert default_models_dir() == tmp_path / "elsewhere"


# Whisper models from a (local stand-in for the) Hugging Face hub.

REVISION = "a" * 40
HUB_FILES = {
    "config.json": b'{"alignment_heads": [], "lang_ids": []}\n',
    "tokenizer.json": b'{"model": "fake tokenizer for tests"}\n',
    "model.bin": os.urandom(200_000),
}


def git_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class HubServer:
    """Answers like the hub's ``resolve`` endpoint: small files directly with their Git
    hash as ETag, ``model.bin`` (an LFS file) by redirect to a CDN path, its SHA-256 in
    X-Linked-Etag; every answer names the commit."""

    def __init__(self) -> None:
        self.files = dict(HUB_FILES)
        self.commit = REVISION
        self.declared: dict[str, str] = {}
        """Overrides of the digest announced for a file."""
        self.drop_after: int | None = None
        self.requests: list[tuple[str, str, str | None]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_HEAD(self) -> None:
                self.answer(body=False)

            def do_GET(self) -> None:
                self.answer(body=True)

            def answer(self, body: bool) -> None:
                wanted = self.headers.get("Range")
                server.requests.append((self.command, self.path, wanted))
                prefix = f"/org/model/resolve/{REVISION}/"
                if self.path.startswith("/cdn/"):
                    name = self.path.removeprefix("/cdn/")
                elif self.path.startswith(prefix) and self.path[len(prefix):] in server.files:
                    name = self.path[len(prefix):]
                    if name == "model.bin":
                        data = server.files[name]
                        self.send_response(302)
                        self.send_header("Location", f"/cdn/{name}")
                        self.send_header("X-Repo-Commit", server.commit)
                        self.send_header("X-Linked-Size", str(len(data)))
                        digest = server.declared.get(name, hashlib.sha256(data).hexdigest())
                        self.send_header("X-Linked-Etag", f'"{digest}"')
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                else:
                    self.send_error(404)
                    return
                data, start = server.files[name], 0
                if wanted:
                    start = int(wanted.removeprefix("bytes=").rstrip("-"))
                    self.send_response(206)
                    self.send_header("Content-Range",
                                     f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                if not self.path.startswith("/cdn/"):
                    self.send_header("X-Repo-Commit", server.commit)
                    self.send_header("ETag", f'"{server.declared.get(name, git_sha1(data))}"')
                chunk = data[start:]
                self.send_header("Content-Length", str(len(chunk)))
                self.end_headers()
                if not body:
                    return
                if server.drop_after is not None and name == "model.bin":
                    chunk = chunk[:server.drop_after]
                    server.drop_after = None
                    self.close_connection = True
                self.wfile.write(chunk)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def spec(self, **changes: object) -> HubModel:
        files = tuple(HubFile(name, (len(data), len(data)))
                      for name, data in HUB_FILES.items())
        spec = HubModel(name="whisper-test", repo="org/model", revision=REVISION,
                        files=files, hub=self.url)
        return dataclasses.replace(spec, **changes)  # type: ignore[arg-type]

    def gets(self) -> list[tuple[str, str | None]]:
        return [(path, wanted) for command, path, wanted in self.requests if command == "GET"]


@pytest.fixture
def hub() -> Iterator[HubServer]:
    hub_server = HubServer()
    thread = threading.Thread(target=hub_server.httpd.serve_forever, args=(0.01,),
                              daemon=True)
    thread.start()
    yield hub_server
    hub_server.httpd.shutdown()
    hub_server.httpd.server_close()


def assert_hub_installed(models: Path) -> None:
    for name, data in HUB_FILES.items():
        assert (models / "model" / name).read_bytes() == data
    assert [path.name for path in models.iterdir()] == ["model"]


def test_hub_model_is_fetched_checked_and_renamed_into_place(
        hub: HubServer, models: Path) -> None:
    screen = io.StringIO()
    calls: list[tuple[int, int | None]] = []
    bar = text_progress(screen)

    def progress(done: int, total: int | None) -> None:
        calls.append((done, total))
        bar(done, total)

    path = download_hub_model(hub.spec(), models, progress=progress)

    assert path == models / "model"
    assert_hub_installed(models)
    total = sum(map(len, HUB_FILES.values()))
    assert calls[-1] == (total, total)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert screen.getvalue().endswith("[####################] 100%\n")
    assert hub.gets()[-1] == ("/cdn/model.bin", None)  # the redirect was followed


def test_hub_download_interrupted_in_the_big_file_resumes_it(
        hub: HubServer, models: Path) -> None:
    hub.drop_after = 50_000

    with pytest.raises(ModelError, match=r"stopped at .*download whisper-test` again to "
                                         r"resume") as caught:
        download_hub_model(hub.spec(), models)

    assert "\n" not in str(caught.value)
    assert not (models / "model").exists()
    hub.requests.clear()
    assert download_hub_model(hub.spec(), models) == models / "model"
    # The small files already verified are not asked for again.
    assert hub.gets() == [(f"/org/model/resolve/{REVISION}/model.bin", "bytes=50000-"),
                          ("/cdn/model.bin", "bytes=50000-")]
    assert_hub_installed(models)


@pytest.mark.parametrize("fault, message", [
    ("sha256", "model.bin of whisper-test does not match its SHA-256"),
    ("git", "config.json of whisper-test does not match the hash Git holds for it"),
    ("commit", "came from commit bbbbbbbbbbbb, not the pinned aaaaaaaaaaaa"),
    ("size", "config.json of whisper-test is 40 bytes where the hub lists 1 to 2"),
    ("pinned", "model.bin of whisper-test is not the file whose SHA-256 is pinned"),
])
def test_hub_file_that_fails_a_check_is_refused_in_one_line(
        hub: HubServer, models: Path, fault: str, message: str) -> None:
    spec = hub.spec()
    if fault == "sha256":
        hub.declared["model.bin"] = "0" * 64
    elif fault == "git":
        hub.declared["config.json"] = "0" * 40
    elif fault == "commit":
        hub.commit = "b" * 40
    elif fault == "size":
        spec = hub.spec(files=(HubFile("config.json", (1, 2)),))
    else:
        spec = hub.spec(files=(HubFile("model.bin", (0, 10**6), sha256="1" * 64),))

    with pytest.raises(ModelError) as caught:
        download_hub_model(spec, models)

    text = str(caught.value)
    assert message in text and "\n" not in text
    assert "run `voiceguide models download whisper-test` again" in text
    assert not (models / "model").exists()
    failed = text.split(" of whisper-test")[0]
    # The bad file is gone; the ones verified before it stay for the next run.
    assert not [p for p in models.rglob(f"{failed}*") if p.is_file()]


def test_hub_unreachable_says_what_to_do(models: Path) -> None:
    spec = HubModel(name="whisper-test", repo="org/model", revision=REVISION,
                    files=(HubFile("config.json", (1, 100)),),
                    hub=closed_port_url().removesuffix("/model.zip"))

    retry = r"`voiceguide models download whisper-test` again"
    with pytest.raises(ModelError, match=r"could not reach 127\.0\.0\.1.*" + retry):
        download_hub_model(spec, models, timeout=0.3)


def test_main_downloads_a_whisper_model_by_name(
        hub: HubServer, models: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    import voiceguide.asr.download as download

    monkeypatch.setitem(download.MODELS, "whisper-test", hub.spec(hub=HubModel.hub))

    status = main(["whisper-test", "--hub", hub.url, "--dest", str(models)])

    out, err = capsys.readouterr()
    assert status == 0, err
    assert out == f"{models / 'model'}\n"
    assert err.endswith("100%\n")
    assert_hub_installed(models)


def test_pinned_whisper_models_name_a_commit_and_every_file_faster_whisper_needs() -> None:
    for spec in (WHISPER_TINY_EN, WHISPER_BASE_EN):
        assert MODELS[spec.name] is spec
        assert re.fullmatch(r"[0-9a-f]{40}", spec.revision)
        assert spec.repo == f"Systran/faster-{spec.name}"
        assert {f.path for f in spec.files} == {"config.json", "model.bin", "tokenizer.json",
                                                "vocabulary.txt"}
        assert spec.url(spec.files[0]).startswith(
            f"https://huggingface.co/{spec.repo}/resolve/{spec.revision}/")
    # Sizes the hub lists to three figures stand for a range of bytes.
    assert dict((f.path, f.size) for f in WHISPER_BASE_EN.files)["model.bin"] == (
        144_500_000, 145_500_000)
    assert dict((f.path, f.size) for f in WHISPER_TINY_EN.files)["model.bin"] == (
        75_450_000, 75_550_000)


def test_wrong_model_name_or_option_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["whisper-huge"])
    assert caught.value.code == 2
    with pytest.raises(SystemExit):
        main(["whisper-base.en", "--url", "http://example.invalid/x.zip"])
    assert "--url and --sha256 are for the Vosk zip" in capsys.readouterr().err


def test_list_shows_each_installed_model_with_size_and_folder(
        models: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert list_main(["--dest", str(models)]) == 0
    assert capsys.readouterr().out.startswith(f"no models installed in {models}")

    (models / "faster-whisper-base.en").mkdir(parents=True)
    (models / "faster-whisper-base.en" / "model.bin").write_bytes(b"x" * 3 * MEGABYTE)
    (models / FOLDER / "am").mkdir(parents=True)
    (models / FOLDER / "am" / "final.mdl").write_bytes(b"y" * (MEGABYTE // 2))
    (models / ".faster-whisper-tiny.en.download").mkdir()  # unfinished: not listed

    assert list_main(["--dest", str(models)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"faster-whisper-base.en\twhisper\t3.0 MB\t{models / 'faster-whisper-base.en'}",
        f"{FOLDER}\tvosk\t0.5 MB\t{models / FOLDER}",
    ]
