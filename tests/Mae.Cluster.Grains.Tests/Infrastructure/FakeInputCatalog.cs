using System.Globalization;
using Mae.Cluster.Grains.Jobs;

namespace Mae.Cluster.Grains.Tests.Infrastructure;

/// <summary>Inputs named "fake:N" hold N shards; anything else does not exist.</summary>
internal sealed class FakeInputCatalog : IJobInputCatalog
{
    public Task<int> EnumerateAsync(string jobId, JobSpec spec, CancellationToken cancellationToken) =>
        spec.Input.StartsWith("fake:", StringComparison.Ordinal)
            ? Task.FromResult(int.Parse(spec.Input.AsSpan(5), CultureInfo.InvariantCulture))
            : throw new DirectoryNotFoundException($"Input {spec.Input} does not exist.");

    public static JobSpec Spec(int shards, string output = "unused") => new() { Input = $"fake:{shards}", Output = output };
}
