namespace Mae.Cluster.Silo.Health;

/// <summary>The silo's health endpoints (section <c>Mae:Health</c>): <c>GET /healthz</c> and <c>GET /readyz</c>.</summary>
public sealed class HealthOptions
{
    public const string Section = "Mae:Health";

    /// <summary>The default: loopback only, so a probe from outside the machine needs an explicit setting.</summary>
    public const string DefaultUrls = "http://127.0.0.1:8080";

    /// <summary>
    /// Where the endpoints listen, ';'-separated (<c>http://0.0.0.0:8080</c> for a kubelet probing a pod IP); empty
    /// turns them off.
    /// </summary>
    public string Urls { get; set; } = DefaultUrls;
}
