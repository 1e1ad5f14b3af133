package io.distill.trainer;

/**
 * How many tokens of its own samples the trainer owes, to keep a share λ of what it trains on-policy. Off-policy
 * tokens trained earn λ / (1 − λ) sample tokens each; tokens produced spend them, and tokens of samples skipped as
 * stale are given back, so that they are replaced. Counting what was produced rather than what came back keeps the
 * controller from waiting on samples that never return (dead-lettered by the teacher, or lost in a crash); the
 * share actually trained is measured separately ({@code distill_trainer_on_policy_ratio}).
 */
final class OnPolicyRate {
    private final double lambda;
    private long offPolicyTrained;
    private long produced;
    private long givenBack;

    OnPolicyRate(double lambda) {
        if (!(lambda > 0 && lambda < 1)) {
            throw new IllegalArgumentException("lambda must be in (0, 1), got " + lambda);
        }
        this.lambda = lambda;
    }

    void trainedOffPolicy(long tokens) {
        offPolicyTrained += tokens;
    }

    void produced(long tokens) {
        produced += tokens;
    }

    /** Tokens of a sample that will not be trained on (stale). */
    void givenBack(long tokens) {
        givenBack += tokens;
    }

    /** Sample tokens to produce now; 0 when none are owed. */
    long tokensOwed() {
        double earned = lambda / (1 - lambda) * offPolicyTrained;
        return Math.max(0, (long) Math.floor(earned) - (produced - givenBack));
    }
}
