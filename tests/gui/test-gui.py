#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The desktop app end to end: real registries on 127.0.0.1, the real app
with a recorded label video as its camera, checked through what a screen
reader sees (AT-SPI). Saves screenshots of the main states in
BUILD/screenshots. Usage: test-gui.py SCENARIO (a name in SCENARIOS)."""

import contextlib
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import merkkigui as mg  # noqa: E402

VERDICTS = ['Valid label', 'Label expired', 'Label withdrawn', 'Possible counterfeit',
            'Label does not match the registry', 'Suspicious link', 'Not a label',
            'Could not be checked']


def data(name):
    return os.path.join(mg.SOURCE_ROOT, 'tests', 'data', name)


def subtitle_of(app, title):
    """The first row titled @title: its texts after the title."""
    rows = app.row_texts(title)
    if not rows:
        return None
    return ' | '.join(text for text in rows[0] if text != title)


def registries():
    return mg.Registry(data('csa.json')), mg.Registry(data('traficom.json'))


def check_valid_pohjola(tap, app, how):
    tap.ok(app.row_texts('Test Pohjola Gateway X3'), f'{how}: the product row names brand and model')
    tap.ok('Smart home hub' in (subtitle_of(app, 'Test Pohjola Gateway X3') or ''),
           f'{how}: the product row gives the category', subtitle_of(app, 'Test Pohjola Gateway X3'))
    tap.ok(app.row_texts('CLS Level 3'), f'{how}: the level is named')
    singapore = subtitle_of(app, 'Singapore') or ''
    finland = subtitle_of(app, 'Finland') or ''
    tap.ok('Recognised as Level 3' in singapore, f'{how}: Singapore row says Level 3', singapore)
    tap.ok('Recognised' in finland and 'Not recognised' not in finland,
           f'{how}: Finland row says recognised', finland)
    sources = [item.name for item in app.find_all(role=mg.pyatspi.ROLE_LIST_ITEM)
               if item.name.startswith('CSA registry')]
    tap.ok('CSA registry, just now' in sources, f'{how}: provenance says the CSA registry answered just now',
           sources)


def scenario_camera(tap):
    csa, traficom = registries()
    workdir = tempfile.mkdtemp(prefix='merkki-gui-camera-')
    video = os.path.join(workdir, 'label.webm')
    # Three seconds of an empty scene (time for a screenshot of the scan
    # page), then the label.
    mg.write_label_video(video, 'CSA/300929/2001', blank_frames=45, code_frames=60,
                         caption='CSA/300929/2001   ★★★')
    app = mg.App(pipeline=mg.video_pipeline(video),
                 registries={'sg-csa': csa.url, 'fi-traficom': traficom.url}, size=(1280, 800))
    try:
        app.wait_trace('first-frame-shown')
        tap.ok(True, 'camera: the first frame of the recorded video is shown')
        app.screenshot('scan-1280')
        verdict = app.wait_result(VERDICTS)
        tap.equal(verdict, 'Valid label', 'camera: a label in both registries is valid')
        check_valid_pohjola(tap, app, 'camera')
        tap.ok(len(app.read_traces().get('code-found', [])) >= 1, 'camera: the code came from the camera')
        # Privacy: outside an inspection session no frame is kept.
        tap.ok(not os.path.exists(os.path.join(app.home, 'data', 'merkki', 'evidence')),
               'camera: outside a session the camera frame is not kept')
        app.screenshot('valid-1280')
        app.set_size(360, 720)
        app.screenshot('valid-360')
        # Escape leads back to the scan page, with the focus in the window.
        app.key('Escape')
        mg.wait_until(lambda: app.focused() is not None and app.focused().name not in VERDICTS, 10,
                      'the focus to leave the verdict')
        tap.ok(True, 'camera: Escape leaves the result')
    finally:
        tap.equal(app.quit(), 0, 'camera: the app quits cleanly')
        mg.close_all(tap, csa, traficom)


def type_reference(app, text):
    app.key('l', ctrl=True)
    mg.pause(0.5)
    app.type_text(text)
    # A person pauses before Enter; only a scanner is that fast.
    mg.pause(0.6)
    app.key('Return')


def copy_to_clipboard(app, text):
    """Puts @text on the clipboard the way a user would: type it into the
    entry, select all, cut."""
    app.key('l', ctrl=True)
    mg.pause(0.4)
    app.type_text(text)
    mg.pause(0.3)
    app.key('a', ctrl=True)
    mg.pause(0.2)
    app.key('x', ctrl=True)
    mg.pause(0.3)


def open_image(app, path):
    """Opens @path as a user does: Ctrl+O, then GTK's own file chooser (no
    portal here), the path typed."""
    app.key('o', ctrl=True)
    mg.wait_until(lambda: any(window.name == 'Open a Photo of the Label' for window in app.accessible),
                  20, 'the file chooser')
    mg.pause(1.5)
    app.type_text(path)
    mg.pause(0.8)
    app.key('Return')


def back_to_scan(app):
    """Escape, and wait for the scan page (a sanitizer build takes its
    time)."""
    before = len(app.read_traces().get('page:scan', []))
    app.key('Escape')
    app.wait_trace('page:scan', timeout=20, count=before + 1)
    mg.pause(0.8)


def scenario_input(tap):
    csa, traficom = registries()
    app = mg.App(pipeline=None, registries={'sg-csa': csa.url, 'fi-traficom': traficom.url},
                 size=(1280, 800))
    try:
        app.point_at_window()
        # No camera on a test machine: the status page shows the way forward.
        app.wait_trace('camera-page:no-camera', timeout=20)
        app.find(role=mg.pyatspi.ROLE_LABEL, name='No Camera Found')
        tap.ok(True, 'no camera: the status page says so and offers the alternatives')
        app.screenshot('no-camera-1280')

        type_reference(app, 'CSA/150325/2004')
        tap.equal(app.wait_result(VERDICTS), 'Label expired', 'typed: an expired label is expired')
        tap.ok('15 Mar 2025' in (subtitle_of(app, 'Expired on') or ''), 'typed: the expiry date is shown',
               subtitle_of(app, 'Expired on'))
        app.screenshot('expired-1280')
        back_to_scan(app)

        type_reference(app, 'CSA/300629/2005')
        tap.equal(app.wait_result(VERDICTS), 'Label withdrawn', 'typed: a revoked label is withdrawn')
        back_to_scan(app)

        # A USB scanner types fast and ends with Enter, wherever the focus is.
        app.click(contains='Paste')  # the focus away from the entry
        mg.pause(0.5)
        app.type_text('CSA/311229/9999')
        app.key('Return')
        tap.equal(app.wait_result(VERDICTS), 'Possible counterfeit',
                  'keyboard wedge: a label no registry knows is a possible counterfeit')
        app.screenshot('not-found-1280')
        back_to_scan(app)

        link = 'https://tietoturvamerkki.fi.example.com/en/products/ruuvitag'
        copy_to_clipboard(app, link)
        app.click(contains='Paste')
        tap.equal(app.wait_result(VERDICTS), 'Suspicious link', 'pasted: a look-alike link is suspicious')
        tap.ok(app.find_all(role=mg.pyatspi.ROLE_LABEL, name=link), 'pasted: the link is shown as text')
        tap.ok(not app.find_all(role=mg.pyatspi.ROLE_LINK), 'pasted: nothing on the page is a link')
        app.screenshot('suspicious-1280')
        app.set_size(360, 720)
        app.screenshot('suspicious-360')
        app.set_size(1280, 800)
        back_to_scan(app)

        type_reference(app, 'WIFI:S:Shop;T:WPA;P:secret;;')
        tap.equal(app.wait_result(VERDICTS), 'Not a label', 'typed: any other code is not a label')
        back_to_scan(app)

        history_tab = app.find(role=mg.pyatspi.ROLE_PAGE_TAB, name='History')
        history_tab.queryAction().doAction(0)
        mg.wait_until(lambda: app.find_all(role=mg.pyatspi.ROLE_LIST_ITEM, name='Test Vanha Thermostat T1'),
                      10, 'the expired check in the history')
        titles = [item.name for item in app.find_all(role=mg.pyatspi.ROLE_LIST_ITEM)]
        tap.ok(titles.index('Test Lukko Door Lock L3') < titles.index('Test Vanha Thermostat T1'),
               'history: newest first', titles)
        app.screenshot('history-1280')
        app.set_size(360, 720)
        app.screenshot('history-360')
        app.set_size(1280, 800)

        tap.ok(app.find_all(role=mg.pyatspi.ROLE_PUSH_BUTTON, name='Main Menu'),
               'the main menu is there outside kiosk mode')
        app.key('F1')
        app.find(role=mg.pyatspi.ROLE_LABEL, name='Checking a Label', timeout=10)
        tap.ok(True, 'F1 shows the keyboard shortcuts')
        app.key('Escape')
        mg.pause(0.5)

        app.app_action('preferences')
        app.find(role=mg.pyatspi.ROLE_LABEL, name='Registries', timeout=10)
        app.screenshot('preferences-1280')
        # Update the offline copy from the two registries (in a thread).
        app.click(contains='Update Now')
        updated = app.find(role=mg.pyatspi.ROLE_LABEL, contains='CSA registry: ', timeout=20)
        mg.wait_until(lambda: 'demo' not in updated.name, 20, 'the offline copy to be updated')
        tap.ok('9 products' in updated.name, 'preferences: the offline copy now holds the CSA registry',
               updated.name)
        # The date shown is the age of the data (the registry's "generated"
        # time, 20 Nov 2026 in tests/data), not the moment of the download.
        tap.ok('20 Nov 2026' in updated.name, 'preferences: the offline copy is dated by its registry',
               updated.name)
        app.key('Escape')
    finally:
        tap.equal(app.quit(), 0, 'input: the app quits cleanly')
        mg.close_all(tap, csa, traficom)


def scenario_file(tap):
    csa, traficom = registries()
    workdir = tempfile.mkdtemp(prefix='merkki-gui-file-')
    image = os.path.join(workdir, 'label.png')
    mg.subprocess.run(['qrencode', '-s', '10', '-o', image, 'CSA/310729/2003'], check=True)
    app = mg.App(pipeline=None, registries={'sg-csa': csa.url, 'fi-traficom': traficom.url},
                 size=(1280, 800))
    try:
        app.point_at_window()
        app.wait_trace('camera-page:no-camera', timeout=20)
        open_image(app, image)
        tap.equal(app.wait_result(VERDICTS), 'Valid label', 'opened image: a CSA-only label is valid')
        tap.ok(app.row_texts('Test Sininen Plug Mini'), 'opened image: the product is shown')
        finland = subtitle_of(app, 'Finland') or ''
        tap.ok('Not recognised' in finland, 'opened image: CLS Level 1 is not recognised in Finland', finland)
        back_to_scan(app)

        # An image copied in another program (xclip owns the clipboard
        # while the app reads it), pasted with Ctrl+V.
        photo = os.path.join(workdir, 'expired.png')
        mg.subprocess.run(['qrencode', '-s', '10', '-o', photo, 'CSA/150325/2004'], check=True)
        with mg.clipboard_owner(photo, 'image/png'):
            app.key('v', ctrl=True)
            tap.equal(app.wait_result(VERDICTS), 'Label expired', 'pasted image: an expired label is expired')
        tap.ok(app.row_texts('Test Vanha Thermostat T1'), 'pasted image: the product is shown')
        back_to_scan(app)

        # Text copied in another program.
        reference = os.path.join(workdir, 'reference.txt')
        with open(reference, 'w') as text:
            text.write('  CSA/300929/2001\n')
        with mg.clipboard_owner(reference, 'UTF8_STRING'):
            app.key('v', ctrl=True)
            tap.equal(app.wait_result(VERDICTS), 'Valid label', 'pasted text: a label in both registries is valid')
        check_valid_pohjola(tap, app, 'pasted text')
    finally:
        tap.equal(app.quit(), 0, 'file: the app quits cleanly')
        mg.close_all(tap, csa, traficom)


def scenario_offline(tap):
    csa, _ = mg.Registry(data('csa.json')), None
    down = mg.closed_port_url()
    app = mg.App(pipeline=None, registries={'sg-csa': csa.url, 'fi-traficom': down}, size=(1280, 800))
    try:
        app.point_at_window()
        type_reference(app, 'CSA/300929/2001')
        tap.equal(app.wait_result(VERDICTS), 'Valid label', 'Traficom down: the CSA answer still counts')
        sources = [item.name for item in app.find_all(role=mg.pyatspi.ROLE_LIST_ITEM)]
        tap.ok(any(name.startswith('Traficom registry unreachable') for name in sources),
               'Traficom down: the provenance says so', sources)
        app.screenshot('registry-down-1280')
    finally:
        tap.equal(app.quit(), 0, 'offline: the app quits cleanly')
        mg.close_all(tap, csa)

    app = mg.App(pipeline=None, registries={'sg-csa': mg.closed_port_url(), 'fi-traficom': down},
                 size=(1280, 800))
    try:
        app.point_at_window()
        type_reference(app, 'CSA/300929/2001')
        tap.equal(app.wait_result(VERDICTS), 'Could not be checked',
                  'both registries down, nothing cached: unverified, never valid')
        sources = [item.name for item in app.find_all(role=mg.pyatspi.ROLE_LIST_ITEM)]
        tap.ok(any(name.startswith('CSA registry unreachable') for name in sources),
               'both down: the CSA provenance says so', sources)
        app.screenshot('unverified-1280')
        type_reference(app, 'CSA/311228/1001')
        tap.equal(app.wait_result(VERDICTS), 'Valid label', 'both down: a demo label answers from the offline copy')
        tap.ok(app.find_all(role=mg.pyatspi.ROLE_LABEL, contains='Demo data'), 'demo data is labelled')
        app.screenshot('demo-1280')
    finally:
        tap.equal(app.quit(), 0, 'offline: the second app quits cleanly')


# Long enough for the test to see the result before the app leaves it, in
# a sanitizer build too (several times slower to answer AT-SPI).
KIOSK_IDLE = 15


def scenario_kiosk(tap):
    csa, traficom = registries()
    app = mg.App(pipeline=None, registries={'sg-csa': csa.url, 'fi-traficom': traficom.url},
                 settings={'kiosk-mode': 'true', 'kiosk-idle-seconds': str(KIOSK_IDLE)})
    try:
        app.point_at_window()
        menu = app.find_all(role=mg.pyatspi.ROLE_PUSH_BUTTON, name='Main Menu')
        # A hidden widget is not in the accessibility tree at all.
        tap.ok(not menu, 'kiosk: no menu, so no way into the preferences by pointer')
        type_reference(app, 'CSA/300929/2001')
        tap.equal(app.wait_result(VERDICTS), 'Valid label', 'kiosk: a check works')
        shown = app.wait_trace('verdict-shown')[-1][0]
        before = len(app.read_traces().get('page:scan', []))
        # Nobody touches it: back to the scan page after the idle time.
        back = app.wait_trace('page:scan', timeout=KIOSK_IDLE + 20, count=before + 1)[-1][0]
        waited = (back - shown) / 1e6
        tap.ok(waited >= KIOSK_IDLE - 1, f'kiosk: back to Scan by itself after the idle time ({waited:.1f} s)')
        app.key('comma', ctrl=True)
        app.find(role=mg.pyatspi.ROLE_LABEL, name='Registries', timeout=10)
        tap.ok(True, 'kiosk: Ctrl+, still opens the preferences')
        app.key('Escape')
    finally:
        tap.equal(app.quit(), 0, 'kiosk: the app quits cleanly')
        mg.close_all(tap, csa, traficom)


def scenario_session(tap):
    """An inspection session started from the menu: the window says so, the
    check goes into it, and the store has it (read with merkki-cli)."""
    csa, traficom = registries()
    app = mg.App(pipeline=None, registries={'sg-csa': csa.url, 'fi-traficom': traficom.url})
    try:
        app.point_at_window()
        session = start_session(app)
        tap.ok(True, f'session: the window shows the open session {session!r}')
        type_reference(app, 'CSA/300929/2001')
        tap.equal(app.wait_result(VERDICTS), 'Valid label', 'session: a check works')
        # The inspector clicks the note, types what they saw; Enter keeps it.
        note = app.find(role=mg.pyatspi.ROLE_TEXT, name='Note', timeout=10)
        box = note.queryComponent().getExtents(mg.pyatspi.DESKTOP_COORDS)
        mg.pyatspi.Registry.generateMouseEvent(box.x + box.width // 2, box.y + box.height // 2, 'b1c')
        mg.pause(0.4)
        app.type_text('Shelf 3, sealed box')
        mg.pause(0.3)
        app.key('Return')
        mg.pause(0.5)
        back_to_scan(app)
        # An opened photo is kept with its check as evidence.
        workdir = tempfile.mkdtemp(prefix='merkki-gui-session-')
        image = os.path.join(workdir, 'shelf.png')
        mg.subprocess.run(['qrencode', '-s', '10', '-o', image, 'CSA/300629/2005'], check=True)
        open_image(app, image)
        tap.equal(app.wait_result(VERDICTS), 'Label withdrawn', 'session: an opened photo is checked')
        entries = session_entries(app, session, 2)
        tap.equal(len(entries), 2, 'session: both checks are recorded in the session')
        tap.equal({entry['session'] for entry in entries}, {session}, 'session: under its name')
        notes = [entry.get('note') for entry in entries]
        tap.equal(notes, [None, 'Shelf 3, sealed box'], 'session: the note typed for a check is stored with it')
        photos = [entry.get('evidence') for entry in entries]
        tap.ok(photos[1] is None and photos[0] is not None,
               'session: the opened photo is kept with its check, the typed one has none', photos)
        if photos[0] is not None:
            with open(os.path.join(app.home, 'data', 'merkki', photos[0]), 'rb') as kept, \
                    open(image, 'rb') as original:
                tap.ok(kept.read() == original.read(), 'session: the kept photo is the opened file')

        # An image pasted from another program is kept too, as a PNG.
        back_to_scan(app)
        pasted = os.path.join(workdir, 'pasted.png')
        mg.subprocess.run(['qrencode', '-s', '10', '-o', pasted, 'CSA/310729/2003'], check=True)
        with mg.clipboard_owner(pasted, 'image/png'):
            # The button: Ctrl+V would paste into the reference entry,
            # which has the focus since a reference was typed.
            app.click(contains='Paste')
            tap.equal(app.wait_result(VERDICTS), 'Valid label', 'session: a pasted image is checked')
        entries = session_entries(app, session, 3)
        evidence = entries[0].get('evidence') if len(entries) == 3 else None
        tap.ok(evidence is not None and evidence.endswith('.png'), 'session: the pasted image is kept as a PNG',
               entries)
        if evidence is not None:
            read = mg.subprocess.run(['zbarimg', '-q', '--raw', os.path.join(app.home, 'data', 'merkki', evidence)],
                                     capture_output=True, text=True).stdout
            tap.equal(read.strip(), 'CSA/310729/2003', 'session: the kept pasted image shows the same code')

        # A photo that cannot be kept (a file stands where the evidence
        # folder goes): the check is still recorded, and the user is told.
        back_to_scan(app)
        folder = os.path.join(app.home, 'data', 'merkki', 'evidence')
        shutil.move(folder, folder + '.moved')
        with open(folder, 'w') as blocker:
            blocker.write('not a folder')
        image = os.path.join(workdir, 'expired.png')
        mg.subprocess.run(['qrencode', '-s', '10', '-o', image, 'CSA/150325/2004'], check=True)
        open_image(app, image)
        tap.equal(app.wait_result(VERDICTS), 'Label expired', 'session: a photo checked while it cannot be kept')
        toast = app.find_toast(contains='The photo could not be kept as evidence', timeout=10)
        tap.ok(True, 'session: the user is told the photo was not kept', toast.name)
        entries = session_entries(app, session, 4)
        tap.ok(len(entries) == 4 and entries[0].get('evidence') is None,
               'session: that check is recorded all the same, without a photo', entries)
        # The inspector may be looking at the next box: the message stays
        # past a toast's usual 5 s, until dismissed.
        mg.pause(6)
        tap.ok(app.find_toast(contains='The photo could not be kept as evidence', timeout=1) is not None,
               'session: the message stays until the user dismisses it')
    finally:
        tap.equal(app.quit(), 0, 'session: the app quits cleanly')
        mg.close_all(tap, csa, traficom)


def session_entries(app, session, count):
    """The checks of @session as `merkki-cli history --export json` reads
    them from the app's store, once there are @count of them."""
    import json
    env = dict(os.environ, XDG_DATA_HOME=os.path.join(app.home, 'data'))
    cli = os.path.join(mg.BUILD_ROOT, 'src', 'cli', 'merkki-cli')
    deadline = time.monotonic() + 10 * mg.SLOWDOWN
    while True:
        out = mg.subprocess.run([cli, 'history', '--session', session, '--export', 'json'],
                                env=env, capture_output=True, text=True, check=True).stdout
        entries = json.loads(out)
        if len(entries) >= count or time.monotonic() >= deadline:
            return entries
        mg.pause(0.2)


