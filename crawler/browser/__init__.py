"""The headless browser for list pages filled by script: when to render and how (`render`), Scrapy's download
handler around scrapy-playwright (`handler`), and the browser's only way out, a local proxy that enforces the
allow-list and the size limit (`netguard`, speaking HTTP/1.1 through `proxywire`)."""
