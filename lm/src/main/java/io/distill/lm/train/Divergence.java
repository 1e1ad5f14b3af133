package io.distill.lm.train;

import ai.djl.ndarray.NDArray;
import java.util.Locale;

/**
 * Which divergence between the teacher's distribution p and the student's q the distillation term is, as a pure
 * function of arrays. Each is a sum over outcomes x of a term in (p(x), q(x)), so a codec that coarsens the
 * vocabulary (top-k with its tail bucket) applies the same terms to its coarser outcomes:
 *
 * <pre>
 * forward-kl   KL(p || q)                       = sum p (log p - log q)                 (Hinton et al. 2015)
 * reverse-kl   KL(q || p)                       = sum q (log q - log p)                 (MiniLLM, Gu et al. 2024)
 * skew-kl:a    KL(p || m), m = a p + (1 - a) q  = sum p (log p - log m)                 (DistiLLM, Ko et al. 2024)
 * jsd:b        b KL(p || m) + (1 - b) KL(q || m), m = b p + (1 - b) q                   (GKD, Agarwal et al. 2024)
 * </pre>
 *
 * jsd:0 is forward-kl and jsd:1 is reverse-kl, TRL's {@code GKDTrainer.generalized_jsd_loss} convention (the
 * formula itself tends to 0 at both ends, so the ends are defined as the two KLs). skew-kl:0 is forward-kl; skew-kl:1
 * compares p with itself and is refused.
 */
public sealed interface Divergence {

    /** The default, and the only one before divergences could be chosen. */
    Divergence FORWARD_KL = new ForwardKl();

    /** As the command line writes it: {@code forward-kl}, {@code reverse-kl}, {@code skew-kl:0.1}, {@code jsd:0.5}. */
    String spec();

    /**
     * Per-outcome terms, elementwise over arrays of any one shape: the teacher's probabilities {@code p} and their
     * logs {@code logP}, the student's {@code q} and {@code logQ}. Summed over the outcomes of a position they give the
     * divergence. {@code p} may be 0 where {@code logP} is only a finite floor (a term weighted by p is then 0).
     * When {@link #linearInTeacher()}, {@code q} is not read and may be null, which spares a (B, T, V) exp.
     */
    NDArray terms(NDArray p, NDArray logP, NDArray q, NDArray logQ);

    /**
     * True when the divergence is linear in p, so that draws from p estimate it without p's values: only then can the
     * sampled codec, which carries weights of draws and not the teacher's probability of every id, train it.
     */
    default boolean linearInTeacher() {
        return this instanceof ForwardKl;
    }