def start_session(app):
    """Starts a session from the menu with the suggested name; returns it."""
    app.window_action('start-session')
    app.find(role=mg.pyatspi.ROLE_LABEL, name='Start Inspection Session', timeout=10)
    app.click(contains='Start')
    subtitle = app.find(role=mg.pyatspi.ROLE_LABEL, contains='Inspection session:', timeout=10)
    return subtitle.name.split(': ', 1)[1]


@contextlib.contextmanager
def store_locked(app):
    """Another process holds the app's store for writing (as a batch scan
    in merkki-cli would, for longer) until the block ends."""
    import sqlite3
    connection = sqlite3.connect(os.path.join(app.home, 'data', 'merkki', 'merkki.db'), isolation_level=None)
    try:
        connection.execute('BEGIN EXCLUSIVE')
        yield
    finally:
        connection.execute('ROLLBACK')
        connection.close()


def scenario_session_locked(tap):
    """Starting and ending a session while another process holds the store:
    the write waits in a thread, so the window stays responsive, and when
    it gives up the user is told and the session is as it was."""
    csa, traficom = registries()
    app = mg.App(pipeline=None, registries={'sg-csa': csa.url, 'fi-traficom': traficom.url})
    try:
        app.point_at_window()
        with store_locked(app):
            app.window_action('start-session')
            app.find(role=mg.pyatspi.ROLE_LABEL, name='Start Inspection Session', timeout=10)
            app.click(contains='Start')
            # The write waits (up to the store's 30 s) while the window
            # answers: its widgets can be read and the History page opened.
            mg.pause(2)
            app.find(role=mg.pyatspi.ROLE_PAGE_TAB, name='History', timeout=3).queryAction().doAction(0)
            app.find(role=mg.pyatspi.ROLE_LABEL, name='No Checks Yet', timeout=5)
            tap.ok(not app.read_traces().get('session-started'),
                   'locked store: the window stays responsive while the session waits to start')
            toast = app.find_toast(contains='The session could not be started', timeout=60)
            tap.ok(True, 'locked store: the user is told the session could not be started', toast.name)
        tap.ok(not app.find_all(role=mg.pyatspi.ROLE_LABEL, contains='Inspection session:'),
               'locked store: no session is shown as open')

        session = start_session(app)
        app.wait_trace('session-started', timeout=10)
        tap.ok(True, f'once the store is free, the session {session!r} starts')

        # A check of the session while the store stays held longer than
        # the store waits: the verdict is shown all the same, the user is
        # told it was not recorded, and nothing half-written is left.
        with store_locked(app):
            started = time.monotonic()
            type_reference(app, 'CSA/300929/2001')
            # Not held up for its cache writes (it was for a minute).
            tap.equal(app.wait_result(VERDICTS), 'Valid label', 'locked store: a check is still answered')
            mg.log(f'verdict after {time.monotonic() - started:.1f} s')
            toast = app.find_toast(contains='The check could not be recorded', timeout=60)
            tap.ok(True, 'locked store: the user is told the check could not be recorded', toast.name)
        app.wait_trace('check-not-recorded', timeout=10)
        tap.equal(session_entries(app, session, 0), [], 'locked store: the session holds no check')
        back_to_scan(app)
        type_reference(app, 'CSA/150325/2004')
        tap.equal(app.wait_result(VERDICTS), 'Label expired', 'once the store is free, a check works')
        entries = session_entries(app, session, 1)
        tap.equal([entry['reference']['id'] for entry in entries], ['CSA/150325/2004'],
                  'once the store is free, the check is recorded in the session')

        with store_locked(app):
            app.window_action('end-session')
            toast = app.find_toast(contains='The session could not be ended', timeout=60)
            tap.ok(True, 'locked store: the user is told the session could not be ended', toast.name)
            tap.ok(app.find_all(role=mg.pyatspi.ROLE_LABEL, contains='Inspection session:'),
                   'locked store: the session is still shown as open')
        app.window_action('end-session')
        app.wait_trace('session-ended', timeout=10)
        tap.ok(True, 'once the store is free, the session ends')
    finally:
        tap.equal(app.quit(), 0, 'session-locked: the app quits cleanly')
        mg.close_all(tap, csa, traficom)


