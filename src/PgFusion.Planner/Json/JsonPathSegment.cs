using System.Globalization;
using System.Text;

namespace PgFusion.Planner.Json;

/// <summary>
/// One step of a JSON path, linked to its parent: a field (<c>.name</c>, index -1), an array index
/// (<c>[3]</c>), or a whole path written out (index <see cref="Literal"/>, no parent, e.g.
/// <c>$.relations[2].stats[0]</c>). A null parent of a field or index step is <c>$</c>.
/// </summary>
internal sealed class JsonPathSegment(JsonPathSegment? parent, string? field, int index)
{
    public const int Literal = -2;

    public static JsonPathSegment Root(string path) => new(null, path, Literal);

    public override string ToString()
    {
        if (index == Literal) return field!;
        var text = new StringBuilder();
        Append(text);
        return text.ToString();
    }

    private void Append(StringBuilder text)
    {
        if (index == Literal)
        {
            text.Append(field);
            return;
        }
        if (parent is null) text.Append('$');
        else parent.Append(text);
        if (index >= 0) text.Append('[').Append(index.ToString(CultureInfo.InvariantCulture)).Append(']');
        else text.Append('.').Append(field);
    }
}
