using System.ComponentModel.DataAnnotations;

namespace Mae.Cluster.Silo;

/// <summary>How this silo finds its cluster and where grains persist (section <c>Mae:Cluster</c>).</summary>
public sealed class MaeClusterOptions
{
    public const string Section = "Mae:Cluster";

    [Required]
    public string ClusterId { get; set; } = "mae-dev";

    [Required]
    public string ServiceId { get; set; } = "mae";

    /// <summary><c>Development</c> (localhost clustering, memory grain storage) or <c>AzureStorage</c> (Table clustering, Blob grain storage).</summary>
    [RegularExpression("^(Development|AzureStorage)$", ErrorMessage = "Mae:Cluster:Clustering must be Development or AzureStorage.")]
    public string Clustering { get; set; } = "Development";

    /// <summary>Azure Storage connection string (Table + Blob; Azurite works); required for AzureStorage clustering.</summary>
    public string? ConnectionString { get; set; }

    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;
}
