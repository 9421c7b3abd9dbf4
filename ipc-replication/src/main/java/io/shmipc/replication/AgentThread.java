package io.shmipc.replication;

import io.shmipc.replication.status.ReplicationStatus;
import io.shmipc.replication.status.StatusBoard;
import io.shmipc.replication.status.StatusRole;
import io.shmipc.replication.status.StatusSegment;
import io.shmipc.replication.transport.AeronTransport;
import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;

/**
 * What a {@link SegmentPublisher} and a {@link SegmentReplica} share once started: the agent running on a thread of
 * its own, its live counters, its optional status segment, and the embedded media driver it started (if the caller
 * gave no transport). {@link #start} sets all of that up and, if any step fails, closes what it had opened.
 *
 * @param <A> the agent's type.
 */
final class AgentThread<A extends Agent> implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(AgentThread.class);

    /** Builds the agent once the counters, the status segment and the transport exist. */
    @FunctionalInterface
    interface AgentFactory<A extends Agent>
    {
        /**
         * @param board     the live counters.
         * @param status    the status segment, or {@code null} if none is kept.
         * @param transport the Aeron transport to use.
         * @return the agent.
         */
        A create(StatusBoard board, StatusSegment status, AeronTransport transport);
    }

    private final StatusBoard board;
    private final A agent;
    private final AgentRunner runner;
    private final AeronTransport ownedTransport;

    private AgentThread(
        final StatusBoard board, final A agent, final AgentRunner runner, final AeronTransport ownedTransport)
    {
        this.board = board;
        this.agent = agent;
        this.runner = runner;
        this.ownedTransport = ownedTransport;
    }

    /**
     * Claims the status segment {@code NAME.<role>} (if {@code statusSegment}), starts an embedded media driver if
     * {@code transport} is {@code null}, builds the agent and starts it on a new thread.
     *
     * @param name          the segment's name.
     * @param directory     its directory ({@code null}: {@code /dev/shm}).
     * @param role          publisher or replica.
     * @param statusSegment whether to keep a status segment.
     * @param transport     the caller's transport (not closed here), or {@code null} for an embedded driver.
     * @param idleStrategy  how the thread idles, or {@code null} for {@link Idle#defaultStrategy()}.
     * @param factory       builds the agent.
     * @param onFailure     closed too if starting fails (may be {@code null}).
     * @throws ReplicationException if another endpoint of the same role holds the status segment, or Aeron refuses.
     */
    static <A extends Agent> AgentThread<A> start(
        final String name,
        final Path directory,
        final StatusRole role,
        final boolean statusSegment,
        final AeronTransport transport,
        final IdleStrategy idleStrategy,
        final AgentFactory<A> factory,
        final AutoCloseable onFailure)
    {
        AeronTransport owned = null;
        StatusSegment status = null;
        try
        {
            final StatusBoard board = new StatusBoard(role);
            status = statusSegment ? StatusSegment.claim(directory, name, role) : null;
            if (status != null)
            {
                // Claimed: say so at once (state STARTING, this PID, updated now), so that a second start of the same
                // role finds a running one instead of an empty status until the agent's first duty cycle publishes.
                status.publish(board.snapshot());
            }
            owned = transport == null ? AeronTransport.embedded() : null;
            final A agent = factory.create(board, status, transport != null ? transport : owned);
            final AgentRunner runner = new AgentRunner(idleStrategy != null ? idleStrategy : Idle.defaultStrategy(),
                ex -> LOG.error("{} of '{}' failed: {}", role.label(), name, ex.toString(), ex), null, agent);
            AgentRunner.startOnThread(runner);
            return new AgentThread<>(board, agent, runner, owned);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(status, owned, onFailure);
            throw ex;
        }
    }

    /** @return the agent, for racy reads by tools and tests. */
    A agent()
    {
        return agent;
    }

    /** @return the live counters now. */
    ReplicationStatus status()
    {
        return board.snapshot();
    }

    /** Stops the agent (which closes its own resources) and the embedded media driver, if one was started. */
    @Override
    public void close()
    {
        CloseHelper.closeAll(runner, ownedTransport);
    }
}
