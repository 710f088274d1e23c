# SPDX-License-Identifier: GPL-3.0-or-later
"""Drives the real Merkki app for the GUI tests: registry servers on
127.0.0.1, the app with a recorded camera pipeline, and what a screen
reader sees of it through AT-SPI (pyatspi)."""

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

# The TAP stream goes to MERKKI_TAP_FD when meson gives one (the test's
# stdout, shared with the session bus's services, goes to stderr then:
# see tests/gui/meson.build).
if os.environ.get('MERKKI_TAP_FD'):
    sys.stdout = os.fdopen(int(os.environ['MERKKI_TAP_FD']), 'w', buffering=1)

# G_DEBUG=fatal-criticals is for the app under test; a critical inside
# pyatspi must not abort the driver. GLib reads it when it loads.
APP_G_DEBUG = os.environ.pop('G_DEBUG', None)

import gi  # noqa: E402

gi.require_version('Gio', '2.0')
from gi.repository import Gio, GLib  # noqa: E402

import pyatspi  # noqa: E402

# How long an AT-SPI call waits for the app's answer (ms; the library's
# default is under a second): a sanitizer build on a busy machine answers
# an action (a menu item's "click") later than that.
pyatspi.setTimeout(30000, 60000)

APP_ID = 'io.github.merkki.Merkki'
BUILD_ROOT = os.environ.get('MERKKI_BUILD_ROOT', '')
SOURCE_ROOT = os.environ.get('MERKKI_SOURCE_ROOT', '')

EXIT_SKIP = 77


def _sanitized_build():
    """Whether the build under test has the sanitizers (b_sanitize), as
    build-aux/test.sh's second run does."""
    import json
    try:
        with open(os.path.join(BUILD_ROOT, 'meson-info', 'intro-buildoptions.json'), encoding='utf-8') as options:
            return any(option['name'] == 'b_sanitize' and option['value'] not in ('none', '')
                       for option in json.load(options))
    except (OSError, ValueError, KeyError):
        return False


# How much longer to wait for the app: a sanitizer build runs several times
# slower (every allocation checked, every AT-SPI answer later), so each
# wait_until() and pause() is stretched by this factor there. What is
# asserted stays the same; only the patience changes.
SLOWDOWN = 3 if _sanitized_build() else 1


def pause(seconds):
    """Gives the app @seconds (stretched in a slow build) to take in an
    action before the next one: a user's pause between key presses."""
    pump(seconds * SLOWDOWN)


# How long a process may take to exit once asked: a sanitizer build checks
# for leaks at exit, with full stack traces (slow).
SANITIZER_EXIT_TIMEOUT = 60


class TestFailure(Exception):
    pass


# Every process the tests start (registries, the app), so that whatever
# fails, none is left running: stop_all() ends those still alive.
_started = []


def _start(args, **kwargs):
    proc = subprocess.Popen(args, **kwargs)
    _started.append(proc)
    return proc


