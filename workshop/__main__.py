"""``python -m workshop``: the kit's commands (``lab``, ``check``, ``agenda``, ``diagrams``, ``notebooks``)."""

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
                                  help="labels (03, A1), slugs or file names; default: all")
    notebooks_parser.add_argument("--execute", action="store_true",
                                  help="also run each notebook in a fresh kernel and store "
                                  "its outputs")
    notebooks_parser.add_argument("--timeout", type=int, default=60,
                                  help="seconds a cell may run (default 60)")
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
    print(agenda.markdown_table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