def scenario_camera_session(tap):
    """A label read by the camera during an inspection session: the frame
    the code was read from is kept beside the store as a PNG that shows
    the same code, listed with the check, shown as its thumbnail in the
    history and in the report, and named in the JSON export."""
    import json
    payload = 'CSA/300929/2001'
    csa, traficom = registries()
    workdir = tempfile.mkdtemp(prefix='merkki-gui-camera-session-')
    video = os.path.join(workdir, 'label.webm')
    # Forty seconds of the label out of focus, time enough to start the
    # session on a loaded machine (twenty were not, in the sanitizer
    # build), then the label sharp.
    mg.write_label_video(video, payload, blank_frames=600, code_frames=45, size=(800, 600))
    app = mg.App(pipeline=mg.video_pipeline(video),
                 registries={'sg-csa': csa.url, 'fi-traficom': traficom.url}, size=(1280, 800))
    try:
        app.wait_trace('first-frame-shown')
        app.point_at_window()
        session = start_session(app)
        started = app.wait_trace('session-started', timeout=10)[0][0]
        tap.ok(True, f'camera session: session {session!r} started while the camera looks at a blurred label')

        tap.equal(app.wait_result(VERDICTS, timeout=90), 'Valid label', 'camera session: the camera reads the label')
        found = app.wait_trace('code-found')[0][0]
        tap.ok(found > started, 'camera session: the code was found after the session started',
               f'session at {started} µs, code at {found} µs')
        app.wait_trace('check-recorded', timeout=20)
        tap.ok(not app.read_traces().get('check-not-recorded'), 'camera session: the check is recorded')

        entries = session_entries(app, session, 1)
        tap.equal(len(entries), 1, 'camera session: the check is in the session')
        evidence = entries[0].get('evidence') if entries else None
        tap.ok(evidence is not None and evidence.startswith('evidence/') and evidence.endswith('.png'),
               'camera session: the check has a PNG as evidence', evidence)
        kept = os.path.join(app.home, 'data', 'merkki', evidence or 'none')
        tap.ok(os.path.isfile(kept), 'camera session: the evidence file is beside the database', kept)
        if os.path.isfile(kept):
            with open(kept, 'rb') as file:
                tap.ok(file.read(8) == b'\x89PNG\r\n\x1a\n', 'camera session: the evidence is a PNG file')
            read = mg.subprocess.run(['zbarimg', '-q', '--raw', kept], capture_output=True, text=True).stdout
            tap.equal(read.strip(), payload, 'camera session: zbarimg reads the same code in the kept frame')

        back_to_scan(app)
        app.find(role=mg.pyatspi.ROLE_PAGE_TAB, name='History').queryAction().doAction(0)
        # The history's row of the check (the result page has a row of
        # that title too): its subtitle starts with the verdict.

        def history_row_photos():
            for row in app.find_all(role=mg.pyatspi.ROLE_LIST_ITEM, name='Test Pohjola Gateway X3'):
                items = list(app.walk(row))
                if any(item.name.startswith('Valid label · ') for item in items):
                    return [item for item in items
                            if item.getRole() == mg.pyatspi.ROLE_IMAGE and item.name == 'Photo'] or None
            return None
        photos = mg.wait_until(history_row_photos, 10, 'the photo in the history row')
        tap.ok(photos, 'camera session: the history row shows the kept frame')
        app.screenshot('history-camera-evidence-1280')

        path = os.path.join(workdir, 'session.json')
        export_history(app, 'JSON', path)
        with open(path, encoding='utf-8') as file:
            exported = json.load(file)
        tap.equal([entry.get('evidence') for entry in exported], [evidence],
                  'camera session: the JSON export names the kept frame')

        path = os.path.join(workdir, 'session.pdf')
        export_history(app, 'PDF', path)
        text = mg.subprocess.run(['pdftotext', path, '-'], capture_output=True, text=True, check=True).stdout
        tap.ok('Test Pohjola' in text and 'No photo' not in text,
               'camera session: the PDF report has the check with its photo, not "No photo"', text)
        images = mg.subprocess.run(['pdfimages', '-list', path], capture_output=True, text=True,
                                   check=True).stdout.splitlines()[2:]
        tap.ok(len(images) >= 1, 'camera session: the PDF report draws the frame as the thumbnail', images)

        app.window_action('end-session')
        app.wait_trace('session-ended', timeout=10)
        mg.wait_until(lambda: not app.find_all(role=mg.pyatspi.ROLE_LABEL, contains='Inspection session:'),
                      10, 'the session subtitle to go')
        tap.ok(True, 'camera session: the session ends')
    finally:
        tap.equal(app.quit(), 0, 'camera session: the app quits cleanly')
        mg.close_all(tap, csa, traficom)


