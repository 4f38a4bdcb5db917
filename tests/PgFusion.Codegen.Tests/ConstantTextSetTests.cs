using System.Text;
using PgFusion.Codegen.Values;
using Xunit;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// ConstantTextSet against the definition it shortcuts: bpchar compares with trailing spaces
/// ignored on both sides (bcTruelen), text compares bytes. Values and elements are drawn from a
/// small alphabet with spaces inside and at the ends, so prefixes, trailing spaces and empty
/// strings all occur.
/// </summary>
public sealed class ConstantTextSetTests
{
    private static readonly string[] Pieces = ["", " ", "  ", "A", "AI", "AIR", "MAIL", "SHIP", "REG AIR", "a", "é"];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ContainsAnswersAsElementwiseEquality(bool bpchar)
    {
        var rnd = new Random(20261202);
        for (int iteration = 0; iteration < 2000; iteration++)
        {
            var elements = new string[rnd.Next(1, 4)];
            for (int i = 0; i < elements.Length; i++) elements[i] = Draw(rnd);
            var set = new ConstantTextSet(bpchar, elements);
            string value = rnd.Next(3) == 0 ? elements[rnd.Next(elements.Length)] + new string(' ', rnd.Next(4)) : Draw(rnd);
            var bytes = Encoding.UTF8.GetBytes(value);
            bool expected = elements.Any(e => bpchar ? value.TrimEnd(' ') == e.TrimEnd(' ') : value == e);
            Assert.True(expected == set.Contains(new TextRef(bytes, 0, bytes.Length)), $"bpchar {bpchar}: '{value}' in ('{string.Join("', '", elements)}')");
        }
    }

    private static string Draw(Random rnd) => Pieces[rnd.Next(Pieces.Length)] + (rnd.Next(2) == 0 ? Pieces[rnd.Next(Pieces.Length)] : "");
}
