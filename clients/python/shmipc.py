"""shmipc: a Python client of shm-ipc segments, layout versions 2, 3 and 4 (docs/FORMAT.md).

Standard library only (Python 3.11+, Linux on x86-64 or aarch64). A segment is a file, by default
/dev/shm/NAME, holding a header, one lock word per page and the data pages. Every read is a consistent snapshot
of the bytes it covers and every write is atomic, across pages too, with respect to every other reader and
writer of the segment, in any process and any language (Java, C, Python)::

    import shmipc
    with shmipc.open("quotes") as seg:
        seen = seg.version(0)
        seen = seg.await_change(0, seen, timeout=1.0)   # sleeps until page 0 is written again
        data = seg.read(0, 16)                           # a consistent snapshot

How it is done, and why that is enough
--------------------------------------
* Lock words are read and written only through libatomic (``__atomic_load_8``, ``__atomic_store_8``,
  ``__atomic_compare_exchange_8``, ``__atomic_exchange_8``, ``__atomic_fetch_add_8``, ``atomic_thread_fence``)
  called with ``ctypes``: each is one 64-bit atomic instruction sequence on the shared mapping, with the C11
  ordering FORMAT.md names.
  Never ``struct.unpack_from('<Q', ...)``: that copies byte by byte and can mix two values of a changing word.
  At import the module checks that libatomic's 8-byte operations are lock-free (a lock inside libatomic would be
  private to this process and protect nothing).
* Data bytes are copied with one C call (``ctypes.memmove`` or ``ctypes.string_at``, i.e. ``memcpy``) between two
  lock-word operations, exactly where FORMAT.md puts the C ``memcpy``. Each ctypes call is an opaque function
  call, so neither the compiler that built CPython nor the interpreter can move the copy's loads or stores across
  the atomic calls. The CPU keeps the order too: on x86-64 (TSO) loads are not reordered with other loads and
  stores not with other stores, and the libatomic calls compile to a plain ``mov`` (acquire load), ``lock
  cmpxchg`` (compare-and-swap, a full barrier) and compiler-only fences (acquire/release fences); on aarch64
  the acquire load is ``ldar``, the compare-and-swap ``casal`` or an ``ldaxr``/``stlxr`` loop, and the fences
  ``dmb ishld`` (acquire) and ``dmb ish`` (release), which order the copy's plain loads and stores as C11 requires.
  Other CPUs are refused at import (untested).
* Sleeping: FUTEX_WAIT / FUTEX_WAKE through ``ctypes`` ``syscall`` (shared futexes on the low 32 bits of the
  lock word), always with a bounded timeout.
* Owner slots: ``fcntl(F_OFD_SETLK)`` on the segment's descriptor, opened with ``O_CLOEXEC``. Each handle has
  its own slot. After ``os.fork()`` a child must not write through a handle it inherited (``write`` raises
  :class:`ForkedHandleError`): it opens the segment again.
* Leases (layout versions 3 and 4, FORMAT.md section 7.6): a segment a Java program created with ``leases(true)``
  has a lease word per page. This module reads such a segment as any other; its writes leave alone the pages whose
  lease is held by another live process's exclusive writer (:class:`PageLeasedError`, nothing written), and void
  the lease of a dead one. It never creates leased segments nor takes leases.
* Sleepers (layout version 4, FORMAT.md sections 3.2, 7.3 and 7.7: what Java's ``leases(true)`` creates since
  2026-12-08): version 3 plus a sleepers word per page. A waiter on a leased page registers in the page's sleepers
  word instead of setting W (the leaseholder may take and release the page with plain stores, which would erase
  W), and sleeps on the futex word even while the page is held; this module wakes such sleepers whenever it frees
  a leased page or voids a lease (a dead owner's recovery, a dead holder's lease).
* Exceptions raised inside a write (``KeyboardInterrupt`` from a signal handler, a failing test hook) release
  every page the write holds before they propagate; the data copy is one C call, so it either happened whole or
  not at all.

This module never uses ``multiprocessing.shared_memory``: on Python 3.8 to 3.12 merely attaching with it registers
the name with the resource tracker, which unlinks the segment when the process exits (FORMAT.md section 1).
"""

import ctypes
import ctypes.util
import errno
import fcntl
import mmap
import os
import platform
import stat
import struct
import sys
import threading
import time

__all__ = [
    "create", "open", "unlink", "Segment", "SharedMemoryError", "SegmentNotFoundError", "SegmentExistsError",
    "InvalidSegmentError", "SegmentNotReadyError", "SegmentAccessDeniedError", "SegmentIOError", "TornPageError",
    "LostOwnershipError", "NoFreeSlotError", "ForkedHandleError", "PageLeasedError", "LAYOUT_VERSION",
    "LEASES_LAYOUT_VERSION", "SOLE_LAYOUT_VERSION", "COUNTERS",
]

# --------------------------------------------------------------------------------------------------------------
# Layout (FORMAT.md section 3)
# --------------------------------------------------------------------------------------------------------------

LAYOUT_VERSION = 2  # the version this module creates; it reads, writes and waits on this one, 3 and 4
LEASES_LAYOUT_VERSION = 3  # version 2 plus a lease word per page (sections 3.2 and 7.6)
SOLE_LAYOUT_VERSION = 4  # version 3 plus a sleepers word per page (3.2, 7.3, 7.7), made by Java's leases(true)
LEASE_WORD_OFFSET = 8  # layout versions 3 and 4: page p's lease word is 8 bytes after its lock word, in its entry
SLEEPERS_WORD_OFFSET = 16  # layout version 4: page p's sleepers word is 16 bytes after its lock word, in its entry
MAGIC = 0x00004350494D4853  # "SHMIPC\0\0", little-endian
HEADER_LENGTH = 4096
LOCK_STRIDE = 128
MIN_PAGE_SIZE = 64
MAX_PAGE_SIZE = 1 << 30
DEFAULT_PAGE_SIZE = 4096
MAX_FILE_LENGTH = 2**31 - 1
MAX_NAME_BYTES = 255
MAX_OWNER = 0x3FFF

ONE = 1 << 16  # one step of the sequence
HELD = 1 << 16  # the sequence's lowest bit: odd while a writer holds the page
TORN = 1 << 15
WAITERS = 1 << 14
OWNER_MASK = 0x3FFF
MASK64 = 0xFFFFFFFFFFFFFFFF  # lock-word arithmetic is modulo 2^64
MASK32 = 0xFFFFFFFF

OFF_VERSION, OFF_HEADER_LENGTH, OFF_PAGE_SIZE, OFF_PAGE_COUNT = 8, 12, 16, 20
OFF_LOCK_TABLE, OFF_DATA, OFF_FILE_LENGTH, OFF_CREATED, OFF_CREATOR_PID = 24, 32, 40, 48, 56
OFF_COUNTERS, COUNTER_STRIDE, COUNTER_SLOTS = 128, 64, 8

