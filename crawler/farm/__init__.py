"""duwang demo web farm: a deterministic fake of the 25 临夏州 government sites, served on loopback.

build_farm() builds the farm (pure data), FarmServer serves it on 127.0.0.x with one shared port and records
every request, serve() is what `duwang farm` runs. The ground truth says exactly which defects were planted.

Where things live, in import order (a module imports only modules above it; model.py imports nothing):

- model.py: the data types (SiteDef, Column, Item, Resource, DeadLink, Planted, SiteModel, Reply).
- identities.py, sites.py: who the 25 sites are; which defects each carries (SITES). tables.py, text.py:
  column tables, dead-link targets, file bytes; seeded titles and bodies. families.py: template families.
- render.py + templates/: HTML from a page's template and context. answers.py: Farm, and how it answers
  one request (respond()).
- builder.py: SiteBuilder, one site's state while it is built. The builders, each a few functions of a
  SiteBuilder: columns.py (columns, items), pages.py (every page), faults.py (common dead links, robots
  pages, the 301), chrome.py (page chrome, sections), and the planting modules (linkcases.py).
- build.py: build_site() runs the builders in order, build_farm() all 25 sites. truth.py: the ground
  truth and the registry TOML. expected.py: the findings the checks must report, from the truth.
- behaviours.py: per-host server quirks. server.py: FarmServer (sockets, request log) and serve().
- The self-check that proves the truth honest against the served pages is test code: tests/farm_selfcheck.py
  (with tests/farm_reader.py).

A new kind of planted content (say, mailboxes with messages) goes in a planting module of its own:
1. a SiteDef field in model.py saying where each site carries it, and values in sites.py;
2. crawler/farm/<kind>.py with build(b: SiteBuilder) -> Planted: serve its pages with b.page()/b.add(),
   link them with b.place(), return its truth rows under new keys (and dead links, if it plants any);
   templates it needs go in templates/;
3. append its build to build.PLANTERS: its keys then appear in every site's ground truth, in planting order
   (truth.py needs no change; return the keys with empty lists on a site that carries none);
4. a check of those keys against the served pages in tests/farm_selfcheck.py, and what the checks must
   report about it in expected.py if it should produce findings.
A planting module may draw from b.rng, the site's own seeded random: planters run after every other draw,
so the pages and truth that exist keep their bytes. Append, never insert, for the same reason.
Planted text inside existing pages (a misspelt name in an article, say) is a planting module too: pages
render on request from their Item objects, so changing an item's title or body there shows on its page and
list (as build._plant_titles does; a script_json column's list.json is encoded when built, though).
A new kind of column (key-area columns, say) is no planting module: a ColumnSpec in tables.py (a kind's
standard set, or EXTRA_COLUMNS named by SiteDef.extra_columns) and SiteDef.tweaks; its truth is the
site's "columns" entry, made by truth.column_truth.
"""

from .answers import Farm
from .behaviours import Behaviours
from .build import build_farm
from .server import FarmServer, serve

__all__ = ["Behaviours", "Farm", "FarmServer", "build_farm", "serve"]
