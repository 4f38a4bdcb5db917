using PgFusion.Codegen.Values;
using PgFusion.Types;

namespace PgFusion.Codegen.Functions;

/// <summary>numeric operators (utils/adt/numeric.c), on <see cref="NumericMath"/>.</summary>
public static class NumericFunctions
{
    public static PgNumeric Add(PgNumeric a, PgNumeric b) => NumericMath.Add(a, b);

    public static PgNumeric Sub(PgNumeric a, PgNumeric b) => NumericMath.Sub(a, b);

    public static PgNumeric Mul(PgNumeric a, PgNumeric b) => NumericMath.Mul(a, b);

    public static PgNumeric Div(PgNumeric a, PgNumeric b) => NumericMath.Div(a, b);

    public static PgNumeric Mod(PgNumeric a, PgNumeric b) => NumericMath.Mod(a, b);

    public static PgNumeric UMinus(PgNumeric a) => NumericMath.Negate(a);

    public static PgNumeric UPlus(PgNumeric a) => a;

    public static bool Eq(PgNumeric a, PgNumeric b) => NumericMath.Compare(a, b) == 0;

    public static bool Ne(PgNumeric a, PgNumeric b) => NumericMath.Compare(a, b) != 0;

    public static bool Lt(PgNumeric a, PgNumeric b) => NumericMath.Compare(a, b) < 0;

    public static bool Le(PgNumeric a, PgNumeric b) => NumericMath.Compare(a, b) <= 0;

    public static bool Gt(PgNumeric a, PgNumeric b) => NumericMath.Compare(a, b) > 0;

    public static bool Ge(PgNumeric a, PgNumeric b) => NumericMath.Compare(a, b) >= 0;
}
