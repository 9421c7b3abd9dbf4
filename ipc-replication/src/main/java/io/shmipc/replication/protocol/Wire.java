package io.shmipc.replication.protocol;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * The replication protocol's messages, as offsets into an Aeron message (all integers little-endian). Every message
 * starts with the same 32-byte header:
 * <pre>
 *   0  int   magic 0x50524853 ("SHRP" read as bytes)
 *   4  byte  protocol version (1)
 *   5  byte  type: 1 PAGES, 2 HEARTBEAT (data stream); 3 RESEND (control stream)
 *   6  short reserved (0)
 *   8  long  epoch: the publisher's identity for one source segment file, random, never 0
 *  16  long  sequence: data stream: PAGES messages count 1, 2, 3... per epoch, HEARTBEAT repeats the last one;
 *            control stream: the requesting replica's random id
 *  24  long  time: the sender's wall clock (ns since 1970) when it read the pages or made the message
 * </pre>
 * PAGES, a run of adjacent pages read as one consistent snapshot:
 * <pre>
 *  32  int   page size of the source segment
 *  36  int   page count of the source segment
 *  40  int   first page of the run
 *  44  int   pages in the run, n
 *  48  long[n] the source version of each page (its number of completed writes)
 *  48+8n     the n pages' bytes
 * </pre>
 * HEARTBEAT, sent every heartbeat interval whether pages flow or not, and when a replica first connects:
 * <pre>
 *  32  int   page size        36  int  page count
 *  40  int   control stream id
 *  44  int   length L of the control channel
 *  48  L bytes: the channel (ASCII) on which the publisher takes RESEND requests; a host of 0.0.0.0 means "the
 *            address this message came from"
 * </pre>
 * RESEND (control stream), a replica asking for pages {@code first..last} again:
 * <pre>
 *  32  int   first page       36  int  last page (inclusive)
 * </pre>
 */
public final class Wire
{
    public static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    public static final int MAGIC = 0x5052_4853;
    public static final byte VERSION = 1;

    public static final byte PAGES = 1;
    public static final byte HEARTBEAT = 2;
    public static final byte RESEND = 3;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 4;
    public static final int TYPE_OFFSET = 5;
    public static final int EPOCH_OFFSET = 8;
    public static final int SEQUENCE_OFFSET = 16;
    public static final int TIME_OFFSET = 24;
    public static final int HEADER_LENGTH = 32;

    public static final int PAGE_SIZE_OFFSET = 32;
    public static final int PAGE_COUNT_OFFSET = 36;
    public static final int FIRST_PAGE_OFFSET = 40;
    public static final int RUN_PAGES_OFFSET = 44;
    public static final int VERSIONS_OFFSET = 48;

    public static final int CONTROL_STREAM_OFFSET = 40;
    public static final int CONTROL_CHANNEL_OFFSET = 44;
    public static final int MAX_CONTROL_CHANNEL_LENGTH = 1024;

    public static final int RESEND_FIRST_OFFSET = 32;
    public static final int RESEND_LAST_OFFSET = 36;
    public static final int RESEND_LENGTH = 40;

    private Wire()
    {
    }

    /** Writes the common header. */
    public static void putHeader(
        final MutableDirectBuffer buffer, final int offset, final byte type, final long epoch, final long sequence,
        final long timeNanos)
    {
        buffer.putInt(offset + MAGIC_OFFSET, MAGIC, ORDER);
        buffer.putByte(offset + VERSION_OFFSET, VERSION);
        buffer.putByte(offset + TYPE_OFFSET, type);
        buffer.putShort(offset + TYPE_OFFSET + 1, (short)0, ORDER);
        buffer.putLong(offset + EPOCH_OFFSET, epoch, ORDER);
        buffer.putLong(offset + SEQUENCE_OFFSET, sequence, ORDER);
        buffer.putLong(offset + TIME_OFFSET, timeNanos, ORDER);
    }

    /** @return the message type, or 0 if the bytes are not a message of this protocol version. */
    public static byte type(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < HEADER_LENGTH || buffer.getInt(offset + MAGIC_OFFSET, ORDER) != MAGIC ||
            buffer.getByte(offset + VERSION_OFFSET) != VERSION)
        {
            return 0;
        }
        return buffer.getByte(offset + TYPE_OFFSET);
    }

    /** @return bytes of a PAGES message before its page data, for {@code runPages} pages. */
    public static int pagesHeaderLength(final int runPages)
    {
        return VERSIONS_OFFSET + runPages * Long.BYTES;
    }

    public static long epoch(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + EPOCH_OFFSET, ORDER);
    }

    public static long sequence(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + SEQUENCE_OFFSET, ORDER);
    }

    public static long time(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + TIME_OFFSET, ORDER);
    }

    public static int getInt(final DirectBuffer buffer, final int offset, final int field)
    {
        return buffer.getInt(offset + field, ORDER);
    }

    public static void putInt(final MutableDirectBuffer buffer, final int offset, final int field, final int value)
    {
        buffer.putInt(offset + field, value, ORDER);
    }

    /** @return the source version of the {@code index}-th page of a PAGES message. */
    public static long version(final DirectBuffer buffer, final int offset, final int index)
    {
        return buffer.getLong(offset + VERSIONS_OFFSET + index * Long.BYTES, ORDER);
    }

    public static void putVersion(final MutableDirectBuffer buffer, final int offset, final int index, final long v)
    {
        buffer.putLong(offset + VERSIONS_OFFSET + index * Long.BYTES, v, ORDER);
    }
}
