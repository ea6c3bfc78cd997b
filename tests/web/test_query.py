"""One page-number parser for every paged list, and links that keep the other choices."""

from __future__ import annotations

import pytest

from fisoko.web.query import link, page_number


@pytest.mark.parametrize(
    ("raw", "page"),
    [(None, 1), ("", 1), ("2", 2), (" 7 ", 7), ("abc", 1), ("0", 1), ("-3", 1), ("999999", 999999),
     ("1000000", 1), ("\u0663", 1), ("2.5", 1)],
)  # fmt: skip
def test_page_number(raw, page):
    assert page_number(raw) == page


def test_a_link_keeps_the_other_choices_and_leaves_defaults_out():
    chosen = {"page": 2, "sort": "progress", "show": "all", "region_page": 3}
    defaults = {"page": 1, "sort": "school", "show": "all", "region_page": 1}
    assert link(chosen, defaults, region_page=1) == {"page": 2, "sort": "progress"}
    assert link(chosen, defaults, page=3) == {"page": 3, "sort": "progress", "region_page": 3}
    assert link(chosen, defaults, show="late") == {
        "page": 2,
        "sort": "progress",
        "show": "late",
        "region_page": 3,
    }
