"""HTTP headers: a case-insensitive multimap from header names to lists of raw values.

Mirrors ``twisted.web.http_headers`` (Twisted 26.10), checked side by side against
Twisted by ``tests/web/test_http_headers.py``; used by ``notebooks/A2_web_in_sixty_seconds.ipynb``.

Names and values are stored as bytes.  A caller may use ``str`` instead: values are
encoded as UTF-8 on the way in, and ``getRawHeaders`` answers in the type of the name
it was asked with, as Twisted does.
"""

# Names whose usual spelling is not plain "Capitalised-Words".
_SPECIAL_NAMES = {
    b"content-md5": b"Content-MD5",
    b"dnt": b"DNT",
    b"etag": b"ETag",
    b"p3p": b"P3P",
    b"te": b"TE",
    b"www-authenticate": b"WWW-Authenticate",
    b"x-xss-protection": b"X-XSS-Protection",
}


def _toBytes(value):
    return value.encode("utf-8") if isinstance(value, str) else value


def _sanitize(value):
    # A CR or LF inside a value would let it start a new header line (header injection).
    return value.replace(b"\r\n", b" ").replace(b"\r", b" ").replace(b"\n", b" ")


class Headers:
    """A set of HTTP headers, keyed case-insensitively.

    Invariant: ``_rawHeaders`` maps a lower-case bytes name to a non-empty list of
    bytes values, in the order they were added.
    """

    def __init__(self, rawHeaders=None):
        self._rawHeaders = {}
        for name, values in (rawHeaders or {}).items():
            self.setRawHeaders(name, values)

    def __repr__(self):
        return "%s(%r)" % (self.__class__.__name__, dict(self.getAllRawHeaders()))

    def __eq__(self, other):
        if isinstance(other, Headers):
            return self._rawHeaders == other._rawHeaders
        return NotImplemented

    def copy(self):
        """Return an independent copy of these headers."""
        return Headers(dict(self.getAllRawHeaders()))

    def _key(self, name):
        return _toBytes(name).lower()

    def hasHeader(self, name):
        """Whether a header called ``name`` is present."""
        return self._key(name) in self._rawHeaders

    def removeHeader(self, name):
        """Remove every value of ``name``; do nothing if it is absent."""
        self._rawHeaders.pop(self._key(name), None)

    def setRawHeaders(self, name, values):
        """Replace the values of ``name`` with the sequence ``values``."""
        if isinstance(values, (bytes, str)):
            # A bare string would be split into characters; Twisted refuses it too.
            raise TypeError("Header entry %r should be sequence but found "
                            "instance of %r instead" % (name, type(values)))
        self._rawHeaders[self._key(name)] = [_sanitize(_toBytes(v)) for v in values]

    def addRawHeader(self, name, value):
        """Append ``value`` to the values of ``name``."""
        self._rawHeaders.setdefault(self._key(name), []).append(_sanitize(_toBytes(value)))

    def getRawHeaders(self, name, default=None):
        """Return the list of values of ``name``, or ``default`` if it is absent.

        The values are ``str`` (decoded as UTF-8) if ``name`` is a ``str``, else bytes.
        """
        values = self._rawHeaders.get(self._key(name))
        if values is None:
            return default
        if isinstance(name, str):
            return [v.decode("utf-8") for v in values]
        return list(values)

    def getAllRawHeaders(self):
        """Yield ``(canonicalName, values)`` pairs: bytes names spelled as on the wire."""
        for key, values in self._rawHeaders.items():
            yield self._canonicalNameCaps(key), list(values)

    def _canonicalNameCaps(self, name):
        """Spell a lower-case name the usual way: ``content-type`` -> ``Content-Type``."""
        return _SPECIAL_NAMES.get(name) or b"-".join(p.capitalize() for p in name.split(b"-"))
