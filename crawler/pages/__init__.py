"""What duwang reads off one fetched HTML page, with no network and no store: links, meta tags, footer and
forms (`extract`), content lists by record structure (`lists`), the page's kind and the signals behind it
(`pagekind`), its main text for the content check (`pagetext`), consultation messages (`mailbox`), the one
form of a URL (`urlform`), and all of it together for `duwang page FILE` (`pageview`)."""