def pitches(path):
    """The pitch (Hz, from zero crossings) of the first and the last fifth
    of the sound in the WAV file @path (16-bit mono or interleaved)."""
    import array
    import wave
    with wave.open(path) as wav:
        rate, channels = wav.getframerate(), wav.getnchannels()
        samples = array.array('h', wav.readframes(wav.getnframes()))[::channels]
    loud = [i for i, value in enumerate(samples) if abs(value) > 1000]
    if not loud:
        return 0, 0
    samples = samples[loud[0]:loud[-1] + 1]
    fifth = len(samples) // 5

    def pitch(part):
        crossings = sum(1 for a, b in zip(part, part[1:]) if (a < 0) != (b < 0))
        return crossings / 2 / (len(part) / rate)
    return pitch(samples[:fifth]), pitch(samples[-fifth:])


def scenario_sound(tap):
    csa, traficom = registries()
    workdir = tempfile.mkdtemp(prefix='merkki-gui-sound-')
    played = os.path.join(workdir, 'played.wav')
    sink = f'audioconvert ! audio/x-raw,format=S16LE,channels=1 ! wavenc ! filesink location={played}'
    app = mg.App(pipeline=None, registries={'sg-csa': csa.url, 'fi-traficom': traficom.url},
                 env={'MERKKI_SOUND_SINK': sink})
    try:
        app.point_at_window()
        # Off by default: a result, and no sound.
        type_reference(app, 'CSA/300629/2005')
        tap.equal(app.wait_result(VERDICTS), 'Label withdrawn', 'sound off: the result is shown')
        back_to_scan(app)

        app.app_action('preferences')
        switch = app.find(role=mg.pyatspi.ROLE_CHECK_BOX, contains='Sound on result')
        tap.ok(not switch.getState().contains(mg.pyatspi.STATE_CHECKED), 'preferences: sound is off at first')
        switch.queryAction().doAction(0)
        mg.wait_until(lambda: switch.getState().contains(mg.pyatspi.STATE_CHECKED), 5, 'the switch to turn on')
        app.key('Escape')
        mg.pause(0.5)

        type_reference(app, 'CSA/300929/2001')
        tap.equal(app.wait_result(VERDICTS), 'Valid label', 'sound on: a valid label')
        app.wait_trace('sound-played:valid', timeout=20)
        valid_start, valid_end = pitches(played)
        tap.ok(valid_end > valid_start * 1.2 and valid_start > 0,
               f'valid: the sound rises ({valid_start:.0f} Hz to {valid_end:.0f} Hz)')
        os.unlink(played)
        back_to_scan(app)

        type_reference(app, 'CSA/150325/2004')
        tap.equal(app.wait_result(VERDICTS), 'Label expired', 'sound on: an expired label')
        app.wait_trace('sound-played:negative', timeout=20)
        negative_start, negative_end = pitches(played)
        tap.ok(0 < negative_start < valid_start and 0 < negative_end < valid_end,
               f'expired: the sound is lower ({negative_start:.0f} Hz, {negative_end:.0f} Hz)')

        sounds = {event: len(times) for event, times in app.read_traces().items() if event.startswith('sound')}
        tap.equal(sounds, {'sound-played:valid': 1, 'sound-played:negative': 1},
                  'one sound per result while on, none while off')
    finally:
        tap.equal(app.quit(), 0, 'sound: the app quits cleanly')
        mg.close_all(tap, csa, traficom)


