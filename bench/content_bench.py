"""Content check benchmark (not a test): characters per second of checks/content.py over page text.

    .venv/bin/python bench/content_bench.py [--copies 6] [--seed 2018]

The text is the demo farm's own (every HTML page rendered in this process, read by crawler/pages/pagetext.py
as a crawl stores it: about 0.43 million characters with the planted errors), repeated `--copies` times as
separate pages of one site, so an inspection of millions of characters is measured without a crawl. Prints
the matcher's build time (once per process: the leaders' homophones are enumerated here), the characters
per second of `check_content` (matching, context rules, sentences, findings) and of the bare automaton
scan, and the findings found. No network, no server.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from parsel import Selector  # noqa: E402

from checks.content import check_content, matcher_for  # noqa: E402
from checks.contentdata import ContentLists  # noqa: E402
from crawler import extract, lists, pagekind, pagetext  # noqa: E402
from crawler.farm.model import build_farm  # noqa: E402
from tests.sitefacts import page, site  # noqa: E402


def farm_texts(seed: int) -> dict[str, tuple[str, str, str]]:
    """URL → (title, kind, main text) of every HTML page of the farm."""
    farm = build_farm(seed=seed, today=date(2026, 11, 28))
    texts = {}
    for model in farm.sites.values():
        for path in model.paths:
            try:
                html = farm.render_html(model.d.ip, path)
            except Exception:  # a file or a fault, not a page
                continue
            if not html or "<body" not in html.lower():
                continue
            url = f"http://{model.d.ip}{path}"
            selector = Selector(text=html, type="html")
            items = lists.list_items(selector, url)
            title = extract.page_title(selector)
            kind, _ = pagekind.classify(selector.root, url, title, extract.meta_tags(selector), items)
            texts[url] = (title, kind, pagetext.main_text(selector.root, kind, items))
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=6)
    parser.add_argument("--seed", type=int, default=2018)
    args = parser.parse_args()
    texts = farm_texts(args.seed)
    pages, bodies = [], {}
    for copy in range(args.copies):
        for url, (title, kind, text) in texts.items():
            copied = f"{url}?copy={copy}"
            pages.append(page(copied, title=title, kind=kind))
            bodies[copied] = text
    facts = site(pages, texts=bodies)
    characters = sum(
        len(text) + len(p.title or "") + 1 for text, p in zip(bodies.values(), pages, strict=True)
    )

    started = time.perf_counter()
    matcher = matcher_for(ContentLists())
    built = time.perf_counter() - started

    started = time.perf_counter()
    findings = check_content(facts)
    checked = time.perf_counter() - started

    started = time.perf_counter()
    hits = sum(len(matcher.scan(text)) for text in bodies.values())
    scanned = time.perf_counter() - started

    print(f"pages {len(pages)}, characters {characters:,} ({args.copies} copies of the farm's page text)")
    print(f"matcher built in {built:.2f} s ({len(matcher.automaton):,} patterns)")
    print(
        f"check_content: {checked:.2f} s, {characters / checked:,.0f} characters/s, {len(findings)} findings"
    )
    print(f"scan only:     {scanned:.2f} s, {characters / scanned:,.0f} characters/s, {hits} hits")


if __name__ == "__main__":
    main()
