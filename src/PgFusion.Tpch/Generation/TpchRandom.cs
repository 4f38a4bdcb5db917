using System.Numerics;
using System.Runtime.CompilerServices;

namespace PgFusion.Tpch.Generation;

/// <summary>
/// The generator's random stream: xoshiro256** seeded through SplitMix64. Each table (or table pair)
/// draws from its own stream, seeded from (seed, stream id), so tables can be generated in any order
/// or in parallel and still come out identical for the same seed.
/// </summary>
public sealed class TpchRandom
{
    private ulong _s0, _s1, _s2, _s3;

    public TpchRandom(ulong seed, ulong stream)
    {
        var x = seed ^ (stream * 0x9E3779B97F4A7C15UL) ^ 0xD1B54A32D192ED03UL;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    private static ulong SplitMix(ref ulong x)
    {
        var z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        var result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [low, high], both inclusive (the spec's "random value [x .. y]").</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Uniform(long low, long high)
    {
        var range = (ulong)(high - low) + 1;
        // Lemire's multiply-shift: the bias is below 2^-32 for every range the spec uses.
        var r = (ulong)(((UInt128)NextUInt64() * range) >> 64);
        return low + (long)r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Uniform(int low, int high) => (int)Uniform((long)low, high);
}
