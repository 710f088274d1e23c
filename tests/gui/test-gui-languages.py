#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The app in each of its six languages on a 360 px wide screen: the scan
page, the demo label's result page and the history are saved as
BUILD/screenshots/scan-LANG-360.png, result-LANG-360[-N].png (the result
page a screenful at a time) and history-LANG-360.png, and the test
fails when any label on it is cut off (the app reports ellipsized labels,
labels whose text is larger than their space and labels reaching past the
window's edge with each screenshot) or when a text the app shows is an
English message that po/LANG.po translates. The app reads the .mo files
built from po/ (MERKKI_LOCALEDIR). Usage: test-gui-languages.py [LANG...]"""

import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import merkkigui as mg  # noqa: E402
import merkkipo  # noqa: E402

LANGUAGES = ['en', 'fi', 'sv', 'zh_CN', 'ms', 'ta']
# The bundled demo snapshot answers for it with no registry configured: a
# valid CLS Level 3 label whose product also has the Finnish label.
DEMO_LABEL = 'CSA/311228/1001'
VERDICTS = ['Valid label', 'Label expired', 'Label withdrawn', 'Possible counterfeit',
            'Label does not match the registry', 'Suspicious link', 'Not a label',
            'Could not be checked']
VALID_SENTENCE = 'The issuer’s registry confirms this label: it is valid.'
# Each language's glibc locale where Merkki's users live: the app runs in
# it as a user's session would (LC_CTYPE also tells Pango which fonts suit
# the text: without it, Tamil consonants come from a Grantha font).
LOCALES = {'en': 'en_SG', 'fi': 'fi_FI', 'sv': 'sv_FI', 'zh_CN': 'zh_CN', 'ms': 'ms_MY', 'ta': 'ta_IN'}


class App(mg.App):
    """The app, keeping what it reports with each screenshot."""

    def __init__(self, *args, **kwargs):
        self.cut_off = []
        self.screenshots = []
        super().__init__(*args, **kwargs)

    def _read_stdout(self):
        for line in self.proc.stdout:
            trace = re.match(r'merkki-trace: (\S+) (\d+)', line)
            if trace:
                with self._lock:
                    self.traces.setdefault(trace.group(1), []).append((int(trace.group(2)), time.monotonic()))
            elif line.startswith('merkki-cut-off: '):
                path, reason, text = line[len('merkki-cut-off: '):].rstrip('\n').split('\t', 2)
                with self._lock:
                    self.cut_off.append((os.path.basename(path), reason, text))
            elif line.startswith('merkki-screenshot: '):
                with self._lock:
                    self.screenshots.append(line[len('merkki-screenshot: '):].strip())

    def screenshot_checked(self, name):
        """A screenshot, and what the app found cut off on it (it prints
        that before it reports the screenshot saved); a window that cannot
        shrink to 360 px because some text will not wrap counts too."""
        path = self.screenshot(name)
        mg.wait_until(lambda: path in self.screenshots, 10, f'the report of screenshot {name}')
        with self._lock:
            cut = [(reason, text) for shot, reason, text in self.cut_off if shot == name + '.png']
        if png_width(path) > 360:
            cut.append(('the window is wider than 360 px', str(png_width(path))))
        return path, cut

    def shown_texts(self):
        """The names of everything in the window: the labels' texts, the
        buttons' and rows' names."""
        texts = set()
        for item in self.walk():
            try:
                if item.name:
                    texts.add(item.name)
            except Exception:
                continue
        return texts


def png_width(path):
    """The width of a PNG image, from its IHDR chunk."""
    with open(path, 'rb') as f:
        header = f.read(24)
    return int.from_bytes(header[16:20], 'big')


def type_reference(app, text):
    app.key('l', ctrl=True)
    time.sleep(0.5)
    app.type_text(text)
    # A person pauses before Enter; only a scanner is that fast.
    time.sleep(0.6)
    app.key('Return')


def page_down(app):
    """Scrolls the result page down a screenful, as Page Down does."""
    mg.pyatspi.Registry.generateKeyboardEvent(0xff56, None, mg.pyatspi.KEY_SYM)  # GDK_KEY_Page_Down
    time.sleep(0.5)


def locale_env(language):
    """LOCPATH and LC_ALL for the language's locale, compiled with
    localedef into the build directory (no system locale needed)."""
    locpath = os.path.join(mg.BUILD_ROOT, 'test-locales')
    name = LOCALES[language] + '.UTF-8'
    if not os.path.isdir(os.path.join(locpath, name)):
        os.makedirs(locpath, exist_ok=True)
        subprocess.run(['localedef', '-i', LOCALES[language], '-f', 'UTF-8', os.path.join(locpath, name)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return {'LOCPATH': locpath, 'LC_ALL': name, 'LANG': name}


def check_language(tap, language):
    if language == 'en':
        po = {}
    else:
        po = merkkipo.translations(os.path.join(mg.SOURCE_ROOT, 'po', language + '.po'))
    # English messages that this language shows differently.
    untranslatable = {msgid for msgid, msgstr in po.items() if msgstr == msgid}
    english = {msgid for msgid in po if msgid not in untranslatable}

    env = {'LANGUAGE': language, 'MERKKI_LOCALEDIR': os.path.join(mg.BUILD_ROOT, 'po')}
    env.update(locale_env(language))
    app = App(pipeline=None, registries={}, size=(360, 720), env=env)
    try:
        app.point_at_window()
        app.wait_trace('camera-page:no-camera', timeout=20)
        # The first page a user sees, here without a camera.
        path, cut = app.screenshot_checked(f'scan-{language}-360')
        tap.ok(not cut, f'{language}: no label cut off on the scan page at 360 px ({path})', cut)
        untranslated = sorted(text for text in app.shown_texts() if text in english)
        tap.ok(not untranslated, f'{language}: the scan page has no English text where a translation exists',
               untranslated)

        type_reference(app, DEMO_LABEL)
        verdict = app.wait_result([po.get(v, v) for v in VERDICTS])
        tap.equal(verdict, po.get('Valid label', 'Valid label'), f'{language}: the demo label is valid, in words')

        explanation = po.get(VALID_SENTENCE, VALID_SENTENCE)
        tap.ok(any(text.startswith(explanation) for text in app.shown_texts()),
               f'{language}: the explanation is in the language', explanation)

        shown = app.shown_texts()
        untranslated = sorted(text for text in shown if text in english)
        tap.ok(not untranslated, f'{language}: no English text where a translation exists', untranslated)

        # The app checks every label on the page, on screen or scrolled
        # out of view; the screenshots show the page a screenful at a time.
        path, cut = app.screenshot_checked(f'result-{language}-360')
        tap.ok(not cut, f'{language}: no label cut off at 360 px ({path})', cut)
        for part in (2, 3, 4):
            page_down(app)
            path, cut = app.screenshot_checked(f'result-{language}-360-{part}')
            tap.ok(not cut, f'{language}: no label cut off at 360 px, scrolled down ({path})', cut)

        # The history, with this check in it.
        app.key('Escape')
        time.sleep(0.8)
        history = app.find(role=mg.pyatspi.ROLE_PAGE_TAB, name=po.get('History', 'History'))
        history.queryAction().doAction(0)
        time.sleep(1.0)
        path, cut = app.screenshot_checked(f'history-{language}-360')
        tap.ok(not cut, f'{language}: no label cut off on the history page at 360 px ({path})', cut)
        untranslated = sorted(text for text in app.shown_texts() if text in english)
        tap.ok(not untranslated, f'{language}: the history page has no English text where a translation exists',
               untranslated)
    finally:
        tap.equal(app.quit(), 0, f'{language}: the app quits cleanly')


def main():
    def run(tap):
        for language in sys.argv[1:] or LANGUAGES:
            check_language(tap, language)
    return mg.run_test(run)


if __name__ == '__main__':
    sys.exit(main())
