namespace PgFusion.HeapDecoder;

/// <summary>Which tuple walks a decoder may use (tests run them side by side; the public constructor takes Default).</summary>
internal enum DecodePaths
{
    /// <summary>The specialised page loop (TupleWalker), then the general walk for what it gives back.</summary>
    Default,

    /// <summary>The interpreted step list per tuple (HeapPageDecoder.WalkSteps), then the general walk.</summary>
    StepList,

    /// <summary>Only the general walk: every tuple through DecodeTuple.</summary>
    GeneralOnly,
}
