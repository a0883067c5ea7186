using System.Collections.Concurrent;

namespace Mae.Cluster.Bench.Coordinator;

/// <summary>Writes and bytes persisted so far, per grain state name ("job", "partition", …); safe to add to from any thread.</summary>
public sealed class GrainStorageWriteTally
{
    private readonly ConcurrentDictionary<string, Counter> _byState = new(StringComparer.Ordinal);

    public void Add(string stateName, long bytes)
    {
        var counter = _byState.GetOrAdd(stateName, _ => new Counter());
        lock (counter)
        {
            counter.Writes++;
            counter.Bytes += bytes;
            counter.Largest = Math.Max(counter.Largest, bytes);
        }
    }

    /// <summary>The totals so far, by state name.</summary>
    public IReadOnlyDictionary<string, StateWrites> Snapshot() => _byState.ToDictionary(
        e => e.Key,
        e =>
        {
            lock (e.Value)
            {
                return new StateWrites(e.Value.Writes, e.Value.Bytes, e.Value.Largest);
            }
        },
        StringComparer.Ordinal);

    private sealed class Counter
    {
        public long Writes;
        public long Bytes;
        public long Largest;
    }
}
