"""duwang's crawler package: the Scrapy project, the site registry, the fact store and the CLI.

Everything that touches the network, the disk or the clock lives here; `checks/` and `reports/` stay pure.
"""

__version__ = "0.1.0"
