using FsCheck;
using FsCheck.Fluent;
using PgFusion.Tpch.Generation;
using Xunit;

namespace PgFusion.Tpch.Tests;

/// <summary>The spec's value rules and key relationships (clause 4.2.3), checked on every row of SF 0.01.</summary>
public class GeneratorRulesTests
{
    private static readonly Lazy<Data> s_data = new(() => new Data(0.01, 0));

    private sealed class Data
    {
        public Data(double sf, ulong seed)
        {
            Scale = new TpchScale(sf);
            var g = new TpchGenerator(Scale, seed);
            g.GenerateSupplier(Supplier);
            g.GenerateCustomer(Customer);
            g.GeneratePartAndPartSupp(Part, PartSupp);
            g.GenerateOrdersAndLineItem(Orders, LineItem);
            g.GenerateNation(Nation);
            foreach (var sink in new[] { Supplier, Customer, Part, PartSupp, Orders, LineItem, Nation })
                sink.Close();
        }

        public TpchScale Scale { get; }
        public RecordingSink Supplier { get; } = new();
        public RecordingSink Customer { get; } = new();
        public RecordingSink Part { get; } = new();
        public RecordingSink PartSupp { get; } = new();
        public RecordingSink Orders { get; } = new();
        public RecordingSink LineItem { get; } = new();
        public RecordingSink Nation { get; } = new();
    }

    private static Data D => s_data.Value;

    [Fact]
    public void Every_lineitem_belongs_to_an_order_and_orders_keys_are_sparse()
    {
        var orderKeys = D.Orders.Rows.Select(r => (int)r[0]).ToHashSet();
        Assert.Equal(D.Orders.Rows.Count, orderKeys.Count);
        // Keys are sparse: only the first 8 of every 32 are used (1..7, 32..39, 64..71, ...).
        Assert.All(orderKeys, k => Assert.InRange(k % 32, 0, 7));
        Assert.Equal(TpchScale.OrderKey(D.Scale.Orders), orderKeys.Max());
        Assert.All(D.LineItem.Rows, r => Assert.Contains((int)r[0], orderKeys));
        // Linenumbers run 1..n within an order, n in 1..7.
        foreach (var order in D.LineItem.Rows.GroupBy(r => (int)r[0]))
        {
            var numbers = order.Select(r => (int)r[3]).ToList();
            Assert.InRange(numbers.Count, 1, 7);
            Assert.Equal(Enumerable.Range(1, numbers.Count), numbers);
        }
        Assert.Equal(orderKeys.Count, D.LineItem.Rows.Select(r => (int)r[0]).Distinct().Count());
    }

    [Fact]
    public void Every_part_has_four_distinct_suppliers_and_lineitems_use_partsupp_pairs()
    {
        var pairs = D.PartSupp.Rows.Select(r => ((int)r[0], (int)r[1])).ToHashSet();
        Assert.Equal(D.PartSupp.Rows.Count, pairs.Count);
        foreach (var part in D.PartSupp.Rows.GroupBy(r => (int)r[0]))
            Assert.Equal(4, part.Select(r => (int)r[1]).Distinct().Count());
        Assert.Equal(D.Scale.Parts, D.PartSupp.Rows.Select(r => (int)r[0]).Distinct().Count());
        Assert.All(D.LineItem.Rows, r => Assert.Contains(((int)r[1], (int)r[2]), pairs));
    }

