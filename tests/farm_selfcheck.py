"""Self-check of the demo farm (test code): render every page, extract its links the way a crawler would,
and verify the ground truth against what is actually served. check_farm(farm) returns a list of problems;
an empty list means the ground truth is honest. tests/test_farm.py runs it.

A new planting module of the farm (crawler/farm/__init__.py says how) adds a check of its truth keys here.
"""

from __future__ import annotations

import re
from ipaddress import ip_address
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from crawler.farm import Farm, linkcases
from crawler.farm.truth import ground_truth
from tests.farm_reader import (
    ANNUAL_NAMES,
    CHECK_PORT,
    ITEM_PAGE,
    MAX_DEPTH,
    PUB_DATE,
    REPORT_YEAR,
    FarmReader,
    Page,
    crawl_depths,
    decode_html,
    follow,
)


def check_farm(farm: Farm, port: int = CHECK_PORT) -> list[str]:
    """Verify the ground truth against the pages the farm serves; returns the problems found."""
    gt = ground_truth(farm, port)
    reader = FarmReader(farm, port)
    problems: list[str] = []
    # Every page of the model, so "pages linking X" is complete, not only what a crawl happens to reach.
    all_pages: list[str] = []
    for ip, host in farm.hosts.items():
        for path, res in host.items():
            if res.kind == "page":
                all_pages.append(f"http://{ip}:{port}{path}")
    linkers: dict[tuple[str, str], set[str]] = {}
    for url in all_pages:
        for target, tag, _ in (reader.page(url) or Page()).links:
            linkers.setdefault((target, tag), set()).add(url)
    for sid, st in gt["sites"].items():
        problems += [f"{sid}: {p}" for p in _check_site(reader, linkers, st, port)]
    return problems


def _check_site(
    reader: FarmReader, linkers: dict[tuple[str, str], set[str]], st: dict, port: int
) -> list[str]:
    out: list[str] = []
    host, prefix, base = st["scope"]["host"], st["scope"]["path_prefix"], st["base_url"]
    robots = RobotFileParser()
    reply = reader.fetch(f"http://{host}/robots.txt")
    robots.parse(reply.body.decode().splitlines() if reply else [])
    scopes = [(host, prefix)] + [(a["host"], a["path_prefix"]) for a in st["scope"].get("also", [])]
    depth = crawl_depths(reader, base, scopes, robots)
    reachable = set(depth)

    out += _check_dead_links(reader, linkers, st, reachable, port)
    out += _check_link_cases(st, reader, linkers)

    for url in st["robots_linked"]:
        if robots.can_fetch("*", url):
            out.append(f"{url} is not disallowed by robots.txt")
        if not any(url in {t for t, _, _ in (reader.page(p) or Page()).links} for p in reachable):
            out.append(f"{url} is not linked from any reachable page")

    for url, title in st["titles"].items():
        page = reader.page(url)
        if page is None or page.title != title:
            out.append(f"title of {url}: {page.title if page else None!r} != {title!r}")

    out += _check_home(reader, st, base)
    out += _check_columns(reader, st, reachable)
    out += _check_sections(reader, st, reachable)
    out += _check_key_areas(reader, st, reachable)
    out += _check_service_guides(reader, st, reachable)
    out += _check_policy_links(reader, st, reachable)
    out += _check_mailbox(reader, st, reachable)
    return out + _check_redirects_and_trap(reader, st, base)


def _check_policy_links(reader: FarmReader, st: dict, reachable: set[str]) -> list[str]:
    """crawler/farm/interpretations.py: each interpretation is reachable, titled 解读, and links to its
    policy exactly when the truth says so; the policy links back exactly when the truth says so."""
    out: list[str] = []
    for row in st["policy_links"]:
        reading = reader.page(row["interpretation"]) if row["interpretation"] in reachable else None
        if reading is None or "解读" not in (reading.title or ""):
            out.append(f"interpretation {row['interpretation']} not reachable or not titled 解读")
            continue
        targets = {target for target, tag, _ in reading.links if tag == "a"}
        policy = row["policy"]
        if policy is None:
            continue
        if policy not in targets:
            out.append(f"interpretation {row['interpretation']} does not link {policy}")
        backs = {target for target, tag, _ in (reader.page(policy) or Page()).links if tag == "a"}
        if (row["interpretation"] in backs) != row["back"]:
            out.append(f"policy {policy} links back: {not row['back']}, truth says {row['back']}")
    return out


