package io.distill.cli.demo;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The demo's report: a self-contained {@code report.html} with the learning curves and throughput drawn by
 * JFreeChart as PNGs embedded in the page, and the summary table, so it opens anywhere without other files.
 */
public final class DemoReport {
    private static final int WIDTH = 900;
    private static final int HEIGHT = 420;

    private DemoReport() {}

    /** A row of the summary table: what is measured, then the teacher's and the student's value. */
    public record Row(String metric, String teacher, String student) {}

    public static void write(Path html, String title, List<DemoSample> samples, List<Row> summary) throws IOException {
        StringBuilder page = new StringBuilder()
                .append("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>")
                .append(escape(title))
                .append("</title>\n<style>body{font-family:sans-serif;max-width:960px;margin:2em auto;color:#222}")
                .append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}")
                .append("th:first-child,td:first-child{text-align:left}</style></head><body>\n<h1>")
                .append(escape(title))
                .append("</h1>\n<h2>Summary</h2>\n<table><tr><th></th><th>teacher</th><th>student</th></tr>\n");
        for (Row row : summary) {
            page.append("<tr><td>")
                    .append(escape(row.metric()))
                    .append("</td><td>")
                    .append(escape(row.teacher()))
                    .append("</td><td>")
                    .append(escape(row.student()))
                    .append("</td></tr>\n");
        }
        page.append("</table>\n<h2>Learning curves</h2>\n")
                .append(image(learningCurves(samples), "learning curves"))
                .append("\n<h2>Throughput</h2>\n")
                .append(image(throughput(samples), "throughput"))
                .append("\n</body></html>\n");
        Files.createDirectories(html.toAbsolutePath().getParent());
        Files.writeString(html, page, StandardCharsets.UTF_8);
    }

    /** Student KD, CE and holdout bits/byte against tokens trained, with the teacher's level as reference. */
    static JFreeChart learningCurves(List<DemoSample> samples) {
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(series("student KD loss (nats)", samples, DemoSample::studentTokens, DemoSample::kdLoss));
        data.addSeries(series("student CE loss (nats)", samples, DemoSample::studentTokens, DemoSample::ceLoss));
        data.addSeries(series(
                "student holdout bits/byte", samples, DemoSample::studentTokens, DemoSample::studentBitsPerByte));
        data.addSeries(series(
                "teacher holdout bits/byte", samples, DemoSample::studentTokens, DemoSample::teacherBitsPerByte));
        JFreeChart chart = ChartFactory.createXYLineChart(
                "Student learning from the teacher",
                "tokens trained",
                "loss",
                data,
                PlotOrientation.VERTICAL,
                true,
                false,
                false);
        XYLineAndShapeRenderer renderer = renderer(chart);
        renderer.setSeriesStroke(
                3, new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[] {8f, 6f}, 0f));
        renderer.setSeriesPaint(3, Color.GRAY);
        return chart;
    }

    static JFreeChart throughput(List<DemoSample> samples) {
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(series("teacher tokens/s", samples, DemoSample::seconds, DemoSample::teacherTokensPerSecond));
        data.addSeries(series("trainer tokens/s", samples, DemoSample::seconds, DemoSample::trainerTokensPerSecond));
        JFreeChart chart = ChartFactory.createXYLineChart(
                "Throughput", "seconds", "tokens/s", data, PlotOrientation.VERTICAL, true, false, false);
        renderer(chart);
        return chart;
    }

    private static XYLineAndShapeRenderer renderer(JFreeChart chart) {
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < plot.getDataset().getSeriesCount(); i++) {
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        plot.setRenderer(renderer);
        return renderer;
    }

    /** The finite points of one curve; missing readings (NaN) leave gaps rather than zeros. */
    private static XYSeries series(
            String name, List<DemoSample> samples, ToDoubleFunction<DemoSample> x, ToDoubleFunction<DemoSample> y) {
        XYSeries series = new XYSeries(name, true, true);
        for (DemoSample s : samples) {
            double value = y.applyAsDouble(s);
            if (Double.isFinite(value)) {
                series.addOrUpdate(x.applyAsDouble(s), value);
            }
        }
        return series;
    }

    private static String image(JFreeChart chart, String alt) throws IOException {
        BufferedImage image = chart.createBufferedImage(WIDTH, HEIGHT);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(image, "png", png);
        return "<img alt=\"" + alt + "\" src=\"data:image/png;base64,"
                + Base64.getEncoder().encodeToString(png.toByteArray()) + "\">";
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
