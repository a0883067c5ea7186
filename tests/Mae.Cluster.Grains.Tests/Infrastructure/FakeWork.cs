using System.Collections.Concurrent;
using System.Globalization;

namespace Mae.Cluster.Grains.Tests.Infrastructure;

/// <summary>
/// Shared by every silo's fake executor (an object the fixture owns, not static state): per-job behaviour in, and
/// out a record of every execution — which silo ran which shard — plus a marker file per finished shard.
/// </summary>
internal sealed class FakeWork : IDisposable
{
    private readonly ConcurrentDictionary<string, FakeJobBehaviour> _behaviours = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<(int Shard, string Silo)>> _executions = new();

    public string MarkerRoot { get; } = Directory.CreateTempSubdirectory("mae-grains-tests-").FullName;

    public void Configure(string jobId, FakeJobBehaviour behaviour) => _behaviours[jobId] = behaviour;

    public FakeJobBehaviour BehaviourOf(string jobId) => _behaviours.GetValueOrDefault(jobId) ?? new FakeJobBehaviour();

    private readonly ConcurrentDictionary<(string Job, int Shard), int> _attempts = new();

    public void RecordAttempt(string jobId, int shard) => _attempts.AddOrUpdate((jobId, shard), 1, (_, n) => n + 1);

    public int AttemptsOf(string jobId, int shard) => _attempts.GetValueOrDefault((jobId, shard));

    /// <summary>How many of the job's shards have been started at least once.</summary>
    public int StartedShards(string jobId) => _attempts.Keys.Count(k => k.Job == jobId);

    public void Record(string jobId, int shard, string silo) => _executions.GetOrAdd(jobId, _ => new()).Enqueue((shard, silo));

    public IReadOnlyList<(int Shard, string Silo)> ExecutionsOf(string jobId) =>
        _executions.TryGetValue(jobId, out var q) ? q.ToArray() : [];

    public string MarkerFolder(string jobId) => Path.Combine(MarkerRoot, jobId);

    public static string MarkerName(int shard) => shard.ToString("D7", CultureInfo.InvariantCulture) + ".done";

    /// <summary>The shards whose marker exists, from the files themselves.</summary>
    public IReadOnlyList<int> MarkedShards(string jobId) =>
        Directory.Exists(MarkerFolder(jobId))
            ? Directory.EnumerateFiles(MarkerFolder(jobId), "*.done").Select(f => int.Parse(Path.GetFileNameWithoutExtension(f), CultureInfo.InvariantCulture)).Order().ToArray()
            : [];

    public void Dispose() => Directory.Delete(MarkerRoot, recursive: true);
}
