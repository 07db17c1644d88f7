"""Command-line programs: ``minitwistd`` (mirrors ``twisted.scripts``)."""
