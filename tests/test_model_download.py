"""The model download, against a real HTTP server on 127.0.0.1: no internet needed."""

from __future__ import annotations

import hashlib
import io
import os
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
    VOSK_SMALL_EN_US,
    ModelSpec,
    download_model,
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
