namespace PgFusion.Tpch.Generation;

public sealed partial class TpchGenerator
{
    /// <summary>PART and its four PARTSUPP rows per part (4.2.3).</summary>
    public void GeneratePartAndPartSupp(IRowSink part, IRowSink partSupp)
    {
        var random = Stream(TpchTable.Part);
        var psRandom = Stream(TpchTable.PartSupp);
        Span<int> colors = stackalloc int[5];
        for (var key = 1L; key <= Scale.Parts; key++)
        {
            var m = random.Uniform(1, 5);
            var n = random.Uniform(1, 5);
            part.BeginRow();
            part.Integer((int)key);
            part.Text(PartName(random, colors));
            part.Text($"Manufacturer#{m}");
            part.Text($"Brand#{m}{n}");
            part.Text($"{Pick(random, TpchDistributions.TypeSyllable1)} {Pick(random, TpchDistributions.TypeSyllable2)} {Pick(random, TpchDistributions.TypeSyllable3)}");
            part.Integer(random.Uniform(1, 50));
            part.Text($"{Pick(random, TpchDistributions.ContainerSyllable1)} {Pick(random, TpchDistributions.ContainerSyllable2)}");
            part.Money(RetailPrice(key));
            part.Text(_pool.Text(random, 5, 22));

            for (var i = 0; i < 4; i++)
            {
                partSupp.BeginRow();
                partSupp.Integer((int)key);
                partSupp.Integer((int)Scale.SupplierOfPart(key, i));
                partSupp.Integer(psRandom.Uniform(1, 9_999));
                partSupp.Money(psRandom.Uniform(100L, 100_000L));
                partSupp.Text(_pool.Text(psRandom, 49, 198));
            }
        }
    }

    /// <summary>P_NAME: five distinct colours, separated by single spaces.</summary>
    private static string PartName(TpchRandom random, Span<int> picked)
    {
        var colors = TpchDistributions.Colors;
        for (var i = 0; i < picked.Length; i++)
        {
            int c;
            do
                c = random.Uniform(0, colors.Length - 1);
            while (picked[..i].Contains(c));
            picked[i] = c;
        }
        return $"{colors[picked[0]]} {colors[picked[1]]} {colors[picked[2]]} {colors[picked[3]]} {colors[picked[4]]}";
    }
}
