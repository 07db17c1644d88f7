"""A small HTTP/1.1 server and client: headers, a resource tree, error pages, static files, Agent.

Mirrors the part of ``twisted.web`` (Twisted 26.10) that the workshop needs; read the
server in the order ``http_headers``, ``resource``, ``pages``, ``http``, ``server``,
``static``, then the client: ``iweb`` (its interfaces) and ``client`` (``Agent``,
``readBody``, ``FileBodyProducer``).  Used in ``notebooks/A2_web_in_sixty_seconds.ipynb``; tested by
``tests/web/``.
"""
