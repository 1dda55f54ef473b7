"""A fixed list of queries for the search benchmark: the 20 most frequent two-character
terms of the indexed text, then frequent single characters, then longer terms from a fixed
list of party-affairs words, then further frequent pairs, up to `n`. Deterministic for the
same index."""

from __future__ import annotations

from collections import Counter

from gongkai.search.models import Entry

#: Entries sampled to count terms (the newest ones, in sort-key order: bounded work).
SAMPLE = 2000
#: Party-affairs words a reader would type (ensures longer queries and some misses).
WORDS = (
    "党费",
    "公示",
    "党员",
    "支部",
    "发展党员",
    "三重一大",
    "民主评议",
    "组织生活会",
    "主题党日",
    "预备党员",
    "入党积极分子",
    "换届选举",
    "党风廉政",
    "村务公开",
    "财务收支",
    "工作计划",
    "年度总结",
    "监督电话",
    "困难群众",
    "慰问",
    "办公楼修缮",
    "整改",
    "意见建议",
    "回音壁",
    "依申请公开",
    "廉洁",
    "学习教育",
    "党课",
    "领导班子",
    "干部任免",
)


def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def frequent_pairs(limit: int, sample: int = SAMPLE) -> list[str]:
    """The most frequent two-Chinese-character terms of the newest `sample` entries."""
    counts: Counter[str] = Counter()
    texts = Entry.objects.order_by("-sort_key").values_list("normalized", flat=True)[:sample]
    for text in texts:
        text = text[:5000]
        counts.update(
            text[i : i + 2]
            for i in range(len(text) - 1)
            if _is_cjk(text[i]) and _is_cjk(text[i + 1])
        )
    return [pair for pair, _count in counts.most_common(limit)]


def queries(n: int = 300) -> list[str]:
    pairs = frequent_pairs(20 + n)
    out: list[str] = list(pairs[:20])
    singles: Counter[str] = Counter()
    for pair in pairs:
        singles.update(pair)
    for candidate in [c for c, _ in singles.most_common(20)] + list(WORDS) + pairs[20:]:
        if len(out) >= n:
            break
        if candidate not in out:
            out.append(candidate)
    # A small index may not hold enough distinct pairs: fill with the fixed words' pairs.
    fill = [w[i : i + 2] for w in WORDS for i in range(len(w) - 1)]
    for candidate in fill:
        if len(out) >= n:
            break
        if candidate not in out:
            out.append(candidate)
    index = 0
    while len(out) < n:
        out.append(f"{WORDS[index % len(WORDS)]} {index}")
        index += 1
    return out[:n]
