namespace PgFusion.Tpch.Generation;

/// <summary>A word list with dbgen-style weights: a draw picks a word with probability weight / total.</summary>
public sealed class WeightedList
{
    private readonly string[] _slots;

    public WeightedList(params (string Word, int Weight)[] entries)
    {
        Words = entries.Select(e => e.Word).ToArray();
        // Expanding to one slot per unit of weight makes a draw one array index; the totals are small.
        _slots = entries.SelectMany(e => Enumerable.Repeat(e.Word, e.Weight)).ToArray();
    }

    public IReadOnlyList<string> Words { get; }

    public string Pick(TpchRandom random) => _slots[random.Uniform(0, _slots.Length - 1)];

    public static WeightedList Uniform(params string[] words) => new(words.Select(w => (w, 1)).ToArray());
}
