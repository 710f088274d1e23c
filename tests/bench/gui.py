#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Figures for the desktop app (a benchmark, not a test): time from process
start to the first camera frame on screen, from the code found in a frame to
the verdict on screen (registries on loopback), and resident memory after
60 s of scanning. Each is printed next to two baselines: the same work
without the app (gst-launch-1.0, merkki-cli), and the previous run of this
benchmark in the same build directory (with its commit).

Run under a display and a session bus:
  xvfb-run -a dbus-run-session -- meson test -C _build --benchmark gui
Set MERKKI_BENCH_SCAN_SECONDS to shorten the memory run. The start-up time
is seen from the driver: it includes spawning the process and the app's
accessibility bus (GTK_A11Y=atspi), as the GUI tests run it."""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'gui'))
import merkkigui as mg  # noqa: E402

RUNS = 3
SCAN_SECONDS = int(os.environ.get('MERKKI_BENCH_SCAN_SECONDS', '60'))
LIVE = 'videotestsrc is-live=true pattern=ball ! video/x-raw,width=1280,height=720,framerate=30/1'


def rss_kib(pid):
    with open(f'/proc/{pid}/status') as status:
        for line in status:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return 0


def commit():
    try:
        return subprocess.run(['git', '-C', mg.SOURCE_ROOT, 'rev-parse', '--short', 'HEAD'],
                              capture_output=True, text=True, check=True).stdout.strip()
    except Exception:
        return 'unknown'


def app_first_frame_and_verdict(video, registries):
    """One cold start: (ms to first frame shown, ms code found → verdict)."""
    start = time.monotonic()
    app = mg.App(pipeline=mg.video_pipeline(video), registries=registries, size=(1280, 800))
    try:
        first = app.wait_trace('first-frame-shown', timeout=60)[0][1]
        found = app.wait_trace('code-found', timeout=60)[0][0]
        shown = app.wait_trace('verdict-shown', timeout=60)[0][0]
        return (first - start) * 1000, (shown - found) / 1000
    finally:
        app.quit()


def baseline_first_buffer(video):
    """gst-launch-1.0 decoding the same video's first frame: the floor of
    the camera's start-up, with no app around it."""
    start = time.monotonic()
    subprocess.run(['gst-launch-1.0', '-q', *mg.video_pipeline(video).split(), '!',
                    'videoconvert', '!', 'video/x-raw,format=BGRA', '!', 'fakesink', 'num-buffers=1'],
                   check=True, stdout=subprocess.DEVNULL)
    return (time.monotonic() - start) * 1000


def baseline_cli_lookup(registries, reference):
    """merkki-cli lookup of the same reference against the same registries:
    the check without the app (process start included)."""
    env = dict(os.environ)
    for registry_id, url in registries.items():
        env['MERKKI_REGISTRY_' + registry_id.upper().replace('-', '_')] = url
    env['XDG_DATA_HOME'] = tempfile.mkdtemp(prefix='merkki-bench-cli-')
    start = time.monotonic()
    subprocess.run([os.path.join(mg.BUILD_ROOT, 'src', 'cli', 'merkki-cli'), 'lookup', '--json', reference],
                   env=env, stdout=subprocess.DEVNULL)
    return (time.monotonic() - start) * 1000


def app_rss_after_scanning():
    app = mg.App(pipeline=LIVE, size=(1280, 800))
    try:
        app.wait_trace('first-frame-shown', timeout=60)
        time.sleep(SCAN_SECONDS)
        return rss_kib(app.proc.pid)
    finally:
        app.quit()


def baseline_rss():
    """gst-launch-1.0 running the same live source into two sinks (the
    app's display and scan branches, without decoding or drawing)."""
    proc = subprocess.Popen(['gst-launch-1.0', '-q', *LIVE.split(), '!', 'tee', 'name=t',
                             't.', '!', 'queue', '!', 'videoconvert', '!', 'video/x-raw,format=BGRA', '!', 'fakesink',
                             't.', '!', 'queue', '!', 'videoconvert', '!', 'video/x-raw,format=GRAY8', '!', 'fakesink'],
                            stdout=subprocess.DEVNULL)
    try:
        time.sleep(min(SCAN_SECONDS, 10))
        return rss_kib(proc.pid)
    finally:
        proc.terminate()
        proc.wait()


def main():
    mg.skip_unless_display()
    csa = mg.Registry(os.path.join(mg.SOURCE_ROOT, 'tests', 'data', 'csa.json'))
    traficom = mg.Registry(os.path.join(mg.SOURCE_ROOT, 'tests', 'data', 'traficom.json'))
    registries = {'sg-csa': csa.url, 'fi-traficom': traficom.url}
    workdir = tempfile.mkdtemp(prefix='merkki-bench-gui-')
    video = os.path.join(workdir, 'label.webm')
    reference = 'CSA/300929/2001'
    mg.write_label_video(video, reference, blank_frames=15, code_frames=45)

    try:
        firsts, verdicts = [], []
        for _ in range(RUNS):
            first, verdict = app_first_frame_and_verdict(video, registries)
            firsts.append(first)
            verdicts.append(verdict)
        base_first = statistics.median(baseline_first_buffer(video) for _ in range(RUNS))
        base_lookup = statistics.median(baseline_cli_lookup(registries, reference) for _ in range(RUNS))
        rss = app_rss_after_scanning()
        base_rss = baseline_rss()
    finally:
        csa.close()
        traficom.close()

    figures = {
        'commit': commit(),
        'first_frame_ms': statistics.median(firsts),
        'code_to_verdict_ms': statistics.median(verdicts),
        'rss_after_scanning_kib': rss,
    }
    record = os.path.join(mg.BUILD_ROOT, 'bench-gui-last.json')
    previous = None
    if os.path.exists(record):
        with open(record) as f:
            previous = json.load(f)
    with open(record, 'w') as f:
        json.dump(figures, f)

    def prev(key, unit, scale=1):
        if previous is None or key not in previous:
            return 'no previous run'
        return f"{previous[key] / scale:.1f} {unit} (commit {previous.get('commit')})"

    print(f'Merkki app at commit {figures["commit"]}, median of {RUNS} cold starts, 1280×800, GSK_RENDERER=cairo')
    print(f'{"figure":<44} {"app":>12}   {"baseline: same work without the app":<44} previous run')
    print(f'{"process start → first camera frame shown":<44} {figures["first_frame_ms"]:>9.0f} ms   '
          f'{"gst-launch first frame of the video: %.0f ms" % base_first:<44} {prev("first_frame_ms", "ms")}')
    print(f'{"code found in a frame → verdict shown":<44} {figures["code_to_verdict_ms"]:>9.0f} ms   '
          f'{"merkki-cli lookup (process incl.): %.0f ms" % base_lookup:<44} {prev("code_to_verdict_ms", "ms")}')
    print(f'{"resident memory after %d s of scanning" % SCAN_SECONDS:<44} {rss / 1024:>8.1f} MiB   '
          f'{"gst-launch, same source, two branches: %.1f MiB" % (base_rss / 1024):<44} '
          f'{prev("rss_after_scanning_kib", "MiB", 1024)}')
    print('All runs (ms to first frame / code→verdict):',
          ', '.join(f'{a:.0f}/{b:.0f}' for a, b in zip(firsts, verdicts)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
