namespace Mae.Cluster.Pipeline.Tests.Support;

/// <summary>
/// Calls back synchronously on the reporting thread (unlike <see cref="Progress{T}"/>, which posts), so a test can
/// act at an exact point of the job — "right after the first shard committed" — and remembers the latest report
/// (shards finishing together may report out of order, so "latest" is the one with the most shards done).
/// </summary>
internal sealed class CallbackProgress(Action<JobProgress>? onReport = null) : IProgress<JobProgress>
{
    private readonly Lock _gate = new();
    private JobProgress? _last;

    public JobProgress? Last
    {
        get
        {
            lock (_gate)
            {
                return _last;
            }
        }
    }

    public void Report(JobProgress value)
    {
        lock (_gate)
        {
            if (_last is null || value.ShardsDone >= _last.ShardsDone)
            {
                _last = value;
            }
        }
        onReport?.Invoke(value);
    }
}
