using System.Linq.Expressions;
using PgFusion.Codegen.Kernels;
using Xunit;

namespace PgFusion.Codegen.Tests;

public sealed class KernelCacheTests
{
    private static Kernel<Func<int>> Constant(KernelCache cache, int value) =>
        cache.GetOrCompile<Func<int>>("c", $"const:{value}", () => Expression.Lambda<Func<int>>(Expression.Constant(value)));

    [Fact]
    public void A_key_compiles_once_and_then_hits()
    {
        var cache = new KernelCache();
        var first = Constant(cache, 7);
        var second = Constant(cache, 7);
        Assert.Same(first, second);
        Assert.Equal(1, cache.Compiles);
        Assert.Equal(1, cache.Hits);
        Assert.Equal(7, second.Run());
    }

    [Fact]
    public void Past_its_capacity_the_cache_drops_the_least_recently_used_kernels()
    {
        var cache = new KernelCache(capacity: 10);
        var hot = Constant(cache, -1);
        for (int i = 0; i < 50; i++)
        {
            Constant(cache, i);
            Assert.Same(hot, Constant(cache, -1)); // used after every insert: never the least recent
        }

        Assert.True(cache.Count <= cache.Capacity, $"{cache.Count} kernels cached, capacity {cache.Capacity}");
        Assert.True(cache.Evictions >= 40, $"{cache.Evictions} evictions");
        long compiles = cache.Compiles;
        Constant(cache, 0); // long evicted: compiles again, with the same result
        Assert.Equal(compiles + 1, cache.Compiles);
        Assert.Equal(0, Constant(cache, 0).Run());
    }
}
