"""Tests for minitwisted.internet.main and minitwisted.internet.reactor: installing the global reactor.

Installation is once per process, so each scenario runs in a fresh interpreter, once
with minitwisted and once with Twisted, and both must print the same.
"""

import subprocess
import sys
import textwrap


from minitwisted.internet import error, main


def run_script(framework, source):
    code = textwrap.dedent(source).replace("FRAMEWORK", framework)
    finished = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert finished.returncode == 0, finished.stderr
    return finished.stdout


def both(source):
    outputs = {name: run_script(name, source) for name in ("minitwisted", "twisted")}
    assert outputs["minitwisted"] == outputs["twisted"]
    return outputs["minitwisted"]


def test_sharedReasonsAreConnectionDoneAndLost():
    """CONNECTION_DONE and CONNECTION_LOST are instances of ConnectionDone and ConnectionLost."""
    assert isinstance(main.CONNECTION_DONE, error.ConnectionDone)
    assert isinstance(main.CONNECTION_LOST, error.ConnectionLost)


def test_importingTheReactorModuleGivesTheReactorObject():
    """The first import installs the default reactor: the module name refers to the reactor itself."""
    out = both("""
        import sys
        from FRAMEWORK.internet import reactor
        import FRAMEWORK.internet.reactor as again
        print(again is reactor, sys.modules["FRAMEWORK.internet.reactor"] is reactor)
        print(hasattr(reactor, "callLater"), hasattr(reactor, "listenTCP"))
    """)
    assert out == "True True\nTrue True\n"


def test_installAfterImportRaisesReactorAlreadyInstalledError():
    """Installing a reactor once one is installed raises ReactorAlreadyInstalledError."""
    out = both("""
        from FRAMEWORK.internet import reactor, selectreactor, error
        try:
            selectreactor.install()
        except error.ReactorAlreadyInstalledError as e:
            print(type(e).__mro__[1].__name__, str(e))
    """)
    assert out == "AssertionError reactor already installed\n"


def test_installBeforeImportIsWhatImportGives():
    """A reactor installed before the first import is the one the import gives."""
    out = both("""
        from FRAMEWORK.internet import selectreactor
        selectreactor.install()
        from FRAMEWORK.internet import reactor
        print(type(reactor).__module__.split(".", 1)[1])
    """)
    assert out == "internet.selectreactor\n"


def test_installReactorRefusesASecondReactor():
    """main.installReactor refuses a second reactor after the first."""
    out = both("""
        from FRAMEWORK.internet import main, error
        main.installReactor(object())
        try:
            main.installReactor(object())
        except error.ReactorAlreadyInstalledError:
            print("refused")
    """)
    assert out == "refused\n"
