using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Mae.Cluster.Grains.Tests.Processes;

/// <summary>A real silo process's health endpoints and opt-in dashboard: what answers, and where.</summary>
[Collection(SiloProcessCollection.Name)]
public sealed class SiloProcessHealthTests(AzuriteWithTables storage)
{
    [Fact]
    public async Task SiloAnswersLivenessAndReadinessOnLoopbackOnlyAndKeepsTheDashboardOffTheHealthPort()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var cluster = new SiloProcessCluster(storage.Azurite, leaseDuration: TimeSpan.FromMinutes(1));
        try
        {
            var dashboardPort = FreePort.OnLoopback();
            var dashboard = new Uri($"http://127.0.0.1:{dashboardPort}/");
            // StartSiloAsync returns once /readyz has answered 200: Active in the membership, worker running.
            var silo = await cluster.StartSiloAsync("solo", new Dictionary<string, string>
            {
                ["Mae__Dashboard__Enabled"] = "true",
                ["Mae__Dashboard__Urls"] = $"http://127.0.0.1:{dashboardPort}",
            });

            Assert.Equal(HttpStatusCode.OK, await silo.GetAsync("healthz", cancellationToken));
            Assert.Equal(HttpStatusCode.OK, await silo.GetAsync("readyz", cancellationToken));
            using var http = new HttpClient();
            using (var page = await http.GetAsync(dashboard, cancellationToken))
            {
                Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            }
            // Each listener serves only its own endpoints, whatever the Host header says.
            Assert.Equal(HttpStatusCode.NotFound, await silo.GetAsync("/", cancellationToken));
            using (var probe = await http.GetAsync(new Uri(dashboard, "healthz"), cancellationToken))
            {
                Assert.Equal(HttpStatusCode.NotFound, probe.StatusCode);
            }
            foreach (var address in NonLoopbackAddresses())
            {
                using var client = new TcpClient(address.AddressFamily);
                await Assert.ThrowsAsync<SocketException>(async () => await client.ConnectAsync(address, silo.Health.Port, cancellationToken));
            }
        }
        catch
        {
            await cluster.DumpLogsAsync();
            throw;
        }
    }

    private static IEnumerable<IPAddress> NonLoopbackAddresses() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .Where(a => !IPAddress.IsLoopback(a) && a.AddressFamily == AddressFamily.InterNetwork);
}