def export_history(app, menu_item, path):
    """Exports the history the way a user does: the export menu, then
    GTK's own file chooser (no portal here), a path typed as the name.
    Returns the file name the chooser suggested."""
    # The menu button, and inside it the button that opens the menu.
    buttons = app.find_all(role=mg.pyatspi.ROLE_PUSH_BUTTON, name='Export the History')
    next(button for button in buttons if button.queryAction().nActions > 0).queryAction().doAction(0)
    app.click(role=mg.pyatspi.ROLE_MENU_ITEM, contains=menu_item)
    # The chooser: a window of the app's own (a "filler" to AT-SPI).
    mg.wait_until(lambda: any(window.name == 'Export the History' for window in app.accessible),
                  10, 'the file chooser')
    mg.pause(1.0)
    suggested = chooser_file_name(app)
    app.key('a', ctrl=True)
    app.type_text(path)
    mg.pause(0.8)
    app.key('Return')
    mg.wait_until(lambda: os.path.exists(path) and os.path.getsize(path) > 0, 30, f'the export {path}')
    app.find_toast(name='History exported', timeout=10)
    return suggested


def chooser_file_name(app):
    """The name the export file chooser suggests, as a user would copy it:
    Ctrl+A and Ctrl+C in its name field, then read from the clipboard
    (GTK 4.8 does not show an entry's text to AT-SPI)."""
    app.key('a', ctrl=True)
    app.key('c', ctrl=True)
    mg.pause(0.5)
    done = mg.subprocess.run(['xclip', '-o', '-selection', 'clipboard'], capture_output=True, text=True, timeout=10)
    return done.stdout if done.returncode == 0 else None


