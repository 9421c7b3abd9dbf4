"""Unit tests of the Python client, and C <-> Python interoperability tests (they need the C tool, built by
`make -C clients/c`; its path can be given in SHMIPC_C_TOOL). Run as root or not:

    python3 -m unittest discover -s clients/python/tests -v

With CI=true a missing C tool fails the run instead of skipping the interoperability tests.
"""

import ctypes
import os
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import shmipc  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
PY_TOOL = [sys.executable, os.path.join(HERE, "interop_tool.py")]
C_TOOL_PATH = os.environ.get("SHMIPC_C_TOOL") or os.path.join(ROOT, "clients", "c", "build", "shmipc-interop")
HOSTILE_CASES = os.path.join(ROOT, "clients", "testdata", "hostile-files.tsv")
STEP = 0x9E3779B97F4A7C15
MASK64 = (1 << 64) - 1
IS_ROOT = os.geteuid() == 0


def c_tool():
    """The C tool's command, or a skip (a failure in CI) if it was not built."""
    if os.access(C_TOOL_PATH, os.X_OK):
        return [C_TOOL_PATH]
    if os.environ.get("CI") == "true":
        raise AssertionError(f"CI=true but the C tool {C_TOOL_PATH} is missing: run make -C clients/c first")
    raise unittest.SkipTest(f"C tool {C_TOOL_PATH} not built (make -C clients/c): C interoperability not tested")


def run(command, timeout=60):
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    return done.returncode, done.stdout + done.stderr


