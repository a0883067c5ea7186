using System.Globalization;

namespace Mae.Cluster.Grains;

/// <summary>Partition grain keys: "{job}/{partition}". Job ids may not hold '/', so the last '/' splits them.</summary>
public static class PartitionKeys
{
    public static string Of(string jobId, int partition) => string.Create(CultureInfo.InvariantCulture, $"{jobId}/{partition}");

    public static string JobOf(string partitionKey)
    {
        ArgumentNullException.ThrowIfNull(partitionKey);
        return partitionKey[..partitionKey.LastIndexOf('/')];
    }
}
