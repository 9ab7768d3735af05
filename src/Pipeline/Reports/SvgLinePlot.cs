using System.Globalization;
using System.Net;
using System.Text;

namespace OfflineSafety.Pipeline.Reports;

/// <summary>One curve: points in data units, with an optional symmetric error band (e.g. standard error).</summary>
public sealed record PlotSeries(string Label, IReadOnlyList<double> X, IReadOnlyList<double> Y, IReadOnlyList<double>? Error = null);

/// <summary>
/// A small dependency-free SVG line chart: axes with nice ticks, one coloured polyline per series,
/// shaded error bands and a legend. Enough for report figures; not a plotting library.
/// </summary>
public sealed class SvgLinePlot
{
    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];
    private readonly List<PlotSeries> _series = [];

    public SvgLinePlot(string title, string xLabel, string yLabel, int width = 640, int height = 400)
    {
        Title = title;
        XLabel = xLabel;
        YLabel = yLabel;
        Width = width;
        Height = height;
    }

    public string Title { get; }
    public string XLabel { get; }
    public string YLabel { get; }
    public int Width { get; }
    public int Height { get; }

    public SvgLinePlot Add(PlotSeries series)
    {
        if (series.X.Count != series.Y.Count) throw new ArgumentException($"series '{series.Label}' has {series.X.Count} x values and {series.Y.Count} y values");
        if (series.Error is not null && series.Error.Count != series.Y.Count) throw new ArgumentException($"series '{series.Label}' has {series.Error.Count} error values for {series.Y.Count} points");
        _series.Add(series);
        return this;
    }

    public string Render()
    {
        const double left = 64, right = 150, top = 36, bottom = 52;
        double plotW = Width - left - right, plotH = Height - top - bottom;
        var finite = _series.SelectMany(s => s.Y.Select((y, i) => (s.X[i], y, s.Error?[i] ?? 0)))
            .Where(p => double.IsFinite(p.Item1) && double.IsFinite(p.y)).ToArray();
        double xMin = finite.Length > 0 ? finite.Min(p => p.Item1) : 0, xMax = finite.Length > 0 ? finite.Max(p => p.Item1) : 1;
        double yMin = finite.Length > 0 ? finite.Min(p => p.y - p.Item3) : 0, yMax = finite.Length > 0 ? finite.Max(p => p.y + p.Item3) : 1;
        var xTicks = NiceTicks(xMin, xMax);
        var yTicks = NiceTicks(yMin, yMax);
        xMin = Math.Min(xMin, xTicks[0]); xMax = Math.Max(xMax, xTicks[^1]);
        yMin = Math.Min(yMin, yTicks[0]); yMax = Math.Max(yMax, yTicks[^1]);
        double Sx(double x) => left + (xMax > xMin ? (x - xMin) / (xMax - xMin) : 0.5) * plotW;
        double Sy(double y) => top + plotH - (yMax > yMin ? (y - yMin) / (yMax - yMin) : 0.5) * plotH;

        var svg = new StringBuilder();
        svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n");
        svg.Append($"<text x=\"{F(left + plotW / 2)}\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">{Escape(Title)}</text>\n");
        foreach (double t in xTicks)
        {
            svg.Append($"<line x1=\"{F(Sx(t))}\" y1=\"{F(top)}\" x2=\"{F(Sx(t))}\" y2=\"{F(top + plotH)}\" stroke=\"#eee\"/>\n");
            svg.Append($"<text x=\"{F(Sx(t))}\" y=\"{F(top + plotH + 16)}\" text-anchor=\"middle\">{F(t)}</text>\n");
        }
        foreach (double t in yTicks)
        {
            svg.Append($"<line x1=\"{F(left)}\" y1=\"{F(Sy(t))}\" x2=\"{F(left + plotW)}\" y2=\"{F(Sy(t))}\" stroke=\"#eee\"/>\n");
            svg.Append($"<text x=\"{F(left - 6)}\" y=\"{F(Sy(t) + 4)}\" text-anchor=\"end\">{F(t)}</text>\n");
        }
        svg.Append($"<rect x=\"{F(left)}\" y=\"{F(top)}\" width=\"{F(plotW)}\" height=\"{F(plotH)}\" fill=\"none\" stroke=\"#333\"/>\n");
        svg.Append($"<text x=\"{F(left + plotW / 2)}\" y=\"{F(Height - 12)}\" text-anchor=\"middle\">{Escape(XLabel)}</text>\n");
        svg.Append($"<text transform=\"translate(16 {F(top + plotH / 2)}) rotate(-90)\" text-anchor=\"middle\">{Escape(YLabel)}</text>\n");

        for (int s = 0; s < _series.Count; s++)
        {
            var series = _series[s];
            string colour = Palette[s % Palette.Length];
            var points = Enumerable.Range(0, series.X.Count).Where(i => double.IsFinite(series.X[i]) && double.IsFinite(series.Y[i])).ToArray();
            if (series.Error is { } err && points.Length > 1)
            {
                var band = points.Select(i => $"{F(Sx(series.X[i]))},{F(Sy(series.Y[i] + err[i]))}")
                    .Concat(points.Reverse().Select(i => $"{F(Sx(series.X[i]))},{F(Sy(series.Y[i] - err[i]))}"));
                svg.Append($"<polygon points=\"{string.Join(' ', band)}\" fill=\"{colour}\" fill-opacity=\"0.15\" stroke=\"none\"/>\n");
            }
            svg.Append($"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{string.Join(' ', points.Select(i => $"{F(Sx(series.X[i]))},{F(Sy(series.Y[i]))}"))}\"/>\n");
            foreach (int i in points)
                svg.Append($"<circle cx=\"{F(Sx(series.X[i]))}\" cy=\"{F(Sy(series.Y[i]))}\" r=\"3\" fill=\"{colour}\"/>\n");
            double ly = top + 10 + 18 * s;
            svg.Append($"<line x1=\"{F(left + plotW + 12)}\" y1=\"{F(ly)}\" x2=\"{F(left + plotW + 32)}\" y2=\"{F(ly)}\" stroke=\"{colour}\" stroke-width=\"2\"/>\n");
            svg.Append($"<text x=\"{F(left + plotW + 38)}\" y=\"{F(ly + 4)}\">{Escape(series.Label)}</text>\n");
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>About five ticks on a 1-2-5 step covering [min, max].</summary>
    internal static double[] NiceTicks(double min, double max)
    {
        if (!(max > min)) { min -= 0.5; max += 0.5; }
        double raw = (max - min) / 5;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1.0, 2.0, 5.0, 10.0 }.Select(m => m * magnitude).First(s => s >= raw);
        double start = Math.Floor(min / step) * step;
        var ticks = new List<double>();
        for (double t = start; t <= max + step * 1e-9; t += step) ticks.Add(Math.Round(t / step) * step);
        if (ticks[^1] < max) ticks.Add(ticks[^1] + step);
        return ticks.ToArray();
    }

    private static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Escape(string s) => WebUtility.HtmlEncode(s);
}
