"""Revisions compare as a reader would: each side of a text diff reads back as that side's
text, a revision compared with itself shows no change, tables compare row by row with the
changed cells marked, files added and removed are named; never a raw dict."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai.conftest import client_for
from gongkai.disclosures import workflow
from gongkai.portal.diff import (
    ADDED,
    CHANGED,
    REMOVED,
    SAME,
    Side,
    body_text,
    compare,
    text_diff,
)
from gongkai.portal.reading import StructuredData
from gongkai.portal.tests.conftest import published

#: Chinese text with sentence ends, digits, Latin letters and line breaks.
chinese = st.text(
    st.sampled_from(list("党支部村委会公开名单姓名金额元年月日的了。，；！？、\n 0123456789abc")),
    max_size=120,
)


@settings(max_examples=300, deadline=None)
@given(before=chinese, after=chinese)
def test_each_side_of_a_text_diff_reads_back_as_its_text(before: str, after: str) -> None:
    diff = text_diff(before, after)

    assert diff.before_text() == before
    assert diff.after_text() == after
    assert {s.kind for s in diff.before} <= {SAME, REMOVED}
    assert {s.kind for s in diff.after} <= {SAME, ADDED}
    assert diff.changed == (before != after)


@settings(max_examples=100, deadline=None)
@given(text=chinese)
def test_a_text_compared_with_itself_has_no_change(text: str) -> None:
    assert not text_diff(text, text).changed


cells = st.text(st.sampled_from(list("王李张三四五0123456789元男女")), max_size=6)


@st.composite
def sides(draw: st.DrawFn) -> Side:
    columns = ["姓名", "性别", "金额"]
    rows = draw(st.lists(st.lists(cells, min_size=3, max_size=3), max_size=6))
    fields = draw(st.lists(st.tuples(st.sampled_from(["批次", "会议日期"]), cells), max_size=2))
    return Side(
        title=draw(chinese),
        body="".join(f"<p>{line}</p>" for line in draw(st.lists(chinese, max_size=3))),
        data=StructuredData(list(dict(fields).items()), columns, rows),
        files=draw(
            st.lists(
                st.tuples(st.sampled_from(["名单.xlsx", "通知.pdf"]), st.sampled_from("ab")),
                max_size=2,
                unique=True,
            )
        ),
    )


@settings(max_examples=100, deadline=None)
@given(side=sides())
def test_a_revision_compared_with_itself_shows_no_change(side: Side) -> None:
    assert not compare(side, side)


@settings(max_examples=150, deadline=None)
@given(before=sides(), after=sides())
def test_the_row_changes_account_for_every_row_of_both_sides(before: Side, after: Side) -> None:
    diff = compare(before, after)

    kinds = [r.kind for r in diff.rows]
    assert kinds.count(REMOVED) + kinds.count(CHANGED) + diff.rows_unchanged == len(
        before.data.rows
    )
    assert kinds.count(ADDED) + kinds.count(CHANGED) + diff.rows_unchanged == len(after.data.rows)
    for row in diff.rows:
        if row.kind == CHANGED:
            assert row.before and row.after
            assert any(c.changed for c in row.after)
            assert [c.text for c in row.before] != [c.text for c in row.after]
    assert diff.body.before_text() == body_text(before.body)
    assert diff.body.after_text() == body_text(after.body)


def side(**overrides: object) -> Side:
    values: dict[str, object] = {
        "title": "2026年春节困难党员慰问名单",
        "body": "<p>经支部委员会研究，慰问以下党员。</p><p>慰问金由镇党委拨付。</p>",
        "data": StructuredData(
            [("批次", "第一批")],
            ["姓名", "金额"],
            [["王某", "500.00"], ["李某", "300.00"], ["张某", "300.00"]],
        ),
        "files": [("名单.xlsx", "a")],
    }
    values.update(overrides)
    return Side(**values)  # type: ignore[arg-type]


def test_a_changed_cell_is_marked_and_the_other_rows_are_counted() -> None:
    after = side(
        data=StructuredData(
            [("批次", "第二批")],
            ["姓名", "金额"],
            [["王某", "500.00"], ["李某", "350.00"], ["张某", "300.00"], ["赵某", "200.00"]],
        )
    )

    diff = compare(side(), after)

    assert [(r.kind, [c.text for c in r.after or []]) for r in diff.rows] == [
        (CHANGED, ["李某", "350.00"]),
        (ADDED, ["赵某", "200.00"]),
    ]
    assert [c.changed for c in diff.rows[0].after or []] == [False, True]
    assert diff.rows_unchanged == 2
    assert [(f.label, f.diff.before_text(), f.diff.after_text()) for f in diff.fields] == [
        ("批次", "第一批", "第二批")
    ]


def test_a_changed_word_is_marked_inside_its_sentence() -> None:
    diff = compare(
        side(), side(body="<p>经支部委员会研究，慰问以下党员。</p><p>慰问金由村委会拨付。</p>")
    )

    assert not diff.title.changed
    assert [(s.kind, s.text) for s in diff.body.after if s.kind != SAME] == [(ADDED, "村委会")]
    assert [(s.kind, s.text) for s in diff.body.before if s.kind != SAME] == [(REMOVED, "镇党委")]


def test_files_added_and_removed_are_named() -> None:
    diff = compare(side(), side(files=[("名单.xlsx", "b"), ("通知.pdf", "c")]))

    assert diff.files_added == ["名单.xlsx", "通知.pdf"]
    assert diff.files_removed == ["名单.xlsx"]


# -- on the pages ------------------------------------------------------------------------------


def test_the_public_history_shows_what_a_correction_changed(people, draft, client) -> None:  # type: ignore[no-untyped-def]
    notice = published(people, draft)
    workflow.correct(
        notice,
        actor=people.reviewer,
        reason="电话号码有误",
        title="东岭村监督电话",
        body="<p>监督电话：0871-6123409</p>",
    )

    html = client.get(f"/d/{notice.pk}/").content.decode()

    history = html[html.index('class="card revisions"') :]
    assert '<del class="diff-removed">1</del>' in history
    assert '<ins class="diff-added">9</ins>' in history
    assert "{&#x27;" not in html and "{'" not in html


def test_the_review_page_shows_the_changes_side_by_side(people, draft) -> None:  # type: ignore[no-untyped-def]
    workflow.submit(draft, actor=people.clerk)
    workflow.return_to_clerk(draft, actor=people.reviewer, reason="电话写错了")
    workflow.edit_draft(
        draft,
        actor=people.clerk,
        title="东岭村党支部监督电话",
        body="<p>监督电话：0871-6123409</p>",
        data={},
        channels=draft.channels,
    )
    workflow.submit(draft, actor=people.clerk)

    html = client_for(people.reviewer).get(f"/console/disclosures/{draft.pk}/").content.decode()

    assert "第 1 版到第 2 版的变化" in html
    assert '<ins class="diff-added">党支部</ins>' in html
    assert 'class="diff-sides"' in html
    assert "{&#x27;" not in html and "{'" not in html
