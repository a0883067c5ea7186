using Mae.Cluster.Grains.Workers;
using Mae.Cluster.Grains.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mae.Cluster.Grains.Tests.Workers;

/// <summary>
/// The runs behind the inference grains: a start returns while the shard is still computing (no grain call lasts a
/// shard), a poll waits only as long as it is told, and every way a run ends comes back once as its outcome.
/// </summary>
public sealed class ShardRunsTests : IDisposable
{
    private static readonly TimeSpan ShortWait = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan LongWait = TimeSpan.FromSeconds(30);

    private readonly FakeWork _work = new();
    private readonly ShardRuns _runs;

    public ShardRunsTests() => _runs = new ShardRuns(new FakeShardExecutorFactory(_work, "silo"), NullLogger<ShardRuns>.Instance);

    [Fact]
    public async Task StartReturnsWhileTheShardComputesAndTheOutcomeIsHandedOutOnce()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Configure("job", new FakeJobBehaviour { Gate = gate, ImagesPerShard = 7, FailedImagesPerShard = 1 });

        var run = _runs.Start("cpu", Work(shard: 3));
        await Polling.WaitUntilAsync(() => _work.AttemptsOf("job", 3) == 1, LongWait, "the run never started");

        Assert.Null(await _runs.PollAsync(run, ShortWait)); // still computing: the poll gave up after its short wait
        gate.SetResult();
        var outcome = await _runs.PollAsync(run, LongWait);

        Assert.Equal(new ShardResult(7, 1, 1000), outcome!.Result);
        Assert.Equal([3], _work.MarkedShards("job"));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => _runs.PollAsync(run, ShortWait));
    }

    [Fact]
    public async Task CancelledRunEndsCancelledWithoutOutput()
    {
        _work.Configure("job", new FakeJobBehaviour { Gate = new TaskCompletionSource() });
        var run = _runs.Start("cpu", Work(shard: 5));
        await Polling.WaitUntilAsync(() => _work.AttemptsOf("job", 5) == 1, LongWait, "the run never started");

        _runs.Cancel(run);
        var outcome = await _runs.PollAsync(run, LongWait);

        Assert.Equal(ShardRunOutcome.WasCancelled, outcome);
        Assert.Empty(_work.MarkedShards("job"));
    }

    [Fact]
    public async Task FailedRunCarriesItsReason()
    {
        _work.Configure("job", new FakeJobBehaviour { FailingShards = new HashSet<int> { 9 } });

        var outcome = await _runs.PollAsync(_runs.Start("cpu", Work(shard: 9)), LongWait);

        Assert.Null(outcome!.Result);
        Assert.False(outcome.Cancelled);
        Assert.Equal("InvalidDataException: Shard 9 is corrupt (attempt 1).", outcome.Error);
    }

    [Fact]
    public async Task UnknownRunIsNotFound() =>
        await Assert.ThrowsAsync<KeyNotFoundException>(() => _runs.PollAsync(Guid.NewGuid(), ShortWait));

    private static ShardWork Work(int shard) => new("job", FakeInputCatalog.Spec(10), shard, Attempt: 1);

    public void Dispose()
    {
        _runs.Dispose();
        _work.Dispose();
    }
}