    /**
     * Parses {@code forward-kl}, {@code reverse-kl}, {@code skew-kl:A} (A in [0, 1)) or {@code jsd:B} (B in [0, 1]).
     *
     * @throws IllegalArgumentException with a one-line reason for anything else
     */
    static Divergence parse(String spec) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        int colon = s.indexOf(':');
        String kind = colon < 0 ? s : s.substring(0, colon);
        String arg = colon < 0 ? null : s.substring(colon + 1);
        switch (kind) {
            case "forward-kl", "reverse-kl" -> {
                if (arg != null) {
                    throw new IllegalArgumentException("loss '" + spec + "': " + kind + " takes no parameter");
                }
                return kind.equals("forward-kl") ? FORWARD_KL : new ReverseKl();
            }
            case "skew-kl", "jsd" -> {
                if (arg == null) {
                    throw new IllegalArgumentException(
                            "loss '" + spec + "': " + kind + " needs its weight, e.g. " + kind + ":0.1");
                }
                float w;
                try {
                    w = Float.parseFloat(arg);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("loss '" + spec + "': '" + arg + "' is not a number");
                }
                return kind.equals("jsd") ? new Jsd(w) : new SkewKl(w);
            }
            default ->
                throw new IllegalArgumentException(
                        "loss '" + spec + "' is not forward-kl, reverse-kl, skew-kl:A or jsd:B");
        }
    }

    /** KL(p || q): mode-covering; the student pays where the teacher has mass it lacks. */
    record ForwardKl() implements Divergence {
        @Override
        public String spec() {
            return "forward-kl";
        }

        @Override
        public NDArray terms(NDArray p, NDArray logP, NDArray q, NDArray logQ) {
            return p.mul(logP.sub(logQ));
        }
    }

    /** KL(q || p): mode-seeking; the student pays where it puts mass the teacher does not (MiniLLM). */
    record ReverseKl() implements Divergence {
        @Override
        public String spec() {
            return "reverse-kl";
        }

        @Override
        public NDArray terms(NDArray p, NDArray logP, NDArray q, NDArray logQ) {
            return q.mul(logQ.sub(logP));
        }
    }

    /**
     * DistiLLM's skew forward KL, KL(p || alpha p + (1 - alpha) q) (Ko et al., ICML 2024; their default alpha
     * is 0.1). Mixing some of p into the student's side keeps the log finite where q is tiny, which bounds the
     * gradient. This alpha is not the weight of the distillation term ({@code --alpha}).
     */
    record SkewKl(float alpha) implements Divergence {
        public SkewKl {
            if (!(alpha >= 0f && alpha < 1f)) {
                throw new IllegalArgumentException(
                        "skew-kl:A needs A in [0, 1) (at 1 it compares the teacher with itself), got " + alpha);
            }
        }

        @Override
        public String spec() {
            return "skew-kl:" + alpha;
        }

        @Override
        public boolean linearInTeacher() {
            return alpha == 0f;
        }

        @Override
        public NDArray terms(NDArray p, NDArray logP, NDArray q, NDArray logQ) {
            if (alpha == 0f) {
                return FORWARD_KL.terms(p, logP, q, logQ);
            }
            return p.mul(logP.sub(logMixture(logP, logQ, alpha)));
        }
    }

    /**
     * GKD's generalized Jensen-Shannon divergence, beta KL(p || m) + (1 - beta) KL(q || m) with m = beta p + (1 -
     * beta) q (Agarwal et al., ICLR 2024; TRL {@code generalized_jsd_loss}, p the teacher, q the student). jsd:0 is
     * forward KL, jsd:1 reverse KL, jsd:0.5 the symmetric Jensen-Shannon divergence (at most ln 2).
     */
    record Jsd(float beta) implements Divergence {
        public Jsd {
            if (!(beta >= 0f && beta <= 1f)) {
                throw new IllegalArgumentException("jsd:B needs B in [0, 1], got " + beta);
            }
        }

        @Override
        public String spec() {
            return "jsd:" + beta;
        }

        @Override
        public boolean linearInTeacher() {
            return beta == 0f;
        }

        @Override
        public NDArray terms(NDArray p, NDArray logP, NDArray q, NDArray logQ) {
            if (beta == 0f) {
                return FORWARD_KL.terms(p, logP, q, logQ);
            }
            if (beta == 1f) {
                return new ReverseKl().terms(p, logP, q, logQ);
            }
            NDArray logM = logMixture(logP, logQ, beta);
            return p.mul(logP.sub(logM)).mul(beta).add(q.mul(logQ.sub(logM)).mul(1f - beta));
        }
    }

    /**
     * log(w p + (1 - w) q) from the logs, as log-sum-exp: finite wherever log q is, even where p and q underflow to 0
     * in fp32, for w in [0, 1).
     */
    private static NDArray logMixture(NDArray logP, NDArray logQ, float w) {
        NDArray a = logP.add((float) Math.log(w)); // log(w p); -inf at w = 0 adds exp(-inf) = 0 below
        NDArray b = logQ.add((float) Math.log1p(-w)); // log((1 - w) q)
        NDArray hi = a.maximum(b);
        return hi.add(a.sub(hi).exp().add(b.sub(hi).exp()).log());
    }
}
