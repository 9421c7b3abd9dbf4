package io.shmipc.bench.report;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Draws latency-by-percentile curves, one per histogram, as a PNG with XChart: the x axis is {@code 1 / (1 - p)} on
 * a log scale, labelled as percentiles (90%, 99%, 99.9%, ...), so the tail gets as much room as the median; the y
 * axis is the round trip in microseconds, also on a log scale. Works headless.
 */
public final class PercentilePlot
{
    private static final int WIDTH = 1100;
    private static final int HEIGHT = 650;
    private static final int TICKS_PER_HALF_DISTANCE = 5;
    private static final double MAX_X = 1e6;

    private PercentilePlot()
    {
    }

    /** Writes the curves of {@code series} (label to nanosecond histogram, in legend order) to {@code png}. */
    public static void write(final String title, final Map<String, Histogram> series, final Path png)
        throws IOException
    {
        if (System.getProperty("java.awt.headless") == null)
        {
            System.setProperty("java.awt.headless", "true");
        }
        final XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
            .xAxisTitle("percentile").yAxisTitle("round trip (microseconds)").build();
        chart.getStyler().setXAxisLogarithmic(true).setYAxisLogarithmic(true)
            .setLegendPosition(Styler.LegendPosition.InsideNW).setMarkerSize(0);
        chart.getStyler().setXAxisLogarithmicDecadeOnly(true);
        chart.getStyler().setXAxisMax(MAX_X);
        chart.setCustomXAxisTickLabelsFormatter(PercentilePlot::percentileLabel);
        for (final Map.Entry<String, Histogram> entry : series.entrySet())
        {
            final List<Double> x = new ArrayList<>();
            final List<Double> y = new ArrayList<>();
            for (final HistogramIterationValue value : entry.getValue().percentiles(TICKS_PER_HALF_DISTANCE))
            {
                final double percentile = value.getPercentileLevelIteratedTo();
                if (percentile >= 100.0)
                {
                    break;
                }
                final double position = 1.0 / (1.0 - percentile / 100.0);
                if (position > MAX_X)
                {
                    break;
                }
                x.add(position);
                y.add(Math.max(value.getValueIteratedTo(), 1) / 1000.0);
            }
            if (!x.isEmpty())
            {
                final XYSeries line = chart.addSeries(entry.getKey(), x, y);
                line.setMarker(SeriesMarkers.NONE);
            }
        }
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static String percentileLabel(final Double position)
    {
        final double percentile = 100.0 * (1.0 - 1.0 / position);
        if (percentile < 1e-9)
        {
            return "0%";
        }
        final String text = String.format("%.6f", percentile).replaceAll("0+$", "").replaceAll("\\.$", "");
        return text + "%";
    }
}
