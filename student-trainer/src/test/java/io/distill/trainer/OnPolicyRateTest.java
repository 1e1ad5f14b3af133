package io.distill.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class OnPolicyRateTest {

    @Test
    void offPolicyTokensEarnLambdaOverOneMinusLambdaSampleTokens() {
        OnPolicyRate half = new OnPolicyRate(0.5);
        assertEquals(0, half.tokensOwed());
        half.trainedOffPolicy(100);
        assertEquals(100, half.tokensOwed()); // 0.5 / 0.5 = 1 per token

        OnPolicyRate quarter = new OnPolicyRate(0.25);
        quarter.trainedOffPolicy(300);
        assertEquals(100, quarter.tokensOwed()); // 0.25 / 0.75 = 1/3 per token
    }

    @Test
    void producedTokensSpendTheDebtAndStaleOnesAreOwedAgain() {
        OnPolicyRate rate = new OnPolicyRate(0.5);
        rate.trainedOffPolicy(100);
        rate.produced(60);
        assertEquals(40, rate.tokensOwed());
        rate.produced(70); // a sample overshoots: nothing owed, never negative
        assertEquals(0, rate.tokensOwed());
        rate.givenBack(70); // that sample came back stale
        assertEquals(40, rate.tokensOwed());
    }

    @Test
    void inSteadyStateTheTrainedShareIsLambda() {
        // Every produced token comes back and is trained: the trained share converges to lambda.
        double lambda = 0.3;
        OnPolicyRate rate = new OnPolicyRate(lambda);
        long on = 0;
        long off = 0;
        for (int step = 0; step < 1000; step++) {
            rate.trainedOffPolicy(64);
            off += 64;
            long owed = rate.tokensOwed();
            long batch = Math.min(owed, 50); // samples of at most 50 tokens, one per step
            rate.produced(batch);
            on += batch;
        }
        assertEquals(lambda, (double) on / (on + off), 0.01);
    }

    @Test
    void lambdaOutsideTheOpenUnitIntervalIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new OnPolicyRate(0));
        assertThrows(IllegalArgumentException.class, () -> new OnPolicyRate(1));
        assertThrows(IllegalArgumentException.class, () -> new OnPolicyRate(Double.NaN));
    }
}
