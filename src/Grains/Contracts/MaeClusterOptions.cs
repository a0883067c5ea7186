using System.ComponentModel.DataAnnotations;

namespace Mae.Cluster.Grains;

/// <summary>
/// How a silo or a client finds the cluster and where grains persist (section <c>Mae:Cluster</c>). Silos and the
/// <c>mae</c> client read the same section, so one appsettings file or one set of environment variables serves both.
/// </summary>
public sealed class MaeClusterOptions
{
    public const string Section = "Mae:Cluster";

    public const string Development = "Development";
    public const string AzureStorage = "AzureStorage";
    public const string Postgres = "Postgres";

    [Required]
    public string ClusterId { get; set; } = "mae-dev";

    [Required]
    public string ServiceId { get; set; } = "mae";

    /// <summary>
    /// <c>Development</c> (localhost clustering, memory grain storage), <c>AzureStorage</c> (Table clustering, Blob grain
    /// storage) or <c>Postgres</c> (Orleans' ADO.NET clustering and grain storage in one PostgreSQL database).
    /// </summary>
    [RegularExpression("^(Development|AzureStorage|Postgres)$", ErrorMessage = "Mae:Cluster:Clustering must be Development, AzureStorage or Postgres.")]
    public string Clustering { get; set; } = Development;

    /// <summary>
    /// Required for <c>AzureStorage</c> (a storage account's connection string, Table + Blob; Azurite works) and
    /// <c>Postgres</c> (an Npgsql connection string: <c>Host=…;Port=…;Database=…;Username=…;Password=…</c>). Never logged:
    /// it holds the account key or the password.
    /// </summary>
    public string? ConnectionString { get; set; }

    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The silo port of the first silo on this machine, whose default this is.</summary>
    public const string DefaultPrimarySiloEndpoint = "127.0.0.1:11111";

    /// <summary>
    /// <c>Development</c> clustering only: the silo (IP:port of its silo port) that holds the in-memory membership table
    /// and that every other silo joins. The default is the default <see cref="SiloPort"/> on loopback, so a second
    /// silo started with only another port joins the first; a silo whose own endpoint this is, is the primary. A lone
    /// silo on another port names itself.
    /// </summary>
    public string PrimarySiloEndpoint { get; set; } = DefaultPrimarySiloEndpoint;

    /// <summary><see cref="PrimarySiloEndpoint"/> parsed; valid once <see cref="Problems"/> is empty.</summary>
    public System.Net.IPEndPoint PrimarySilo() => System.Net.IPEndPoint.Parse(PrimarySiloEndpoint);

    /// <summary>
    /// The address this silo advertises to the others (a pod IP in Kubernetes). Default: loopback, so nothing listens
    /// beyond this machine unless configured to.
    /// </summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>Listen on every interface instead of the advertised address only (needed behind NAT or in containers).</summary>
    public bool ListenOnAnyAddress { get; set; }

    /// <summary>The problems that make these options unusable; empty when they are usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true);
        var problems = results.Select(r => r.ErrorMessage ?? "invalid Mae:Cluster option").ToList();
        if (Clustering is AzureStorage or Postgres && string.IsNullOrWhiteSpace(ConnectionString))
        {
            problems.Add($"Mae:Cluster:ConnectionString is required when Mae:Cluster:Clustering is {Clustering}.");
        }
        if (AdvertisedAddress is { } address && !System.Net.IPAddress.TryParse(address, out _))
        {
            problems.Add($"Mae:Cluster:AdvertisedAddress must be an IP address (was '{address}').");
        }
        if (!System.Net.IPEndPoint.TryParse(PrimarySiloEndpoint ?? "", out var primary) || primary.Port == 0)
        {
            problems.Add($"Mae:Cluster:PrimarySiloEndpoint must be IP:port, such as {DefaultPrimarySiloEndpoint} (was '{PrimarySiloEndpoint}').");
        }
        return problems;
    }
}