class _Lines:
    """A child process whose output lines are collected by a thread."""

    def __init__(self, command):
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        try:
            for line in self.process.stdout:
                self.lines.append(line.rstrip("\n"))
        except ValueError:  # closed
            pass

    def await_line(self, prefix, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines:
                if line.startswith(prefix):
                    return line
            if self.process.poll() is not None and not self.reader.is_alive():
                break
            time.sleep(0.01)
        raise AssertionError(f"no line starting with {prefix!r}: {self.lines}")

    def kill(self):
        self.process.kill()
        self.process.wait()
        self.reader.join(10)
        self.process.stdout.close()


class _Dir(unittest.TestCase):
    """A fresh segment directory in /dev/shm for each test."""

    def setUp(self):
        base = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
        self.dir = tempfile.mkdtemp(prefix="shmipc-pytest-", dir=base)
        self.addCleanup(shutil.rmtree, self.dir, True)

    def create(self, name, pages=1, page_size=4096, **kw):
        seg = shmipc.create(name, pages, page_size, directory=self.dir, **kw)
        self.addCleanup(seg.close)
        return seg

    def open(self, name, **kw):
        seg = shmipc.open(name, directory=self.dir, **kw)
        self.addCleanup(seg.close)
        return seg

    def path(self, name):
        return os.path.join(self.dir, name)


def _raw_word(seg, page):
    """The address of a page's lock word, to change it as another process would."""
    return seg._mapping.base + shmipc.HEADER_LENGTH + page * shmipc.LOCK_STRIDE


def _store(address, value):
    shmipc._c_store(address, value, 5)


# ----------------------------------------------------------------------------------------------------------------

class LifeCycleTest(_Dir):

    def test_create_writes_the_header_of_format_md(self):
        seg = self.create("life", 3, 1024)
        self.assertEqual((seg.page_size, seg.page_count, seg.capacity), (1024, 3, 3072))
        self.assertEqual((seg.data_offset, seg.file_length), (8192, 8192 + 3072))
        with open_bytes(self.path("life")) as raw:
            self.assertEqual(raw[0:8], b"SHMIPC\0\0")
            self.assertEqual(struct.unpack_from("<iiiiqqq", raw, 8), (2, 4096, 1024, 3, 4096, 8192, 11264))
            created_ms, pid = struct.unpack_from("<qq", raw, 48)
            self.assertEqual(pid, os.getpid())
            self.assertLess(abs(created_ms - time.time() * 1000), 60_000)
            self.assertEqual(raw[64:4096].count(0), 4096 - 64, "reserved bytes and counters are zero")
        self.assertEqual(stat.S_IMODE(os.lstat(self.path("life")).st_mode), 0o600)
        self.assertTrue(1 <= seg.owner_slot <= shmipc.MAX_OWNER)

    def test_mode_is_set_exactly_despite_the_umask(self):
        old = os.umask(0o077)
        try:
            self.create("mode", mode=0o660)
        finally:
            os.umask(old)
        self.assertEqual(stat.S_IMODE(os.lstat(self.path("mode")).st_mode), 0o660)

    def test_open_read_write_unlink(self):
        a = self.create("rw", 2, 64)
        b = self.open("rw")
        self.assertNotEqual(a.owner_slot, b.owner_slot, "each handle has its own slot (OFD locks)")
        a.write(60, b"hello")
        self.assertEqual(b.read(60, 5), b"hello")
        buf = bytearray(5)
        b.read_into(60, buf)
        self.assertEqual(buf, b"hello")
        a.write(0, bytearray(b"ba"))
        a.write(2, memoryview(b"xy"))
        self.assertEqual(b.read(0, 4), b"baxy")
        with self.assertRaises(shmipc.SegmentExistsError):
            shmipc.create("rw", directory=self.dir)
        self.assertTrue(shmipc.unlink("rw", self.dir))
        self.assertFalse(shmipc.unlink("rw", self.dir))
        with self.assertRaises(shmipc.SegmentNotFoundError):
            shmipc.open("rw", directory=self.dir)
        a.write(0, b"z")  # mapped users keep working
        self.assertEqual(b.read(0, 1), b"z")

    def test_bad_arguments_name_the_value_and_the_limit(self):
        for name in ("", "a/b", "..", "x" * 256, "nul\0"):
            with self.assertRaises(ValueError):
                shmipc.create(name, directory=self.dir)
        with self.assertRaisesRegex(ValueError, "256 bytes long .* limit is 255"):
            shmipc.create("x" * 256, directory=self.dir)
        with self.assertRaisesRegex(ValueError, "page size 1000"):
            shmipc.create("g", 1, 1000, directory=self.dir)
        with self.assertRaisesRegex(ValueError, "page count 0"):
            shmipc.create("g", 0, directory=self.dir)
        with self.assertRaisesRegex(ValueError, "2147483647"):
            shmipc.create("g", 600_000, directory=self.dir)
        seg = self.create("ranges", 2, 64)
        with self.assertRaisesRegex(ValueError, r"\[100, 100 \+ 29\) is outside the segment's 128 bytes"):
            seg.write(100, bytes(29))
        with self.assertRaises(ValueError):
            seg.read(-1, 1)
        with self.assertRaises(ValueError):
            seg.version(2)
        with self.assertRaises(TypeError):
            seg.read("0", 1)
        self.assertEqual(seg.read(128, 0), b"")
        self.assertFalse(os.path.exists(self.path("g")))

    def test_a_closed_handle_refuses_calls(self):
        seg = self.create("closed")
        seg.close()
        self.assertTrue(seg.closed)
        with self.assertRaisesRegex(ValueError, "closed"):
            seg.read(0, 1)


class ProtocolTest(_Dir):

    def test_versions_torn_bit_and_reserved_bytes(self):
        seg = self.create("v", 3, 64)
        seg.write(60, b"x" * 10)  # pages 0 and 1
        self.assertEqual([seg.version(p) for p in range(3)], [1, 1, 0])
        self.assertEqual(seg.lock_word(0), 2 << 16, "released: even sequence, no owner, no flags")
        self.assertEqual(seg.await_change(0, 0, timeout=0), 1)
        self.assertEqual(seg.await_change(2, 0, timeout=0.02), 0, "timed out: returns seen")

        _store(_raw_word(seg, 1), seg.lock_word(1) | shmipc.TORN)  # as a dead writer's recovery leaves it
        with self.assertRaises(shmipc.TornPageError) as torn:
            seg.read(0, 192)
        self.assertEqual(torn.exception.page, 1)
        seg.read(0, 64)
        seg.write(64, bytes(63))  # partial: stays torn
        with self.assertRaises(shmipc.TornPageError):
            seg.read(64, 1)
        seg.write(32, bytes(100))  # covers page 1 whole: cleared
        seg.read(0, 192)
        self.assertFalse(seg.lock_word(1) & shmipc.TORN)

        # Reserved bytes, reserved counters and the rest of a lock-table entry are ignored.
        ctypes.memset(seg._mapping.base + 64, 0xAB, 64)
        ctypes.memset(seg._mapping.base + 640, 0xCD, 4096 - 640)
        ctypes.memset(seg._mapping.base + 4096 + 8, 0x5A, 120)
        other = self.open("v")
        other.write(0, bytes(192))
        self.assertEqual(other.read(0, 192), bytes(192))

    def test_await_change_sleeps_and_is_woken_by_the_writer(self):
        writer = self.create("await", 1, 64)
        waiter = self.open("await", max_sleep=60)  # one sleep may last 60 s: only a FUTEX_WAKE ends it early
        result = []
        thread = threading.Thread(target=lambda: result.append(waiter.await_change(0, 0, timeout=60)))
        thread.start()
        deadline = time.monotonic() + 30
        while not writer.lock_word(0) & shmipc.WAITERS and time.monotonic() < deadline:
            time.sleep(0.001)
        self.assertTrue(writer.lock_word(0) & shmipc.WAITERS, "the waiter set W on a free word")
        self.assertGreaterEqual(writer.counter(shmipc.SLEEPS), 1)
        woken = time.monotonic()
        writer.write(0, b"z")
        thread.join(60)
        # Not a performance figure: without the wake the waiter would sleep its full 60 s.
        self.assertLess(time.monotonic() - woken, 30, "woken by FUTEX_WAKE, not by its timeout")
        self.assertEqual(result, [1])
        self.assertFalse(writer.lock_word(0) & shmipc.WAITERS, "the release cleared W")

    def test_release_tolerates_a_waiters_bit_and_detects_lost_ownership(self):
        seg = self.create("lost", 2, 64)
        address = _raw_word(seg, 0)

        def waiter_registers():
            _store(address, seg.lock_word(0) | shmipc.WAITERS)
        seg._write_hook = waiter_registers
        seg.write(0, bytes(100))
        self.assertEqual(seg.lock_word(0), 2 << 16, "released with W cleared")

        def taken_over():  # another process believed this writer dead and took the page over as slot 999
            _store(address, (seg.lock_word(0) & ~shmipc.OWNER_MASK) | shmipc.TORN | 999)
        seg._write_hook = taken_over
        with self.assertRaises(shmipc.LostOwnershipError) as lost:
            seg.write(0, bytes(100))
        self.assertEqual(lost.exception.page, 0)
        self.assertEqual(seg.lock_word(0), (3 << 16) | shmipc.TORN | 999, "the taker's word was not overwritten")
        self.assertEqual(seg.lock_word(1), 4 << 16, "the other page was released")
        self.assertEqual(seg.counter(shmipc.LOST_OWNERSHIPS), 1)

    def test_an_exception_mid_copy_releases_every_page_marked_torn(self):
        seg = self.create("interrupted", 2, 64)

        def interrupt():
            raise KeyboardInterrupt
        seg._write_hook = interrupt
        with self.assertRaises(KeyboardInterrupt):
            seg.write(0, bytes(128))
        for page in range(2):
            word = seg.lock_word(page)
            self.assertFalse(word & shmipc.HELD, hex(word))
            self.assertTrue(word & shmipc.TORN, "half the bytes are new: torn " + hex(word))
        seg._write_hook = None
        seg.write(0, bytes(128))
        self.assertEqual(seg.read(0, 128), bytes(128))

    @unittest.skipUnless(threading.current_thread() is threading.main_thread(), "signals go to the main thread")
    def test_a_signal_while_waiting_for_a_page_releases_the_pages_already_taken(self):
        seg = self.create("signal", 2, 64)
        holder = self.open("signal")
        held = (seg.lock_word(1) + shmipc.ONE) | holder.owner_slot  # page 1 held by a live handle
        _store(_raw_word(seg, 1), held)

        def alarm(signum, frame):
            raise TimeoutError("alarm")
        previous = signal.signal(signal.SIGALRM, alarm)
        try:
            signal.setitimer(signal.ITIMER_REAL, 0.2)
            with self.assertRaises(TimeoutError):
                seg.write(0, bytes(128))  # takes page 0, waits for page 1
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        self.assertEqual(seg.lock_word(0), 2 << 16, "page 0 released, untouched bytes: not torn")
        self.assertEqual(seg.lock_word(1) & ~shmipc.WAITERS, held, "page 1 still the live holder's")
        self.assertEqual(seg.counter(shmipc.OWNER_RECOVERIES), 0)

    def test_threads_writing_and_reading_a_straddling_record_never_tear(self):
        seg = self.create("stress", 4, 4096)
        other = self.open("stress")
        offset, words = 4096 - 1000, (4096 + 2000) // 8
        # The record starts whole (writer 0, write 0): a reader that runs before either writer's first write reads a
        # consistent record, not the file's zeros, which the check below would count as a torn read.
        seg.write(offset, struct.pack(f"<{words}Q", *((i * STEP) & MASK64 for i in range(words))))
        stop = threading.Event()
        results = []

        def work(handle, writer):
            pattern = struct.Struct(f"<{words}Q")
            writes = torn = reads = 0
            while not stop.is_set():
                if writer:
                    writes += 1
                    value = (writer << 48) | writes
                    handle.write(offset, pattern.pack(*((value + i * STEP) & MASK64 for i in range(words))))
                data = pattern.unpack(handle.read(offset, words * 8))
                reads += 1
                if any((data[i] - i * STEP) & MASK64 != data[0] for i in range(words)):
                    torn += 1
            results.append((writer, writes, reads, torn))
        threads = [threading.Thread(target=work, args=a) for a in ((seg, 1), (other, 2), (seg, 0), (other, 0))]
        for t in threads:
            t.start()
        time.sleep(1.0)
        stop.set()
        for t in threads:
            t.join(60)
        self.assertEqual(sum(r[3] for r in results), 0, f"torn reads: {results}")
        self.assertTrue(all(r[1] > 10 for r in results if r[0]), f"writers progressed: {results}")
        self.assertEqual(seg.counter(shmipc.LOST_OWNERSHIPS), 0)


class SlotsAndForkTest(_Dir):

    def test_closing_one_handle_keeps_the_other_handles_slot(self):
        self.create("ofd")
        b = self.open("ofd")
        c = shmipc.open("ofd", directory=self.dir)
        c.close()
        del c  # the descriptor goes with the last reference; with F_SETLK locks it would drop b's slot too
        d = self.open("ofd")
        self.assertNotEqual(d.owner_slot, b.owner_slot)

    def test_the_descriptor_is_close_on_exec(self):
        seg = self.create("cloexec")
        flags = fcntl_getfd(seg._mapping.fd)
        self.assertTrue(flags & 1, "FD_CLOEXEC")

    def test_a_forked_child_cannot_write_through_an_inherited_handle(self):
        seg = self.create("fork", 1, 64)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                try:
                    seg.write(0, b"c")
                except shmipc.ForkedHandleError:
                    seg.read(0, 1)
                    code = 0
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0, "child: write refused, read allowed")
        seg.write(0, b"p")


