"""The Python side of the cross-language tests: the same commands and output lines as the C tool
(clients/c/tests/interop_tool.c, which documents them) and the Java one (io.shmipc.interop.JavaTool).

    python3 interop_tool.py create|open|info|fill|check|hold|stress|counters|unlink DIR NAME ...

Failures print "ERROR <kind> <message>" and exit with 3; "ERROR torn page=P <message>" for a torn page, and
"ERROR leased page=P slot=S <message>" for a write refused because a page is leased to another live process's
exclusive writer (layout versions 3 and 4). For a segment with lease words, info prints a third line
"leases=h0,h1,...".
"""

import os
import random
import signal
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import shmipc  # noqa: E402

STEP = 0x9E3779B97F4A7C15
MASK64 = (1 << 64) - 1
LINGER_MS = 30000  # how long a stress run goes on past MILLIS while it has read no other writer's value
MAX_WRITERS = 8

KINDS = [
    (shmipc.SegmentNotReadyError, "not-ready"),
    (shmipc.SegmentNotFoundError, "not-found"),
    (shmipc.SegmentExistsError, "exists"),
    (shmipc.InvalidSegmentError, "invalid"),
    (shmipc.SegmentAccessDeniedError, "access"),
    (shmipc.SegmentIOError, "io"),
    (shmipc.LostOwnershipError, "lost"),
    (shmipc.NoFreeSlotError, "no-slot"),
    (shmipc.ForkedHandleError, "forked"),
    (shmipc.PageLeasedError, "leased"),
    ((ValueError, TypeError), "arg"),
]


def error(ex):
    if isinstance(ex, shmipc.TornPageError):
        print(f"ERROR torn page={ex.page} {ex}", flush=True)
    elif isinstance(ex, shmipc.PageLeasedError):
        print(f"ERROR leased page={ex.page} slot={ex.holder_slot} {ex}", flush=True)
    else:
        kind = next((k for cls, k in KINDS if isinstance(ex, cls)), "unknown")
        print(f"ERROR {kind} {ex}", flush=True)
    return 3


def stress(seg, offset, words, millis, writer, go):
    pattern = struct.Struct(f"<{words}Q")
    best = [0] * MAX_WRITERS
    writes = reads = torn = 0
    rng = random.Random(writer)
    if go:
        print("READY", flush=True)
        if not sys.stdin.readline():
            raise ValueError("stdin closed before the start line")
    end = time.monotonic() + millis / 1000
    linger_end = end + LINGER_MS / 1000

    def saw_another():
        return any(best[w] > 0 for w in range(1, MAX_WRITERS) if w != writer)

    while True:
        now = time.monotonic()
        if now >= end and (saw_another() or now >= linger_end):
            break
        value = (writer << 48) | (writes + 1)
        seg.write(offset, pattern.pack(*((value + i * STEP) & MASK64 for i in range(words))))
        writes += 1
        first, count = (0, words) if reads % 2 == 0 else (rng.randrange(words), None)
        if count is None:
            count = 1 + rng.randrange(words - first)
        data = struct.unpack(f"<{count}Q", seg.read(offset + first * 8, count * 8))
        reads += 1
        v = (data[0] - first * STEP) & MASK64
        if any((data[i] - (first + i) * STEP) & MASK64 != v for i in range(1, count)):
            torn += 1
            continue
        w, sequence = v >> 48, v & 0xFFFFFFFFFFFF
        if w < MAX_WRITERS:
            best[w] = max(best[w], sequence)
    print(f"writes={writes} reads={reads} torn={torn} " + " ".join(f"max{w}={best[w]}" for w in range(1, 8)))


def main(argv):
    if len(argv) < 4:
        print("usage: interop_tool.py create|open|info|fill|check|hold|stress|counters|unlink DIR NAME ...",
              file=sys.stderr)
        return 2
    cmd, directory, name = argv[1], argv[2], argv[3]
    try:
        if cmd == "unlink":
            if not shmipc.unlink(name, directory):
                raise shmipc.SegmentNotFoundError(f"no segment '{name}' in {directory}")
            print("OK")
            return 0
        if cmd == "create":
            with shmipc.create(name, int(argv[4]), int(argv[5]), directory=directory) as seg:
                print(f"OK slot={seg.owner_slot}")
            return 0
        if cmd == "open":
            allow = len(argv) > 5 and argv[5] == "allow-foreign"
            with shmipc.open(name, directory=directory, init_timeout=int(argv[4]) / 1000,
                             allow_foreign_owner=allow) as seg:
                print(f"OK pageSize={seg.page_size} pageCount={seg.page_count} slot={seg.owner_slot}")
            return 0
        recovery = shmipc.DEFAULT_RECOVERY_TIMEOUT
        if cmd in ("check", "fill") and len(argv) > 7:
            recovery = int(argv[7]) / 1000
        seg = shmipc.open(name, directory=directory, recovery_timeout=recovery)
        if cmd == "info":
            print(f"pageSize={seg.page_size} pageCount={seg.page_count} dataOffset={seg.data_offset} "
                  f"fileLength={seg.file_length}")
            print("versions=" + ",".join(str(seg.version(p)) for p in range(seg.page_count)))
            if seg.leases:
                print("leases=" + ",".join(str(seg.lease_holder(p)) for p in range(seg.page_count)))
        elif cmd == "counters":
            print("counters=" + ",".join(str(seg.counter(i)) for i in range(8)))
        elif cmd in ("fill", "hold", "check"):
            offset, length, value = int(argv[4]), int(argv[5]), int(argv[6])
            if cmd == "check":
                data = seg.read(offset, length)
                bad = next((i for i, b in enumerate(data) if b != value), None)
                print("OK" if bad is None else f"MISMATCH at={bad} byte={data[bad]}")
            else:
                if cmd == "hold":
                    def pause_forever():
                        print(f"PAUSED slot={seg.owner_slot}", flush=True)
                        while True:
                            signal.pause()
                    seg._write_hook = pause_forever
                seg.write(offset, bytes([value]) * length)
                print("OK")
        elif cmd == "stress":
            stress(seg, int(argv[4]), int(argv[5]), int(argv[6]), int(argv[7]), argv[8:9] == ["go"])
        else:
            print(f"unknown command {cmd}", file=sys.stderr)
            return 2
        seg.close()
        return 0
    except (shmipc.SharedMemoryError, ValueError, TypeError) as ex:
        return error(ex)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
