package io.shmipc.bench.latency;

import org.HdrHistogram.Histogram;
import org.agrona.concurrent.IdleStrategy;

import java.nio.file.Path;

/**
 * One side of a measured process pair: {@code ping} or {@code pong}. Both sides hold two exchanges, the
 * {@link LatencyCase#REFERENCE reference} and the case under test, and alternate one round trip on each, swapping
 * which goes first every iteration so neither always follows the other. The pinger times each round trip with
 * {@link System#nanoTime()} taken between the two exchanges, never inside one, and records outside the timed
 * region.
 *
 * <pre>
 * pong &lt;case&gt; &lt;dir&gt; &lt;iterations&gt; &lt;idle&gt;                 prints "READY &lt;info&gt;", then answers
 * ping &lt;case&gt; &lt;dir&gt; &lt;warm-up&gt; &lt;timed&gt; &lt;idle&gt; &lt;info&gt;   prints "RESULT &lt;reference&gt; &lt;case&gt;" (histograms)
 * </pre>
 */
public final class PairProcess
{
    /** Prefix of the ponger's ready line. */
    static final String READY = "READY";
    /** Prefix of the pinger's result line. */
    static final String RESULT = "RESULT";
    /** Stands for an empty info string on the command line. */
    static final String NO_INFO = "-";

    private PairProcess()
    {
    }

    /**
     * Runs one side.
     *
     * @param args see the class comment.
     */
    public static void main(final String[] args) throws Exception
    {
        ParentWatchdog.start();
        final String role = args[0];
        final LatencyCase measured = LatencyCase.of(args[1]);
        final Path dir = Path.of(args[2]);
        if ("pong".equals(role))
        {
            pong(measured, dir, Long.parseLong(args[3]), args[4]);
        }
        else if ("ping".equals(role))
        {
            ping(measured, dir, Long.parseLong(args[3]), Long.parseLong(args[4]), args[5], args[6]);
        }
        else
        {
            throw new IllegalArgumentException("role '" + role + "' is neither ping nor pong");
        }
    }

    private static void pong(final LatencyCase measured, final Path dir, final long iterations, final String idleName)
        throws Exception
    {
        final ExchangeKind referenceKind = LatencyCase.REFERENCE.newKind();
        final ExchangeKind caseKind = measured.newKind();
        referenceKind.listen(dir);
        final String info = caseKind.listen(dir);
        System.out.println(READY + " " + (info.isEmpty() ? NO_INFO : info));
        System.out.flush();
        try (Exchange reference = referenceKind.accept(IdleStrategies.of(idleName));
            Exchange exchange = caseKind.accept(IdleStrategies.of(idleName)))
        {
            for (long i = 1; i <= iterations; i++)
            {
                if ((i & 1) == 0)
                {
                    reference.send(reference.receive());
                    exchange.send(exchange.receive());
                }
                else
                {
                    exchange.send(exchange.receive());
                    reference.send(reference.receive());
                }
            }
        }
    }

    private static void ping(
        final LatencyCase measured,
        final Path dir,
        final long warmup,
        final long timed,
        final String idleName,
        final String info) throws Exception
    {
        final IdleStrategy referenceIdle = IdleStrategies.of(idleName);
        final IdleStrategy caseIdle = IdleStrategies.of(idleName);
        final Histogram referenceLatency = Histograms.create();
        final Histogram caseLatency = Histograms.create();
        final long iterations = warmup + timed;
        try (Exchange reference = LatencyCase.REFERENCE.newKind().connect(dir, "", referenceIdle);
            Exchange exchange = measured.newKind().connect(dir, NO_INFO.equals(info) ? "" : info, caseIdle))
        {
            for (long i = 1; i <= iterations; i++)
            {
                final long referenceNanos;
                final long caseNanos;
                if ((i & 1) == 0)
                {
                    final long t0 = System.nanoTime();
                    reference.send(i);
                    final long r1 = reference.receive();
                    final long t1 = System.nanoTime();
                    exchange.send(i);
                    final long r2 = exchange.receive();
                    final long t2 = System.nanoTime();
                    check(i, r1, r2);
                    referenceNanos = t1 - t0;
                    caseNanos = t2 - t1;
                }
                else
                {
                    final long t0 = System.nanoTime();
                    exchange.send(i);
                    final long r2 = exchange.receive();
                    final long t1 = System.nanoTime();
                    reference.send(i);
                    final long r1 = reference.receive();
                    final long t2 = System.nanoTime();
                    check(i, r1, r2);
                    caseNanos = t1 - t0;
                    referenceNanos = t2 - t1;
                }
                if (i > warmup)
                {
                    referenceLatency.recordValue(Math.min(referenceNanos, Histograms.HIGHEST_NANOS));
                    caseLatency.recordValue(Math.min(caseNanos, Histograms.HIGHEST_NANOS));
                }
            }
        }
        System.out.println(RESULT + " " + Histograms.encode(referenceLatency) + " " + Histograms.encode(caseLatency));
        System.out.flush();
    }

    private static void check(final long expected, final long reference, final long exchanged)
    {
        if (reference != expected || exchanged != expected)
        {
            throw new IllegalStateException("round trip " + expected + " came back as reference=" + reference +
                ", case=" + exchanged);
        }
    }
}
