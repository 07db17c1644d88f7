"""Keep pytest away from the samples: they are run by trial runners, in subprocesses."""

collect_ignore_glob = ["*.py"]
