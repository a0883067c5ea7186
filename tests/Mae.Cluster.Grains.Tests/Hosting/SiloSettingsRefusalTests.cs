using Mae.Cluster.Grains.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Mae.Cluster.Grains.Tests.Hosting;

/// <summary>A silo whose settings cannot work refuses to start, naming the setting, before it joins a cluster or leases work.</summary>
public sealed class SiloSettingsRefusalTests
{
    [Theory]
    [InlineData("gpu7", "Unknown device 'gpu7'")]
    [InlineData("cuda:0", "CPU-only ONNX Runtime")]
    public void DeviceThisBuildCannotRunIsRefused(string device, string reason)
    {
        var refusal = Assert.Throws<OptionsValidationException>(() => Silo(new() { ["Mae:Worker:Devices:0"] = device }));

        Assert.Contains($"Mae:Worker:Devices '{device}'", refusal.Message, StringComparison.Ordinal);
        Assert.Contains(reason, refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AzureStorageClusteringWithoutConnectionStringIsRefused()
    {
        var refusal = Assert.Throws<OptionsValidationException>(() => Silo(new() { ["Mae:Cluster:Clustering"] = "AzureStorage" }));

        Assert.Contains("Mae:Cluster:ConnectionString is required", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UsableSettingsAreAccepted() => Silo(new() { ["Mae:Worker:Devices:0"] = "cpu" });

    private static void Silo(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddMaeSilo();
    }
}
