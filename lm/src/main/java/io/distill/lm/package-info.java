/**
 * The language model shared by teacher and student.
 *
 * <ul>
 *   <li>{@link io.distill.lm.ByteTokenizer}: bytes plus BOS/EOS/PAD, 259 ids, id {@code byte-v1} and a checksum.
 *   <li>{@link io.distill.lm.LmConfig} and {@link io.distill.lm.Gpt}: a GPT-2 style decoder-only transformer as
 *       DJL blocks.
 *   <li>{@link io.distill.lm.SoftTargets} and {@link io.distill.lm.DistillationLoss}: the teacher signal per codec
 *       and the losses, pure functions of arrays.
 *   <li>{@link io.distill.lm.TrainStep} with {@link io.distill.lm.AdamW}, {@link io.distill.lm.LearningRateSchedule}
 *       and {@link io.distill.lm.GradientClipping}: one optimisation step on a {@link io.distill.lm.Batch}.
 *   <li>{@link io.distill.lm.Precision}, {@link io.distill.lm.PrecisionChoice} and {@link io.distill.lm.LossScaler}:
 *       mixed precision. The attention and MLP sublayers and the output head run in
 *       {@link io.distill.lm.ComputeKernels}: small TorchScript modules ({@link io.distill.lm.TorchScriptKernels})
 *       that keep 16-bit activations inside libtorch, since DJL 0.36 cannot name the bf16 dtype and has no fused
 *       attention.
 *   <li>{@link io.distill.lm.Sampler}: generation.
 *   <li>{@link io.distill.lm.Checkpoint} and {@link io.distill.lm.CheckpointStore}: training checkpoints (weights,
 *       AdamW state, the trainer's {@link io.distill.lm.TrainingState} with its input offsets) written atomically
 *       with a sha256 manifest, found again and restored bit for bit.
 *   <li>{@link io.distill.lm.ModelBundle}: inference bundles in a {@link io.distill.lm.WeightFormat} (fp32, fp16,
 *       int8 per-channel), verified and loaded back as fp32 models; {@link io.distill.lm.BitsPerByte} scores one.
 *   <li>{@link io.distill.lm.MagnitudePruner} with {@link io.distill.lm.SparsitySchedule}: gradual magnitude
 *       pruning of the linear weights, applied by the caller after each training step.
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
 *       io.distill.lm.Autograd#zeroGradients}.
 *   <li>PyTorch's grad mode is per thread and on by default on every thread except the one that loaded the engine:
 *       run inference inside {@link io.distill.lm.Autograd#noGrad()}.
 *   <li>One {@code GradientCollector} may be open per process.
 * </ul>
 */
package io.distill.lm;
