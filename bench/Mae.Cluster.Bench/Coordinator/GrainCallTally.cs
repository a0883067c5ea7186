using System.Collections.Concurrent;

namespace Mae.Cluster.Bench.Coordinator;

/// <summary>Counts the grain calls a silo receives, by interface and method, for the coordinator benchmark's calls-per-shard table.</summary>
public sealed class GrainCallTally : IIncomingGrainCallFilter
{
    private readonly ConcurrentDictionary<string, long> _calls = new(StringComparer.Ordinal);

    public Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _calls.AddOrUpdate($"{ShortName(context.InterfaceName)}.{context.MethodName}", 1, (_, n) => n + 1);
        return context.Invoke();
    }

    public IReadOnlyDictionary<string, long> Snapshot() => new Dictionary<string, long>(_calls, StringComparer.Ordinal);

    private static string ShortName(string interfaceName) => interfaceName[(interfaceName.LastIndexOf('.') + 1)..];
}
