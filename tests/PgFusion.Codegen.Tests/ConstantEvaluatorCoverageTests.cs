using PgFusion.Codegen.Functions;
using PgFusion.Codegen.Values;
using PgFusion.Planner.Binding;
using PgFusion.Planner.Rules;
using PgFusion.Types;
using PgFusion.Types.TimeZones;
using Xunit;

namespace PgFusion.Codegen.Tests;

/// <summary>
/// Every function a kernel can call, called on constants, folds at plan time: ConstantEvaluator
/// gives a value (or the function's own PostgreSQL error), never <see cref="ConstantEvaluation.Unfoldable"/>
/// (the call would stay and run per row) nor another exception (ConstantEvaluation would then
/// send the whole query back to PostgreSQL). The arguments are sample constants of each
/// parameter's type; what they fold to is checked against PostgreSQL by the .slt corpus
/// (tests/sql/regressions/constant_folding*.slt) and by RegistryDifferentialTests.
/// </summary>
public sealed class ConstantEvaluatorCoverageTests
{
    /// <summary>A sample constant for a parameter of <paramref name="clr"/> type, and its PostgreSQL type.</summary>
    private static BoundConst? Sample(Type clr) => clr switch
    {
        _ when clr == typeof(short) => new((short)2, PgType.Int2),
        _ when clr == typeof(int) => new(2, PgType.Int4),
        _ when clr == typeof(long) => new(2L, PgType.Int8),
        _ when clr == typeof(uint) => new(2u, new PgType(PgTypeOid.Oid)),
        _ when clr == typeof(float) => new(2.5f, PgType.Float4),
        _ when clr == typeof(double) => new(2.5, PgType.Float8),
        _ when clr == typeof(bool) => new(true, PgType.Bool),
        _ when clr == typeof(PgNumeric) => new(new PgNumeric(25, 1), PgType.Numeric),
        _ when clr == typeof(PgInterval) => new(new PgInterval(1_000_000, 1, 1), new PgType(PgTypeOid.Interval)),
        // "day": a valid date_part / extract / date_trunc field, a valid text everywhere else
        _ when clr == typeof(TextRef) => new("day", PgType.Text),
        _ when clr == typeof(UInt128) => new((UInt128)2, new PgType(PgTypeOid.Uuid)),
        _ => null,
    };

    /// <summary>
    /// The planner-added time zone argument of the timestamptz functions (ExpressionBinder.TimeZone):
    /// an id of TimeZoneRegistry, never a sample integer.
    /// </summary>
    private static readonly Lazy<BoundConst> Utc = new(() =>
        new BoundConst(TimeZoneRegistry.Resolve("UTC", out string? reason) ?? throw new InvalidOperationException(reason), PgType.Int4));

    /// <summary>The result's type (a nullable result, e.g. date_part's, by its value type).</summary>
    private static PgType? ResultType(Type returned)
    {
        var clr = Nullable.GetUnderlyingType(returned) ?? returned;
        return clr switch
        {
            _ when clr == typeof(short) => PgType.Int2,
            _ when clr == typeof(int) => PgType.Int4,
            _ when clr == typeof(long) => PgType.Int8,
            _ when clr == typeof(uint) => new PgType(PgTypeOid.Oid),
            _ when clr == typeof(float) => PgType.Float4,
            _ when clr == typeof(double) => PgType.Float8,
            _ when clr == typeof(bool) => PgType.Bool,
            _ when clr == typeof(PgNumeric) => PgType.Numeric,
            _ when clr == typeof(PgInterval) => new PgType(PgTypeOid.Interval),
            _ when clr == typeof(TextRef) => PgType.Text,
            _ => null,
        };
    }

    /// <summary>The call of <paramref name="f"/> on sample constants, or why there is none (a parameter or result type without a sample).</summary>
    private static string? Call(FunctionImpl f, out BoundFuncCall? call)
    {
        call = null;
        var parameters = f.Method.GetParameters().Skip(f.NeedsContext ? 1 : 0).ToList();
        var args = new List<BoundExpr>();
        foreach (var p in parameters)
        {
            if (p.Name == "zone" && p.ParameterType == typeof(int))
            {
                args.Add(Utc.Value);
                continue;
            }
            if (Sample(p.ParameterType) is not { } k) return $"{f.Oid} {f.Name}: no sample for a {p.ParameterType.Name} argument";
            args.Add(k);
        }
        if (ResultType(f.Method.ReturnType) is not { } type) return $"{f.Oid} {f.Name}: no type for a {f.Method.ReturnType.Name} result";
        call = new BoundFuncCall(f.Oid, f.Name, args, type);
        return null;
    }

