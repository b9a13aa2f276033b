"""Reading the guide links of a page."""

from __future__ import annotations

import re

LINK = re.compile(r'<a class="guide-link" href="([^"]+)" data-guide="([^"]+)"')


def guide_links(page: str) -> dict[str, str]:
    """The page's "？ 使い方" links: topic → href."""
    return {topic: href for href, topic in LINK.findall(page)}