def scenario_export(tap):
    import csv
    import json
    csa, traficom = registries()
    workdir = tempfile.mkdtemp(prefix='merkki-gui-export-')
    app = mg.App(pipeline=None, registries={'sg-csa': csa.url, 'fi-traficom': traficom.url},
                 size=(1280, 800))
    checked = {('CSA/300929/2001', 'valid', 'Test Pohjola'), ('CSA/150325/2004', 'expired', 'Test Vanha')}
    try:
        app.point_at_window()
        for reference in ('CSA/300929/2001', 'CSA/150325/2004'):
            type_reference(app, reference)
            app.wait_result(VERDICTS)
            back_to_scan(app)
        app.find(role=mg.pyatspi.ROLE_PAGE_TAB, name='History').queryAction().doAction(0)
        mg.wait_until(lambda: app.find_all(role=mg.pyatspi.ROLE_LIST_ITEM, name='Test Vanha Thermostat T1'),
                      10, 'the expired check in the history')

        path = os.path.join(workdir, 'checks.csv')
        tap.equal(export_history(app, 'CSV', path), 'merkki-history.csv',
                  'export: the whole history is offered under a generic name')
        with open(path, newline='', encoding='utf-8') as file:
            rows = list(csv.DictReader(file))
        tap.equal({(row['reference'], row['verdict'], row['brand']) for row in rows}, checked,
                  'CSV: one row per check, with reference, verdict and brand')

        path = os.path.join(workdir, 'checks.json')
        export_history(app, 'JSON', path)
        with open(path, encoding='utf-8') as file:
            entries = json.load(file)
        tap.equal(len(entries), 2, 'JSON: both checks')
        tap.ok(all(entry.get('verdict') in ('valid', 'expired') for entry in entries),
               'JSON: each check has its verdict', entries)

        path = os.path.join(workdir, 'checks.pdf')
        export_history(app, 'PDF', path)
        with open(path, 'rb') as file:
            tap.ok(file.read(5) == b'%PDF-', 'PDF: a PDF file')
        text = mg.subprocess.run(['pdftotext', path, '-'], capture_output=True, text=True, check=True).stdout
        tap.ok('Test Pohjola' in text and 'Test Vanha' in text, 'PDF: the report names both products', text)
    finally:
        tap.equal(app.quit(), 0, 'export: the app quits cleanly')
        mg.close_all(tap, csa, traficom)


