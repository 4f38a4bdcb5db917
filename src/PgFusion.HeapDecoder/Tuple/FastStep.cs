namespace PgFusion.HeapDecoder.Tuple;

/// <summary>What the fast tuple walk does with one attribute.</summary>
internal enum FastKind : byte
{
    /// <summary>Fixed width, not needed: align and step over.</summary>
    SkipFixed,

    /// <summary>Varlena, not needed: step over by its 1-byte header's length.</summary>
    SkipVarlena,

    /// <summary>Fixed width stored as is (int2/int4/int8/float/date/timestamp): copied into the column array.</summary>
    Copy2,
    Copy4,
    Copy8,

    /// <summary>numeric with a fixed scale: short-header values decoded straight to the scaled integer.</summary>
    Numeric,

    /// <summary>text/varchar/bpchar/bytea: payload appended to the Utf8/Binary buffers.</summary>
    Text,

    /// <summary>Any other fixed-width type: its ValueDecoder.</summary>
    GenericFixed,

    /// <summary>Any other varlena type (1-byte header): its ValueDecoder.</summary>
    GenericVarlena,
}

/// <summary>
/// One attribute of the precomputed walk for tuples without nulls (the relation layout fixes
/// the sequence; only offsets after a varlena vary). The array fields are the target column's
/// buffers, bound per page and after any tuple that went through the general walk (which may
/// grow or add buffers).
/// </summary>
internal struct FastStep
{
    public FastKind Kind;
    public short Len;
    public int AlignMask;
    public int Slot;

    /// <summary>Int16/Int32/Int64 value array (Copy*), Int128[] (Numeric), int[] offsets (Text).</summary>
    public Array? Values;

    /// <summary>Text: the data buffer. Numeric: the Kinds array when the column has one.</summary>
    public byte[]? Bytes;

    /// <summary>Numeric: the column's fixed scale, or -1 when values carry their own (then every value goes to the decoder).</summary>
    public int Scale;

    /// <summary>Numeric: NumericScaled.TableFor(Scale), or NumericScaled.Never when Scale is -1.</summary>
    public Numeric.ScaleEntry[]? Table;

    /// <summary>
    /// The shape guess (TupleWalker's speculative path, learned per page by ShapeGuess.Update):
    /// numeric, the value's first three bytes (1-byte varlena header, 2-byte short numeric
    /// header); text, its 1-byte varlena header. <see cref="ShapeGuess.None"/> matches nothing.
    /// </summary>
    public uint Guess;

    /// <summary>The guessed value's size, header byte included (its 1-byte header >> 1).</summary>
    public int GuessSize;

    /// <summary>Numeric: the guessed digit count's 16-bit lanes of the digit load (4 bytes, or 8 when GuessWide).</summary>
    public ulong GuessMask;

    /// <summary>Numeric: the guess has 3 or 4 digits (an 8-byte load combined as NumericScaled.Combine; else d0 * 10000 + d1).</summary>
    public bool GuessWide;

    /// <summary>Numeric: the column scale GuessEntry was made for (a guess is dropped when Scale changes).</summary>
    public int GuessScale;

    /// <summary>Numeric: the scaling of the guessed digits for the guessed header's weight (NumericScaled.EntryFor).</summary>
    public Numeric.ScaleEntry GuessEntry;

    /// <summary>Values that did not match the guess since the last ShapeGuess.Update (counted by the walk).</summary>
    public int Misses;

    /// <summary>The shape (as <see cref="Guess"/>) of the last value that missed: the next guess.</summary>
    public uint Candidate;

    /// <summary>Windows whose miss rate dropped a guess; at ShapeGuess.MaxStrikes the column is not guessed again.</summary>
    public int Strikes;

    /// <summary>Rows walked and values missed since the guess was learned or last judged (ShapeGuess.WindowRows).</summary>
    public int WindowRows;
    public int WindowMisses;

    /// <summary>
    /// Numeric: the second guessed shape, tried only by values that missed <see cref="Guess"/>
    /// (l_discount's and l_tax's 0.00, l_extendedprice below 10000): as Guess, with the digits
    /// always read as NumericScaled.Combine's four lanes. <see cref="ShapeGuess.None"/> matches nothing.
    /// </summary>
    public uint Guess2;
    public int Guess2Size;
    public ulong Guess2Mask;
    public int Guess2Scale;
    public Numeric.ScaleEntry Guess2Entry;

    /// <summary>Values that missed both guesses since the last ShapeGuess.Update, and since Guess2 was last judged.</summary>
    public int Misses2;
    public int Window2Misses;

    /// <summary>Windows whose double misses dropped Guess2; at ShapeGuess.MaxStrikes no second guess is learned again.</summary>
    public int Strikes2;
}