def fcntl_getfd(fd):
    import fcntl
    return fcntl.fcntl(fd, fcntl.F_GETFD)


class open_bytes:
    """The bytes of a file, mapped read-only."""

    def __init__(self, path):
        import mmap
        self.fd = os.open(path, os.O_RDONLY)
        self.mm = mmap.mmap(self.fd, 0, mmap.MAP_SHARED, mmap.PROT_READ)

    def __enter__(self):
        return self.mm

    def __exit__(self, *exc):
        self.mm.close()
        os.close(self.fd)


# ----------------------------------------------------------------------------------------------------------------
# Dead owners, in this language and across C and Python
# ----------------------------------------------------------------------------------------------------------------

class RecoveryTest(_Dir):

    def kill_mid_write(self, tool, name, offset, length, value):
        child = _Lines(tool + ["hold", self.dir, name, str(offset), str(length), str(value)])
        slot = int(child.await_line("PAUSED").split("slot=")[1])
        child.kill()
        return slot

    def test_a_python_reader_recovers_a_killed_python_writer_page_by_page(self):
        reader = self.create("dead-r", 3, 4096, recovery_timeout=0.1)
        slot = self.kill_mid_write(PY_TOOL, "dead-r", 0, 3 * 4096, 0x11)
        self.assertNotEqual(slot, reader.owner_slot)
        for page in range(3):
            word = reader.lock_word(page)
            self.assertTrue(word & shmipc.HELD and word & shmipc.OWNER_MASK == slot, hex(word))
        with self.assertRaises(shmipc.TornPageError) as torn:
            reader.read(0, 3 * 4096)
        self.assertEqual(torn.exception.page, 0)
        self.assertEqual(reader.counter(shmipc.OWNER_RECOVERIES), 1)
        self.assertTrue(reader.lock_word(1) & shmipc.HELD, "only the waited page was released")
        with self.assertRaises(shmipc.TornPageError) as torn:
            reader.read(4096, 2 * 4096)  # probed at once: the slot is known dead
        self.assertEqual(torn.exception.page, 1)
        reader.write(0, b"\x22" * 3 * 4096)
        self.assertEqual(reader.read(0, 3 * 4096), b"\x22" * 3 * 4096)

    def test_a_python_writer_takes_a_killed_writers_page_over(self):
        writer = self.create("dead-w", 2, 4096, recovery_timeout=0.05)
        self.kill_mid_write(PY_TOOL, "dead-w", 0, 100, 0x33)
        writer.write(10, b"\x44" * 10)  # partial: takes the page over, leaves it torn
        self.assertEqual(writer.counter(shmipc.OWNER_RECOVERIES), 1)
        word = writer.lock_word(0)
        self.assertTrue(not word & shmipc.HELD and word & shmipc.TORN and not word & shmipc.OWNER_MASK, hex(word))
        writer.write(0, b"\x44" * 4096)
        self.assertEqual(writer.read(0, 4096), b"\x44" * 4096)

    def test_claiming_a_dead_slot_releases_its_pages(self):
        self.create("dead-slot", 2, 4096)
        slot = self.kill_mid_write(PY_TOOL, "dead-slot", 4000, 200, 0x55)
        fresh = self.open("dead-slot", recovery_timeout=1000)
        self.assertEqual(fresh.owner_slot, slot)
        self.assertEqual(fresh.counter(shmipc.OWNER_RECOVERIES), 2)
        with self.assertRaises(shmipc.TornPageError):
            fresh.read(4090, 8)

    def test_c_and_python_recover_each_others_killed_writers(self):
        c = c_tool()
        for killer, recoverer in ((PY_TOOL, c), (c, PY_TOOL)):
            with self.subTest(killed=killer[-1], recovered_by=recoverer[-1]):
                name = f"x-{len(killer)}"
                watcher = self.create(name, 2, 4096)
                self.kill_mid_write(killer, name, 0, 8192, 0x66)
                code, out = run(recoverer + ["check", self.dir, name, "0", "8192", "102", "100"])
                self.assertIn("ERROR torn page=0", out)
                code, out = run(recoverer + ["fill", self.dir, name, "0", "8192", "119"])
                self.assertEqual(out.strip(), "OK")
                self.assertEqual(watcher.read(0, 8192), b"\x77" * 8192)
                self.assertGreaterEqual(watcher.counter(shmipc.OWNER_RECOVERIES), 1)