def open_session_chooser(app):
    chooser = app.find(role=mg.pyatspi.ROLE_COMBO_BOX, name='Inspection session', timeout=10)
    opener = next(node for node in app.walk(chooser)
                  if 'Action' in node.get_interfaces() and node.queryAction().nActions > 0)
    opener.queryAction().doAction(0)
    mg.pause(0.8)


def choose_session(app, steps, key):
    """Opens the History page's session chooser and moves @steps items
    with the arrow @key, then Enter: as a keyboard user does."""
    open_session_chooser(app)
    for _ in range(steps):
        app.key(key)
        mg.pause(0.3)
    app.key('Return')
    mg.pause(0.5)


def scenario_sessions(tap):
    """Two inspection sessions made with `merkki-cli scan --session`: the
    inspector picks the older one in History, sees its checks only, and
    its export holds its checks only; All Checks shows every one again."""
    import csv
    import subprocess
    csa, traficom = registries()
    workdir = tempfile.mkdtemp(prefix='merkki-gui-sessions-')
    app = mg.App(pipeline=None, registries={'sg-csa': csa.url, 'fi-traficom': traficom.url},
                 size=(1280, 800))
    older = {'Test Pohjola Gateway X3', 'Test Vanha Thermostat T1'}
    newer = {'Test Lukko Door Lock L3'}
    try:
        env = dict(os.environ, XDG_DATA_HOME=os.path.join(app.home, 'data'),
                   MERKKI_REGISTRY_SG_CSA=csa.url, MERKKI_REGISTRY_FI_TRAFICOM=traficom.url)
        cli = os.path.join(mg.BUILD_ROOT, 'src', 'cli', 'merkki-cli')
        photos = {}
        for reference in ('CSA/300929/2001', 'CSA/150325/2004', 'CSA/300629/2005'):
            photos[reference] = os.path.join(workdir, reference.replace('/', '-') + '.png')
            subprocess.run(['qrencode', '-s', '8', '-o', photos[reference], reference], check=True)
        for name, place, references in (('Older visit', 'Itäkeskus', ('CSA/300929/2001', 'CSA/150325/2004')),
                                        ('Newer visit', 'Sello', ('CSA/300629/2005',))):
            done = subprocess.run([cli, 'scan', '--session', name, '--place', place, '--inspector', 'Aino Virtanen',
                                   *(photos[reference] for reference in references)],
                                  env=env, capture_output=True, text=True)
            tap.ok(done.returncode == 1, f'sessions: merkki-cli records the session {name!r}', done.stderr)
            mg.pause(0.1)

        app.point_at_window()
        app.find(role=mg.pyatspi.ROLE_PAGE_TAB, name='History').queryAction().doAction(0)
        everything = older | newer

        def shown_products():
            return {item.name for item in app.find_all(role=mg.pyatspi.ROLE_LIST_ITEM)} & everything
        mg.wait_until(lambda: shown_products() == everything, 10, 'every check in the history')
        tap.ok(True, 'sessions: History shows every check at first')

        # The list offers each session with where, who, when and how many checks.
        open_session_chooser(app)
        details = [label.name for label in app.find_all(role=mg.pyatspi.ROLE_LABEL, contains='Aino Virtanen')]
        tap.ok(any(name.startswith('Itäkeskus · Aino Virtanen · ') and name.endswith(' · 2 checks')
                   for name in details)
               and any(name.startswith('Sello · Aino Virtanen · ') and name.endswith(' · 1 check')
                       for name in details),
               'sessions: the chooser lists both sessions with place, inspector, date and checks', details)
        app.screenshot('history-sessions-list-1280')
        app.key('Escape')
        mg.pause(0.3)
        choose_session(app, 2, 'Down')
        mg.wait_until(lambda: shown_products() == older, 10, 'the checks of the older session')
        tap.equal(shown_products(), older, 'sessions: the older session shows its own checks only')
        chooser = app.find(role=mg.pyatspi.ROLE_COMBO_BOX, name='Inspection session')
        names = [item.name for item in app.walk(chooser) if item.getRole() == mg.pyatspi.ROLE_LABEL]
        tap.ok('Older visit' in names, 'sessions: the chooser names the chosen session', names)
        app.screenshot('history-session-1280')

        path = os.path.join(workdir, 'older.csv')
        suggested = export_history(app, 'CSV', path)
        tap.equal(suggested, 'Older visit.csv', 'sessions: the export of a session is offered under its name')
        with open(path, newline='', encoding='utf-8') as file:
            rows = list(csv.DictReader(file))
        tap.equal(sorted(row['reference'] for row in rows), ['CSA/150325/2004', 'CSA/300929/2001'],
                  'sessions: the CSV export holds the older session\'s checks only')
        tap.equal({row['session'] for row in rows}, {'Older visit'}, 'sessions: each row names the session')

        path = os.path.join(workdir, 'older.pdf')
        export_history(app, 'PDF', path)
        text = mg.subprocess.run(['pdftotext', path, '-'], capture_output=True, text=True, check=True).stdout
        tap.ok('Older visit' in text and 'Itäkeskus' in text and 'CSA/150325/2004' in text
               and 'CSA/300629/2005' not in text and 'Sello' not in text,
               'sessions: the PDF report is the older session\'s', text)

        choose_session(app, 2, 'Up')
        mg.wait_until(lambda: shown_products() == everything, 10, 'every check again')
        tap.ok(True, 'sessions: All Checks shows every check again')
    finally:
        tap.equal(app.quit(), 0, 'sessions: the app quits cleanly')
        mg.close_all(tap, csa, traficom)