    [Fact]
    public void Supplier_formula_gives_four_distinct_suppliers_in_range_for_any_part()
    {
        double[] scales = [0.01, 0.05, 0.1, 0.3, 1, 3, 10, 100];
        var cases = from s in Gen.Choose(0, scales.Length - 1)
                    from fraction in Gen.Choose(0, 1_000_000)
                    select (Sf: scales[s], Fraction: fraction);
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var scale = new TpchScale(c.Sf);
            var partKey = 1 + (scale.Parts - 1) * c.Fraction / 1_000_000;
            var suppliers = Enumerable.Range(0, 4).Select(i => scale.SupplierOfPart(partKey, i)).ToList();
            return suppliers.Distinct().Count() == 4 && suppliers.All(s => s >= 1 && s <= scale.Suppliers);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Orders_come_from_customers_whose_key_is_not_a_multiple_of_three()
    {
        Assert.All(D.Orders.Rows, r =>
        {
            var cust = (int)r[1];
            Assert.InRange(cust, 1, (int)D.Scale.Customers);
            Assert.NotEqual(0, cust % 3);
        });
        // Every eligible customer is reachable: at SF 0.01 about 1000 customers share 15,000 orders.
        Assert.True(D.Orders.Rows.Select(r => (int)r[1]).Distinct().Count() > 900);
    }

    [Fact]
    public void Dates_flags_and_prices_follow_the_spec()
    {
        var current = TpchGenerator.CurrentDate;
        var orders = D.Orders.Rows.ToDictionary(r => (int)r[0]);
        foreach (var l in D.LineItem.Rows)
        {
            var order = orders[(int)l[0]];
            var orderDate = (DateOnly)order[4];
            var ship = (DateOnly)l[10];
            var commit = (DateOnly)l[11];
            var receipt = (DateOnly)l[12];
            Assert.InRange(ship.DayNumber - orderDate.DayNumber, 1, 121);
            Assert.InRange(commit.DayNumber - orderDate.DayNumber, 30, 90);
            Assert.InRange(receipt.DayNumber - ship.DayNumber, 1, 30);
            var flag = (string)l[8];
            if (receipt <= current)
                Assert.Contains(flag, new[] { "R", "A" });
            else
                Assert.Equal("N", flag);
            Assert.Equal(ship > current ? "O" : "F", (string)l[9]);
            Assert.Equal((long)l[4] / 100 * TpchGenerator.RetailPrice((int)l[1]), (long)l[5]);
            Assert.InRange((long)l[4], 100, 5000);
            Assert.InRange((long)l[6], 0, 10);
            Assert.InRange((long)l[7], 0, 8);
        }
        foreach (var o in D.Orders.Rows)
            Assert.InRange((DateOnly)o[4], new DateOnly(1992, 1, 1), new DateOnly(1998, 8, 2));
        foreach (var group in D.LineItem.Rows.GroupBy(r => (int)r[0]))
        {
            var statuses = group.Select(r => (string)r[9]).Distinct().ToList();
            var expected = statuses.Count == 2 ? "P" : statuses[0];
            Assert.Equal(expected, (string)orders[group.Key][2]);
        }
        // Both return flags R and A occur, and all three order statuses.
        Assert.Equal(3, D.LineItem.Rows.Select(r => (string)r[8]).Distinct().Count());
        Assert.Equal(3, D.Orders.Rows.Select(r => (string)r[2]).Distinct().Count());
    }

    [Fact]
    public void Part_names_brands_and_retail_prices_follow_the_spec()
    {
        Assert.Equal(90_100, TpchGenerator.RetailPrice(1)); // part 1 costs 901.00 in every TPC-H database
        foreach (var p in D.Part.Rows)
        {
            var words = ((string)p[1]).Split(' ');
            Assert.Equal(5, words.Distinct().Count());
            Assert.All(words, w => Assert.Contains(w, TpchDistributions.Colors));
            var mfgr = ((string)p[2])["Manufacturer#".Length..];
            Assert.StartsWith("Brand#" + mfgr, (string)p[3]);
            Assert.Equal(3, ((string)p[4]).Split(' ').Length);
            Assert.InRange((int)p[5], 1, 50);
            Assert.Equal(TpchGenerator.RetailPrice((int)p[0]), (long)p[7]);
            Assert.InRange(((string)p[8]).Length, 5, 22);
        }
    }

    [Fact]
    public void Phones_carry_the_nation_and_balances_stay_in_range()
    {
        foreach (var c in D.Customer.Rows)
        {
            Assert.Equal($"Customer#{(int)c[0]:D9}", (string)c[1]);
            Assert.StartsWith($"{(int)c[3] + 10}-", (string)c[4]);
            Assert.Equal(15, ((string)c[4]).Length);
            Assert.InRange((long)c[5], -99_999, 999_999);
            Assert.Contains((string)c[6], TpchDistributions.Segments);
        }
        Assert.Equal(TpchDistributions.Nations.Select(n => n.Name), D.Nation.Rows.Select(r => (string)r[1]));
    }

    [Fact]
    public void About_five_suppliers_in_ten_thousand_carry_customer_complaints()
    {
        var suppliers = new RecordingSink();
        new TpchGenerator(new TpchScale(1), 0).GenerateSupplier(suppliers);
        suppliers.Close();
        var complaints = suppliers.Rows.Count(r => System.Text.RegularExpressions.Regex.IsMatch((string)r[6], "Customer.*Complaints"));
        var recommends = suppliers.Rows.Count(r => System.Text.RegularExpressions.Regex.IsMatch((string)r[6], "Customer.*Recommends"));
        Assert.InRange(complaints, 1, 15);
        Assert.InRange(recommends, 1, 15);
        Assert.All(suppliers.Rows, r => Assert.InRange(((string)r[6]).Length, 25, 100));
    }

    [Fact]
    public void Comments_contain_the_words_the_queries_look_for()
    {
        // Q13 filters o_comment NOT LIKE '%special%requests%': a small but real share of orders match.
        var matching = D.Orders.Rows.Count(r => System.Text.RegularExpressions.Regex.IsMatch((string)r[8], "special.*requests"));
        Assert.InRange(matching, D.Orders.Rows.Count / 200, D.Orders.Rows.Count / 5);
    }
}
