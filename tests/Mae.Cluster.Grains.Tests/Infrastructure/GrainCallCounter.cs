using System.Collections.Concurrent;

namespace Mae.Cluster.Grains.Tests.Infrastructure;

/// <summary>Counts incoming grain calls by method name and job (the grain key before any '/'), across every silo.</summary>
internal sealed class GrainCallCounter : IIncomingGrainCallFilter
{
    private readonly ConcurrentDictionary<(string Job, string Method), long> _calls = new();

    public long Count(string jobId, string method) => _calls.GetValueOrDefault((jobId, method));

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        var key = context.TargetId.Key.ToString() ?? "";
        var slash = key.LastIndexOf('/');
        _calls.AddOrUpdate((slash < 0 ? key : key[..slash], context.ImplementationMethod.Name), 1, (_, n) => n + 1);
        await context.Invoke();
    }
}
