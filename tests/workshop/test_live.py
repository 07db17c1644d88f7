"""Tests for workshop.live: the reactor runs live on a notebook kernel's asyncio loop.

The main test executes ``live_demo.ipynb`` (next to this file) in a real Jupyter kernel
with nbclient and compares its outputs with the stored ones.  Tests that install a
global reactor run in a subprocess, so this process's global reactor is untouched.
"""

import asyncio
import copy
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from nbclient import NotebookClient

from minitwisted.internet import defer
from workshop import live
from workshop.check import KERNEL_NAME

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = Path(__file__).with_name("live_demo.ipynb")


def kernel_name():
    """The workshop's kernel if it is registered, else the venv's python3 kernel."""
    try:
        KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel:
        return "python3"
    return KERNEL_NAME


def plain_outputs(notebook):
    """Each code cell's outputs as (type, text) pairs."""
    return [[(output.output_type,
              output.get("text") or output.get("data", {}).get("text/plain"))
             for output in cell.outputs]
            for cell in notebook.cells if cell.cell_type == "code"]


def run_script(source):
    """Run ``source`` in a new Python from the repository root; return its stdout."""
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(source)], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_start_outside_a_running_loop_explains_itself():
    """start() with no asyncio loop running says to call it in a notebook cell."""
    with pytest.raises(RuntimeError, match="call workshop.live.start"):
        live.start()


def test_stop_before_start_raises():
    """stop() when live mode is not on says to call start() first."""
    async def stop_early():
        live.stop()

    with pytest.raises(RuntimeError, match="live mode is not on"):
        asyncio.run(stop_early())


def test_wait_gives_a_deferreds_result_to_await():
    """Awaiting wait(d) gives the value the Deferred fired with."""
    async def main():
        d = defer.Deferred()
        asyncio.get_running_loop().call_soon(d.callback, "fired")
        return await live.wait(d)

    assert asyncio.run(main()) == "fired"


def test_wait_accepts_a_coroutine():
    """wait() runs a coroutine that awaits Deferreds and gives its return value."""
    async def uses_deferreds():
        return await defer.succeed(20) + 22

    async def main():
        return await live.wait(uses_deferreds())

    assert asyncio.run(main()) == 42


def test_wait_with_timeout_raises_and_cancels():
    """With a timeout, a Deferred that never fires raises TimeoutError and is cancelled."""
    d = defer.Deferred()
    reasons = []
    d.addErrback(lambda failure: reasons.append(failure.type))

    async def main():
        await live.wait(d, timeout=0.01)

    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(main())
    assert reasons == [defer.CancelledError]


def test_start_installs_the_live_reactor_on_the_running_loop():
    """start() in a running loop installs an asyncio reactor on it as the global reactor."""
    out = run_script("""
        import asyncio
        from workshop import live

        async def main():
            started = live.start()
            from minitwisted.internet import reactor
            print(reactor is started, reactor._asyncioEventloop is asyncio.get_running_loop(),
                  reactor.running, live.start() is started)
            await live.stop()
            print(reactor.running)

        asyncio.run(main())
    """)
    assert out == "True True True True\nFalse\n"


def test_start_replaces_a_default_reactor_imported_earlier():
    """A default reactor imported before start() is replaced, and the new one serves."""
    out = run_script("""
        import asyncio
        from minitwisted.internet import reactor as earlier
        from minitwisted.internet import protocol
        from workshop import live

        class Echo(protocol.Protocol):
            def dataReceived(self, data):
                self.transport.write(data)

        async def main():
            live.start()
            from minitwisted.internet import reactor
            print(type(earlier).__name__, type(reactor).__name__)
            port = reactor.listenTCP(0, protocol.Factory.forProtocol(Echo),
                                     interface="127.0.0.1")
            client = await live.wait(
                protocol.ClientCreator(reactor, protocol.Protocol).connectTCP(
                    "127.0.0.1", port.getHost().port), timeout=20)
            echoed = asyncio.get_running_loop().create_future()
            client.dataReceived = echoed.set_result
            client.transport.write(b"ping")
            print(await asyncio.wait_for(echoed, 20))
            await live.stop()

        asyncio.run(main())
    """)
    assert out == "SelectReactor AsyncioSelectorReactor\nb'ping'\n"


def test_notebook_serves_live_between_cells():
    """The demo notebook starts a server, round-trips a line across cells, restarts and repeats."""
    stored = nbformat.read(NOTEBOOK, as_version=4)
    notebook = copy.deepcopy(stored)
    client = NotebookClient(notebook, timeout=30, startup_timeout=120,
                            kernel_name=kernel_name(),
                            resources={"metadata": {"path": str(ROOT)}})
    client.execute()
    assert plain_outputs(notebook) == plain_outputs(stored)
    assert plain_outputs(notebook)[2] == [("execute_result", "b'hello, live reactor\\r\\n'")]
    assert plain_outputs(notebook)[5] == [("execute_result", "b'second round\\r\\n'")]
