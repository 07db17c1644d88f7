"""``python -m workshop``: the kit's commands (``lab``, ``check``, ``agenda``, ``diagrams``, ``notebooks``, ``build``, ``grade``)."""

import argparse
import os
import sys

from workshop import agenda, check, lab


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m workshop",
                                     description="The Twisted workshop kit's commands.")
    sub = parser.add_subparsers(dest="command", required=True)
    lab_parser = sub.add_parser("lab", help="start JupyterLab on the workshop")
    lab_parser.add_argument("--port", type=int, default=8888,
                            help="port on 127.0.0.1 (0 picks a free one; default 8888)")
    lab_parser.add_argument("--root", default=os.getcwd(),
                            help="the kit's folder (default: the current folder)")
    browser = lab_parser.add_mutually_exclusive_group()
    browser.add_argument("--browser", dest="open_browser", action="store_true",
                         default=None, help="open a browser")
    browser.add_argument("--no-browser", dest="open_browser", action="store_false",
                         help="only print the address")
    sub.add_parser("check", help="check that the kit is set up and working")
    sub.add_parser("agenda", help="print the agenda as the README's markdown table")
    diagrams_parser = sub.add_parser("diagrams", help="write every diagram as SVG and PNG")
    diagrams_parser.add_argument("outdir", help="the folder to write them into")
    notebooks_parser = sub.add_parser(
        "notebooks", help="write the notebooks' contract and navigation cells from the agenda")
    notebooks_parser.add_argument("names", nargs="*",
                                  help="labels (03, A1), slugs or file names, or the path of "
                                  "a notebook elsewhere (solutions/...); default: all")
    notebooks_parser.add_argument("--execute", action="store_true",
                                  help="also run each notebook in a fresh kernel and store "
                                  "its outputs")
    notebooks_parser.add_argument("--timeout", type=int, default=60,
                                  help="seconds a cell may run (default 60)")
    build_parser = sub.add_parser(
        "build", help="generate exercises/ from solutions/, or the slides from the notebooks")
    build_parser.add_argument("what", choices=["exercises", "slides"], help="what to build")
    build_parser.add_argument("--check", action="store_true",
                              help="exercises: write nothing; exit 1 if a file is out of date")
    build_parser.add_argument("--pdf", action="store_true",
                              help="slides: also print each deck to slides/pdf/ (Chromium)")
    grade_parser = sub.add_parser(
        "grade", help="grade a notebook, a learner's folder, or a class folder")
    grade_parser.add_argument("path", help="a notebook, a folder of notebooks (one learner), "
                              "or a folder with one subfolder per learner")
    grade_parser.add_argument("--jobs", type=int, default=1,
                              help="notebooks graded at once (default 1)")
    grade_parser.add_argument("--csv", metavar="FILE",
                              help="write one row per learner, one column per exercise")
    grade_parser.add_argument("--json", metavar="FILE",
                              help="write every check of every exercise of every learner")
    grade_parser.add_argument("--timeout-cell", type=float, default=30, metavar="S",
                              help="seconds one cell may run (default 30)")
    grade_parser.add_argument("--timeout-total", type=float, default=120, metavar="S",
                              help="seconds one notebook may take in all (default 120)")
    args, extra = parser.parse_known_args(argv)

    if args.command == "lab":
        return lab.main(args.root, args.port, args.open_browser, extra)
    if extra:
        parser.error("unrecognized arguments: %s" % " ".join(extra))
    if args.command == "check":
        results = check.run_checks()
        print(check.report(results))
        return 0 if all(r.ok for r in results) else 1
    if args.command == "diagrams":
        from workshop import diagrams  # imported here: matplotlib is slow to load for the others

        for path in diagrams.write_all(args.outdir):
            print(path)
        return 0
    if args.command == "notebooks":
        from workshop import notebooks  # imported here: nbformat is only needed for this

        return notebooks.main(args.names, run=args.execute, timeout=args.timeout)
    if args.command == "build" and args.what == "slides":
        from workshop import slides  # imported here: nbconvert is only needed for this

        return slides.main(pdf=args.pdf)
    if args.command == "build":
        from workshop import exercises  # imported here: nbformat is only needed for this

        return exercises.main(check=args.check)
    if args.command == "grade":
        from workshop import grade  # imported here: nbclient is only needed for this

        return grade.main(args.path, jobs=args.jobs, csv_path=args.csv, json_path=args.json,
                          cell_timeout=args.timeout_cell, total_timeout=args.timeout_total)
    print(agenda.markdown_table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
