namespace Mae.Cluster.Silo.Dashboard;

/// <summary>The Orleans dashboard (section <c>Mae:Dashboard</c>). Off by default: it has no authentication of its own.</summary>
public sealed class SiloDashboardOptions
{
    public const string Section = "Mae:Dashboard";

    public const string DefaultUrls = "http://127.0.0.1:8081";

    public bool Enabled { get; set; }

    /// <summary>Where the dashboard listens, ';'-separated; loopback unless configured otherwise.</summary>
    public string Urls { get; set; } = DefaultUrls;
}
