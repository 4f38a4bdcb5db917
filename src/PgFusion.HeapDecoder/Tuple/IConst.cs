namespace PgFusion.HeapDecoder.Tuple;

/// <summary>An int known from the type: lets a generic walk step fold alignment, length and step index into its code.</summary>
internal interface IConst
{
    static abstract int Value { get; }
}

internal struct C0 : IConst { public static int Value => 0; }

internal struct C1 : IConst { public static int Value => 1; }

internal struct C2 : IConst { public static int Value => 2; }

internal struct C3 : IConst { public static int Value => 3; }

internal struct C4 : IConst { public static int Value => 4; }

internal struct C5 : IConst { public static int Value => 5; }

internal struct C6 : IConst { public static int Value => 6; }

internal struct C7 : IConst { public static int Value => 7; }

internal struct C8 : IConst { public static int Value => 8; }

internal struct C9 : IConst { public static int Value => 9; }

internal struct C10 : IConst { public static int Value => 10; }

internal struct C11 : IConst { public static int Value => 11; }

internal struct C12 : IConst { public static int Value => 12; }

internal struct C13 : IConst { public static int Value => 13; }

internal struct C14 : IConst { public static int Value => 14; }

internal struct C15 : IConst { public static int Value => 15; }

internal struct C16 : IConst { public static int Value => 16; }

internal struct C17 : IConst { public static int Value => 17; }

internal struct C18 : IConst { public static int Value => 18; }

internal struct C19 : IConst { public static int Value => 19; }

internal struct C20 : IConst { public static int Value => 20; }

internal struct C21 : IConst { public static int Value => 21; }

internal struct C22 : IConst { public static int Value => 22; }

internal struct C23 : IConst { public static int Value => 23; }

internal struct C24 : IConst { public static int Value => 24; }

internal struct C25 : IConst { public static int Value => 25; }

internal struct C26 : IConst { public static int Value => 26; }

internal struct C27 : IConst { public static int Value => 27; }

internal struct C28 : IConst { public static int Value => 28; }

internal struct C29 : IConst { public static int Value => 29; }

internal struct C30 : IConst { public static int Value => 30; }

internal struct C31 : IConst { public static int Value => 31; }

internal struct C32 : IConst { public static int Value => 32; }
