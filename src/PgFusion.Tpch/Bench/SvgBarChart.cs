using System.Globalization;
using System.Net;
using System.Text;

namespace PgFusion.Tpch.Bench;

/// <summary>
/// A hand-written SVG bar chart with a log-scale value axis: one bar per label. With a baseline
/// (1.0 for speedups) bars grow up from it when above and down when below, so "slower" reads at a glance.
/// </summary>
public static class SvgBarChart
{
    private const int Left = 70, Right = 20, Top = 40, Bottom = 50, BarSlot = 34, PlotHeight = 300;

    public static string Render(string title, string axisLabel, IReadOnlyList<(string Label, double Value)> bars, double? baseline)
    {
        var values = bars.Select(b => b.Value).Where(v => v > 0 && double.IsFinite(v)).ToList();
        if (baseline is { } b0)
            values.Add(b0);
        var lowDecade = values.Count == 0 ? 0 : (int)Math.Floor(Math.Log10(values.Min()));
        var highDecade = values.Count == 0 ? 1 : (int)Math.Ceiling(Math.Log10(values.Max()));
        if (highDecade == lowDecade)
            highDecade++;
        var width = Left + Right + BarSlot * Math.Max(1, bars.Count);
        var height = Top + PlotHeight + Bottom;
        double Y(double v) => Top + PlotHeight * (highDecade - Math.Log10(v)) / (highDecade - lowDecade);

        var svg = new StringBuilder();
        svg.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"11\">\n"));
        svg.Append(Invariant($"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n"));
        svg.Append(Invariant($"<text x=\"{width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">{Escape(title)}</text>\n"));
        svg.Append(Invariant($"<text transform=\"translate(16,{Top + PlotHeight / 2}) rotate(-90)\" text-anchor=\"middle\">{Escape(axisLabel)} (log scale)</text>\n"));

        // Grid: a line at every decade, lighter ones at 2x and 5x.
        for (var d = lowDecade; d <= highDecade; d++)
        {
            foreach (var m in d == highDecade ? new[] { 1 } : new[] { 1, 2, 5 })
            {
                var v = m * Math.Pow(10, d);
                var y = Y(v);
                var stroke = m == 1 ? "#999" : "#ddd";
                svg.Append(Invariant($"<line x1=\"{Left}\" x2=\"{width - Right}\" y1=\"{y:F1}\" y2=\"{y:F1}\" stroke=\"{stroke}\"/>\n"));
                svg.Append(Invariant($"<text x=\"{Left - 6}\" y=\"{y + 4:F1}\" text-anchor=\"end\">{FormatTick(v)}</text>\n"));
            }
        }

        var axisBottom = Top + PlotHeight;
        for (var i = 0; i < bars.Count; i++)
        {
            var (label, value) = bars[i];
            var x = Left + i * BarSlot + 5;
            var w = BarSlot - 10;
            if (value > 0 && double.IsFinite(value))
            {
                var from = baseline is { } b ? Y(b) : axisBottom;
                var to = Y(value);
                var (y, h) = to < from ? (to, from - to) : (from, to - from);
                var color = baseline is { } b2 && value < b2 ? "#d9534f" : "#4a7ebb";
                svg.Append(Invariant($"<rect x=\"{x}\" y=\"{y:F1}\" width=\"{w}\" height=\"{Math.Max(1, h):F1}\" fill=\"{color}\"><title>{Escape(label)}: {value:G4}</title></rect>\n"));
                var labelY = to < from ? y - 3 : y + h + 11;
                svg.Append(Invariant($"<text x=\"{x + w / 2.0:F1}\" y=\"{labelY:F1}\" text-anchor=\"middle\" font-size=\"9\">{FormatValue(value)}</text>\n"));
            }
            svg.Append(Invariant($"<text x=\"{x + w / 2.0:F1}\" y=\"{axisBottom + 16}\" text-anchor=\"middle\">{Escape(label)}</text>\n"));
        }
        if (baseline is { } line)
            svg.Append(Invariant($"<line x1=\"{Left}\" x2=\"{width - Right}\" y1=\"{Y(line):F1}\" y2=\"{Y(line):F1}\" stroke=\"black\" stroke-width=\"1.5\"/>\n"));
        svg.Append(Invariant($"<line x1=\"{Left}\" x2=\"{Left}\" y1=\"{Top}\" y2=\"{axisBottom}\" stroke=\"black\"/>\n"));
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static string FormatTick(double v) => v >= 1 ? v.ToString("0", CultureInfo.InvariantCulture) : v.ToString("0.###", CultureInfo.InvariantCulture);

    private static string FormatValue(double v) => v >= 100 ? v.ToString("0", CultureInfo.InvariantCulture) : v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Escape(string s) => WebUtility.HtmlEncode(s);

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
