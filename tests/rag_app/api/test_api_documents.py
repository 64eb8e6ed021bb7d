"""GET/POST/DELETE /v1/documents: uploads ingested at once, limits, corrupt files leaving the store alone."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import httpx
import pytest
from api_server import Server

pytestmark = pytest.mark.server

UPLOAD_LIMIT = 100_000

GUIDE = """# Bike Chain Care

## Lubrication

Wipe the chain with a dry rag, then put one drop of chain oil on every roller while turning the pedals
backwards.
Wipe off the excess oil after five minutes so the chain does not collect dirt.
"""


@pytest.fixture(scope="module")
def server(start_server: Callable[..., Server]) -> Server:
    return start_server(MAX_UPLOAD_BYTES=str(UPLOAD_LIMIT))


@pytest.fixture(scope="module")
def http(server: Server) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client


def documents(http: httpx.Client) -> dict[str, int]:
    response = http.get("/v1/documents")
    assert response.status_code == 200
    return {d["source"]: d["chunks"] for d in response.json()["documents"]}


def error(response: httpx.Response, status: int) -> dict[str, str]:
    assert response.status_code == status, response.text
    assert "Traceback" not in response.text
    return dict(response.json()["error"])


def test_list(http: httpx.Client) -> None:
    listed = documents(http)
    assert set(listed) == {"kettle_care_en.md", "bottle_care_zh.md"} and all(listed.values())


def test_upload_is_ingested_at_once_then_deleted(http: httpx.Client) -> None:
    response = http.post("/v1/documents", files={"file": ("bike chain.md", GUIDE.encode(), "text/markdown")})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["source"] == "bike_chain.md" and result["status"] == "ingested"
    assert result["chunks_added"] > 0
    assert documents(http)["bike_chain.md"] == result["chunks_added"]
    answer = http.post("/v1/ask", json={"question": "How do I oil the bike chain?"}).json()
    assert answer["sources"][0]["source"] == "bike_chain.md"

    again = http.post("/v1/documents", files={"file": ("bike chain.md", GUIDE.encode(), "text/markdown")})
    assert again.json()["status"] == "unchanged"

    deleted = http.delete("/v1/documents/bike_chain.md")
    assert deleted.json() == {"source": "bike_chain.md", "chunks_deleted": result["chunks_added"]}
    assert "bike_chain.md" not in documents(http)
    assert error(http.delete("/v1/documents/bike_chain.md"), 404)["code"] == "document_not_found"


def test_pdf_upload_keeps_its_pages(http: httpx.Client) -> None:
    canvas = pytest.importorskip("reportlab.pdfgen.canvas")
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for line, text in enumerate(["Lawn Mower Blade Care", "Sharpen the mower blade every spring with a file.",
                                 "Disconnect the spark plug wire before touching the blade."]):
        pdf.drawString(72, 760 - 20 * line, text)
    pdf.showPage()
    pdf.save()
    response = http.post("/v1/documents", files={"file": ("mower.pdf", buffer.getvalue(), "application/pdf")})
    assert response.status_code == 200, response.text
    answer = http.post("/v1/ask", json={"question": "How often should I sharpen the mower blade?"}).json()
    sources = answer["sources"]
    assert sources[0]["source"] == "mower.pdf" and sources[0]["page"] == 1
    http.delete("/v1/documents/mower.pdf")


def test_corrupt_pdf_is_refused_by_name_and_the_store_is_unchanged(http: httpx.Client) -> None:
    before = documents(http)
    corrupt = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" + bytes(range(256)) * 20
    response = http.post("/v1/documents", files={"file": ("broken.pdf", corrupt, "application/pdf")})
    failure = error(response, 422)
    assert failure["code"] == "unreadable_document" and "broken.pdf" in failure["message"]
    assert documents(http) == before


def test_unsupported_type_and_missing_file(http: httpx.Client) -> None:
    before = documents(http)
    exe = ("tool.exe", b"MZ\x90\x00", "application/octet-stream")
    failure = error(http.post("/v1/documents", files={"file": exe}), 400)
    assert failure["code"] == "unsupported_file_type" and "tool.exe" in failure["message"]
    assert "file" in error(http.post("/v1/documents", data={"note": "no file"}), 422)["message"]
    assert "file" in error(http.post("/v1/documents", files={"other": ("a.md", b"# A")}), 422)["message"]
    malformed = http.post("/v1/documents", content=b"--x\r\nnot a part",
                          headers={"Content-Type": "multipart/form-data; boundary=x"})
    assert malformed.status_code in (400, 422)
    assert documents(http) == before


def test_upload_limit(http: httpx.Client) -> None:
    before = documents(http)
    # Declared too large: refused before the body is read.
    big = error(http.post("/v1/documents", files={"file": ("big.md", b"# Big\n" + b"x" * 300_000)}), 413)
    assert big["code"] == "too_large" and "MAX_UPLOAD_BYTES" in big["message"]
    # Just over the limit: the body passes, the file does not.
    just_over = ("over.md", b"# Over\n" + b"x" * UPLOAD_LIMIT)
    over = error(http.post("/v1/documents", files={"file": just_over}), 413)
    assert str(UPLOAD_LIMIT) in over["message"]

    # No Content-Length (chunked): counted while it streams in, refused once it outgrows the limit.
    def chunked() -> Iterator[bytes]:
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="stream.md"\r\n\r\n# Stream\n'
        for _ in range(100):
            yield b"x" * 10_000
        yield b"\r\n--b--\r\n"

    streamed = http.post("/v1/documents", content=chunked(),
                         headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert error(streamed, 413)["code"] == "too_large"
    assert documents(http) == before
