using System.Xml.Linq;
using OfflineSafety.Pipeline.Reports;

namespace OfflineSafety.Pipeline.Tests.Reports;

public class SvgLinePlotTests
{
    [Fact]
    public void Renders_well_formed_svg_with_one_polyline_per_series_and_a_legend()
    {
        var plot = new SvgLinePlot("AUC <held-out>", "adaptation steps", "AUC")
            .Add(new PlotSeries("mesa", [0, 1, 5, 10], [0.7, 0.8, 0.85, 0.9], [0.01, 0.02, 0.01, 0.01]))
            .Add(new PlotSeries("multitask", [0, 1, 5, 10], [0.6, 0.65, double.NaN, 0.8]));

        var doc = XDocument.Parse(plot.Render());
        XNamespace ns = "http://www.w3.org/2000/svg";
        var lines = doc.Descendants(ns + "polyline").ToArray();
        Assert.Equal(2, lines.Length);
        // The NaN point is dropped, not drawn at a bogus coordinate.
        Assert.Equal(4, lines[0].Attribute("points")!.Value.Split(' ').Length);
        Assert.Equal(3, lines[1].Attribute("points")!.Value.Split(' ').Length);
        Assert.Single(doc.Descendants(ns + "polygon"));
        var texts = doc.Descendants(ns + "text").Select(t => t.Value).ToArray();
        Assert.Contains("AUC <held-out>", texts);
        Assert.Contains("mesa", texts);
        Assert.Contains("multitask", texts);
    }

    [Fact]
    public void Higher_values_are_drawn_higher_on_the_page()
    {
        var svg = new SvgLinePlot("t", "x", "y").Add(new PlotSeries("s", [0, 1], [0.0, 1.0])).Render();
        var points = XDocument.Parse(svg).Descendants().First(e => e.Name.LocalName == "polyline").Attribute("points")!.Value
            .Split(' ').Select(p => p.Split(',').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToArray();
        Assert.True(points[1][1] < points[0][1]);
        Assert.True(points[1][0] > points[0][0]);
    }

    [Theory]
    [InlineData(0.0, 1.0, 0.0, 1.0)]
    [InlineData(0.53, 0.91, 0.5, 1.0)]
    [InlineData(0, 100, 0, 100)]
    public void Ticks_cover_the_range_on_round_numbers(double min, double max, double first, double last)
    {
        var ticks = SvgLinePlot.NiceTicks(min, max);
        Assert.Equal(first, ticks[0], 9);
        Assert.Equal(last, ticks[^1], 9);
        Assert.InRange(ticks.Length, 3, 12);
    }
}