# ----------------------------------------------------------------------------------------------------------------
# Layout version 3: page leases (FORMAT.md section 7.6)
# ----------------------------------------------------------------------------------------------------------------

def _lease_word(seg, page):
    """The address of a page's lease word (layout versions 3 and 4), to change it as a leaseholder would."""
    return _raw_word(seg, page) + shmipc.LEASE_WORD_OFFSET


def _sleepers_word(seg, page):
    """The address of a page's sleepers word (layout version 4)."""
    return _raw_word(seg, page) + shmipc.SLEEPERS_WORD_OFFSET


class LeaseTest(_Dir):
    """Segments of layout version 3, as a Java program with leases(true) makes them. "A live process" is another
    handle of this process: each handle holds its own OFD lock on its slot, which a probe from another handle sees."""

    VERSION = shmipc.LEASES_LAYOUT_VERSION

    def make_leased(self, name, pages, page_size, version=None):
        """A fresh version-2 file whose version field says 3 (or 4: its lease words, and sleepers words, start at 0,
        as in a new file of that version); the creating handle is closed, so the handles the test opens see the new
        version."""
        creator = shmipc.create(name, pages, page_size, directory=self.dir)
        creator.close()
        del creator
        with open_writable(self.path(name)) as raw:
            struct.pack_into("<i", raw, 8, version or self.VERSION)

    def page_bytes(self, seg, page):
        with open_bytes(self.path(seg.name)) as raw:
            start = seg.data_offset + page * seg.page_size
            return raw[start:start + seg.page_size]

    def test_a_leased_segment_opens_reads_and_writes_its_unleased_pages(self):
        self.make_leased("v3", 2, 4096)
        seg = self.open("v3")
        self.assertEqual(seg.layout_version, self.VERSION)
        self.assertTrue(seg.leases)
        self.assertEqual([seg.lease_holder(p) for p in range(2)], [0, 0])
        seg.write(0, b"\x31" * 8192)
        self.assertEqual(seg.read(0, 8192), b"\x31" * 8192)
        self.assertEqual(seg.version(1), 1)
        self.assertEqual(seg.lease_holder(0), 0, "writing an unleased page leases nothing")
        v2 = self.create("v2", 1, 64)
        self.assertFalse(v2.leases)
        self.assertEqual(v2.lease_holder(0), 0)

    def test_a_page_leased_to_a_live_process_is_refused_untouched(self):
        self.make_leased("leased", 3, 4096)
        holder = self.open("leased")
        w = self.open("leased")
        w.write(0, b"\x11" * 3 * 4096)
        _store(_lease_word(w, 1), holder.owner_slot)
        self.assertEqual(w.lease_holder(1), holder.owner_slot)
        self.assertEqual(w.read(0, 3 * 4096), b"\x11" * 3 * 4096, "reads of a leased page work as any")

        words = [w.lock_word(p) for p in range(3)]
        with self.assertRaises(shmipc.PageLeasedError) as refused:
            w.write(4096, b"\x22" * 4096)
        self.assertIsInstance(refused.exception, shmipc.SharedMemoryError)
        self.assertEqual((refused.exception.page, refused.exception.holder_slot), (1, holder.owner_slot))
        self.assertIn("page 1 ", str(refused.exception))
        self.assertIn(f"owner slot {holder.owner_slot}", str(refused.exception))
        self.assertEqual(w.lock_word(1), words[1], "page 1's lock word unchanged")
        self.assertEqual(self.page_bytes(w, 1), b"\x11" * 4096, "page 1's bytes unchanged")

        # Across pages 0 to 2, refused at page 1: page 0 was taken and is given back unwritten and not torn, page 1
        # is untouched, page 2 was never taken.
        with self.assertRaises(shmipc.PageLeasedError) as refused:
            w.write(100, b"\x22" * (3 * 4096 - 200))
        self.assertEqual(refused.exception.page, 1)
        self.assertEqual(w.lock_word(0), words[0] + 2 * shmipc.ONE, "page 0 given back: one more version, no T")
        self.assertEqual([w.lock_word(1), w.lock_word(2)], words[1:], "pages 1 and 2 unchanged")
        self.assertEqual([self.page_bytes(w, p) for p in range(3)], [b"\x11" * 4096] * 3, "no byte written")
        self.assertEqual(w.lease_holder(1), holder.owner_slot, "the lease stays")

        holder.write(4096, b"\x22" * 4096)  # the leaseholder's own slot writes it
        w.write(0, b"\x22" * 4096)  # the other pages stay writable by anyone
        self.assertEqual(w.read(0, 8192), b"\x22" * 8192)
        self.assertEqual(w.counter(shmipc.OWNER_RECOVERIES), 0)

    def test_a_dead_processs_lease_is_cleared_by_the_next_writer(self):
        self.make_leased("lease-dead", 2, 4096)
        w = self.open("lease-dead")
        gone = shmipc.open("lease-dead", directory=self.dir)
        dead = gone.owner_slot
        gone.close()
        del gone  # its slot's lock goes with the descriptor: whoever held that slot is dead
        _store(_lease_word(w, 0), dead)
        _store(_lease_word(w, 1), 20000)  # names no slot a process can hold: void too
        w.write(0, b"\x44" * 8192)
        self.assertEqual([w.lease_holder(0), w.lease_holder(1)], [0, 0], "leases cleared")
        self.assertEqual(w.read(0, 8192), b"\x44" * 8192)

    def test_claiming_a_dead_slot_clears_its_leases(self):
        self.make_leased("lease-claim", 3, 4096)
        keep = self.open("lease-claim")
        gone = shmipc.open("lease-claim", directory=self.dir)
        dead = gone.owner_slot
        gone.close()
        del gone
        for page, holder in ((0, dead), (1, keep.owner_slot), (2, dead)):
            _store(_lease_word(keep, page), holder)
        fresh = self.open("lease-claim")  # claims the lowest free slot: the dead one
        self.assertEqual(fresh.owner_slot, dead)
        self.assertEqual([fresh.lease_holder(p) for p in range(3)], [0, keep.owner_slot, 0],
                         "the dead slot's leases cleared, a live slot's kept")
        self.assertEqual([fresh.lock_word(p) for p in range(3)], [0, 0, 0], "lock words untouched")

    def test_a_page_taken_over_and_found_leased_is_given_back_torn(self):
        self.make_leased("lease-over", 2, 4096)
        holder = self.open("lease-over")
        w = self.open("lease-over", recovery_timeout=0.05)
        child = _Lines(PY_TOOL + ["hold", self.dir, "lease-over", "0", "100", str(0x33)])
        child.await_line("PAUSED")
        child.kill()  # page 0 held by a dead slot
        # The dead writer took the page before a live process's lease was granted (FORMAT.md section 7.6).
        _store(_lease_word(w, 0), holder.owner_slot)
        with self.assertRaises(shmipc.PageLeasedError) as refused:
            w.write(0, b"\x55" * 4096)
        self.assertEqual((refused.exception.page, refused.exception.holder_slot), (0, holder.owner_slot))
        self.assertEqual(w.counter(shmipc.OWNER_RECOVERIES), 1, "taken over first")
        word = w.lock_word(0)
        self.assertTrue(not word & shmipc.HELD and word & shmipc.TORN and not word & shmipc.OWNER_MASK,
                        f"given back torn: {word:#x}")
        self.assertEqual(self.page_bytes(w, 0)[0], 0x33, "this write wrote nothing")
        self.assertEqual(w.lease_holder(0), holder.owner_slot, "the live lease stays")

    def test_waiters_never_set_w_on_a_held_page(self):
        self.make_leased("lease-wait", 2, 64)
        holder = self.open("lease-wait")
        waiter = self.open("lease-wait")
        slot = holder.owner_slot
        # Page 0: held by its live leaseholder. Page 1: held, not leased. Either holder may release with a plain store.
        _store(_lease_word(waiter, 0), slot)
        _store(_raw_word(waiter, 0), shmipc.ONE | slot)
        _store(_raw_word(waiter, 1), shmipc.ONE | slot)
        results = {}

        def wait(kind, call):
            try:
                results[kind] = call()
            except shmipc.SharedMemoryError as ex:
                results[kind] = ex
        calls = {"read": lambda: waiter.read(0, 1), "await": lambda: waiter.await_change(0, 0, timeout=60),
                 "write": lambda: waiter.write(0, b"w"), "control": lambda: waiter.read(64, 1)}
        threads = [threading.Thread(target=wait, args=item) for item in calls.items()]
        for t in threads:
            t.start()
        time.sleep(0.3)  # long past the spins and yields: a waiter allowed to sleep on a held word has set W by now
        self.assertEqual(waiter.lock_word(0), shmipc.ONE | slot, "no W on the held leased page")
        self.assertEqual(waiter.lock_word(1), shmipc.ONE | slot, "no W on the held unleased page")
        # The holders release with a plain store and wake nobody: the waiters notice by polling.
        released = time.monotonic()
        _store(_raw_word(waiter, 0), 2 << 16)
        _store(_raw_word(waiter, 1), 2 << 16)
        for t in threads:
            t.join(60)
        self.assertLess(time.monotonic() - released, 30, "the waiters saw the release")
        self.assertEqual(results["read"], b"\0")
        self.assertEqual(results["await"], 1)
        self.assertIsInstance(results["write"], shmipc.PageLeasedError, "refused once the page is free")
        self.assertEqual(results["control"], b"\0")
        self.assertEqual(waiter.lock_word(0), 2 << 16, "the leased page untouched by the waiters")

    def test_the_python_and_c_tools_read_leased_pages_and_report_a_refused_write(self):
        self.make_leased("tools", 2, 4096)
        holder = self.open("tools")
        holder.write(0, b"\x07" * 8192)
        _store(_lease_word(holder, 1), holder.owner_slot)
        tools = [PY_TOOL]
        try:
            tools.append(c_tool())
        except unittest.SkipTest as skip:
            print(f"\n  {skip}", file=sys.stderr)
        for value, tool in enumerate(tools, 1):
            with self.subTest(tool=tool[-1]):
                code, out = run(tool + ["info", self.dir, "tools"])
                self.assertRegex(out, f"\nversions=[0-9]+,[0-9]+\nleases=0,{holder.owner_slot}\n")
                code, out = run(tool + ["check", self.dir, "tools", "4096", "4096", "7"])
                self.assertEqual(out.strip(), "OK")
                code, out = run(tool + ["fill", self.dir, "tools", "4000", "200", "9"])
                self.assertEqual(code, 3, out)
                self.assertTrue(out.startswith(f"ERROR leased page=1 slot={holder.owner_slot} "), out)
                self.assertIn(f"owner slot {holder.owner_slot}", out)
                code, out = run(tool + ["fill", self.dir, "tools", "0", "4096", str(value)])
                self.assertEqual(out.strip(), "OK")
                self.assertEqual(holder.read(0, 8192), bytes([value]) * 4096 + b"\x07" * 4096)


