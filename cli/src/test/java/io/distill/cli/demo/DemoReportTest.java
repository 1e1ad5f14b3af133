package io.distill.cli.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoReportTest {

    @Test
    void writesAPageWithTwoRealChartsAndTheTable(@TempDir Path dir) throws Exception {
        System.setProperty("java.awt.headless", "true");
        List<DemoSample> samples = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            double bits = 4.0 - i * 0.1;
            samples.add(new DemoSample(
                    i * 5, i * 10_000L, 3 - i * 0.1, 2.5 - i * 0.05, i < 3 ? Double.NaN : bits, 1.9, 2500, 9000));
        }
        Path html = dir.resolve("report.html");

        DemoReport.write(
                html, "distill demo <test>", samples, List.of(new DemoReport.Row("parameters", "14.4M", "1.06M")));

        String page = Files.readString(html, StandardCharsets.UTF_8);
        assertTrue(page.contains("distill demo &lt;test&gt;"), "titles are escaped");
        assertTrue(page.contains("<td>14.4M</td><td>1.06M</td>"), page);
        Matcher png = Pattern.compile("data:image/png;base64,([A-Za-z0-9+/=]+)").matcher(page);
        int images = 0;
        while (png.find()) {
            BufferedImage image =
                    ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(png.group(1))));
            assertNotNull(image);
            assertEquals(900, image.getWidth());
            assertTrue(distinctColours(image) > 5, "a chart has lines, text and axes, not a blank image");
            images++;
        }
        assertEquals(2, images);
    }

    private static int distinctColours(BufferedImage image) {
        Set<Integer> colours = new HashSet<>();
        for (int x = 0; x < image.getWidth(); x += 7) {
            for (int y = 0; y < image.getHeight(); y += 7) {
                colours.add(image.getRGB(x, y));
            }
        }
        return colours.size();
    }
}
