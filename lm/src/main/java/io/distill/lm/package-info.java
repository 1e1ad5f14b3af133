/**
 * The language model shared by teacher and student, one package per concept:
 *
 * <ul>
 *   <li>{@code tokenize}: tokenizers ({@link io.distill.lm.tokenize.ByteTokenizer}: bytes plus BOS/EOS/PAD, 259 ids,
 *       id {@code byte-v1} and a checksum).
 *   <li>{@code model}: {@link io.distill.lm.model.LmConfig} and {@link io.distill.lm.model.Gpt}, the decoder-only
 *       transformer as DJL blocks; {@link io.distill.lm.model.Precision} and the {@link
 *       io.distill.lm.model.ComputeKernels} its sublayers run in (small TorchScript modules that keep 16-bit
 *       activations inside libtorch, since DJL 0.36 cannot name the bf16 dtype and has no fused attention).
 *   <li>{@code train}: the teacher signal ({@link io.distill.lm.train.SoftTargets}) and the losses ({@link
 *       io.distill.lm.train.DistillationLoss}), pure functions of arrays; {@link io.distill.lm.train.TrainStep}
 *       with AdamW, the learning-rate schedule, clipping and loss scaling; pretraining; magnitude pruning.
 *   <li>{@code artifact}: training checkpoints (weights, AdamW state, the trainer's state with its input offsets)
 *       and inference bundles (fp32, fp16, int8 per-channel), written atomically with a sha256 manifest, verified
 *       and loaded back.
 *   <li>{@code eval}: bits per byte, teacher/student comparison, generation.
 *   <li>this package: JSON, sha256, the one zip writer ({@link io.distill.lm.StoredZip}), the clock format of
 *       progress lines ({@link io.distill.lm.Durations}) and the two libtorch helpers every package needs ({@link io.distill.lm.Autograd}
 *       for grad mode and gradients, {@link io.distill.lm.InPlace} for in-place copies).
 * </ul>
 *
 * <p>Native memory rules that every caller must follow with DJL's PyTorch engine:
 *
 * <ul>
 *   <li>An op's result belongs to the manager of its receiver ({@code a.op(b)} goes to {@code a}'s manager). Ops
 *       whose receiver is a parameter, a parameter's gradient ({@code getGradient()} returns a new handle each
 *       call) or optimizer state land in the long-lived model manager and leak every step unless attached to a
 *       short-lived scope or closed.
 *   <li>Gradients accumulate across {@code backward} calls; nothing zeroes them but {@link
 *       io.distill.lm#zeroGradients}.
 *   <li>PyTorch's grad mode is per thread and on by default on every thread except the one that loaded the engine:
 *       run inference inside {@link io.distill.lm#noGrad()}.
 *   <li>One {@code GradientCollector} may be open per process.
 * </ul>
 */
package io.distill.lm;
