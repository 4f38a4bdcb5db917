using System.Buffers.Binary;
using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Reflection.Emit;
using System.Text;

namespace PgFusion.Codegen.Dump;

/// <summary>
/// The IL of a compiled kernel, as text (one instruction per line: offset, opcode, operand with
/// methods, fields and types by name). Kernels come from LambdaExpression.Compile, which emits a
/// DynamicMethod; the runtime keeps that method's final IL and token table in its DynamicResolver
/// (fields m_code and m_scope.m_tokens), which is where this reads them: DynamicMethod offers no
/// public GetMethodBody. Those are private runtime fields, so when a runtime changes them the
/// dump says the IL is unavailable and why, and nothing else breaks.
/// </summary>
public static class IlDisassembler
{
    private const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Instance;

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>The IL of <paramref name="compiled"/>, or a line saying why it cannot be shown.</summary>
    public static string Disassemble(Delegate compiled)
    {
        ArgumentNullException.ThrowIfNull(compiled);
        if (compiled.Method.DeclaringType is { } declaring && (declaring == typeof(Kernels.ColumnCopyKernel) || declaring.DeclaringType == typeof(Kernels.ColumnCopyKernel)))
            return "// no IL generated: the kernel copies plain columns with ColumnCopyKernel's loops, compiled with the library\n";
        if (compiled.Method is not DynamicMethod method)
            return $"// IL unavailable: {compiled.Method.DeclaringType?.Name}.{compiled.Method.Name} is not a compiled expression tree\n";
        if (!TryReadBody(method, out var code, out var tokens, out string? why))
            return $"// IL unavailable: {why}\n";
        return Format(method, code, tokens);
    }

    private static bool TryReadBody(DynamicMethod method, out byte[] code, out IList tokens, out string? why)
    {
        code = [];
        tokens = Array.Empty<object>();
        object? resolver = typeof(DynamicMethod).GetField("_resolver", Private)?.GetValue(method);
        if (resolver is null)
        {
            why = "the DynamicMethod has no resolver (this runtime keeps it elsewhere)";
            return false;
        }
        var resolverType = resolver.GetType();
        object? scope = resolverType.GetField("m_scope", Private)?.GetValue(resolver);
        if (resolverType.GetField("m_code", Private)?.GetValue(resolver) is not byte[] bytes || scope is null
            || scope.GetType().GetField("m_tokens", Private)?.GetValue(scope) is not IList list)
        {
            why = "the DynamicResolver's fields m_code and m_scope.m_tokens are not there in this runtime";
            return false;
        }
        code = bytes;
        tokens = list;
        why = null;
        return true;
    }

