package io.distill.lm.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The kernel modules' source: a forward binding one function's constants, dtype names turned into codes. */
class KernelSourceTest {

    @Test
    void forwardPassesPresentTensorsNoneForAbsentOnesAndTheBoundConstants() {
        KernelSource k = new KernelSource(
                "mlp", Arrays.asList("x", "w_fc", null, "w_proj", null), List.of("swiglu", ScalarType.BFLOAT16));

        assertEquals("mlp_none_none_swiglu_bfloat16", k.className());
        String forward = k.source().lines().findFirst().orElseThrow();
        assertEquals(
                "  def forward(self: __torch__.mlp_none_none_swiglu_bfloat16, x: Tensor, w_fc: Tensor, w_proj: Tensor)"
                        + " -> Tensor:",
                forward);
        assertTrue(
                k.source().contains("return torch.to(__torch__.mlp(x, w_fc, None, w_proj, None, \"swiglu\", 15), 6)"),
                k.source());
    }

    @Test
    void everyDtypeNameInTheKernelsIsResolved() {
        String source = new KernelSource("linear", List.of("x", "w"), List.of(ScalarType.FLOAT32)).source();

        assertFalse(
                Pattern.compile("torch\\.(float|bfloat|int|bool|half|double|long)")
                        .matcher(source)
                        .find(),
                "a dtype name the archive loader cannot read is left in:\n" + source);
        assertTrue(source.contains("def attention(") && source.contains("def mlp(") && source.contains("def rope("));
    }

    @Test
    void namesResolveToTorchScriptsCodesAndOnlyWholeNames() {
        assertEquals(
                "torch.to(x, 15); torch.to(y, 6); dtype=11; torch.float32x",
                ScalarType.resolveNames("torch.to(x, torch.bfloat16); torch.to(y, torch.float32); dtype=torch.bool;"
                        + " torch.float32x"));
    }

    @Test
    void refusesConstantsItCannotWrite() {
        assertThrows(IllegalArgumentException.class, () -> new KernelSource("linear", List.of("x"), List.of(1.5)));
    }
}
