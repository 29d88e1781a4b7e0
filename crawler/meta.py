"""The `request.meta` keys duwang's components share, each named once (Scrapy's own keys, such as
`redirect_urls`, `download_latency` or `max_retry_times`, keep their documented meaning).

| key               | type       | set by                        | read by                                |
|-------------------|------------|-------------------------------|----------------------------------------|
| `duwang_site`     | str        | spider (`make_request`)       | all: the site whose limits apply       |
| `duwang_role`     | FetchRole  | spider; CrawlLimitsMiddleware | spider, revalidation, Reprobe          |
| `duwang_depth`    | int        | spider                        | spider, TimeoutRetry, CrawlLimits      |
| `duwang_referer`  | str / None | spider                        | spider (the fact's referer)            |
| `duwang_origin`   | str        | spider, on a link's request   | CrawlLimits (outside-check budget)     |
| `duwang_link`     | LinkKind   | spider, on a link's request   | CrawlLimits (a link target to judge)   |
| `duwang_rendered` | bool       | spider (read by the browser)  | spider, RevalidationPolicy             |
| `duwang_raw_links`| list[str]  | spider, with `duwang_rendered`| spider (links stored before rendering) |
| `duwang_reprobe`  | bool       | Reprobe extension             | RevalidationPolicy                     |
| `duwang_carried`  | PageFact   | RevalidationMiddleware on 304 | spider (the last run's fact)           |
| `duwang_fresh`    | bool       | RevalidationMiddleware        | RevalidationPolicy (asked in full)     |
| `duwang_stored`   | bool       | spider                        | spider (page handed to the store)      |
| `duwang_problems` | list[str]  | SafeMetaRefreshMiddleware     | spider (stored with the page)          |

A request without `duwang_site` (robots.txt) is left alone by every duwang component.
"""

from __future__ import annotations

SITE = "duwang_site"
ROLE = "duwang_role"
DEPTH = "duwang_depth"
REFERER = "duwang_referer"
ORIGIN = "duwang_origin"
LINK = "duwang_link"
RENDERED = "duwang_rendered"
RAW_LINKS = "duwang_raw_links"
REPROBE = "duwang_reprobe"
CARRIED = "duwang_carried"
FRESH = "duwang_fresh"
STORED = "duwang_stored"
PROBLEMS = "duwang_problems"