#: Header counters (FORMAT.md section 3.3), by index.
COUNTERS = ("read retries", "contended write locks", "slow waits", "dead-owner recoveries", "lost ownerships",
            "sleeps", "reserved", "reserved")
READ_RETRIES, WRITE_CONTENDED, SLOW_WAITS, OWNER_RECOVERIES, LOST_OWNERSHIPS, SLEEPS = range(6)

SLOT_LOCK_BASE = 1 << 62  # owner slot s is the record lock on byte 2^62 + s (section 9)

DEFAULT_INIT_TIMEOUT = 5.0
DEFAULT_RECOVERY_TIMEOUT = 1.0
DEFAULT_MAX_SLEEP = 0.010
SLOW_WAIT_NS = 1_000_000
LIVENESS_RECHECK_NS = 10_000_000
SPIN_ITERATIONS = 50
YIELD_ITERATIONS = 10
INIT_POLL = 0.001
LEASE_BACKOFF_NS = 50_000  # a waiter that may not set W on a held page backs off this long (section 7.3)
FILL_CHUNK = 1 << 20


# --------------------------------------------------------------------------------------------------------------
# Exceptions (the Java exception with the same meaning is named in each)
# --------------------------------------------------------------------------------------------------------------

class SharedMemoryError(Exception):
    """Base of this module's errors [SharedMemoryException]. Bad arguments raise ValueError or TypeError."""


class SegmentNotFoundError(SharedMemoryError):
    """open: the name does not exist [SegmentNotFoundException]."""


class SegmentExistsError(SharedMemoryError):
    """create: the name exists [SegmentExistsException]."""


class InvalidSegmentError(SharedMemoryError):
    """Not a usable segment: a link, not a regular file, a bad header, a wrong size [InvalidSegmentException]."""


class SegmentNotReadyError(InvalidSegmentError):
    """The header was not published within the init timeout [SegmentNotReadyException]."""


class SegmentAccessDeniedError(SharedMemoryError):
    """Owned by another user, or its mode does not allow reading and writing [SegmentAccessDeniedException]."""


class SegmentIOError(SharedMemoryError):
    """The system could not give a resource: descriptors, memory, free space [SegmentIOException]."""


class TornPageError(SharedMemoryError):
    """A read covered a page whose writer died mid-write; no bytes were handed over [TornPageException]."""

    def __init__(self, segment, page):
        super().__init__(f"page {page} of segment '{segment}' may hold a torn write: its writer died while holding "
                         f"it; write the whole page to clear it")
        self.page = page


class LostOwnershipError(SharedMemoryError):
    """A write's release found a page no longer held by that write (FORMAT.md section 7.1)."""

    def __init__(self, segment, page):
        super().__init__(f"write to segment '{segment}': page {page} was no longer held by this write when it "
                         f"released it (another process believed this one dead and took it over or released it); "
                         f"the bytes may be mixed with another write")
        self.page = page


class NoFreeSlotError(SharedMemoryError):
    """Every owner slot of the segment is held by a live process."""


class ForkedHandleError(SharedMemoryError):
    """A write through a handle inherited across fork(); open the segment again in the child."""


class PageLeasedError(SharedMemoryError):
    """A write covered a page leased to another live process's exclusive writer (layout versions 3 and 4, FORMAT.md
    section 7.6); nothing was written [PageLeasedException]. ``.page``: the page; ``.holder_slot``: the lease
    holder's owner slot."""

    def __init__(self, segment, page, holder_slot):
        super().__init__(f"page {page} of segment '{segment}' is leased to the exclusive writer of owner slot "
                         f"{holder_slot} (another live process): only it may write the page until it closes the "
                         f"writer or exits; nothing was written")
        self.page = page
        self.holder_slot = holder_slot


# --------------------------------------------------------------------------------------------------------------
# Platform: libatomic, futex
# --------------------------------------------------------------------------------------------------------------

_FUTEX_SYSCALL = {"x86_64": 202, "aarch64": 98}
_machine = platform.machine()
if sys.byteorder != "little" or _machine not in _FUTEX_SYSCALL or not sys.platform.startswith("linux"):
    raise ImportError(f"shmipc supports Linux on x86-64 and aarch64 only (this is {sys.platform} on {_machine})")

_RELAXED, _ACQUIRE, _RELEASE, _SEQ_CST = 0, 2, 3, 5
FUTEX_WAIT, FUTEX_WAKE = 0, 1
_INT_MAX = 2**31 - 1


def _load_libatomic():
    names = ["libatomic.so.1"]
    found = ctypes.util.find_library("atomic")
    if found:
        names.append(found)
    for name in names:
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    raise ImportError("shmipc needs libatomic.so.1 (Debian/Ubuntu: apt-get install libatomic1)")


_atomic = _load_libatomic()
_c_load = _atomic["__atomic_load_8"]
_c_load.argtypes = [ctypes.c_void_p, ctypes.c_int]
_c_load.restype = ctypes.c_uint64
_c_store = _atomic["__atomic_store_8"]
_c_store.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_int]
_c_store.restype = None
_c_cas = _atomic["__atomic_compare_exchange_8"]
_c_cas.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_int, ctypes.c_int]
_c_cas.restype = ctypes.c_bool
_c_exchange = _atomic["__atomic_exchange_8"]
_c_exchange.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_int]
_c_exchange.restype = ctypes.c_uint64
_c_fetch_add = _atomic["__atomic_fetch_add_8"]
_c_fetch_add.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_int]
_c_fetch_add.restype = ctypes.c_uint64
_c_fence = _atomic["atomic_thread_fence"]
_c_fence.argtypes = [ctypes.c_int]
_c_fence.restype = None
_c_lock_free = _atomic["__atomic_is_lock_free"]
_c_lock_free.argtypes = [ctypes.c_size_t, ctypes.c_void_p]
_c_lock_free.restype = ctypes.c_bool
_probe_word = ctypes.c_uint64(0)
if not _c_lock_free(8, ctypes.addressof(_probe_word)):
    raise ImportError("libatomic's 8-byte atomics are not lock-free here: they cannot work across processes")

_libc = ctypes.CDLL(None, use_errno=True)
_syscall = _libc.syscall
_syscall.restype = ctypes.c_long
_SYS_futex = ctypes.c_long(_FUTEX_SYSCALL[_machine])


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


def _load_acquire(address):
    return _c_load(address, _ACQUIRE)


def _cas(address, expected, desired):
    """seq_cst compare-and-swap; returns (swapped, the value found)."""
    current = ctypes.c_uint64(expected)
    swapped = _c_cas(address, ctypes.byref(current), desired, _SEQ_CST, _ACQUIRE)
    return swapped, current.value