class LeaseV4Test(LeaseTest):
    """The lease rules of layout version 3 hold unchanged in version 4 (version 3 plus a sleepers word per page)."""

    VERSION = shmipc.SOLE_LAYOUT_VERSION


class _SoleWriter:
    """A sole writer (FORMAT.md section 7.7) of one leased page, as Java's ExclusiveWriter on JDK 22+ writes it: a
    plain store of the odd word, the data, a release store of the even word, a full fence, then the sleepers."""

    def __init__(self, seg, page, owner):
        self.lock = _raw_word(seg, page)
        self.sleepers = _sleepers_word(seg, page)
        self.data = seg._mapping.base + seg.data_offset + page * seg.page_size
        self.size = seg.page_size
        self.owner = owner
        self.even = shmipc._c_load(self.lock, shmipc._ACQUIRE)
        self.held = None

    def take(self):
        self.held = ((self.even & ~(shmipc.OWNER_MASK | shmipc.WAITERS)) + shmipc.ONE) & MASK64 | self.owner
        shmipc._c_store(self.lock, self.held, shmipc._RELAXED)  # a plain store: no compare-and-swap
        shmipc._c_fence(shmipc._RELEASE)  # the odd word before any byte of the data
        return self.held

    def release(self, value):
        ctypes.memset(self.data, value, self.size)
        self.even = ((self.held & ~(shmipc.OWNER_MASK | shmipc.WAITERS | shmipc.TORN)) + shmipc.ONE) & MASK64
        shmipc._c_store(self.lock, self.even, shmipc._RELEASE)  # the data before the even word
        shmipc._c_fence(shmipc._SEQ_CST)  # the even word before the sleepers' load
        if shmipc._c_load(self.sleepers, shmipc._RELAXED) != 0:
            shmipc._c_store(self.sleepers, 0, shmipc._RELAXED)
            shmipc._futex_wake(self.lock)


