namespace PgFusion.Planner.Json;

internal static class HexBytes
{
    public static byte[] Parse(string hex, string path)
    {
        if (hex.Length % 2 != 0) throw new QueryJsonException(path, "hex string of odd length");
        try
        {
            return Convert.FromHexString(hex);
        }
        catch (FormatException e)
        {
            throw new QueryJsonException(path, "not a hex string", e);
        }
    }
}
