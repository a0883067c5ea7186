namespace Mae.Cluster.Pipeline.Tests;

/// <summary>
/// The device's model shared by the shards running on it: one model shared by every shard that needs it, another one
/// loaded only once the current one is free, never disposed while leased, and no shard of a job starved by another's.
/// </summary>
public sealed class SharedEngineTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Moment = TimeSpan.FromMilliseconds(100);

    private readonly List<Model> _loaded = [];

    [Fact]
    public async Task ShardsNeedingTheSameModelShareOneLoad()
    {
        using var shared = NewShared();

        using var first = await shared.AcquireAsync("a", TestContext.Current.CancellationToken);
        using var second = await shared.AcquireAsync("a", TestContext.Current.CancellationToken);

        Assert.Same(first.Engine, second.Engine);
        Assert.Single(_loaded);
    }

    [Fact]
    public async Task AnotherModelWaitsUntilEveryLeaseIsReturnedAndOnlyThenIsTheOldOneDisposed()
    {
        using var shared = NewShared();
        var first = await shared.AcquireAsync("a", TestContext.Current.CancellationToken);
        var second = await shared.AcquireAsync("a", TestContext.Current.CancellationToken);

        var other = shared.AcquireAsync("b", TestContext.Current.CancellationToken);
        await Task.Delay(Moment, TestContext.Current.CancellationToken);
        Assert.False(other.IsCompleted);
        first.Dispose();
        await Task.Delay(Moment, TestContext.Current.CancellationToken);
        Assert.False(other.IsCompleted);
        Assert.False(first.Engine.Disposed); // still leased by the second shard
        second.Dispose();

        using var b = await other.WaitAsync(Wait, TestContext.Current.CancellationToken);
        Assert.Equal("b", b.Engine.Key);
        Assert.True(first.Engine.Disposed);
    }

    [Fact]
    public async Task WhileAnotherModelIsWaitedForNoNewShardJoinsTheLoadedOne()
    {
        using var shared = NewShared();
        var a = await shared.AcquireAsync("a", TestContext.Current.CancellationToken);
        var b = shared.AcquireAsync("b", TestContext.Current.CancellationToken);
        await Task.Delay(Moment, TestContext.Current.CancellationToken);

        var laterA = shared.AcquireAsync("a", TestContext.Current.CancellationToken);
        await Task.Delay(Moment, TestContext.Current.CancellationToken);
        Assert.False(laterA.IsCompleted);
        a.Dispose();

        var bLease = await b.WaitAsync(Wait, TestContext.Current.CancellationToken);
        Assert.False(laterA.IsCompleted);
        bLease.Dispose();
        using var aAgain = await laterA.WaitAsync(Wait, TestContext.Current.CancellationToken);
        Assert.Equal(["a", "b", "a"], _loaded.Select(m => m.Key));
    }

    [Fact]
    public async Task AWaiterThatGivesUpDoesNotHoldUpTheLoadedModelsUsers()
    {
        using var shared = NewShared();
        using var a = await shared.AcquireAsync("a", TestContext.Current.CancellationToken);
        using var giveUp = new CancellationTokenSource();
        var b = shared.AcquireAsync("b", giveUp.Token);
        await Task.Delay(Moment, TestContext.Current.CancellationToken);

        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => b);

        using var laterA = await shared.AcquireAsync("a", TestContext.Current.CancellationToken).WaitAsync(Wait, TestContext.Current.CancellationToken);
        Assert.Same(a.Engine, laterA.Engine);
    }

    [Fact]
    public async Task WhileAModelLoadsNoOtherLoadStartsAndShardsNeedingItShareThatOneLoad()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var shared = new SharedEngine<string, Model>(async (key, _) =>
        {
            var model = Load(key);
            await gate.Task;
            return model;
        });
        var first = shared.AcquireAsync("a", TestContext.Current.CancellationToken);
        var sameModel = shared.AcquireAsync("a", TestContext.Current.CancellationToken);
        var other = shared.AcquireAsync("b", TestContext.Current.CancellationToken);
        await Task.Delay(Moment, TestContext.Current.CancellationToken);

        Assert.Equal(["a"], _loaded.Select(m => m.Key));
        gate.SetResult();
        var a = await first.WaitAsync(Wait, TestContext.Current.CancellationToken);
        var a2 = await sameModel.WaitAsync(Wait, TestContext.Current.CancellationToken);
        Assert.Same(a.Engine, a2.Engine);
        Assert.False(other.IsCompleted);
        a.Dispose();
        a2.Dispose();
        using var b = await other.WaitAsync(Wait, TestContext.Current.CancellationToken);
        Assert.Equal(["a", "b"], _loaded.Select(m => m.Key));
        Assert.True(a.Engine.Disposed);
    }

    [Fact]
    public async Task AFailedLoadLetsTheNextShardTryAgain()
    {
        using var shared = new SharedEngine<string, Model>((key, _) =>
            key == "broken" ? throw new InvalidDataException("no such checkpoint") : Task.FromResult(Load(key)));

        await Assert.ThrowsAsync<InvalidDataException>(() => shared.AcquireAsync("broken", TestContext.Current.CancellationToken));
        using var a = await shared.AcquireAsync("a", TestContext.Current.CancellationToken).WaitAsync(Wait, TestContext.Current.CancellationToken);

        Assert.Equal("a", a.Engine.Key);
    }

    [Fact]
    public async Task ManyShardsOfTwoModelsAtOnceNeverUseADisposedModel()
    {
        using var shared = NewShared();
        var used = 0;

        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(async () =>
        {
            using var lease = await shared.AcquireAsync(i % 2 == 0 ? "a" : "b", TestContext.Current.CancellationToken);
            Assert.False(lease.Engine.Disposed);
            await Task.Yield();
            Assert.False(lease.Engine.Disposed);
            Interlocked.Increment(ref used);
        }, TestContext.Current.CancellationToken))).WaitAsync(Wait, TestContext.Current.CancellationToken);

        Assert.Equal(200, used);
        Assert.All(_loaded.SkipLast(1), m => Assert.True(m.Disposed));
    }

    private SharedEngine<string, Model> NewShared() => new((key, _) => Task.FromResult(Load(key)));

    private Model Load(string key)
    {
        var model = new Model(key);
        lock (_loaded)
        {
            _loaded.Add(model);
        }
        return model;
    }

    private sealed class Model(string key) : IDisposable
    {
        public string Key => key;

        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }
}
