"""Tests for workshop.reveal: sources come from the packages as they are now."""

import inspect

from minitwisted.internet import base
from workshop import reveal


def test_show_displays_the_current_source():
    """show() holds exactly what inspect reads from the package."""
    code = reveal.show(base.DelayedCall.cancel)
    assert code.data == "```python\n%s```" % inspect.getsource(base.DelayedCall.cancel)


def test_twisted_source_finds_classes_and_modules():
    """twisted_source() accepts a dotted class name or a module name."""
    import twisted.internet.task

    assert "class Clock" in reveal.twisted_source("twisted.internet.task.Clock").data
    assert inspect.getsource(twisted.internet.task) in reveal.twisted_source(
        "twisted.internet.task").data


def test_twisted_source_finds_methods_of_classes():
    """twisted_source() walks attributes past the module: a class's method."""
    from twisted.internet import task

    assert reveal.twisted_source("twisted.internet.task.Clock.advance").data == (
        "```python\n%s```" % inspect.getsource(task.Clock.advance))
