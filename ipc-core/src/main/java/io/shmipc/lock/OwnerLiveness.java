package io.shmipc.lock;

/**
 * Decides, from evidence given by the operating system, whether the process that holds an owner slot has died. A
 * waiter asks only after a page has stayed held by the same write for longer than the recovery timeout, so the
 * answer is on a slow path and may make system calls.
 */
@FunctionalInterface
public interface OwnerLiveness
{
    /** Never reports an owner dead: pages held by a dead process stay held (for tests and tools without slots). */
    OwnerLiveness NEVER_DEAD = slot -> false;

    /**
     * @param slot an owner slot found in a held lock word, 0 to {@link io.shmipc.layout.LockWord#MAX_OWNER}.
     * @return {@code true} only if the operating system shows that no live process holds {@code slot}; {@code false}
     * if it is held, if it is this process's own slot, if it is 0 (a holder without a slot), or if it cannot tell.
     */
    boolean isDead(int slot);
}
