using System.Collections.Concurrent;

namespace Mae.Cluster.Inference.Engine;

/// <summary>
/// A dedicated OS thread that runs model work one job at a time. Inference is long, CPU- or GPU-bound work:
/// it must not occupy thread-pool threads (grain turns, I/O completions and decoding run there), so callers
/// await a task instead.
/// </summary>
internal sealed class InferenceThread : IDisposable
{
    private readonly BlockingCollection<(Action Work, TaskCompletionSource Done)> _queue = new(boundedCapacity: 64);
    private readonly Thread _thread;

    public InferenceThread(string name)
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = name };
        _thread.Start();
    }

    public Task RunAsync(Action work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Add((work, done), cancellationToken);
        return done.Task;
    }

    private void Loop()
    {
        foreach (var (work, done) in _queue.GetConsumingEnumerable())
        {
            try
            {
                work();
                done.SetResult();
            }
#pragma warning disable CA1031 // The failure belongs to the caller awaiting this job, not to the thread.
            catch (Exception e)
#pragma warning restore CA1031
            {
                done.SetException(e);
            }
        }
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        _thread.Join();
        _queue.Dispose();
    }
}