def _check_service_guides(reader: FarmReader, st: dict, reachable: set[str]) -> list[str]:
    """crawler/farm/services.py: each guide the truth lists is reachable and shows exactly the elements it
    does not list as missing; every other guide of the site shows all ten."""
    from crawler.farm.services import ELEMENTS

    out: list[str] = []
    listed = {row["url"]: row["missing"] for row in st["service_guides"]}
    guides = {url for url in listed} | {
        url for url in reachable if "/bszn/" in url and url.endswith(".html") and "index" not in url
    }
    for url in sorted(guides):
        text = (reader.page(url) or Page()).text if url in reachable else ""
        shown = [e for e in ELEMENTS if f"{e}：" in text]
        missing = [e for e in ELEMENTS if e not in shown]
        if not text or sorted(missing) != sorted(listed.get(url, [])):
            out.append(f"service guide {url}: shows no {missing}, truth says {listed.get(url, [])}")
    return out


def _check_key_areas(reader: FarmReader, st: dict, reachable: set[str]) -> list[str]:
    """crawler/farm/keyareas.py: each key area's column is a column of the truth with the same newest date;
    the planted budget and final-accounts pages are reachable and titled so; no other reachable page of the
    site has 预算 or 决算 in its title."""
    out: list[str] = []
    columns = {c["url"]: c for c in st["columns"]}
    for row in st["key_areas"]:
        column = columns.get(row["url"]) if row["url"] else None
        if row["url"] and (column is None or column["newest_date"] != row["newest_date"]):
            out.append(f"key area {row['area']}: {row['url']} is not a column of that newest date")
    planted = set()
    for row in st["fiscal_reports"]:
        page = reader.page(row["url"]) if row["url"] in reachable else None
        word = "预算" if row["kind"] == "budget" else "决算"
        if page is None or f"{row['year']}年" not in (page.title or "") or word not in (page.title or ""):
            out.append(f"fiscal report {row} not reachable or not titled so")
        planted.add(row["url"])
    for url in reachable - planted:
        title = (reader.page(url) or Page()).title or ""
        if "预算" in title or "决算" in title:
            out.append(f"{url}: {title!r} names a budget the truth does not list")
    return out


def _check_dead_links(
    reader: FarmReader, linkers: dict[tuple[str, str], set[str]], st: dict, reachable: set[str], port: int
) -> list[str]:
    """Dead links: linked from exactly the listed pages, each reachable, and answering as recorded."""
    out: list[str] = []
    for dl in st["dead_links"]:
        linking = sorted(linkers.get((dl["target"], dl["tag"]), ()))
        if linking != sorted(dl["pages"]):
            out.append(f"dead link {dl['target']} linked from {linking}, truth says {dl['pages']}")
        for p in dl["pages"]:
            if p not in reachable:
                out.append(f"dead link page {p} not reachable within depth {MAX_DEPTH}")
        if dl["on_homepage"] != (st["base_url"] in dl["pages"]):
            out.append(f"dead link {dl['target']}: on_homepage wrong")
        out += _check_target(reader, dl, port)
    return out