class _Waiter(threading.Thread):
    def __init__(self, call):
        super().__init__(daemon=True)
        self.call = call
        self.result = None

    def run(self):
        try:
            self.result = self.call()
        except shmipc.SharedMemoryError as ex:
            self.result = ex


class _WordWatch(threading.Thread):
    """Samples a page's lock word until stopped, OR-ing every value seen: did any waiter ever set W on it?"""

    def __init__(self, seg, page):
        super().__init__(daemon=True)
        self.mapping = seg._mapping  # keeps the mapping alive while this thread reads it, even once seg is closed
        self.address = _raw_word(seg, page)
        self.stopped = threading.Event()
        self.seen = 0
        self.samples = 0

    def run(self):
        while not self.stopped.is_set():
            self.seen |= shmipc._load_acquire(self.address)
            self.samples += 1
            time.sleep(0.0001)


class SleepersTest(_Dir):
    """Layout version 4: the sleepers word (FORMAT.md sections 3.2, 7.3 and 7.7)."""

    make_leased = LeaseTest.make_leased
    VERSION = shmipc.SOLE_LAYOUT_VERSION

    def open_sleepy(self, name):
        """A handle whose waits end early only by a FUTEX_WAKE: one sleep may last 60 s, a liveness probe of a
        page's holder comes after 60 s."""
        return self.open(name, max_sleep=60, recovery_timeout=60)

    def await_sleepers(self, seg, page, sleeps):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if seg.sleepers(page) == 1 and seg.counter(shmipc.SLEEPS) >= sleeps:
                return
            time.sleep(0.001)
        self.fail(f"page {page}: sleepers {seg.sleepers(page)}, {seg.counter(shmipc.SLEEPS)} sleeps; expected 1 and "
                  f"{sleeps}")

    def test_a_version_4_segment_opens_reads_and_writes_its_unleased_pages(self):
        self.make_leased("v4", 2, 4096)
        seg = self.open("v4")
        self.assertEqual(seg.layout_version, 4)
        self.assertTrue(seg.leases)
        self.assertEqual([seg.lease_holder(p) for p in range(2)], [0, 0])
        self.assertEqual([seg.sleepers(p) for p in range(2)], [0, 0])
        seg.write(0, b"\x41" * 8192)
        self.assertEqual(seg.read(0, 8192), b"\x41" * 8192)
        self.assertEqual(seg.version(1), 1)
        self.assertEqual(seg.lock_word(0), 2 << 16, "released: even sequence, no owner, no flags")
        self.assertEqual((seg.lease_holder(0), seg.sleepers(0)), (0, 0), "a write leases nothing, registers nothing")
        self.assertEqual(self.open_sleepy("v4").layout_version, 4, "reopened")
        v2 = self.create("v2", 1, 64)
        self.assertEqual((v2.layout_version, v2.sleepers(0)), (2, 0), "this module creates version 2")

    def test_a_version_5_file_is_refused_naming_the_versions_read(self):
        for version, expected in (
                (5, "layout version 5; this library reads version 2, 3 and 4 (3 is 2 with lease words, 4 is 3 with "
                    "sleepers words)"),
                (1, "layout version 1; this library reads version 2, 3 and 4: recreate the segment")):
            data = valid_file_bytes()
            struct.pack_into("<i", data, 8, version)
            with io_open(self.path(f"v{version}"), "wb") as out:
                out.write(data)
            with self.assertRaises(shmipc.InvalidSegmentError) as refused:
                shmipc.open(f"v{version}", directory=self.dir, init_timeout=0.3)
            self.assertIn(expected, str(refused.exception))

    def test_waiters_on_a_leased_page_register_as_sleepers_and_the_sole_writer_wakes_them(self):
        self.make_leased("sole-wait", 1, 64)
        holder = self.open("sole-wait")  # the leaseholder: a live slot
        waiter = self.open_sleepy("sole-wait")
        _store(_lease_word(holder, 0), holder.owner_slot)
        writer = _SoleWriter(holder, 0, holder.owner_slot)
        watch = _WordWatch(holder, 0)
        watch.start()
        self.addCleanup(watch.join, 10)
        self.addCleanup(watch.stopped.set)

        # 1. await_change on the leased page, free and idle: the waiter registers and sleeps on the free word.
        a = _Waiter(lambda: waiter.await_change(0, 0, timeout=60))
        a.start()
        self.await_sleepers(waiter, 0, 1)
        time.sleep(0.02)
        self.assertTrue(a.is_alive() and waiter.sleepers(0) == 1, "asleep, registered")
        self.assertEqual(waiter.lock_word(0), writer.even, "no W on the leased page")
        woken = time.monotonic()
        writer.take()
        writer.release(0x5A)
        a.join(60)
        # Not a performance figure: without the wake the waiter would return only after its 60 s sleep.
        self.assertLess(time.monotonic() - woken, 30, "woken by the sole writer's FUTEX_WAKE, not by its timeout")
        self.assertEqual(a.result, 1)
        self.assertEqual(waiter.sleepers(0), 0, "the sole writer cleared the sleepers word")

        # 2. A reader and await_change on the page while the sole writer holds it: both sleep on the held word.
        held = writer.take()
        sleeps = waiter.counter(shmipc.SLEEPS)
        b = _Waiter(lambda: waiter.read(0, 1))
        c = _Waiter(lambda: waiter.await_change(0, 1, timeout=60))
        b.start()
        c.start()
        self.await_sleepers(waiter, 0, sleeps + 2)
        time.sleep(0.02)
        self.assertTrue(b.is_alive() and c.is_alive() and waiter.sleepers(0) == 1, "asleep, registered")
        self.assertEqual(waiter.lock_word(0), held, "no W on the held leased page")
        woken = time.monotonic()
        writer.release(0x6B)
        b.join(60)
        c.join(60)
        self.assertLess(time.monotonic() - woken, 30, "woken by the sole writer's FUTEX_WAKE, not by their timeouts")
        self.assertEqual((b.result, c.result), (b"\x6b", 2))
        self.assertEqual(waiter.sleepers(0), 0, "the sole writer cleared the sleepers word")

        watch.stopped.set()
        watch.join(10)
        self.assertGreater(watch.samples, 0)
        self.assertFalse(watch.seen & shmipc.WAITERS, "W never set on the leased page")
        self.assertEqual(waiter.lock_word(0), 4 << 16, "the sole writer's word")
        self.assertEqual(waiter.counter(shmipc.OWNER_RECOVERIES), 0)

    def test_recoveries_and_voided_leases_wake_the_sleepers(self):
        self.make_leased("sole-dead", 3, 64)
        waiter = self.open_sleepy("sole-dead")
        recoverer = self.open("sole-dead", recovery_timeout=0.05)
        gone = shmipc.open("sole-dead", directory=self.dir)
        dead = gone.owner_slot
        gone.close()
        del gone  # its slot's lock goes with the descriptor: a sole writer that died
        for page in range(3):
            _store(_lease_word(waiter, page), dead)
        for page in (0, 1):  # held by the dead sole writer
            _store(_raw_word(waiter, page), shmipc.ONE | dead)
        w0 = _Waiter(lambda: waiter.read(0, 1))
        w1 = _Waiter(lambda: waiter.read(64, 1))
        w2 = _Waiter(lambda: waiter.await_change(2, 0, timeout=60))
        for w in (w0, w1, w2):
            w.start()
        for page in range(3):
            self.await_sleepers(waiter, page, 3)

        # Section 10: a reader finds page 0's holder dead and releases it torn; the sleeper there wakes.
        woken = time.monotonic()
        with self.assertRaises(shmipc.TornPageError):
            recoverer.read(0, 1)
        w0.join(60)
        self.assertLess(time.monotonic() - woken, 30, "woken by the recovery, not by its 60 s timeout")
        self.assertIsInstance(w0.result, shmipc.TornPageError)
        self.assertEqual(waiter.sleepers(0), 0)

        # Section 7.6: a writer voids page 2's dead lease; the sleeper there (no W: the page was leased) wakes. The
        # wake follows the take's compare-and-swap (section 7.7): once the write returns the sleepers word is 0.
        woken = time.monotonic()
        recoverer.write(128, b"x")
        self.assertEqual(waiter.sleepers(2), 0, "the voiding write cleared the sleepers word")
        w2.join(60)
        self.assertLess(time.monotonic() - woken, 30, "woken by the voiding, not by its 60 s timeout")
        self.assertEqual(w2.result, 1)
        self.assertEqual(waiter.lease_holder(2), 0, "the dead lease voided")
        self.assertTrue(w1.is_alive(), "page 1's sleeper still asleep")

        # Section 9: a new handle claims the dead slot, releases page 1 torn and clears its leases; the sleeper wakes,
        # by the release's change of the lock word (clearing a lease alone changes none, and may leave a sleeper
        # asleep until its bounded timeout: not relied on here).
        woken = time.monotonic()
        fresh = self.open("sole-dead")
        self.assertEqual(fresh.owner_slot, dead)
        w1.join(60)
        self.assertLess(time.monotonic() - woken, 30, "woken by the claim, not by its 60 s timeout")
        self.assertIsInstance(w1.result, shmipc.TornPageError)
        self.assertEqual([waiter.sleepers(1), waiter.lease_holder(0), waiter.lease_holder(1)], [0, 0, 0])