def scenario_cameras(tap):
    """Two cameras (a test GStreamer plugin the app's device monitor finds):
    the chooser appears, and switching to the camera filming a label
    checks it."""
    csa, traficom = registries()
    workdir = tempfile.mkdtemp(prefix='merkki-gui-cameras-')
    image = os.path.join(workdir, 'label.png')
    mg.subprocess.run(['qrencode', '-s', '8', '-m', '4', '-o', image, 'CSA/300929/2001'], check=True)
    app = mg.App(pipeline=None, registries={'sg-csa': csa.url, 'fi-traficom': traficom.url},
                 env={'GST_PLUGIN_PATH': os.environ['MERKKI_TEST_PLUGIN_PATH'],
                      'MERKKI_TEST_CAMERA_IMAGE': image})
    try:
        app.wait_trace('first-frame-shown')
        chooser = app.find(role=mg.pyatspi.ROLE_COMBO_BOX, name='Camera')
        tap.ok(True, 'two cameras: the camera chooser is shown')
        cameras = [item.name for item in app.walk(chooser) if item.getRole() == mg.pyatspi.ROLE_LABEL]
        tap.ok('Test Pattern Camera' in cameras, 'the chooser shows the camera in use', cameras)
        tap.ok(not app.read_traces().get('verdict-shown'), 'the test pattern holds no label')
        # Open the list, go down to the other camera, choose it.
        opener = next(node for node in app.walk(chooser)
                      if 'Action' in node.get_interfaces() and node.queryAction().nActions > 0)
        opener.queryAction().doAction(0)
        app.find(role=mg.pyatspi.ROLE_LABEL, name='Label Camera')
        mg.pause(0.5)
        app.key('Down')
        mg.pause(0.3)
        app.key('Return')
        tap.equal(app.wait_result(VERDICTS), 'Valid label', 'switched to the other camera: its label is checked')
        tap.ok(app.row_texts('Test Pohjola Gateway X3'), 'the label camera: the product is shown')
    finally:
        tap.equal(app.quit(), 0, 'cameras: the app quits cleanly')
        mg.close_all(tap, csa, traficom)


SCENARIOS = {
    'session-locked': scenario_session_locked,
    'camera-session': scenario_camera_session,
    'cameras': scenario_cameras,
    'export': scenario_export,
    'sound': scenario_sound,
    'session': scenario_session,
    'sessions': scenario_sessions,
    'kiosk': scenario_kiosk,
    'camera': scenario_camera,
    'input': scenario_input,
    'file': scenario_file,
    'offline': scenario_offline,
}


def main():
    scenario = SCENARIOS[sys.argv[1]]

    def run(tap):
        try:
            scenario(tap)
        except mg.TestFailure as error:
            raise mg.TestFailure(f'{sys.argv[1]}: {error}') from error
    return mg.run_test(run)


if __name__ == '__main__':
    sys.exit(main())