def _futex_wait(address, expected, timeout_ns):
    # EAGAIN (the word changed), EINTR and ETIMEDOUT are all normal: the caller re-checks.
    ts = _Timespec(timeout_ns // 1_000_000_000, timeout_ns % 1_000_000_000)
    _syscall(_SYS_futex, ctypes.c_void_p(address), ctypes.c_long(FUTEX_WAIT), ctypes.c_long(expected),
             ctypes.byref(ts), ctypes.c_void_p(None), ctypes.c_long(0))


def _futex_wake(address):
    _syscall(_SYS_futex, ctypes.c_void_p(address), ctypes.c_long(FUTEX_WAKE), ctypes.c_long(_INT_MAX),
             ctypes.c_void_p(None), ctypes.c_void_p(None), ctypes.c_long(0))


# struct flock on Linux x86-64 and aarch64: short l_type, short l_whence, off_t l_start, off_t l_len, pid_t l_pid.
_FLOCK = struct.Struct("=hh4xqqi4x")


def _slot_flock(slot):
    return _FLOCK.pack(fcntl.F_WRLCK, os.SEEK_SET, SLOT_LOCK_BASE + slot, 1, 0)  # l_pid 0: required for OFD


# --------------------------------------------------------------------------------------------------------------
# Fork: a child must not write through handles it inherited
# --------------------------------------------------------------------------------------------------------------

_fork_generation = 0


def _after_fork_in_child():
    global _fork_generation
    _fork_generation += 1


os.register_at_fork(after_in_child=_after_fork_in_child)


# --------------------------------------------------------------------------------------------------------------
# Names, paths, geometry
# --------------------------------------------------------------------------------------------------------------

def _default_directory():
    return "/dev/shm" if os.path.isdir("/dev/shm") else "/tmp"


def _check_name(name):
    if not isinstance(name, str):
        raise TypeError(f"segment name must be a str, not {type(name).__name__}")
    if name == "":
        raise ValueError("segment name is empty")
    if name in (".", ".."):
        raise ValueError(f"segment name '{name}' is not allowed")
    if "/" in name:
        raise ValueError(f"segment name '{name}' contains '/'; a name is one file name")
    if "\0" in name:
        raise ValueError(f"segment name '{name.replace(chr(0), '?')}' contains a NUL")
    try:
        encoded = name.encode("utf-8")
    except UnicodeEncodeError as ex:
        raise ValueError(f"segment name {name!r} is not valid UTF-8: {ex}") from None
    if len(encoded) > MAX_NAME_BYTES:
        raise ValueError(f"segment name is {len(encoded)} bytes long in UTF-8; the limit is {MAX_NAME_BYTES} "
                         f"(name starts '{name[:16]}...')")


def _data_offset(page_count):
    return (HEADER_LENGTH + page_count * LOCK_STRIDE + 4095) & ~4095


def _geometry_problem(page_size, page_count):
    """The layout's limits (section 8); None if fine, else the problem."""
    if page_size < MIN_PAGE_SIZE or page_size > MAX_PAGE_SIZE or page_size & (page_size - 1):
        return f"page size {page_size} is not a power of two from {MIN_PAGE_SIZE} to {MAX_PAGE_SIZE}"
    if page_count < 1:
        return f"page count {page_count} is below 1"
    length = _data_offset(page_count) + page_size * page_count
    if length > MAX_FILE_LENGTH:
        return (f"{page_count} pages of {page_size} bytes need a file of {length} bytes; the limit is "
                f"{MAX_FILE_LENGTH}")
    return None


def _check_seconds(value, what, upper=None):
    if not isinstance(value, (int, float)) or value != value or value < 0 or (upper is not None and value > upper):
        limit = f"0 to {upper}" if upper is not None else "0 or more"
        raise ValueError(f"{what} {value!r} is not a number of seconds from {limit}")
    return int(value * 1_000_000_000)


def _io_error(ex, what):
    """An OSError as one of this module's errors."""
    if ex.errno == errno.ENOENT:
        return SegmentNotFoundError(f"{what}: {ex.strerror}")
    if ex.errno in (errno.EACCES, errno.EPERM):
        return SegmentAccessDeniedError(f"{what}: {ex.strerror}")
    if ex.errno in (errno.ELOOP, errno.ENXIO, errno.EISDIR, errno.ENODEV):
        return InvalidSegmentError(f"{what}: {ex.strerror}")
    return SegmentIOError(f"{what}: {ex.strerror}")


def _free_bytes(directory):
    try:
        sv = os.statvfs(directory)
        return sv.f_bavail * sv.f_frsize
    except OSError:
        return -1


def _no_space(name, directory, length):
    return SegmentIOError(f"segment '{name}' needs {length} bytes but {directory} has only "
                          f"{_free_bytes(directory)} bytes free (in Docker, /dev/shm defaults to 64 MiB: raise it "
                          f"with --shm-size or compose's shm_size)")


# --------------------------------------------------------------------------------------------------------------
# The mapping and descriptor of a handle, released when nothing uses them any more
# --------------------------------------------------------------------------------------------------------------

class _Mapping:
    """The segment's mapping and its descriptor (which carries the owner slot's lock). Every call takes a local
    reference, so close() in another thread never unmaps memory a call is still using: the mapping goes (and the
    descriptor is closed, releasing the slot) when the last reference does."""

    __slots__ = ("fd", "mm", "view", "base")

    def __init__(self, fd, length, prot):
        self.fd = fd
        self.mm = mmap.mmap(fd, length, mmap.MAP_SHARED, prot)
        self.view = ctypes.c_char.from_buffer(self.mm)
        self.base = ctypes.addressof(self.view)

    def release(self, close_fd=True):
        self.view = None
        if self.mm is not None:
            self.mm.close()
            self.mm = None
        if close_fd and self.fd is not None:
            os.close(self.fd)
        self.fd = None

    def __del__(self):
        try:
            self.release()
        except Exception:  # interpreter shutdown
            pass


# --------------------------------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------------------------------

def create(name, pages=1, page_size=DEFAULT_PAGE_SIZE, *, directory=None, mode=0o600,
           recovery_timeout=DEFAULT_RECOVERY_TIMEOUT, max_sleep=DEFAULT_MAX_SLEEP):
    """Creates segment `name` of `pages` pages of `page_size` bytes (FORMAT.md section 4) and returns its handle.

    Fails with SegmentExistsError if the name exists (even as a dangling link). Allocates every byte now (a full
    file system fails here, not with SIGBUS later), publishes the header last and claims an owner slot. On failure
    nothing is left under the name. `mode` is set exactly (default 0o600: owner only).
    """
    _check_name(name)
    for value, what in ((pages, "page count"), (page_size, "page size"), (mode, "mode")):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    problem = _geometry_problem(page_size, pages)
    if problem:
        raise ValueError(f"cannot create segment '{name}': {problem}")
    if mode & ~0o777:
        raise ValueError(f"mode {mode:o} has bits outside 0777")
    _check_seconds(recovery_timeout, "recovery_timeout")
    _check_seconds(max_sleep, "max_sleep", 60)
    directory = directory if directory is not None else _default_directory()
    path = os.path.join(directory, name)
    length = _data_offset(pages) + page_size * pages
    available = _free_bytes(directory)
    if 0 <= available < length:
        raise _no_space(name, directory, length)
    try:
        # O_EXCL fails on any existing name, a symbolic link included. O_CLOEXEC keeps the slot lock out of
        # exec'd programs (section 9).
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        raise SegmentExistsError(f"segment '{name}' already exists: {path}") from None
    except OSError as ex:
        if ex.errno == errno.ENOENT:
            raise SegmentIOError(f"cannot create segment '{name}' at {path}: {ex.strerror}") from None
        raise _io_error(ex, f"cannot create segment '{name}' at {path}") from None
    mapping = None
    try:
        os.fchmod(fd, mode)  # the umask may have cleared bits the caller asked for
        zeros = bytes(min(FILL_CHUNK, length))
        done = 0
        while done < length:
            try:
                done += os.pwrite(fd, zeros[:min(len(zeros), length - done)], done)
            except OSError as ex:
                if ex.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
                    raise _no_space(name, directory, length) from None
                raise
        mapping = _Mapping(fd, length, mmap.PROT_READ | mmap.PROT_WRITE)
        header = mapping.mm
        struct.pack_into("<iiiiqqqqq", header, OFF_VERSION, LAYOUT_VERSION, HEADER_LENGTH, page_size, pages,
                         HEADER_LENGTH, _data_offset(pages), length, time.time_ns() // 1_000_000, os.getpid())
        segment = Segment(name, path, mapping, page_size, pages, recovery_timeout, max_sleep, LAYOUT_VERSION)
        segment._claim_slot()
        # Publish: whoever loads the magic with acquire and sees it sees every field above.
        _c_store(mapping.base, MAGIC, _RELEASE)
        return segment
    except BaseException as ex:
        _unlink_if_ours(path, fd)
        if mapping is not None:
            mapping.release()
        else:
            os.close(fd)
        if isinstance(ex, OSError):
            raise _io_error(ex, f"cannot create segment '{name}' at {path}") from None
        raise


def _unlink_if_ours(path, fd):
    try:
        mine, now = os.fstat(fd), os.lstat(path)
        if (mine.st_dev, mine.st_ino) == (now.st_dev, now.st_ino):
            os.unlink(path)
    except OSError:
        pass


def open(name, *, directory=None, init_timeout=DEFAULT_INIT_TIMEOUT, recovery_timeout=DEFAULT_RECOVERY_TIMEOUT,
         allow_foreign_owner=False, max_sleep=DEFAULT_MAX_SLEEP):  # noqa: A001 (like io.open, by design)
    """Opens existing segment `name` (FORMAT.md section 5) and returns its handle.

    Refuses a symbolic link, anything but a regular file, a file replaced while being opened, a file owned by
    another user (unless `allow_foreign_owner`), and any header that breaks the rules; waits up to `init_timeout`
    seconds for a creator that has not published the header yet. Claims an owner slot.
    """
    _check_name(name)
    init_ns = _check_seconds(init_timeout, "init_timeout")
    _check_seconds(recovery_timeout, "recovery_timeout")
    _check_seconds(max_sleep, "max_sleep", 60)
    directory = directory if directory is not None else _default_directory()
    path = os.path.join(directory, name)
    where = f"segment '{name}' at {path}"
    try:
        before = os.lstat(path)
    except FileNotFoundError:
        raise SegmentNotFoundError(f"no segment '{name}': {path} does not exist") from None
    except OSError as ex:
        raise _io_error(ex, f"cannot stat {where}") from None
    if stat.S_ISLNK(before.st_mode):
        raise InvalidSegmentError(f"'{name}' at {path} is a symbolic link; segments are never opened through links")
    if stat.S_ISDIR(before.st_mode):
        raise InvalidSegmentError(f"'{name}' at {path} is a directory, not a segment")
    if not stat.S_ISREG(before.st_mode):
        raise InvalidSegmentError(f"'{name}' at {path} is not a regular file (mode {before.st_mode:o})")
    try:
        # O_NOFOLLOW: a link swapped in meanwhile fails with ELOOP. O_NONBLOCK: a FIFO swapped in does not block.
        fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except FileNotFoundError:
        raise SegmentNotFoundError(f"no segment '{name}': {path} was removed while being opened") from None
    except PermissionError:
        raise SegmentAccessDeniedError(
            f"permission denied opening {where} for reading and writing (mode {before.st_mode & 0o7777:o}, owner "
            f"uid {before.st_uid}; this process's effective uid is {os.geteuid()})") from None
    except OSError as ex:
        if ex.errno == errno.ELOOP:
            raise InvalidSegmentError(f"'{name}' at {path} was replaced by a symbolic link while being opened") \
                from None
        raise _io_error(ex, f"cannot open {where}") from None
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode) or (opened.st_dev, opened.st_ino) != (before.st_dev, before.st_ino):
            raise InvalidSegmentError(f"'{name}' at {path} was replaced by another file while being opened")
        if opened.st_uid != os.geteuid() and not allow_foreign_owner:
            raise SegmentAccessDeniedError(
                f"{where} is owned by uid {opened.st_uid}, not by this process's effective uid {os.geteuid()}; "
                f"refusing it (a file planted by another user?). Pass allow_foreign_owner=True if that user is "
                f"trusted")
        page_size, page_count, version = _await_header(fd, init_ns, init_timeout, where)
        length = _data_offset(page_count) + page_size * page_count
        mapping = _Mapping(fd, length, mmap.PROT_READ | mmap.PROT_WRITE)
    except BaseException as ex:
        os.close(fd)
        if isinstance(ex, OSError):
            raise _io_error(ex, f"cannot open {where}") from None
        raise
    segment = Segment(name, path, mapping, page_size, page_count, recovery_timeout, max_sleep, version)
    try:
        segment._claim_slot()
    except BaseException:
        segment._mapping = None
        mapping.release()
        raise
    return segment


def _await_header(fd, init_ns, init_timeout, where):
    """Section 5 steps 3 and 4: wait for the magic, then validate every field. Returns (page size, page count,
    layout version)."""
    deadline = time.monotonic_ns() + init_ns
    header = None
    try:
        while True:
            size = os.fstat(fd).st_size
            if header is None and size >= HEADER_LENGTH:
                header = _Mapping(fd, HEADER_LENGTH, mmap.PROT_READ | mmap.PROT_WRITE)
            if header is not None:
                # acquire: the fields read below are the ones written before the magic was published
                magic = _load_acquire(header.base)
                if magic == MAGIC:
                    return _validate_header(header.mm, os.fstat(fd).st_size, where)
                if magic != 0:
                    raise InvalidSegmentError(f"{where} is not a segment: magic 0x{magic:016x}, expected "
                                              f"0x{MAGIC:016x}")
            if time.monotonic_ns() >= deadline:
                raise SegmentNotReadyError(
                    f"{where} was not initialised within {init_timeout} s (file length {size}, magic "
                    f"{'absent' if header is None else '0'}): it is not a segment, or its creator is still "
                    f"initialising it or died doing so; unlink it if it is stale")
            time.sleep(INIT_POLL)
    finally:
        if header is not None:
            header.release(close_fd=False)


def _validate_header(h, actual_length, where):
    version, header_length, page_size, page_count = struct.unpack_from("<iiii", h, OFF_VERSION)
    if version == 1:
        raise InvalidSegmentError(f"{where} has layout version 1; this library reads version {LAYOUT_VERSION}, "
                                  f"{LEASES_LAYOUT_VERSION} and {SOLE_LAYOUT_VERSION}: recreate the segment")
    if version not in (LAYOUT_VERSION, LEASES_LAYOUT_VERSION, SOLE_LAYOUT_VERSION):
        raise InvalidSegmentError(f"{where} has layout version {version}; this library reads version "
                                  f"{LAYOUT_VERSION}, {LEASES_LAYOUT_VERSION} and {SOLE_LAYOUT_VERSION} "
                                  f"({LEASES_LAYOUT_VERSION} is {LAYOUT_VERSION} with lease words, "
                                  f"{SOLE_LAYOUT_VERSION} is {LEASES_LAYOUT_VERSION} with sleepers words)")
    if header_length != HEADER_LENGTH:
        raise InvalidSegmentError(f"{where} has header length {header_length}, expected {HEADER_LENGTH}")
    problem = _geometry_problem(page_size, page_count)
    if problem:
        raise InvalidSegmentError(f"{where} has a bad header: {problem}")
    data_offset = _data_offset(page_count)
    file_length = data_offset + page_size * page_count
    lock_table, data, length = struct.unpack_from("<qqq", h, OFF_LOCK_TABLE)
    if lock_table != HEADER_LENGTH:
        raise InvalidSegmentError(f"{where} has lock table offset {lock_table}, expected {HEADER_LENGTH}")
    if data != data_offset:
        raise InvalidSegmentError(f"{where} has data offset {data}, expected {data_offset}")
    if length != file_length:
        raise InvalidSegmentError(f"{where} has file length {length}, expected {file_length}")
    if actual_length != file_length:
        raise InvalidSegmentError(f"{where} is {actual_length} bytes long but its header ({page_count} pages of "
                                  f"{page_size} bytes) needs {file_length}: the file was truncated or extended")
    return page_size, page_count, version


def unlink(name, directory=None):
    """Removes the name (a symbolic link is removed, not followed); mapped users keep working. Returns True if a
    file was removed, False if there was none."""
    _check_name(name)
    directory = directory if directory is not None else _default_directory()
    path = os.path.join(directory, name)
    try:
        if stat.S_ISDIR(os.lstat(path).st_mode):
            raise InvalidSegmentError(f"'{name}' at {path} is a directory, not a segment")
        os.unlink(path)
        return True
    except FileNotFoundError:
        return False
    except OSError as ex:
        raise _io_error(ex, f"cannot unlink segment '{name}' at {path}") from None


# --------------------------------------------------------------------------------------------------------------
# A segment handle
# --------------------------------------------------------------------------------------------------------------

class Segment:
    """An open segment. Thread-safe; close() may be called while other threads are inside calls (they finish;
    later calls raise ValueError). The mapping and the descriptor, and with it the owner slot, are released when
    the handle is closed and no call is using them."""

    def __init__(self, name, path, mapping, page_size, page_count, recovery_timeout, max_sleep,
                 layout_version=LAYOUT_VERSION):
        self.name = name
        self.path = path
        self.page_size = page_size
        self.page_count = page_count
        self.capacity = page_size * page_count
        self.data_offset = _data_offset(page_count)
        self.file_length = self.data_offset + self.capacity
        self.owner_slot = 0
        self.layout_version = layout_version  # 2, 3 or 4 (section 3.1)
        # layout versions 3 and 4: every lock-table entry has a lease word (sections 3.2, 7.6)
        self.leases = layout_version in (LEASES_LAYOUT_VERSION, SOLE_LAYOUT_VERSION)
        # layout version 4: and a sleepers word (sections 3.2, 7.3, 7.7)
        self._sleepers = layout_version == SOLE_LAYOUT_VERSION
        self._mapping = mapping
        self._page_shift = page_size.bit_length() - 1
        self._recovery_ns = _check_seconds(recovery_timeout, "recovery_timeout")
        self._recheck_ns = min(self._recovery_ns, LIVENESS_RECHECK_NS)
        self._max_sleep_ns = max(1000, _check_seconds(max_sleep, "max_sleep", 60))
        self._fork_generation = _fork_generation
        self._last_dead = 0  # the last slot a probe found dead: its pages are probed at once (section 10)
        self._write_hook = None  # test hook: called mid-copy

    # -- life cycle --------------------------------------------------------------------------------------------

    def close(self):
        """Marks the handle closed; its resources go once no call in another thread still uses them."""
        self._mapping = None

    @property
    def closed(self):
        return self._mapping is None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return (f"Segment(name={self.name!r}, path={self.path!r}, pages={self.page_count}, "
                f"page_size={self.page_size}, slot={self.owner_slot}{', leases' if self.leases else ''}"
                f"{', closed' if self.closed else ''})")

    def _use(self):
        mapping = self._mapping
        if mapping is None:
            raise ValueError(f"segment '{self.name}' is closed")
        return mapping

    # -- owner slots (section 9) -------------------------------------------------------------------------------

    def _claim_slot(self):
        fd = self._mapping.fd
        for slot in range(1, MAX_OWNER + 1):
            try:
                fcntl.fcntl(fd, fcntl.F_OFD_SETLK, _slot_flock(slot))
            except OSError as ex:
                if ex.errno in (errno.EAGAIN, errno.EACCES):
                    continue
                raise SegmentIOError(f"cannot lock owner slot {slot} of {self.path} with F_OFD_SETLK: "
                                     f"{ex.strerror} (needs Linux 3.15+)") from None
            self.owner_slot = slot
            self._recover_slot(slot)
            return
        raise NoFreeSlotError(f"segment {self.path}: all {MAX_OWNER} owner slots are held by live processes")

    def _recover_slot(self, slot):
        """Having just claimed `slot`, release as torn every page still held by its dead previous holder; then, in
        layout versions 3 and 4, clear every lease word naming that slot (its leases died with it). In layout version
        4 each page released wakes the page's registered sleepers after its CAS (section 7.7). Each lease cleared
        wakes them too, but that changes no lock word, so a sleeper that registers too late for the wake's load may
        sleep until its bounded timeout (sections 7.3, 7.7): harmless, not relied on."""
        base = self._mapping.base
        for page in range(self.page_count):
            address = base + HEADER_LENGTH + page * LOCK_STRIDE
            w = _load_acquire(address)
            while w & HELD and w & OWNER_MASK == slot:
                swapped, w = _cas(address, w, _released_torn(w))
                if swapped:
                    self._count(base, OWNER_RECOVERIES)
                    if w & WAITERS:
                        _futex_wake(address)
                    self._wake_sleepers(address)
                    break
        if not self.leases:
            return
        for page in range(self.page_count):
            address = base + HEADER_LENGTH + page * LOCK_STRIDE
            if _cas(address + LEASE_WORD_OFFSET, slot, 0)[0]:
                self._wake_sleepers(address)

    def _slot_is_dead(self, fd, slot):
        try:
            result = fcntl.fcntl(fd, fcntl.F_OFD_GETLK, _slot_flock(slot))
        except OSError:
            return False  # cannot tell: alive
        return _FLOCK.unpack(result)[0] == fcntl.F_UNLCK

    def _holder_is_dead(self, mapping, w):
        holder = w & OWNER_MASK
        if holder == 0 or holder == self.owner_slot:
            return False
        dead = self._slot_is_dead(mapping.fd, holder)
        if dead:
            self._last_dead = holder
        elif self._last_dead == holder:
            self._last_dead = 0  # the slot was claimed again by a live process
        return dead

    def _first_check_delay(self, w):
        holder = w & OWNER_MASK
        return 0 if holder != 0 and holder == self._last_dead else self._recovery_ns

    # -- helpers -----------------------------------------------------------------------------------------------

    @staticmethod
    def _count(base, counter):
        _c_fetch_add(base + OFF_COUNTERS + counter * COUNTER_STRIDE, 1, _RELAXED)

    def _check_range(self, offset, length):
        if not isinstance(offset, int) or not isinstance(length, int):
            raise TypeError("offset and length must be ints")
        if offset < 0 or length < 0 or offset + length > self.capacity:
            raise ValueError(f"range [{offset}, {offset} + {length}) is outside the segment's {self.capacity} "
                             f"bytes")

    def _sleep_on(self, base, address, w, timeout_ns):
        """Section 7.3, sleep(). Sets W with a compare-and-swap if clear (if that fails the word changed: returns the
        new value, no sleep); then sleeps in FUTEX_WAIT at most timeout_ns and returns the reloaded word. W is never
        set on a held word (its holder may release it with a plain store, which would erase W): the waiter backs off
        instead and returns the reloaded word.

        In layout version 4 a waiter on a leased page never sets W (its sole writer takes and releases it with plain
        stores, section 7.7): it registers in the page's sleepers word with an exchange (a full barrier), reloads the
        word, and sleeps on it if it is still `w`, held or not; the sole writer's release, after a full fence, sees
        the registration and wakes."""
        if self._sleepers and _load_acquire(address + LEASE_WORD_OFFSET) != 0:
            _c_exchange(address + SLEEPERS_WORD_OFFSET, 1, _SEQ_CST)
            current = _c_load(address, _SEQ_CST)
            if current != w:
                return current  # changed: look again, no sleep
            self._count(base, SLEEPS)
            _futex_wait(address, w & MASK32, min(timeout_ns, self._max_sleep_ns))
            return _load_acquire(address)
        if not w & WAITERS:
            if w & HELD:
                time.sleep(min(timeout_ns, self._max_sleep_ns, LEASE_BACKOFF_NS) / 1e9)
                return _load_acquire(address)
            swapped, current = _cas(address, w, w | WAITERS)
            if not swapped:
                return current
            w |= WAITERS
        self._count(base, SLEEPS)
        _futex_wait(address, w & MASK32, min(timeout_ns, self._max_sleep_ns))
        return _load_acquire(address)

    def _wake_sleepers(self, address):
        """Section 7.7, wake_sleepers(p): in layout version 4, after this process changed the lock word of a page
        that was (or may have been) leased: freed it, or took it after voiding its lease. A full fence (that change
        of the lock word comes before the load of the sleepers word; with the waiter's exchange-then-load of the
        lock word, one of the two sees the other), then wake the registered sleepers of the lock word at
        `address`."""
        if not self._sleepers:
            return
        _c_fence(_SEQ_CST)
        sleepers = address + SLEEPERS_WORD_OFFSET
        if _c_load(sleepers, _RELAXED) != 0:
            _c_store(sleepers, 0, _RELAXED)
            _futex_wake(address)

    def _await_page(self, mapping, page, w, writer, intent=None, index=0):
        """Waits while `page` is held (section 10). Returns (word, took): the first free word seen; or, when the
        holder is dead, for a writer the held word it set by taking the page over (took=True), for a reader the
        free torn word it set by releasing the page."""
        base = mapping.base
        address = base + HEADER_LENGTH + page * LOCK_STRIDE
        start = time.monotonic_ns()
        watched = w & ~WAITERS  # the write being watched: W changes do not restart the clock
        check_at = start + self._first_check_delay(w)
        slow = False
        i = 0
        while True:
            if not w & HELD:
                return w, False
            i += 1
            if i < SPIN_ITERATIONS:
                w = _load_acquire(address)
                continue
            if i < SPIN_ITERATIONS + YIELD_ITERATIONS:
                os.sched_yield()
                w = _load_acquire(address)
                continue
            now = time.monotonic_ns()
            if not slow and now - start > SLOW_WAIT_NS:
                slow = True
                self._count(base, SLOW_WAITS)
            if w & ~WAITERS != watched:
                watched = w & ~WAITERS
                check_at = now + self._first_check_delay(w)
            if now >= check_at:
                if self._holder_is_dead(mapping, w):
                    if writer:
                        new = (w & ~OWNER_MASK) | TORN | self.owner_slot
                        intent[0] = (index, new)
                    else:
                        new = _released_torn(w)
                    swapped, current = _cas(address, w, new)
                    if swapped:
                        self._count(base, OWNER_RECOVERIES)
                        # layout version 4: the dead holder may have been the page's sole writer; its sleepers, asleep
                        # on the word just replaced, wake and look at the page as it now is (section 7.7)
                        self._wake_sleepers(address)
                        if writer:
                            return new, True  # W, if set, stays: this writer's release clears it and wakes
                        if w & WAITERS:
                            _futex_wake(address)
                        return new, False
                    w = current  # changed: released, recovered by another waiter, or W set
                    continue
                check_at = now + self._recheck_ns
            w = self._sleep_on(base, address, w, max(1000, check_at - now))

    # -- write (section 7.1) -----------------------------------------------------------------------------------

    def write(self, offset, data):
        """Atomically copies `data` (bytes-like) into the segment at `offset`.

        Raises LostOwnershipError if, at release, a page was no longer held by this write (the bytes were written;
        see FORMAT.md section 7.1), ForkedHandleError in a child process that inherited this handle."""
        mapping = self._use()
        if isinstance(data, bytes):
            src, length = data, len(data)
        elif isinstance(data, bytearray):
            length = len(data)
            src = (ctypes.c_char * length).from_buffer(data) if length else b""
        else:
            src = bytes(data)
            length = len(src)
        self._check_range(offset, length)
        if self._fork_generation != _fork_generation:
            raise ForkedHandleError(f"segment '{self.name}': this handle was inherited across fork(); a child "
                                    f"writes only through handles it opened itself (open the segment again)")
        if length == 0:
            return
        base = mapping.base
        first = offset >> self._page_shift
        last = (offset + length - 1) >> self._page_shift
        held = [0] * (last - first + 1)  # the word this write set on each page; 0 while not taken
        intent = [None]  # (index, word) of a compare-and-swap that may be in flight
        copy_state = 0  # 0 not started, 1 partly done, 2 done
        try:
            for index in range(len(held)):  # ascending: no deadlock between multi-page writers
                held[index] = self._lock_page(mapping, first + index, intent, index)
                intent[0] = None
            # release fence: the odd sequences become visible before any data store below
            _c_fence(_RELEASE)
            destination = base + self.data_offset + offset
            hook = self._write_hook
            if hook is None:
                ctypes.memmove(destination, src, length)
            else:
                half = length // 2
                ctypes.memmove(destination, src, half)
                copy_state = 1
                hook()
                ctypes.memmove(destination + half, bytes(src)[half:], length - half)
            copy_state = 2
        finally:
            lost = self._release_all(mapping, first, offset, length, held, intent, copy_state)
        if lost is not None:
            raise LostOwnershipError(self.name, lost)

    def _lock_page(self, mapping, page, intent, index):
        """Takes `page` for this write (section 7.1) and returns the word it set; in layout versions 3 and 4, raises
        PageLeasedError holding nothing (a page taken over from a dead holder and then found leased is given back
        torn, as a failed write's). In layout version 4, if this write voided a dead holder's lease it wakes the
        page's sleepers after the compare-and-swap that finally takes the page (section 7.7)."""
        base = mapping.base
        address = base + HEADER_LENGTH + page * LOCK_STRIDE
        w = _load_acquire(address)
        contended = False
        voided = False  # this write voided a dead holder's lease of `page` (section 7.6)
        while True:
            if w & HELD:
                if not contended:
                    contended = True
                    self._count(base, WRITE_CONTENDED)
                w, took = self._await_page(mapping, page, w, True, intent, index)
                if took:
                    if self.leases:  # after a take-over (section 10): the same check; its CAS took the page already
                        try:
                            voided = self._check_lease(mapping, page) or voided
                        except PageLeasedError:
                            self._release_page(base, page, w, False, False)  # T, set by the take-over, stays
                            self._wake_sleepers(address)  # a leased page freed (section 7.7)
                            intent[0] = None
                            raise
                        if voided:
                            self._wake_sleepers(address)  # the lease voided, the page taken (section 7.7)
                    return w
                continue
            if self.leases:
                intent[0] = None  # no compare-and-swap of this write can be in flight on this page
                try:
                    voided = self._check_lease(mapping, page) or voided
                except PageLeasedError:
                    # a lease granted since this write voided one: the grant changed the lock word (this write's
                    # CAS failed on it), so the wake, harmless, still follows a change of the word
                    if voided:
                        self._wake_sleepers(address)
                    raise
            new = ((w & ~OWNER_MASK) + ONE) & MASK64 | self.owner_slot
            intent[0] = (index, new)
            swapped, w = _cas(address, w, new)
            if swapped:
                # section 7.7: the wake follows the take's change of the lock word, never the voiding alone; a
                # waiter that registers too late for this load then finds its word changed and does not sleep
                if voided:
                    self._wake_sleepers(address)
                return new
            if not contended:
                contended = True
                self._count(base, WRITE_CONTENDED)

    def _check_lease(self, mapping, page):
        """Section 7.6, layout versions 3 and 4, before the compare-and-swap that takes free `page` (its word loaded
        before this call): raises PageLeasedError for a page leased to another live process (the page untouched);
        voids the lease of a dead one, and then returns True (else False). The take's compare-and-swap from the word
        loaded before fails if a lease was granted since then. In layout version 4 the caller wakes the page's
        sleepers after the compare-and-swap that then takes the page (section 7.7), not here: only a change of the
        lock word makes a waiter that registers too late for the wake's load find its word changed, and voiding the
        lease changes none."""
        address = mapping.base + HEADER_LENGTH + page * LOCK_STRIDE + LEASE_WORD_OFFSET
        holder = _load_acquire(address)
        if holder == 0 or holder == self.owner_slot:
            return False
        if not self._lease_holder_is_dead(mapping.fd, holder):
            raise PageLeasedError(self.name, page, holder)
        return _cas(address, holder, 0)[0]  # a dead process's lease is void

    def _lease_holder_is_dead(self, fd, holder):
        """A value outside 1..16383 names no slot a process can hold."""
        return holder > MAX_OWNER or self._slot_is_dead(fd, holder)

    def _release_all(self, mapping, first, offset, length, held, intent, copy_state):
        """Releases every page this write holds; returns the first page found lost, or None. Safe to resume after
        an exception: a page is released only while its word is still the value this write set."""
        base = mapping.base
        pending = intent[0]
        if pending is not None:
            # An exception may have hit between a successful compare-and-swap and recording it: the word says.
            index, word = pending
            current = _load_acquire(base + HEADER_LENGTH + (first + index) * LOCK_STRIDE)
            if held[index] == 0 and current & ~WAITERS == word & ~WAITERS:
                held[index] = current
        lost = None
        failure = None
        for index, h in enumerate(held):
            if h == 0:
                continue
            page = first + index
            page_start = page * self.page_size
            whole = copy_state == 2 and offset <= page_start and offset + length >= page_start + self.page_size
            torn = copy_state == 1  # some new bytes are in, not all: the page may mix two writes
            while True:
                try:
                    ok = self._release_page(base, page, h, whole, torn)
                    break
                except BaseException as ex:  # e.g. KeyboardInterrupt: finish releasing first
                    failure = failure or ex
                    current = _load_acquire(base + HEADER_LENGTH + page * LOCK_STRIDE)
                    if current & ~WAITERS != h & ~WAITERS:
                        ok = True  # released before the exception hit
                        break
            held[index] = 0
            if not ok and lost is None:
                lost = page
        if failure is not None:
            raise failure
        return lost

    def _release_page(self, base, page, h, whole, torn):
        """A compare-and-swap from the exact value this write set (or that with W added by a waiter) to the next
        even sequence, owner and W cleared; never a blind store. Returns False if the ownership was lost."""
        address = base + HEADER_LENGTH + page * LOCK_STRIDE
        while True:
            new = ((h & ~(OWNER_MASK | WAITERS)) + ONE) & MASK64
            if whole:
                new &= ~TORN
            if torn:
                new |= TORN
            swapped, current = _cas(address, h, new)
            if swapped:
                if h & WAITERS:
                    _futex_wake(address)
                return True
            if current == h | WAITERS:
                h = current  # a waiter registered meanwhile: benign
                continue
            self._count(base, LOST_OWNERSHIPS)
            return False

    # -- read (section 7.2) ------------------------------------------------------------------------------------

    def read(self, offset, length):
        """Returns `length` bytes from `offset`: a consistent snapshot. Raises TornPageError if a page is marked
        torn."""
        self._check_range(offset, length)
        return self._read(offset, length, None)

    def read_into(self, offset, buffer):
        """Copies len(buffer) bytes from `offset` into the writable bytes-like `buffer`: a consistent snapshot."""
        view = memoryview(buffer).cast("B")
        if view.readonly:
            raise TypeError("buffer is read-only")
        length = view.nbytes
        self._check_range(offset, length)
        target = (ctypes.c_char * length).from_buffer(view) if length else None
        self._read(offset, length, target)

    def _read(self, offset, length, target):
        mapping = self._use()
        if length == 0:
            return b""
        base = mapping.base
        first = offset >> self._page_shift
        last = (offset + length - 1) >> self._page_shift
        source = base + self.data_offset + offset
        while True:
            stamp = 0
            restart = False
            for page in range(first, last + 1):
                address = base + HEADER_LENGTH + page * LOCK_STRIDE
                # acquire: the copy below cannot be performed before this load
                w = _load_acquire(address)
                if w & HELD:
                    self._count(base, READ_RETRIES)  # this attempt starts again after the wait
                    w, _ = self._await_page(mapping, page, w, False)
                    restart = True
                if w & TORN:
                    raise TornPageError(self.name, page)
                if restart:
                    break
                stamp = (stamp + (w >> 16)) & MASK64
            if restart:
                continue
            if target is None:
                copy = ctypes.string_at(source, length)
            else:
                ctypes.memmove(target, source, length)
                copy = None
            # acquire fence: the copy's loads complete before the lock words are loaded again
            _c_fence(_ACQUIRE)
            total = 0
            for page in range(first, last + 1):
                w = _load_acquire(base + HEADER_LENGTH + page * LOCK_STRIDE)
                if w & HELD:
                    total = None
                    break
                total = (total + (w >> 16)) & MASK64
            if total == stamp:
                return copy
            self._count(base, READ_RETRIES)

    # -- versions and waiting (section 7.4) --------------------------------------------------------------------

    def _check_page(self, page):
        if not isinstance(page, int):
            raise TypeError("page must be an int")
        if page < 0 or page >= self.page_count:
            raise ValueError(f"page {page} is outside 0..{self.page_count - 1}")

    def version(self, page):
        """The number of completed writes to `page` (modulo 2^47), in any process."""
        self._check_page(page)
        mapping = self._use()
        return _load_acquire(mapping.base + HEADER_LENGTH + page * LOCK_STRIDE) >> 17

    def page_of(self, offset):
        """The page that byte `offset` lies in."""
        self._check_range(offset, 1)
        return offset >> self._page_shift

    def await_change(self, page, seen, timeout=None):
        """Waits until `page`'s version differs from `seen`, for at most `timeout` seconds (None: for ever),
        spinning briefly and then sleeping in FUTEX_WAIT. Returns the new version, or `seen` on timeout."""
        self._check_page(page)
        deadline = None if timeout is None else time.monotonic_ns() + _check_seconds(timeout, "timeout")
        mapping = self._use()
        base = mapping.base
        address = base + HEADER_LENGTH + page * LOCK_STRIDE
        w = _load_acquire(address)
        i = 0
        while True:
            if w >> 17 != seen:
                return w >> 17
            if self._mapping is None:
                raise ValueError(f"segment '{self.name}' was closed while waiting")
            i += 1
            now = time.monotonic_ns()
            if deadline is not None and now >= deadline:
                return seen
            if i < SPIN_ITERATIONS:
                w = _load_acquire(address)
            elif i < SPIN_ITERATIONS + YIELD_ITERATIONS:
                os.sched_yield()
                w = _load_acquire(address)
            else:
                left = self._max_sleep_ns if deadline is None else deadline - now
                w = self._sleep_on(base, address, w, left)

    # -- inspection --------------------------------------------------------------------------------------------

    def lock_word(self, page):
        """The raw lock word of `page` (for tools and tests)."""
        self._check_page(page)
        return _load_acquire(self._use().base + HEADER_LENGTH + page * LOCK_STRIDE)

    def lease_holder(self, page):
        """The lease word of `page` (for tools and tests): the owner slot whose exclusive writer holds the page's
        lease, or 0 if none; always 0 without lease words. A dead process's lease stays until a writer of the page,
        or the next claimer of its slot, clears it."""
        self._check_page(page)
        if not self.leases:
            return 0
        return _load_acquire(self._use().base + HEADER_LENGTH + page * LOCK_STRIDE + LEASE_WORD_OFFSET)

    def sleepers(self, page):
        """The sleepers word of `page` (for tools and tests, layout version 4): nonzero while a waiter may be asleep
        on the leased page (FORMAT.md section 7.3); always 0 in other versions."""
        self._check_page(page)
        if not self._sleepers:
            return 0
        return _load_acquire(self._use().base + HEADER_LENGTH + page * LOCK_STRIDE + SLEEPERS_WORD_OFFSET)

    def counter(self, index):
        """The value of header counter `index` (0 to 7; names in COUNTERS)."""
        if not isinstance(index, int) or not 0 <= index < COUNTER_SLOTS:
            raise ValueError(f"counter {index!r} is outside 0..{COUNTER_SLOTS - 1}")
        value = _load_acquire(self._use().base + OFF_COUNTERS + index * COUNTER_STRIDE)
        return value - (1 << 64) if value >> 63 else value


def _released_torn(w):
    """The dead-owner release (sections 9 and 10): next even sequence, no owner, W cleared, T set."""
    return (((w & ~(OWNER_MASK | WAITERS)) + ONE) & MASK64) | TORN
