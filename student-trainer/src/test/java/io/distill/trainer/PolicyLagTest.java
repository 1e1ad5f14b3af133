package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PolicyLagTest {
    private final PolicyLag lag = new PolicyLag("small", 3);

    @Test
    void ownSamplesAtMostMaxLagVersionsOldAreFreshAndOlderOnesStale() {
        String id = PolicyLag.sampleId("small", 10, "ab12");
        assertEquals("student:small@10/ab12", id);
        assertEquals(new PolicyLag.Fresh(0), lag.of(id, 10));
        assertEquals(new PolicyLag.Fresh(3), lag.of(id, 13));
        assertEquals(new PolicyLag.Stale(4), lag.of(id, 14));
    }

    @Test
    void aSampleFromWeightsNewerThanTheCurrentOnesIsStale() {
        // written after the last checkpoint by weights a crash lost: not this policy's past
        assertEquals(new PolicyLag.Stale(-5), lag.of(PolicyLag.sampleId("small", 15, "x"), 10));
    }

    @Test
    void inputTextAndOtherStudentsSamplesAreNotOwn() {
        assertInstanceOf(PolicyLag.NotOwn.class, lag.of("README.md:3", 10));
        assertInstanceOf(PolicyLag.NotOwn.class, lag.of(PolicyLag.sampleId("small2", 10, "x"), 10));
        assertInstanceOf(PolicyLag.NotOwn.class, lag.of(PolicyLag.sampleId("smal", 10, "x"), 10));
        assertInstanceOf(PolicyLag.NotOwn.class, lag.of("student:small@", 10));
        assertInstanceOf(PolicyLag.NotOwn.class, lag.of("student:small@-1/x", 10));
        assertInstanceOf(PolicyLag.NotOwn.class, lag.of("student:small@99999999999999999999/x", 10));
        assertTrue(PolicyLag.version("student:small@7", "small").isPresent());
    }
}
