using System.Collections.Concurrent;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;

namespace Mae.Cluster.Grains.Tests.Infrastructure;

/// <summary>
/// Grain storage that lives in the test process, outside every silo: it survives killed and restarted silos the way
/// a real store does. States are stored as their Orleans-serialised bytes (a deep copy, and the real payload size),
/// with ETag checks, and the bytes written are counted per job id (the grain key before any '/').
/// </summary>
internal sealed class SharedGrainStorage
{
    private readonly ConcurrentDictionary<(string State, GrainId Grain), (byte[] Data, string ETag)> _records = new();
    private readonly ConcurrentDictionary<string, WriteCounter> _writes = new();
    private readonly ConcurrentDictionary<string, int> _reads = new();

    public IGrainStorage ForSilo(Serializer serializer) => new SiloView(this, serializer);

    /// <summary>Writes and bytes written so far by the grains of one job (its job grain and partitions).</summary>
    public (long Writes, long Bytes) WrittenBy(string jobId) => _writes.TryGetValue(jobId, out var c) ? (c.Writes, c.Bytes) : (0, 0);

    /// <summary>State reads so far by the grains of one job: one per activation of its job grain or a partition.</summary>
    public int ReadsBy(string jobId) => _reads.GetValueOrDefault(jobId);

    private static string JobOf(GrainId grainId)
    {
        var key = grainId.Key.ToString()!;
        return key.Contains('/', StringComparison.Ordinal) ? key[..key.LastIndexOf('/')] : key;
    }

    private sealed class WriteCounter
    {
        public long Writes;
        public long Bytes;
    }

    private sealed class SiloView(SharedGrainStorage store, Serializer serializer) : IGrainStorage
    {
        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            store._reads.AddOrUpdate(JobOf(grainId), 1, (_, n) => n + 1);
            if (store._records.TryGetValue((stateName, grainId), out var record))
            {
                grainState.State = serializer.Deserialize<T>(record.Data);
                grainState.ETag = record.ETag;
                grainState.RecordExists = true;
            }
            return Task.CompletedTask;
        }

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            var data = serializer.SerializeToArray(grainState.State);
            var etag = Guid.NewGuid().ToString("N");
            var key = (stateName, grainId);
            lock (store._records)
            {
                var current = store._records.TryGetValue(key, out var existing) ? existing.ETag : null;
                if (current != grainState.ETag)
                {
                    throw new InconsistentStateException($"ETag mismatch writing {stateName} of {grainId}", current, grainState.ETag);
                }
                store._records[key] = (data, etag);
            }
            grainState.ETag = etag;
            grainState.RecordExists = true;
            var counter = store._writes.GetOrAdd(JobOf(grainId), _ => new WriteCounter());
            Interlocked.Increment(ref counter.Writes);
            Interlocked.Add(ref counter.Bytes, data.Length);
            return Task.CompletedTask;
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            store._records.TryRemove((stateName, grainId), out _);
            grainState.ETag = null;
            grainState.RecordExists = false;
            return Task.CompletedTask;
        }
    }
}
