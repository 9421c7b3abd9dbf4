package io.shmipc.replication.replica;

import io.shmipc.SharedMemory;
import io.shmipc.replication.protocol.Wire;
import io.shmipc.replication.testing.Dirs;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A page the publisher sends again unchanged is labelled with the version it read before its copy, so it can carry
 * the data of a write that landed between that read and the copy, under the version the replica already holds, next
 * to the write's other pages labelled newer. The replica must take it with them, on the local segment and in a
 * staging image alike, or it serves the write torn.
 */
class ResentPageTest
{
    private static final int PAGE = 4096;
    private static final int PAGES = 4;

    private final Path dir = Dirs.create("image");

    @AfterEach
    void cleanUp()
    {
        Dirs.delete(dir);
    }

    @Test
    void aPageLabelledAsAppliedIsWrittenWithItsNewerNeighbours()
    {
        try (LocalImage local = LocalImage.open(SharedMemory.builder("img").directory(dir), "img", PAGE, PAGES))
        {
            final Staging full = new Staging(PAGE, PAGES);
            full.put(0, PAGES, pages(0, 'A', 5, 5, 5, 5), 0, Wire.pagesHeaderLength(PAGES));
            local.replaceAll(full);

            // Write "B" over pages 1..2 landed after page 1's version was read (still 5) and before page 2's (6).
            final int skipped = local.apply(1, 2, pages(1, 'B', 5, 6), 0, Wire.pagesHeaderLength(2));

            assertEquals(0, skipped);
            assertEquals("ABBA", content(local.shm()), "the write over pages 1..2 arrives whole");
            assertEquals(5, local.applied(1), "page 1 keeps its label: sent again with its true version later");
            assertEquals(6, local.applied(2));
        }
    }

    @Test
    void aStretchOfPagesAllLabelledAsAppliedIsNotWrittenAndAnOlderPageIsNeverApplied()
    {
        try (LocalImage local = LocalImage.open(SharedMemory.builder("img").directory(dir), "img", PAGE, PAGES))
        {
            final Staging full = new Staging(PAGE, PAGES);
            full.put(0, PAGES, pages(0, 'A', 5, 5, 5, 5), 0, Wire.pagesHeaderLength(PAGES));
            local.replaceAll(full);
            final long version1 = local.shm().version(1);

            assertEquals(2, local.apply(1, 2, pages(1, 'B', 5, 5), 0, Wire.pagesHeaderLength(2)));
            assertEquals("AAAA", content(local.shm()));
            assertEquals(version1, local.shm().version(1), "nothing new: no local write");

            assertEquals(1, local.apply(0, 2, pages(0, 'C', 4, 6), 0, Wire.pagesHeaderLength(2)));
            assertEquals("ACAA", content(local.shm()), "page 0 labelled older than applied stays as it is");
        }
    }

    @Test
    void aStagingImageTakesAPageLabelledAsHeldWithItsNewerNeighbours()
    {
        final Staging staging = new Staging(PAGE, PAGES);
        staging.put(0, PAGES, pages(0, 'A', 5, 5, 5, 5), 0, Wire.pagesHeaderLength(PAGES));
        staging.put(1, 2, pages(1, 'B', 5, 6), 0, Wire.pagesHeaderLength(2));
        assertEquals(0, staging.missing());
        assertEquals('B', (char)staging.data().getByte(PAGE));
        assertEquals('B', (char)staging.data().getByte(2 * PAGE + PAGE - 1));
        assertEquals(5, staging.version(1));
        assertEquals(6, staging.version(2));

        staging.put(3, 1, pages(3, 'C', 4), 0, Wire.pagesHeaderLength(1));
        assertEquals('A', (char)staging.data().getByte(3 * PAGE), "an older label is not taken");
    }

    @Test
    void versionsAreComparedAcrossTheirWrapAt2To47()
    {
        final long last = (1L << 47) - 1; // the core's versions count modulo 2^47
        try (LocalImage local = LocalImage.open(SharedMemory.builder("img").directory(dir), "img", PAGE, PAGES))
        {
            final Staging full = new Staging(PAGE, PAGES);
            full.put(0, PAGES, pages(0, 'A', last - 1, last, last, 7), 0, Wire.pagesHeaderLength(PAGES));
            assertEquals(last, full.version(1));
            full.put(1, 1, pages(1, 'W', 0), 0, Wire.pagesHeaderLength(1));
            assertEquals(0, full.version(1), "0 after 2^47 - 1 is newer: taken by the staging image");
            local.replaceAll(full);

            assertEquals(0, local.apply(0, 2, pages(0, 'B', last, 1), 0, Wire.pagesHeaderLength(2)));
            assertEquals("BBAA", content(local.shm()), "last after last - 1, and 1 after 0 (past the wrap)");
            assertEquals(1, local.applied(1));
            assertEquals(2, local.apply(1, 2, pages(1, 'C', last, last - 5), 0, Wire.pagesHeaderLength(2)));
            assertEquals("BBAA", content(local.shm()), "versions from before the wrap are older, not newer");
        }
        assertTrue(PageVersions.isNewer(0, (1L << 47) - 1));
        assertTrue(PageVersions.isOlder((1L << 47) - 1, 0));
        assertTrue(PageVersions.isNewer(5, 4) && !PageVersions.isNewer(4, 5) && !PageVersions.isNewer(4, 4));
        assertTrue(PageVersions.isNewer(0, PageVersions.NEVER) && !PageVersions.isNewer(PageVersions.NEVER, 0));
        assertEquals(0, PageVersions.newest((1L << 47) - 1, 0));
    }

    /** @return a PAGES message of pages {@code first..}, every byte {@code fill}, labelled {@code versions}. */
    private static UnsafeBuffer pages(final int first, final char fill, final long... versions)
    {
        final int header = Wire.pagesHeaderLength(versions.length);
        final UnsafeBuffer message = new UnsafeBuffer(new byte[header + versions.length * PAGE]);
        Wire.putHeader(message, 0, Wire.PAGES, 1, 1, 0);
        Wire.putInt(message, 0, Wire.PAGE_SIZE_OFFSET, PAGE);
        Wire.putInt(message, 0, Wire.PAGE_COUNT_OFFSET, PAGES);
        Wire.putInt(message, 0, Wire.FIRST_PAGE_OFFSET, first);
        Wire.putInt(message, 0, Wire.RUN_PAGES_OFFSET, versions.length);
        for (int i = 0; i < versions.length; i++)
        {
            Wire.putVersion(message, 0, i, versions[i]);
        }
        message.setMemory(header, versions.length * PAGE, (byte)fill);
        return message;
    }

    /** @return each page's content as one letter, after checking the page is all that letter. */
    private static String content(final SharedMemory shm)
    {
        final byte[] all = new byte[shm.capacity()];
        shm.read(0, all);
        final StringBuilder pages = new StringBuilder();
        for (int page = 0; page < shm.pageCount(); page++)
        {
            for (int i = 1; i < PAGE; i++)
            {
                assertEquals(all[page * PAGE], all[page * PAGE + i], "page " + page + " is one write");
            }
            pages.append((char)all[page * PAGE]);
        }
        return pages.toString();
    }
}
