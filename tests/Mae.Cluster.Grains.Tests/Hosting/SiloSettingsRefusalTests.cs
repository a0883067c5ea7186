using Mae.Cluster.Grains.Hosting;
using Mae.Cluster.Grains.Workers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Mae.Cluster.Grains.Tests.Hosting;

/// <summary>
/// A silo runs one worker for each device its settings name, and whose settings cannot work refuses to start, naming
/// the setting, before it joins a cluster or leases work.
/// </summary>
public sealed class SiloSettingsRefusalTests
{
    [Theory]
    [InlineData(null, new[] { "cpu" })]
    [InlineData("cpu", new[] { "cpu" })]
    [InlineData(" CPU ", new[] { "cpu" })]
    [InlineData("none", new string[0])]
    [InlineData("None", new string[0])]
    public void SiloRunsOneWorkerForEachDeviceItsSettingsName(string? devices, string[] expected)
    {
        using var host = Silo(new() { ["Mae:Worker:Devices"] = devices }).Build();

        var workers = host.Services.GetServices<IHostedService>().OfType<ShardWorker>().Select(w => w.Device);

        Assert.Equal(expected, workers);
    }

    [Theory]
    [InlineData("gpu7", "Unknown device 'gpu7'")]
    [InlineData("cuda:0", "CPU-only ONNX Runtime")]
    [InlineData("cpu,cuda:1", "'cuda:1'")]
    public void DeviceThisBuildCannotRunIsRefused(string devices, string reason)
    {
        var refusal = Assert.Throws<OptionsValidationException>(() => Silo(new() { ["Mae:Worker:Devices"] = devices }));

        Assert.Contains("Mae:Worker:Devices '", refusal.Message, StringComparison.Ordinal);
        Assert.Contains(reason, refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cpu,cpu", "Mae:Worker:Devices names cpu twice")]
    [InlineData("cpu, CPU", "Mae:Worker:Devices names cpu twice")]
    [InlineData(" , ", "Mae:Worker:Devices is empty")]
    public void DevicesThatCannotEachTakeOneWorkerAreRefused(string devices, string reason)
    {
        var refusal = Assert.Throws<OptionsValidationException>(() => Silo(new() { ["Mae:Worker:Devices"] = devices }));

        Assert.Contains(reason, refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SimulatedDeviceWithoutTheFlagIsRefused()
    {
        var refusal = Assert.Throws<OptionsValidationException>(() => Silo(new() { ["Mae:Worker:Devices"] = "cpu,sim:500" }));

        Assert.Contains("Mae:Worker:Devices 'sim:500' is a simulated device", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("Mae:Worker:AllowSimulatedDevices=true", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SimulatedDeviceWithTheFlagRunsAWorker()
    {
        using var host = Silo(new() { ["Mae:Worker:Devices"] = "cpu, SIM:500", ["Mae:Worker:AllowSimulatedDevices"] = "true" }).Build();

        var workers = host.Services.GetServices<IHostedService>().OfType<ShardWorker>().Select(w => w.Device);

        Assert.Equal(["cpu", "sim:500"], workers);
    }

    [Theory]
    [InlineData("sim:fast", "whole images per second")]
    [InlineData("sim:500,sim:500", "Mae:Worker:Devices names sim:500 twice")]
    public void SimulatedDeviceThatCannotRunIsRefusedEvenWithTheFlag(string devices, string reason)
    {
        var refusal = Assert.Throws<OptionsValidationException>(() => Silo(new() { ["Mae:Worker:Devices"] = devices, ["Mae:Worker:AllowSimulatedDevices"] = "true" }));

        Assert.Contains(reason, refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NumberedDevicesAreRefusedRatherThanAddedToTheDefault()
    {
        var refusal = Assert.Throws<OptionsValidationException>(() => Silo(new() { ["Mae:Worker:Devices:0"] = "cpu" }));

        Assert.Contains("Mae:Worker:Devices is one comma-separated value", refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AzureStorage")]
    [InlineData("Postgres")]
    public void ClusteringWithoutConnectionStringIsRefused(string clustering)
    {
        var refusal = Assert.Throws<OptionsValidationException>(() => Silo(new() { ["Mae:Cluster:Clustering"] = clustering }));

        Assert.Contains($"Mae:Cluster:ConnectionString is required when Mae:Cluster:Clustering is {clustering}", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PostgresConnectionStringThatNpgsqlCannotReadIsRefusedWithoutShowingIt()
    {
        var refusal = Assert.Throws<OptionsValidationException>(() => Silo(new()
        {
            ["Mae:Cluster:Clustering"] = "Postgres",
            ["Mae:Cluster:ConnectionString"] = "Host=db;Passwrd=hunter2-secret",
        }));

        Assert.Contains("Mae:Cluster:ConnectionString is not a PostgreSQL connection string", refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2-secret", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownClusteringIsRefusedNamingTheThree()
    {
        var refusal = Assert.Throws<OptionsValidationException>(() => Silo(new() { ["Mae:Cluster:Clustering"] = "Postgresql" }));

        Assert.Contains("Mae:Cluster:Clustering must be Development, AzureStorage or Postgres.", refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost:11111")]
    [InlineData("127.0.0.1")]
    [InlineData("")]
    public void PrimarySiloEndpointThatIsNotAnIpAndPortIsRefused(string endpoint)
    {
        var refusal = Assert.Throws<OptionsValidationException>(() => Silo(new() { ["Mae:Cluster:PrimarySiloEndpoint"] = endpoint }));

        Assert.Contains($"Mae:Cluster:PrimarySiloEndpoint must be IP:port, such as 127.0.0.1:11111 (was '{endpoint}')", refusal.Message, StringComparison.Ordinal);
    }

    private static HostApplicationBuilder Silo(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddMaeSilo();
        return builder;
    }
}
