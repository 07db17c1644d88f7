"""A small HTTP/1.1 server: headers, a resource tree, error pages, static files and the Site.

Mirrors the part of ``twisted.web`` (Twisted 26.10) that the workshop needs; read it in the
order ``http_headers``, ``resource``, ``pages``, ``http``, ``server``, ``static``.  Used in
``notebooks/07_deployment.ipynb``; tested by ``tests/web/``.
"""