def _stop(proc, timeout=10):
    """Ends @proc (SIGTERM, then SIGKILL) unless it has already exited."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def stop_all():
    for proc in _started:
        _stop(proc)
    _started.clear()


def _raise_on_sigterm(signum, frame):
    # meson test's timeout sends SIGTERM: unwind, so that the finally
    # blocks (and stop_all()) run.
    raise SystemExit(128 + signum)


def run_test(body):
    """Runs @body (a function of a Tap) as the whole TAP test and returns
    the exit status. Whatever happens, every process started is ended."""
    import signal
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    skip_unless_display()
    tap = Tap()
    try:
        body(tap)
    except TestFailure as error:
        tap.ok(False, str(error))
    except Exception:
        import traceback
        tap.ok(False, 'the test itself failed', traceback.format_exc())
    finally:
        stop_all()
    return tap.done()


def log(*args):
    print('#', *args, flush=True)


def skip_unless_display():
    if not os.environ.get('DISPLAY') and not os.environ.get('WAYLAND_DISPLAY'):
        print('1..0 # SKIP no display (run under xvfb-run)')
        sys.exit(EXIT_SKIP)
    if not os.environ.get('DBUS_SESSION_BUS_ADDRESS'):
        print('1..0 # SKIP no session bus (run under dbus-run-session)')
        sys.exit(EXIT_SKIP)
    wait_for_display()


_held_display = None


def _open_display():
    import ctypes
    import ctypes.util
    xlib = ctypes.cdll.LoadLibrary(ctypes.util.find_library('X11') or 'libX11.so.6')
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    return xlib.XOpenDisplay(None)


def wait_for_display(timeout=20):
    """Waits until the display accepts clients, then stays connected to it:
    Xvfb resets whenever its last client leaves, and a program connecting
    during the reset fails ("cannot open display")."""
    global _held_display
    if not os.environ.get('DISPLAY') or _held_display:
        return
    deadline = time.monotonic() + timeout
    while not _held_display:
        _held_display = _open_display()
        if _held_display:
            return
        if time.monotonic() > deadline:
            raise TestFailure(f'the display {os.environ["DISPLAY"]} does not accept clients')
        time.sleep(0.2)


def pump(seconds):
    """Waits @seconds, handling the accessibility events that come in
    meanwhile (see _FocusTracker): pyatspi delivers them from GLib's main
    context, which nothing else here runs."""
    context = GLib.MainContext.default()
    deadline = time.monotonic() + seconds
    while True:
        while context.pending():
            context.iteration(False)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        time.sleep(min(remaining, 0.02))


def wait_until(predicate, timeout, what):
    timeout *= SLOWDOWN
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as error:  # AT-SPI objects vanish while we look
            last_error = error
        pump(0.1)
    raise TestFailure(f'timed out after {timeout} s waiting for {what}'
                      + (f' (last error: {last_error})' if last_error else ''))


class Tap:
    """A minimal TAP producer: one line per check."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, condition, description, detail=''):
        self.n += 1
        if condition:
            print(f'ok {self.n} - {description}', flush=True)
        else:
            self.failed += 1
            print(f'not ok {self.n} - {description}', flush=True)
            if detail:
                for line in str(detail).splitlines():
                    print(f'# {line}', flush=True)
        return condition

    def equal(self, got, expected, description):
        return self.ok(got == expected, description, f'got {got!r}, expected {expected!r}')

    def done(self):
        print(f'1..{self.n}', flush=True)
        return 1 if self.failed else 0


