using PgFusion.Tpch.Generation;
using Xunit;

namespace PgFusion.Tpch.Tests;

public class GeneratorDeterminismTests
{
    internal static Dictionary<TpchTable, ChecksumSink> Checksums(double sf, ulong seed, bool reverseOrder = false)
    {
        var generator = new TpchGenerator(new TpchScale(sf), seed);
        var sinks = Enum.GetValues<TpchTable>().ToDictionary(t => t, _ => new ChecksumSink());
        var steps = new List<Action>
        {
            () => generator.GenerateRegion(sinks[TpchTable.Region]),
            () => generator.GenerateNation(sinks[TpchTable.Nation]),
            () => generator.GenerateSupplier(sinks[TpchTable.Supplier]),
            () => generator.GenerateCustomer(sinks[TpchTable.Customer]),
            () => generator.GeneratePartAndPartSupp(sinks[TpchTable.Part], sinks[TpchTable.PartSupp]),
            () => generator.GenerateOrdersAndLineItem(sinks[TpchTable.Orders], sinks[TpchTable.LineItem]),
        };
        if (reverseOrder)
            steps.Reverse();
        foreach (var step in steps)
            step();
        return sinks;
    }

    [Fact]
    public void Same_scale_factor_and_seed_give_identical_checksums_for_every_table()
    {
        var first = Checksums(0.01, seed: 7);
        // A different generation order (as the parallel loader does) must not change any table.
        var second = Checksums(0.01, seed: 7, reverseOrder: true);
        foreach (var table in Enum.GetValues<TpchTable>())
        {
            Assert.Equal(first[table].Rows, second[table].Rows);
            Assert.True(first[table].Checksum == second[table].Checksum, $"{table} checksum differs between runs");
        }
    }

    [Fact]
    public void A_different_seed_gives_different_data_but_the_same_fixed_sizes()
    {
        var a = Checksums(0.01, seed: 1);
        var b = Checksums(0.01, seed: 2);
        foreach (var table in new[] { TpchTable.Supplier, TpchTable.Customer, TpchTable.Part, TpchTable.PartSupp, TpchTable.Orders })
        {
            Assert.Equal(a[table].Rows, b[table].Rows);
            Assert.NotEqual(a[table].Checksum, b[table].Checksum);
        }
        Assert.NotEqual(a[TpchTable.LineItem].Checksum, b[TpchTable.LineItem].Checksum);
    }

    [Theory]
    [InlineData(0.01, 100, 2_000, 1_500, 15_000)]
    [InlineData(0.1, 1_000, 20_000, 15_000, 150_000)]
    [InlineData(1, 10_000, 200_000, 150_000, 1_500_000)]
    [InlineData(10, 100_000, 2_000_000, 1_500_000, 15_000_000)]
    public void Row_counts_per_scale_factor_follow_the_spec(double sf, long suppliers, long parts, long customers, long orders)
    {
        var scale = new TpchScale(sf);
        Assert.Equal(suppliers, scale.Suppliers);
        Assert.Equal(parts, scale.Parts);
        Assert.Equal(parts * 4, scale.PartSupps);
        Assert.Equal(customers, scale.Customers);
        Assert.Equal(orders, scale.Orders);
    }

    [Fact]
    public void Generated_row_counts_match_the_scale()
    {
        var sums = Checksums(0.1, seed: 0);
        Assert.Equal(5, sums[TpchTable.Region].Rows);
        Assert.Equal(25, sums[TpchTable.Nation].Rows);
        Assert.Equal(1_000, sums[TpchTable.Supplier].Rows);
        Assert.Equal(15_000, sums[TpchTable.Customer].Rows);
        Assert.Equal(20_000, sums[TpchTable.Part].Rows);
        Assert.Equal(80_000, sums[TpchTable.PartSupp].Rows);
        Assert.Equal(150_000, sums[TpchTable.Orders].Rows);
        // 1..7 lines per order, mean 4: 600,000 give or take a few thousand.
        Assert.InRange(sums[TpchTable.LineItem].Rows, 594_000, 606_000);
    }
}
