"""duwang demo web farm: a deterministic fake of the 25 临夏州 government sites, served on loopback.

build_farm() builds the farm (pure data), FarmServer serves it on 127.0.0.x with one shared port and records
every request, serve() is what `duwang farm` runs. The ground truth says exactly which defects were planted.

Where things live (imports only point down this list; model.py imports nothing of the farm):

- model.py: the data types (SiteDef, Column, Item, Resource, DeadLink, Planted, SiteModel, Reply).
- identities.py, sites.py: who the 25 sites are; which defects each carries (SITES). tables.py, text.py:
  column tables, dead-link targets, file bytes; seeded titles and bodies. families.py: template families.
- builder.py: SiteBuilder, one site's state while built. build.py: build_site()/build_farm(), calling
  columns.py (columns, items), pages.py (every page), faults.py (common dead links, robots pages, the 301),
  the planting modules of build.PLANTERS (linkcases.py), chrome.py (page chrome, sections).
- render.py + templates/: HTML from a page's template and context. answers.py: Farm, and respond(), how
  one request is answered. server.py: sockets, logging, serve(). behaviours.py: per-host server quirks.
- truth.py: the ground truth and the registry TOML. expected.py: the findings checks must report.
- The self-check that proves the truth honest against the served pages is test code: tests/farm_selfcheck.py.

A new kind of planted content (say, mailboxes with messages) goes in a planting module of its own:
1. a SiteDef field in model.py saying where each site carries it, and values in sites.py;
2. crawler/farm/<kind>.py with build(b: SiteBuilder) -> Planted: serve its pages with b.page()/b.add(),
   link them with b.place(), return its truth rows under new keys (and dead links, if it plants any);
   templates it needs go in templates/;
3. append its build to build.PLANTERS: its keys then appear in every site's ground truth (truth.py needs
   no change; sites without it get empty lists);
4. a check of those keys against the served pages in tests/farm_selfcheck.py, and what the checks must
   report about it in expected.py if it should produce findings.
A planting module may draw from b.rng, the site's own seeded random: planters run after every other draw,
so the pages and truth that exist keep their bytes. Append, never insert, for the same reason.
"""

from .answers import Farm
from .behaviours import Behaviours
from .build import build_farm
from .server import FarmServer, serve

__all__ = ["Behaviours", "Farm", "FarmServer", "build_farm", "serve"]
