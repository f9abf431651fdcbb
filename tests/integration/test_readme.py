"""README.md's examples run as written.

Every ```console block in README.md is preceded by a marker comment:
  <!-- readme-test: exact -->   run; each command's output (stdout and
                                 stderr) must be what the block shows.  A
                                 line "..." stands for any lines, "..."
                                 inside a line for any text;
  <!-- readme-test: run -->     run; each command must succeed;
  <!-- readme-test: skip (why) --> not run (root, interfaces, tools CI
                                 lacks): the commands must still parse
                                 (sh -n), and every espvis option they use
                                 must be one espvis --help lists.
Commands are the lines after "$ " (a trailing backslash continues them);
the blocks run in order in one shell, from the top of the tree, with build/ first on
the PATH and TZ=UTC.  A block without a marker fails the test."""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evelib  # noqa: E402

README = os.path.join(evelib.TOP, "README.md")
MARK = re.compile(r"<!-- readme-test: (exact|run|skip)\b.*-->")


def blocks():
    lines = open(README).read().split("\n")
    out, mode, i = [], None, 0
    while i < len(lines):
        m = MARK.match(lines[i].strip())
        if m:
            mode = m.group(1)
        elif lines[i].startswith("```console"):
            start, body = i + 1, []
            i += 1
            while not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            out.append((start, mode, body))
            mode = None
        elif lines[i].strip():
            mode = None
        i += 1
    return out


def commands(body):
    """[(command, [expected lines])]"""
    cmds, cur = [], None
    for line in body:
        if line.startswith("$ ") or (cur and cur[0].endswith("\\")):
            text = line[2:] if line.startswith("$ ") else line
            if cur and cur[0].endswith("\\"):
                cur[0] = cur[0] + "\n" + text
            else:
                cur = [text, []]
                cmds.append(cur)
        elif cur:
            cur[1].append(line)
    return cmds


def line_matches(want, got):
    if "..." not in want:
        return want.rstrip() == got.rstrip()
    rx = ".*".join(re.escape(p) for p in want.rstrip().split("..."))
    return re.fullmatch(rx, got.rstrip()) is not None


def output_matches(want, got):
    """want may hold "..." lines: any number of lines."""
    if not want:
        return not got
    if want[0].strip() == "...":
        return any(output_matches(want[1:], got[k:]) for k in range(len(got) + 1))
    return bool(got) and line_matches(want[0], got[0]) and \
        output_matches(want[1:], got[1:])


def strip_comment(cmd):
    # "make demo     # installs ..." -> "make demo"
    return re.sub(r"\s+#\s.*$", "", cmd)


def run_all(cmds, tmp):
    """Every command of every block, in order, in one shell: a variable
    set in one block ($out) is there in the next, as for a reader who
    types them in turn."""
    script = ["cd %s" % evelib.TOP]
    for i, (cmd, _) in enumerate(cmds):
        script.append("printf '\\n@@cmd %d@@\\n'" % i)
        script.append("{ %s\n} 2>&1" % strip_comment(cmd))
        script.append("printf '\\n@@rc %d@@\\n' $?")
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(evelib.espvis_path()) + ":" + env["PATH"]
    env["TZ"] = "UTC"
    env["TMPDIR"] = tmp
    p = subprocess.run(["sh", "-c", "\n".join(script)], capture_output=True,
                       text=True, env=env, timeout=300)
    outs, rcs = {}, {}
    cur = None
    for line in p.stdout.split("\n"):
        m = re.fullmatch(r"@@cmd (\d+)@@", line)
        r = re.fullmatch(r"@@rc (\d+)@@", line)
        if m:
            cur = int(m.group(1))
            outs[cur] = []
        elif r:
            rcs[cur] = int(r.group(1))
        elif cur is not None:
            outs[cur].append(line)
    for k in outs:
        # the printf markers add one empty line before each marker
        while outs[k] and outs[k][-1] == "":
            outs[k].pop()
    return outs, rcs


def help_options():
    h = subprocess.run([evelib.espvis_path(), "--help"], capture_output=True,
                       text=True).stdout
    h += subprocess.run([evelib.espvis_path(), "report", "--help"],
                        capture_output=True, text=True).stdout
    return set(re.findall(r"--[a-z][a-z-]*", h)) | \
        set(re.findall(r"(?<![\w-])-[a-zA-Z]\b", h))


def check_skipped(cmds):
    bad = []
    opts = help_options()
    for cmd, _ in cmds:
        c = strip_comment(cmd)
        if subprocess.run(["sh", "-n", "-c", c]).returncode != 0:
            bad.append("does not parse: %s" % c)
        for part in re.split(r"[|;&]", c):
            words = part.split()
            if not words or words[0] != "espvis":
                continue
            for w in words[1:]:
                o = w.split("=")[0]
                if re.fullmatch(r"--?[a-zA-Z][a-z-]*", o) and o not in opts:
                    bad.append("espvis has no option %s: %s" % (o, c))
    return bad


def main():
    found = blocks()
    fails, ran = [], 0
    todo = []
    for start, mode, body in found:
        cmds = commands(body)
        where = "README.md:%d" % start
        if mode is None:
            fails.append("%s: console block without a readme-test marker" % where)
        elif mode == "skip":
            fails += ["%s: %s" % (where, b) for b in check_skipped(cmds)]
        else:
            ran += 1
            todo += [(where, mode, cmd, want) for cmd, want in cmds]
    with tempfile.TemporaryDirectory() as tmp:
        outs, rcs = run_all([(c, w) for _, _, c, w in todo], tmp)
    for i, (where, mode, cmd, want) in enumerate(todo):
        got = outs.get(i, [])
        if rcs.get(i) != 0:
            fails.append("%s: `%s` exited %s:\n    %s" % (
                where, cmd, rcs.get(i), "\n    ".join(got[-10:])))
        elif mode == "exact" and not output_matches(want, got):
            fails.append("%s: `%s` printed:\n    %s\n  README shows:\n    %s" % (
                where, cmd, "\n    ".join(got), "\n    ".join(want)))
    if fails:
        print("FAIL:\n" + "\n".join(fails))
        sys.exit(1)
    print("readme: %d blocks, %d run, all as shown" % (len(found), ran))


main()
