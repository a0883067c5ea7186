using System.Globalization;
using Mae.Cluster.Grains;

namespace Mae.Cluster.Cli;

/// <summary>
/// <c>mae status</c>'s lines about the shards in flight, for an operator asking where the work is: how many each silo
/// holds, and the shards that needed more than one attempt (a silo that keeps losing its shards shows here).
/// </summary>
internal static class ShardsInFlightText
{
    /// <summary>Retried shards named one by one; beyond this many, a count.</summary>
    private const int RetriedShown = 10;

    public static IEnumerable<string> Describe(IReadOnlyList<ShardRecord> shardsInFlight)
    {
        ArgumentNullException.ThrowIfNull(shardsInFlight);
        if (shardsInFlight.Count == 0)
        {
            yield break;
        }
        var perSilo = shardsInFlight
            .GroupBy(s => SiloOf(s.LeasedBy), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} {g.Count()}"));
        yield return string.Create(CultureInfo.InvariantCulture, $"In flight: {shardsInFlight.Count} shards ({string.Join(", ", perSilo)})");
        var retried = shardsInFlight.Where(s => s.Attempts > 1).ToArray();
        if (retried.Length == 0)
        {
            yield break;
        }
        var named = retried.Take(RetriedShown).Select(s => string.Create(CultureInfo.InvariantCulture, $"shard {s.Shard} attempt {s.Attempts} on {s.LeasedBy}"));
        var more = retried.Length > RetriedShown ? string.Create(CultureInfo.InvariantCulture, $", and {retried.Length - RetriedShown} more") : "";
        yield return string.Create(CultureInfo.InvariantCulture, $"Retried: {string.Join(", ", named)}{more}");
    }

    /// <summary>The silo part of a worker id ("{silo address}/{device}").</summary>
    private static string SiloOf(string? workerId) =>
        workerId is null ? "unknown" : workerId.LastIndexOf('/') is var slash and > 0 ? workerId[..slash] : workerId;
}
