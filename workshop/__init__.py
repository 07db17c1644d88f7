"""The workshop kit's own tooling: launching JupyterLab, checking the set-up, the agenda.

``workshop`` may import ``minitwisted``; ``minitwisted`` never imports ``workshop``.
Run ``python -m workshop --help`` for the commands.
"""
