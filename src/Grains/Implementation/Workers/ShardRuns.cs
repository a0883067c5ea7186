using System.Collections.Concurrent;
using Mae.Cluster.Grains.Workers;
using Microsoft.Extensions.Logging;

namespace Mae.Cluster.Grains.Workers;

/// <summary>
/// The shard runs of this silo's devices: one executor per device, created on first use and kept (it holds the
/// loaded model), and each run started off every grain's scheduler — the executor does its I/O on the thread pool and
/// its batches on the engine's dedicated inference thread.
/// </summary>
public sealed partial class ShardRuns(IShardExecutorFactory executors, ILogger<ShardRuns> logger) : IDisposable
{
    /// <summary>How long disposal waits for cancelled runs to end; a batch in flight finishes first.</summary>
    private static readonly TimeSpan DisposeWait = TimeSpan.FromSeconds(30);

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

    /// <summary>
    /// Stops every run and waits (a bounded while) for them to end before the executors, and the models they hold, are
    /// disposed: a model disposed under a running batch is freed twice in native code and takes the process down.
    /// </summary>
    public void Dispose()
    {
        var running = _runs.Values.ToArray();
        foreach (var run in running)
        {
            run.Cancel();
        }
        if (!Task.WaitAll(running.Select(r => (Task)r.Task).ToArray(), DisposeWait))
        {
            // Leaked rather than freed under a running batch; the process is ending anyway.
            LogRunsOutlivedShutdown(logger, running.Count(r => !r.Task.IsCompleted), DisposeWait);
            return;
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} shard runs were still running {Wait} after they were cancelled; their models are left undisposed")]
    private static partial void LogRunsOutlivedShutdown(ILogger logger, int count, TimeSpan wait);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job} shard {Shard} attempt {Attempt} failed on {Device}")]
    private static partial void LogShardFailed(ILogger logger, Exception exception, string job, int shard, int attempt, string device);
}
