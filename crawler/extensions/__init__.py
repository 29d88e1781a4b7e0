"""Scrapy extensions of the crawl: each watches signals and acts on the crawl as a whole.

- `Progress` (crawler/extensions/progress.py): the crawl's counters as JSON lines on a pipe, for the one
  progress display of the whole crawl (crawler/app/progress.py).
- `Reprobe` (reprobe.py): a second probe of every URL that failed in a way that may pass.
- `Deadline` (deadline.py): the crawl ends after the registry's `max_minutes`.
- `Politeness` (politeness.py): robots.txt Crawl-delay honoured; large non-HTML bodies not read.
"""

from crawler.extensions.deadline import Deadline
from crawler.extensions.politeness import Politeness
from crawler.extensions.progress import Progress
from crawler.extensions.reprobe import Reprobe

__all__ = ["Deadline", "Politeness", "Progress", "Reprobe"]
