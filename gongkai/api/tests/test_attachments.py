"""Files through the API: attached and removed on a draft by its clerk, published with the
revision, their text masked, the original linked only where the portal would serve it."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from gongkai.disclosures import attachments, workflow
from gongkai.disclosures.models import Attachment
from gongkai.disclosures.tests import files
from gongkai.ledger.documents import served_text

from .conftest import API, CHECKLIST, ApiClient, published

ID_NUMBER = "11010519491231002X"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


def xlsx(*cells: str) -> bytes:
    book = Workbook()
    for row, value in enumerate(cells, start=1):
        book.active.cell(row=row, column=1, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client: ApiClient, pk: int, name: str, content: bytes):
    return client.client.post(
        f"{API}/disclosures/{pk}/attachments",
        {"file": SimpleUploadedFile(name, content)},
        headers=client.headers,
    )


def test_a_clerk_attaches_and_removes_a_file(people, draft):
    clerk = ApiClient(people.clerk)
    response = upload(clerk, draft.pk, "名单.xlsx", xlsx("王某"))
    assert response.status_code == 201, response.json()
    [listed] = response.json()["attachments"]
    assert (listed["name"], listed["kind"]) == ("名单.xlsx", "xlsx")
    response = clerk.client.delete(
        f"{API}/disclosures/{draft.pk}/attachments/{listed['id']}", headers=clerk.headers
    )
    assert response.status_code == 200
    assert response.json()["attachments"] == []
    assert not Attachment.objects.exists()


def test_attaching_is_refused_in_chinese_and_changes_nothing(people, draft):
    clerk = ApiClient(people.clerk)
    response = upload(clerk, draft.pk, "a.exe", b"MZ\x90\x00 not a document")
    assert response.status_code == 400
    assert response.json() == {"detail": str(attachments.NOT_ALLOWED_TYPE % {"name": "a.exe"})}
    assert upload(ApiClient(people.reviewer), draft.pk, "a.xlsx", xlsx("x")).status_code == 403
    assert upload(ApiClient(people.outsider), draft.pk, "a.xlsx", xlsx("x")).status_code == 404
    assert upload(ApiClient(), draft.pk, "a.xlsx", xlsx("x")).status_code == 401
    assert not Attachment.objects.exists()


def test_published_files_are_masked_and_linked_only_when_nothing_is_masked(people, draft):
    clerk = ApiClient(people.clerk)
    upload(clerk, draft.pk, "名单.xlsx", xlsx("王某", ID_NUMBER))
    upload(clerk, draft.pk, "说明.xlsx", xlsx("村委会"))
    d = published(people, draft)
    anonymous = ApiClient()
    files = {a["name"]: a for a in anonymous.get(f"/disclosures/{d.pk}").json()["attachments"]}
    assert ID_NUMBER not in files["名单.xlsx"]["text_preview"]
    assert "1101**********002X" in files["名单.xlsx"]["text_preview"]
    assert files["名单.xlsx"]["download_url"] is None
    url = files["说明.xlsx"]["download_url"]
    assert url.endswith(f"/d/{d.pk}/files/{Attachment.objects.get(name='说明.xlsx').pk}")
    assert anonymous.client.get(url).status_code == 200
    revisions = anonymous.get(f"/disclosures/{d.pk}/revisions").json()
    assert {a["name"] for a in revisions[-1]["attachments"]} == {"名单.xlsx", "说明.xlsx"}


def test_a_withdrawn_disclosure_lists_no_files(people, draft):
    upload(ApiClient(people.clerk), draft.pk, "说明.xlsx", xlsx("村委会"))
    d = published(people, draft)
    workflow.withdraw(d, actor=people.reviewer, reason="过期")
    anonymous = ApiClient()
    assert anonymous.get(f"/disclosures/{d.pk}").json()["attachments"] is None
    assert anonymous.get(f"/disclosures/{d.pk}/revisions").json()[0]["attachments"] is None


def test_a_reviewer_records_a_scan_as_checked_by_eye_and_its_original_is_then_linked(people, draft):
    clerk, reviewer = ApiClient(people.clerk), ApiClient(people.reviewer)
    [listed] = upload(clerk, draft.pk, "扫描件.png", files.png()).json()["attachments"]
    assert (listed["complete"], listed["unread"], listed["checked_at"]) == (False, ["image"], None)
    checked = f"/disclosures/{draft.pk}/attachments/{listed['id']}/checked"
    assert reviewer.post(checked).status_code == 400  # still a draft
    workflow.submit(draft, actor=people.clerk)
    assert clerk.post(checked).status_code == 403
    response = reviewer.post(checked)
    assert response.status_code == 200, response.json()
    assert response.json()["attachments"][0]["checked_at"] is not None
    workflow.review(draft, actor=people.reviewer, checklist=CHECKLIST)
    workflow.approve(draft, actor=people.reviewer)
    workflow.publish(draft, actor=people.clerk)
    [file] = ApiClient().get(f"/disclosures/{draft.pk}").json()["attachments"]
    assert file["checked_by_eye"] and file["download_url"]


def test_a_files_digest_is_that_of_what_is_served_never_of_an_original_kept_back(people, draft):
    """`sha256` and `size` are those of the bytes a reader gets, as the log's document records
    them: the original's when it is served, otherwise the masked text's canonical JSON. The
    digest of an original kept back would be an unsalted hash of unmasked content."""
    clerk = ApiClient(people.clerk)
    upload(clerk, draft.pk, "名单.xlsx", xlsx("王某", ID_NUMBER))
    upload(clerk, draft.pk, "说明.xlsx", xlsx("村委会"))
    d = published(people, draft)
    response = ApiClient().get(f"/disclosures/{d.pk}")
    listed = {a["name"]: a for a in response.json()["attachments"]}
    kept_back = Attachment.objects.get(name="名单.xlsx")
    served = Attachment.objects.get(name="说明.xlsx")
    assert kept_back.sha256 not in response.content.decode()
    text = served_text([(p["name"], p["text"]) for p in listed["名单.xlsx"]["parts"]])
    assert listed["名单.xlsx"] | {"parts": None} == listed["名单.xlsx"] | {
        "served": "text",
        "sha256": hashlib.sha256(text).hexdigest(),
        "size": len(text),
        "parts": None,
    }
    download = ApiClient().client.get(listed["说明.xlsx"]["download_url"])
    original = download.getvalue()
    assert listed["说明.xlsx"]["served"] == "original"
    assert listed["说明.xlsx"]["sha256"] == hashlib.sha256(original).hexdigest() == served.sha256
    assert listed["说明.xlsx"]["size"] == len(original)
    # Exactly what the log's entry committed to.
    [entry] = ApiClient().get(f"/disclosures/{d.pk}/proof").json()["entries"]
    recorded = {a["name"]: a for a in entry["document"]["attachments"]}
    for name, shown in listed.items():
        assert {k: shown[k] for k in ("served", "sha256", "size")} == {
            k: recorded[name][k] for k in ("served", "sha256", "size")
        }
    revisions = ApiClient().get(f"/disclosures/{d.pk}/revisions").content.decode()
    assert kept_back.sha256 not in revisions