    private static string Format(DynamicMethod method, byte[] code, IList tokens)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"// {TypeName(method.ReturnType)} ({string.Join(", ", method.GetParameters().Select(p => TypeName(p.ParameterType)))}), {code.Length} bytes of IL\n");
        int pc = 0;
        while (pc < code.Length)
        {
            int at = pc;
            short value = code[pc++];
            if (value == 0xFE && pc < code.Length) value = (short)(0xFE00 | code[pc++]);
            if (!OpCodesByValue.TryGetValue(value, out var op))
            {
                sb.Append(CultureInfo.InvariantCulture, $"IL_{at:X4}: .byte 0x{value:X2} // not an opcode\n");
                continue;
            }
            sb.Append(CultureInfo.InvariantCulture, $"IL_{at:X4}: {op.Name}");
            int size = OperandSize(op, code, pc);
            if (pc + size > code.Length)
            {
                sb.Append(" // operand runs past the end of the method\n");
                break;
            }
            string operand = Operand(op, code.AsSpan(pc, size), pc + size, tokens);
            if (operand.Length > 0) sb.Append(' ').Append(operand);
            sb.Append('\n');
            pc += size;
        }
        return sb.ToString();
    }

    private static int OperandSize(OpCode op, byte[] code, int pc) => op.OperandType switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => pc + 4 <= code.Length ? 4 + 4 * (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(code.AsSpan(pc)), (uint)(code.Length / 4)) : 4,
        _ => 4,
    };

    private static string Operand(OpCode op, ReadOnlySpan<byte> bytes, int next, IList tokens)
    {
        switch (op.OperandType)
        {
            case OperandType.InlineNone:
                return "";
            case OperandType.ShortInlineBrTarget:
                return $"IL_{next + (sbyte)bytes[0]:X4}";
            case OperandType.InlineBrTarget:
                return $"IL_{next + BinaryPrimitives.ReadInt32LittleEndian(bytes):X4}";
            case OperandType.ShortInlineI:
                return (op == OpCodes.Ldc_I4_S ? (int)(sbyte)bytes[0] : bytes[0]).ToString(CultureInfo.InvariantCulture);
            case OperandType.ShortInlineVar:
                return bytes[0].ToString(CultureInfo.InvariantCulture);
            case OperandType.InlineVar:
                return BinaryPrimitives.ReadUInt16LittleEndian(bytes).ToString(CultureInfo.InvariantCulture);
            case OperandType.InlineI:
                return BinaryPrimitives.ReadInt32LittleEndian(bytes).ToString(CultureInfo.InvariantCulture);
            case OperandType.InlineI8:
                return BinaryPrimitives.ReadInt64LittleEndian(bytes).ToString(CultureInfo.InvariantCulture);
            case OperandType.ShortInlineR:
                return BinaryPrimitives.ReadSingleLittleEndian(bytes).ToString("R", CultureInfo.InvariantCulture);
            case OperandType.InlineR:
                return BinaryPrimitives.ReadDoubleLittleEndian(bytes).ToString("R", CultureInfo.InvariantCulture);
            case OperandType.InlineSwitch:
            {
                var targets = new string[(bytes.Length - 4) / 4];
                for (int i = 0; i < targets.Length; i++)
                    targets[i] = $"IL_{next + BinaryPrimitives.ReadInt32LittleEndian(bytes.Slice(4 + 4 * i)):X4}";
                return "(" + string.Join(", ", targets) + ")";
            }
            default:
                return Token(BinaryPrimitives.ReadInt32LittleEndian(bytes), tokens);
        }
    }

    /// <summary>A DynamicScope token: its low 24 bits index the scope's list of handles and strings.</summary>
    private static string Token(int token, IList tokens)
    {
        int index = token & 0x00FFFFFF;
        object? entry = index < tokens.Count ? tokens[index] : null;
        try
        {
            return entry switch
            {
                null => $"token 0x{token:X8}",
                string s => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"",
                RuntimeTypeHandle t => TypeName(Type.GetTypeFromHandle(t)),
                RuntimeMethodHandle m => MethodName(MethodBase.GetMethodFromHandle(m)),
                RuntimeFieldHandle f => FieldName(FieldInfo.GetFieldFromHandle(f)),
                DynamicMethod d => "nested lambda " + d.Name.TrimEnd("0123456789".ToCharArray()),
                _ => GenericMember(entry) ?? entry.ToString() ?? entry.GetType().Name,
            };
        }
        catch (ArgumentException)
        {
            return $"token 0x{token:X8} ({entry?.GetType().Name})";
        }
    }

    /// <summary>GenericMethodInfo and GenericFieldInfo: a handle plus the generic type it belongs to.</summary>
    private static string? GenericMember(object entry)
    {
        var t = entry.GetType();
        var context = t.GetField("m_context", Private)?.GetValue(entry) as RuntimeTypeHandle?;
        if (context is null) return null;
        if (t.GetField("m_methodHandle", Private)?.GetValue(entry) is RuntimeMethodHandle m)
            return MethodName(MethodBase.GetMethodFromHandle(m, context.Value));
        if (t.GetField("m_fieldHandle", Private)?.GetValue(entry) is RuntimeFieldHandle f)
            return FieldName(FieldInfo.GetFieldFromHandle(f, context.Value));
        return null;
    }

    private static string MethodName(MethodBase? m) => m is null ? "?" :
        $"{TypeName(m.DeclaringType)}::{m.Name}{(m.IsGenericMethod ? "<" + string.Join(", ", m.GetGenericArguments().Select(TypeName)) + ">" : "")}({string.Join(", ", m.GetParameters().Select(p => TypeName(p.ParameterType)))})";

    private static string FieldName(FieldInfo? f) => f is null ? "?" : $"{TypeName(f.DeclaringType)}::{f.Name}";

    private static string TypeName(Type? t)
    {
        if (t is null) return "?";
        if (t.IsArray) return TypeName(t.GetElementType()) + "[]";
        if (t.IsByRef) return TypeName(t.GetElementType()) + "&";
        string name = t.IsNested ? TypeName(t.DeclaringType) + "/" + t.Name : t.Name;
        int tick = name.IndexOf('`', StringComparison.Ordinal);
        if (tick >= 0) name = name[..tick];
        return t.IsGenericType ? name + "<" + string.Join(", ", t.GetGenericArguments().Select(TypeName)) + ">" : name;
    }
}
