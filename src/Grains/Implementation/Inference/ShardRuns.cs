using System.Collections.Concurrent;
using Mae.Cluster.Grains.Workers;
using Microsoft.Extensions.Logging;

namespace Mae.Cluster.Grains.Inference;

/// <summary>
/// The shard runs of this silo's devices: one executor per device, created on first use and kept (it holds the
/// loaded model), and each run started off every grain's scheduler — the executor does its I/O on the thread pool and
/// its batches on the engine's dedicated inference thread.
/// </summary>
public sealed partial class ShardRuns(IShardExecutorFactory executors, ILogger<ShardRuns> logger) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<IShardExecutor>> _executors = new();
    private readonly ConcurrentDictionary<Guid, Run> _runs = new();

    public Guid Start(string device, ShardWork work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var executor = _executors.GetOrAdd(device, d => new Lazy<IShardExecutor>(() => executors.Create(d))).Value;
        var id = Guid.NewGuid();
        var cancellation = new CancellationTokenSource();
        // Task.Run: the caller may be a grain turn, whose scheduler must never carry a shard.
        _runs[id] = new Run(Task.Run(() => ExecuteAsync(executor, device, work, cancellation.Token)), cancellation);
        return id;
    }

    public async Task<ShardRunOutcome?> PollAsync(Guid id, TimeSpan wait)
    {
        if (!_runs.TryGetValue(id, out var run))
        {
            throw new KeyNotFoundException($"No shard run {id} on this silo: its outcome was collected, or the silo restarted.");
        }
        if (!run.Task.IsCompleted)
        {
            await Task.WhenAny(run.Task, Task.Delay(wait)).ConfigureAwait(false);
        }
        if (!run.Task.IsCompleted)
        {
            return null;
        }
        if (_runs.TryRemove(id, out _))
        {
            run.Cancellation.Dispose();
        }
        return await run.Task.ConfigureAwait(false);
    }

    public void Cancel(Guid id)
    {
        if (_runs.TryGetValue(id, out var run))
        {
            run.Cancel();
        }
    }

    private async Task<ShardRunOutcome> ExecuteAsync(IShardExecutor executor, string device, ShardWork work, CancellationToken cancellationToken)
    {
        try
        {
            return ShardRunOutcome.Succeeded(await executor.ExecuteAsync(work, cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ShardRunOutcome.WasCancelled;
        }
#pragma warning disable CA1031 // Whatever failed this attempt becomes the shard's reason; the partition decides on a retry.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogShardFailed(logger, e, work.JobId, work.Shard, work.Attempt, device);
            return ShardRunOutcome.Failed($"{e.GetType().Name}: {e.Message}");
        }
    }

    public void Dispose()
    {
        foreach (var run in _runs.Values)
        {
            run.Cancel();
        }
        foreach (var executor in _executors.Values.Where(e => e.IsValueCreated))
        {
            (executor.Value as IDisposable)?.Dispose();
        }
    }

    private sealed record Run(Task<ShardRunOutcome> Task, CancellationTokenSource Cancellation)
    {
        public void Cancel()
        {
            try
            {
                Cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Already collected: nothing left to stop.
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job} shard {Shard} attempt {Attempt} failed on {Device}")]
    private static partial void LogShardFailed(ILogger logger, Exception exception, string job, int shard, int attempt, string device);
}
