using System.Globalization;
using Mae.Cluster.Grains;
using Mae.Cluster.Grains.Jobs;

namespace Mae.Cluster.Bench.Coordinator;

/// <summary>
/// For coordinator benchmarks: an input named <c>synthetic:N</c> holds N shards and nothing is read, so a run
/// measures the grains (enumeration, leases, completions, persistence) and nothing else.
/// </summary>
public sealed class SyntheticInputCatalog : IJobInputCatalog
{
    public const string Scheme = "synthetic:";

    /// <summary>A job spec whose input holds <paramref name="shards"/> synthetic shards; there is no real output.</summary>
    public static JobSpec Spec(int shards) => new()
    {
        Input = string.Create(CultureInfo.InvariantCulture, $"{Scheme}{shards}"),
        Output = $"{Scheme}discarded",
    };

    public Task<int> EnumerateAsync(string jobId, JobSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!spec.Input.StartsWith(Scheme, StringComparison.Ordinal)
            || !int.TryParse(spec.Input.AsSpan(Scheme.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var shards))
        {
            throw new ArgumentException($"A benchmark silo only knows synthetic inputs ('{Scheme}N'), not '{spec.Input}'.", nameof(spec));
        }
        return Task.FromResult(shards);
    }
}