def _check_redirects_and_trap(reader: FarmReader, st: dict, base: str) -> list[str]:
    out: list[str] = []
    for r in st["redirects"]:
        rep = reader.fetch(r["from"])
        loc = dict(rep.headers).get("Location") if rep else None
        if rep is None or rep.status != r["status"] or urljoin(r["from"], loc or "") != r["to"]:
            out.append(f"redirect {r['from']} wrong")
    if st["trap"]:
        page = reader.page(st["trap"] + "?d=5")
        if page is None or st["trap"] + "?d=6" not in {t for t, _, _ in page.links}:
            out.append("calendar trap does not link to the next day")
        if st["trap"] not in {t for t, _, _ in (reader.page(base) or Page()).links}:
            out.append("calendar trap not linked from the homepage")
    return out


def _check_target(reader: FarmReader, dl: dict, port: int) -> list[str]:
    target = dl["target"]
    parts = urlsplit(target)
    kind = dl["kind"]
    if kind == "offlist":
        is_loopback = (
            parts.hostname is not None
            and parts.hostname[0].isdigit()
            and ip_address(parts.hostname).is_loopback
        )
        return [f"offlist target {target} is on loopback"] if is_loopback else []
    if kind == "refused":
        ok = parts.hostname not in reader.ips and parts.port == port
        return [] if ok else [f"refused target {target} is served"]
    reply = reader.fetch(target)
    if reply is None:
        return [f"{target} not served by the farm"]
    if dl["redirect_chain"]:  # judged by the answer at the end of its redirects
        reply, hops = follow(reader, target, dl["redirect_chain"])
        if hops != dl["redirect_chain"] or reply is None:
            return [f"{target} redirects through {hops}, truth says {dl['redirect_chain']}"]
    if kind == "timeout":
        return [] if reply.delay >= 10 else [f"{target} does not stall"]
    if kind == "redirect_loop":
        seen = {target}
        url = target
        for _ in range(5):
            rep = reader.fetch(url)
            if rep is None or rep.status not in (301, 302):
                return [f"{target} is not a redirect loop"]
            url = urljoin(url, dict(rep.headers)["Location"])
            if url in seen:
                return []
            seen.add(url)
        return [f"{target} redirects without looping"]
    problems = []
    if reply.status != dl["status"]:
        problems.append(f"{target} answers {reply.status}, truth says {dl['status']}")
    if kind == "soft_404" and "页面不存在" not in decode_html(reply.body):
        problems.append(f"{target} is not a soft 404 page")
    return problems


def _check_home(reader: FarmReader, st: dict, base: str) -> list[str]:
    out: list[str] = []
    reply = reader.fetch(base)
    assert reply is not None
    html = decode_html(reply.body)
    found = {
        "site_id_code": "网站标识码" in html,
        "icp": "https://beian.miit.gov.cn/" in html,
        "police": "www.beian.gov.cn/portal/registerSystemInfo" in html,
        # An <img> badge, a conac.cn script, or a script that writes one (document.write(unescape(...))).
        "conac_badge": "bszs.conac.cn" in html or "dcs.conac.cn/js/" in html,
        "sitemap": ">网站地图<" in html,
        # A search form, or an <input> + button without a form.
        "search": re.search(r'action="[^"]*search/"|search/\?keyword=', html) is not None,
        "error_report": "/exposure/jiucuo.js" in html,  # the national 找错 platform's button script
    }
    if found != st["elements"]:
        out.append(f"homepage elements {found} != {st['elements']}")
    m = re.search(r"网站标识码：(\w+)", html)
    if m and m.group(1) != st["site_id_code"]:
        out.append("footer 网站标识码 differs from the truth")
    meta = re.search(r'<meta name="SiteIDCode" content="(\w+)">', html)
    if (meta.group(1) if meta else None) != st["meta_site_id_code"]:
        out.append("SiteIDCode meta differs from the truth")
    # The homepage's newest item: the newest publication date among the detail pages it links.
    page = reader.page(base)
    dates = []
    for url, tag, _ in page.links if page else []:
        p = reader.page(url) if tag == "a" and url.startswith(base) else None
        m2 = PUB_DATE.search(p.text) if p else None
        if m2 and p and p.title and url.endswith(".html"):
            dates.append(m2.group(1))
    newest = max(dates) if dates else None
    if newest != st["homepage_newest_date"]:
        out.append(f"homepage newest {newest} != {st['homepage_newest_date']}")
    return out