    [Fact]
    public void Every_registered_function_folds_on_constants()
    {
        var gaps = new List<string>();
        int folded = 0, raised = 0;
        foreach (var f in FunctionRegistry.All.Where(f => !f.IsPseudo).OrderBy(f => f.Oid))
        {
            if (Call(f, out var call) is { } noSample)
            {
                gaps.Add(noSample);
                continue;
            }
            try
            {
                var value = ConstantEvaluator.Evaluate(call!);
                if (ReferenceEquals(value, ConstantEvaluation.Unfoldable))
                    gaps.Add($"{f.Oid} {f.Name}({string.Join(", ", call!.Args.Select(a => a.Type))}): not folded (Unfoldable)");
                else
                    folded++;
            }
            catch (PgFusionException)
            {
                raised++; // the function's own error for these samples: evaluated, as PostgreSQL would
            }
#pragma warning disable CA1031 // each failure is listed
            catch (Exception e)
#pragma warning restore CA1031
            {
                gaps.Add($"{f.Oid} {f.Name}: {e.GetType().Name}: {e.Message}");
            }
        }
        Assert.True(gaps.Count == 0, $"{gaps.Count} registered functions do not fold on constants ({folded} fold, {raised} raise):\n" + string.Join("\n", gaps));
        Assert.True(folded > 200, $"only {folded} folded");
    }

    [Theory]
    [InlineData(483u, 2.5, 2L)] // rint: half to even
    [InlineData(483u, 3.5, 4L)]
    [InlineData(483u, -2.5, -2L)]
    [InlineData(483u, -9223372036854775808.0, long.MinValue)]
    [InlineData(317u, 2147483647.4, 2147483647L)] // rounds into range
    [InlineData(317u, -2147483648.5, -2147483648L)]
    [InlineData(237u, 32767.49, 32767L)]
    [InlineData(237u, -32768.5, -32768L)]
    public void Float8_to_integer_casts_fold_with_rint(uint oid, double input, long expected)
    {
        var type = IntegerCastResult(oid);
        var value = ConstantEvaluator.Evaluate(new BoundFuncCall(oid, "cast", [new BoundConst(input, PgType.Float8)], type));
        Assert.Equal(expected, Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(type.Oid switch { PgTypeOid.Int8 => typeof(long), PgTypeOid.Int4 => typeof(int), _ => typeof(short) }, value!.GetType());
    }

    [Theory]
    [InlineData(483u, 9223372036854775808.0, "bigint out of range")]
    [InlineData(483u, double.NaN, "bigint out of range")]
    [InlineData(483u, double.PositiveInfinity, "bigint out of range")]
    [InlineData(317u, 2147483647.5, "integer out of range")] // rint gives 2147483648
    [InlineData(317u, -2147483648.6, "integer out of range")]
    [InlineData(237u, 32767.5, "smallint out of range")]
    [InlineData(237u, double.NegativeInfinity, "smallint out of range")]
    public void Float8_to_integer_casts_out_of_range_raise_22003(uint oid, double input, string message)
    {
        var type = IntegerCastResult(oid);
        var e = Assert.Throws<PgFusionException>(() => ConstantEvaluator.Evaluate(new BoundFuncCall(oid, "cast", [new BoundConst(input, PgType.Float8)], type)));
        Assert.Equal("22003", e.SqlState);
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData(653u, 2.5f, 2L)]
    [InlineData(653u, -9223372036854775808f, -9223372036854775808L)] // -2^63, exact in float4
    [InlineData(319u, 2147483520f, 2147483520L)] // the largest float4 below 2^31
    [InlineData(238u, -32768.4f, -32768L)]
    public void Float4_to_integer_casts_fold_with_rint(uint oid, float input, long expected)
    {
        var type = IntegerCastResult(oid);
        var value = ConstantEvaluator.Evaluate(new BoundFuncCall(oid, "cast", [new BoundConst(input, PgType.Float4)], type));
        Assert.Equal(expected, Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(653u, 9223372036854775808f, "bigint out of range")] // 2^63
    [InlineData(319u, 2147483648f, "integer out of range")]
    [InlineData(238u, float.NaN, "smallint out of range")]
    public void Float4_to_integer_casts_out_of_range_raise_22003(uint oid, float input, string message)
    {
        var type = IntegerCastResult(oid);
        var e = Assert.Throws<PgFusionException>(() => ConstantEvaluator.Evaluate(new BoundFuncCall(oid, "cast", [new BoundConst(input, PgType.Float4)], type)));
        Assert.Equal("22003", e.SqlState);
        Assert.Equal(message, e.Message);
    }

    /// <summary>The result type of a float8 (483, 317, 237) or float4 (653, 319, 238) to integer cast.</summary>
    private static PgType IntegerCastResult(uint oid) => oid switch
    {
        483u or 653u => PgType.Int8,
        317u or 319u => PgType.Int4,
        237u or 238u => PgType.Int2,
        _ => throw new ArgumentOutOfRangeException(nameof(oid), oid, "not a float to integer cast"),
    };
}
