namespace PgFusion.Tpch.Generation;

/// <summary>
/// Deterministic TPC-H data following the spec's rules (clause 4.2.3): the same scale factor and seed
/// give the same rows. Each method fills its table(s) from its own random stream, so the tables can be
/// generated on different threads. Pairs that must agree (part/partsupp, orders/lineitem) come together.
/// </summary>
public sealed partial class TpchGenerator
{
    /// <summary>STARTDATE, CURRENTDATE and ENDDATE of the spec (4.2.2.12).</summary>
    public static readonly DateOnly StartDate = new(1992, 1, 1);
    public static readonly DateOnly CurrentDate = new(1995, 6, 17);
    public static readonly DateOnly EndDate = new(1998, 12, 31);

    private const string Alphanumeric = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ, ";

    private readonly TextPool _pool;

    public TpchGenerator(TpchScale scale, ulong seed = 0, TextPool? pool = null)
    {
        Scale = scale;
        Seed = seed;
        _pool = pool ?? TextPool.Default;
    }

    public TpchScale Scale { get; }

    public ulong Seed { get; }

    private TpchRandom Stream(TpchTable table) => new(Seed, (ulong)table);

    /// <summary>The spec's "random v-string [min, max]": random characters from a 64-character alphabet.</summary>
    private static string VString(TpchRandom random, int minLength, int maxLength)
    {
        var length = random.Uniform(minLength, maxLength);
        return string.Create(length, random, static (span, r) =>
        {
            for (var i = 0; i < span.Length; i++)
                span[i] = Alphanumeric[r.Uniform(0, Alphanumeric.Length - 1)];
        });
    }

    /// <summary>4.2.2.9: country code (nation key + 10), then 3, 3 and 4 random digits.</summary>
    private static string Phone(TpchRandom random, int nationKey) =>
        $"{nationKey + 10}-{random.Uniform(100, 999)}-{random.Uniform(100, 999)}-{random.Uniform(1000, 9999)}";

    private static string Pick(TpchRandom random, string[] words) => words[random.Uniform(0, words.Length - 1)];

    /// <summary>P_RETAILPRICE in hundredths: (90000 + ((key / 10) mod 20001) + 100 * (key mod 1000)) / 100.</summary>
    public static long RetailPrice(long partKey) => 90000 + ((partKey / 10) % 20001) + 100 * (partKey % 1000);

    public void GenerateRegion(IRowSink sink)
    {
        var random = Stream(TpchTable.Region);
        for (var key = 0; key < TpchDistributions.Regions.Length; key++)
        {
            sink.BeginRow();
            sink.Integer(key);
            sink.Text(TpchDistributions.Regions[key]);
            sink.Text(_pool.Text(random, 31, 115));
        }
    }

    public void GenerateNation(IRowSink sink)
    {
        var random = Stream(TpchTable.Nation);
        for (var key = 0; key < TpchDistributions.Nations.Length; key++)
        {
            var (name, regionKey) = TpchDistributions.Nations[key];
            sink.BeginRow();
            sink.Integer(key);
            sink.Text(name);
            sink.Integer(regionKey);
            sink.Text(_pool.Text(random, 31, 114));
        }
    }

    public void GenerateSupplier(IRowSink sink)
    {
        var random = Stream(TpchTable.Supplier);
        for (var key = 1L; key <= Scale.Suppliers; key++)
        {
            var nationKey = random.Uniform(0, 24);
            sink.BeginRow();
            sink.Integer((int)key);
            sink.Text($"Supplier#{key:D9}");
            sink.Text(VString(random, 10, 40));
            sink.Integer(nationKey);
            sink.Text(Phone(random, nationKey));
            sink.Money(random.Uniform(-99_999L, 999_999L));
            sink.Text(SupplierComment(random));
        }
    }

    /// <summary>
    /// S_COMMENT: a text string [25, 100]; about SF * 5 suppliers get "Customer ... Complaints" and as many
    /// "Customer ... Recommends" written over it (the Better Business Bureau rule Q16 looks for).
    /// </summary>
    private string SupplierComment(TpchRandom random)
    {
        var comment = _pool.Text(random, 25, 100);
        var draw = random.Uniform(1, 10_000);
        if (draw > 10)
            return comment;
        const string customer = "Customer ";
        var verdict = draw <= 5 ? "Complaints" : "Recommends";
        var fixedLength = customer.Length + verdict.Length;
        var gap = random.Uniform(0, comment.Length - fixedLength);
        var start = random.Uniform(0, comment.Length - fixedLength - gap);
        var chars = comment.ToCharArray();
        customer.CopyTo(0, chars, start, customer.Length);
        verdict.CopyTo(0, chars, start + customer.Length + gap, verdict.Length);
        return new string(chars);
    }

    public void GenerateCustomer(IRowSink sink)
    {
        var random = Stream(TpchTable.Customer);
        for (var key = 1L; key <= Scale.Customers; key++)
        {
            var nationKey = random.Uniform(0, 24);
            sink.BeginRow();
            sink.Integer((int)key);
            sink.Text($"Customer#{key:D9}");
            sink.Text(VString(random, 10, 40));
            sink.Integer(nationKey);
            sink.Text(Phone(random, nationKey));
            sink.Money(random.Uniform(-99_999L, 999_999L));
            sink.Text(Pick(random, TpchDistributions.Segments));
            sink.Text(_pool.Text(random, 29, 116));
        }
    }
}
