#!/usr/bin/python3
"""Lists the fault cases of tests/fault/cases_<area>.sh as Markdown tables (case | checks) for
docs/RELIABILITY.md: what a case checks is the comment just above it, or else the message a
one-line case expects. `--names` prints only the case names (tests/e2e/fault_suite.sh checks
that the document lists every one)."""
import glob, os, re, sys

here = os.path.dirname(os.path.abspath(__file__))
names_only = "--names" in sys.argv
for path in sorted(glob.glob(os.path.join(here, "cases_*.sh"))):
    area = os.path.basename(path)[6:-3]
    rows, comment = [], []
    lines = open(path).read().split("\n")
    for k, line in enumerate(lines):
        s = line.strip()
        m = re.match(r"(case_[A-Za-z0-9_]+)\(\)", s)
        if m:
            what = " ".join(comment)
            if not what:
                body = s if s.endswith("}") else "\n".join(lines[k:k + 40]).split("\n}")[0]
                s_body = body
                q = re.findall(r"(?:refused|expect)\w*\s+(?:\d+\s+)?'([^']*)'", s_body) or re.findall(r'(?:refused|expect)\w*\s+(?:\d+\s+)?"([^"]*)"', s_body)
                what = ("refused with the message `%s`" % q[0]) if q else "runs and checks its result (see the case)"
            tail = re.search(r"}\s*#\s*(.*)$", s)
            if tail:
                what = tail.group(1) if what.startswith("runs and checks") else what + "; " + tail.group(1)
            rows.append((m.group(1), what.replace("|", "\\|")))
            comment = []
        elif s.startswith("#"):
            comment.append(s.lstrip("#").strip())
        elif s == "" or not s.startswith(" "):
            if not s.startswith("case_"):
                comment = [] if s == "" or not s.startswith("#") else comment
    if names_only:
        for r in rows:
            print(r[0])
        continue
    print("### `tests/fault/cases_%s.sh` (%d cases)\n\n| case | checks |\n|---|---|" % (area, len(rows)))
    for name, what in rows:
        print("| `%s` | %s |" % (name, what))
    print()
