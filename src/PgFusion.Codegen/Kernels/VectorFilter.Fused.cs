using PgFusion.Arrow;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace PgFusion.Codegen.Kernels;

public sealed partial class VectorFilter
{
    /// <summary>
    /// One term over full 64-row words, as a struct type argument so that <see cref="FusedWords"/>
    /// inlines it. The word itself is a static method over the loop's locals (column address and
    /// constants): read from the struct's fields, the constants were reloaded from the stack for
    /// every vector.
    /// </summary>
    private interface IWordTerm
    {
        /// <summary>Bytes of the column per 64-row word (0 for <see cref="AllRows"/>).</summary>
        static abstract int WordBytes { get; }

        /// <summary>The first and second constant, as bytes (reinterpreted by <see cref="Word"/>).</summary>
        Vector256<byte> First { get; }

        Vector256<byte> Second { get; }

        /// <summary>
        /// The batch's column values (a reference to the first); <paramref name="ok"/> is false when
        /// the column is not this term's kind or does not hold <paramref name="words"/> full words.
        /// </summary>
        ref byte Bind(IReadOnlyList<Column> columns, int words, out bool ok);

        /// <summary>Bit r of the result: row r of the word starting at <paramref name="at"/> passes.</summary>
        static abstract ulong Word(ref byte at, Vector256<byte> first, Vector256<byte> second);
    }

    /// <summary>The missing terms of a fused loop over fewer than four terms.</summary>
    private struct AllRows : IWordTerm
    {
        public static int WordBytes => 0;

        public readonly Vector256<byte> First => default;

        public readonly Vector256<byte> Second => default;

        public readonly ref byte Bind(IReadOnlyList<Column> columns, int words, out bool ok)
        {
            ok = true;
            return ref Unsafe.NullRef<byte>();
        }

        public static ulong Word(ref byte at, Vector256<byte> first, Vector256<byte> second) => ulong.MaxValue;
    }

    /// <summary>
    /// Up to four terms over the full words of a range in one loop, the terms type arguments: the
    /// JIT compiles one loop per predicate shape with every compare inline, where the per-term path
    /// makes two virtual calls per term and word and stores each term's word before the next ANDs it.
    /// </summary>
    private abstract class FusedWords
    {
        private const int MaxTerms = 4;

        /// <summary>Fills the full words of [<paramref name="fromWord"/>, <paramref name="toWord"/>); returns the first word it left.</summary>
        public abstract int Evaluate(IReadOnlyList<Column> columns, int rows, int fromWord, int toWord, ulong[] bits);

        public static FusedWords? TryCreate(Term[] terms)
        {
            if (terms.Length is < 2 or > MaxTerms) return null;
            // object, not IWordTerm: an interface with static abstract members cannot be a type argument (Select's)
            var words = new object[MaxTerms];
            var types = new Type[MaxTerms];
            for (int i = 0; i < MaxTerms; i++)
            {
                if (i >= terms.Length) words[i] = new AllRows();
                else if (terms[i].WordTerm() is { } w) words[i] = w;
                else return null;
                types[i] = words[i].GetType();
            }
            return (FusedWords)Activator.CreateInstance(typeof(FusedWords<,,,>).MakeGenericType(types), [words])!;
        }
    }

    private sealed class FusedWords<TA, TB, TC, TD>(object[] terms) : FusedWords
        where TA : struct, IWordTerm
        where TB : struct, IWordTerm
        where TC : struct, IWordTerm
        where TD : struct, IWordTerm
    {
        private readonly TA a = (TA)terms[0];
        private readonly TB b = (TB)terms[1];
        private readonly TC c = (TC)terms[2];
        private readonly TD d = (TD)terms[3];

        [MethodImpl(HotLoop.Options)]
        public override int Evaluate(IReadOnlyList<Column> columns, int rows, int fromWord, int toWord, ulong[] bits)
        {
            int end = Math.Min(Math.Min(toWord, rows >> 6), bits.Length);
            if (end <= fromWord) return fromWord;
            // locals, not the fields: the filter is shared by the threads running the plan, and the
            // JIT keeps locals in registers across the loop
            ref byte pa = ref a.Bind(columns, end, out bool okA);
            ref byte pb = ref b.Bind(columns, end, out bool okB);
            ref byte pc = ref c.Bind(columns, end, out bool okC);
            ref byte pd = ref d.Bind(columns, end, out bool okD);
            if (!(okA && okB && okC && okD)) return fromWord;
            var (a1, a2, b1, b2) = (a.First, a.Second, b.First, b.Second);
            var (c1, c2, d1, d2) = (c.First, c.Second, d.First, d.Second);
            ref ulong word = ref MemoryMarshal.GetArrayDataReference(bits);
            for (int w = fromWord; w < end; w++)
            {
                Unsafe.Add(ref word, w) = TA.Word(ref Unsafe.Add(ref pa, (nint)w * TA.WordBytes), a1, a2)
                    & TB.Word(ref Unsafe.Add(ref pb, (nint)w * TB.WordBytes), b1, b2)
                    & TC.Word(ref Unsafe.Add(ref pc, (nint)w * TC.WordBytes), c1, c2)
                    & TD.Word(ref Unsafe.Add(ref pd, (nint)w * TD.WordBytes), d1, d2);
            }
            return end;
        }
    }
}
