import pytest

from gongkai.disclosures.content import sanitize_html


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>党费<script>alert(1)</script></p>", "<p>党费</p>"),
        (
            '<a href="javascript:alert(1)">点我</a>',
            '<a rel="noopener noreferrer nofollow">点我</a>',
        ),
        ('<a href="data:text/html,x">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
        ('<img src=x onerror="alert(1)">', ""),
        ('<p onclick="x()" style="color:red">公示</p>', "<p>公示</p>"),
        (
            '<a href="https://example.cn/a">链接</a>',
            '<a href="https://example.cn/a" rel="noopener noreferrer nofollow">链接</a>',
        ),
        (
            '<a href="/portal/x">站内</a>',
            '<a href="/portal/x" rel="noopener noreferrer nofollow">站内</a>',
        ),
        (
            '<a href="mailto:a@b.cn">信箱</a>',
            '<a href="mailto:a@b.cn" rel="noopener noreferrer nofollow">信箱</a>',
        ),
        (
            "<table><tr><td colspan=2>合计</td></tr></table>",
            '<table><tbody><tr><td colspan="2">合计</td></tr></tbody></table>',
        ),
    ],
)
def test_only_allowed_tags_attributes_and_link_schemes_survive(dirty, clean):
    assert sanitize_html(dirty) == clean
