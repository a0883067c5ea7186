using Mae.Cluster.Silo.Dashboard;
using Mae.Cluster.Silo.Health;
using Mae.Cluster.Silo.Web;

namespace Mae.Cluster.Grains.Tests.Processes;

/// <summary>The silo's HTTP settings: loopback by default, and a clear refusal of listeners it cannot honour.</summary>
public sealed class SiloWebSettingsTests
{
    [Fact]
    public void HealthAndDashboardDefaultToLoopbackAndTheDashboardIsOff()
    {
        var health = ListenerUrls.Parse("Mae:Health:Urls", new HealthOptions().Urls);
        var dashboard = new SiloDashboardOptions();

        Assert.All(health.Urls, u => Assert.True(u.IsLoopback, $"{u} is not loopback"));
        Assert.False(dashboard.Enabled);
        Assert.All(ListenerUrls.Parse("Mae:Dashboard:Urls", dashboard.Urls).Urls, u => Assert.True(u.IsLoopback, $"{u} is not loopback"));
    }

    [Fact]
    public void EmptyUrlsTurnTheListenerOff() => Assert.True(ListenerUrls.Parse("Mae:Health:Urls", " ").IsEmpty);

    [Theory]
    [InlineData("http://*:8080", "use 0.0.0.0")]
    [InlineData("http://silo.example:8080", "must be an IP address")]
    [InlineData("https://127.0.0.1:8443", "only http://")]
    [InlineData("http://127.0.0.1:8080/health", "no path")]
    [InlineData("127.0.0.1:8080", "http://IP:PORT")]
    public void UnusableListenerIsRefusedNamingTheKey(string urls, string reason)
    {
        var refusal = Assert.Throws<InvalidOperationException>(() => ListenerUrls.Parse("Mae:Health:Urls", urls));

        Assert.Contains("Mae:Health:Urls", refusal.Message, StringComparison.Ordinal);
        Assert.Contains(reason, refusal.Message, StringComparison.Ordinal);
    }
}