def _column_item_urls(reader: FarmReader, col: dict) -> list[str]:
    folder = col["url"].rsplit("/", 1)[0] + "/"
    urls: list[str] = []
    for page_url in col["page_urls"]:
        page = reader.page(page_url)
        if page is None:
            return []
        for url, tag, _ in page.links:
            path = urlsplit(url).path
            if tag != "a" or url in urls:
                continue
            # An article under the column's folder (TRS, plain), a Hanweb /art/ page, or a file (表格下载).
            if (ITEM_PAGE.search(path) and (url.startswith(folder) or "/art/" in path)) or re.search(
                r"/P0\d+\.(doc|xls)$", path
            ):
                urls.append(url)
    return urls


def _check_columns(reader: FarmReader, st: dict, reachable: set[str]) -> list[str]:
    out: list[str] = []
    for col in st["columns"]:
        if col["url"] not in reachable:
            out.append(f"column {col['name']} not reachable")
            continue
        urls = _column_item_urls(reader, col)
        out += _check_column_page(reader, col, urls, reachable)
        if urls and urls[0].endswith((".doc", ".xls")):
            continue  # 表格下载 lists files: no detail page to read a date from
        out += _check_column_dates(reader, st, col, urls)
    return out


def _check_column_page(reader: FarmReader, col: dict, urls: list[str], reachable: set[str]) -> list[str]:
    """What a column's first page lists and says, and its aliases."""
    out: list[str] = []
    name = col["name"]
    if len(urls) != col["items"]:
        out.append(f"column {name}: {len(urls)} items listed, truth says {col['items']}")
    page = reader.page(col["url"])
    text = page.text if page else ""
    says_empty = "暂无信息" in text or "暂无数据" in text
    if col["empty_markup"] == "text" and not says_empty:
        out.append(f"column {name}: empty but says nothing")
    if col["empty_markup"] == "bare" and (says_empty or not _bare_empty_list(reader, col["url"])):
        out.append(f"column {name}: not a bare empty list")
    for alias in col["aliases"]:
        if reader.fetch(alias).body != reader.fetch(col["url"]).body:  # type: ignore[union-attr]
            out.append(f"column {name}: alias {alias} serves another page")
        if alias not in reachable:
            out.append(f"column {name}: alias {alias} not linked")
    if col["catalogue_note"] != ("本机关无此类信息" in text):
        out.append(f"column {name}: catalogue note mismatch")
    return out


def _check_column_dates(reader: FarmReader, st: dict, col: dict, urls: list[str]) -> list[str]:
    """The publication dates on a column's detail pages against its newest, sorted and undated truth."""
    out: list[str] = []
    name = col["name"]
    dates = []
    for url in urls:
        p = reader.page(url)
        m = PUB_DATE.search(p.text) if p else None
        dates.append(m.group(1) if m else None)
    dated = [d for d in dates if d]
    if (max(dated) if dated else None) != col["newest_date"]:
        out.append(f"column {name}: newest {max(dated) if dated else None} != {col['newest_date']}")
    if (dated == sorted(dated, reverse=True)) != col["sorted"]:
        out.append(f"column {name}: sorted flag wrong")
    if len(dates) - len(dated) != col["undated_items"]:
        out.append(f"column {name}: undated items mismatch")
    if col["section"] == "信息公开年报":
        years = [
            int(m.group(1)) for u in urls if (p := reader.page(u)) and (m := REPORT_YEAR.search(p.title))
        ]
        if (max(years) if years else None) != st["annual_report_latest_year"]:
            out.append("annual report latest year mismatch")
    return out


def _bare_empty_list(reader: FarmReader, url: str) -> bool:
    reply = reader.fetch(url)
    return reply is not None and re.search(r"<ul[^>]*>\s*</ul>", decode_html(reply.body)) is not None