class open_writable:
    """The bytes of a file, mapped writable."""

    def __init__(self, path):
        import mmap
        self.fd = os.open(path, os.O_RDWR)
        self.mm = mmap.mmap(self.fd, 0, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)

    def __enter__(self):
        return self.mm

    def __exit__(self, *exc):
        self.mm.close()
        os.close(self.fd)


# ----------------------------------------------------------------------------------------------------------------
# C <-> Python
# ----------------------------------------------------------------------------------------------------------------

class CInteropTest(_Dir):

    def test_each_opens_what_the_other_created(self):
        c = c_tool()
        for creator, opener in ((PY_TOOL, c), (c, PY_TOOL)):
            name = f"made-by-{len(creator)}"
            code, out = run(creator + ["create", self.dir, name, "3", "1024"])
            self.assertEqual(code, 0, out)
            code, out = run(creator + ["fill", self.dir, name, "1000", "100", "7"])
            self.assertEqual(code, 0, out)
            code, out = run(opener + ["info", self.dir, name])
            self.assertIn("pageSize=1024 pageCount=3 dataOffset=8192 fileLength=11264\nversions=1,1,0", out)
            code, out = run(opener + ["check", self.dir, name, "1000", "100", "7"])
            self.assertEqual(out.strip(), "OK")
            code, out = run(opener + ["unlink", self.dir, name])
            self.assertEqual(out.strip(), "OK")
            self.assertFalse(os.path.exists(self.path(name)))

    def test_c_and_python_processes_write_and_read_one_record_concurrently_without_tearing(self):
        c = c_tool()
        seg = self.create("cstress", 4, 4096)
        offset, words = 4096 - 1000, (4096 + 2000) // 8
        args = [self.dir, "cstress", str(offset), str(words), "2000"]
        # "go": each prints READY once open and starts on a line from stdin, so both write at the same time
        procs = [subprocess.Popen(cmd + ["stress"] + args + [ident, "go"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
                 for cmd, ident in ((c, "2"), (PY_TOOL, "3"))]
        for p in procs:
            self.assertEqual(p.stdout.readline().strip(), "READY")
        for p in procs:
            p.stdin.write("go\n")
            p.stdin.flush()
        outs = [p.communicate(timeout=120)[0] for p in procs]
        stats = [dict(kv.split("=") for kv in out.split()) for out in outs]
        for out, st in zip(outs, stats):
            self.assertEqual(st["torn"], "0", out)
        self.assertGreater(int(stats[0]["max3"]), 0, f"C saw Python's writes: {outs}")
        self.assertGreater(int(stats[1]["max2"]), 0, f"Python saw C's writes: {outs}")
        self.assertEqual(seg.counter(shmipc.LOST_OWNERSHIPS), 0)


class HostileFilesTest(_Dir):
    """The shared list clients/testdata/hostile-files.tsv: Python and C must end the same way on each case."""

    def test_every_case_of_the_shared_list(self):
        cases = load_hostile_cases()
        self.assertGreater(len(cases), 20)
        tools = [("python", PY_TOOL)]
        try:
            tools.append(("c", c_tool()))
        except unittest.SkipTest as skip:
            print(f"\n  {skip}", file=sys.stderr)
        for case in cases:
            if case["requires"] == "root" and not IS_ROOT or case["requires"] == "nonroot" and IS_ROOT:
                continue
            with self.subTest(case=case["case"]):
                name = build_hostile_case(self.dir, case)
                for language, tool in tools:
                    code, out = run(tool + ["open", self.dir, name, "300"])
                    line = out.strip().splitlines()[-1] if out.strip() else ""
                    if case["expect"] == "ok":
                        self.assertTrue(line.startswith("OK"), f"{language}: {out}")
                    else:
                        self.assertTrue(line.startswith("ERROR " + case["expect"] + " "), f"{language}: {out}")
                        if case["mentions"] != "-":
                            self.assertIn(case["mentions"], line, language)

    @unittest.skipUnless(IS_ROOT, "only root can give a file to another user")
    def test_a_foreign_owner_is_accepted_when_allowed(self):
        name = build_hostile_case(self.dir, {"case": "f", "recipe": "chown 54321"})
        for tool in [PY_TOOL] + ([c_tool()] if os.access(C_TOOL_PATH, os.X_OK) else []):
            code, out = run(tool + ["open", self.dir, name, "300", "allow-foreign"])
            self.assertTrue(out.startswith("OK"), out)


def load_hostile_cases(path=HOSTILE_CASES):
    cases = []
    with open_text(path) as lines:
        for line in lines:
            if line.startswith("#") or not line.strip():
                continue
            case, requires, expect, mentions, recipe = line.rstrip("\n").split("\t")
            cases.append(dict(case=case, requires=requires, expect=expect, mentions=mentions, recipe=recipe))
    return cases


def open_text(path):
    import io
    return io.open(path, encoding="utf-8")


def valid_file_bytes():
    """A valid layout-version-2 file of 2 pages of 4096 bytes, byte by byte from FORMAT.md section 3."""
    data = bytearray(16384)
    data[0:8] = b"SHMIPC\0\0"
    struct.pack_into("<iiiiqqq", data, 8, 2, 4096, 4096, 2, 4096, 8192, 16384)
    return data


def build_hostile_case(directory, case):
    """Makes the file of a case of the shared list under the case's name; returns the name."""
    name = case["case"]
    path = os.path.join(directory, name)
    data = valid_file_bytes()
    special = []
    for step in filter(None, (s.strip() for s in case["recipe"].split(";"))):
        op, *args = step.split()
        if op == "-":
            continue
        if op in ("put32", "put64"):
            offset, value = int(args[0], 0), int(args[1], 0)
            width = 4 if op == "put32" else 8
            data[offset:offset + width] = (value & ((1 << 8 * width) - 1)).to_bytes(width, "little")
        elif op == "fill":
            offset, length, value = (int(a, 0) for a in args)
            data[offset:offset + length] = bytes([value]) * length
        elif op == "truncate":
            del data[int(args[0]):]
        elif op == "append":
            data += bytes(int(args[0]))
        else:
            special.append((op, args))
    if not any(op in ("symlink", "dangling-symlink", "fifo", "directory", "absent") for op, _ in special):
        with io_open(path, "wb") as out:
            out.write(data)
        os.chmod(path, 0o600)
    for op, args in special:
        if op == "symlink":
            target = os.path.join(directory, name + ".target")
            with io_open(target, "wb") as out:
                out.write(data)
            os.symlink(target, path)
        elif op == "dangling-symlink":
            os.symlink(os.path.join(directory, "nothing-here"), path)
        elif op == "fifo":
            os.mkfifo(path, 0o600)
        elif op == "directory":
            os.mkdir(path, 0o700)
        elif op == "absent":
            pass
        elif op == "chown":
            os.chown(path, int(args[0]), int(args[0]))
        elif op == "chmod":
            os.chmod(path, int(args[0], 8))
        else:
            raise ValueError(f"unknown recipe step {op} in case {name}")
    return name


def io_open(path, mode):
    import io
    return io.open(path, mode)


if __name__ == "__main__":
    unittest.main()
