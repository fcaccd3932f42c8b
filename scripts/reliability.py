#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The reliability figures of one test run, per stack, as doc/reliability.md shows
# them: what the fault, load and hostile-input tests did and measured. The tests
# print them as "# figure: NAME = VALUE" lines (pw_figure in tests/lib/pw-session.sh);
# the fuzzers' executions come from libFuzzer's "Done N runs in S second(s)" in the
# log of scripts/test.sh.
#
#   reliability.py [--out FILE] STACK=BUILDDIR[:LOG] ...
#
# BUILDDIR holds meson-logs/testlog.json of the run; LOG is the output of
# scripts/test.sh (CI keeps it in ci-logs/STACK.log). A stack whose files are
# missing is shown as not run. Exits 1 if no stack had a test log.
import json
import os
import re
import sys
from collections import OrderedDict

FIGURE = re.compile(r'^# figure: ([^=]+?) = (.+)$')
FUZZ_TARGET = re.compile(r'^== (fuzz-[a-z0-9-]+) for ')
FUZZ_DONE = re.compile(r'^Done (\d+) runs in (\d+) second')
SUMMARY = re.compile(r'^(\d+) passed, (\d+) failed, (\d+) skipped')

# the figures in the order the issue asks for them, with what each means
ROWS = [
    ('faults survived', 'fault cases passed (each checks the audio after the fault)'),
    ('replugs', 'unplug/replug cycles during playback, guard back each time'),
    ('replug samples over', 'samples above the ceiling at the DAC across the replugs'),
    ('replug unguarded', 'time the stream was heard on the raw sink before its guard '
     '(playing there, an active link, while the sink\'s volume was above 0)'),
    ('DACs at once', 'DACs hotplugged together, each with its own guard'),
    ('streams', 'streams mixed into one guard at quantum 64'),
    ('guard xruns', 'xruns of the guard\'s nodes under the stream load (profiler)'),
    ('writes per second', 'Props writes per second achieved during playback'),
    ('writes samples over', 'samples above the hard ceiling during the Props writes'),
    ('hotplug cycles', 'hotplug/remove cycles under the leak check'),
    ('leaks', 'leak reports (LeakSanitizer) after those cycles'),
    ('RSS growth', 'daemon RSS growth after the first 100 cycles'),
    ('raw sink samples over', 'samples above the ceiling with the DAC sink\'s volume raised'),
]


def add_figure(figures, key, value, test):
    """A key several tests print adds up when each value starts with a count
    ("faults survived": each fault test counts its own); else the last one stands."""
    if key in figures:
        old, tests = figures[key]
        a, b = re.match(r'^(\d+)\b', old), re.match(r'^(\d+)\b', value)
        if a and b:
            figures[key] = (str(int(a.group(1)) + int(b.group(1))), tests + ', ' + test)
            return
    figures[key] = (value, test)


def read_stack(builddir, log):
    figures = OrderedDict()
    tests = {}
    testlog = os.path.join(builddir, 'meson-logs', 'testlog.json')
    if not os.path.exists(testlog):
        return None
    with open(testlog) as f:
        for line in f:
            r = json.loads(line)
            name = re.split(r' / |:', r['name'])[-1]
            tests[name] = r.get('result')
            for text in (r.get('stdout') or '', r.get('stderr') or ''):
                for ln in text.splitlines():
                    m = FIGURE.match(ln.strip())
                    if m:
                        add_figure(figures, m.group(1).strip(), m.group(2).strip(), name)
    fuzz = OrderedDict()
    summary = None
    if log and os.path.exists(log):
        target = None
        with open(log, errors='replace') as f:
            for ln in f:
                ln = ln.strip()
                m = FUZZ_TARGET.match(ln)
                if m:
                    target = m.group(1)
                    continue
                m = FUZZ_DONE.match(ln)
                if m and target:
                    fuzz[target] = (int(m.group(1)), int(m.group(2)))
                    target = None
                m = SUMMARY.match(ln)
                if m:
                    summary = ln
    return {'figures': figures, 'tests': tests, 'fuzz': fuzz, 'summary': summary}


def render(stacks):
    names = list(stacks)
    out = ['# Reliability figures', '',
           'Written by `scripts/reliability.py` from one run of the whole suite on every',
           'stack CI runs (`.ci/run`: ASan and UBSan builds, Debian 12 natively, Debian 13',
           'and sid in root filesystems). Each figure is printed by the test that measured',
           'it as a `# figure:` line; the column says which test. Issue 11 asks for them;',
           'doc/threat-model.md says what each test tries.', '']
    out.append('| figure | ' + ' | '.join(names) + ' | what it is |')
    out.append('|---|' + '---|' * len(names) + '---|')
    keys = [k for k, _ in ROWS]
    for s in stacks.values():
        if s:
            keys += [k for k in s['figures'] if k not in keys]
    meaning = dict(ROWS)
    for key in keys:
        cells = []
        for n in names:
            s = stacks[n]
            v = s['figures'].get(key) if s else None
            cells.append(f'{v[0]} ({v[1]})' if v else '-')
        if all(c == '-' for c in cells):
            cells = ['not measured'] * len(names)
        out.append(f'| {key} | ' + ' | '.join(cells) + f' | {meaning.get(key, "")} |')
    out += ['', '## Fuzzing', '',
            '| target | ' + ' | '.join(names) + ' |', '|---|' + '---|' * len(names)]
    targets = []
    for s in stacks.values():
        if s:
            targets += [t for t in s['fuzz'] if t not in targets]
    for t in targets:
        cells = []
        for n in names:
            s = stacks[n]
            v = s['fuzz'].get(t) if s else None
            cells.append(f'{v[0]:,} runs in {v[1]} s' if v else '-')
        out.append(f'| {t} | ' + ' | '.join(cells) + ' |')
    out += ['', '## The runs', '']
    for n in names:
        s = stacks[n]
        if not s:
            out.append(f'- {n}: not run')
            continue
        failed = sorted(t for t, r in s['tests'].items() if r not in ('OK', 'EXPECTEDFAIL', 'SKIP'))
        out.append(f'- {n}: {s["summary"] or str(len(s["tests"])) + " tests"}'
                   + (f'; failed: {", ".join(failed)}' if failed else ''))
    return '\n'.join(out) + '\n'


def main(argv):
    out = None
    specs = []
    i = 0
    while i < len(argv):
        if argv[i] == '--out':
            out = argv[i + 1]
            i += 2
            continue
        specs.append(argv[i])
        i += 1
    if not specs:
        sys.stderr.write('usage: reliability.py [--out FILE] STACK=BUILDDIR[:LOG] ...\n')
        return 2
    stacks = OrderedDict()
    for spec in specs:
        name, _, rest = spec.partition('=')
        builddir, _, log = rest.partition(':')
        stacks[name] = read_stack(builddir, log or None)
    text = render(stacks)
    if out:
        with open(out, 'w') as f:
            f.write(text)
    sys.stdout.write(text)
    return 0 if any(stacks.values()) else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