def _check_sections(reader: FarmReader, st: dict, reachable: set[str]) -> list[str]:
    out: list[str] = []
    anchors = {text for u in reachable for _, tag, text in (reader.page(u) or Page()).links if tag == "a"}
    for sec, url in st["sections"].items():
        if url is not None and url not in reachable:
            out.append(f"section {sec} at {url} not reachable")
        if url is None:
            names = ANNUAL_NAMES if sec == "信息公开年报" else (sec,)
            if anchors & set(names):
                out.append(f"section {sec} is missing in the truth but linked")
    return out


def _check_link_cases(st: dict, reader: FarmReader, linkers: dict[tuple[str, str], set[str]]) -> list[str]:
    """Problems with a site's raw-path, help-page and malformed-page truth (crawler/farm/linkcases.py)."""
    out: list[str] = []
    dead = {d["target"] for d in st["dead_links"]}
    for row in st["raw_paths"]:
        linking = sorted(linkers.get((row["url"], "a"), ()))
        if linking != sorted(row["pages"]):
            out.append(f"raw path {row['url']} linked from {linking}, truth says {row['pages']}")
        reply = reader.fetch(row["url"])
        if reply is None or reply.status != row["status"]:
            out.append(f"raw path {row['url']} does not answer {row['status']}")
        if (row["status"] == 404) != (row["url"] in dead):
            out.append(f"raw path {row['url']}: dead-link truth disagrees with its status")
        page_url = row["pages"][0] if row["pages"] else None
        body = reader.fetch(page_url).body if page_url else b""
        if row["href"].encode(st["encoding"]) not in body:
            out.append(f"raw path {row['url']} is not written raw on {page_url}")
    for row in st["help_pages"]:
        page = reader.page(row["url"])
        if page is None or row["phrase"] not in page.text or row["phrase"] in page.title:
            out.append(f"help page {row['url']} does not mention {row['phrase']} in its text only")
        elif len(page.text) <= 400:
            out.append(f"help page {row['url']} is short")
        linking = linkers.get((row["url"], "a"), set()) - {row["url"]}  # its own href="#" menu headers
        if row["url"] in dead or sorted(linking) != sorted(row["pages"]):
            out.append(f"help page {row['url']}: wrong links or listed as dead")
    for row in st["malformed_pages"]:
        reply = reader.fetch(row["url"])
        html = linkcases.MALFORMED[row["markup"]][1].format(
            ip=urlsplit(row["url"]).hostname, port=reader.port
        )
        if reply is None or reply.status != 200 or html.encode(st["encoding"]) not in reply.body:
            out.append(f"malformed page {row['url']} does not serve its markup")
    return out


def _check_mailbox(reader: FarmReader, st: dict, reachable: set[str]) -> list[str]:
    """Problems with a site's mailbox truth (crawler/farm/mailboxes.py): every letter is reachable and
    linked from the mailbox, and its dates and state are written where its list style puts them."""
    out: list[str] = []
    for box in st["mailbox"]:
        listing = reader.page(box["url"])
        if listing is None or box["url"] not in reachable:
            out.append(f"mailbox {box['url']} is not served or not reachable")
            continue
        linked = {target for target, _, _ in listing.links}
        for row in box["messages"]:
            page = reader.page(row["url"])
            if page is None or row["url"] not in reachable or row["url"] not in linked:
                out.append(f"letter {row['url']} is not served, reachable and linked from its mailbox")
                continue
            shown = listing.text if box["style"] == "table" else page.text
            hidden = page.text if box["style"] == "table" else ""
            for value in (row["asked"], row["replied"], row["state"]):
                if value and value not in shown:
                    out.append(f"letter {row['url']}: {value} is not shown ({box['style']} style)")
                if value and value[:4].isdigit() and value in hidden:
                    out.append(f"letter {row['url']}: its page shows the date {value} the list style hides")
    return out
