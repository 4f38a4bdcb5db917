using System.Text;
using System.Text.Json;

namespace PgFusion.Planner.Json;

/// <summary>
/// Reads the whole document once with <see cref="Utf8JsonReader"/> while tracking the JSON path, so
/// that malformed or truncated input is reported where it breaks (JsonDocument only gives a byte
/// position).
/// </summary>
internal static class JsonSyntaxChecker
{
    public static void Check(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 4096 });
        // Per open container: its path, whether it is an array, and the next array index.
        var stack = new List<(string Path, bool IsArray, int Next)>();
        string? pendingProperty = null;
        string current = "$";
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        pendingProperty = reader.GetString();
                        current = stack[^1].Path + "." + pendingProperty;
                        break;
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        string path = ValuePath(stack, pendingProperty);
                        stack.Add((path, reader.TokenType == JsonTokenType.StartArray, 0));
                        current = path;
                        pendingProperty = null;
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        current = stack[^1].Path;
                        stack.RemoveAt(stack.Count - 1);
                        break;
                    default:
                        current = ValuePath(stack, pendingProperty);
                        pendingProperty = null;
                        break;
                }
            }
            if (stack.Count > 0)
                throw new QueryJsonException(stack[^1].Path, "truncated JSON: the document ends inside this value");
            if (reader.BytesConsumed == 0)
                throw new QueryJsonException("$", "empty document");
        }
        catch (JsonException e)
        {
            string where = stack.Count > 0 && stack[^1].IsArray ? $"{stack[^1].Path}[{stack[^1].Next}]" : current;
            bool truncated = reader.BytesConsumed >= json.Length - 1 || e.Message.Contains("end of", StringComparison.OrdinalIgnoreCase);
            throw new QueryJsonException(where, (truncated ? "truncated or malformed JSON: " : "malformed JSON: ") + FirstSentence(e.Message), e);
        }
        catch (DecoderFallbackException e)
        {
            throw new QueryJsonException(current, "invalid UTF-8", e);
        }
        catch (InvalidOperationException e) when (e.InnerException is DecoderFallbackException)
        {
            // Utf8JsonReader.GetString wraps the decoder's error: a property name that is not UTF-8, in the object being read
            throw new QueryJsonException(stack.Count > 0 ? stack[^1].Path : "$", "invalid UTF-8 in a property name", e);
        }
    }

    /// <summary>The path of a value about to start, advancing the enclosing array's index.</summary>
    private static string ValuePath(List<(string Path, bool IsArray, int Next)> stack, string? property)
    {
        if (stack.Count == 0) return "$";
        var top = stack[^1];
        if (top.IsArray)
        {
            stack[^1] = (top.Path, true, top.Next + 1);
            return $"{top.Path}[{top.Next}]";
        }
        return top.Path + "." + property;
    }

    private static string FirstSentence(string message)
    {
        int i = message.IndexOf(" Path:", StringComparison.Ordinal);
        return i > 0 ? message[..i] : message;
    }
}
