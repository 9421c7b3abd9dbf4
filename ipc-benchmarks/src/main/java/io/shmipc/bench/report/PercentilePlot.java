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
 * Draws latency-by-percentile curves, one per histogram, as a PNG with XChart: the x axis is
 * {@code log10(1 / (1 - p))} (1 is p90, 2 is p99, 3 is p99.9, ...), so the tail gets as much room as the median;
 * the y axis is the round trip in microseconds on a log scale. Works headless.
 */
public final class PercentilePlot
{
    private static final int WIDTH = 1100;
    private static final int HEIGHT = 650;
    private static final int TICKS_PER_HALF_DISTANCE = 5;
    private static final double MAX_X = 6; // 99.9999%
    private static final String X_TITLE =
        "percentile, as log10(1 / (1 - p)):  0 = p0, 1 = p90, 2 = p99, 3 = p99.9, 4 = p99.99, 5 = p99.999, " +
        "6 = p99.9999";

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
            .xAxisTitle(X_TITLE).yAxisTitle("round trip (microseconds)").build();
        chart.getStyler().setYAxisLogarithmic(true).setLegendPosition(Styler.LegendPosition.InsideNW)
            .setMarkerSize(0);
        chart.getStyler().setXAxisMin(0.0).setXAxisMax(MAX_X);
        // one tick per decade of 1 / (1 - p). (XChart 3.8.8's custom tick formatter never returns on this axis,
        // so the axis title spells out which percentile each tick is.)
        chart.getStyler().setXAxisTickMarkSpacingHint(WIDTH / 8).setXAxisDecimalPattern("0");
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
                final double position = Math.log10(1.0 / (1.0 - percentile / 100.0));
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

}
