"""Scrapy spiders of the duwang project: one generic spider, `site`, driven by the registry."""
