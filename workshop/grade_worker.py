"""The grader's second process: re-run a submission's code, then run the hidden checks on what it defined.

Mirrors no Twisted module; it is the part of ``workshop.grade`` that plays nbgrader's
"autograde" step and otter's ``otter run``.  ``workshop.grade`` starts it as
``python -m workshop.grade_worker FD`` in a fresh empty folder and writes the job on
its stdin as JSON: a secret token, the code cells to run (the submission's own, with
the given cells restored from the solution notebook and the self-check cells left
out), the exercises to check and the time limits.  It answers on file descriptor
``FD``, one line per exercise, each starting with the token.

Why a fresh process, and in this order:

1. It imports ``workshop.checks`` *before* any of the learner's code, and keeps its
   own copies of the checks; it also snapshots the ``workshop`` modules' namespaces
   and the check functions' code.
2. It runs the code cells in a plain IPython shell (so magics and top-level ``await``
   work as in the kernel), each under a time limit, with printed output thrown away:
   nothing the notebook prints is trusted.
3. Before each exercise it puts the snapshot back, so a cell that replaced
   ``selfcheck``, a check function or the whole ``workshop.checks`` module in
   ``sys.modules`` changes nothing, then runs the checks on the shell's namespace.
4. Only lines carrying the token count as results, so code that prints or writes a
   fake result line, then exits, earns nothing.

This is not a sandbox: code that sets out to defeat an in-process check can (it runs
with the grader's rights).  It guards against mistakes and casual tampering; run the
grader in a container or as a separate user for more.  Tests:
``tests/workshop/test_grade.py``.
"""

import copy
import json
import os
import signal
import sys
import types


class CellTimeout(BaseException):
    """A cell ran past its time limit (a ``BaseException``: ``except Exception`` can't eat it)."""


def _on_alarm(signum, frame):
    raise CellTimeout()


def _snapshot(prefix="workshop"):
    """The ``workshop`` modules, their namespaces, their classes' attributes, their functions' code."""
    modules = {name: module for name, module in sys.modules.items()
               if name == prefix or name.startswith(prefix + ".")}
    namespaces = {name: dict(vars(module)) for name, module in modules.items()}
    values = [value for namespace in namespaces.values() for value in namespace.values()]
    classes = [(cls, dict(vars(cls))) for cls in values
               if isinstance(cls, type) and cls.__module__.startswith(prefix)]
    code = [(func, func.__code__) for func in values if isinstance(func, types.FunctionType)]
    code += [(func, func.__code__) for _, attributes in classes
             for func in attributes.values() if isinstance(func, types.FunctionType)]
    return modules, namespaces, classes, code


def _restore(snapshot):
    """Put back everything ``_snapshot`` saw, whatever the learner's code did to it."""
    modules, namespaces, classes, code = snapshot
    for name, module in modules.items():
        sys.modules[name] = module
        vars(module).clear()
        vars(module).update(namespaces[name])
    for cls, attributes in classes:
        for name in set(vars(cls)) - set(attributes):
            delattr(cls, name)
        for name, value in attributes.items():
            if name not in ("__dict__", "__weakref__") and vars(cls).get(name) is not value:
                setattr(cls, name, value)
    for func, original in code:
        func.__code__ = original


def _shell():
    """A plain IPython shell that keeps no history and no copy of what the cells print."""
    from contextlib import contextmanager

    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class Shell(InteractiveShell):
        @contextmanager
        def _tee(self, channel):
            # IPython 9 copies everything printed into its history: with a huge output
            # that is slow and fills memory, and the grader never reads it.
            yield

    if InteractiveShell.initialized():  # a process that has one already (the tests)
        return InteractiveShell.instance()
    config = Config()
    config.HistoryManager.enabled = False  # write no history database
    return Shell.instance(config=config)


def _run_cells(shell, cells, seconds, send, short):
    """Run each cell with a time limit, telling the grader which one starts; note what went wrong."""
    signal.signal(signal.SIGALRM, _on_alarm)
    for cell in cells:
        send("cell", index=cell["index"])  # if the process dies now, the grader skips this cell
        problem = None
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            result = shell.run_cell(cell["source"], store_history=False)
            error = result.error_before_exec or result.error_in_exec
        except CellTimeout:  # raised outside the code IPython guards
            error = CellTimeout()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if isinstance(error, CellTimeout):
            problem = "timed out after %s s" % seconds
        elif error is not None:
            problem = "%s: %s" % (type(error).__name__, short(error))
        if problem is not None:
            send("problem", index=cell["index"], problem=problem)


def main():
    answer = os.fdopen(int(sys.argv[1]), "w")
    job = json.loads(sys.stdin.read())
    token = job.pop("token")  # read before any learner code runs
    sys.stdin.close()

    dumps = json.dumps  # kept before the learner's code runs, like everything below

    def send(kind, **fields):
        answer.write("%s %s\n" % (token, dumps({"kind": kind, **fields})))
        answer.flush()

    import workshop.checks as pristine  # before the learner's code: see the module docstring
    from workshop.checks import short

    exercises = pristine.load_all()
    checks = {ex_id: [copy.copy(check) for check in exercises[ex_id].checks]
              for ex_id in job["exercises"]}
    run_check = pristine.run_check
    snapshot = _snapshot()

    devnull = open(os.devnull, "w")
    real_stdout, real_stderr = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = devnull  # printed output is never trusted, nor kept
    shell = _shell()
    _run_cells(shell, job["cells"], job["cell_seconds"], send, short)
    sys.stdout, sys.stderr = real_stdout, real_stderr
    for ex_id in job["exercises"]:
        send("start", exercise=ex_id)
        _restore(snapshot)
        sys.stdout = sys.stderr = devnull
        results = [run_check(check, shell.user_ns, job["check_seconds"]).as_dict()
                   for check in checks[ex_id]]
        sys.stdout, sys.stderr = real_stdout, real_stderr
        send("exercise", exercise=ex_id, results=results)
    answer.close()
    os._exit(0)  # skip interpreter shutdown: the learner's threads or atexit hooks can't hang it


if __name__ == "__main__":
    main()
