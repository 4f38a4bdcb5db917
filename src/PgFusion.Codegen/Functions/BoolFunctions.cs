namespace PgFusion.Codegen.Functions;

/// <summary>bool comparisons (bool.c): false sorts before true.</summary>
public static class BoolFunctions
{
    public static bool BoolEq(bool a, bool b) => a == b;
    public static bool BoolNe(bool a, bool b) => a != b;
    public static bool BoolLt(bool a, bool b) => !a && b;
    public static bool BoolLe(bool a, bool b) => !a || b;
    public static bool BoolGt(bool a, bool b) => a && !b;
    public static bool BoolGe(bool a, bool b) => a || !b;
}
