"""duwang's crawler package: the Scrapy project (settings, items, pipelines, spiders, middlewares,
extensions) and what it stands on: page readers (`pages`), the browser (`browser`), probes (`probes`), the
site registry (`registry`), the fact store (`store`), the demo farm (`farm`), and the application layer that
runs it all (`app`: the CLI, the service, the jobs API).

Everything that touches the network, the disk or the clock lives here; `checks/` and `reports/` stay pure.
"""

__version__ = "0.1.0"
