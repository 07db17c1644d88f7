"""``python -m minitwisted.twistd``: the same as the ``minitwistd`` command.

The program itself is ``minitwisted.scripts.twistd`` (as Twisted's is
``twisted.scripts.twistd``); this module only lets ``python -m`` find it.
"""

from minitwisted.scripts.twistd import run

if __name__ == "__main__":
    run()
