"""schemathesis's command line, with one workaround for the Python it runs on.

CPython 3.11 before 3.11.8 can raise a spurious ``SystemError: AST constructor recursion depth
mismatch`` from ``ast.parse`` when it is called deep in the stack (CPython gh-106905). Hypothesis
parses a lambda's source to describe it (for its repr and for rewriting filters) and expects only
``SyntaxError`` there, so the error ends the whole operation's test run as a tool crash. Here a
description that fails that way falls back to the one Hypothesis gives when it cannot find a
lambda's source at all. It changes no check and no generated case.

Usage: python schemathesis_cli.py ARGS...   (the same arguments as ``st``)
"""

import sys

import hypothesis.internal.lambda_sources as lambda_sources
from schemathesis.cli import schemathesis

_describe = lambda_sources._lambda_description


def _describe_or_give_up(f, *args, **kwargs):
    try:
        return _describe(f, *args, **kwargs)
    except SystemError:
        return "lambda: <unknown>"


lambda_sources._lambda_description = _describe_or_give_up

if __name__ == "__main__":
    sys.argv[0] = "st"
    sys.exit(schemathesis())
