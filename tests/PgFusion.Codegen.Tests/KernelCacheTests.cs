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

    /// <summary>A node LambdaCompiler refuses (not reducible): its Compile throws.</summary>
    private sealed class Unreducible : Expression
    {
        public override ExpressionType NodeType => ExpressionType.Extension;

        public override Type Type => typeof(int);
    }

    [Fact]
    public void In_a_parallel_scope_kernels_compile_on_the_pool_and_equal_keys_share_one_kernel()
    {
        var cache = new KernelCache();
        Kernel<Func<int>>[] kernels;
        using (var scope = ParallelCompileScope.Begin())
        {
            kernels = [.. Enumerable.Range(0, 8).Select(i => Constant(cache, i % 4))];
            scope.WaitAll();
        }
        Assert.Equal(4, cache.Compiles);
        Assert.Equal(4, cache.Hits);
        for (int i = 0; i < 8; i++)
        {
            Assert.Same(kernels[i % 4], kernels[i]);
            Assert.Equal(i % 4, kernels[i].Run());
        }
    }

    [Fact]
    public void A_compile_that_fails_on_the_pool_is_rethrown_by_WaitAll_and_leaves_the_cache()
    {
        var cache = new KernelCache();
        using (var scope = ParallelCompileScope.Begin())
        {
            var bad = cache.GetOrCompile<Func<int>>("bad", "bad", () => Expression.Lambda<Func<int>>(new Unreducible()));
            var good = Constant(cache, 3);
            Assert.ThrowsAny<ArgumentException>(scope.WaitAll);
            Assert.ThrowsAny<ArgumentException>(() => bad.Run());
            Assert.Equal(3, good.Run());
        }
        Assert.Equal(1, cache.Count);
        // compiled again (inline, outside a scope), failing the same way
        Assert.ThrowsAny<ArgumentException>(() => cache.GetOrCompile<Func<int>>("bad", "bad", () => Expression.Lambda<Func<int>>(new Unreducible())));
    }
}