class Registry:
    """`merkki-cli serve` on a random loopback port."""

    def __init__(self, *data_files):
        cli = os.path.join(BUILD_ROOT, 'src', 'cli', 'merkki-cli')
        self.proc = _start([cli, 'serve', '--bind', '127.0.0.1', '--port', '0', *data_files],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        match = re.search(r'listening on (http://\S+)', line)
        if not match:
            _stop(self.proc)
            raise TestFailure(f'merkki-cli serve did not start: {line!r} {self.proc.stderr.read()}')
        self.url = match.group(1)

    def close(self):
        """Stops the server the way a user does (SIGTERM: it quits its
        main loop and exits normally, so a sanitizer build checks its
        leaks) and returns its exit status; what it wrote to stderr is
        shown when that is not 0."""
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            _, errors = self.proc.communicate(timeout=SANITIZER_EXIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            _stop(self.proc)
            _, errors = self.proc.communicate()
        if self.proc.returncode != 0 and errors:
            log(f'merkki-cli serve exited with {self.proc.returncode}:')
            for line in errors.splitlines():
                log(line)
        return self.proc.returncode


class _FocusTracker:
    """The item that last got the keyboard focus, as AT-SPI announces it
    (object:state-changed:focused, which GTK sends; a screen reader follows
    the focus the same way). Finding the focus by walking the whole tree
    takes 3 to 5 s in a sanitizer build, more on a loaded machine: longer
    than a toast shown with a verdict stays."""

    def __init__(self):
        self.item = None
        pyatspi.Registry.registerEventListener(self._on_focus, 'object:state-changed:focused')

    def _on_focus(self, event):
        if event.detail1:
            self.item = event.source


_focus_tracker = None


def _focus_events():
    global _focus_tracker
    if _focus_tracker is None:
        _focus_tracker = _FocusTracker()
    return _focus_tracker


# LeakSanitizer's exit status when it found leaks (and nothing else).
LSAN_EXIT_LEAKS = 23


def _frame_leak_signatures():
    """The entries of build-aux/lsan-frames.supp: for each, the frames
    ("library+offset") a leak's allocation stack must contain, in a row."""
    signatures = []
    path = os.path.join(SOURCE_ROOT, 'build-aux', 'lsan-frames.supp')
    with open(path, encoding='utf-8') as entries:
        for line in entries:
            words = line.split()
            if words and words[0] == 'stack':
                signatures.append(words[1:])
    return signatures


def _leak_blocks(report):
    """Each leak of a LeakSanitizer report: its first line and its frames
    as "library+offset" (or the function's name when it has one)."""
    blocks = []
    for match in re.finditer(r'^((?:Direct|Indirect) leak of .*)\n((?:\s+#\d+ .*\n?)+)', report, re.M):
        frames = []
        for frame in match.group(2).splitlines():
            where = re.search(r'\(([^()]*\.so[^()]*)\+(0x[0-9a-f]+)\)\s*$', frame)
            if where:
                frames.append(f'{os.path.basename(where.group(1))}+{where.group(2)}')
            else:
                frames.append(frame.split(' in ', 1)[-1].split(' ')[0])
        blocks.append((match.group(1), frames))
    return blocks


def _known_frame_leak(frames, signatures):
    for signature in signatures:
        for i in range(len(frames) - len(signature) + 1):
            if frames[i:i + len(signature)] == signature:
                return True
    return False


def sanitizer_verdict(status, report):
    """The exit status of a process run under the sanitizers, given what
    they reported: a leak report (status 23) all of whose leaks match
    build-aux/lsan-frames.supp counts as a clean exit. Those are leaks made
    in static functions of third-party libraries, where no frame has a name
    an lsan.supp entry could match without hiding Merkki's (see that file)."""
    if (status != LSAN_EXIT_LEAKS or 'ERROR: LeakSanitizer' not in report
            or 'ERROR: AddressSanitizer' in report or 'runtime error' in report):
        return status
    blocks = _leak_blocks(report)
    signatures = _frame_leak_signatures()
    unknown = [header for header, frames in blocks if not _known_frame_leak(frames, signatures)]
    if not blocks or unknown:
        return status
    log(f'{len(blocks)} third-party leak(s) listed in build-aux/lsan-frames.supp, accepted')
    return 0


def close_all(tap, *registries):
    """Stops the registries, checking that each exits normally (0: under a
    sanitizer, no leak and no error)."""
    for registry in registries:
        tap.equal(registry.close(), 0, 'the registry server exits cleanly')


def closed_port_url():
    """An address on which nothing listens: a registry that is down."""
    import socket
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    return f'http://127.0.0.1:{port}'


def screenshot_dir():
    path = os.path.join(BUILD_ROOT, 'screenshots')
    os.makedirs(path, exist_ok=True)
    return path


def write_label_video(path, payload, blank_frames=10, code_frames=90, size=(1280, 720), fps=15,
                      caption=None):
    """A recorded label: qrencode draws the code on a printed label
    (ImageMagick), GStreamer makes a VP8 WebM of it. The first
    @blank_frames show the label out of focus (no decoder reads it: the
    camera still being aimed), then @code_frames show it sharp. Only greys:
    VP8 does not say which colour matrix it used, and greys survive any."""
    tmp = tempfile.mkdtemp(prefix='merkki-video-')
    try:
        width, height = size
        qr = os.path.join(tmp, 'qr.png')
        card = os.path.join(tmp, 'card.png')
        sharp = os.path.join(tmp, 'sharp.png')
        blurred = os.path.join(tmp, 'blurred.png')
        subprocess.run(['qrencode', '-s', '8', '-m', '4', '-o', qr, '--', payload], check=True)
        subprocess.run(['convert', '-size', '380x460', 'xc:white',
                        '-fill', '#1c1c1c', '-font', 'DejaVu-Sans-Bold', '-pointsize', '26',
                        '-gravity', 'north', '-annotate', '+0+22', 'CYBERSECURITY LABEL',
                        '-font', 'DejaVu-Sans', '-pointsize', '22', '-annotate', '+0+400', caption or payload[:28],
                        qr, '-gravity', 'center', '-composite', card], check=True)
        subprocess.run(['convert', '-size', f'{width}x{height}', 'gradient:#d6d6d6-#9a9a9a',
                        '(', card, '-alpha', 'set', '-background', 'none', '-rotate', '-4', ')',
                        '-gravity', 'center', '-geometry', '+30+10', '-composite', '-alpha', 'off', 'PNG24:' + sharp],
                       check=True)
        subprocess.run(['convert', sharp, '-blur', '0x14', 'PNG24:' + blurred], check=True)
        frames = os.path.join(tmp, 'frame-%04d.png')
        index = 0
        for source, count in ((blurred, blank_frames), (sharp, code_frames)):
            for _ in range(count):
                shutil.copy(source, frames % index)
                index += 1
        subprocess.run(['gst-launch-1.0', '-q',
                        'multifilesrc', f'location={frames}', 'index=0', f'caps=image/png,framerate={fps}/1',
                        '!', 'pngdec', '!', 'videoconvert', '!', 'vp8enc', 'deadline=1', '!', 'webmmux', '!',
                        'filesink', f'location={path}'], check=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def clipboard_owner(path, target):
    """Another program (xclip) holds the contents of @path on the
    CLIPBOARD as @target until the block ends."""
    proc = subprocess.Popen(['xclip', '-quiet', '-selection', 'clipboard', '-t', target, '-i', path],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # xclip owns the selection once it answers a request for it.
        wait_until(lambda: subprocess.run(['xclip', '-o', '-selection', 'clipboard', '-t', 'TARGETS'],
                                          capture_output=True, text=True).stdout.find(target) >= 0,
                   10, f'xclip to own the clipboard as {target}')
        # The app learns of the new owner by an X event of its own, later:
        # pasting at once may still see the old clipboard's formats.
        pause(1.0)
        yield
    finally:
        proc.terminate()
        proc.wait(10)


def video_pipeline(path, loop=False):
    return f'filesrc location={path} ! decodebin ! videoconvert'


class App:
    """The real app, launched with a private home and the given camera
    pipeline and registries, seen through AT-SPI."""

    def __init__(self, pipeline=None, registries=None, args=(), env=None, size=None, settings=None):
        self.home = tempfile.mkdtemp(prefix='merkki-gui-')
        environment = dict(os.environ)
        for key in list(environment):
            if key.startswith('MERKKI_REGISTRY_'):
                del environment[key]
        environment.pop('NO_AT_BRIDGE', None)
        environment.update({
            'GTK_A11Y': 'atspi',
            'GSK_RENDERER': 'cairo',
            'GSETTINGS_BACKEND': 'memory',
            'XDG_DATA_HOME': os.path.join(self.home, 'data'),
            'XDG_CONFIG_HOME': os.path.join(self.home, 'config'),
            'XDG_CACHE_HOME': os.path.join(self.home, 'cache'),
            'HOME': self.home,
            'MERKKI_SCREENSHOT_DIR': screenshot_dir(),
            'MERKKI_TRACE': '1',
            'G_DEBUG': APP_G_DEBUG or '',
            'LANGUAGE': 'en',
            'LC_ALL': 'C.UTF-8',
        })
        for registry_id, url in (registries or {}).items():
            environment['MERKKI_REGISTRY_' + registry_id.upper().replace('-', '_')] = url
        if pipeline is not None:
            environment['MERKKI_CAMERA_PIPELINE'] = pipeline
        if settings:
            # The keyfile backend, so the app starts with these settings.
            directory = os.path.join(self.home, 'config', 'glib-2.0', 'settings')
            os.makedirs(directory)
            with open(os.path.join(directory, 'keyfile'), 'w') as keyfile:
                keyfile.write('[io/github/merkki/Merkki]\n')
                for key, value in settings.items():
                    keyfile.write(f'{key}={value}\n')
            environment['GSETTINGS_BACKEND'] = 'keyfile'
        environment.update(env or {})
        # Under the sanitizers, their reports go to a file (and then to
        # stderr), so that quit() can tell third-party leaks apart.
        self.sanitizer_log = None
        if 'ASAN_OPTIONS' in environment:
            self.sanitizer_log = os.path.join(tempfile.mkdtemp(prefix='merkki-asan-'), 'report')
            # 23 (LeakSanitizer's own) rather than ASan's 1: an exit
            # status that means "leaks, and nothing else went wrong".
            environment['ASAN_OPTIONS'] += f':log_path={self.sanitizer_log}:exitcode={LSAN_EXIT_LEAKS}'
        self.focus_events = _focus_events()
        self.started = time.monotonic()
        self.proc = _start([os.path.join(BUILD_ROOT, 'src', 'merkki'), *args],
                           env=environment, stdout=subprocess.PIPE, text=True)
        self.traces = {}
        self._lock = threading.Lock()
        threading.Thread(target=self._read_stdout, daemon=True).start()
        try:
            self.bus = Gio.bus_get_sync(Gio.BusType.SESSION)
            self.accessible = wait_until(self._find_application, 30, 'the app on the accessibility bus')
            self.window = wait_until(lambda: self._child_by_role(self.accessible, pyatspi.ROLE_FRAME),
                                     20, 'the main window')
            wait_until(self._has_bus_name, 10, 'the app on the session bus')
            if size is not None:
                self.set_size(*size)
        except BaseException:
            # Not started as it should: nobody will quit it.
            _stop(self.proc)
            shutil.rmtree(self.home, ignore_errors=True)
            self._sanitizer_report()
            raise

    # Process and D-Bus
    def _find_application(self):
        desktop = pyatspi.Registry.getDesktop(0)
        for app in desktop:
            if app is not None and app.get_process_id() == self.proc.pid:
                return app
        return None

    def _has_bus_name(self):
        reply = self.bus.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                                   'NameHasOwner', GLib.Variant('(s)', (APP_ID,)), None, 0, 2000, None)
        return reply.unpack()[0]

    def _activate(self, path, action, parameter=None):
        params = [parameter] if parameter is not None else []
        self.bus.call_sync(APP_ID, path, 'org.gtk.Actions', 'Activate',
                           GLib.Variant('(sava{sv})', (action, params, {})), None, 0, 10000, None)

    def window_action(self, action, parameter=None):
        self._activate('/io/github/merkki/Merkki/window/1', action, parameter)

    def app_action(self, action, parameter=None):
        self._activate('/io/github/merkki/Merkki', action, parameter)

    def screenshot(self, name):
        path = os.path.join(screenshot_dir(), name + '.png')
        if os.path.exists(path):
            os.unlink(path)
        # Let the last frame be painted.
        pause(0.6)
        self.window_action('screenshot', GLib.Variant('s', name))
        wait_until(lambda: os.path.exists(path) and os.path.getsize(path) > 0, 10, f'screenshot {name}')
        return path

    def set_size(self, width, height):
        self.window_action('set-size', GLib.Variant('(ii)', (width, height)))
        pause(0.5)

    def quit(self):
        """Quits the app as a user does (app.quit, what Ctrl+Q activates),
        waits for it to exit and returns its exit status: 0 only when it
        ran main() to its end (under a sanitizer: with no leak, no error).
        An app that does not exit in time is killed (a negative status)."""
        if self.proc.poll() is None:
            try:
                self.app_action('quit')
            except GLib.Error as error:
                # It may exit before it answers; one that does not is
                # killed below.
                log(f'asking the app to quit: {error.message}')
            try:
                self.proc.wait(SANITIZER_EXIT_TIMEOUT)
            except subprocess.TimeoutExpired:
                log('the app did not exit when asked to quit')
                _stop(self.proc)
        shutil.rmtree(self.home, ignore_errors=True)
        return sanitizer_verdict(self.proc.returncode, self._sanitizer_report())

    def _sanitizer_report(self):
        """What the sanitizers wrote (log_path.PID), also copied to stderr."""
        if self.sanitizer_log is None:
            return ''
        report = ''
        directory = os.path.dirname(self.sanitizer_log)
        for name in sorted(os.listdir(directory)):
            with open(os.path.join(directory, name), encoding='utf-8', errors='replace') as file:
                report += file.read()
        shutil.rmtree(directory, ignore_errors=True)
        sys.stderr.write(report)
        sys.stderr.flush()
        return report

    def _read_stdout(self):
        for line in self.proc.stdout:
            match = re.match(r'merkki-trace: (\S+) (\d+)', line)
            if match:
                with self._lock:
                    self.traces.setdefault(match.group(1), []).append((int(match.group(2)), time.monotonic()))

    def read_traces(self):
        """Events "merkki-trace: EVENT MICROSECONDS" printed so far: for
        each, (the app's monotonic µs, our monotonic s when read)."""
        with self._lock:
            return {event: list(times) for event, times in self.traces.items()}

    def wait_trace(self, event, timeout=30, count=1):
        return wait_until(lambda: len(self.read_traces().get(event, [])) >= count and self.read_traces()[event],
                          timeout, f'trace {event}')

    # Accessibility tree
    @staticmethod
    def _child_by_role(node, role):
        for i in range(node.childCount):
            child = node.getChildAtIndex(i)
            if child is not None and child.getRole() == role:
                return child
        return None

    def walk(self, node=None, last_first=False):
        """Every item under @node (default: every window of the app, since
        dialogs are toplevels too, the main window first: a dialog left in
        the tree, a file chooser, takes seconds to walk), depth first, each
        item's children in order or, with @last_first, the last one first."""
        if node is None:
            yield self.accessible
            for window in [self.window] + [window for window in self.accessible if window != self.window]:
                yield from self.walk(window, last_first)
            return
        stack = [node]
        while stack:
            current = stack.pop()
            if current is None:
                continue
            yield current
            try:
                count = current.childCount
            except Exception:
                continue
            for i in (range(count) if last_first else reversed(range(count))):
                try:
                    stack.append(current.getChildAtIndex(i))
                except Exception:
                    pass

    def _matching(self, role=None, name=None, contains=None, node=None, last_first=False):
        for item in self.walk(node, last_first):
            try:
                if role is not None and item.getRole() != role:
                    continue
                if name is not None and item.name != name:
                    continue
                if contains is not None and contains not in item.name:
                    continue
            except Exception:
                continue
            yield item

    def find_all(self, role=None, name=None, contains=None, node=None):
        return list(self._matching(role, name, contains, node))

    def find(self, role=None, name=None, contains=None, node=None, timeout=10):
        """The first item that matches, waiting for one. The walk stops
        there: a whole walk of the tree takes seconds in a sanitizer build,
        longer than a toast stays."""
        return wait_until(lambda: next(self._matching(role, name, contains, node), None), timeout,
                          f'{role} {name or contains!r}')

    def find_toast(self, name=None, contains=None, timeout=10):
        """The label of a toast, waiting for it. A toast stays 5 s, and in a
        sanitizer build one walk of the whole tree takes 3 to 5 s: this one
        looks at each item's last child first, where a toast overlay keeps
        its toast (after the page it covers)."""
        return wait_until(lambda: next(self._matching(pyatspi.ROLE_LABEL, name, contains, last_first=True), None),
                          timeout, f'the toast {name or contains!r}')

    def focused(self):
        """The item with the keyboard focus: the last one AT-SPI said got
        it, if it still has it; else found by walking the tree."""
        return self._announced_focus() or self._walk_for_focus()

    def _announced_focus(self):
        item = self.focus_events.item
        try:
            if (item is not None and item.get_process_id() == self.proc.pid
                    and item.getState().contains(pyatspi.STATE_FOCUSED)):
                return item
        except Exception:  # gone with its widget
            pass
        return None

    def _walk_for_focus(self):
        for item in self.walk():
            try:
                if item.getState().contains(pyatspi.STATE_FOCUSED):
                    return item
            except Exception:
                continue
        return None

    def click(self, role=pyatspi.ROLE_PUSH_BUTTON, contains=None, name=None):
        button = self.find(role=role, contains=contains, name=name)
        action = button.queryAction()
        for i in range(action.nActions):
            if action.getName(i) in ('click', 'activate', 'press'):
                action.doAction(i)
                return button
        action.doAction(0)
        return button

    # Keyboard (XTest through the AT-SPI registry)
    def type_text(self, text):
        pyatspi.Registry.generateKeyboardEvent(0, text, pyatspi.KEY_STRING)

    def key(self, keysym_name, ctrl=False):
        keysym = Gdk_keysym(keysym_name)
        if ctrl:
            pyatspi.Registry.generateKeyboardEvent(37, None, pyatspi.KEY_PRESS)
        pyatspi.Registry.generateKeyboardEvent(keysym, None, pyatspi.KEY_SYM)
        if ctrl:
            pyatspi.Registry.generateKeyboardEvent(37, None, pyatspi.KEY_RELEASE)

    def point_at_window(self):
        extents = self.window.queryComponent().getExtents(pyatspi.DESKTOP_COORDS)
        pyatspi.Registry.generateMouseEvent(extents.x + extents.width // 2,
                                            extents.y + extents.height // 2, 'abs')

    # The result page
    def wait_result(self, verdicts, timeout=40):
        """Waits until the focus is on a verdict (the result page moves it
        there so screen readers read it) and returns its words."""
        # The focus events say when the verdict gets the focus; the tree is
        # walked only now and then, in case one was missed. A walk blocks
        # the events meanwhile, and a toast shown with the verdict could be
        # gone by the time the caller looks for it.
        last_walk = time.monotonic()

        def verdict(item):
            if item is not None and item.getRole() == pyatspi.ROLE_LABEL and item.name in verdicts:
                return item.name
            return None

        def verdict_focused():
            nonlocal last_walk
            found = verdict(self._announced_focus())
            if found is None and time.monotonic() - last_walk > 5 * SLOWDOWN:
                found = verdict(self._walk_for_focus())
                last_walk = time.monotonic()
            return found
        return wait_until(verdict_focused, timeout, f'one of the verdicts {verdicts}')

    def row_texts(self, title):
        """The texts of the rows titled @title (an AdwActionRow is a list
        item named by its title; its subtitle is a label inside)."""
        rows = self.find_all(role=pyatspi.ROLE_LIST_ITEM, name=title)
        texts = []
        for row in rows:
            texts.append([item.name for item in self.walk(row) if item.getRole() == pyatspi.ROLE_LABEL])
        return texts

    def label_names(self):
        return [item.name for item in self.find_all(role=pyatspi.ROLE_LABEL)]


_KEYSYMS = {'Return': 0xff0d, 'Escape': 0xff1b, 'Tab': 0xff09, 'BackSpace': 0xff08, 'comma': 0x2c, 'F1': 0xffbe,
            'Down': 0xff54, 'Up': 0xff52}


def Gdk_keysym(name):
    if name in _KEYSYMS:
        return _KEYSYMS[name]
    if len(name) == 1:
        return ord(name)
    raise ValueError(name)
