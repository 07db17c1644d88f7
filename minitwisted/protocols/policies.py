"""Connection policies: for now, closing a connection that has been idle too long.

Mirrors ``twisted.protocols.policies`` (Twisted 26.10), of which it has only
``TimeoutMixin``, checked side by side against real Twisted by
``tests/protocols/test_policies.py``.  The workshop uses it in
``notebooks/05_protocols_and_factories.ipynb`` and tests it with a fake clock in
``notebooks/06_testing_with_trial.ipynb``.

Differs from Twisted: left out are the wrapping factories and protocols
(``ProtocolWrapper``, ``WrappingFactory``, ``ThrottlingFactory``, ``LimitTotalConnectionsFactory``,
``TimeoutFactory``, ``TrafficLoggingFactory``) and ``SpewingFactory``.
"""

from minitwisted.internet import error


class TimeoutMixin:
    """Mix into a protocol to give it one timeout, which drops the connection when it expires.

    ``setTimeout(period)`` starts (or changes, or with ``None`` stops) the countdown;
    ``resetTimeout()`` restarts it, typically from ``dataReceived``; when it expires,
    ``timeoutConnection()`` runs, and closes the connection unless overridden.

    Invariants:

    - ``timeOut`` is the current period in seconds, or ``None`` for no timeout;
    - ``_timeoutCall`` is the pending delayed call, or ``None`` when there is none
      (never started, stopped with ``setTimeout(None)``, or already expired).
    """

    timeOut = None
    _timeoutCall = None

    def callLater(self, period, func):
        """Schedule ``func`` on the reactor; tests replace it with a ``Clock``'s ``callLater``."""
        # Imported here, not at the top: importing this module must not pick the
        # reactor, and tests that replace callLater never touch it.
        from minitwisted.internet import reactor
        return reactor.callLater(period, func)

    def resetTimeout(self):
        """Start the countdown again from the full period; does nothing if none is pending."""
        if self._timeoutCall is not None and self.timeOut is not None:
            self._timeoutCall.reset(self.timeOut)

    def setTimeout(self, period):
        """Set the period (``None`` stops the countdown) and return the previous one."""
        previous, self.timeOut = self.timeOut, period
        if self._timeoutCall is None:
            if period is not None:
                self._timeoutCall = self.callLater(period, self._timedOut)
        elif period is None:
            try:
                self._timeoutCall.cancel()
            except (error.AlreadyCancelled, error.AlreadyCalled):
                pass  # someone else cancelled it, or ran it: nothing left to stop
            self._timeoutCall = None
        else:
            # A new period counts from now, not from when the old one started.
            self._timeoutCall.reset(period)
        return previous

    def _timedOut(self):
        self._timeoutCall = None
        self.timeoutConnection()

    def timeoutConnection(self):
        """Called when the countdown expires; closes the connection.  Override to do otherwise."""
        self.transport.loseConnection()
