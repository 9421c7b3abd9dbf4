package io.shmipc;

import io.shmipc.testing.TestDirectory;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The bytes on disk are those docs/FORMAT.md promises. This test reads the raw file with literal offsets from the
 * document, not with the library's constants, so a change to either that breaks the contract fails here.
 */
class LayoutContractTest
{
    @Test
    void headerLockTableAndDataAreWhereFormatMdSays() throws IOException
    {
        try (TestDirectory dir = TestDirectory.create();
            SharedMemory shm = SharedMemory.builder("layout").directory(dir.path()).pages(40).pageSize(256).create())
        {
            final byte[] payload = "interoperable".getBytes(StandardCharsets.US_ASCII);
            shm.write(3 * 256 + 5, payload);                   // page 3 only
            shm.write(255, new byte[] {1, 2});                 // pages 0 and 1
            shm.write(255, new byte[] {3, 4});                 // pages 0 and 1 again

            final ByteBuffer file = ByteBuffer.wrap(Files.readAllBytes(shm.path())).order(ByteOrder.LITTLE_ENDIAN);
            final long dataOffset = 12288;                     // align4096(4096 + 40 * 128 = 9216)
            final long expectedDataOffset = ((4096 + 40 * 128) + 4095) / 4096 * 4096;
            assertEquals(12288, expectedDataOffset);

            assertArrayEquals(new byte[] {'S', 'H', 'M', 'I', 'P', 'C', 0, 0}, Arrays.copyOfRange(file.array(), 0, 8));
            assertEquals(2, file.getInt(8), "layout version");
            assertEquals(4096, file.getInt(12), "header length");
            assertEquals(256, file.getInt(16), "page size");
            assertEquals(40, file.getInt(20), "page count");
            assertEquals(4096, file.getLong(24), "lock table offset");
            assertEquals(expectedDataOffset, file.getLong(32), "data offset");
            assertEquals(expectedDataOffset + 40 * 256, file.getLong(40), "file length");
            assertEquals(expectedDataOffset + 40 * 256, file.capacity(), "actual file length");
            final long created = file.getLong(48);
            assertEquals(true, Math.abs(System.currentTimeMillis() - created) < 600_000, "created " + created);
            assertEquals(ProcessHandle.current().pid(), file.getLong(56), "creator pid");
            for (int i = 64; i < 4096; i++)
            {
                if (i >= 128 && i < 640 && (i - 128) % 64 < 8)
                {
                    continue; // counters
                }
                assertEquals(0, file.get(i), "reserved header byte " + i);
            }

            // lock words: 128 bytes apart from 4096; sequence in bits 16+, version = word >> 17
            assertEquals(2L << 16, file.getLong(4096 + 3 * 128), "page 3: one write, free");
            assertEquals(4L << 16, file.getLong(4096), "page 0: two writes, free");
            assertEquals(4L << 16, file.getLong(4096 + 128), "page 1: two writes, free");
            assertEquals(0L, file.getLong(4096 + 2 * 128), "page 2: untouched");
            assertEquals(1, shm.version(3));
            assertEquals(2, shm.version(0));

            // lock word bits of layout version 2: T = bit 15, W = bit 14, owner = bits 0-13
            assertEquals(1L << 15, io.shmipc.layout.LockWord.TORN_BIT);
            assertEquals(1L << 14, io.shmipc.layout.LockWord.WAITERS_BIT);
            assertEquals(0x3FFF, io.shmipc.layout.LockWord.OWNER_MASK);
            assertEquals(0x3FFF, io.shmipc.layout.LockWord.MAX_OWNER);
            // counters: lost ownerships at 384 (4), sleeps at 448 (5)
            assertEquals(384, io.shmipc.layout.CounterId.LOST_OWNERSHIPS.offset());
            assertEquals(448, io.shmipc.layout.CounterId.SLEEPS.offset());

            // data at dataOffset + user offset
            final int data = (int)expectedDataOffset;
            assertArrayEquals(payload, Arrays.copyOfRange(file.array(), data + 3 * 256 + 5,
                data + 3 * 256 + 5 + payload.length));
            assertEquals(3, file.get(data + 255));
            assertEquals(4, file.get(data + 256));
            assertEquals(0, dataOffset % 4096);
        }
    }
}
